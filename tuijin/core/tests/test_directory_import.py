"""The county directory import: what a county office sees when it uploads its Excel file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from tuijin.core.accounts import create_account, ensure_roles
from tuijin.core.directory_import import (
    DirectoryImportError,
    ImportReport,
    RowError,
    import_directory,
    normalise_mobile,
    split_roles,
)
from tuijin.core.models import Person, PersonRole, Region, Unit

SAMPLE = Path(__file__).resolve().parents[3].parent / "shared/fixtures/directory-sample.xlsx"

REGION_HEADER = ["名称", "行政区划代码", "级别", "上级名称"]
UNIT_HEADER = ["序号", "单位名称", "单位简称", "单位类型"]
PEOPLE_HEADER = ["序号", "姓名", "所在单位", "职务", "手机号码", "角色"]

REGIONS = [["清溪县", "339901", "县", None]]
UNITS = [
    [1, "县发展和改革局", "发展和改革局", "部门"],
    [2, "城关镇", "城关镇", "乡镇"],
    [3, "清溪经济开发区", "开发区", "平台"],
]
# Excel rows 2-6. Mobiles in the shapes counties type them.
PEOPLE = [
    [1, "范俊", None, "县委书记", "18978932879", "主要领导"],
    [2, "李鹏娜", None, "副县长", 13980967929, "县领导"],
    [3, "沈浩", "县发展和改革局", "重点项目办主任", 15175410055.0, "项目办、单位负责人"],
    [4, "王伟", "城关镇", "党委书记", "138-1234-5678", "单位主要负责人"],
    [5, "张敏", "清溪经济开发区", "办公室主任", " 139 1234 5678 ", "单位联络员"],
]


def write_book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """An .xlsx with one sheet per entry, rows written as given (header included)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def directory_file(
    tmp_path: Path,
    *,
    regions: list[list[Any]] = REGIONS,
    units: list[list[Any]] = UNITS,
    people: list[list[Any]] = PEOPLE,
    name: str = "directory.xlsx",
) -> Path:
    return write_book(
        tmp_path / name,
        {
            "地区": [REGION_HEADER, *regions],
            "单位": [UNIT_HEADER, *units],
            "人员": [PEOPLE_HEADER, *people],
        },
    )


def with_person(index: int, **changes: Any) -> list[list[Any]]:
    """PEOPLE with one row's columns replaced (by header name)."""
    rows = [list(row) for row in PEOPLE]
    for column, value in changes.items():
        rows[index][PEOPLE_HEADER.index(column)] = value
    return rows


def state() -> list[tuple]:
    """Everything the import can touch, to compare before and after a rejected file."""
    return [
        *Region.objects.order_by("pk").values_list("pk", "name", "code", "level", "parent"),
        *Unit.objects.order_by("pk").values_list("pk", "name", "short_name", "kind", "order"),
        *Person.objects.order_by("pk").values_list("pk", "name", "unit", "title", "mobile"),
        *PersonRole.objects.order_by("pk").values_list("pk", "person", "role"),
    ]


def roles_of(name: str) -> set[str]:
    return set(PersonRole.objects.filter(person__name=name).values_list("role", flat=True))


def rejected(source: Any) -> list[RowError]:
    with pytest.raises(DirectoryImportError) as info:
        import_directory(source)
    return info.value.errors


# --- The real sample file -------------------------------------------------------------------


