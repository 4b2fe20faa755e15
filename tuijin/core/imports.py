"""What every Excel import shares: the rejection that lists every problem, and the page flow
upload → preview (a dry run of the same service) → confirm.

The uploaded file waits between preview and confirm under MEDIA_ROOT/imports/ with a random
name; only the session that previewed it holds the token, so nobody confirms another's file.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from lxml import etree
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import _cast_number
from openpyxl.xml.constants import SHEET_MAIN_NS

from .workbooks import Fail, check_size, limit

# Cells that a spreadsheet would run as a formula (CSV/formula injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; others pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


_ROW, _CELL = f"{{{SHEET_MAIN_NS}}}row", f"{{{SHEET_MAIN_NS}}}c"
_VALUE, _INLINE = f"{{{SHEET_MAIN_NS}}}v", f"{{{SHEET_MAIN_NS}}}is"
_TEXT, _RUN = f"{{{SHEET_MAIN_NS}}}t", f"{{{SHEET_MAIN_NS}}}r"


def sheet_rows(
    worksheet: ReadOnlyWorksheet, fail: Fail | None = None
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, cell values) of each row the sheet stores, read as openpyxl's
    read-only ``iter_rows(values_only=True)`` reads them (cached values of formulas, dates by
    their number format, shared and inline strings), five times faster.

    openpyxl parses a sheet with the standard library's pull parser and builds a dictionary
    per cell: for a 10,000-row ledger that is most of the import's time. Here libxml2 hands
    over whole rows; entities are not expanded and nothing is fetched from the network. Rows
    are as long as their last stored cell; rows the sheet does not store are left out.

    With ``fail``, reading stops at the import limits (TUIJIN_IMPORT_MAX_ROWS, _COLUMNS)
    whatever the sheet claims: ``fail(message)`` is raised at the first row or cell beyond.
    """
    max_rows = limit("TUIJIN_IMPORT_MAX_ROWS") if fail else None
    max_columns = limit("TUIJIN_IMPORT_MAX_COLUMNS") if fail else None
    book = worksheet.parent
    strings, epoch = worksheet._shared_strings, book.epoch
    dates, durations = book._date_formats, book._timedelta_formats
    with worksheet._get_source() as source:
        parser = etree.iterparse(
            source, events=("end",), tag=_ROW, resolve_entities=False, no_network=True
        )
        number = 0
        columns: dict[str, int] = {}  # a cell reference's letters -> its column number
        for _, row in parser:
            number = int(float(row.get("r"))) if row.get("r") else number + 1
            if max_rows is not None and number > max_rows:
                check_size(worksheet.title, number, 0, fail)
            values: list[Any] = []
            for cell in row.iterchildren(_CELL):
                ref = cell.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    column = columns.get(letters)
                    if column is None:
                        column = columns[letters] = column_index_from_string(letters)
                    if max_columns is not None and column > max_columns:
                        _wide(worksheet.title, column, cell, fail)
                        continue  # a formatted empty cell far right: as if absent
                    if column - 1 > len(values):
                        values.extend([None] * (column - 1 - len(values)))
                elif max_columns is not None and len(values) >= max_columns:
                    _wide(worksheet.title, len(values) + 1, cell, fail)
                    continue
                kind = cell.get("t")
                if kind == "inlineStr":  # what exports (ours among them) write for text
                    inline = None
                    for child in cell:
                        if child.tag == _INLINE:
                            inline = child
                    values.append(None if inline is None else _inline_text(inline))
                else:
                    values.append(_cell_value(cell, strings, epoch, dates, durations))
            row.clear()
            while row.getprevious() is not None:  # keep memory flat over long sheets
                del row.getparent()[0]
            yield number, tuple(values)


def _wide(title: str, column: int, cell, fail: Fail) -> None:
    """A cell beyond the column limit: refused unless it holds nothing."""
    if any((child.text or "").strip() or len(child) for child in cell):
        check_size(title, 0, column, fail)


def _cell_value(cell, strings, epoch, dates, durations) -> Any:
    kind = cell.get("t", "n")
    value = inline = None
    for child in cell:  # <f>, <v>, <is>: walked by hand, lxml's find() costs more
        if child.tag == _VALUE:
            value = child.text or None
        elif child.tag == _INLINE:
            inline = child
    if kind == "inlineStr":
        return None if inline is None else _inline_text(inline)
    if value is None:
        return None
    if kind == "n":
        number = _cast_number(value)
        style = int(cell.get("s", 0))
        if style in dates:
            try:
                return from_excel(number, epoch, timedelta=style in durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number
    if kind == "s":
        return strings[int(value)]
    if kind == "b":
        return bool(int(value))
    if kind == "d":
        return from_ISO8601(value)
    return value  # "str" (a formula's text) and "e" (an error such as #N/A)


def _inline_text(inline) -> str:
    """The plain text and the rich-text runs, without the phonetic guide (rPh)."""
    parts = []
    for child in inline:
        if child.tag == _TEXT:
            parts.append(child.text or "")
        elif child.tag == _RUN:
            parts.extend(t.text or "" for t in child if t.tag == _TEXT)
    return "".join(parts)


@dataclass(frozen=True)
class RowError:
    """One problem in a single-sheet file, located as the user sees it in Excel."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ""
        if self.row:
            where += f"第 {self.row} 行"
        if self.column:
            where += f"「{self.column}」列"
        return f"{where}：{self.message}" if where else self.message


@dataclass(frozen=True)
class Change:
    """One row that an import creates or updates, for the preview page."""

    row: int
    action: str  # 新增 / 更新
    name: str
    fields: tuple[str, ...] = ()


class ImportRejected(Exception):
    """The file was rejected; ``errors`` lists every problem found. Nothing was written."""

    def __init__(self, errors: list):
        super().__init__("；".join(str(e) for e in errors[:5]))
        self.errors = errors

    def lines(self) -> list[str]:
        """A count, then one line per problem: what the command line and logs show."""
        return [f"导入失败，共 {len(self.errors)} 处错误：", *(f"  {e}" for e in self.errors)]


class UploadForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")


def _staged(token: str) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{token}.xlsx"


def preview_then_confirm(
    request: HttpRequest,
    *,
    session_key: str,
    template: str,
    run: Callable[..., Any],
    on_success: Callable[[Any], HttpResponse],
    context: dict | None = None,
    label: str = "Excel 文件（.xlsx）",
) -> HttpResponse:
    """The import page: ``run(path, dry_run=…)`` is the import service."""
    form = UploadForm()
    form.fields["file"].label = label
    context = {**(context or {}), "form": form}
    if request.method == "POST" and request.POST.get("action") == "confirm":
        token = request.session.pop(session_key, None)
        path = _staged(token) if token else None
        if path is None or not path.exists():
            messages.error(request, "预览已失效，请重新上传文件")
            return redirect(request.path)
        try:
            report = run(path, dry_run=False)
        except ImportRejected as exc:
            context["errors"] = exc.errors
        else:
            return on_success(report)
        finally:
            path.unlink(missing_ok=True)
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        form.fields["file"].label = label
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.TUIJIN_MAX_IMPORT_BYTES:
                form.add_error("file", "文件过大，请拆分后再导入")
            else:
                token = uuid.uuid4().hex
                path = _staged(token)
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    context["report"] = run(path, dry_run=True)
                except ImportRejected as exc:
                    path.unlink(missing_ok=True)
                    context["errors"] = exc.errors
                else:
                    previous = request.session.get(session_key)
                    if previous:  # a second upload replaces the first preview
                        _staged(previous).unlink(missing_ok=True)
                    request.session[session_key] = token
    return render(request, template, context)
