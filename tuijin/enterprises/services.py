"""The registry's import and export (Excel), shared by the pages and ``tuijin import-enterprises``.

The import reads the first sheet, finds the columns by their header names (any order; a
title row above the header is fine), checks every row and reports every problem with its
row and column; only a clean file is written, in one transaction. Rows are matched by credit
code, so importing the same file again updates instead of duplicating. Optional columns that
are absent leave the stored values alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from os import PathLike
from pathlib import Path
from typing import IO, Any

from django.db import transaction

from tuijin.core.directory_import import normalise_mobile
from tuijin.core.exports import write_rows
from tuijin.core.imports import Change, ImportRejected, RowError, neutralise
from tuijin.core.models import Region, Unit
from tuijin.core.workbooks import bounded_rows, open_workbook

from .models import HOST_KINDS, Enterprise
from .validators import credit_code_error, normalise_credit_code

Source = str | PathLike[str] | IO[bytes]

CODE, NAME, HOST = "统一社会信用代码", "企业名称", "所在乡镇（平台）"
# Header → model field, in the order of the export.
COLUMNS: dict[str, str] = {
    CODE: "credit_code",
    NAME: "name",
    "法定代表人": "legal_representative",
    "所属行业": "industry",
    HOST: "host_unit",
    "地址": "address",
    "联系人": "contact_name",
    "联系电话": "contact_mobile",
    "从业人数": "employees",
    "是否规上": "above_scale",
    "规上年度": "above_scale_year",
    "百强排名": "top100_rank",
    "百强年度": "top100_year",
    "营业收入（万元）": "revenue",
    "税收（万元）": "tax",
    "财务数据年度": "finance_year",
    "是否困难企业": "struggling",
    "困难原因": "struggling_reason",
}
REQUIRED = (CODE, NAME, HOST)
TEXT_FIELDS = {
    "name": 120,
    "legal_representative": 40,
    "industry": 40,
    "address": 200,
    "contact_name": 40,
    "struggling_reason": 200,
}
BOOL_FIELDS = {"above_scale", "struggling"}
INT_FIELDS = {
    "employees": (0, 10_000_000),
    "above_scale_year": (1949, 2100),
    "top100_rank": (1, 100),
    "top100_year": (1949, 2100),
    "finance_year": (1949, 2100),
}
MONEY_FIELDS = {"revenue", "tax"}
TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "规上", "困难"}
FALSE = {"否", "n", "no", "false", "0", "", "×"}

MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 10
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NOT_XLSX = "文件不是有效的 Excel (.xlsx) 文件"
OLD_XLS = "文件是旧版 Excel (.xls) 格式，请在 Excel 中「另存为」.xlsx 后再导入"


class EnterpriseImportError(ImportRejected):
    """The enterprise file was rejected; nothing was written."""


@dataclass
class ImportReport:
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[Change] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        return [f"企业：新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}"]


# --- Reading --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).replace("\u200b", "").replace("\ufeff", "").strip()


def _header(value: Any) -> str:
    text = re.sub(r"\s+", "", _text(value)).strip("*＊")
    return text.replace("(", "（").replace(")", "）")


def _file_error(message: str) -> EnterpriseImportError:
    return EnterpriseImportError([RowError(None, None, message)])


def _rows(source: Source) -> list[tuple[int, tuple[Any, ...]]]:
    if isinstance(source, str | PathLike):
        path = Path(source)
        if not path.is_file():
            raise EnterpriseImportError([RowError(None, None, f"文件不存在：{path}")])
        with path.open("rb") as handle:
            return _rows(handle)
    start = source.tell()
    if source.read(len(OLE2_MAGIC)) == OLE2_MAGIC:
        raise EnterpriseImportError([RowError(None, None, OLD_XLS)])
    source.seek(start)
    book = open_workbook(source, _file_error, NOT_XLSX)  # zip bombs, DTDs, size limits
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        rows = []
        for number, values in enumerate(bounded_rows(sheet, _file_error), start=1):
            if all(_text(v) == "" for v in values):
                continue
            if len(rows) > MAX_ROWS:
                raise EnterpriseImportError(
                    [RowError(number, None, f"行数过多（超过 {MAX_ROWS} 行），请拆分后导入")]
                )
            rows.append((number, tuple(values)))
        return rows
    except EnterpriseImportError:
        raise
    except Exception as exc:
        raise EnterpriseImportError(
            [RowError(None, None, "文件内容损坏，无法读取，请在 Excel 中打开后重新保存再导入")]
        ) from exc
    finally:
        book.close()


def _columns(rows, errors: list[RowError]) -> tuple[dict[str, int], int]:
    if not rows:
        errors.append(RowError(None, None, f"文件是空的，应有表头：{'、'.join(REQUIRED)}"))
        return {}, 0
    at = 0
    for i, (_, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if set(REQUIRED) & {_header(v) for v in values}:
            at = i
            break
    header_row, header = rows[at]
    columns: dict[str, int] = {}
    for index, value in enumerate(header):
        name = _header(value)
        if name not in COLUMNS:
            continue
        if name in columns:
            errors.append(RowError(header_row, name, "表头中这一列出现了两次"))
        columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            errors.append(RowError(None, name, f"缺少这一列（表头在第 {header_row} 行）"))
    return columns, at


def _parse_cell(field_name: str, value: Any) -> tuple[Any, str | None]:
    """The cell's value for ``field_name``, or an error message."""
    text = _text(value)
    if field_name in TEXT_FIELDS:
        if len(text) > TEXT_FIELDS[field_name]:
            return None, f"内容过长（最多 {TEXT_FIELDS[field_name]} 个字）"
        return text, None
    if field_name in BOOL_FIELDS:
        if isinstance(value, bool):
            return value, None
        lowered = text.lower()
        if lowered in TRUE:
            return True, None
        if lowered in FALSE:
            return False, None
        return None, f"应填「是」或「否」，而不是「{text}」"
    if field_name in INT_FIELDS:
        if text == "":
            return None, None
        low, high = INT_FIELDS[field_name]
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None, f"应为整数，而不是「{text}」"
        if number != number.to_integral_value() or not low <= number <= high:
            return None, f"应为 {low} 到 {high} 之间的整数"
        return int(number), None
    if field_name in MONEY_FIELDS:
        if text == "":
            return None, None
        try:
            number = Decimal(text.replace(",", "")).quantize(Decimal("0.01"))
        except InvalidOperation:
            return None, f"应为数字（万元），而不是「{text}」"
        if number < 0 or number >= Decimal("1e12"):
            return None, "金额超出范围"
        return number, None
    if field_name == "contact_mobile":
        mobile = normalise_mobile(value) if text else ""
        if mobile and not re.fullmatch(r"1[3-9]\d{9}", mobile):
            return None, f"手机号码应为 11 位数字，以 1 开头，而不是「{text}」"
        return mobile, None
    return text, None


