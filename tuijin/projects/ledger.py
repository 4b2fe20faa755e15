"""The key-project ledger (重点项目台账) in and out, in the layout counties already use.

Counties pass their ledger around as a workbook: a title row, a line with the reporting unit,
the date (截至时间) and the money unit, a one- or two-row header (merged parents such as
「投资情况（万元）」 over 总投资 / 2026年计划投资 / 1-10月完成投资), section rows per category
(「一、产业项目（14个）」), 小计 and 合计 rows and a note at the end. Every county words its
headers a little differently, so columns are found by name, in any order, with synonyms.

The import is all or nothing, like the directory import: the whole file is read and checked
first, every problem is reported with its Excel row and column, and only a clean file is
written, in one transaction. Re-importing updates the same projects (by project code, else by
name and host township/platform) and changes nothing when nothing differs. A blank cell leaves
the stored value as it is, except dates, where blank and 「未开工」 mean "not yet".

The year-to-date figure (「1-10月完成投资」) is not a field of its own: it becomes the
progress report of the ledger's month whose investment brings the year's reports up to that
figure, so that the ledger, the lights, the cockpit and the bulletins all read the same
reports. A row whose figure and texts match what is already reported adds no report.

The export writes the same layout from the registry (plus 序时差 and the light), so a
ledger exported and imported again changes nothing.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import io
import re
import shutil
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import islice
from os import PathLike
from pathlib import Path
from typing import IO, Any

from auditlog.context import disable_auditlog, set_actor
from django.db import transaction
from django.db.models import (
    Count,
    Max,
    OuterRef,
    Subquery,
    Sum,
)
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel, to_excel

from tuijin.core import stamps
from tuijin.core.audit import AuditBatch
from tuijin.core.bulk import insert_reserved, insert_rows, reserve_ids, update_rows
from tuijin.core.directory_import import NOT_XLSX, OLD_XLS, OLE2_MAGIC, UNREADABLE
from tuijin.core.directory_import import normalise_mobile as _mobile
from tuijin.core.exports import cell_text
from tuijin.core.imports import Change, ImportRejected, RowError, sheet_rows
from tuijin.core.models import Person, Region, Unit
from tuijin.core.roles import DirectoryRole
from tuijin.core.scale import prep
from tuijin.core.workbooks import open_workbook

from . import lights
from .models import (
    AnnualPlan,
    Category,
    Level,
    Light,
    LightChange,
    Milestone,
    MilestoneTemplate,
    Nature,
    PeriodKind,
    ProgressReport,
    Project,
    ProjectPerson,
    ProjectRules,
    Stage,
)
from .models.project import project_code_validator
from .periods import period_label, period_start

Source = str | PathLike[str] | IO[bytes]

RESPONSIBLE = "责任人"  # ProjectPerson.role of the ledger's 责任人
DEFAULT_PROGRESS = "（台账导入）"
MAX_ROWS = 50_000
HEADER_SEARCH_ROWS = 15
CHUNK = 500  # ids per query: well inside every database's parameter limit
CENT = Decimal("0.01")
WAN = Decimal("1")
YI = Decimal("10000")
YUAN = Decimal("0.0001")

# --- Header names -------------------------------------------------------------------------

# Canonical column -> the names counties give it (compared without spaces, with half-width
# brackets). A bracketed part is also tried without it: 「总投资（万元）」 is 总投资.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号"),
    "name": ("项目名称", "名称", "项目"),
    "code": ("项目代码", "代码", "项目编码", "统一项目代码", "项目统一代码"),
    "nature": ("建设性质", "性质", "项目性质"),
    "level": ("项目级别", "级别", "项目层级"),
    "category": ("项目类别", "类别", "项目类型", "类型"),
    "content": ("建设内容及规模", "建设内容", "建设规模及内容", "主要建设内容", "建设规模"),
    "years": ("建设起止年限", "起止年限", "建设年限", "建设期限"),
    "total": ("总投资", "计划总投资", "项目总投资"),
    "rate": ("完成率", "年度完成率", "投资完成率"),
    "planned_start": ("计划开工时间", "计划开工", "计划开工日期"),
    "actual_start": ("实际开工时间", "实际开工", "实际开工日期", "开工时间", "开工日期"),
    "progress": (
        "项目进展情况(形象进度)",
        "形象进度",
        "项目进展情况",
        "进展情况",
        "工程进度",
        "项目进展",
    ),
    "problems": ("存在问题", "存在的问题", "问题", "存在困难和问题"),
    "host": (
        "所在乡镇(平台)",
        "所在乡镇",
        "责任乡镇",
        "建设地点(乡镇)",
        "乡镇(平台)",
        "所在乡镇/平台",
        "责任乡镇(平台)",
        "乡镇/平台",
    ),
    "lead": ("责任单位", "领办部门", "牵头单位", "责任部门", "领办单位", "牵头部门"),
    "leader": ("联系县领导", "包抓县领导", "联系领导", "包联县领导", "县级联系领导", "包抓领导"),
    "person": ("责任人", "项目责任人"),
    "phone": ("联系电话", "手机", "电话", "手机号码", "联系方式"),
    "stage": ("项目阶段", "阶段", "推进阶段"),
    "registered": ("是否入库", "入库", "是否入库纳统", "入库纳统", "是否纳统"),
    "address": ("建设地点",),
}
LOOKUP = {name: key for key, names in SYNONYMS.items() for name in names}
LABELS = {key: names[0] for key, names in SYNONYMS.items()}
LABELS.update({"plan": "年度计划投资", "ytd": "本年完成投资"})

PLAN_RE = re.compile(r"^(?:(\d{4})年度?|本年度?|年度|当年)计划(?:完成)?投资(?:额)?$")
YTD_RE = re.compile(
    r"^(?:(\d{4})年度?)?(?:1|一)[-－—–~～至到](\d{1,2})月份?(?:累计)?完成投资(?:额)?$"
    r"|^(?:(\d{4})年度?|本年度?|年度|当年)(?:累计)?完成投资(?:额)?$"
)
BRACKETS = re.compile(r"\([^()]*\)")

# --- Cell vocabularies --------------------------------------------------------------------

STAGES = {
    **{str(label): value for value, label in Stage.choices},
    "在谈": Stage.NEGOTIATING,
    "洽谈": Stage.NEGOTIATING,
    "洽谈中": Stage.NEGOTIATING,
    "签约": Stage.SIGNED,
    "已签约": Stage.SIGNED,
    "开工": Stage.STARTED,
    "在建": Stage.STARTED,
    "已开工": Stage.STARTED,
    "新开工": Stage.STARTED,
    "竣工": Stage.COMPLETED,
    "投产": Stage.COMPLETED,
    "已竣工": Stage.COMPLETED,
    "已投产": Stage.COMPLETED,
    "竣工投产": Stage.COMPLETED,
    "建成": Stage.COMPLETED,
    "已建成": Stage.COMPLETED,
    "终止": Stage.DROPPED,
    "已终止": Stage.DROPPED,
}
# How the export words each stage: the ledger's own words, all read back by STAGES.
STAGE_WORDS = {
    Stage.NEGOTIATING: "在谈",
    Stage.SIGNED: "签约",
    Stage.STARTED: "在建",
    Stage.COMPLETED: "竣工",
    Stage.DROPPED: "终止",
}
NATURES = {str(label): value for value, label in Nature.choices}
LEVELS = {
    **{str(label): value for value, label in Level.choices},
    **{f"{w}级重点": v for w, v in (("省", "province"), ("市", "city"), ("县", "county"))},
    **{f"{w}级": v for w, v in (("省", "province"), ("市", "city"), ("县", "county"))},
    **{f"{w}重点项目": v for w, v in (("省", "province"), ("市", "city"), ("县", "county"))},
}
CATEGORIES = {
    **{str(label): value for value, label in Category.choices},
    **{f"{label}项目": value for value, label in Category.choices},
    "民生": Category.LIVELIHOOD,
    "民生项目": Category.LIVELIHOOD,
    "其它": Category.OTHER,
}
SECTION_CATEGORIES = (
    ("基础设施", Category.INFRASTRUCTURE),
    ("民生", Category.LIVELIHOOD),
    ("产业", Category.INDUSTRY),
    ("其他", Category.OTHER),
    ("其它", Category.OTHER),
)
YES = {"是", "已入库", "入库", "已纳统", "√", "✓", "✔", "y", "yes", "1", "true", "是的"}
NO = {"否", "未入库", "不入库", "未纳统", "×", "✗", "n", "no", "0", "false", "无"}
NOT_YET = {"未开工", "暂未开工", "尚未开工", "未定", "待定", "无", "-", "—", "——", "/", "／"}
TOTAL_WORDS = ("合计", "总计", "小计", "共计", "其中")
LEADER_ROLES = {DirectoryRole.LEADER.value, DirectoryRole.PRINCIPAL.value}

CN_HEADING = re.compile(r"^[（(]?[一二三四五六七八九十百零〇]+[）)、.．,，\s]")
SECTION_COUNT = re.compile(r"[（(]\s*\d+\s*个\s*[）)]\s*$")
NOTE = re.compile(r"^(注|说明|备注|附注)\s*[:：\d]")
AS_OF_RE = re.compile(r"截[至止](?:时间|日期)?\s*[:：]?\s*(.*)$")
UNIT_RE = re.compile(r"单位\s*[:：]\s*(亿元|万元|元)")
YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
DATE_RE = re.compile(
    r"^((?:19|20)\d{2})\s*[年.\-/．]\s*(\d{1,2})\s*(?:月份?)?\s*"
    r"(?:[.\-/．]?\s*(\d{1,2})\s*[日号]?)?$"
)
COMPACT_DATE_RE = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})?$")
YEARS_RE = re.compile(
    r"^((?:19|20)\d{2})?\s*年?\s*(?:([-－—–~～至到]+)\s*((?:19|20)\d{2})?\s*年?)?$"
)
LIST_SPLIT = re.compile(r"[、,，;；/／\n]+")
PHONE_SPLIT = re.compile(r"[、,，;；/／\s]+")
CJK = r"\u3400-\u9fff（）《》、"
SPACE_NEAR_CJK = re.compile(rf"(?<=[{CJK}])\s+|\s+(?=[{CJK}])")


# --- Report and errors --------------------------------------------------------------------


class LedgerImportError(ImportRejected):
    """The ledger was rejected; nothing was written."""


@dataclass
class LedgerReport:
    """What the import did (or, on a dry run, would do)."""

    dry_run: bool = False
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0  # section, subtotal and total rows
    reports: int = 0  # progress reports created or corrected
    period: dt.date | None = None  # the period the year-to-date figure is reported for
    period_kind: str = PeriodKind.MONTH
    ignored: list[str] = field(default_factory=list)  # columns not read
    changes: list[Change] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary_lines(self) -> list[str]:
        lines = [
            f"新增项目 {self.created} 个，更新 {self.changed} 个，未变 {self.unchanged} 个",
            f"跳过分节、小计、合计行 {self.skipped} 行",
        ]
        if self.period:
            label = period_label(self.period, self.period_kind)
            lines.append(f"{label}完成投资：新增或更正进度 {self.reports} 条")
        if self.ignored:
            lines.append(f"以下列未导入（由系统计算或无对应项）：{'、'.join(self.ignored)}")
        return lines


# --- Cell values --------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as trimmed text; whole floats lose their ``.0``; the export's guard quote goes."""
    if type(value) is not str:  # most cells are text: they skip these checks
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        value = str(value)
    text = value.replace("\u200b", "").replace("\ufeff", "").replace("\u3000", " ").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


