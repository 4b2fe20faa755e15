"""The key-project ledger (台账) in and out, as a county's project office uses it.

Ledgers are built here with openpyxl in the shapes counties pass around (title and unit
lines, one- or two-row headers, sections, 小计/合计, 亿元, text dates, line breaks, columns in
another order, other words for the same column), plus the real sample file.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tuijin.core.models import Person, Region
from tuijin.core.roles import Role
from tuijin.projects.ledger import (
    LedgerImportError,
    export_ledger,
    import_ledger,
)
from tuijin.projects.models import (
    AnnualPlan,
    Milestone,
    ProgressReport,
    Project,
    ProjectPerson,
    Stage,
)
from tuijin.testing import PersonFactory, build_county

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared/fixtures"
LEDGER_SAMPLE = FIXTURES / "ledger-sample.xlsx"
DIRECTORY_SAMPLE = FIXTURES / "directory-sample.xlsx"
TODAY = dt.date(2026, 11, 5)

COLUMNS = [
    "序号",
    "项目名称",
    "项目代码",
    "建设性质",
    "项目级别",
    "项目类别",
    "建设内容及规模",
    "建设起止年限",
    "总投资",
    "2026年计划投资",
    "1-10月完成投资",
    "完成率(%)",
    "计划开工时间",
    "实际开工时间",
    "项目进展情况（形象进度）",
    "存在问题",
    "所在乡镇（平台）",
    "责任单位",
    "联系县领导",
    "责任人",
    "联系电话",
    "项目阶段",
    "是否入库",
]
# Merged parents of the two-row header: first child -> (parent, number of children).
GROUPS = {
    "总投资": ("投资情况（万元）", 4),
    "计划开工时间": ("开工时间", 2),
    "所在乡镇（平台）": ("责任主体", 5),
}
ABOVE = [
    ["清溪县2026年县级重点项目推进情况台账"],
    ["填报单位：县重点项目推进办公室", None, None, None, "截至时间：2026年10月31日", "单位：万元"],
]
FIRST_ROW = 6  # title, unit line, two header rows, a section row


def write_ledger(
    path: Path,
    rows: list[Any],
    *,
    columns: list[str] = COLUMNS,
    two_row: bool = True,
    above: list[list[Any]] = ABOVE,
) -> Path:
    """A ledger: lines above the header, the header, then ``rows`` (dicts keyed by column
    header, or lists written as they are)."""
    book = Workbook()
    sheet = book.active
    for line in above:
        sheet.append(line)
    width = len(columns)
    if above:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    top_row = len(above) + 1
    if two_row:
        tops: list[Any] = []
        subs: list[Any] = []
        i = 0
        while i < width:
            name = columns[i]
            if name in GROUPS:
                parent, span = GROUPS[name]
                tops += [parent] + [None] * (span - 1)
                subs += columns[i : i + span]
                sheet.merge_cells(
                    start_row=top_row, start_column=i + 1, end_row=top_row, end_column=i + span
                )
                i += span
            else:
                tops.append(name)
                subs.append(None)
                sheet.merge_cells(
                    start_row=top_row, start_column=i + 1, end_row=top_row + 1, end_column=i + 1
                )
                i += 1
        for col, value in enumerate(tops, start=1):
            sheet.cell(top_row, col, value)
        for col, value in enumerate(subs, start=1):
            if value is not None:
                sheet.cell(top_row + 1, col, value)
    else:
        sheet.append(columns)
    for row in rows:
        if isinstance(row, dict):
            row = [row.get(name) for name in columns]
        sheet.append(row)
    book.save(path)
    return path


def project_row(county, seq: int = 1, **values: Any) -> dict[str, Any]:
    """A data row of the default layout; keyword names are the column headers."""
    staff = county.people[Role.UNIT_STAFF]
    row = {
        "序号": seq,
        "项目名称": f"测试项目{seq}",
        "建设性质": "新建",
        "项目级别": "县重点",
        "项目类别": "产业",
        "建设内容及规模": "建设厂房2万平方米",
        "建设起止年限": "2026-2028",
        "总投资": 1000,
        "2026年计划投资": 400,
        "1-10月完成投资": 300,
        "完成率(%)": 75,
        "计划开工时间": dt.datetime(2026, 3, 1),
        "实际开工时间": dt.datetime(2026, 3, 20),
        "项目进展情况（形象进度）": "主体施工",
        "存在问题": "无",
        "所在乡镇（平台）": county.township.name,
        "责任单位": county.department.name,
        "联系县领导": county.people[Role.LEADER].name,
        "责任人": staff.name,
        "联系电话": staff.mobile,
        "项目阶段": "在建",
        "是否入库": "是",
    }
    row.update(values)
    return row


def simple_ledger(path: Path, county, *rows: dict[str, Any]) -> Path:
    """The usual shape: a section, the rows, 小计 and 合计, a note."""
    total = sum(r["总投资"] for r in rows if isinstance(r["总投资"], int | float))
    return write_ledger(
        path,
        [
            [f"一、产业项目（{len(rows)}个）"],
            *rows,
            [None, "小计", None, None, None, None, None, None, total],
            [None, "合计", None, None, None, None, None, None, total],
            ["注：完成率=1-10月完成投资/2026年计划投资"],
        ],
    )


def snapshot() -> tuple[int, ...]:
    """What an import could have written."""
    return (
        Project.objects.count(),
        ProgressReport.objects.count(),
        AnnualPlan.objects.count(),
        ProjectPerson.objects.count(),
        Milestone.objects.count(),
        LogEntry.objects.count(),
    )


def sheet_rows(content) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(content) if isinstance(content, bytes) else content)
    return list(book.active.iter_rows(values_only=True))


def downloaded(response) -> bytes:
    """The body of a download, streamed or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def project_names(content) -> list[str]:
    """The project rows of an exported ledger: those numbered in 序号."""
    return [row[1] for row in sheet_rows(content) if isinstance(row[0], int)]