@pytest.mark.django_db
def test_sample_file_imports_the_whole_county():
    if not SAMPLE.exists():
        pytest.skip(f"sample directory file not found at {SAMPLE}")
    report = import_directory(SAMPLE)

    assert report.summary_lines() == [
        "地区：新增 1，更新 0，未变 0",
        "单位：新增 37，更新 0，未变 0",
        "人员：新增 140，更新 0，未变 0",
    ]
    assert Region.objects.get().code == "339901"
    kinds = {k: Unit.objects.filter(kind=k).count() for k in Unit.Kind.values}
    assert kinds == {"department": 22, "township": 12, "platform": 3}
    assert Person.objects.count() == 140
    fan = Person.objects.get(name="范俊")
    assert fan.unit is None
    assert fan.role_names == ["主要领导"]
    assert fan.pinyin_initials == "fj"
    assert list(Unit.objects.values_list("order", flat=True)) == list(range(1, 38))

    entries = LogEntry.objects.count()
    again = import_directory(SAMPLE)
    assert sum(again.created.values()) == sum(again.updated.values()) == 0
    assert again.unchanged == {"地区": 1, "单位": 37, "人员": 140}
    assert LogEntry.objects.count() == entries  # no audit noise from a no-op import


# --- A good file ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_units_people_and_roles(tmp_path):
    report = import_directory(directory_file(tmp_path))

    assert report.created == {"地区": 1, "单位": 3, "人员": 5}
    county = Region.objects.get(code="339901")
    assert county.level == Region.Level.COUNTY
    park = Unit.objects.get(name="清溪经济开发区")
    assert (park.kind, park.short_name, park.order, park.region) == (
        "platform",
        "开发区",
        3,
        county,
    )
    assert set(Person.objects.values_list("mobile", flat=True)) == {
        "18978932879",
        "13980967929",
        "15175410055",
        "13812345678",
        "13912345678",
    }
    assert roles_of("沈浩") == {"项目办", "单位负责人"}
    assert Person.objects.get(name="王伟").unit.name == "城关镇"
    assert list(Person.objects.values_list("name", flat=True)) == [
        "范俊",
        "李鹏娜",
        "沈浩",
        "王伟",
        "张敏",
    ]


@pytest.mark.django_db
def test_each_saved_row_is_in_the_audit_log(tmp_path):
    import_directory(directory_file(tmp_path))

    assert LogEntry.objects.get_for_model(Person).count() == 5
    assert LogEntry.objects.get_for_model(Unit).count() == 3
    assert LogEntry.objects.get_for_model(PersonRole).count() == 6


@pytest.mark.django_db
def test_columns_in_any_order_title_row_and_prefilled_numbers(tmp_path):
    order = [5, 3, 1, 0, 4, 2]  # 角色, 职务, 姓名, 序号, 手机号码, 所在单位
    people = [[row[i] for i in order] for row in PEOPLE]
    path = write_book(
        tmp_path / "d.xlsx",
        {
            "地区": [REGION_HEADER, *REGIONS],
            "单位": [["清溪县单位表"], UNIT_HEADER, *UNITS],
            "人员": [
                [PEOPLE_HEADER[i] for i in order],
                *people,
                ["单位负责人", "副镇长", " 王  强 ", 6, "13700000001", "城关镇"],
                *[[None, None, None, n, None, None] for n in range(7, 30)],  # template rows
            ],
        },
    )

    report = import_directory(path)

    assert report.created["人员"] == 6
    assert Person.objects.get(mobile="13700000001").name == "王强"
    assert Person.objects.get(name="范俊").title == "县委书记"


@pytest.mark.django_db
def test_a_unit_already_in_the_system_can_be_named_without_listing_it(tmp_path):
    import_directory(directory_file(tmp_path))
    newcomer = [[1, "刘洋", "城关镇", "副镇长", "13700000002", "单位联络员"]]

    report = import_directory(directory_file(tmp_path, units=[], people=newcomer, name="2.xlsx"))

    assert report.created == {"地区": 0, "单位": 0, "人员": 1}
    assert Person.objects.get(name="刘洋").unit.name == "城关镇"


# --- Re-import ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reimport_updates_a_changed_title_without_duplicating(tmp_path):
    import_directory(directory_file(tmp_path))
    people = with_person(2, 职务="县发展和改革局副局长")

    report = import_directory(directory_file(tmp_path, people=people, name="2.xlsx"))

    assert report.created == {"地区": 0, "单位": 0, "人员": 0}
    assert report.updated == {"地区": 0, "单位": 0, "人员": 1}
    assert report.unchanged["人员"] == 4
    assert "人员：新增 0，更新 1，未变 4" in report.summary_lines()
    assert [(c.name, c.fields) for c in report.changes] == [("沈浩（县发展和改革局）", ("职务",))]
    assert Person.objects.count() == 5
    assert Person.objects.get(name="沈浩").title == "县发展和改革局副局长"


