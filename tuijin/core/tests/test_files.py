"""Safe files (issue 8 point 5): uploads are judged by their bytes and size, Excel imports
refuse zip bombs and entity expansion in well under a second, images lose their metadata on
storage, stored names never come from the user, downloads are attachments of the right type.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo

from tuijin.appeals.models import AppealAttachment
from tuijin.appeals.services import AppealRuleError
from tuijin.appeals.tests.conftest import receive, world  # noqa: F401  (fixture)
from tuijin.core import files
from tuijin.core.directory_import import DirectoryImportError, import_directory
from tuijin.core.models import Person
from tuijin.core.roles import Role
from tuijin.enterprises.models import Enterprise
from tuijin.enterprises.services import EnterpriseImportError, import_enterprises
from tuijin.projects.ledger import LedgerImportError, import_ledger
from tuijin.projects.models import Project
from tuijin.projects.tests.test_ledger import project_row, simple_ledger, snapshot
from tuijin.supervision import services
from tuijin.supervision.models import OrderFile
from tuijin.supervision.tests.conftest import issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- files of every accepted type -------------------------------------------------------


def docx_bytes() -> bytes:
    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("整改报告")
    document.save(out)
    return out.getvalue()


def xlsx_bytes(rows=(("名称", "数量"), ("电力接入", 1))) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def image_bytes(fmt: str = "JPEG", size=(40, 20), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt, **save)
    return out.getvalue()


OLE2 = files.OLE2 + b"\0" * 504
GOOD = {
    "整改报告.pdf": b"%PDF-1.7\n1 0 obj\n",
    "整改报告.docx": docx_bytes(),
    "台账.xlsx": xlsx_bytes(),
    "旧版.doc": OLE2,
    "旧表.xls": OLE2,
    "汇报.ppt": OLE2,
    "金山文字.wps": OLE2,
    "金山表格.et": OLE2,
    "金山演示.dps": OLE2,
    "电子公文.ofd": zip_bytes({"OFD.xml": b"<ofd:OFD/>"}),
    "说明.txt": "验收意见：同意".encode("gb18030"),
    "说明-utf8.txt": "验收意见：同意".encode(),
    "现场.jpg": image_bytes("JPEG"),
    "现场.png": image_bytes("PNG"),
    "材料.zip": zip_bytes({"a.txt": b"a"}),
    "材料.rar": b"Rar!\x1a\x07\x01\x00" + b"\0" * 20,
    "材料.7z": b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\0" * 20,
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_every_accepted_type_passes_with_its_true_content(name):
    [checked] = files.check_files([SimpleUploadedFile(name, GOOD[name])], services.OrderRuleError)
    assert checked.name == name


BAD = {
    "通知.pdf": b"<html><script>alert(1)</script></html>",
    "报告.docx": zip_bytes({"word/document.xml": b"<w/>"}),  # a zip, but no Office document
    "报告2.docx": xlsx_bytes(),  # an Excel workbook named as Word
    "台账.xlsx": b"PK xlsx",
    "旧版.doc": b"%PDF-1.4",
    "金山文字.wps": b"MZ\x90\x00",
    "电子公文.ofd": zip_bytes({"readme.txt": b"x"}),
    "说明.txt": b"text\x00with NUL",
    "说明2.txt": b"\xff\xd8\xff\xe0 not text \x81\x30",
    "现场.jpg": image_bytes("PNG"),
    "现场.png": b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    "材料.zip": b"Rar!\x1a\x07\x00",
    "材料.rar": b"PK\x03\x04",
    "材料.7z": b"MZ",
    "空的.pdf": b"",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_content_that_does_not_match_the_name_is_refused(name):
    with pytest.raises(services.OrderRuleError) as refused:
        files.check_files([SimpleUploadedFile(name, BAD[name])], services.OrderRuleError)
    assert f"附件「{name}」" in refused.value.message
    assert "不符" in refused.value.message or "空文件" in refused.value.message


def test_a_disguised_page_is_refused_on_the_respond_page_and_nothing_is_stored(county, client_for):
    order = issue(county)
    staff = county.users[Role.UNIT_STAFF]
    services.order_sign(order, acting_user=staff)
    page = client_for(staff).post(
        reverse("supervision:respond", args=[order.pk]),
        {"text": "已完成", "files": SimpleUploadedFile("说明.pdf", b"<html>phish</html>")},
        follow=True,
    )
    html = page.content.decode()
    assert "附件「说明.pdf」的内容不是PDF文件，与扩展名 .pdf 不符" in html
    order.refresh_from_db()
    assert order.status == order.Status.SIGNED
    assert not OrderFile.objects.exists()


def test_attachment_size_limit_is_checked_before_the_content(county):
    big = SimpleUploadedFile("大.pdf", b"%PDF-" + b"0" * files.MAX_FILE_BYTES)
    with pytest.raises(services.OrderRuleError, match="超过 10 MB"):
        files.check_files([big], services.OrderRuleError)


# --- images -------------------------------------------------------------------------------


def exif_jpeg() -> bytes:
    """A phone photo: taken sideways (orientation 6), with GPS, a comment and XMP."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Huawei"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 5.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (10, 120, 200)).save(
        out, "JPEG", exif=exif.tobytes(), comment=b"home address", xmp=b"<x:xmpmeta>GPS</x>"
    )
    return out.getvalue()