# --- Reading the county's layouts ---------------------------------------------------------


def test_two_row_ledger_with_sections_becomes_projects_plans_reports_and_people(county, tmp_path):
    path = simple_ledger(
        tmp_path / "ledger.xlsx",
        county,
        project_row(county, 1),
        project_row(county, 2, **{"项目阶段": "签约", "实际开工时间": "未开工", "是否入库": "否"}),
    )

    report = import_ledger(path, region=county.region, today=TODAY)

    assert (report.created, report.changed, report.skipped) == (2, 0, 3)  # section, 小计, 合计
    first = Project.objects.get(name="测试项目1")
    assert first.total_investment == Decimal("1000.00")
    assert (first.start_year, first.end_year) == (2026, 2028)
    assert first.stage == Stage.STARTED
    assert first.actual_start == dt.date(2026, 3, 20)
    assert first.host_unit == county.township
    assert first.lead_department == county.department
    assert first.contact_leader == county.people[Role.LEADER]
    assert first.registered_in_stats is True
    assert first.plans.get(year=2026).planned_investment == Decimal("400")
    assert [pp.person for pp in first.responsibles.all()] == [county.people[Role.UNIT_STAFF]]
    # 1-10月完成投资 is October's report; the running totals agree with it.
    october = first.reports.get()
    assert october.period == dt.date(2026, 10, 1)
    assert (october.invested, october.ytd_invested, october.cumulative_invested) == (300, 300, 300)
    assert october.progress_text == "主体施工"
    assert first.invested_total == 300
    assert first.last_report_period == dt.date(2026, 10, 1)
    assert first.milestones.exists()
    second = Project.objects.get(name="测试项目2")
    assert second.stage == Stage.SIGNED
    assert second.actual_start is None
    assert second.registered_in_stats is False


def test_one_row_header_in_another_order_with_other_words_and_yi_yuan(county, tmp_path):
    leader, staff = county.people[Role.LEADER], county.people[Role.UNIT_STAFF]
    columns = [
        "阶段",
        "名称",
        "包抓县领导",
        "计划总投资（亿元）",
        "领办部门",
        "责任乡镇",
        "项目责任人",
        "手机",
        "开工时间",
        "本年完成投资（亿元）",
    ]
    path = write_ledger(
        tmp_path / "ledger.xlsx",
        [
            [
                "已开工",
                "城关镇污水管网工程",
                leader.name,
                1.25,
                county.department.name,
                county.township.name,
                staff.name,
                staff.mobile,
                "2026.3",
                "0.3",
            ]
        ],
        columns=columns,
        two_row=False,
        above=[["截至2026年10月31日", None, "单位：万元"]],
    )

    import_ledger(path, region=county.region, today=TODAY)

    project = Project.objects.get()
    assert project.name == "城关镇污水管网工程"
    assert project.total_investment == Decimal("12500.00")  # 1.25 亿元
    assert project.stage == Stage.STARTED
    assert project.actual_start == dt.date(2026, 3, 1)
    assert project.contact_leader == leader
    assert project.lead_department == county.department
    assert project.reports.get().ytd_invested == Decimal("3000.00")


def test_the_unit_line_in_yi_yuan_converts_every_amount(county, tmp_path):
    above = [["清溪县重点项目台账"], ["截至时间：2026年10月31日", None, None, "单位：亿元"]]
    path = write_ledger(
        tmp_path / "ledger.xlsx",
        [project_row(county, **{"总投资": 2.5, "2026年计划投资": 0.8, "1-10月完成投资": 0.45})],
        above=above,
        two_row=False,  # no 「投资情况（万元）」 over the amounts: the unit line decides
    )

    import_ledger(path, region=county.region, today=TODAY)

    project = Project.objects.get()
    assert project.total_investment == Decimal("25000.00")
    assert project.plans.get().planned_investment == Decimal("8000.00")
    assert project.invested_total == Decimal("4500.00")


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("2026年3月", dt.date(2026, 3, 1)),
        ("2026.3", dt.date(2026, 3, 1)),
        ("2026-03", dt.date(2026, 3, 1)),
        ("2026/3/15", dt.date(2026, 3, 15)),
        ("2026年3月15日", dt.date(2026, 3, 15)),
        (dt.datetime(2026, 3, 15), dt.date(2026, 3, 15)),
        ("未开工", None),
        (None, None),
    ],
)
def test_dates_are_read_in_every_way_people_type_them(county, tmp_path, cell, expected):
    path = simple_ledger(
        tmp_path / "ledger.xlsx", county, project_row(county, **{"计划开工时间": cell})
    )

    import_ledger(path, region=county.region, today=TODAY)

    assert Project.objects.get().planned_start == expected


def test_line_breaks_leave_names_whole_and_long_texts_as_written(county, tmp_path):
    row = project_row(
        county,
        **{
            "项目名称": "智能装备\n制造产业园",
            "建设内容及规模": "建设研发楼\n及生产厂房8.5万平方米",
            "项目进展情况（形象进度）": "路基完成68%\r\n路面铺设8.5公里",
            "联系县领导": f" {county.people[Role.LEADER].name}\n",
        },
    )
    path = simple_ledger(tmp_path / "ledger.xlsx", county, row)

    import_ledger(path, region=county.region, today=TODAY)

    project = Project.objects.get()
    assert project.name == "智能装备制造产业园"
    assert project.content == "建设研发楼\n及生产厂房8.5万平方米"
    assert project.reports.get().progress_text == "路基完成68%\n路面铺设8.5公里"