@pytest.mark.django_db
def test_a_changed_mobile_updates_the_same_person(tmp_path):
    import_directory(directory_file(tmp_path))
    before = Person.objects.get(name="王伟").pk

    report = import_directory(
        directory_file(tmp_path, people=with_person(3, 手机号码="13688889999"), name="2.xlsx")
    )

    assert report.updated["人员"] == 1
    assert Person.objects.count() == 5
    assert Person.objects.get(pk=before).mobile == "13688889999"


@pytest.mark.django_db
def test_roles_are_replaced_by_the_files_roles(tmp_path):
    import_directory(directory_file(tmp_path))

    import_directory(
        directory_file(tmp_path, people=with_person(2, 角色="单位联络员"), name="2.xlsx")
    )

    assert roles_of("沈浩") == {"单位联络员"}
    assert roles_of("范俊") == {"主要领导"}


@pytest.mark.django_db
def test_a_unit_kind_change_is_an_update(tmp_path):
    import_directory(directory_file(tmp_path))
    units = [list(u) for u in UNITS]
    units[1][3] = "平台"

    report = import_directory(directory_file(tmp_path, units=units, name="2.xlsx"))

    assert report.updated == {"地区": 0, "单位": 1, "人员": 0}
    assert Unit.objects.get(name="城关镇").kind == Unit.Kind.PLATFORM


@pytest.mark.django_db
def test_an_account_follows_its_persons_new_roles(tmp_path):
    ensure_roles()
    import_directory(directory_file(tmp_path))
    user = create_account(Person.objects.get(name="沈浩"), "shenhao", "Xq7!long-password")
    assert set(user.groups.values_list("name", flat=True)) == {"project_office", "unit_staff"}

    import_directory(
        directory_file(tmp_path, people=with_person(2, 角色="单位联络员"), name="2.xlsx")
    )

    assert set(user.groups.values_list("name", flat=True)) == {"unit_staff"}


# --- Dry run --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dry_run_reports_but_writes_nothing(tmp_path):
    path = directory_file(tmp_path)

    report = import_directory(path, dry_run=True)

    assert report.dry_run
    assert report.created == {"地区": 1, "单位": 3, "人员": 5}
    assert state() == []
    assert LogEntry.objects.count() == 0


@pytest.mark.django_db
def test_dry_run_on_a_filled_directory_leaves_it_as_it_was(tmp_path):
    import_directory(directory_file(tmp_path))
    before = state()
    people = [
        *with_person(2, 职务="副局长", 角色="单位联络员"),
        [6, "刘洋", None, "副县长", "13700000003", "县领导"],
    ]

    report = import_directory(directory_file(tmp_path, people=people, name="2.xlsx"), dry_run=True)

    assert (report.created["人员"], report.updated["人员"]) == (1, 1)
    assert state() == before


# --- Rejected files: every problem named, nothing written -----------------------------------

