"""Import of the county directory from Excel (layout of fixtures/directory-sample.xlsx).

Counties keep their directory (通讯录) as a workbook with three sheets: 地区 (名称, 行政区划代码,
级别, 上级名称), 单位 (序号, 单位名称, 单位简称, 单位类型) and 人员 (序号, 姓名, 所在单位, 职务,
手机号码, 角色). A half-imported directory would put wrong names on projects and orders, so
the import is all or nothing: the whole workbook is read and checked first, every problem is
reported at once with its sheet, Excel row and column, and only a clean file is written, in
one transaction. Re-importing updates the rows already there (regions by code, units by name,
people by mobile, or by name and unit when the mobile changed), so importing the same file
twice changes nothing.

Used by the upload page (a dry run as preview, then the real import) and by
``tuijin import-directory``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from os import PathLike
from pathlib import Path
from typing import IO, Any

from django.db import models, transaction

from .accounts import sync_account
from .imports import ImportRejected
from .models import Person, PersonRole, Region, Unit
from .models.directory import mobile_validator
from .roles import DirectoryRole
from .workbooks import bounded_rows, open_workbook

Source = str | PathLike[str] | IO[bytes]

REGIONS, UNITS, PEOPLE = "地区", "单位", "人员"
KINDS = (REGIONS, UNITS, PEOPLE)

# Required columns of each sheet, and optional ones. Every column that holds data the import
# overwrites is required: a missing 角色 column must not silently strip everyone's roles.
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    REGIONS: (("名称", "行政区划代码", "级别"), ("上级名称",)),
    UNITS: (("序号", "单位名称", "单位简称", "单位类型"), ()),
    PEOPLE: (("序号", "姓名", "所在单位", "职务", "手机号码", "角色"), ()),
}
ORDER_COLUMN = "序号"

NOT_XLSX = "文件不是有效的 Excel (.xlsx) 文件"
OLD_XLS = "文件是旧版 Excel (.xls) 格式，请在 Excel 中「另存为」.xlsx 后再导入"
UNREADABLE = "文件内容损坏，无法读取，请在 Excel 中打开后重新保存再导入"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) container

MAX_ROWS = 10_000  # per sheet; a county directory has hundreds
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common

LEVELS = {str(label): value for value, label in Region.Level.choices}
LEVEL_RANK = {Region.Level.PROVINCE: 0, Region.Level.CITY: 1, Region.Level.COUNTY: 2}
UNIT_KINDS = {str(label): value for value, label in Unit.Kind.choices}
ROLES = [role.value for role in DirectoryRole]
# Roles that only make sense inside a unit: the person's account is scoped to it.
UNIT_ROLES = {DirectoryRole.UNIT_HEAD, DirectoryRole.UNIT_DEPUTY, DirectoryRole.UNIT_LIAISON}

ROLE_SEPARATORS = re.compile(r"[、,，;；/／\s]+")
MOBILE_NOISE = re.compile(r"[\s\-－—–]+")
CJK = re.compile(r"[\u3400-\u9fff]")
REGION_CODE = re.compile(r"^\d{6,12}$")


@dataclass(frozen=True)
class RowError:
    """One problem in the file, located as the user sees it in Excel."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if not self.sheet:  # the file as a whole
            return self.message
        where = f"工作表「{self.sheet}」"
        if self.row:
            where += f"第 {self.row} 行"
        if self.column:
            where += f"「{self.column}」列"
        return f"{where}：{self.message}"


class DirectoryImportError(ImportRejected):
    """The directory file was rejected; nothing was written."""


@dataclass(frozen=True)
class Change:
    """One row that the import creates or updates, for the preview page."""

    kind: str  # 地区 / 单位 / 人员
    action: str  # 新增 / 更新
    name: str
    fields: tuple[str, ...] = ()  # for updates: the columns whose values change


@dataclass
class ImportReport:
    """What the import did (or, on a dry run, would do), per kind of row."""

    dry_run: bool = False
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    changes: list[Change] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary_lines(self) -> list[str]:
        return [
            f"{kind}：新增 {self.created.get(kind, 0)}，更新 {self.updated.get(kind, 0)}，"
            f"未变 {self.unchanged.get(kind, 0)}"
            for kind in KINDS
        ]