def _parse(source: Source, region: Region) -> tuple[list[tuple[int, dict]], list[RowError]]:
    rows = _rows(source)
    errors: list[RowError] = []
    columns, header_at = _columns(rows, errors)
    if errors:
        raise EnterpriseImportError(errors)
    hosts: dict[str, Unit] = {}
    for unit in Unit.objects.filter(region=region, kind__in=HOST_KINDS):
        hosts.setdefault(unit.name, unit)
        if unit.short_name:
            hosts.setdefault(unit.short_name, unit)
    seen: dict[str, int] = {}
    parsed: list[tuple[int, dict]] = []
    for number, values in rows[header_at + 1 :]:
        record: dict[str, Any] = {}
        for header, index in columns.items():
            field_name = COLUMNS[header]
            value = values[index] if index < len(values) else None
            if field_name == "credit_code":
                code = normalise_credit_code(_text(value))
                error = credit_code_error(code)
                if error is None and code in seen:
                    error = f"与第 {seen[code]} 行的统一社会信用代码重复"
                if error:
                    errors.append(RowError(number, header, error))
                else:
                    seen[code] = number
                    record[field_name] = code
            elif field_name == "host_unit":
                name = _text(value)
                unit = hosts.get(name)
                if unit is None:
                    message = "不能为空" if not name else f"本县没有名为「{name}」的乡镇或平台"
                    errors.append(RowError(number, header, message))
                else:
                    record["host_unit"] = unit
            else:
                parsed_value, error = _parse_cell(field_name, value)
                if error:
                    errors.append(RowError(number, header, error))
                else:
                    record[field_name] = parsed_value
        if NAME in columns and not record.get("name", "x"):
            errors.append(RowError(number, NAME, "不能为空"))
        if record.get("top100_rank") is not None and record.get("top100_year", 0) is None:
            errors.append(RowError(number, "百强年度", "填写百强排名时请同时填写百强年度"))
        if record.get("struggling") and record.get("struggling_reason") == "":
            errors.append(RowError(number, "困难原因", "困难企业请填写困难原因"))
        has_figures = record.get("revenue") is not None or record.get("tax") is not None
        if has_figures and record.get("finance_year") is None:
            record["finance_year"] = dt.date.today().year - 1
        parsed.append((number, record))
    ranks: dict[int, int] = {}
    for number, record in parsed:
        rank = record.get("top100_rank")
        if rank is not None:
            if rank in ranks:
                errors.append(RowError(number, "百强排名", f"与第 {ranks[rank]} 行的排名重复"))
            ranks.setdefault(rank, number)
    return parsed, errors