BAD_ROWS: list[tuple[str, dict[str, Any], str, int, str, str]] = [
    # id, file changes, sheet, Excel row, column, words the message must hold
    (
        "duplicate-mobile",
        {"people": [*PEOPLE, [6, "赵敏", "城关镇", "副镇长", "18978932879", "单位负责人"]]},
        "人员",
        7,
        "手机号码",
        "与第 2 行重复",
    ),
    (
        "duplicate-name-in-unit",
        {"people": [*PEOPLE, [6, "王伟", "城关镇", "副镇长", "13700000001", "单位负责人"]]},
        "人员",
        7,
        "姓名",
        "与第 5 行重复",
    ),
    (
        "unknown-unit-kind",
        {"units": [UNITS[0], [2, "城关镇", "城关镇", "街道"], UNITS[2]]},
        "单位",
        3,
        "单位类型",
        "「街道」无效",
    ),
    (
        "malformed-mobile",
        {"people": with_person(3, 手机号码="1381234567")},
        "人员",
        5,
        "手机号码",
        "格式不正确",
    ),
    (
        "unit-not-listed",
        {"people": with_person(4, 所在单位="县不存在局")},
        "人员",
        6,
        "所在单位",
        "「县不存在局」不在「单位」表中",
    ),
    (
        "unknown-role",
        {"people": with_person(1, 角色="县领导、县长")},
        "人员",
        3,
        "角色",
        "「县长」无效",
    ),
    ("empty-name", {"people": with_person(4, 姓名=None)}, "人员", 6, "姓名", "不能为空"),
    (
        "unit-role-without-unit",
        {"people": with_person(4, 所在单位=None)},
        "人员",
        6,
        "所在单位",
        "须填写所在单位",
    ),
    (
        "bad-order-number",
        {"units": [["一", *UNITS[0][1:]], *UNITS[1:]]},
        "单位",
        2,
        "序号",
        "正整数",
    ),
    (
        "unknown-level",
        {"regions": [["清溪县", "339901", "乡", None]]},
        "地区",
        2,
        "级别",
        "「乡」无效",
    ),
    (
        "unknown-parent",
        {"regions": [["清溪县", "339901", "县", "云州市"]]},
        "地区",
        2,
        "上级名称",
        "「云州市」不在「地区」表中",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "sheet", "row", "column", "words"),
    [case[1:] for case in BAD_ROWS],
    ids=[case[0] for case in BAD_ROWS],
)
def test_a_bad_row_is_named_and_nothing_is_written(tmp_path, changes, sheet, row, column, words):
    import_directory(directory_file(tmp_path))
    before = state()
    changes = {"people": with_person(0, 职务="改了也不该写入"), **changes}

    errors = rejected(directory_file(tmp_path, name="bad.xlsx", **changes))

    assert [(e.sheet, e.row, e.column) for e in errors] == [(sheet, row, column)]
    assert words in errors[0].message
    assert str(errors[0]).startswith(f"工作表「{sheet}」第 {row} 行「{column}」列：")
    assert state() == before


@pytest.mark.django_db
def test_every_problem_is_reported_at_once(tmp_path):
    people = with_person(1, 手机号码="12345", 角色="书记")
    people[3][PEOPLE_HEADER.index("姓名")] = None

    errors = rejected(directory_file(tmp_path, people=people))

    assert [(e.row, e.column) for e in errors] == [(3, "手机号码"), (3, "角色"), (5, "姓名")]
    assert state() == []


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "不是表格")
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("姓名,手机号码\n范俊,18978932879\n".encode(), "不是有效的 Excel (.xlsx) 文件"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "不是有效的 Excel (.xlsx) 文件"),
        (_zip_bytes(), "不是有效的 Excel (.xlsx) 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "旧版 Excel (.xls)"),
    ],
    ids=["text", "png", "zip", "old-xls"],
)
def test_a_file_that_is_not_a_workbook_gives_one_clear_error(tmp_path, content, words):
    import_directory(directory_file(tmp_path))
    before = state()
    path = tmp_path / "upload.xlsx"
    path.write_bytes(content)

    errors = rejected(path)

    assert len(errors) == 1
    assert words in str(errors[0])
    assert state() == before


@pytest.mark.django_db
def test_a_missing_sheet_is_named(tmp_path):
    path = write_book(tmp_path / "d.xlsx", {"地区": [REGION_HEADER, *REGIONS], "通讯录": [["x"]]})

    errors = rejected(path)

    assert {(e.sheet, e.column) for e in errors} == {("单位", None), ("人员", None)}
    assert "通讯录" in errors[0].message  # tells which sheets the file does have
    assert state() == []