def import_directory(source: Source, *, dry_run: bool = False) -> ImportReport:
    """Check the whole workbook, then write all of it in one transaction.

    ``source`` is a path or a binary file object. Raises DirectoryImportError listing every
    problem; then nothing is written. A dry run checks and reports without writing anything.
    """
    book = _read_workbook(source)
    errors: list[RowError] = []
    tables = {sheet: _table(sheet, book[sheet], errors) for sheet in KINDS}
    if errors:  # structure is wrong: row-by-row messages would only be noise
        raise DirectoryImportError(errors)
    regions = _parse_regions(tables[REGIONS], errors)
    units = _parse_units(tables[UNITS], errors)
    people = _parse_people(tables[PEOPLE], errors)
    if dry_run:
        return _plan(regions, units, people, errors).report(dry_run=True)
    with transaction.atomic():
        # Checked against the database inside the transaction that writes.
        plan = _plan(regions, units, people, errors)
        plan.apply()
    return plan.report(dry_run=False)


# --- Reading the workbook -------------------------------------------------------------------

Rows = list[tuple[int, tuple[Any, ...]]]


def _file_error(message: str) -> DirectoryImportError:
    return DirectoryImportError([RowError("", None, None, message)])


def _read_workbook(source: Source) -> dict[str, Rows]:
    """The non-empty rows of the three sheets, with their Excel row numbers.

    Anything wrong with the file as a whole (not a workbook, sheet missing) is raised here.
    """
    if isinstance(source, str | PathLike):
        path = Path(source)
        if not path.is_file():
            raise _file_error(f"文件不存在：{path}")
        with path.open("rb") as handle:
            return _read_handle(handle)
    return _read_handle(source)


def _read_handle(handle: IO[bytes]) -> dict[str, Rows]:
    start = handle.tell()
    if handle.read(len(OLE2_MAGIC)) == OLE2_MAGIC:
        raise _file_error(OLD_XLS)
    handle.seek(start)
    workbook = open_workbook(handle, _file_error, NOT_XLSX)  # zip bombs, DTDs, size limits
    try:
        names = {name.strip(): name for name in workbook.sheetnames}
        missing = [sheet for sheet in KINDS if sheet not in names]
        if missing:
            present = "、".join(workbook.sheetnames) or "无"
            raise DirectoryImportError(
                [
                    RowError(s, None, None, f"缺少该工作表（文件中的工作表：{present}）")
                    for s in missing
                ]
            )
        return {sheet: _sheet_rows(sheet, workbook[names[sheet]]) for sheet in KINDS}
    except DirectoryImportError:
        raise
    except Exception as exc:  # sheets are parsed lazily in read-only mode
        raise _file_error(UNREADABLE) from exc
    finally:
        workbook.close()