def _name(value: Any) -> str:
    """Names lose line breaks and padding: 「智能装备\\n制造产业园」 is one name."""
    text = re.sub(r"\s+", " ", _text(value)).strip()
    return SPACE_NEAR_CJK.sub("", text)


def _long_text(value: Any) -> str:
    """Long texts keep their line breaks, without trailing spaces and Windows line ends."""
    text = _text(value).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _key(value: Any) -> str:
    """Text compared with a vocabulary: no spaces at all, half-width brackets."""
    text = re.sub(r"\s+", "", _text(value))
    return text.replace("（", "(").replace("）", ")").replace("：", ":").strip("*＊")


def _money(value: Any, factor: Decimal) -> Decimal | None:
    """万元 from a number or text (「5,200」「1.2亿元」); None when blank. ValueError if bad."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("应为数字")
    if isinstance(value, int | float):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = re.sub(r"[\s,，]", "", _text(value))
        if text in {"", "-", "—", "——", "/"}:
            return None
        for unit, unit_factor in (("亿元", YI), ("万元", WAN), ("亿", YI), ("万", WAN)):
            if text.endswith(unit):
                text, factor = text[: -len(unit)], unit_factor
                break
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"「{_text(value)[:20]}」不是数字") from exc
    if not amount.is_finite():
        raise ValueError("应为数字")
    amount = (amount * factor).quantize(CENT, rounding=ROUND_HALF_UP)
    if amount < 0:
        raise ValueError("不能为负数")
    return amount + 0  # no negative zero


def _date(value: Any) -> dt.date | None:
    """Excel dates and the ways people type them; 「未开工」 and blank are None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and 20000 < value < 80000:  # an Excel serial in a plain cell
        return from_excel(value).date()
    text = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", _text(value))
    if text == "" or re.sub(r"\s+", "", text) in NOT_YET:
        return None
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if match:
        year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
        try:
            return dt.date(year, month, day)
        except ValueError:
            pass
    if re.fullmatch(r"(19|20)\d{2}\s*年?", text):
        raise ValueError(f"「{text}」只有年份，请写到月份（如 {text[:4]}年3月）")
    raise ValueError(f"「{text[:20]}」不是可识别的日期（可写 2026年3月、2026-03-15、2026.3 等）")


def _years(value: Any) -> tuple[int | None, int | None] | None:
    """「2026-2029」 -> (2026, 2029); 「2026」 -> (2026, 2026); None when blank."""
    text = re.sub(r"\s+", "", _text(value))
    if not text:
        return None
    match = YEARS_RE.match(text)
    if not match or not (match[1] or match[3]):
        raise ValueError(f"「{text[:20]}」应写作 2026-2029")
    start = int(match[1]) if match[1] else None
    end = int(match[3]) if match[3] else (None if match[2] else start)
    if start and end and end < start:
        raise ValueError(f"结束年份 {end} 早于开始年份 {start}")
    return start, end


def _choice(value: Any, vocabulary: dict[str, str]) -> str | None:
    key = _key(value)
    if not key:
        return None
    if key in vocabulary:
        return vocabulary[key]
    raise ValueError(f"「{_text(value)[:20]}」不是可识别的取值")


def _yes_no(value: Any) -> bool | None:
    key = _key(value).lower()
    if not key:
        return None
    if key in YES:
        return True
    if key in NO:
        return False
    raise ValueError(f"「{_text(value)[:20]}」应填「是」或「否」")


def _names(value: Any) -> list[str]:
    return [n for n in (_name(part) for part in LIST_SPLIT.split(_text(value))) if n]


def _phones(value: Any) -> list[str]:
    if isinstance(value, int | float):
        return [_mobile(value)]
    return [_mobile(part) for part in PHONE_SPLIT.split(_text(value)) if part.strip()]


# --- Reading the workbook -----------------------------------------------------------------

Rows = list[tuple[int, tuple[Any, ...]]]


def _file_error(message: str) -> LedgerImportError:
    return LedgerImportError([RowError(None, None, message)])


def _read_workbook(source: Source) -> list[Rows]:
    """The non-empty rows of each sheet, with their Excel row numbers."""
    if isinstance(source, str | PathLike):
        path = Path(source)
        if not path.is_file():
            raise _file_error(f"文件不存在：{path}")
        with path.open("rb") as handle:
            return _read_handle(handle)
    return _read_handle(source)


def _read_handle(handle: IO[bytes]) -> list[Rows]:
    start = handle.tell()
    if handle.read(len(OLE2_MAGIC)) == OLE2_MAGIC:
        raise _file_error(OLD_XLS)
    handle.seek(start)
    workbook = open_workbook(handle, _file_error, NOT_XLSX)  # zip bombs, DTDs, size limits
    try:
        sheets = []
        for worksheet in workbook.worksheets:
            if not hasattr(worksheet, "iter_rows"):  # a chart sheet
                continue
            rows: Rows = []
            # Every stored cell, whatever the dimensions the file claims (they can be wrong).
            for number, values in sheet_rows(worksheet, _file_error):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                if len(rows) >= MAX_ROWS:
                    raise LedgerImportError(
                        [RowError(number, None, f"行数过多（超过 {MAX_ROWS} 行），请拆分后导入")]
                    )
                rows.append((number, tuple(values)))
            sheets.append(rows)
        return sheets
    except LedgerImportError:
        raise
    except Exception as exc:  # sheets are parsed lazily in read-only mode
        raise _file_error(UNREADABLE) from exc
    finally:
        workbook.close()


@dataclass
class _Column:
    index: int
    key: str
    label: str  # the header as the user sees it
    factor: Decimal | None  # money unit of the column when its header says so
    extra: int | None = None  # the plan's year, the year-to-date's last month


@dataclass
class _Layout:
    header_row: int  # Excel number of the (last) header row
    body: Rows
    columns: dict[str, _Column]
    as_of: dt.date | None  # 截至时间
    factor: Decimal  # money unit of the unit line, 万元 by default
    title_year: int | None
    duplicates: list[str] = field(default_factory=list)  # headers found twice
    ignored: list[str] = field(default_factory=list)  # headers not read

    def columns_order(self, label: str | None) -> int:
        """Where a column stands, to list a row's errors from left to right."""
        for column in self.columns.values():
            if column.label == label:
                return column.index
        return -1


def _match_header(text: str) -> tuple[str, int | None] | None:
    key = _key(text)
    if not key:
        return None
    for candidate in dict.fromkeys((key, BRACKETS.sub("", key))):
        if candidate in LOOKUP:
            return LOOKUP[candidate], None
        if match := PLAN_RE.match(candidate):
            return "plan", int(match[1]) if match[1] else None
        if match := YTD_RE.match(candidate):
            if match[2]:
                return "ytd", int(match[2])
            return "ytd", None
    return None


def _header_factor(*texts: str) -> Decimal | None:
    joined = "".join(texts)
    if "亿元" in joined:
        return YI
    if "万元" in joined:
        return WAN
    if re.search(r"[（(]元[)）]", joined):
        return YUAN
    return None