@pytest.mark.django_db
def test_a_missing_column_is_named(tmp_path):
    header = [h for h in PEOPLE_HEADER if h != "手机号码"]
    people = [
        [v for h, v in zip(PEOPLE_HEADER, row, strict=True) if h != "手机号码"] for row in PEOPLE
    ]
    path = write_book(
        tmp_path / "d.xlsx",
        {
            "地区": [REGION_HEADER, *REGIONS],
            "单位": [UNIT_HEADER, *UNITS],
            "人员": [header, *people],
        },
    )

    errors = rejected(path)

    assert [(e.sheet, e.column) for e in errors] == [("人员", "手机号码")]
    assert str(errors[0]).startswith("工作表「人员」「手机号码」列：缺少这一列")
    assert state() == []


@pytest.mark.django_db
def test_a_missing_file_is_an_error_not_a_crash(tmp_path):
    errors = rejected(tmp_path / "nowhere.xlsx")
    assert "文件不存在" in str(errors[0])


# --- Cell values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        13812345678,
        13812345678.0,
        "13812345678",
        "13812345678.0",
        " 138 1234 5678 ",
        "138-1234-5678",
        "+86 138 1234 5678",
        "1.3812345678E+10",
    ],
)
def test_mobile_numbers_in_any_usual_shape_are_normalised(value):
    assert normalise_mobile(value) == "13812345678"


def test_roles_may_be_separated_by_any_usual_mark():
    text = "县领导、督查室,项目办，单位负责人;单位联络员；主要领导/单位主要负责人 县领导"
    assert split_roles(text) == [
        "县领导",
        "督查室",
        "项目办",
        "单位负责人",
        "单位联络员",
        "主要领导",
        "单位主要负责人",
    ]


def test_summary_lines_read_as_chinese_counts():
    report = ImportReport(created={"地区": 0, "单位": 37, "人员": 2}, updated={"人员": 1})
    assert report.summary_lines()[1:] == [
        "单位：新增 37，更新 0，未变 0",
        "人员：新增 2，更新 1，未变 0",
    ]


# --- The command ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_prints_the_summary(tmp_path):
    out = io.StringIO()
    call_command("import_directory", str(directory_file(tmp_path)), stdout=out)

    assert out.getvalue().splitlines() == [
        "地区：新增 1，更新 0，未变 0",
        "单位：新增 3，更新 0，未变 0",
        "人员：新增 5，更新 0，未变 0",
    ]
    assert Person.objects.count() == 5


@pytest.mark.django_db
def test_command_dry_run_says_so_and_writes_nothing(tmp_path):
    out = io.StringIO()
    call_command("import_directory", str(directory_file(tmp_path)), "--dry-run", stdout=out)

    assert out.getvalue().splitlines()[2] == "（试运行，未写入）人员：新增 5，更新 0，未变 0"
    assert state() == []


@pytest.mark.django_db
def test_command_lists_every_error_and_fails(tmp_path):
    people = with_person(1, 手机号码="12345", 角色="书记")
    path = directory_file(tmp_path, people=people)

    with pytest.raises(CommandError) as info:
        call_command("import_directory", str(path))

    lines = str(info.value).splitlines()
    assert lines[0] == "导入失败，共 2 处错误："
    assert lines[1].strip().startswith("工作表「人员」第 3 行「手机号码」列：")
    assert lines[2].strip().startswith("工作表「人员」第 3 行「角色」列：")
    assert state() == []


@pytest.mark.django_db
def test_command_missing_file(tmp_path):
    with pytest.raises(CommandError, match="文件不存在："):
        call_command("import_directory", str(tmp_path / "nowhere.xlsx"))


@pytest.mark.django_db
def test_an_uploaded_file_object_is_read_like_a_path(tmp_path):
    upload = io.BytesIO(directory_file(tmp_path).read_bytes())

    report = import_directory(upload, dry_run=True)

    assert report.created == {"地区": 1, "单位": 3, "人员": 5}
