"""The one way an uploaded Excel file is opened: checked as a zip before it is unpacked.

An .xlsx is a zip of XML files. A few kilobytes can unpack to gigabytes (a zip bomb) or
declare entities that expand a thousandfold each (billion laughs). Before openpyxl sees the
file, its zip directory is checked against limits on entries, unpacked size and compression
ratio, and the head of every XML member is read to refuse a DTD; while reading, rows and
columns are bounded whatever the sheet claims. Python's zipfile never unpacks more than a
member's declared size, so the declared sizes checked here bound the work that follows.

Every import (ledger, directory, enterprises, hotline) opens its file here; each passes
``fail(message)`` returning its own rejection, so the user sees one Chinese line and nothing
is imported.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter
from openpyxl.workbook.workbook import Workbook

Fail = Callable[[str], Exception]

# Defaults; each can be set in settings (or the environment through tuijin/settings.py).
DEFAULTS = {
    "TUIJIN_IMPORT_MAX_ENTRIES": 200,
    "TUIJIN_IMPORT_MAX_UNZIPPED_BYTES": 100 * 1024 * 1024,
    "TUIJIN_IMPORT_MAX_RATIO": 100,
    "TUIJIN_IMPORT_MAX_ROWS": 200_000,
    "TUIJIN_IMPORT_MAX_COLUMNS": 200,
}
# Below this a member's compression ratio is not judged: small XML compresses very well.
RATIO_FLOOR_BYTES = 1024 * 1024
# How much of an XML member is read to find its root element (and any DTD before it).
HEAD_BYTES = 64 * 1024

NOT_XLSX = "不是有效的 Excel 文件（.xlsx），请在 Excel 或 WPS 中另存为 .xlsx 后再导入"
_SUSPECT = "文件结构异常，已拒绝：{}。请在 Excel 或 WPS 中打开后另存为新的 .xlsx 再导入"


def limit(name: str) -> int:
    """A limit from settings, else its default."""
    return int(getattr(settings, name, DEFAULTS[name]))


def _mb(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(size // 1024, 1)} KB"
    return f"{size / (1024 * 1024):.0f} MB"


def check_workbook(handle: IO[bytes], fail: Fail, not_workbook: str = NOT_XLSX) -> None:
    """Refuse, before anything is unpacked, a file that is not a zip or whose directory or
    XML heads say bomb: too many entries, too large unpacked, a ratio no spreadsheet has, or
    a document type declaration (the carrier of entity expansion and external entities)."""
    start = handle.tell()
    try:
        if handle.read(4) != b"PK\x03\x04":
            raise fail(not_workbook)
        handle.seek(start)
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise fail(not_workbook) from exc
        with archive:
            members = archive.infolist()
            max_entries = limit("TUIJIN_IMPORT_MAX_ENTRIES")
            if len(members) > max_entries:
                raise fail(_SUSPECT.format(f"包含 {len(members)} 个部件，超过 {max_entries} 个"))
            total, max_total = 0, limit("TUIJIN_IMPORT_MAX_UNZIPPED_BYTES")
            max_ratio = limit("TUIJIN_IMPORT_MAX_RATIO")
            for member in members:
                total += member.file_size
                if total > max_total:
                    raise fail(_SUSPECT.format(f"解压后超过 {_mb(max_total)}"))
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size > RATIO_FLOOR_BYTES and ratio > max_ratio:
                    raise fail(_SUSPECT.format(f"压缩比 {ratio:.0f} 倍，超过 {max_ratio} 倍"))
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise fail(not_workbook)
            for member in members:
                if member.filename.endswith((".xml", ".rels", ".vml")) and not member.is_dir():
                    _check_xml_head(archive, member, fail, not_workbook)
    finally:
        handle.seek(start)


_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def _check_xml_head(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, fail: Fail, not_workbook: str
) -> None:
    """The XML declaration, comments and processing instructions may come before the root
    element; a ``<!DOCTYPE`` (or anything else) may not."""
    try:
        with archive.open(member) as stream:
            head = stream.read(HEAD_BYTES)
    except Exception as exc:  # corrupt, encrypted or unknown compression: not a workbook
        raise fail(not_workbook) from exc
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8")
    elif head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    at = 0
    while match := _PROLOG.match(head, at):
        at = match.end()
    rest = head[at:].lstrip()
    if rest.upper().startswith(b"<!DOCTYPE"):
        raise fail(_SUSPECT.format("含有文档类型声明（<!DOCTYPE>）"))
    if b"<!ENTITY" in head.upper():
        raise fail(_SUSPECT.format("含有实体声明（<!ENTITY>）"))
    if not rest:
        if len(head) < HEAD_BYTES:
            return  # nothing but a prolog (or nothing): openpyxl decides
        raise fail(_SUSPECT.format(f"部件 {member.filename[:60]} 不是正常的 XML"))
    if not rest.startswith(b"<") or rest.startswith(b"<!"):
        raise fail(_SUSPECT.format(f"部件 {member.filename[:60]} 不是正常的 XML"))


def open_workbook(handle: IO[bytes], fail: Fail, not_workbook: str = NOT_XLSX) -> Workbook:
    """The checked workbook, read-only with cached values, every sheet's declared rows
    within the limit. ``fail(message)`` gives the caller's rejection; ``not_workbook`` is
    what the caller says of a file that is no .xlsx at all."""
    check_workbook(handle, fail, not_workbook)
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors: all mean "not a workbook"
        raise fail(not_workbook) from exc
    try:
        for sheet in book.worksheets:
            _check_dimension(sheet, fail)
    except BaseException:
        book.close()
        raise
    return book


def _check_dimension(sheet: Any, fail: Fail) -> None:
    """The rows a sheet declares (``<dimension ref="A1:H10000"/>``), when it declares them.
    Declared columns are not judged: some tools declare 1,024 (AMJ) for a narrow sheet; the
    hard stop while reading counts the columns that hold something."""
    check_size(sheet.title, getattr(sheet, "max_row", None) or 0, 0, fail)


def check_size(title: str, rows: int, columns: int, fail: Fail) -> None:
    max_rows, max_columns = limit("TUIJIN_IMPORT_MAX_ROWS"), limit("TUIJIN_IMPORT_MAX_COLUMNS")
    if rows > max_rows:
        raise fail(f"工作表「{title}」超过 {max_rows} 行，请删除多余的行或拆分后再导入")
    if columns > max_columns:
        raise fail(
            f"工作表「{title}」超过 {max_columns} 列（到 {get_column_letter(columns)} 列），"
            "请删除多余的列后再导入"
        )


def bounded_rows(sheet: Any, fail: Fail) -> Iterator[tuple[Any, ...]]:
    """``sheet.iter_rows(values_only=True)`` with a hard stop at the row and column limits,
    whatever the sheet claims; trailing empty cells do not count as columns."""
    max_rows, max_columns = limit("TUIJIN_IMPORT_MAX_ROWS"), limit("TUIJIN_IMPORT_MAX_COLUMNS")
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > max_rows:
            check_size(sheet.title, number, 0, fail)
        if len(values) > max_columns:
            values = trim(values)
            if len(values) > max_columns:
                check_size(sheet.title, 0, len(values), fail)
        yield values


def trim(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """The row without its trailing empty cells."""
    end = len(values)
    while end and (values[end - 1] is None or values[end - 1] == ""):
        end -= 1
    return values[:end]