def _layout(rows: Rows) -> _Layout | None:
    """Find the header (one row, or two with merged parents) and the columns by name."""
    for position, (number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        tops = [_text(v) for v in values]
        matched = [_match_header(t) for t in tops]
        if not any(m and m[0] == "name" for m in matched):
            continue
        name_index = next(i for i, m in enumerate(matched) if m and m[0] == "name")
        sub: list[str] = []
        body_from = position + 1
        if position + 1 < len(rows):
            next_number, next_values = rows[position + 1]
            texts = [_text(v) for v in next_values]
            blank_name = name_index >= len(texts) or texts[name_index] == ""
            if (
                next_number == number + 1
                and blank_name
                and any(_match_header(t) for t in texts if t)
            ):
                sub, body_from = texts, position + 2
        width = max(len(tops), len(sub))
        tops += [""] * (width - len(tops))
        sub += [""] * (width - len(sub))
        columns: dict[str, _Column] = {}
        duplicates: list[str] = []
        ignored: list[str] = []
        group = ""  # a merged parent spans the columns whose top cell is empty
        for index in range(width):
            top, child = tops[index], sub[index]
            if top:
                group = top if child else ""
            parent = top or (group if child else "")
            label = child or parent
            found = _match_header(label) if label else None
            if found is None or found[0] == "rate":  # 完成率 is derived, never read
                if label:
                    ignored.append(label)
                continue
            key, extra = found
            if key in columns:
                duplicates.append(label)
                continue
            columns[key] = _Column(index, key, label, _header_factor(label, parent), extra)
        header_row = rows[body_from - 1][0]
        as_of, factor, title_year = _context(rows[:position] + [(number, values)])
        return _Layout(
            header_row, rows[body_from:], columns, as_of, factor, title_year, duplicates, ignored
        )
    return None


def _context(rows: Rows) -> tuple[dt.date | None, Decimal, int | None]:
    """The title and unit lines above the header: 截至时间, 单位：万元/亿元, the year."""
    as_of, factor, year = None, WAN, None
    for _, values in rows:
        for index, value in enumerate(values):
            text = _text(value)
            if not text:
                continue
            if as_of is None and (match := AS_OF_RE.search(text)):
                rest = match[1].strip()
                if not rest:  # 「截至时间：」 with the date in the next cell
                    following = [v for v in values[index + 1 :] if _text(v)]
                    rest = following[0] if following else ""
                try:
                    as_of = _date(rest)
                except ValueError:
                    as_of = None
                if isinstance(rest, str) and re.search(r"\d+月\s*$", rest) and as_of:
                    last = calendar.monthrange(as_of.year, as_of.month)[1]
                    as_of = as_of.replace(day=last)  # 「截至2026年10月」: the month's end
            if match := UNIT_RE.search(text):
                factor = {"亿元": YI, "万元": WAN, "元": YUAN}[match[1]]
            if year is None and (match := YEAR_RE.search(text)):
                year = int(match[1])
    return as_of, factor, year


# --- Parsing the rows ---------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    name: str
    code: str | None
    host: str
    values: dict[str, Any]  # parsed cells, by canonical column


def _classify(values: tuple[Any, ...], layout: _Layout) -> str:
    """data, section, total, note or header: what kind of row this is."""
    cols = layout.columns
    seq_i = cols["seq"].index if "seq" in cols else None
    name_i = cols["name"].index

    def cell(i: int | None) -> Any:
        return values[i] if i is not None and i < len(values) else None

    seq, name = _key(cell(seq_i)), _key(cell(name_i))
    if name == "项目名称" or seq == "序号":
        return "header"  # a header repeated (printed page by page)
    if isinstance(cell(seq_i), int | float) and not isinstance(cell(seq_i), bool):
        return "data"  # numbered: a project, whatever its name
    filled = [i for i, v in enumerate(values) if _text(v) != ""]
    first = _key(values[filled[0]]) if filled else ""
    for text in (seq, name, first):
        if text and any(text.startswith(word) for word in TOTAL_WORDS):
            return "total"
    if len(filled) == 1 and NOTE.match(first):
        return "note"
    if seq and CN_HEADING.match(_text(cell(seq_i))):
        return "section"
    if first and CN_HEADING.match(_text(values[filled[0]])) and not name:
        return "section"
    others = [i for i in filled if i not in (seq_i, name_i)]
    if not others and (SECTION_COUNT.search(seq or name) or (name or seq) in CATEGORIES):
        return "section"
    if not others and not name and seq and not seq.isdigit():
        return "section"
    return "data"


def _section_category(values: tuple[Any, ...]) -> str | None:
    text = "".join(_text(v) for v in values)
    for word, category in SECTION_CATEGORIES:
        if word in text:
            return category
    return None


def _cell_error(layout: _Layout, number: int, key: str, message: str) -> RowError:
    """An error located by the column's header as the file spells it."""
    column = layout.columns.get(key)
    return RowError(number, column.label if column else LABELS[key], message)


class _RowReader:
    """Turns a data row into parsed values, collecting every problem with its column."""

    def __init__(self, layout: _Layout, errors: list[RowError]):
        self.layout, self.errors = layout, errors

    def error(self, number: int, key: str, message: str) -> None:
        self.errors.append(_cell_error(self.layout, number, key, message))

    def raw(self, values: tuple[Any, ...], key: str) -> Any:
        column = self.layout.columns.get(key)
        if column is None or column.index >= len(values):
            return None
        return values[column.index]

    def read(self, number: int, values: tuple[Any, ...], hint: str | None) -> _Row:
        cols, parsed = self.layout.columns, {}
        name = _name(self.raw(values, "name"))
        if not name:
            self.error(number, "name", "项目名称不能为空")
        elif len(name) > 120:
            self.error(number, "name", "项目名称过长（最多 120 个字）")
        code = re.sub(r"\s+", "", _text(self.raw(values, "code"))) or None
        if code:
            try:
                project_code_validator(code)
            except Exception:
                self.error(
                    number, "code", f"项目代码「{code[:30]}」应为 24 位（数字、字母和连字符）"
                )
                code = None

        for key in ("total", "plan", "ytd"):
            if key not in cols:
                continue
            factor = cols[key].factor or self.layout.factor
            try:
                parsed[key] = _money(self.raw(values, key), factor)
            except ValueError as exc:
                self.error(number, key, f"金额{exc}")
        if "total" in cols and parsed.get("total") is None and "total" in parsed:
            self.error(number, "total", "总投资不能为空")
        total, ytd = parsed.get("total"), parsed.get("ytd")
        if total is not None and ytd is not None and ytd > total:
            self.error(number, "ytd", f"完成投资 {ytd} 万元超过总投资 {total} 万元")
        plan = parsed.get("plan")
        if total is not None and plan is not None and plan > total:
            self.error(number, "plan", f"年度计划投资 {plan} 万元超过总投资 {total} 万元")

        for key, vocabulary, allowed in (
            ("nature", NATURES, "新建、续建、前期、竣工"),
            ("level", LEVELS, "县重点、市重点、省重点"),
            ("category", CATEGORIES, "产业、基础设施、社会民生、其他"),
            ("stage", STAGES, "在谈、签约、开工、在建、竣工、投产、终止"),
        ):
            if key in cols:
                try:
                    parsed[key] = _choice(self.raw(values, key), vocabulary)
                except ValueError as exc:
                    self.error(number, key, f"{exc}，应为{allowed}之一")
        if parsed.get("category") is None and hint:
            parsed["category"] = hint
        for key in ("planned_start", "actual_start"):
            if key in cols:
                try:
                    parsed[key] = _date(self.raw(values, key))
                except ValueError as exc:
                    self.error(number, key, str(exc))
        if "years" in cols:
            try:
                parsed["years"] = _years(self.raw(values, "years"))
            except ValueError as exc:
                self.error(number, "years", str(exc))
        if "registered" in cols:
            try:
                parsed["registered"] = _yes_no(self.raw(values, "registered"))
            except ValueError as exc:
                self.error(number, "registered", str(exc))
        for key in ("content", "progress", "problems"):
            if key in cols:
                parsed[key] = _long_text(self.raw(values, key))
        if "address" in cols:
            parsed["address"] = _name(self.raw(values, "address"))[:120]
        for key in ("host", "lead", "leader"):
            if key in cols:
                parsed[key] = _name(self.raw(values, key))
        if "person" in cols:
            parsed["person"] = _names(self.raw(values, "person"))
        if "phone" in cols:
            parsed["phone"] = _phones(self.raw(values, "phone"))
        return _Row(number, name, code, parsed.get("host", ""), parsed)


# --- The directory and the registry -------------------------------------------------------


class _Directory:
    """The region's units and people, read once, matched by name as the ledger spells them."""

    def __init__(self, region: Region):
        self.units_by_name: dict[str, Unit] = {}
        self.units_by_short: dict[str, list[Unit]] = defaultdict(list)
        for unit in Unit.objects.filter(region=region):
            self.units_by_name[_name(unit.name)] = unit
            if unit.short_name:
                self.units_by_short[_name(unit.short_name)].append(unit)
        self.people_by_name: dict[str, list[Person]] = defaultdict(list)
        self.people_by_mobile: dict[str, Person] = {}
        self.leader_ids: set[int] = set()
        people = Person.objects.filter(region=region).prefetch_related("roles")
        for person in people:
            self.people_by_name[_name(person.name)].append(person)
            self.people_by_mobile[person.mobile] = person
            roles = {r.role for r in person.roles.all()}
            if person.unit_id is None or roles & LEADER_ROLES:
                self.leader_ids.add(person.pk)

    def unit(self, name: str) -> Unit:
        """ValueError with the reason when the name is unknown or ambiguous."""
        if name in self.units_by_name:
            return self.units_by_name[name]
        found = self.units_by_short.get(name, [])
        if len(found) == 1:
            return found[0]
        if found:
            names = "、".join(u.name for u in found)
            raise ValueError(f"简称「{name}」对应多个单位（{names}），请写全称")
        raise ValueError(f"通讯录中没有单位「{name}」")

    def leader(self, name: str) -> Person:
        namesakes = self.people_by_name.get(name, [])
        found = [p for p in namesakes if p.pk in self.leader_ids]
        if len(found) == 1:
            return found[0]
        if found:
            raise ValueError(f"通讯录中有 {len(found)} 位名为「{name}」的县领导，无法确定是哪一位")
        if namesakes:
            raise ValueError(f"「{name}」在通讯录中不是县领导")
        raise ValueError(f"通讯录中没有名为「{name}」的县领导")

    def person(self, name: str, mobile: str | None) -> Person:
        namesakes = self.people_by_name.get(name, []) if name else []
        if len(namesakes) == 1:
            return namesakes[0]
        if namesakes:
            by_mobile = [p for p in namesakes if mobile and p.mobile == mobile]
            if len(by_mobile) == 1:
                return by_mobile[0]
            if mobile:
                raise ValueError(
                    f"通讯录中有 {len(namesakes)} 位名为「{name}」的人员，"
                    f"手机号码都不是 {mobile}，请核对"
                )
            raise ValueError(
                f"通讯录中有 {len(namesakes)} 位名为「{name}」的人员，"
                "请在「联系电话」列填写其手机号码以区分"
            )
        if mobile and mobile in self.people_by_mobile:
            return self.people_by_mobile[mobile]
        who = f"「{name}」" if name else f"手机号码为 {mobile} 的人员"
        raise ValueError(f"通讯录中没有{who}，请先在通讯录中添加")


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Figures:
    """What a project has reported already, around the ledger's period."""

    at_period: ProgressReport | None = None
    ytd_before: Decimal = Decimal("0")
    cum_before: Decimal = Decimal("0")
    later_sum: Decimal = Decimal("0")
    later_count: int = 0
    last_period: dt.date | None = None
    last_texts: tuple[str, str] = ("", "")


def _figures(ids: list[int], period: dt.date) -> dict[int, _Figures]:
    """A handful of grouped queries per chunk of projects, whatever their number."""
    result: dict[int, _Figures] = defaultdict(_Figures)
    for chunk in _chunks(ids):
        reports = ProgressReport.objects.filter(project_id__in=chunk)
        for report in reports.filter(period=period):
            result[report.project_id].at_period = report
        for row in (
            reports.filter(period__lt=period)
            .values("project_id")
            .annotate(total=Sum("invested"), last=Max("period"))
        ):
            result[row["project_id"]].cum_before = row["total"] or Decimal("0")
            result[row["project_id"]].last_period = row["last"]
        for row in (
            reports.filter(period__lt=period, period__year=period.year)
            .values("project_id")
            .annotate(total=Sum("invested"))
        ):
            result[row["project_id"]].ytd_before = row["total"] or Decimal("0")
        for row in (
            reports.filter(period__gt=period)
            .values("project_id")
            .annotate(total=Sum("invested"), n=Count("id"))
        ):
            result[row["project_id"]].later_sum = row["total"] or Decimal("0")
            result[row["project_id"]].later_count = row["n"]
        lasts = {pid: result[pid].last_period for pid in chunk if pid in result}
        periods = {p for p in lasts.values() if p}
        if periods:
            for pid, when, progress, problems in reports.filter(period__in=periods).values_list(
                "project_id", "period", "progress_text", "problems_text"
            ):
                if lasts.get(pid) == when:
                    result[pid].last_texts = (progress, problems)
    return result


# --- Planning the changes -----------------------------------------------------------------


@dataclass
class _Step:
    row: _Row
    project: Project
    created: bool
    fields: list[str]  # what changes, as the preview names it
    attnames: set[str] = field(default_factory=set)  # the project's columns that change
    plan: tuple[AnnualPlan, bool] | None = None  # the plan and whether it is new
    persons_add: list[Person] = field(default_factory=list)
    persons_drop: list[int] = field(default_factory=list)  # ProjectPerson ids
    report: ProgressReport | None = None  # to save (new or corrected)
    report_delta: Decimal = Decimal("0")  # the change of this period's investment
    later_count: int = 0
    persons: list[Person] | None = None  # the file's 责任人, when it names any
    # The records as read before the change, for the audit trail's diff.
    old: Project | None = None
    plan_old: AnnualPlan | None = None
    report_old: ProgressReport | None = None


def _assign(project: Project, values: dict[str, Any]) -> dict[str, str]:
    """Set ``values``; return the fields whose value changes (attname: verbose name)."""
    changed = {}
    new = project.pk is None
    for name, value in values.items():
        attname, is_relation, label = _PROJECT_FIELDS.get(name) or _project_field(name)
        if is_relation:
            value = value.pk if value is not None else None
        if new:
            setattr(project, attname, value)
        elif getattr(project, attname) != value:
            setattr(project, attname, value)
            changed[attname] = label
    return changed


_PROJECT_FIELDS: dict[str, tuple[str, bool, str]] = {}


def _project_field(name: str) -> tuple[str, bool, str]:
    """(attname, is a relation, verbose name) of a Project field, looked up once."""
    model_field = Project._meta.get_field(name)
    found = (model_field.attname, model_field.is_relation, str(model_field.verbose_name))
    _PROJECT_FIELDS[name] = found
    return found


class _Planner:
    """Matches the rows to the registry and works out each change, collecting every error."""

    def __init__(self, region, layout, rows, errors, today, acting_user, lock: bool = False):
        self.region, self.layout, self.rows, self.errors = region, layout, rows, errors
        self.today, self.acting_user = today, acting_user
        # On the real import the matched projects are locked until the transaction ends, as
        # the report service locks a project: a report filed meanwhile waits, then counts.
        self.projects = Project.objects.select_for_update() if lock else Project.objects
        self.directory = _Directory(region)
        self.period, self.plan_year = _periods(layout, today, errors)
        self.kind = (
            ProjectRules.objects.filter(region=region).values_list("period_kind", flat=True).first()
            or PeriodKind.MONTH
        )
        if self.period is not None:
            self.period = period_start(self.period, self.kind)

    def error(self, number: int, key: str, message: str) -> None:
        self.errors.append(_cell_error(self.layout, number, key, message))

    def plan(self) -> list[_Step]:
        units = self._resolve_units()
        existing = self._match_projects(units)
        ids = [p.pk for p in existing.values() if p is not None]
        plans, people, figures = {}, defaultdict(dict), {}
        if self.plan_year and "plan" in self.layout.columns:
            for chunk in _chunks(ids):
                for plan in AnnualPlan.objects.filter(project_id__in=chunk, year=self.plan_year):
                    plans[plan.project_id] = plan
        if "person" in self.layout.columns or "phone" in self.layout.columns:
            for chunk in _chunks(ids):
                for pp in ProjectPerson.objects.filter(project_id__in=chunk, role=RESPONSIBLE):
                    people[pp.project_id][pp.person_id] = pp.pk
        if self.period is not None:
            figures = _figures(ids, self.period)
        steps = []
        bad_rows = {e.row for e in self.errors}
        for row in self.rows:
            project = existing.get(row.number)
            step = self._step(row, project, units.get(row.number, {}))
            if row.number in bad_rows:
                continue  # its figures are not known well enough to check them further
            if project is not None:
                self._plan_year(step, plans.get(project.pk))
                self._people(step, people.get(project.pk, {}))
                self._report(step, figures.get(project.pk) or _Figures())
            else:
                self._plan_year(step, None)
                self._people(step, {})
                self._report(step, _Figures())
            steps.append(step)
        return steps

    def _resolve_units(self) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for row in self.rows:
            resolved: dict[str, Any] = {}
            for key in ("host", "lead"):
                name = row.values.get(key)
                if name:
                    try:
                        resolved[key] = self.directory.unit(name)
                    except ValueError as exc:
                        self.error(row.number, key, str(exc))
                        resolved[key] = None
            host = resolved.get("host")
            if host is not None and host.kind == Unit.Kind.DEPARTMENT:
                message = f"「{host.name}」是部门，这一列应填项目所在的乡镇或平台"
                self.error(row.number, "host", message)
                resolved["host"] = None
            name = row.values.get("leader")
            if name:
                try:
                    resolved["leader"] = self.directory.leader(name)
                except ValueError as exc:
                    self.error(row.number, "leader", str(exc))
            names, phones = row.values.get("person", []), row.values.get("phone", [])
            persons = []
            pairs = list(zip(names, phones + [None] * len(names), strict=False))
            if not names and len(phones) == 1:
                pairs = [("", phones[0])]
            for name, phone in pairs:
                try:
                    persons.append(self.directory.person(name, phone))
                except ValueError as exc:
                    self.error(row.number, "person" if name else "phone", str(exc))
            if pairs:
                resolved["person"] = persons
            found[row.number] = resolved
        return found

    def _match_projects(self, units) -> dict[int, Project | None]:
        """By project code, else by name and host unit; a row matches one project at most."""
        codes = sorted({row.code for row in self.rows if row.code})
        names = sorted({row.name for row in self.rows if row.name})
        by_code: dict[str, Project] = {}
        for chunk in _chunks(codes):
            by_code.update({p.code: p for p in self.projects.filter(code__in=chunk)})
        by_key: dict[tuple[str, int | None], Project] = {}
        for chunk in _chunks(names):
            for p in self.projects.filter(region=self.region, name__in=chunk):
                by_key[(p.name, p.host_unit_id)] = p
        matched: dict[int, Project | None] = {}
        seen_keys: dict[tuple, int] = {}
        seen_codes: dict[str, int] = {}
        seen_projects: dict[int, int] = {}
        for row in self.rows:
            host = units.get(row.number, {}).get("host")
            host_id = host.pk if host is not None else None
            key = (row.name, host_id)
            if row.host and host is None:
                key = (row.name, "?" + row.host)  # unknown unit: reported already
            if key in seen_keys:
                where = f"所在乡镇「{row.host}」" if row.host else "未填所在乡镇"
                self.error(row.number, "name", f"与第 {seen_keys[key]} 行项目同名（{where}）")
                continue
            seen_keys[key] = row.number
            if row.code and row.code in seen_codes:
                self.error(row.number, "code", f"项目代码与第 {seen_codes[row.code]} 行重复")
                continue
            if row.code:
                seen_codes[row.code] = row.number
            project = by_code.get(row.code) if row.code else None
            if project is not None and project.region_id != self.region.pk:
                self.error(row.number, "code", f"项目代码「{row.code}」已属于其他地区的项目")
                continue
            namesake = by_key.get(key) if isinstance(key[1], int | None) else None
            if project is None:
                project = namesake
            elif namesake is not None and namesake.pk != project.pk:
                self.error(
                    row.number,
                    "name",
                    f"项目代码对应「{project.name}」，但同名同乡镇的项目"
                    f"「{namesake.name}」已另有记录，请核对",
                )
                continue
            if project is not None:
                if project.pk in seen_projects:
                    self.error(
                        row.number,
                        "name",
                        f"与第 {seen_projects[project.pk]} 行是同一个项目「{project.name}」",
                    )
                    continue
                seen_projects[project.pk] = row.number
            matched[row.number] = project
        return matched

    def _step(self, row: _Row, project: Project | None, resolved: dict) -> _Step:
        created = project is None
        values = row.values
        old = copy(project) if project is not None else None
        if created:
            project = Project(region=self.region)
        fields: dict[str, Any] = {"name": row.name}
        if row.code:
            fields["code"] = row.code
        if values.get("total") is not None:
            fields["total_investment"] = values["total"]
        for key, attr in (("nature", "nature"), ("level", "level"), ("category", "category")):
            if values.get(key):
                fields[attr] = values[key]
        if values.get("content"):
            fields["content"] = values["content"]
        if values.get("address"):
            fields["address"] = values["address"]
        if values.get("years"):
            fields["start_year"], fields["end_year"] = values["years"]
        for key in ("planned_start", "actual_start"):
            if key in values:
                fields[key] = values[key]
        stage = values.get("stage")
        if stage:
            fields["stage"] = stage
        elif created:
            fields["stage"] = Stage.STARTED if values.get("actual_start") else Stage.NEGOTIATING
        if values.get("registered") is not None:
            fields["registered_in_stats"] = values["registered"]
        if resolved.get("host"):
            fields["host_unit"] = resolved["host"]
        if resolved.get("lead"):
            fields["lead_department"] = resolved["lead"]
        if resolved.get("leader"):
            fields["contact_leader"] = resolved["leader"]
        changed = _assign(project, fields)
        return _Step(
            row,
            project,
            created,
            list(changed.values()),
            attnames=set(changed),
            persons=resolved.get("person"),
            old=old,
        )

    def _plan_year(self, step: _Step, plan: AnnualPlan | None) -> None:
        amount = step.row.values.get("plan")
        if amount is None or not self.plan_year:
            return
        if plan is None:
            step.plan = (AnnualPlan(year=self.plan_year, planned_investment=amount), True)
            if not step.created:
                step.fields.append(f"{self.plan_year}年计划投资")
        elif plan.planned_investment != amount:
            step.plan_old = copy(plan)
            plan.planned_investment = amount
            step.plan = (plan, False)
            step.fields.append(f"{self.plan_year}年计划投资")

    def _people(self, step: _Step, current: dict[int, int]) -> None:
        persons = step.persons
        if not persons:
            return
        wanted = {p.pk: p for p in persons}
        step.persons_add = [p for pk, p in wanted.items() if pk not in current]
        step.persons_drop = [pp for pk, pp in current.items() if pk not in wanted]
        if not step.created and (step.persons_add or step.persons_drop):
            step.fields.append("责任人")

    def _report(self, step: _Step, fig: _Figures) -> None:
        """The ledger month's report that brings the year to the ledger's figure."""
        values, number, project = step.row.values, step.row.number, step.project
        total = project.total_investment
        figure = values.get("ytd")
        progress, problems = values.get("progress", ""), values.get("problems", "")
        existing = fig.at_period
        if self.period is None or (figure is None and not progress and not problems):
            if total is not None and not step.created and project.invested_total > total:
                self.error(
                    number,
                    "total",
                    f"总投资 {total} 万元少于已累计完成投资 {project.invested_total} 万元",
                )
            return
        current = existing.invested if existing else Decimal("0")
        if figure is None:  # texts only: the investment stays as reported
            figure = fig.ytd_before + current
        invested = figure - fig.ytd_before
        if invested < 0:
            self.error(
                number,
                "ytd",
                f"{self.period.year}年已填报完成投资 {fig.ytd_before} 万元，"
                f"台账中的 {figure} 万元少于已填报数，请核对",
            )
            return
        cumulative = fig.cum_before + invested + fig.later_sum
        if total is not None and cumulative > total:
            self.error(
                number,
                "ytd",
                f"累计完成投资将达 {cumulative} 万元，超过总投资 {total} 万元",
            )
            return
        if existing is None:
            if invested == 0 and (progress, problems) == fig.last_texts:
                return  # nothing new since the last report
            if invested == 0 and not progress and not problems:
                return
            step.report = ProgressReport(
                period=self.period,
                period_kind=self.kind,
                progress_text=progress or DEFAULT_PROGRESS,
                invested=invested,
                cumulative_invested=fig.cum_before + invested,
                ytd_invested=figure,
                problems_text=problems,
                submitted_by_id=getattr(self.acting_user, "pk", None),
            )
            step.report_delta = invested
        else:
            new_progress = progress or existing.progress_text
            new_problems = problems if "problems" in self.layout.columns else existing.problems_text
            if (existing.invested, existing.progress_text, existing.problems_text) == (
                invested,
                new_progress,
                new_problems,
            ):
                return
            step.report_delta = invested - existing.invested
            step.report_old = copy(existing)
            existing.invested = invested
            existing.cumulative_invested = fig.cum_before + invested
            existing.ytd_invested = figure
            existing.progress_text, existing.problems_text = new_progress, new_problems
            step.report = existing
        step.later_count = fig.later_count
        if not step.created:
            step.fields.append(f"{period_label(self.period, self.kind)}进度")


def _periods(layout: _Layout, today: dt.date, errors: list[RowError]):
    """The day the ledger's year-to-date figure (or, without one, its 形象进度) runs to, and the
    year of its plan column."""
    cols = layout.columns
    ytd, plan = cols.get("ytd"), cols.get("plan")
    texts = cols.get("progress") or cols.get("problems")
    as_of = layout.as_of
    year = (
        as_of.year
        if as_of
        else (plan.extra if plan and plan.extra else layout.title_year or today.year)
    )
    period = None
    if ytd is not None:
        month = ytd.extra
        if month is not None:
            if not 1 <= month <= 12:
                errors.append(RowError(layout.header_row, ytd.label, "月份应在 1 到 12 之间"))
                return None, None
            if as_of and month > as_of.month:
                year -= 1  # 「截至2027年1月5日」 over 「1-12月完成投资」
            period = dt.date(year, month, calendar.monthrange(year, month)[1])
            if as_of and (as_of.year, as_of.month) == (year, month):
                period = as_of
        else:
            period = as_of or today
    elif texts is not None:
        period = as_of or today
    if period is not None and period_start(period) > period_start(today):
        errors.append(
            RowError(
                layout.header_row,
                (ytd or texts).label,
                f"台账截至 {period:%Y年%m月%d日}，晚于今天，不能记录将来的进度",
            )
        )
        return None, None
    plan_year = (plan.extra if plan and plan.extra else year) if plan else None
    return period, plan_year


# --- The import ---------------------------------------------------------------------------


def import_ledger(
    source: Source,
    *,
    region: Region,
    acting_user=None,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> LedgerReport:
    """Check the whole ledger, then write all of it in one transaction.

    Raises LedgerImportError listing every problem; then nothing is written. A dry run checks
    and reports what would change without writing anything.
    """
    today = today or dt.date.today()
    layout, rows, skipped, cell_errors = _parse(source)
    if dry_run:
        steps, planner = _plan(region, layout, rows, today, acting_user, cell_errors)
        return _report(steps, skipped, planner, dry_run=True)
    actor = set_actor(acting_user) if acting_user is not None else contextlib.nullcontext()
    with actor, transaction.atomic():
        # Checked against the database inside the transaction that writes.
        steps, planner = _plan(region, layout, rows, today, acting_user, cell_errors, lock=True)
        changed = _apply(steps, today)
        for chunk in _chunks(changed, 5000):
            lights.recompute(Project.objects.filter(pk__in=chunk), today)
        if any(step.created or step.fields for step in steps):
            stamps.touch("projects")  # written in bulk, without signals: the caches must see it
    return _report(steps, skipped, planner, dry_run=False)


def _parse(source: Source) -> tuple[_Layout, list[_Row], int, list[RowError]]:
    """The layout and the data rows; the cell errors are returned, to be listed with the
    errors found against the directory and the registry."""
    sheets = _read_workbook(source)
    layout = next((found for rows in sheets if (found := _layout(rows))), None)
    if layout is None or "total" not in layout.columns:
        raise _file_error(
            "未找到台账表头：表头应至少包含「项目名称」和「总投资」两列"
            "（可有标题行和「截至时间」「单位：万元」行在上方）"
        )
    errors: list[RowError] = [
        RowError(layout.header_row, label, "表头中这一列出现了两次") for label in layout.duplicates
    ]
    reader = _RowReader(layout, errors)
    rows: list[_Row] = []
    skipped, hint = 0, None
    for number, values in layout.body:
        kind = _classify(values, layout)
        if kind == "section":
            skipped += 1
            hint = _section_category(values) or hint
        elif kind == "total":
            skipped += 1
        elif kind == "data":
            rows.append(reader.read(number, values, hint))
    if not rows and not errors:
        raise _file_error("台账中没有项目行")
    return layout, rows, skipped, errors


def _plan(
    region, layout, rows, today, acting_user, cell_errors: list[RowError], lock: bool = False
) -> tuple[list[_Step], _Planner]:
    """Match every row to the directory and the registry; raise with all the errors found."""
    errors: list[RowError] = list(cell_errors)
    planner = _Planner(region, layout, rows, errors, today, acting_user, lock)
    steps = planner.plan() if len(errors) == len(cell_errors) else []
    if errors:
        # In row order, as the user will go through the file to fix them.
        errors.sort(key=lambda e: (e.row or 0, layout.columns_order(e.column)))
        raise LedgerImportError(errors)
    return steps, planner


def _report(steps: list[_Step], skipped: int, planner: _Planner, *, dry_run: bool) -> LedgerReport:
    report = LedgerReport(
        dry_run=dry_run,
        skipped=skipped,
        period=planner.period,
        period_kind=planner.kind,
        ignored=list(planner.layout.ignored),
    )
    for step in steps:
        if step.report is not None:
            report.reports += 1
        if step.created:
            report.created += 1
            report.changes.append(Change(step.row.number, "新增", step.project.name))
        elif step.fields:
            report.changed += 1
            report.changes.append(
                Change(step.row.number, "更新", step.project.name, tuple(step.fields))
            )
        else:
            report.unchanged += 1
    return report


REPORT_FIELDS = [
    "invested",
    "cumulative_invested",
    "ytd_invested",
    "progress_text",
    "problems_text",
]
RUNNING_TOTALS = ["cumulative_invested", "ytd_invested"]


def _apply(steps: list[_Step], today: dt.date) -> list[int]:
    """Write the planned changes in bulk; return the ids of the changed projects, whose
    lights are to be recomputed.

    New projects and what they bring along (annual plan, responsible persons, first report,
    standard milestones) are inserted in bulk, the projects last, lit from what was written
    before them (their ids reserved first; foreign keys are checked at commit). Changed
    projects, plans and reports are written with one UPDATE per set of changed columns, only
    the columns the ledger changes, so that an edit made meanwhile to another field stays. The audit trail gets one entry per created,
    changed or removed record, as saving them one by one would have made (the project's
    creation or change, a corrected plan or report, the running totals of later reports, a
    removed responsible person), written and sealed in bulk.
    """
    audit = AuditBatch()
    now = timezone.now()
    new_projects: list[Project] = []
    changed: dict[frozenset, list[Project]] = defaultdict(list)
    for step in steps:
        project = step.project
        if step.report is not None:
            project.invested_total += step.report_delta
            step.attnames.add("invested_total")
            period = step.report.period
            if project.last_report_period is None or period > project.last_report_period:
                project.last_report_period = period
                step.attnames.add("last_report_period")
        if step.created:
            new_projects.append(project)
        elif step.attnames:
            project.updated_at = now
            changed[frozenset(step.attnames)].append(project)
    with disable_auditlog():  # the entries are written below, in bulk
        reserve_ids(Project, new_projects)
        for attnames, projects in changed.items():
            update_rows(Project, projects, [*sorted(attnames), "updated_at"])
        plans, people, reports = _apply_related(steps)
        later = _shift_later(steps)
        dropped = _drop_people(steps)
    insert_rows(AnnualPlan, plans)
    insert_rows(ProjectPerson, people)
    insert_rows(ProgressReport, reports)
    _bulk_milestones(new_projects)
    history = [
        entry for chunk in _chunks(new_projects, 5000) for entry in lights.assess_new(chunk, today)
    ]
    insert_reserved(Project, new_projects)
    insert_rows(LightChange, history)
    for step in steps:
        project = step.project
        if step.created:
            audit.created(project)
        elif step.attnames:
            audit.changed(step.old, project, [*step.attnames, "updated_at"])
        if step.plan_old is not None:
            audit.changed(step.plan_old, step.plan[0])
        for pp in dropped.get(project.pk, []):
            audit.deleted(pp)
        if step.report_old is not None:
            audit.changed(step.report_old, step.report)
        for old, report in later.get(project.pk, []):
            audit.changed(old, report, RUNNING_TOTALS)
    audit.write()
    return [step.project.pk for step in steps if not step.created and step.fields]


def _apply_related(steps: list[_Step]):
    """Store corrected plans and reports; return the new plans, people and reports to insert."""
    new_plans: list[AnnualPlan] = []
    new_people: list[ProjectPerson] = []
    new_reports: list[ProgressReport] = []
    plans: list[AnnualPlan] = []
    reports: list[ProgressReport] = []
    for step in steps:
        project = step.project
        if step.plan is not None:
            plan, is_new = step.plan
            plan.project = project
            (new_plans if is_new else plans).append(plan)
        new_people.extend(
            ProjectPerson(project_id=project.pk, person_id=person.pk, role=RESPONSIBLE)
            for person in step.persons_add
        )
        if step.report is not None:
            step.report.project = project
            (new_reports if step.report.pk is None else reports).append(step.report)
    update_rows(AnnualPlan, plans, ["planned_investment"])
    update_rows(ProgressReport, reports, REPORT_FIELDS)
    return new_plans, new_people, new_reports


def _drop_people(steps: list[_Step]) -> dict[int, list[ProjectPerson]]:
    """Remove the responsible persons the ledger no longer names; return them by project."""
    ids = [pk for step in steps for pk in step.persons_drop]
    dropped: dict[int, list[ProjectPerson]] = defaultdict(list)
    for chunk in _chunks(ids):
        found = ProjectPerson.objects.filter(pk__in=chunk).select_related("project", "person")
        for pp in found.order_by("id"):
            dropped[pp.project_id].append(pp)
        ProjectPerson.objects.filter(pk__in=chunk).delete()
    return dropped


def _shift_later(steps: list[_Step]) -> dict[int, list[tuple[ProgressReport, ProgressReport]]]:
    """A corrected earlier period moves the running totals of the later ones.

    Returns (before, after) of each moved report, by project, for the audit trail.
    """
    shifts = {
        step.project.pk: step.report
        for step in steps
        if step.report is not None and step.later_count and step.report_delta
    }
    deltas = {step.project.pk: step.report_delta for step in steps if step.project.pk in shifts}
    moved: dict[int, list[tuple[ProgressReport, ProgressReport]]] = defaultdict(list)
    changed: list[ProgressReport] = []
    for chunk in _chunks(sorted(shifts)):
        earliest = min(shifts[pk].period for pk in chunk)
        later = ProgressReport.objects.filter(project_id__in=chunk, period__gt=earliest)
        for report in later.select_related("project").order_by("project_id", "period"):
            corrected = shifts[report.project_id]
            if report.period <= corrected.period:
                continue
            before, delta = copy(report), deltas[report.project_id]
            report.cumulative_invested += delta
            if report.period.year == corrected.period.year:
                report.ytd_invested += delta
            moved[report.project_id].append((before, report))
            changed.append(report)
    update_rows(ProgressReport, changed, RUNNING_TOTALS)
    return moved


def _bulk_milestones(projects: list[Project]) -> None:
    """What ``services.create_milestones`` does for one project, for thousands at once.

    A ledger often brings projects that started long ago: the milestones up to the start
    (签约, 供地, 施工许可…, 开工) have necessarily been passed, so they are recorded as done
    on the actual start date rather than lighting the project red for being "overdue".
    """
    if not projects:
        return
    from .services import _add_months, ensure_milestone_templates

    ensure_milestone_templates()
    templates = defaultdict(list)
    for template in MilestoneTemplate.objects.all():
        templates[template.category].append(template)

    date = prep(Milestone, "planned_date")
    dates: dict[dt.date | None, Any] = {None: None}

    def day(value: dt.date | None) -> Any:
        if value not in dates:
            dates[value] = date(value)
        return dates[value]

    def rows() -> Iterable[tuple]:
        # Tuples, not instances: 75,000 Milestone objects for 10,000 projects cost seconds.
        for project in projects:
            started = project.stage in (Stage.STARTED, Stage.COMPLETED) and project.actual_start
            for template in templates[project.category]:
                planned = (
                    _add_months(project.planned_start, template.offset_months)
                    if project.planned_start
                    else None
                )
                actual = project.actual_start if started and template.offset_months <= 0 else None
                yield (
                    project.pk,
                    template.name,
                    template.order,
                    day(planned),
                    day(actual),
                    project.lead_department_id,
                )

    insert_rows(Milestone, rows(), fields=MILESTONE_FIELDS)


MILESTONE_FIELDS = ["project", "name", "order", "planned_date", "actual_date", "responsible_unit"]


# --- The export ---------------------------------------------------------------------------

CATEGORY_ORDER = [Category.INDUSTRY, Category.INFRASTRUCTURE, Category.LIVELIHOOD, Category.OTHER]
CN_NUMERALS = "一二三四五六七八九十"
MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.0"
DATE_FORMAT = "yyyy-mm-dd"
LIGHT_FILLS = {
    Light.RED: "FFC7CE",
    Light.YELLOW: "FFEB9C",
    Light.GREEN: "C6EFCE",
}
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
FORMATS = {None: "", MONEY_FORMAT: "-money", RATE_FORMAT: "-rate", DATE_FORMAT: "-date"}


def _named_styles() -> list[NamedStyle]:
    """The sheet's styles, registered once: styling each of 260,000 cells one attribute at a
    time costs more than writing them."""
    looks = {
        "title": {"font": Font(size=16, bold=True), "alignment": CENTER},
        "header": {
            "font": Font(bold=True),
            "alignment": CENTER,
            "fill": HEADER_FILL,
            "border": BORDER,
        },
        "section": {"font": Font(bold=True), "fill": SECTION_FILL, "border": BORDER},
        "body": {"alignment": WRAP, "border": BORDER},
        **{
            f"light-{light}": {
                "alignment": CENTER,
                "border": BORDER,
                "fill": PatternFill("solid", fgColor=colour),
            }
            for light, colour in LIGHT_FILLS.items()
        },
    }
    styles = []
    for name, look in looks.items():
        for fmt, suffix in FORMATS.items():
            style = NamedStyle(name=f"台账-{name}{suffix}", **look)
            if fmt:
                style.number_format = fmt
            styles.append(style)
    return styles


def _export_columns(year: int, month: int) -> list[tuple[str, str, int]]:
    """(parent, header, width) of each column; a parent groups the columns under it."""
    money = "投资情况（万元）"
    start = "开工时间"
    who = "责任主体"
    return [
        ("", "序号", 6),
        ("", "项目名称", 28),
        ("", "项目代码", 14),
        ("", "建设性质", 8),
        ("", "项目级别", 8),
        ("", "项目类别", 10),
        ("", "建设内容及规模", 32),
        ("", "建设起止年限", 11),
        (money, "总投资", 12),
        (money, f"{year}年计划投资", 12),
        (money, f"1-{month}月完成投资", 12),
        (money, "完成率(%)", 9),
        (money, "序时差（百分点）", 10),
        (start, "计划开工时间", 12),
        (start, "实际开工时间", 12),
        ("", "项目进展情况（形象进度）", 30),
        ("", "存在问题", 24),
        (who, "所在乡镇（平台）", 14),
        (who, "责任单位", 14),
        (who, "联系县领导", 10),
        (who, "责任人", 10),
        (who, "联系电话", 14),
        ("", "项目阶段", 8),
        ("", "是否入库", 8),
        ("", "红黄绿灯", 8),
        ("", "亮灯原因", 36),
    ]


def safe_text(value: Any) -> str:
    """Text that a spreadsheet will never run as a formula (a leading ' keeps it text), as
    every export makes it (``tuijin.core.exports.cell_text``)."""
    return cell_text(str(value))


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _rate(done: Decimal, plan: Decimal | None) -> Decimal | None:
    if not plan:
        return None
    return (done / plan * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class _Sums:
    """Running totals of a section or the whole ledger, with its own 序时进度: the plans
    weighted by each project's elapsed share, so that 序时差 of a total is that of its rows."""

    def __init__(self) -> None:
        self.total = self.plan = self.done = self.expected = Decimal("0")

    def add(self, total: Decimal, plan: Decimal | None, done: Decimal, share: Decimal) -> None:
        self.total += total
        self.done += done
        if plan:
            self.plan += plan
            self.expected += plan * share

    def rate_and_gap(self) -> tuple[Decimal | None, Decimal | None]:
        rate = _rate(self.done, self.plan)
        if rate is None:
            return None, None
        gap = self.expected / self.plan - rate
        return rate, gap.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def export_ledger(queryset, out, *, today: dt.date | None = None, title: str | None = None) -> int:
    """Write ``queryset``'s projects as the county ledger to ``out`` (a path or binary file).

    Returns the number of project rows. The head and styles come from openpyxl's write-only
    workbook; the project rows are written as XML into a temporary file as they are read, in
    chunks of plain values with a fixed number of queries each, then spliced into the sheet:
    memory does not grow with the number of projects.
    """
    return _LedgerWriter(queryset, today or dt.date.today(), title).write(out)


EXPORT_CHUNK = 1000  # projects per chunk of the export: a few queries each, flat memory
# What a project row of the export reads, as plain values (``last_*`` are annotations).
EXPORT_FIELDS = (
    "id",
    "name",
    "code",
    "nature",
    "level",
    "category",
    "content",
    "start_year",
    "end_year",
    "total_investment",
    "planned_start",
    "actual_start",
    "stage",
    "registered_in_stats",
    "light",
    "light_reasons",
    "host_unit__name",
    "lead_department__name",
    "contact_leader__name",
    "last_progress",
    "last_problems",
)
NATURE_LABELS = {str(value): str(label) for value, label in Nature.choices}
LEVEL_LABELS = {str(value): str(label) for value, label in Level.choices}
CATEGORY_LABELS = {str(value): str(label) for value, label in Category.choices}
LIGHT_LABELS = {str(value): str(label) for value, label in Light.choices}


def _safe(value: str | None) -> str | None:
    """A text cell as ``safe_text`` makes it; blank is an empty cell."""
    return safe_text(value) if value else None


def _body_row_xml(number: int, values: list, cells: list[tuple[str, str]]) -> str:
    """A project row as SpreadsheetML. ``cells`` holds each column's opening ``<c r="X`` and
    the rest of its attributes (its style: every cell has borders, empty ones included)."""
    row = str(number)
    out = []
    for (head, tail), value in zip(cells, values, strict=True):
        if value is None:
            out.append(f"{head}{row}{tail}/>")
        elif type(value) is str:
            text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            out.append(
                f'{head}{row}{tail} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
            )
        elif isinstance(value, bool):
            out.append(f'{head}{row}{tail} t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int | float | Decimal):
            out.append(f"{head}{row}{tail}><v>{value}</v></c>")
        elif isinstance(value, dt.date):
            out.append(f"{head}{row}{tail}><v>{to_excel(value)}</v></c>")
        else:
            text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            out.append(
                f'{head}{row}{tail} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
            )
    return f'<row r="{row}">{"".join(out)}</row>'


def _row_xml(number: int, cells: list, letters: list[str]) -> str:
    """One sheet row as SpreadsheetML: cells are (value, style index) or None."""
    out = []
    for letter, cell in zip(letters, cells, strict=False):
        if cell is None:
            continue
        value, style = cell
        ref = f'r="{letter}{number}"' + (f' s="{style}"' if style else "")
        if value is None:
            out.append(f"<c {ref}/>")
        elif isinstance(value, bool):
            out.append(f'<c {ref} t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int | float | Decimal):
            out.append(f"<c {ref}><v>{value}</v></c>")
        elif isinstance(value, dt.date):
            out.append(f"<c {ref}><v>{to_excel(value)}</v></c>")
        else:
            text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            out.append(f'<c {ref} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
    return f'<row r="{number}">{"".join(out)}</row>'


def _splice(shell: IO[bytes], sheet_path: str, rows: IO[bytes], out) -> None:
    """Write the workbook ``shell`` to ``out`` with ``rows`` (XML) appended to its sheet."""
    rows.seek(0)
    with (
        zipfile.ZipFile(shell) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != sheet_path:
                target.writestr(item, data)
                continue
            head, tail = data.split(b"</sheetData>", 1)
            member = zipfile.ZipInfo(sheet_path, date_time=item.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member._compresslevel = 1  # fast: the sheet is most of the file
            with target.open(member, "w", force_zip64=True) as sheet:
                sheet.write(head)
                shutil.copyfileobj(rows, sheet, 1 << 16)
                sheet.write(b"</sheetData>" + tail)


class _LedgerWriter:
    def __init__(self, queryset, today: dt.date, title: str | None):
        self.today, self.year = today, today.year
        self.columns = _export_columns(self.year, today.month)
        self.width = len(self.columns)
        self.last = get_column_letter(self.width)
        self.index = {header: i for i, (_, header, _) in enumerate(self.columns)}
        self.base = queryset.order_by()
        regions = list(self.base.values_list("region__name", flat=True).distinct()[:2])
        self.region = regions[0] if len(regions) == 1 else ""
        self.title = title or f"{self.region}{self.year}年重点项目推进情况台账"
        self.share_reported = lights.elapsed_share(today, current_month_reported=True) * 100
        self.share_unreported = lights.elapsed_share(today) * 100
        self.row_number = 0
        self.sections: list[str] = []
        self.styles: dict[str, NamedStyle] = {}
        self.rows: IO[bytes] | None = None  # the body's XML, once the head is written
        self.style_ids: dict[tuple[str, str | None], int] = {}
        self.letters = [get_column_letter(i) for i in range(1, self.width + 1)]

    # -- data ------------------------------------------------------------------------------

    def _figures(self, chunk: list[int]) -> None:
        """This year's plans and completions of a chunk of projects, and which of them have
        reported the current month: three grouped queries per chunk, none per row."""
        self.plans = dict(
            AnnualPlan.objects.filter(project_id__in=chunk, year=self.year).values_list(
                "project_id", "planned_investment"
            )
        )
        self.done = dict(
            ProgressReport.objects.filter(
                project_id__in=chunk, period__year=self.year, period__lte=self.today
            )
            .order_by()
            .values("project_id")
            .annotate(total=Sum("invested"))
            .values_list("project_id", "total")
        )
        # 序时进度 counts the current month for the projects that have reported it (see lights).
        self.reported_now = set(
            ProgressReport.objects.filter(
                project_id__in=chunk,
                period=self.today.replace(day=1),
                period_kind=PeriodKind.MONTH,
            ).values_list("project_id", flat=True)
        )

    def _projects(self, categories: list[str]) -> Iterable[Any]:
        """The projects, section by section and by id, as rows of what the ledger shows, read
        a chunk at a time: the ids stream from the database, each chunk's rows, responsible
        persons and figures are fetched in a fixed number of queries as plain values (no
        model instance per project), and nothing is kept once its rows are written."""
        latest = ProgressReport.objects.filter(
            project=OuterRef("pk"), period__lte=self.today
        ).order_by("-period")
        details = (
            Project.objects.order_by()
            .annotate(
                last_progress=Subquery(latest.values("progress_text")[:1]),
                last_problems=Subquery(latest.values("problems_text")[:1]),
            )
            .values_list(*EXPORT_FIELDS, named=True)
        )
        people = ProjectPerson.objects.filter(role=RESPONSIBLE).order_by("id")
        for category in categories:
            ids = (
                self.base.filter(category=category)
                .order_by("id")
                .values_list("pk", flat=True)
                .iterator(chunk_size=EXPORT_CHUNK)
            )
            while chunk := list(islice(ids, EXPORT_CHUNK)):
                self._figures(chunk)
                self.people = defaultdict(list)
                for project_id, name, mobile in people.filter(project_id__in=chunk).values_list(
                    "project_id", "person__name", "person__mobile"
                ):
                    self.people[project_id].append((name, mobile))
                found = {row.id: row for row in details.filter(pk__in=chunk)}
                yield from (found[pk] for pk in chunk if pk in found)

    # -- cells -----------------------------------------------------------------------------

    def cell(self, value: Any = None, *, fmt: str | None = None, style: str = "body"):
        if isinstance(value, str):
            value = safe_text(value)
        if self.rows is not None:  # the body: (value, style index), written as XML below
            key = (style, fmt)
            if key not in self.style_ids:
                self.style_ids[key] = 0 if style == "plain" else self._styled(style, fmt).style_id
            return value, self.style_ids[key]
        if style == "plain":
            return WriteOnlyCell(self.sheet, value=value)
        return self._styled(style, fmt, value)

    def _styled(self, style: str, fmt: str | None, value: Any = None) -> Cell:
        # What assigning the named style does, without looking it up by name every time.
        look = self.styles[f"台账-{style}{FORMATS[fmt]}"].as_tuple()
        return Cell(self.sheet, row=1, column=1, value=value, style_array=copy(look))

    def append(self, cells: list, merge: bool = False) -> None:
        self.row_number += 1
        if self.rows is None:
            self.sheet.append(cells)
        else:
            self.rows.write(_row_xml(self.row_number, cells, self.letters).encode())
        if merge:
            self.sheet.merged_cells.add(f"A{self.row_number}:{self.last}{self.row_number}")

    # -- rows ------------------------------------------------------------------------------

    def write(self, out) -> int:
        counts = dict(
            self.base.values("category").annotate(n=Count("id")).values_list("category", "n")
        )
        known = [c for c in CATEGORY_ORDER if c in counts]
        categories = known + sorted(c for c in counts if c not in CATEGORY_ORDER)

        book = Workbook(write_only=True)
        for style in _named_styles():
            book.add_named_style(style)
            self.styles[style.name] = style
        self.sheet = book.create_sheet("重点项目台账")
        # A streamed sheet has no stored size; readers (openpyxl's among them) would then read
        # the whole sheet once just to size it. The size is known: title, unit line, two header
        # rows, a heading and a subtotal per section, the projects, the total and the note.
        height = 4 + 2 * len(counts) + sum(counts.values()) + 2
        self.sheet.calculate_dimension = lambda: f"A1:{self.last}{height}"
        for i, (_, _, col_width) in enumerate(self.columns, start=1):
            self.sheet.column_dimensions[get_column_letter(i)].width = col_width
        self.sheet.freeze_panes = "C5"
        self._head()
        # The body goes to a temporary file as XML, then into the sheet of the saved book:
        # openpyxl builds and styles an object per cell, which for 40,000 projects of 26
        # columns costs minutes; the XML of a row costs microseconds.
        with tempfile.TemporaryFile() as self.rows:
            self._body_styles()
            seq = self._body(categories, counts)
            shell = io.BytesIO()
            book.save(shell)
            _splice(shell, self.sheet.path.lstrip("/"), self.rows, out)
        return seq

    def _body(self, categories: list[str], counts: dict[str, int]) -> int:
        grand, sub = _Sums(), _Sums()
        section, seq = None, 0
        for project in self._projects(categories):
            if project.category != section:
                if section is not None:
                    self._totals("小计", sub)
                section, sub = project.category, _Sums()
                numeral = CN_NUMERALS[len(self.sections)] if len(self.sections) < 10 else ""
                self.sections.append(section)
                label = Category(section).label if section in Category.values else section
                heading = f"{numeral}、{label}项目（{counts.get(section, 0)}个）"
                self.append(
                    [self.cell(heading, style="section")]
                    + [self.cell(None, style="section") for _ in range(self.width - 1)],
                    merge=True,
                )
            seq += 1
            self._project(seq, project, (sub, grand))
        if section is not None:
            self._totals("小计", sub)
        self._totals("合计", grand)
        month = self.today.month
        note = (
            f"注：1.完成率=1-{month}月完成投资/{self.year}年计划投资；"
            "2.序时差=序时进度-完成率，正数为落后于序时进度的百分点；序时进度按已结束的月份计"
            f"（{self.share_unreported.quantize(Decimal('0.1'))}%），本月已填报的项目含本月"
            f"（{self.share_reported.quantize(Decimal('0.1'))}%）；"
            "3.项目阶段分为在谈、签约、在建、竣工、终止。"
        )
        self.append([self.cell(note, style="plain")], merge=True)
        return seq

    def _body_styles(self) -> None:
        """Each column's cell of a project row, styled, by light (the light cell's fill)."""
        formats = {
            "总投资": MONEY_FORMAT,
            f"{self.year}年计划投资": MONEY_FORMAT,
            f"1-{self.today.month}月完成投资": MONEY_FORMAT,
            "完成率(%)": RATE_FORMAT,
            "序时差（百分点）": RATE_FORMAT,
            "计划开工时间": DATE_FORMAT,
            "实际开工时间": DATE_FORMAT,
        }
        styles = [self.cell(None, fmt=formats.get(header))[1] for _, header, _ in self.columns]
        lights_at = self.index["红黄绿灯"]
        self.body_cells: dict[str | None, list[tuple[str, str]]] = {}
        for light in [None, *LIGHT_FILLS]:
            if light is not None:
                styles[lights_at] = self.cell(None, style=f"light-{light}")[1]
            self.body_cells[light] = [
                (f'<c r="{letter}', f'" s="{style}"' if style else '"')
                for letter, style in zip(self.letters, styles, strict=True)
            ]

    def _head(self) -> None:
        cell = self.cell
        self.append([cell(self.title, style="title")] + [None] * (self.width - 1), merge=True)
        line: list[Any] = [None] * self.width
        line[0] = cell(f"填报单位：{self.region}", style="plain")
        day = self.today
        line[self.index["总投资"]] = cell(
            f"截至时间：{day.year}年{day.month}月{day.day}日", style="plain"
        )
        line[self.index["联系电话"]] = cell("单位：万元", style="plain")
        self.append(line)
        tops, subs = [], []
        for i, (parent, header, _) in enumerate(self.columns):
            letter = get_column_letter(i + 1)
            if not parent:
                tops.append(cell(header, style="header"))
                subs.append(cell(None, style="header"))
                self.sheet.merged_cells.add(f"{letter}3:{letter}4")
                continue
            first = i == 0 or self.columns[i - 1][0] != parent
            tops.append(cell(parent if first else None, style="header"))
            subs.append(cell(header, style="header"))
            if first:
                span = sum(1 for p, _, _ in self.columns[i:] if p == parent)
                self.sheet.merged_cells.add(f"{letter}3:{get_column_letter(i + span)}3")
        self.append(tops)
        self.append(subs)

    def _project(self, seq: int, project: Any, sums: tuple[_Sums, ...]) -> None:
        """One project's row, written as XML with the body's styles worked out once: at
        100,000 rows every microsecond per cell counts."""
        plan = self.plans.get(project.id)
        done = self.done.get(project.id) or Decimal("0")
        reported = project.id in self.reported_now
        share = self.share_reported if reported else self.share_unreported
        for total in sums:
            total.add(project.total_investment, plan, done, share)
        rate = _rate(done, plan)
        gap = (share - rate).quantize(Decimal("0.1")) if rate is not None else None
        people = self.people.get(project.id, ())
        started = project.stage in (Stage.STARTED, Stage.COMPLETED)
        years = ""
        if project.start_year or project.end_year:
            if project.start_year == project.end_year:
                years = str(project.start_year)
            else:
                years = f"{project.start_year or ''}-{project.end_year or ''}"
        light = project.light
        reasons = project.light_reasons
        values = [
            seq,
            safe_text(project.name),
            _safe(project.code),
            safe_text(NATURE_LABELS.get(project.nature, project.nature)),
            safe_text(LEVEL_LABELS.get(project.level, project.level)),
            safe_text(CATEGORY_LABELS.get(project.category, project.category)),
            _safe(project.content),
            _safe(years),
            _number(project.total_investment),
            _number(plan),
            _number(done),
            _number(rate),
            _number(gap),
            project.planned_start,
            project.actual_start or (None if started else "未开工"),
            _safe(project.last_progress),
            _safe(project.last_problems),
            _safe(project.host_unit__name),
            _safe(project.lead_department__name),
            _safe(project.contact_leader__name),
            _safe("、".join(name for name, _ in people)),
            _safe("、".join(mobile for _, mobile in people)),
            safe_text(STAGE_WORDS.get(project.stage, project.stage)),
            "是" if project.registered_in_stats else "否",
            LIGHT_LABELS.get(light, ""),
            _safe("；".join(reasons) if reasons else None),
        ]
        self.row_number += 1
        cells = self.body_cells.get(light, self.body_cells[None])
        self.rows.write(_body_row_xml(self.row_number, values, cells).encode())

    def _totals(self, label: str, sums: _Sums) -> None:
        values: list[Any] = [self.cell(None, style="section") for _ in range(self.width)]
        values[self.index["项目名称"]] = self.cell(label, style="section")
        headers = ("总投资", f"{self.year}年计划投资", f"1-{self.today.month}月完成投资")
        for header, amount in zip(headers, (sums.total, sums.plan, sums.done), strict=True):
            values[self.index[header]] = self.cell(
                _number(amount), fmt=MONEY_FORMAT, style="section"
            )
        rate, gap = sums.rate_and_gap()
        values[self.index["完成率(%)"]] = self.cell(_number(rate), fmt=RATE_FORMAT, style="section")
        values[self.index["序时差（百分点）"]] = self.cell(
            _number(gap), fmt=RATE_FORMAT, style="section"
        )
        self.append(values)
