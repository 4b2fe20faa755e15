"""Photos of reports and site checks: safe reading, clean storage, plain EXIF warnings."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import struct
import zlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from tuijin.projects import photos as photos_module
from tuijin.projects.models import Photo, ProgressReport, Project, ProjectRules, SiteCheck
from tuijin.projects.photos import (
    MAX_PHOTOS,
    attach_photos,
    distance_km,
    photo_summary,
    read_photo,
)
from tuijin.projects.services import ProjectRuleError
from tuijin.projects.sitechecks import site_check_record

SHANGHAI = ZoneInfo("Asia/Shanghai")
SITE = (Decimal("30.250000"), Decimal("120.150000"))
TODAY = dt.date(2026, 6, 15)
VISIT = dt.date(2026, 6, 10)


# --- Making photos ------------------------------------------------------------------------


def _dms(value: float) -> tuple:
    value = abs(value)
    degrees = int(value)
    minutes_float = (value - degrees) * 60
    minutes = int(minutes_float)
    seconds = round((minutes_float - minutes) * 60 * 10000)
    return (IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 10000))


def jpeg_bytes(
    size=(64, 48),
    *,
    taken: str | None = "2026:06:10 09:30:00",
    offset: str | None = None,
    gps: tuple[float, float] | None = (30.25, 120.15),
    orientation: int | None = None,
    color="green",
) -> bytes:
    """A JPEG with EXIF DateTimeOriginal (Exif IFD 0x8769) and a GPS IFD (0x8825)."""
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "TestPhone"
    if taken:
        exif.get_ifd(ExifTags.IFD.Exif)[36867] = taken
        if offset:
            exif.get_ifd(ExifTags.IFD.Exif)[36881] = offset
    if gps:
        lat, lon = gps
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[1] = "N" if lat >= 0 else "S"
        info[2] = _dms(lat)
        info[3] = "E" if lon >= 0 else "W"
        info[4] = _dms(lon)
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", exif=exif, comment=b"secret note")
    return out.getvalue()


def upload(content: bytes, name: str = "IMG_0001.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg(name: str = "IMG_0001.jpg", **kwargs):
    return upload(jpeg_bytes(**kwargs), name)


def png_bytes(size=(50, 40), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (255, 0, 0, 128) if mode == "RGBA" else "blue").save(out, "PNG")
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares enormous dimensions (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def offset_north(km: float) -> tuple[float, float]:
    """A point ``km`` north of the site."""
    return float(SITE[0]) + km / 111.195, float(SITE[1])


def media_files(root) -> list[str]:
    return [
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _dirs, names in os.walk(root)
        for name in names
    ]


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def project(county):
    return Project.objects.create(
        region=county.region,
        name="清溪大道改造工程",
        total_investment=Decimal("1000"),
        address="城关镇清溪大道",
        latitude=SITE[0],
        longitude=SITE[1],
        host_unit=county.township,
    )


@pytest.fixture
def leader(county):
    from tuijin.core.roles import Role

    return county.people[Role.LEADER]


@pytest.fixture
def recorder(county):
    from tuijin.core.roles import Role

    return county.users[Role.SUPERVISION]


def record(project, leader, recorder, **overrides):
    kwargs = {
        "checker": leader,
        "visited_on": VISIT,
        "findings": "主体结构施工中，现场人员约 40 人",
        "photos": [],
        "acting_user": recorder,
        "today": TODAY,
    }
    kwargs.update(overrides)
    return site_check_record(project, **kwargs)


# --- Reading one photo --------------------------------------------------------------------


def test_test_jpeg_really_carries_exif():
    image = Image.open(io.BytesIO(jpeg_bytes(gps=(30.25, -120.5))))
    exif = image.getexif()
    assert exif.get_ifd(ExifTags.IFD.Exif)[36867] == "2026:06:10 09:30:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[1] == "N" and gps[3] == "W"
    assert float(gps[2][0]) == 30 and float(gps[2][1]) == 15


def test_read_photo_reads_exif_and_stores_a_clean_jpeg():
    data = read_photo(jpeg(gps=(30.25, 120.15)), max_mb=10)
    assert data.taken_at == dt.datetime(2026, 6, 10, 9, 30, tzinfo=SHANGHAI)
    assert data.taken_at.utcoffset() == dt.timedelta(hours=8)
    assert data.latitude == Decimal("30.250000")
    assert data.longitude == Decimal("120.150000")
    assert (data.width, data.height) == (64, 48)
    stored = Image.open(io.BytesIO(data.content))
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info and "icc_profile" not in stored.info
    assert "comment" not in stored.info
    assert b"TestPhone" not in data.content and b"secret note" not in data.content


def test_south_and_west_are_negative_and_offset_is_respected():
    data = read_photo(
        jpeg(gps=(-33.8688, -70.6693), taken="2026:06:10 09:30:00", offset="-04:00"), max_mb=10
    )
    assert data.latitude == Decimal("-33.868800")
    assert data.longitude == Decimal("-70.669300")
    assert data.taken_at == dt.datetime(2026, 6, 10, 13, 30, tzinfo=dt.UTC)


def test_orientation_is_applied_and_large_photos_are_scaled_down():
    turned = read_photo(jpeg(size=(80, 40), orientation=6), max_mb=10)
    assert (turned.width, turned.height) == (40, 80)
    big = read_photo(jpeg(size=(3000, 200), gps=None, taken=None), max_mb=10)
    assert (big.width, big.height) == (2560, 171)


def test_png_is_accepted_and_re_encoded_as_jpeg():
    data = read_photo(upload(png_bytes(), "site.png", "image/png"), max_mb=10)
    assert data.taken_at is None and data.latitude is None
    assert Image.open(io.BytesIO(data.content)).format == "JPEG"


def test_type_is_judged_by_content_not_by_name():
    data = read_photo(upload(jpeg_bytes(), "notes.txt", "text/plain"), max_mb=10)
    assert data.width == 64
    with pytest.raises(ProjectRuleError) as error:
        read_photo(upload("现场情况良好".encode() * 10, "IMG_0002.jpg"), max_mb=10)
    assert error.value.field == "photos"
    assert "IMG_0002.jpg" in error.value.message and "不是图片" in error.value.message


def test_unsupported_formats_are_named():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(ProjectRuleError) as error:
        read_photo(upload(heic, "IMG_0003.HEIC"), max_mb=10)
    assert "HEIC" in error.value.message and error.value.field == "photos"
    gif = io.BytesIO()
    Image.new("P", (4, 4)).save(gif, "GIF")
    with pytest.raises(ProjectRuleError, match="GIF"):
        read_photo(upload(gif.getvalue(), "a.jpg"), max_mb=10)


def test_corrupt_jpeg_is_refused():
    truncated = jpeg_bytes(size=(400, 300))[:600]
    with pytest.raises(ProjectRuleError) as error:
        read_photo(upload(truncated), max_mb=10)
    assert "损坏" in error.value.message and error.value.field == "photos"


def test_larger_than_the_limit_is_refused_before_decoding(monkeypatch):
    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded an oversized upload")

    monkeypatch.setattr(photos_module.Image, "open", no_decoding)
    oversized = b"\xff\xd8\xff\xe0" + os.urandom(1024 * 1024 + 10)
    with pytest.raises(ProjectRuleError) as error:
        read_photo(upload(oversized), max_mb=1)
    assert error.value.field == "photos"
    assert "1 MB" in error.value.message and "IMG_0001.jpg" in error.value.message


def test_declared_size_is_not_trusted():
    sneaky = upload(b"\xff\xd8\xff\xe0" + os.urandom(1024 * 1024 + 10))
    sneaky.size = 100
    with pytest.raises(ProjectRuleError, match="超过大小上限 1 MB"):
        read_photo(sneaky, max_mb=1)


def test_decompression_bomb_is_refused():
    with pytest.raises(ProjectRuleError) as error:
        read_photo(upload(png_declaring(100_000, 100_000), "bomb.png"), max_mb=10)
    assert "像素过多" in error.value.message and error.value.field == "photos"


def test_more_pixels_than_allowed_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ProjectRuleError, match="像素过多"):
        read_photo(jpeg(size=(40, 30)), max_mb=10)  # 1200 px: a warning turned refusal
    with pytest.raises(ProjectRuleError, match="像素过多"):
        read_photo(jpeg(size=(100, 100)), max_mb=10)  # over twice: Pillow's error


def test_distance_km():
    assert distance_km(30.25, 120.15, 30.25, 120.15) == 0
    beijing_shanghai = distance_km(39.9042, 116.4074, 31.2304, 121.4737)
    assert 1060 < beijing_shanghai < 1075
    assert distance_km(Decimal("0"), Decimal("0"), Decimal("1"), Decimal("0")) == pytest.approx(
        111.19, abs=0.01
    )


# --- Site checks --------------------------------------------------------------------------


def test_site_check_stores_clean_photos_under_random_names(project, leader, recorder, media):
    check = record(project, leader, recorder, photos=[jpeg("张三家门口.jpg"), jpeg("IMG_0009.jpg")])
    assert check.recorded_by == recorder and check.checker == leader
    stored = list(check.photos.all())
    assert len(stored) == 2
    for photo in stored:
        assert re.fullmatch(r"photos/[0-9a-f]{2}/[0-9a-f]{32}\.jpg", photo.image.name)
        assert "IMG" not in photo.image.name and "张三" not in photo.image.name
        with photo.image.open("rb") as handle:
            reopened = Image.open(io.BytesIO(handle.read()))
        assert dict(reopened.getexif()) == {}
        assert photo.taken_at == dt.datetime(2026, 6, 10, 9, 30, tzinfo=SHANGHAI)
        assert photo.latitude == SITE[0] and photo.longitude == SITE[1]
        assert photo.warnings == []
    assert sorted(media_files(media)) == sorted(photo.image.name for photo in stored)


def test_time_and_distance_mismatches_are_plain_warnings(project, leader, recorder, media):
    far = offset_north(35.2)
    check = record(project, leader, recorder, photos=[jpeg(taken="2026:05:03 16:00:00", gps=far)])
    photo = check.photos.get()
    km = distance_km(far[0], far[1], SITE[0], SITE[1])
    assert f"{km:.1f}" == "35.2"
    assert photo.warnings == [
        "照片拍摄时间 2026-05-03 与察看日期 2026-06-10 不一致",
        "照片拍摄位置距项目地点约 35.2 公里",
    ]


def test_one_day_and_two_km_are_tolerated(project, leader, recorder, media):
    check = record(
        project,
        leader,
        recorder,
        photos=[jpeg(taken="2026:06:09 23:00:00", gps=offset_north(1.5))],
    )
    assert check.photos.get().warnings == []


def test_two_days_off_is_noticed(project, leader, recorder, media):
    check = record(project, leader, recorder, photos=[jpeg(taken="2026:06:12 08:00:00")])
    assert check.photos.get().warnings == ["照片拍摄时间 2026-06-12 与察看日期 2026-06-10 不一致"]


def test_utc_evening_is_the_next_day_in_the_county(project, leader, recorder, media):
    # 2026-06-10 17:00 UTC is 2026-06-11 01:00 in 清溪县: within a day of the visit.
    check = record(
        project,
        leader,
        recorder,
        visited_on=dt.date(2026, 6, 12),
        photos=[jpeg(taken="2026:06:10 17:00:00", offset="+00:00")],
    )
    assert check.photos.get().warnings == []


def test_photo_without_exif_is_a_plain_note(project, leader, recorder, media):
    check = record(project, leader, recorder, photos=[jpeg(taken=None, gps=None)])
    photo = check.photos.get()
    assert photo.warnings == ["照片无拍摄时间/位置信息，无法核对"]
    assert photo.taken_at is None and photo.latitude is None
    only_time = record(project, leader, recorder, photos=[jpeg(gps=None)]).photos.get()
    assert only_time.warnings == ["照片无拍摄位置信息，无法核对"]


def test_project_without_coordinates_gives_no_distance_warning(project, leader, recorder, media):
    project.latitude = project.longitude = None
    project.save()
    check = record(project, leader, recorder, photos=[jpeg(gps=offset_north(50))])
    photo = check.photos.get()
    assert photo.warnings == []
    assert photo_summary(photo)["distance_text"] == "项目未标注坐标"


def test_one_bad_photo_saves_nothing(project, leader, recorder, media):
    photos = [jpeg("a.jpg"), upload(b"just some text", "b.jpg"), jpeg("c.jpg")]
    with pytest.raises(ProjectRuleError) as error:
        record(project, leader, recorder, photos=photos)
    assert error.value.field == "photos"
    assert error.value.message.startswith("第 2 张照片（b.jpg）")
    assert SiteCheck.objects.count() == 0
    assert Photo.objects.count() == 0
    assert media_files(media) == []


def test_oversized_photo_follows_the_county_rule(project, leader, recorder, media):
    rules = ProjectRules.for_region(project.region_id)
    rules.photo_max_mb = 1
    rules.save()
    big = upload(b"\xff\xd8\xff\xe0" + os.urandom(1024 * 1024 + 10), "big.jpg")
    with pytest.raises(ProjectRuleError, match="超过大小上限 1 MB"):
        record(project, leader, recorder, photos=[jpeg(), big])
    assert SiteCheck.objects.count() == 0 and Photo.objects.count() == 0
    assert media_files(media) == []


def test_failure_while_storing_removes_written_files(project, leader, recorder, media, monkeypatch):
    calls = {"n": 0}
    original = Photo.save

    def fail_second(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Photo, "save", fail_second)
    with pytest.raises(RuntimeError):
        record(project, leader, recorder, photos=[jpeg(), jpeg()])
    assert SiteCheck.objects.count() == 0 and Photo.objects.count() == 0
    assert media_files(media) == []


def test_too_many_photos_are_refused(project, leader, recorder, media):
    with pytest.raises(ProjectRuleError) as error:
        record(project, leader, recorder, photos=[jpeg() for _ in range(MAX_PHOTOS + 1)])
    assert error.value.field == "photos" and f"最多上传 {MAX_PHOTOS} 张" in error.value.message
    assert SiteCheck.objects.count() == 0 and media_files(media) == []


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"visited_on": dt.date(2026, 6, 16)}, "visited_on", "不能晚于今天"),
        ({"visited_on": None}, "visited_on", "请填写察看日期"),
        ({"visited_on": "6月10日"}, "visited_on", "格式不正确"),
        ({"findings": "   "}, "findings", "请填写察看情况"),
        ({"checker": None}, "checker", "察看人"),
        ({"checker": "王县长"}, "checker", "察看人"),
    ],
)
def test_site_check_refusals(project, leader, recorder, media, overrides, field, message):
    with pytest.raises(ProjectRuleError) as error:
        record(project, leader, recorder, photos=[jpeg()], **overrides)
    assert error.value.field == field and message in error.value.message
    assert SiteCheck.objects.count() == 0 and Photo.objects.count() == 0
    assert media_files(media) == []


def test_checker_from_another_county_is_refused(project, recorder, other_county, media):
    from tuijin.core.roles import Role

    with pytest.raises(ProjectRuleError) as error:
        record(project, other_county.people[Role.LEADER], recorder)
    assert error.value.field == "checker"
    assert SiteCheck.objects.count() == 0


def test_site_check_without_photos(project, leader, recorder, media):
    check = record(project, leader, recorder, visited_on="2026-06-15")
    assert check.visited_on == TODAY and check.photos.count() == 0


def test_photo_summary_for_templates(project, leader, recorder, media):
    check = record(project, leader, recorder, photos=[jpeg(gps=offset_north(3))])
    photo = check.photos.get()
    summary = photo_summary(photo)
    assert summary["taken_at_text"] == "2026-06-10 09:30"
    assert summary["reference"] == "察看日期 2026-06-10"
    assert summary["distance_km"] == 3.0
    assert summary["distance_text"] == "距项目地点约 3.0 公里"
    assert summary["project_address"] == "城关镇清溪大道"
    assert summary["warnings"] == ["照片拍摄位置距项目地点约 3.0 公里"]
    assert summary["consistent"] is False
    assert summary["url"] == reverse("projects:photo", args=[photo.pk])  # scoped, never /media/


# --- Reports ------------------------------------------------------------------------------


@pytest.fixture
def report(project):
    return ProgressReport.objects.create(
        project=project,
        period=dt.date(2026, 6, 1),
        progress_text="基础施工完成 60%",
        invested=Decimal("10"),
    )


def test_report_photos_are_checked_against_the_period(project, report, media):
    photos = attach_photos(
        [
            jpeg(taken="2026:06:28 10:00:00"),
            jpeg(taken="2026:07:01 10:00:00"),  # a day late: tolerated
            jpeg(taken="2026:05:03 10:00:00"),
        ],
        report=report,
        project=project,
        max_mb=10,
    )
    assert [photo.warnings for photo in photos] == [
        [],
        [],
        ["照片拍摄时间 2026-05-03 不在填报期 2026年6月内"],
    ]
    assert list(report.photos.all()) == photos
    assert photo_summary(photos[0])["reference"] == "填报期 2026年6月"


def test_attach_photos_needs_one_owner(project, report):
    with pytest.raises(ValueError):
        attach_photos([jpeg()], project=project, max_mb=10)
    assert attach_photos([], report=report, project=project, max_mb=10) == []