def test_category_comes_from_the_section_when_there_is_no_category_column(county, tmp_path):
    columns = [c for c in COLUMNS if c != "项目类别"]
    rows = [
        ["一、产业项目（1个）"],
        project_row(county, 1),
        ["二、基础设施项目（1个）"],
        project_row(county, 2),
        [None, "合计"],
    ]
    path = write_ledger(tmp_path / "ledger.xlsx", rows, columns=columns)

    report = import_ledger(path, region=county.region, today=TODAY)

    assert report.skipped == 3
    assert Project.objects.get(name="测试项目1").category == "industry"
    assert Project.objects.get(name="测试项目2").category == "infrastructure"


# --- Importing again ----------------------------------------------------------------------


def test_importing_the_same_ledger_again_changes_nothing(county, tmp_path):
    path = simple_ledger(
        tmp_path / "ledger.xlsx", county, project_row(county, 1), project_row(county, 2)
    )
    import_ledger(path, region=county.region, today=TODAY)
    before = snapshot()

    report = import_ledger(path, region=county.region, today=TODAY)

    assert (report.created, report.changed, report.unchanged) == (0, 0, 2)
    assert report.changes == []
    assert snapshot() == before


def test_a_corrected_figure_updates_the_months_report_instead_of_adding_one(county, tmp_path):
    import_ledger(
        simple_ledger(tmp_path / "a.xlsx", county, project_row(county)),
        region=county.region,
        today=TODAY,
    )

    report = import_ledger(
        simple_ledger(tmp_path / "b.xlsx", county, project_row(county, **{"1-10月完成投资": 350})),
        region=county.region,
        today=TODAY,
    )

    assert report.changed == 1
    assert "2026年10月进度" in report.changes[0].fields
    project = Project.objects.get()
    october = project.reports.get()
    assert (october.invested, october.ytd_invested, october.cumulative_invested) == (350, 350, 350)
    assert project.invested_total == 350


def test_next_months_ledger_reports_the_months_difference(county, tmp_path):
    september = [
        ["清溪县重点项目台账"],
        ["截至时间：2026年9月30日", None, "单位：万元"],
    ]
    columns = [c if c != "1-10月完成投资" else "1-9月完成投资" for c in COLUMNS]
    row = project_row(county)
    row["1-9月完成投资"] = 180
    import_ledger(
        write_ledger(tmp_path / "sep.xlsx", [row], columns=columns, above=september),
        region=county.region,
        today=TODAY,
    )

    import_ledger(
        simple_ledger(tmp_path / "oct.xlsx", county, project_row(county)),
        region=county.region,
        today=TODAY,
    )

    project = Project.objects.get()
    assert list(project.reports.order_by("period").values_list("period", "invested")) == [
        (dt.date(2026, 9, 1), Decimal("180.00")),
        (dt.date(2026, 10, 1), Decimal("120.00")),
    ]
    assert project.reports.get(period=dt.date(2026, 10, 1)).cumulative_invested == 300
    assert project.invested_total == 300


def test_a_corrected_earlier_month_moves_the_later_running_totals(county, tmp_path):
    september = [["清溪县重点项目台账"], ["截至时间：2026年9月30日", None, "单位：万元"]]
    columns = [c if c != "1-10月完成投资" else "1-9月完成投资" for c in COLUMNS]

    def september_ledger(name: str, figure: int) -> Path:
        row = project_row(county)
        row["1-9月完成投资"] = figure
        return write_ledger(tmp_path / name, [row], columns=columns, above=september)

    import_ledger(september_ledger("sep.xlsx", 180), region=county.region, today=TODAY)
    import_ledger(
        simple_ledger(tmp_path / "oct.xlsx", county, project_row(county)),
        region=county.region,
        today=TODAY,
    )

    import_ledger(september_ledger("sep-corrected.xlsx", 200), region=county.region, today=TODAY)

    project = Project.objects.get()
    september_report, october = project.reports.order_by("period")
    assert (september_report.invested, september_report.cumulative_invested) == (200, 200)
    assert (october.invested, october.cumulative_invested, october.ytd_invested) == (120, 320, 320)
    assert project.invested_total == 320


def test_a_blank_cell_keeps_what_is_recorded(county, tmp_path):
    import_ledger(
        simple_ledger(tmp_path / "a.xlsx", county, project_row(county)),
        region=county.region,
        today=TODAY,
    )
    blanks = {"联系县领导": None, "责任单位": None, "建设内容及规模": None, "项目阶段": None}

    report = import_ledger(
        simple_ledger(tmp_path / "b.xlsx", county, project_row(county, **blanks)),
        region=county.region,
        today=TODAY,
    )

    assert report.changes == []
    project = Project.objects.get()
    assert project.contact_leader == county.people[Role.LEADER]
    assert project.lead_department == county.department
    assert project.stage == Stage.STARTED


def test_a_project_code_keeps_a_renamed_project_the_same_project(county, tmp_path):
    code = "2601-339901-04-01-123456"
    import_ledger(
        simple_ledger(tmp_path / "a.xlsx", county, project_row(county, **{"项目代码": code})),
        region=county.region,
        today=TODAY,
    )
    renamed = project_row(county, **{"项目代码": code, "项目名称": "测试项目（一期）"})

    report = import_ledger(
        simple_ledger(tmp_path / "b.xlsx", county, renamed), region=county.region, today=TODAY
    )

    assert (report.created, report.changed) == (0, 1)
    assert list(Project.objects.values_list("name", flat=True)) == ["测试项目（一期）"]


def test_a_dry_run_reports_what_would_change_and_writes_nothing(county, tmp_path):
    path = simple_ledger(
        tmp_path / "ledger.xlsx", county, project_row(county, 1), project_row(county, 2)
    )
    before = snapshot()

    report = import_ledger(path, region=county.region, dry_run=True, today=TODAY)

    assert report.dry_run
    assert (report.created, report.skipped) == (2, 3)
    assert [c.name for c in report.changes] == ["测试项目1", "测试项目2"]
    assert snapshot() == before


