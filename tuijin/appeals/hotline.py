"""Import of 12345 hotline work orders (工单) transferred to the county, from .xlsx or .csv.

The hotline platform exports one row per work order. The import finds the columns by their
header names (any order; a title row above the header is fine) and refuses a file with a
column it does not know, so a wrong export is noticed before anything is written. Every row
is checked and every problem reported with its row and column; only a clean file is written,
in one transaction, through ``appeal_receive`` like any other intake. Work orders are
matched by their number: one already imported is skipped, so the same file can be imported
again. A row without a topic gets the topic the suggestions rank first, marked 系统建议.

CSV files from the hotline come as UTF-8 (often with a BOM) or GBK; both are read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from tuijin.core.imports import Change, ImportRejected, RowError
from tuijin.core.models import Region, User
from tuijin.core.workbooks import bounded_rows, open_workbook
from tuijin.enterprises.models import Enterprise
from tuijin.enterprises.validators import credit_code_error, normalise_credit_code

from .models import Appeal
from .services import PHONE_RE, AppealRuleError, appeal_receive
from .suggest import county_index

Source = str | PathLike[str] | IO[bytes]

NUMBER, CALLED_AT, NAME, PHONE, KIND, TEXT = (
    "工单编号",
    "来电时间",
    "诉求人/企业名称",
    "联系电话",
    "诉求类型",
    "诉求内容",
)
TITLE, TOPIC, URGENCY, CONTACT, CODE = "标题", "所属领域", "紧急程度", "联系人", "统一社会信用代码"
REQUIRED = (NUMBER, CALLED_AT, NAME, PHONE, KIND, TEXT)
OPTIONAL = (TITLE, TOPIC, URGENCY, CONTACT, CODE)
# Other spellings seen in hotline exports → the column they mean.
ALIASES = {
    "工单号": NUMBER,
    "编号": NUMBER,
    "来电日期": CALLED_AT,
    "受理时间": CALLED_AT,
    "诉求人": NAME,
    "企业名称": NAME,
    "诉求人（企业名称）": NAME,
    "诉求人/企业": NAME,
    "来电号码": PHONE,
    "电话": PHONE,
    "诉求类别": KIND,
    "工单类型": KIND,
    "内容": TEXT,
    "工单内容": TEXT,
    "诉求标题": TITLE,
    "工单标题": TITLE,
    "诉求领域": TOPIC,
    "领域": TOPIC,
    "紧急度": URGENCY,
    "信用代码": CODE,
}
# Columns of the export that carry nothing for the pool (the row count).
IGNORED = {"序号"}

KINDS = {label: value for value, label in Appeal.Kind.choices}
TOPICS = {label: value for value, label in Appeal.Topic.choices}
URGENCIES = {
    "一般": "normal",
    "普通": "normal",
    "紧急": "urgent",
    "加急": "urgent",
    "特急": "urgent",
}
SUGGESTED = "系统建议"

MAX_ROWS = 5_000
MAX_TEXT = 5_000
HEADER_SEARCH_ROWS = 10
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLD_XLS = "文件是旧版 Excel (.xls) 格式，请在 Excel 中「另存为」.xlsx 后再导入"
NOT_READABLE = "文件不是有效的 Excel (.xlsx) 或 CSV 文件"
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y.%m.%d",
    "%Y%m%d",
)


class HotlineImportError(ImportRejected):
    """The hotline file was rejected; nothing was written."""


@dataclass
class HotlineReport:
    dry_run: bool = False
    created: int = 0
    skipped: list[str] = field(default_factory=list)  # work order numbers already imported
    suggested: int = 0
    changes: list[Change] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        lines = [f"12345工单：新增 {self.created}，已导入过跳过 {len(self.skipped)}"]
        if self.suggested:
            lines.append(f"其中 {self.suggested} 件未填所属领域，已按系统建议归类，请分派时核对")
        return lines


# --- Reading --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value).replace("\u200b", "").replace("\ufeff", "").strip()


def _header(value: Any) -> str:
    text = re.sub(r"\s+", "", _text(value)).strip("*＊")
    text = text.replace("(", "（").replace(")", "）").replace("／", "/")
    return ALIASES.get(text, text)


def _read(source: Source) -> bytes:
    if isinstance(source, str | PathLike):
        path = Path(source)
        if not path.is_file():
            raise HotlineImportError([RowError(None, None, f"文件不存在：{path}")])
        return path.read_bytes()
    return source.read()


def _file_error(message: str) -> HotlineImportError:
    return HotlineImportError([RowError(None, None, message)])


def _xlsx_rows(data: bytes) -> list[tuple[Any, ...]]:
    book = open_workbook(io.BytesIO(data), _file_error, NOT_READABLE)  # zip bombs, DTDs
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        return [tuple(values) for values in bounded_rows(sheet, _file_error)]
    except Exception as exc:
        raise HotlineImportError(
            [RowError(None, None, "文件内容损坏，无法读取，请在 Excel 中打开后重新保存再导入")]
        ) from exc
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[tuple[Any, ...]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise HotlineImportError(
            [RowError(None, None, "无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码的 CSV")]
        )
    if "\0" in text:
        raise HotlineImportError([RowError(None, None, NOT_READABLE)])
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        return [tuple(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise HotlineImportError([RowError(None, None, f"CSV 文件格式有误：{exc}")]) from exc


def _rows(source: Source) -> list[tuple[int, tuple[Any, ...]]]:
    """Non-empty rows with their row numbers as Excel shows them. The format is told by the
    content, not the name (the upload page stages every file under one suffix)."""
    data = _read(source)
    if data.startswith(OLE2_MAGIC):
        raise HotlineImportError([RowError(None, None, OLD_XLS)])
    raw = _xlsx_rows(data) if data.startswith(ZIP_MAGIC) else _csv_rows(data)
    rows = []
    for number, values in enumerate(raw, start=1):
        if all(_text(v) == "" for v in values):
            continue
        if len(rows) > MAX_ROWS:
            raise HotlineImportError(
                [RowError(number, None, f"行数过多（超过 {MAX_ROWS} 行），请拆分后导入")]
            )
        rows.append((number, values))
    return rows


def _columns(rows) -> tuple[dict[str, int], int]:
    """Where each known column is, and the index of the header row; any unknown or missing
    column rejects the file with one message that says what the file should look like."""
    expected = f"应有的列：{'、'.join(REQUIRED)}；可选的列：{'、'.join(OPTIONAL)}"
    if not rows:
        raise HotlineImportError([RowError(None, None, f"文件是空的。{expected}")])
    known = set(REQUIRED) | set(OPTIONAL)
    matches = [len(known & {_header(v) for v in values}) for _, values in rows[:HEADER_SEARCH_ROWS]]
    at = matches.index(max(matches))  # the row that looks most like the header (a title above)
    header_row, header = rows[at]
    columns: dict[str, int] = {}
    unknown: list[str] = []
    twice: list[str] = []
    for index, value in enumerate(header):
        name = _header(value)
        if not name or name in IGNORED:
            continue
        if name not in REQUIRED and name not in OPTIONAL:
            unknown.append(_text(value))
        elif name in columns:
            twice.append(name)
        else:
            columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if unknown or missing or twice:
        parts = []
        if unknown:
            parts.append(f"无法识别的列：{'、'.join(unknown)}")
        if missing:
            parts.append(f"缺少的列：{'、'.join(missing)}")
        if twice:
            parts.append(f"重复的列：{'、'.join(twice)}")
        message = f"表头（第 {header_row} 行）不是 12345 工单格式。{'；'.join(parts)}。{expected}"
        raise HotlineImportError([RowError(None, None, message)])
    return columns, at


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = re.sub(r"\s+", " ", _text(value))
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _phone(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub(r"\s+", "", _text(value))


# --- Checking -------------------------------------------------------------------------------


@dataclass
class _Order:
    row: int
    number: str
    received_on: dt.date
    enterprise_name: str
    contact_mobile: str
    kind: str
    text: str
    title: str
    topic: str = ""
    urgency: str = Appeal.Urgency.NORMAL
    contact_name: str = ""
    credit_code: str = ""


def _title_from(text: str) -> str:
    """The content's first sentence, short enough for a title."""
    first = re.split(r"[。！？!?\n；;]", text, maxsplit=1)[0].strip()
    return (first or text)[:30]