def _sheet_rows(sheet: str, worksheet: Any) -> Rows:
    # The stored dimension can be wrong (some tools write A1); it would cut columns off.
    worksheet.reset_dimensions()
    rows: Rows = []
    for number, values in enumerate(bounded_rows(worksheet, _file_error), start=1):
        if all(_text(v) == "" for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise DirectoryImportError(
                [RowError(sheet, number, None, f"行数过多（超过 {MAX_ROWS} 行），请检查文件")]
            )
        rows.append((number, tuple(values)))
    return rows


@dataclass
class _Table:
    sheet: str
    columns: dict[str, int]
    rows: Rows

    def value(self, values: tuple[Any, ...], column: str) -> Any:
        index = self.columns[column]
        return values[index] if index < len(values) else None

    def text(self, values: tuple[Any, ...], column: str) -> str:
        return _text(self.value(values, column))


def _header(value: Any) -> str:
    """Header text as people type it: stray spaces and a required-mark star are dropped."""
    return re.sub(r"\s+", "", _text(value)).strip("*＊")


def _table(sheet: str, rows: Rows, errors: list[RowError]) -> _Table | None:
    """Find the header row and the columns by name, in any order."""
    required, optional = COLUMNS[sheet]
    if not rows:
        errors.append(RowError(sheet, None, None, f"工作表是空的，应有表头：{'、'.join(required)}"))
        return None
    header_at = 0
    for i, (_, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if set(required) & {_header(v) for v in values}:
            header_at = i
            break
    header_row, header = rows[header_at]
    columns: dict[str, int] = {}
    for index, value in enumerate(header):
        name = _header(value)
        if name not in required and name not in optional:
            continue
        if name in columns:
            errors.append(RowError(sheet, header_row, name, "表头中这一列出现了两次"))
        else:
            columns[name] = index
    for name in required:
        if name not in columns:
            errors.append(RowError(sheet, None, name, f"缺少这一列（表头在第 {header_row} 行）"))
    # Templates often come with 序号 filled in down the page: such rows are empty.
    skip = columns.get(ORDER_COLUMN)
    data = [
        (number, values)
        for number, values in rows[header_at + 1 :]
        if any(_text(v) != "" for i, v in enumerate(values) if i != skip)
    ]
    return _Table(sheet, columns, data)


# --- Cell values ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as trimmed text; whole floats lose their ``.0`` (Excel stores numbers as floats)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).replace("\u200b", "").replace("\ufeff", "").strip()


def _person_name(value: Any) -> str:
    """Chinese names are often padded to line up (「王  伟」); the spaces are not the name's."""
    text = _text(value)
    if CJK.search(text):
        return re.sub(r"\s+", "", text)
    return re.sub(r"\s+", " ", text)


def normalise_mobile(value: Any) -> str:
    """Mobiles come as numbers (13812345678, 13812345678.0) or as text with spaces, dashes
    or +86; this gives the 11 digits to validate and store."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = MOBILE_NOISE.sub("", _text(value))
    if re.fullmatch(r"\d+(\.0+|(\.\d+)?[eE]\+?\d+)", text):  # "13812345678.0", "1.38E+10"
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is not None and number == number.to_integral_value():
            text = str(int(number))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            return text[len(prefix) :]
    if len(text) == 13 and text.startswith("86"):
        return text[2:]
    return text


def split_roles(value: Any) -> list[str]:
    """The 角色 cell may list several roles, separated by 、 , ， ; ； / or spaces."""
    roles: list[str] = []
    for part in ROLE_SEPARATORS.split(_text(value)):
        if part and part not in roles:
            roles.append(part)
    return roles


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


def _order(
    table: _Table, number: int, values: tuple[Any, ...], position: int, errors: list[RowError]
) -> int:
    """序号 gives the display order; an empty one keeps the row's place in the sheet."""
    raw = table.value(values, ORDER_COLUMN)
    text = _text(raw)
    if text == "":
        return position
    if not text.isdecimal():
        errors.append(RowError(table.sheet, number, ORDER_COLUMN, f"序号「{text}」应为正整数"))
        return position
    return int(text)


# --- Parsing the sheets ---------------------------------------------------------------------


@dataclass
class _RegionRow:
    row: int
    name: str
    code: str
    level: str
    parent_name: str


@dataclass
class _UnitRow:
    row: int
    order: int
    name: str
    short_name: str
    kind: str


@dataclass
class _PersonRow:
    row: int
    order: int
    name: str
    unit_name: str
    title: str
    mobile: str
    roles: list[str]


def _check_length(
    table: _Table, number: int, column: str, text: str, limit: int, errors: list[RowError]
) -> None:
    if len(text) > limit:
        errors.append(RowError(table.sheet, number, column, f"内容过长（最多 {limit} 个字）"))


def _parse_regions(table: _Table, errors: list[RowError]) -> list[_RegionRow]:
    result: list[_RegionRow] = []
    seen: dict[str, int] = {}
    has_parent = "上级名称" in table.columns
    for number, values in table.rows:
        name = table.text(values, "名称")
        code = table.text(values, "行政区划代码")
        level_text = table.text(values, "级别")
        parent = table.text(values, "上级名称") if has_parent else ""
        if not name:
            errors.append(RowError(table.sheet, number, "名称", "名称不能为空"))
        _check_length(table, number, "名称", name, _max_length(Region, "name"), errors)
        if not code:
            errors.append(RowError(table.sheet, number, "行政区划代码", "行政区划代码不能为空"))
        elif not REGION_CODE.match(code):
            errors.append(
                RowError(
                    table.sheet,
                    number,
                    "行政区划代码",
                    f"行政区划代码「{code}」应为 6 至 12 位数字",
                )
            )
        elif code in seen:
            errors.append(
                RowError(
                    table.sheet,
                    number,
                    "行政区划代码",
                    f"行政区划代码「{code}」与第 {seen[code]} 行重复",
                )
            )
        else:
            seen[code] = number
        level = LEVELS.get(level_text, "")
        if not level:
            errors.append(
                RowError(
                    table.sheet,
                    number,
                    "级别",
                    f"级别「{level_text}」无效，应为 {'、'.join(LEVELS)} 之一",
                )
            )
        if parent and parent == name:
            errors.append(RowError(table.sheet, number, "上级名称", "上级地区不能是自己"))
        result.append(_RegionRow(number, name, code, level, parent))
    if not table.rows:
        errors.append(RowError(table.sheet, None, None, "没有地区数据（至少应有本县一行）"))
    return result


def _parse_units(table: _Table, errors: list[RowError]) -> list[_UnitRow]:
    result: list[_UnitRow] = []
    seen: dict[str, int] = {}
    for position, (number, values) in enumerate(table.rows, start=1):
        order = _order(table, number, values, position, errors)
        name = table.text(values, "单位名称")
        short_name = table.text(values, "单位简称")
        kind_text = table.text(values, "单位类型")
        if not name:
            errors.append(RowError(table.sheet, number, "单位名称", "单位名称不能为空"))
        elif name in seen:
            errors.append(
                RowError(table.sheet, number, "单位名称", f"单位「{name}」与第 {seen[name]} 行重复")
            )
        else:
            seen[name] = number
        _check_length(table, number, "单位名称", name, _max_length(Unit, "name"), errors)
        _check_length(
            table, number, "单位简称", short_name, _max_length(Unit, "short_name"), errors
        )
        kind = UNIT_KINDS.get(kind_text, "")
        if not kind_text:
            errors.append(RowError(table.sheet, number, "单位类型", "单位类型不能为空"))
        elif not kind:
            errors.append(
                RowError(
                    table.sheet,
                    number,
                    "单位类型",
                    f"单位类型「{kind_text}」无效，应为 {'、'.join(UNIT_KINDS)} 之一",
                )
            )
        result.append(_UnitRow(number, order, name, short_name, kind))
    return result


def _parse_people(table: _Table, errors: list[RowError]) -> list[_PersonRow]:
    result: list[_PersonRow] = []
    by_mobile: dict[str, int] = {}
    by_name: dict[tuple[str, str], int] = {}
    for position, (number, values) in enumerate(table.rows, start=1):
        order = _order(table, number, values, position, errors)
        name = _person_name(table.value(values, "姓名"))
        unit_name = table.text(values, "所在单位")
        title = table.text(values, "职务")
        raw_mobile = table.value(values, "手机号码")
        mobile = normalise_mobile(raw_mobile)
        roles = split_roles(table.value(values, "角色"))

        if not name:
            errors.append(RowError(table.sheet, number, "姓名", "姓名不能为空"))
        elif (name, unit_name) in by_name:
            where = f"「{unit_name}」" if unit_name else "无单位的人员"
            errors.append(
                RowError(
                    table.sheet,
                    number,
                    "姓名",
                    f"{where}中「{name}」与第 {by_name[name, unit_name]} 行重复",
                )
            )
        else:
            by_name[name, unit_name] = number
        _check_length(table, number, "姓名", name, _max_length(Person, "name"), errors)
        _check_length(table, number, "职务", title, _max_length(Person, "title"), errors)

        if not mobile:
            errors.append(RowError(table.sheet, number, "手机号码", "手机号码不能为空"))
        elif not mobile_validator.regex.search(mobile):
            errors.append(
                RowError(
                    table.sheet,
                    number,
                    "手机号码",
                    f"手机号码「{_text(raw_mobile)}」格式不正确：{mobile_validator.message}",
                )
            )
        elif mobile in by_mobile:
            errors.append(
                RowError(
                    table.sheet,
                    number,
                    "手机号码",
                    f"手机号码 {mobile} 与第 {by_mobile[mobile]} 行重复",
                )
            )
        else:
            by_mobile[mobile] = number

        for role in roles:
            if role not in ROLES:
                errors.append(
                    RowError(
                        table.sheet, number, "角色", f"角色「{role}」无效，可选：{'、'.join(ROLES)}"
                    )
                )
        if not unit_name:
            for role in roles:
                if role in UNIT_ROLES:
                    errors.append(
                        RowError(table.sheet, number, "所在单位", f"角色「{role}」须填写所在单位")
                    )
        result.append(_PersonRow(number, order, name, unit_name, title, mobile, roles))
    return result


# --- Planning and writing -------------------------------------------------------------------


def _assign(obj: models.Model, values: dict[str, Any]) -> list[str]:
    """Set ``values`` on ``obj``; return the verbose names of the fields whose value changes."""
    changed: list[str] = []
    for name, value in values.items():
        model_field = obj._meta.get_field(name)
        if model_field.is_relation:
            new_id = value.pk if value is not None else None
            differs = (value is not None and new_id is None) or (
                getattr(obj, model_field.attname) != new_id
            )
        else:
            differs = getattr(obj, name) != value
        if differs:
            setattr(obj, name, value)
            changed.append(str(model_field.verbose_name))
    return changed


@dataclass
class _Step:
    kind: str
    obj: models.Model
    created: bool
    fields: list[str]
    label: str
    roles_add: list[str] = field(default_factory=list)
    roles_drop: list[PersonRole] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or bool(self.fields)


@dataclass
class _Plan:
    regions: list[_Step]
    units: list[_Step]
    people: list[_Step]

    def report(self, *, dry_run: bool) -> ImportReport:
        report = ImportReport(dry_run=dry_run)
        for steps in (self.regions, self.units, self.people):
            for step in steps:
                if step.created:
                    report.created[step.kind] += 1
                    report.changes.append(Change(step.kind, "新增", step.label))
                elif step.fields:
                    report.updated[step.kind] += 1
                    report.changes.append(Change(step.kind, "更新", step.label, tuple(step.fields)))
                else:
                    report.unchanged[step.kind] += 1
        return report

    def apply(self) -> None:
        """Save row by row (not in bulk) so that the audit log records each change."""
        for step in sorted(self.regions, key=lambda s: LEVEL_RANK[s.obj.level]):
            if step.changed:
                step.obj.save()
        for step in self.units:
            if step.changed:
                step.obj.save()
        for step in self.people:
            person = step.obj
            if step.created or set(step.fields) - {"角色"}:
                person.save()
            for role in step.roles_drop:
                role.delete()
            for role in step.roles_add:
                PersonRole(person=person, role=role).save()
            if step.fields and person.user_id:
                # The account's groups follow the roles; fetched again, as the roles
                # prefetched for matching are stale now.
                sync_account(Person.objects.select_related("user").get(pk=person.pk))


def _plan(
    regions: list[_RegionRow],
    units: list[_UnitRow],
    people: list[_PersonRow],
    errors: list[RowError],
) -> _Plan:
    """Match the file's rows to the database and work out each change; raise on any error."""
    region_steps, target = _plan_regions(regions, errors)
    unit_steps = _plan_units(units, target)
    person_steps = _plan_people(people, target, unit_steps, errors)
    if errors:
        # In sheet and row order, as the user will go through the file to fix them.
        errors.sort(key=lambda e: (KINDS.index(e.sheet) if e.sheet in KINDS else -1, e.row or 0))
        raise DirectoryImportError(errors)
    return _Plan(region_steps, unit_steps, person_steps)


def _plan_regions(rows: list[_RegionRow], errors: list[RowError]) -> tuple[list[_Step], Region]:
    """Regions match by code. Units and people belong to the lowest-level region in the sheet."""
    existing = {r.code: r for r in Region.objects.filter(code__in=[r.code for r in rows])}
    objs: dict[int, Region] = {}
    steps: list[_Step] = []
    for row in rows:
        obj = existing.get(row.code) or Region(code=row.code)
        created = obj.pk is None
        fields = _assign(obj, {"name": row.name, "level": row.level or obj.level})
        objs[row.row] = obj
        steps.append(_Step(REGIONS, obj, created, fields, row.name))

    by_name: dict[str, list[_RegionRow]] = {}
    for row in rows:
        by_name.setdefault(row.name, []).append(row)
    for row, step in zip(rows, steps, strict=True):
        if not row.parent_name or row.parent_name == row.name:
            continue  # an empty 上级名称 leaves an existing region's parent as it is
        parent = _find_parent(row, by_name, objs, errors)
        if parent is None:
            continue
        if row.level and parent.level and LEVEL_RANK[parent.level] >= LEVEL_RANK[row.level]:
            errors.append(
                RowError(
                    REGIONS, row.row, "上级名称", f"上级地区「{row.parent_name}」的级别应高于本级"
                )
            )
            continue
        step.fields += _assign(step.obj, {"parent": parent})

    target = Region()
    valid = [row for row in rows if row.level]
    if valid:
        lowest = max(LEVEL_RANK[row.level] for row in valid)
        candidates = [row for row in valid if LEVEL_RANK[row.level] == lowest]
        if len(candidates) > 1:
            where = "、".join(str(row.row) for row in candidates)
            errors.append(
                RowError(
                    REGIONS,
                    candidates[1].row,
                    "级别",
                    f"第 {where} 行都是最低一级地区；单位和人员只能归属一个地区，"
                    "请每个地区分别导入",
                )
            )
        target = objs[candidates[0].row]
    return steps, target


def _find_parent(
    row: _RegionRow,
    by_name: dict[str, list[_RegionRow]],
    objs: dict[int, Region],
    errors: list[RowError],
) -> Region | None:
    in_file = by_name.get(row.parent_name, [])
    if len(in_file) == 1:
        return objs[in_file[0].row]
    if len(in_file) > 1:
        errors.append(
            RowError(
                REGIONS,
                row.row,
                "上级名称",
                f"「地区」表中有多个「{row.parent_name}」，无法确定上级地区",
            )
        )
        return None
    found = list(Region.objects.filter(name=row.parent_name)[:2])
    if len(found) == 1:
        return found[0]
    message = (
        f"系统中有多个名为「{row.parent_name}」的地区，请把上级地区也列入「地区」表"
        if found
        else f"上级地区「{row.parent_name}」不在「地区」表中，系统中也没有"
    )
    errors.append(RowError(REGIONS, row.row, "上级名称", message))
    return None


def _plan_units(rows: list[_UnitRow], region: Region) -> list[_Step]:
    """Units match by name within the region."""
    existing = {u.name: u for u in Unit.objects.filter(region=region)} if region.pk else {}
    steps: list[_Step] = []
    for row in rows:
        obj = existing.get(row.name) or Unit(region=region, name=row.name)
        created = obj.pk is None
        values = {"short_name": row.short_name, "kind": row.kind, "order": row.order}
        steps.append(_Step(UNITS, obj, created, _assign(obj, values), row.name))
    return steps


def _plan_people(
    rows: list[_PersonRow], region: Region, unit_steps: list[_Step], errors: list[RowError]
) -> list[_Step]:
    """People match by mobile, else by name and unit (their mobile changed); roles are
    replaced by the file's."""
    units: dict[str, Unit] = {}
    if region.pk:
        units = {u.name: u for u in Unit.objects.filter(region=region)}
    units.update({step.obj.name: step.obj for step in unit_steps})

    existing: list[Person] = []
    if region.pk:
        existing = list(Person.objects.filter(region=region).prefetch_related("roles"))
    by_mobile = {p.mobile: p for p in existing}
    by_name: dict[tuple[str, int | None], list[Person]] = {}
    for person in existing:
        by_name.setdefault((person.name, person.unit_id), []).append(person)

    resolved: list[tuple[_PersonRow, Unit | None]] = []
    for row in rows:
        unit = None
        if row.unit_name:
            unit = units.get(row.unit_name)
            if unit is None:
                errors.append(
                    RowError(
                        PEOPLE,
                        row.row,
                        "所在单位",
                        f"单位「{row.unit_name}」不在「单位」表中，系统中也没有",
                    )
                )
        resolved.append((row, unit))

    matched: dict[int, Person] = {}
    claimed: set[int] = set()
    for row, _ in resolved:  # first by mobile, which identifies a person
        person = by_mobile.get(row.mobile)
        if person is not None:
            matched[row.row] = person
            claimed.add(person.pk)
    for row, unit in resolved:  # then by name and unit: the same person with a new mobile
        if row.row in matched or (unit is not None and unit.pk is None):
            continue
        candidates = [
            p for p in by_name.get((row.name, unit.pk if unit else None), []) if p.pk not in claimed
        ]
        if len(candidates) == 1:  # two namesakes in one unit: do not guess
            matched[row.row] = candidates[0]
            claimed.add(candidates[0].pk)

    steps: list[_Step] = []
    for row, unit in resolved:
        obj = matched.get(row.row) or Person(region=region)
        created = obj.pk is None
        values = {
            "name": row.name,
            "unit": unit,
            "title": row.title,
            "mobile": row.mobile,
            "order": row.order,
        }
        fields = _assign(obj, values)
        current = list(obj.roles.all()) if not created else []
        add = [r for r in row.roles if r not in {c.role for c in current}]
        drop = [c for c in current if c.role not in row.roles]
        if add or drop:
            fields.append("角色")
        label = f"{row.name}（{row.unit_name}）" if row.unit_name else row.name
        steps.append(_Step(PEOPLE, obj, created, fields, label, add, drop))
    return steps