def test_the_import_is_in_the_audit_trail_under_the_acting_user(county, tmp_path):
    office = county.users[Role.PROJECT_OFFICE]
    path = simple_ledger(tmp_path / "ledger.xlsx", county, project_row(county))

    import_ledger(path, region=county.region, acting_user=office, today=TODAY)

    entry = LogEntry.objects.get_for_object(Project.objects.get()).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == office


# --- Bad input: a clear message naming the place, and nothing saved -----------------------


@pytest.mark.parametrize(
    "values, column, message",
    [
        ({"总投资": -5}, "总投资", "不能为负数"),
        ({"总投资": "约五千"}, "总投资", "不是数字"),
        ({"1-10月完成投资": 1200}, "1-10月完成投资", "超过总投资"),
        ({"所在乡镇（平台）": "不存在镇"}, "所在乡镇（平台）", "没有单位「不存在镇」"),
        ({"所在乡镇（平台）": "县发展和改革局"}, "所在乡镇（平台）", "是部门"),
        ({"联系县领导": "无名氏"}, "联系县领导", "没有名为「无名氏」的县领导"),
        ({"责任人": "无名氏", "联系电话": None}, "责任人", "没有「无名氏」"),
        ({"项目阶段": "筹备中"}, "项目阶段", "不是可识别的取值"),
        ({"计划开工时间": "明年春天"}, "计划开工时间", "不是可识别的日期"),
    ],
)
def test_bad_cells_are_named_by_row_and_column_and_nothing_is_saved(
    county, tmp_path, values, column, message
):
    path = simple_ledger(
        tmp_path / "ledger.xlsx", county, project_row(county, 1), project_row(county, 2, **values)
    )
    before = snapshot()

    with pytest.raises(LedgerImportError) as caught:
        import_ledger(path, region=county.region, today=TODAY)

    [error] = caught.value.errors
    assert (error.row, error.column) == (FIRST_ROW + 1, column)
    assert message in error.message
    assert str(error).startswith(f"第 {FIRST_ROW + 1} 行「{column}」列：")
    assert snapshot() == before  # the good first row is not saved either


def test_every_error_of_the_file_is_listed_at_once(county, tmp_path):
    path = simple_ledger(
        tmp_path / "ledger.xlsx",
        county,
        project_row(county, 1, **{"总投资": -1}),
        project_row(county, 2, **{"联系县领导": "无名氏"}),
    )

    with pytest.raises(LedgerImportError) as caught:
        import_ledger(path, region=county.region, today=TODAY)

    assert [(e.row, e.column) for e in caught.value.errors] == [
        (FIRST_ROW, "总投资"),
        (FIRST_ROW + 1, "联系县领导"),
    ]
    assert caught.value.lines()[0] == "导入失败，共 2 处错误："


def test_a_contact_leader_must_be_a_county_leader(county, tmp_path):
    staff = county.people[Role.UNIT_STAFF]
    path = simple_ledger(
        tmp_path / "ledger.xlsx", county, project_row(county, **{"联系县领导": staff.name})
    )

    with pytest.raises(LedgerImportError) as caught:
        import_ledger(path, region=county.region, today=TODAY)

    assert "不是县领导" in caught.value.errors[0].message


def test_namesakes_are_told_apart_by_phone_and_refused_without_one(county, tmp_path):
    staff = county.people[Role.UNIT_STAFF]
    namesake = PersonFactory(unit=county.other_township, name=staff.name)
    ambiguous = project_row(county, **{"联系电话": None})

    with pytest.raises(LedgerImportError) as caught:
        import_ledger(
            simple_ledger(tmp_path / "a.xlsx", county, ambiguous),
            region=county.region,
            today=TODAY,
        )
    assert "2 位名为" in caught.value.errors[0].message
    assert caught.value.errors[0].column == "责任人"

    with_phone = project_row(county, **{"联系电话": namesake.mobile})
    import_ledger(
        simple_ledger(tmp_path / "b.xlsx", county, with_phone), region=county.region, today=TODAY
    )
    assert Project.objects.get().responsibles.get().person == namesake


def test_a_misspelt_responsible_person_is_found_by_mobile(county, tmp_path):
    staff = county.people[Role.UNIT_STAFF]
    row = project_row(
        county, **{"责任人": "错别字", "联系电话": f"{staff.mobile[:3]}-{staff.mobile[3:]}"}
    )

    import_ledger(
        simple_ledger(tmp_path / "ledger.xlsx", county, row), region=county.region, today=TODAY
    )

    assert Project.objects.get().responsibles.get().person == staff


def test_a_figure_below_what_is_already_reported_is_refused(county, tmp_path):
    import_ledger(
        simple_ledger(tmp_path / "a.xlsx", county, project_row(county)),
        region=county.region,
        today=TODAY,
    )
    november = [["清溪县重点项目台账"], ["截至时间：2026年11月5日", None, "单位：万元"]]
    columns = [c if c != "1-10月完成投资" else "1-11月完成投资" for c in COLUMNS]
    row = project_row(county)
    row["1-11月完成投资"] = 250

    with pytest.raises(LedgerImportError) as caught:
        import_ledger(
            write_ledger(tmp_path / "b.xlsx", [row], columns=columns, above=november),
            region=county.region,
            today=TODAY,
        )

    [error] = caught.value.errors
    assert (error.row, error.column) == (5, "1-11月完成投资")
    assert "少于已填报数" in error.message
    assert Project.objects.get().reports.count() == 1