def test_an_attached_photo_is_stored_upright_without_its_metadata(world):  # noqa: F811
    data = exif_jpeg()
    assert b"Huawei" in data and b"home address" in data
    appeal = receive(world, files=[SimpleUploadedFile("现场.jpg", data)])
    attached = AppealAttachment.objects.get(appeal=appeal)
    stored = attached.file.read()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert image.size == (20, 40)  # turned as the phone meant it
    assert not image.getexif()
    assert "comment" not in image.info and "xmp" not in image.info
    for secret in (b"Huawei", b"home address", b"xmpmeta", b"Exif"):
        assert secret not in stored
    assert attached.name == "现场.jpg" and attached.size == len(stored)


def test_a_png_keeps_its_format_and_loses_its_text_chunks(world):  # noqa: F811
    info = PngInfo()
    info.add_text("Author", "张三 13900000001")
    data = image_bytes("PNG", pnginfo=info)
    appeal = receive(world, files=[SimpleUploadedFile("截图.png", data)])
    stored = AppealAttachment.objects.get(appeal=appeal).file.read()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "PNG" and not image.text
    assert b"13900000001" not in stored


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_image_is_refused_quickly(world):  # noqa: F811
    start = time.perf_counter()
    with pytest.raises(AppealRuleError) as refused:
        receive(world, files=[SimpleUploadedFile("图.png", png_claiming(100_000, 100_000))])
    assert time.perf_counter() - start < 1
    assert "像素过多" in refused.value.message
    assert not AppealAttachment.objects.exists()


def test_a_finding_photo_keeps_its_exif_time_but_not_its_exif(county, client_for):
    from tuijin.supervision.inspections import _read_photos

    [read] = _read_photos([SimpleUploadedFile("p.jpg", exif_jpeg())], county.region.pk)
    image = Image.open(io.BytesIO(read.content))
    assert not image.getexif() and b"Huawei" not in read.content
    assert image.size == (20, 40)


# --- stored names and downloads -----------------------------------------------------------


def test_stored_names_never_come_from_the_uploaded_name(county):
    from tuijin.appeals.models import _attachment_path
    from tuijin.projects.models.tracking import _photo_path
    from tuijin.supervision.models import _bulletin_path, _file_path, _finding_photo_path

    hostile = "../../etc/通知<script>.HTML.pdf"
    paths = {
        "orders": _file_path(None, hostile),
        "appeals": _attachment_path(None, hostile),
        "bulletins": _bulletin_path(None, hostile),
        "findings": _finding_photo_path(None, hostile),
        "photos": _photo_path(None, hostile),
    }
    for folder, path in paths.items():
        assert re.fullmatch(rf"{folder}/[0-9a-f]{{2}}/[0-9a-f]{{32}}\.(pdf|docx|jpg)", path), path
    assert not Path(_file_path(None, "page.html")).suffix
    assert not Path(_attachment_path(None, "shell.php")).suffix