def _parse(rows, columns, header_at, today: dt.date) -> tuple[list[_Order], list[RowError]]:
    errors: list[RowError] = []
    orders: list[_Order] = []
    seen: dict[str, int] = {}

    def cell(values, name):
        index = columns.get(name)
        return values[index] if index is not None and index < len(values) else None

    for row, values in rows[header_at + 1 :]:
        before = len(errors)

        def fail(column: str, message: str, row=row) -> None:
            errors.append(RowError(row, column, message))

        number = _text(cell(values, NUMBER))
        if not number:
            fail(NUMBER, "不能为空")
        elif len(number) > 40:
            fail(NUMBER, "过长（最多 40 个字符）")
        elif number in seen:
            fail(NUMBER, f"与第 {seen[number]} 行的工单编号重复")
        else:
            seen[number] = row
        raw_date = cell(values, CALLED_AT)
        received_on = _date(raw_date)
        if received_on is None:
            shown = _text(raw_date)
            fail(
                CALLED_AT,
                f"应为日期（如 2026-11-03 09:30），而不是「{shown}」" if shown else "不能为空",
            )
        elif received_on > today:
            fail(CALLED_AT, "不能晚于今天")
        name = _text(cell(values, NAME))
        if not name:
            fail(NAME, "不能为空")
        elif len(name) > 120:
            fail(NAME, "过长（最多 120 个字）")
        phone = _phone(cell(values, PHONE))
        if not phone:
            fail(PHONE, "不能为空")
        elif not PHONE_RE.match(phone):
            fail(PHONE, f"应为电话号码（7 到 20 位数字，可含 - 和括号），而不是「{phone}」")
        kind_text = _text(cell(values, KIND)).removesuffix("类")
        kind = KINDS.get(kind_text) or (kind_text if kind_text in Appeal.Kind.values else "")
        if not kind:
            choices = "、".join(KINDS)
            fail(KIND, f"应为{choices}之一，而不是「{kind_text}」" if kind_text else "不能为空")
        text = _text(cell(values, TEXT))
        if not text:
            fail(TEXT, "不能为空")
        elif len(text) > MAX_TEXT:
            fail(TEXT, f"过长（最多 {MAX_TEXT} 个字）")
        title = _text(cell(values, TITLE))
        if len(title) > 80:
            fail(TITLE, "过长（最多 80 个字）")
        topic_text = _text(cell(values, TOPIC))
        topic = TOPICS.get(topic_text) or (topic_text if topic_text in Appeal.Topic.values else "")
        if topic_text and not topic:
            fail(TOPIC, f"应为{'、'.join(TOPICS)}之一，或留空由系统建议，而不是「{topic_text}」")
        urgency_text = _text(cell(values, URGENCY))
        urgency = URGENCIES.get(urgency_text, "") if urgency_text else Appeal.Urgency.NORMAL
        if not urgency:
            fail(URGENCY, f"应为「一般」或「紧急」，而不是「{urgency_text}」")
        contact = _text(cell(values, CONTACT))
        if len(contact) > 40:
            fail(CONTACT, "过长（最多 40 个字）")
        code = normalise_credit_code(_text(cell(values, CODE)))
        if code and (error := credit_code_error(code)):
            fail(CODE, error)
        if len(errors) == before:
            orders.append(
                _Order(
                    row=row,
                    number=number,
                    received_on=received_on,
                    enterprise_name=name,
                    contact_mobile=phone,
                    kind=kind,
                    text=text,
                    title=title or _title_from(text),
                    topic=topic,
                    urgency=urgency,
                    contact_name=contact,
                    credit_code=code,
                )
            )
    return orders, errors