def test_a_ledger_dated_in_the_future_is_refused(county, tmp_path):
    above = [["清溪县重点项目台账"], ["截至时间：2026年12月31日", None, "单位：万元"]]
    columns = [c if c != "1-10月完成投资" else "1-12月完成投资" for c in COLUMNS]
    row = project_row(county)
    row["1-12月完成投资"] = 300

    with pytest.raises(LedgerImportError) as caught:
        import_ledger(
            write_ledger(tmp_path / "dec.xlsx", [row], columns=columns, above=above),
            region=county.region,
            today=TODAY,
        )

    assert caught.value.errors[0].column == "1-12月完成投资"
    assert "晚于今天" in caught.value.errors[0].message


def test_without_a_date_line_the_headers_month_and_the_titles_year_date_the_figure(
    county, tmp_path
):
    columns = [c if c != "1-10月完成投资" else "1-9月完成投资" for c in COLUMNS]
    row = project_row(county)
    row["1-9月完成投资"] = 180

    import_ledger(
        write_ledger(tmp_path / "sep.xlsx", [row], columns=columns, above=[["清溪县2026年台账"]]),
        region=county.region,
        today=TODAY,
    )

    assert Project.objects.get().reports.get().period == dt.date(2026, 9, 1)


def test_a_workbook_without_a_ledger_header_is_refused(county, tmp_path):
    path = write_ledger(
        tmp_path / "other.xlsx", [["张三", 1]], columns=["姓名", "数量"], two_row=False
    )

    with pytest.raises(LedgerImportError) as caught:
        import_ledger(path, region=county.region, today=TODAY)

    assert "项目名称" in str(caught.value.errors[0]) and "总投资" in str(caught.value.errors[0])