def test_an_order_file_downloads_as_an_attachment_of_its_type(county, client_for):
    order = issue(county)
    staff = county.users[Role.UNIT_STAFF]
    services.order_sign(order, acting_user=staff)
    content = docx_bytes()
    upload = SimpleUploadedFile("../整改 报告.docx", content)
    services.order_respond(order, acting_user=staff, text="已完成", files=[upload])
    attached = OrderFile.objects.get()
    assert "整改" not in attached.file.name and attached.name == "整改 报告.docx"
    response = client_for(staff).get(reverse("supervision:file", args=[attached.pk]))
    assert response["Content-Type"] == files.CONTENT_TYPES[".docx"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%95%B4%E6%94%B9" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


def test_a_stored_file_with_an_unknown_extension_is_never_served_as_html(
    world,  # noqa: F811
    client_for,
    county,
):
    appeal = receive(world, files=[SimpleUploadedFile("说明.txt", "说明".encode())])
    attached = AppealAttachment.objects.get(appeal=appeal)
    response = client_for(world.office).get(reverse("appeals:file", args=[attached.pk]))
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    # A file stored before the checks existed, under a name a browser would render.
    attached.file.name = attached.file.name.rsplit(".", 1)[0] + ".html"
    Path(attached.file.path).write_bytes(b"<script>alert(1)</script>")
    attached.save(update_fields=["file"])
    response = client_for(world.office).get(reverse("appeals:file", args=[attached.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_project_photo_is_served_inline_as_jpeg_only_within_scope(
    county, other_county, client_for
):
    import datetime as dt

    from django.core.files.base import ContentFile

    from tuijin.projects.models import Photo, ProgressReport
    from tuijin.projects.photos import photo_summary
    from tuijin.projects.tests.conftest import make_project

    project = make_project(county)
    report = ProgressReport.objects.create(
        project=project, period=dt.date(2026, 6, 1), progress_text="主体施工", invested=0
    )
    photo = Photo(report=report)
    photo.image.save("ignored.jpg", ContentFile(image_bytes("JPEG")), save=True)
    url = photo_summary(photo)["url"]
    assert url == reverse("projects:photo", args=[photo.pk]) and "/media/" not in url
    shown = client_for(county.users[Role.PRINCIPAL]).get(url)
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in shown.get("Content-Disposition", "")
    saved = client_for(county.users[Role.PRINCIPAL]).get(url + "?download=1")
    assert saved["Content-Disposition"].startswith("attachment;")
    assert client_for(other_county.users[Role.PRINCIPAL]).get(url).status_code == 404


# --- Excel imports: bombs, entities, limits ------------------------------------------------


def rebuild(xlsx: bytes, replace: dict[str, bytes] = (), raw: dict | None = None) -> bytes:
    """The workbook with some members replaced; ``raw`` members are written pre-deflated
    as (deflated bytes, unpacked size, crc) so a 1 GB member costs a second to build."""
    replace, raw = dict(replace), raw or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            if member.filename in raw:
                data, size, crc = raw[member.filename]
                info = zipfile.ZipInfo(member.filename, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type, info.file_size = zipfile.ZIP_DEFLATED, size
                info.compress_size, info.CRC = len(data), crc
                info.header_offset = target.fp.tell()
                target.fp.write(info.FileHeader(False))
                target.fp.write(data)
                target.filelist.append(info)
                target.NameToInfo[info.filename] = info
                target.start_dir = target.fp.tell()
                continue
            data = replace.get(member.filename, source.read(member))
            target.writestr(member.filename, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def gigabyte_of_rows() -> tuple[bytes, int, int]:
    """1 GB of ``<row>`` elements deflated into about 2.6 MB (a zip bomb)."""
    chunk = b'<row><c t="n"><v>0</v></c></row>' * 32_768  # 1 MiB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(1024):
        crc = zlib.crc32(chunk, crc)
    return block * 1024 + b"\x03\x00", len(chunk) * 1024, crc


def billion_laughs(xml: bytes) -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    body = body.replace(b"</sheets>", b"</sheets><definedNames/>", 1)
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + f"<!DOCTYPE workbook [{entities}]>".encode()
        + body.replace(b'name="Sheet"', b'name="&lol9;"', 1)
    )


@pytest.fixture
def ledger(county, tmp_path) -> bytes:
    return simple_ledger(tmp_path / "ledger.xlsx", county, project_row(county)).read_bytes()


def test_a_zip_bomb_ledger_is_refused_in_under_a_second_and_nothing_imported(
    county, ledger, tmp_path
):
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(rebuild(ledger, raw={"xl/worksheets/sheet1.xml": gigabyte_of_rows()}))
    assert bomb.stat().st_size < 4 * 1024 * 1024
    before = snapshot()
    start = time.perf_counter()
    with pytest.raises(LedgerImportError) as refused:
        import_ledger(bomb, region=county.region)
    assert time.perf_counter() - start < 1
    assert "文件结构异常，已拒绝" in str(refused.value)
    assert "压缩比" in str(refused.value) or "解压后超过" in str(refused.value)
    assert snapshot() == before


def test_a_billion_laughs_ledger_is_refused_in_under_a_second(county, ledger, tmp_path):
    with zipfile.ZipFile(io.BytesIO(ledger)) as book:
        workbook_xml = book.read("xl/workbook.xml")
    laughs = tmp_path / "laughs.xlsx"
    laughs.write_bytes(rebuild(ledger, {"xl/workbook.xml": billion_laughs(workbook_xml)}))
    before = snapshot()
    start = time.perf_counter()
    with pytest.raises(LedgerImportError) as refused:
        import_ledger(laughs, region=county.region)
    assert time.perf_counter() - start < 1
    assert "含有文档类型声明" in str(refused.value)
    assert snapshot() == before


@pytest.mark.parametrize("which", ["enterprises", "directory", "hotline"])
@pytest.mark.parametrize("attack", ["bomb", "laughs"])
def test_every_other_import_refuses_bombs_and_entities_too(county, which, attack):
    from tuijin.appeals.hotline import import_hotline
    from tuijin.core.imports import ImportRejected

    book = xlsx_bytes()
    if attack == "bomb":
        bad = rebuild(book, raw={"xl/worksheets/sheet1.xml": gigabyte_of_rows()})
    else:
        with zipfile.ZipFile(io.BytesIO(book)) as archive:
            workbook_xml = archive.read("xl/workbook.xml")
        bad = rebuild(book, {"xl/workbook.xml": billion_laughs(workbook_xml)})
    run = {
        "enterprises": lambda f: import_enterprises(f, region=county.region),
        "directory": lambda f: import_directory(f),
        "hotline": lambda f: import_hotline(
            f, region=county.region, acting_user=county.users[Role.PROJECT_OFFICE]
        ),
    }[which]
    start = time.perf_counter()
    with pytest.raises(ImportRejected) as refused:
        run(io.BytesIO(bad))
    assert time.perf_counter() - start < 1
    assert "文件结构异常，已拒绝" in str(refused.value)


def test_openpyxl_reads_workbooks_through_defusedxml():
    """Besides our own scan: openpyxl's parser forbids entities when defusedxml is there."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_the_import_page_shows_the_refusal_of_a_bomb(county, client_for, ledger):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    bomb = rebuild(ledger, raw={"xl/worksheets/sheet1.xml": gigabyte_of_rows()})
    assert client.get(reverse("projects:ledger-import")).status_code == 200  # warm the page
    start = time.perf_counter()
    page = client.post(
        reverse("projects:ledger-import"),
        {"action": "preview", "file": SimpleUploadedFile("台账.xlsx", bomb)},
    )
    assert time.perf_counter() - start < 1
    assert "文件结构异常，已拒绝" in page.content.decode()
    assert client.post(reverse("projects:ledger-import"), {"action": "confirm"}).status_code == 302
    assert not Project.objects.exists()


def test_too_many_entries_are_refused(county, ledger):
    padded = io.BytesIO(ledger)
    with zipfile.ZipFile(padded, "a") as book:
        for n in range(250):
            book.writestr(f"xl/media/image{n}.png", b"x")
    padded.seek(0)
    with pytest.raises(LedgerImportError, match="包含 25[0-9] 个部件，超过 200 个"):
        import_ledger(padded, region=county.region)


def test_limits_are_settings(county, ledger, settings):
    settings.TUIJIN_IMPORT_MAX_UNZIPPED_BYTES = 10_000
    with pytest.raises(LedgerImportError, match="解压后超过 9 KB"):
        import_ledger(io.BytesIO(ledger), region=county.region)


def test_rows_beyond_the_limit_stop_the_reading(county, settings):
    settings.TUIJIN_IMPORT_MAX_ROWS = 30
    rows = [("企业名称", "统一社会信用代码")] + [(f"企业{n}", "") for n in range(40)]
    with pytest.raises(EnterpriseImportError) as refused:
        import_enterprises(io.BytesIO(xlsx_bytes(rows)), region=county.region)
    assert "超过 30 行" in str(refused.value)
    assert not Enterprise.objects.exists()


def test_a_sheet_declaring_too_many_rows_is_refused_before_reading(county, ledger, settings):
    settings.TUIJIN_IMPORT_MAX_ROWS = 1000
    with zipfile.ZipFile(io.BytesIO(ledger)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    claimed = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:H1048576"', sheet)
    assert claimed != sheet
    with pytest.raises(LedgerImportError, match="超过 1000 行"):
        import_ledger(
            io.BytesIO(rebuild(ledger, {"xl/worksheets/sheet1.xml": claimed})),
            region=county.region,
        )


def test_columns_beyond_the_limit_are_refused_unless_empty(county, settings):
    settings.TUIJIN_IMPORT_MAX_COLUMNS = 20
    book = Workbook()
    sheet = book.active
    sheet.title = "人员"
    for title in ("地区", "单位"):
        book.create_sheet(title)
    sheet.cell(row=1, column=1, value="序号")
    sheet.cell(row=1, column=25, value="多余")
    out = io.BytesIO()
    book.save(out)
    before = Person.objects.count()
    with pytest.raises(DirectoryImportError) as refused:
        import_directory(io.BytesIO(out.getvalue()))
    assert "超过 20 列（到 Y 列）" in str(refused.value)
    assert Person.objects.count() == before


def test_ledger_columns_beyond_the_limit_are_refused_but_empty_formatted_ones_pass(county, ledger):
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    def with_cell(value) -> io.BytesIO:
        book = load_workbook(io.BytesIO(ledger))
        cell = book.active.cell(row=3, column=250, value=value)
        cell.font = Font(bold=True)
        out = io.BytesIO()
        book.save(out)
        out.seek(0)
        return out

    with pytest.raises(LedgerImportError, match="超过 200 列（到 IP 列）"):
        import_ledger(with_cell("多余"), region=county.region)
    assert not Project.objects.exists()
    import_ledger(with_cell(None), region=county.region)
    assert Project.objects.filter(name="测试项目1").exists()


def test_a_normal_ledger_still_imports(county, ledger):
    report = import_ledger(io.BytesIO(ledger), region=county.region)
    assert Project.objects.filter(name="测试项目1").exists()
    assert report is not None


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("directory:import", Role.ADMIN),
        ("projects:ledger-import", Role.PROJECT_OFFICE),
        ("enterprises:import", Role.PROJECT_OFFICE),
        ("appeals:hotline-import", Role.PROJECT_OFFICE),
    ],
)
def test_an_import_over_the_size_limit_is_refused_on_every_import_page(
    county, client_for, settings, url, role
):
    settings.TUIJIN_MAX_IMPORT_BYTES = 1000
    client = client_for(county.users[role])
    page = client.post(
        reverse(url),
        {"action": "preview", "file": SimpleUploadedFile("导入.xlsx", xlsx_bytes() * 2)},
    )
    assert page.status_code == 400
    assert "文件过大，请拆分后再导入" in page.content.decode()
    assert not (Path(settings.MEDIA_ROOT) / "imports").exists() or not any(
        (Path(settings.MEDIA_ROOT) / "imports").iterdir()
    )