def _enterprises(region: Region, orders: list[_Order]) -> tuple[dict, dict]:
    """The registry's enterprises of the county by credit code and by (unique) name."""
    codes = {o.credit_code for o in orders if o.credit_code}
    names = {o.enterprise_name for o in orders}
    found = Enterprise.objects.filter(region=region).filter(
        credit_code__in=codes
    ) | Enterprise.objects.filter(region=region, name__in=names)
    by_code: dict[str, Enterprise] = {}
    by_name: dict[str, list[Enterprise]] = {}
    for enterprise in found:
        by_code[enterprise.credit_code] = enterprise
        by_name.setdefault(enterprise.name, []).append(enterprise)
    unique_names = {name: found[0] for name, found in by_name.items() if len(found) == 1}
    return by_code, unique_names


# --- Import ---------------------------------------------------------------------------------


def import_hotline(
    source: Source,
    *,
    region: Region,
    acting_user: User,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> HotlineReport:
    """Check the whole file, then register the new work orders in one transaction.

    Raises HotlineImportError listing every problem; then nothing is written. The dry run
    goes through the same intake service and rolls back, so its preview is what confirming
    will do.
    """
    today = today or timezone.localdate()
    rows = _rows(source)
    columns, header_at = _columns(rows)
    orders, errors = _parse(rows, columns, header_at, today)
    if errors:
        raise HotlineImportError(errors)
    if not orders:
        raise HotlineImportError([RowError(None, None, "文件中没有工单（表头下面没有数据行）")])
    report = HotlineReport(dry_run=dry_run)
    with transaction.atomic():
        imported = set(
            Appeal.objects.select_for_update()
            .filter(region=region, hotline_number__in=[o.number for o in orders])
            .values_list("hotline_number", flat=True)
        )
        by_code, by_name = _enterprises(region, orders)
        # Built once (when needed), from the requests as they were before this file.
        index = county_index(region.pk) if any(not o.topic for o in orders) else None
        for order in orders:
            if order.number in imported:
                report.skipped.append(order.number)
                continue
            enterprise = by_code.get(order.credit_code) or by_name.get(order.enterprise_name)
            notes = []
            topic = order.topic
            if not topic:
                suggestions = index.suggest(f"{order.title}\n{order.text}", k=1, today=today)
                topic = str(suggestions.topics[0].value) if suggestions.topics else "other"
                notes.append(f"领域：{Appeal.Topic(topic).label}（{SUGGESTED}）")
                report.suggested += 1
            if enterprise is not None:
                notes.append(f"匹配企业名录：{enterprise.name}")
            try:
                appeal_receive(
                    acting_user=acting_user,
                    source=Appeal.Source.HOTLINE,
                    enterprise=enterprise,
                    enterprise_name=order.enterprise_name,
                    contact_name=order.contact_name,
                    contact_mobile=order.contact_mobile,
                    kind=order.kind,
                    topic=topic,
                    urgency=order.urgency,
                    title=order.title,
                    text=order.text,
                    received_on=order.received_on,
                    hotline_number=order.number,
                    region=region,
                )
            except AppealRuleError as exc:
                errors.append(RowError(order.row, None, exc.message))
                continue
            report.created += 1
            report.changes.append(
                Change(order.row, "新增", f"{order.number} {order.title}", tuple(notes))
            )
        if errors:
            raise HotlineImportError(errors)
        if dry_run:
            transaction.set_rollback(True)
    return report