def test_a_file_that_is_not_excel_is_refused(county, tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_text("序号,项目名称,总投资\n1,测试,100\n", encoding="utf-8")

    with pytest.raises(LedgerImportError) as caught:
        import_ledger(path, region=county.region, today=TODAY)

    assert "不是有效的 Excel" in str(caught.value.errors[0])
    assert Project.objects.count() == 0


# --- Export -------------------------------------------------------------------------------


def test_export_writes_the_countys_layout_with_sections_totals_and_lights(county, tmp_path):
    path = simple_ledger(
        tmp_path / "ledger.xlsx",
        county,
        project_row(county, 1),
        project_row(county, 2, **{"项目类别": "社会民生", "1-10月完成投资": 100}),
    )
    import_ledger(path, region=county.region, today=TODAY)
    out = tmp_path / "export.xlsx"

    count = export_ledger(Project.objects.all(), out, today=TODAY)

    assert count == 2
    book = load_workbook(out)
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "清溪县2026年重点项目推进情况台账"
    assert "截至时间：2026年11月5日" in rows[1] and "单位：万元" in rows[1]
    assert "A1:Z1" in {str(r) for r in sheet.merged_cells.ranges}
    header = rows[3]
    assert {"总投资", "2026年计划投资", "1-11月完成投资", "完成率(%)", "序时差（百分点）"} <= set(
        header
    )
    col = {name: i for i, name in enumerate(header) if name} | {
        name: i for i, name in enumerate(rows[2]) if name
    }
    assert rows[4][0] == "一、产业项目（1个）"
    first = rows[5]
    assert first[col["总投资"]] == 1000
    assert first[col["完成率(%)"]] == 75  # 300 / 400
    # 序时进度 on 2026-11-05 without a November report: October's end, 10/12.
    assert first[col["序时差（百分点）"]] == pytest.approx(83.3 - 75, abs=0.05)
    assert sheet.cell(6, col["总投资"] + 1).number_format == "#,##0.00"
    light = sheet.cell(6, col["红黄绿灯"] + 1)
    assert light.value in {"红灯", "黄灯", "绿灯"}
    assert light.fill.fgColor.rgb.endswith(
        {"红灯": "FFC7CE", "黄灯": "FFEB9C", "绿灯": "C6EFCE"}[light.value]
    )
    labels = [row[1] for row in rows]
    assert labels.count("小计") == 2 and labels.count("合计") == 1
    total = next(row for row in rows if row[1] == "合计")
    assert total[col["总投资"]] == 2000 and total[col["1-11月完成投资"]] == 400
    assert total[col["完成率(%)"]] == 50


def test_export_then_import_changes_nothing_and_totals_agree(county, tmp_path):
    rows = [project_row(county, n, **{"总投资": 1000 + n * 111.11}) for n in range(1, 4)]
    rows.append(project_row(county, 4, **{"项目阶段": "在谈", "实际开工时间": "未开工"}))
    import_ledger(
        simple_ledger(tmp_path / "a.xlsx", county, *rows), region=county.region, today=TODAY
    )
    totals = Project.objects.aggregate(t=Sum("total_investment"), d=Sum("invested_total"))
    out = tmp_path / "export.xlsx"
    export_ledger(Project.objects.all(), out, today=TODAY)
    before = snapshot()

    report = import_ledger(out, region=county.region, today=TODAY)

    assert (report.created, report.changed, report.unchanged) == (0, 0, 4)
    assert snapshot() == before
    assert Project.objects.aggregate(t=Sum("total_investment"), d=Sum("invested_total")) == totals
    grand = next(row for row in sheet_rows(out) if row[1] == "合计")
    assert Decimal(str(grand[8])) == totals["t"]


def test_text_that_a_spreadsheet_would_run_is_neutralised_and_survives_a_round_trip(
    county, tmp_path
):
    import_ledger(
        simple_ledger(tmp_path / "a.xlsx", county, project_row(county)),
        region=county.region,
        today=TODAY,
    )
    # Typed into the registry's forms, or found in a ledger that came from elsewhere.
    Project.objects.update(name='=HYPERLINK("http://evil.example","点此")')
    ProgressReport.objects.update(progress_text="+主体完工", problems_text="@SUM(1+1)")
    out = tmp_path / "export.xlsx"

    export_ledger(Project.objects.all(), out, today=TODAY)

    sheet = load_workbook(out).active
    cells = [c for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells)
    assert not any(c.value.startswith(("=", "+", "-", "@")) for c in cells)
    assert any(c.value == "'+主体完工" for c in cells)
    report = import_ledger(out, region=county.region, today=TODAY)
    assert report.changes == []
    assert Project.objects.get().name == '=HYPERLINK("http://evil.example","点此")'


@pytest.fixture
def two_projects(county, tmp_path):
    """One started project in 城关镇, one signed project in 河口镇."""
    rows = [
        project_row(county, 1, **{"项目名称": "城关镇在建项目"}),
        project_row(
            county,
            2,
            **{
                "项目名称": "河口镇签约项目",
                "所在乡镇（平台）": county.other_township.name,
                "责任单位": None,
                "项目阶段": "签约",
                "实际开工时间": "未开工",
            },
        ),
    ]
    import_ledger(simple_ledger(tmp_path / "two.xlsx", county, *rows), region=county.region)


def test_the_export_link_applies_the_list_filters(county, client_for, two_projects):
    client = client_for(county.users[Role.PROJECT_OFFICE])

    response = client.get(reverse("projects:ledger-export"), {"stage": "started"})

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" in disposition and "%E5%8F%B0%E8%B4%A6" in disposition  # 台账
    assert response.streaming  # sent from a temporary file, never held whole in memory
    assert project_names(downloaded(response)) == ["城关镇在建项目"]


def test_a_township_liaison_exports_only_their_townships_projects(county, client_for, two_projects):
    client = client_for(county.users[Role.UNIT_STAFF])

    response = client.get(reverse("projects:ledger-export"))

    assert project_names(downloaded(response)) == ["城关镇在建项目"]


def test_enterprises_cannot_export_the_ledger(county, client_for, two_projects):
    response = client_for(county.users[Role.ENTERPRISE]).get(reverse("projects:ledger-export"))

    assert response.status_code == 403


# --- The upload page ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROJECT_OFFICE, Role.ADMIN])
def test_the_project_office_and_administrators_open_the_import_page(county, client_for, role):
    response = client_for(county.users[role]).get(reverse("projects:ledger-import"))

    assert response.status_code == 200
    assert "台账导入" in response.content.decode()


@pytest.mark.parametrize(
    "role", [Role.PRINCIPAL, Role.LEADER, Role.SUPERVISION, Role.UNIT_STAFF, Role.ENTERPRISE]
)
def test_other_roles_are_refused_the_import_page(county, client_for, role):
    response = client_for(county.users[role]).get(reverse("projects:ledger-import"))

    assert response.status_code == 403


def test_upload_previews_then_confirm_imports(county, client_for, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    office = county.users[Role.PROJECT_OFFICE]
    client = client_for(office)
    path = simple_ledger(tmp_path / "ledger.xlsx", county, project_row(county))
    url = reverse("projects:ledger-import")

    with path.open("rb") as handle:
        preview = client.post(url, {"action": "preview", "file": handle})

    page = preview.content.decode()
    assert 'data-testid="import-preview"' in page
    assert "新增项目 1 个" in page and "测试项目1" in page
    assert Project.objects.count() == 0

    confirmed = client.post(url, {"action": "confirm"})

    assert confirmed.status_code == 302
    project = Project.objects.get()
    assert LogEntry.objects.get_for_object(project).get().actor == office
    assert list((tmp_path / "media" / "imports").iterdir()) == []  # the upload is not kept


def test_a_bad_upload_shows_every_error_and_cannot_be_confirmed(
    county, client_for, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = client_for(county.users[Role.PROJECT_OFFICE])
    path = simple_ledger(tmp_path / "bad.xlsx", county, project_row(county, **{"总投资": -5}))
    url = reverse("projects:ledger-import")

    with path.open("rb") as handle:
        page = client.post(url, {"action": "preview", "file": handle}).content.decode()

    assert 'data-testid="import-errors"' in page
    assert f"第 {FIRST_ROW} 行「总投资」列" in page
    confirmed = client.post(url, {"action": "confirm"}, follow=True)
    assert "预览已失效" in confirmed.content.decode()
    assert Project.objects.count() == 0


# --- Commands -----------------------------------------------------------------------------


def test_the_import_command_reports_counts_and_a_dry_run_writes_nothing(county, tmp_path):
    path = simple_ledger(tmp_path / "ledger.xlsx", county, project_row(county))
    out = io.StringIO()

    call_command("import_ledger", str(path), "--dry-run", stdout=out)
    assert "新增项目 1 个" in out.getvalue() and "试运行" in out.getvalue()
    assert Project.objects.count() == 0

    call_command("import_ledger", str(path), "--region", county.region.code, stdout=io.StringIO())
    assert Project.objects.count() == 1


def test_the_import_command_lists_every_error(county, tmp_path):
    path = simple_ledger(
        tmp_path / "ledger.xlsx",
        county,
        project_row(county, 1, **{"总投资": -1}),
        project_row(county, 2, **{"所在乡镇（平台）": "不存在镇"}),
    )

    with pytest.raises(CommandError) as caught:
        call_command("import_ledger", str(path))

    lines = str(caught.value).splitlines()
    assert lines[0] == "导入失败，共 2 处错误："
    assert f"第 {FIRST_ROW} 行「总投资」列" in lines[1]
    assert f"第 {FIRST_ROW + 1} 行「所在乡镇（平台）」列" in lines[2]


def test_the_commands_need_a_region_when_there_are_several(county, other_county, tmp_path):
    path = simple_ledger(tmp_path / "ledger.xlsx", county, project_row(county))

    with pytest.raises(CommandError, match="--region"):
        call_command("import_ledger", str(path))
    with pytest.raises(CommandError, match="--region"):
        call_command("export_ledger", str(tmp_path / "out.xlsx"))


def test_the_export_command_writes_the_ledger_and_says_how_many(county, tmp_path):
    import_ledger(
        simple_ledger(tmp_path / "ledger.xlsx", county, project_row(county)),
        region=county.region,
        today=TODAY,
    )
    out, stdout = tmp_path / "out.xlsx", io.StringIO()

    call_command("export_ledger", str(out), stdout=stdout)

    assert "1 个项目" in stdout.getvalue()
    assert project_names(out) == ["测试项目1"]


# --- The real sample ----------------------------------------------------------------------


@pytest.fixture
def sample_county(db):
    if not (LEDGER_SAMPLE.exists() and DIRECTORY_SAMPLE.exists()):
        pytest.skip(f"样例文件不存在：{LEDGER_SAMPLE}")
    from tuijin.core.directory_import import import_directory

    import_directory(DIRECTORY_SAMPLE)
    return Region.objects.get(code="339901")


def test_the_sample_ledger_imports_whole_and_totals_agree_to_the_wan_yuan(sample_county):
    report = import_ledger(LEDGER_SAMPLE, region=sample_county, today=TODAY)

    assert (report.created, report.skipped) == (26, 7)  # 3 sections, 3 小计, 1 合计
    assert report.ignored == ["完成率(%)"]  # derived, never read
    assert Project.objects.aggregate(t=Sum("total_investment"))["t"] == Decimal("686000")
    assert AnnualPlan.objects.filter(year=2026).aggregate(t=Sum("planned_investment"))[
        "t"
    ] == Decimal("241350")
    october = ProgressReport.objects.filter(period=dt.date(2026, 10, 1))
    assert october.aggregate(t=Sum("ytd_invested"))["t"] == Decimal("136802")
    park = Project.objects.get(name="智能装备制造产业园")
    assert park.contact_leader == Person.objects.get(name="龚伟敏")
    assert park.host_unit.name == "城关镇" and park.lead_department.name == "县商务局"
    assert park.responsibles.get().person.mobile == "18924624887"
    stages = dict(Project.objects.values_list("name", "stage"))
    assert stages["年产3万吨绿色建材项目"] == Stage.NEGOTIATING  # 在谈
    assert stages["锂电池正极材料项目"] == Stage.SIGNED  # 签约
    assert stages["马渡集镇供水管网改造工程"] == Stage.STARTED  # 开工
    assert stages["年产3万吨铝合金型材项目"] == Stage.COMPLETED  # 投产


def test_the_sample_ledger_round_trips_through_the_export(sample_county, tmp_path):
    import_ledger(LEDGER_SAMPLE, region=sample_county, today=TODAY)
    assert import_ledger(LEDGER_SAMPLE, region=sample_county, today=TODAY).changes == []
    out = tmp_path / "export.xlsx"
    export_ledger(Project.objects.all(), out, today=TODAY)
    before = snapshot()

    report = import_ledger(out, region=sample_county, today=TODAY)

    assert report.changes == [] and snapshot() == before
    total = next(row for row in sheet_rows(out) if row[1] == "合计")
    assert (total[8], total[9], total[10]) == (686000, 241350, 136802)


def test_a_second_county_keeps_its_own_projects(county, tmp_path):
    other = build_county(code="339902", name="云岭县", prefix="yl-")
    import_ledger(
        simple_ledger(tmp_path / "a.xlsx", county, project_row(county)),
        region=county.region,
        today=TODAY,
    )

    import_ledger(
        simple_ledger(tmp_path / "b.xlsx", other, project_row(other)),
        region=other.region,
        today=TODAY,
    )

    assert sorted(Project.objects.values_list("region__name", flat=True)) == ["云岭县", "清溪县"]


# --- Hundreds of rows at once: bulk writes, the same trail -------------------------------


def many_rows(county, n: int, **changes: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """``n`` rows; ``changes`` maps a row number to the cells that differ."""
    return [project_row(county, i, **changes.get("rows", {}).get(i, {})) for i in range(1, n + 1)]


def test_the_import_runs_as_many_statements_for_200_rows_as_for_100(county, tmp_path):
    """Rows are written in bulk: creating or updating twice the projects (with their plans,
    responsible persons, reports, milestones, lights and audit entries) runs no more SQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(name: str, n: int, first: int, **cells: Any) -> int:
        rows = [project_row(county, first + i, **cells) for i in range(n)]
        path = simple_ledger(tmp_path / name, county, *rows)
        with CaptureQueriesContext(connection) as queries:
            import_ledger(path, region=county.region, today=TODAY)
        return len(queries)

    statements("warm.xlsx", 5, 1001)  # what is set up once (milestone templates, rules…)
    created_100 = statements("a.xlsx", 100, 1)
    created_200 = statements("b.xlsx", 200, 101)
    updated_100 = statements("a.xlsx", 100, 1, 总投资=1200)
    updated_200 = statements("b.xlsx", 200, 101, 总投资=1200)

    assert created_100 == created_200
    assert updated_100 == updated_200
    assert Project.objects.filter(name__startswith="测试项目").count() == 305
    updated = Project.objects.filter(pk__in=Project.objects.order_by("id")[5:305].values("id"))
    assert set(updated.values_list("total_investment", flat=True)) == {Decimal("1200")}


def test_hundreds_of_rows_write_one_audit_entry_per_changed_record_and_the_chain_holds(
    county, tmp_path
):
    from tuijin.core.audit import verify_chain

    office = county.users[Role.PROJECT_OFFICE]
    import_ledger(
        simple_ledger(tmp_path / "a.xlsx", county, *many_rows(county, 300)),
        region=county.region,
        acting_user=office,
        today=TODAY,
    )
    created = LogEntry.objects.filter(action=LogEntry.Action.CREATE, content_type__model="project")
    assert created.count() == 300
    assert set(created.values_list("actor_id", flat=True)) == {office.pk}
    assert verify_chain().ok
    assert Milestone.objects.filter(project__name="测试项目150").exists()
    before = LogEntry.objects.count()

    # 20 totals and 30 year-to-date figures corrected; the other 250 rows as they were.
    rows = {i: {"总投资": 1500} for i in range(1, 21)}
    rows.update({i: {"1-10月完成投资": 320} for i in range(101, 131)})
    report = import_ledger(
        simple_ledger(tmp_path / "b.xlsx", county, *many_rows(county, 300, rows=rows)),
        region=county.region,
        acting_user=office,
        today=TODAY,
    )

    assert (report.changed, report.unchanged) == (50, 250)
    new = LogEntry.objects.order_by("pk")[before:]
    kinds = sorted((e.content_type.model, e.action) for e in new)
    assert (
        kinds
        == [("progressreport", LogEntry.Action.UPDATE)] * 30
        + [("project", LogEntry.Action.UPDATE)] * 20
    )
    total = next(e for e in new if e.content_type.model == "project")
    assert total.changes["total_investment"] == ["1000.00", "1500.00"]
    assert total.actor == office
    corrected = next(e for e in new if e.content_type.model == "progressreport")
    assert corrected.changes["invested"] == ["300.00", "320.00"]
    assert Project.objects.get(name="测试项目101").invested_total == 320
    assert verify_chain().ok and verify_chain().count == LogEntry.objects.count()


def test_a_bulk_audit_entry_reads_as_one_written_by_a_save(county, tmp_path):
    """The same diff, representation and actor as django-auditlog's own entry."""
    from auditlog.context import disable_auditlog, set_actor

    from tuijin.core.audit import AuditBatch

    office = county.users[Role.PROJECT_OFFICE]
    import_ledger(
        simple_ledger(tmp_path / "a.xlsx", county, project_row(county)),
        region=county.region,
        today=TODAY,
    )
    project = Project.objects.get()
    with set_actor(office):
        project.total_investment = Decimal("1200")
        project.save(update_fields=["total_investment", "updated_at"])
        saved = LogEntry.objects.get_for_object(project).order_by("-pk").first()
        old = Project.objects.get(pk=project.pk)
        project.total_investment = Decimal("1300")
        with disable_auditlog():  # as the import writes: in bulk, without signals
            project.save(update_fields=["total_investment"])
        batch = AuditBatch()
        batch.changed(old, project, ["total_investment", "updated_at"])
        batch.write()
    bulk = LogEntry.objects.get_for_object(project).order_by("-pk").first()
    assert bulk.pk != saved.pk
    assert (bulk.actor, bulk.object_repr, bulk.action) == (saved.actor, saved.object_repr, 1)
    assert set(bulk.changes) == set(saved.changes) == {"total_investment"}
    assert saved.changes["total_investment"] == ["1000.00", "1200"]
    assert bulk.changes["total_investment"] == ["1200.00", "1300"]


def test_a_bad_row_in_the_middle_of_a_large_file_leaves_nothing_imported(county, tmp_path):
    from tuijin.core.audit import verify_chain

    rows = many_rows(county, 400, rows={200: {"所在乡镇（平台）": "不存在镇"}})
    path = simple_ledger(tmp_path / "bad.xlsx", county, *rows)
    before = snapshot()

    with pytest.raises(LedgerImportError) as rejected:
        import_ledger(path, region=county.region, today=TODAY)

    assert [e.row for e in rejected.value.errors] == [FIRST_ROW + 199]
    assert snapshot() == before
    assert verify_chain().ok


def test_the_export_memory_does_not_grow_with_the_rows(county, tmp_path, monkeypatch):
    """Read a chunk at a time and written as they come: 800 projects take no more memory
    than 100 (the rows of the file are not held)."""
    import tracemalloc

    from tuijin.core.bulk import insert_returning
    from tuijin.projects import ledger

    monkeypatch.setattr(ledger, "EXPORT_CHUNK", 50)
    insert_returning(
        Project,
        [
            Project(
                region=county.region,
                name=f"内存项目{i}",
                content="建设内容" * 40,
                total_investment=Decimal("1000"),
                host_unit=county.township,
                light_reasons=["连续 3 期未填报进度"],
            )
            for i in range(800)
        ],
    )

    def peak(queryset) -> int:
        tracemalloc.start()
        try:
            export_ledger(queryset, tmp_path / "out.xlsx", today=TODAY)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    first_100 = Project.objects.filter(pk__in=Project.objects.order_by("id")[:100].values("id"))
    small, large = peak(first_100), peak(Project.objects.all())
    print(f"peak: 100 rows {small / 1024:.0f} KB, 800 rows {large / 1024:.0f} KB")
    assert large < small + 256 * 1024


def test_the_export_streams_every_row_in_a_fixed_number_of_queries(county, tmp_path, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tuijin.projects import ledger

    import_ledger(
        simple_ledger(tmp_path / "a.xlsx", county, *many_rows(county, 250)),
        region=county.region,
        today=TODAY,
    )
    monkeypatch.setattr(ledger, "EXPORT_CHUNK", 100)  # three chunks

    def export(queryset) -> tuple[list[str], int]:
        out = io.BytesIO()
        with CaptureQueriesContext(connection) as queries:
            count = export_ledger(queryset, out, today=TODAY)
        names = project_names(out.getvalue())
        assert count == len(names)
        return names, len(queries)

    every, queries_250 = export(Project.objects.all())
    some, queries_150 = export(
        Project.objects.filter(name__in=[f"测试项目{i}" for i in range(100, 250)])
    )

    assert every == [f"测试项目{i}" for i in range(1, 251)]
    assert len(some) == 150
    # A few queries per chunk of 100, never one per row.
    assert queries_250 - queries_150 == 5 and queries_250 < 25