# --- Import ---------------------------------------------------------------------------------


def import_enterprises(source: Source, *, region: Region, dry_run: bool = False) -> ImportReport:
    """Check the whole file, then create or update by credit code in one transaction.

    Raises EnterpriseImportError listing every problem; then nothing is written.
    """
    parsed, errors = _parse(source, region)
    with transaction.atomic():
        codes = [r["credit_code"] for _, r in parsed if "credit_code" in r]
        existing = {
            e.credit_code: e
            for e in Enterprise.objects.select_for_update().filter(credit_code__in=codes)
        }
        for number, record in parsed:
            found = existing.get(record.get("credit_code"))
            if found is not None and found.region_id != region.pk:
                errors.append(RowError(number, CODE, "该统一社会信用代码已登记在其他地区"))
        if errors:
            raise EnterpriseImportError(errors)
        report = ImportReport(dry_run=dry_run)
        for number, record in parsed:
            enterprise = existing.get(record["credit_code"])
            if enterprise is None:
                enterprise = Enterprise(region=region, **record)
                report.created += 1
                report.changes.append(Change(number, "新增", enterprise.name))
                if not dry_run:
                    enterprise.save()
                continue
            changed = [
                header
                for header, field_name in COLUMNS.items()
                if field_name in record and _differs(enterprise, field_name, record[field_name])
            ]
            if not changed:
                report.unchanged += 1
                continue
            for field_name, value in record.items():
                setattr(enterprise, field_name, value)
            report.updated += 1
            report.changes.append(Change(number, "更新", enterprise.name, tuple(changed)))
            if not dry_run:
                enterprise.save()
        if dry_run:
            transaction.set_rollback(True)
    return report


def _differs(enterprise: Enterprise, field_name: str, value: Any) -> bool:
    if field_name == "host_unit":
        return enterprise.host_unit_id != value.pk
    return getattr(enterprise, field_name) != value


# --- Export ---------------------------------------------------------------------------------


def _money_cell(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _yes_no_cell(value: bool) -> str:
    return "是" if value else "否"


def _as_is(value: Any) -> Any:
    return value


def _cells() -> list[tuple[str, Callable[[Any], Any]]]:
    """(what to read, how to write it) for each column of the export."""
    cells = []
    for field_name in COLUMNS.values():
        if field_name == "host_unit":
            cells.append(("host_unit__name", _as_is))
        elif field_name in BOOL_FIELDS:
            cells.append((field_name, _yes_no_cell))
        elif field_name in MONEY_FIELDS:
            cells.append((field_name, _money_cell))
        else:
            cells.append((field_name, neutralise))
    return cells


def export_enterprises(queryset, target: Source) -> int:
    """Write the enterprises in the import layout (so an export can be edited and re-imported).

    Streamed: read 2,000 at a time as plain values (no model instance per enterprise) and
    written as they come, so 150,000 enterprises take no more memory than 2,000.
    """
    cells = _cells()
    writers = [write for _, write in cells]
    values = queryset.values_list(*(read for read, _ in cells)).iterator(chunk_size=2000)
    rows = ([write(v) for write, v in zip(writers, row, strict=True)] for row in values)
    return write_rows(target, list(COLUMNS), rows, sheet_title="企业名录")
