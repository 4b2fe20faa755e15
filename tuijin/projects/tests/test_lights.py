"""The status lights: every rule at its boundaries, the worst light winning, recompute and sweep.

Rules are checked on small ``Facts`` with ``evaluate`` (the day before, the day of and the day
after each threshold); ``recompute`` and ``run_sweep`` on database rows. Every date is
explicit: nothing depends on the wall clock.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuijin.cli import PROJECT_COMMANDS
from tuijin.core.models import Notification, WorkdayOverride
from tuijin.core.roles import Role
from tuijin.projects.lights import Facts, elapsed_share, evaluate, recompute
from tuijin.projects.models import (
    AnnualPlan,
    Light,
    LightChange,
    Milestone,
    PeriodKind,
    Problem,
    ProgressReport,
    Project,
    ProjectRules,
    Stage,
)
from tuijin.projects.periods import months_between
from tuijin.projects.sweep import run_sweep
from tuijin.testing import PersonFactory


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def months(first: str, last: str) -> set[dt.date]:
    """The first days of the months from ``first`` to ``last`` (YYYY-MM), both included."""
    start, end = D(first + "-01"), D(last + "-01")
    found = set()
    while start <= end:
        found.add(start)
        start = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return found


def judge(facts: Facts, today: str, **rules) -> tuple[str, list[str]]:
    verdict = evaluate(facts, D(today), ProjectRules(**rules))
    return verdict.light, verdict.reasons


def light_on(facts: Facts, today: str, **rules) -> str:
    return judge(facts, today, **rules)[0]


# --- Start ----------------------------------------------------------------------------------


def not_started(planned: str = "2026-03-10", stage: str = Stage.SIGNED) -> Facts:
    return Facts(stage=stage, planned_start=D(planned))


@pytest.mark.parametrize(
    "today, expected",
    [
        ("2026-03-31", Light.GREEN),  # the planned month itself
        ("2026-04-01", Light.YELLOW),  # the month has passed
        ("2026-04-02", Light.YELLOW),
        ("2026-06-30", Light.YELLOW),  # April and May passed, June not over
        ("2026-07-01", Light.RED),  # late by three whole months
        ("2026-07-02", Light.RED),
    ],
)
def test_start_boundaries(today, expected):
    assert light_on(not_started(), today) == expected
    assert light_on(not_started(stage=Stage.NEGOTIATING), today) == expected


def test_start_reasons_in_chinese():
    assert judge(not_started(), "2026-04-01")[1] == ["计划2026年3月开工，至今未开工"]
    assert judge(not_started(), "2026-05-20")[1] == ["计划2026年3月开工，已逾期 1 个月未开工"]
    assert judge(not_started(), "2026-07-01")[1] == ["计划2026年3月开工，已逾期 3 个月未开工"]


def test_start_across_the_new_year():
    facts = not_started("2026-12-15")
    assert light_on(facts, "2026-12-31") == Light.GREEN
    assert light_on(facts, "2027-01-01") == Light.YELLOW
    assert light_on(facts, "2027-03-31") == Light.YELLOW
    assert light_on(facts, "2027-04-01") == Light.RED


def test_start_threshold_is_tunable():
    assert light_on(not_started(), "2026-04-30", start_red_months=1) == Light.YELLOW
    assert light_on(not_started(), "2026-05-01", start_red_months=1) == Light.RED


def test_a_started_project_is_not_late_to_start():
    facts = Facts(
        stage=Stage.STARTED,
        planned_start=D("2026-01-10"),
        actual_start=D("2026-05-06"),
        registered_in_stats=True,
        reported_periods=months("2026-05", "2026-08"),
    )
    assert judge(facts, "2026-09-01") == (Light.GREEN, [])


# --- 序时进度 -------------------------------------------------------------------------------


def in_progress(invested: str, plan: str = "1000", reported_to: str = "2026-06") -> Facts:
    return Facts(
        stage=Stage.STARTED,
        actual_start=D("2026-01-05"),
        registered_in_stats=True,
        plan_this_year=Decimal(plan),
        invested_this_year=Decimal(invested),
        reported_periods=months("2026-01", reported_to),
    )


@pytest.mark.parametrize(
    "invested, expected",
    [
        ("401", Light.GREEN),  # behind by 9.9 points
        ("400", Light.YELLOW),  # exactly 10 points behind
        ("399", Light.YELLOW),
        ("201", Light.YELLOW),
        ("200", Light.YELLOW),  # exactly 30 points behind: still yellow
        ("199", Light.RED),  # 30.1 points: red
    ],
)
def test_progress_gap_boundaries(invested, expected):
    # 2026-06-15 with June reported: 序时进度 6/12 = 50%.
    assert light_on(in_progress(invested), "2026-06-15") == expected


def test_progress_reason_in_chinese():
    assert judge(in_progress("400"), "2026-06-15")[1] == [
        "年度投资完成率 40.0%，落后序时进度 10.0 个百分点"
    ]
    assert judge(in_progress("199"), "2026-06-15")[1] == [
        "年度投资完成率 19.9%，落后序时进度 30.1 个百分点"
    ]


def test_the_current_month_counts_once_it_is_reported():
    # June not reported yet: compared on 1-5月 with 5/12 = 41.7%; 40% is 1.7 points behind.
    assert light_on(in_progress("400", reported_to="2026-05"), "2026-06-30") == Light.GREEN
    # June has ended: 6/12 counts, and the missing June report shows too.
    light, reasons = judge(in_progress("400", reported_to="2026-05"), "2026-07-01")
    assert light == Light.YELLOW
    assert reasons == ["年度投资完成率 40.0%，落后序时进度 10.0 个百分点", "2026年6月未填报进度"]


def test_a_ledger_of_january_to_october_compares_with_ten_twelfths():
    assert elapsed_share(D("2026-10-31"), current_month_reported=True) == Decimal(10) / 12
    assert elapsed_share(D("2026-10-31")) == Decimal(9) / 12
    # 880 of 1200 is 73.3%, exactly 10 points behind 83.3%.
    assert light_on(in_progress("880", "1200", "2026-10"), "2026-10-31") == Light.YELLOW
    assert light_on(in_progress("881", "1200", "2026-10"), "2026-10-31") == Light.GREEN


def test_january_is_not_judged_before_its_report():
    assert light_on(in_progress("0", reported_to="2025-12"), "2026-01-31") == Light.GREEN


def test_progress_thresholds_are_tunable():
    rules = {"progress_yellow_gap": 5, "progress_red_gap": 20}
    assert light_on(in_progress("451"), "2026-06-15", **rules) == Light.GREEN
    assert light_on(in_progress("450"), "2026-06-15", **rules) == Light.YELLOW
    assert light_on(in_progress("300"), "2026-06-15", **rules) == Light.YELLOW
    assert light_on(in_progress("299"), "2026-06-15", **rules) == Light.RED


def test_no_annual_plan_no_progress_rule():
    facts = in_progress("0")
    facts.plan_this_year = None
    assert light_on(facts, "2026-06-15") == Light.GREEN
    facts.plan_this_year = Decimal("0")
    assert light_on(facts, "2026-06-15") == Light.GREEN


def test_with_weekly_reports_only_ended_months_count():
    facts = in_progress("400")
    facts.reported_periods = set()
    facts.actual_start = None
    # weekly: 5/12 on 2026-06-15 whatever was reported; missing weeks make it red, but the
    # progress rule itself stays quiet (41.7% - 40% = 1.7 points).
    _, reasons = judge(facts, "2026-06-15", period_kind=PeriodKind.WEEK)
    assert not any("序时进度" in reason for reason in reasons)


# --- Milestones -----------------------------------------------------------------------------


def with_milestone(planned: str, name: str = "施工许可") -> Facts:
    return Facts(stage=Stage.SIGNED, open_milestones=[(name, D(planned))])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "today, expected",
    [
        ("2026-03-17", Light.GREEN),  # Tuesday: four working days before
        ("2026-03-18", Light.YELLOW),  # Wednesday: three working days before Monday
        ("2026-03-22", Light.YELLOW),
        ("2026-03-23", Light.YELLOW),  # the day itself
        ("2026-03-24", Light.RED),  # one day late: red with the default of 0 days
        ("2026-03-25", Light.RED),
    ],
)
def test_milestone_boundaries(today, expected):
    assert light_on(with_milestone("2026-03-23"), today) == expected


@pytest.mark.django_db
def test_milestone_reasons_in_chinese():
    facts = with_milestone("2026-03-23")
    assert judge(facts, "2026-03-18")[1] == ["节点「施工许可」将于 2026-03-23 到期"]
    assert judge(facts, "2026-03-23")[1] == ["节点「施工许可」计划今天（2026-03-23）完成"]
    assert judge(facts, "2026-03-24")[1] == ["节点「施工许可」计划 2026-03-23 完成，已逾期 1 天"]


@pytest.mark.django_db
def test_milestone_on_a_sunday_warns_three_working_days_before():
    assert light_on(with_milestone("2026-03-22"), "2026-03-17") == Light.GREEN
    assert light_on(with_milestone("2026-03-22"), "2026-03-18") == Light.YELLOW


@pytest.mark.django_db
def test_milestone_warning_skips_the_labour_day_holiday():
    # 2026-05-01..05 are off: three working days before Thursday 05-07 are 05-06, 04-30, 04-29.
    assert light_on(with_milestone("2026-05-07"), "2026-04-28") == Light.GREEN
    assert light_on(with_milestone("2026-05-07"), "2026-04-29") == Light.YELLOW


@pytest.mark.django_db
def test_milestone_warning_counts_a_make_up_saturday():
    # Saturday 2026-05-09 is a working day (调休): before Monday 05-11 come 05-09, 05-08, 05-07.
    assert light_on(with_milestone("2026-05-11"), "2026-05-06") == Light.GREEN
    assert light_on(with_milestone("2026-05-11"), "2026-05-07") == Light.YELLOW


@pytest.mark.django_db
def test_milestone_warning_follows_the_calendar_overrides():
    WorkdayOverride.objects.create(date=D("2026-03-20"), is_workday=False, note="测试放假")
    assert light_on(with_milestone("2026-03-23"), "2026-03-17") == Light.YELLOW
    assert light_on(with_milestone("2026-03-23"), "2026-03-16") == Light.GREEN


@pytest.mark.django_db
def test_milestone_thresholds_are_tunable():
    facts = with_milestone("2026-03-23")
    assert light_on(facts, "2026-03-24", milestone_red_days=3) == Light.YELLOW
    assert light_on(facts, "2026-03-26", milestone_red_days=3) == Light.YELLOW
    assert light_on(facts, "2026-03-27", milestone_red_days=3) == Light.RED
    assert light_on(facts, "2026-03-15", milestone_warn_workdays=5) == Light.GREEN
    assert light_on(facts, "2026-03-16", milestone_warn_workdays=5) == Light.YELLOW


@pytest.mark.django_db
def test_a_far_milestone_lights_nothing():
    assert judge(with_milestone("2026-09-01"), "2026-03-23") == (Light.GREEN, [])


# --- Missing reports ------------------------------------------------------------------------


def reporting(reported: set[dt.date] | None = None, start: str = "2026-03-15") -> Facts:
    return Facts(
        stage=Stage.STARTED,
        actual_start=D(start),
        registered_in_stats=True,
        reported_periods=reported or set(),
    )


@pytest.mark.parametrize(
    "today, expected",
    [
        ("2026-03-31", Light.GREEN),  # March has not ended
        ("2026-04-01", Light.YELLOW),  # March ended without a report
        ("2026-04-30", Light.YELLOW),
        ("2026-05-01", Light.RED),  # March and April both missing
        ("2026-05-02", Light.RED),
    ],
)
def test_missing_report_boundaries(today, expected):
    assert light_on(reporting(), today) == expected


def test_missing_report_reasons_in_chinese():
    assert judge(reporting(), "2026-04-01")[1] == ["2026年3月未填报进度"]
    assert judge(reporting(), "2026-05-01")[1] == ["连续 2 期未填报进度（2026年3月、2026年4月）"]
    assert judge(reporting(months("2026-03", "2026-03")), "2026-05-01")[1] == [
        "2026年4月未填报进度"
    ]


def test_an_old_gap_followed_by_a_report_is_history():
    assert light_on(reporting(months("2026-04", "2026-04")), "2026-05-15") == Light.GREEN


def test_weekly_missing_reports():
    facts = reporting(start="2026-03-04")  # a Wednesday of week 10 (Monday 03-02)
    rules = {"period_kind": PeriodKind.WEEK}
    assert light_on(facts, "2026-03-08", **rules) == Light.GREEN
    assert judge(facts, "2026-03-09", **rules) == (Light.YELLOW, ["2026年第10周未填报进度"])
    assert light_on(facts, "2026-03-15", **rules) == Light.YELLOW
    assert light_on(facts, "2026-03-16", **rules) == Light.RED
    facts.reported_periods = {D("2026-03-02")}
    assert light_on(facts, "2026-03-16", **rules) == Light.YELLOW


def test_missing_report_thresholds_are_tunable():
    assert judge(reporting(), "2026-05-01", missing_red=3) == (
        Light.YELLOW,
        ["2026年3月、2026年4月未填报进度"],
    )
    assert light_on(reporting(), "2026-06-01", missing_red=3) == Light.RED
    assert light_on(reporting(), "2026-04-01", missing_yellow=2, missing_red=3) == Light.GREEN
    assert light_on(reporting(), "2026-05-01", missing_yellow=2, missing_red=3) == Light.YELLOW
    assert light_on(reporting(), "2026-06-01", missing_red=0) == Light.GREEN


# --- Statistics registration ----------------------------------------------------------------


def unregistered(start: str = "2026-03-15") -> Facts:
    return Facts(
        stage=Stage.STARTED,
        actual_start=D(start),
        registered_in_stats=False,
        reported_periods=months(start[:7], "2026-06"),
    )


@pytest.mark.parametrize(
    "today, expected",
    [
        ("2026-04-14", Light.GREEN),
        ("2026-04-15", Light.YELLOW),  # one whole month since the start
        ("2026-04-16", Light.YELLOW),
        ("2026-05-14", Light.YELLOW),
        ("2026-05-15", Light.RED),  # two whole months
        ("2026-05-16", Light.RED),
    ],
)
def test_statistics_boundaries(today, expected):
    assert light_on(unregistered(), today) == expected


def test_statistics_reason_and_registration():
    assert judge(unregistered(), "2026-04-15")[1] == ["开工已满 1 个月仍未入库纳统"]
    facts = unregistered()
    facts.registered_in_stats = True
    assert light_on(facts, "2026-06-15") == Light.GREEN


def test_statistics_month_ends_at_the_end_of_a_short_month():
    facts = unregistered("2026-01-31")
    assert light_on(facts, "2026-02-27") == Light.GREEN
    assert light_on(facts, "2026-02-28") == Light.YELLOW
    assert light_on(facts, "2026-03-30") == Light.YELLOW
    assert light_on(facts, "2026-03-31") == Light.RED


def test_statistics_thresholds_are_tunable():
    rules = {"stats_yellow_months": 2, "stats_red_months": 4}
    assert light_on(unregistered(), "2026-05-14", **rules) == Light.GREEN
    assert light_on(unregistered(), "2026-05-15", **rules) == Light.YELLOW
    assert light_on(unregistered(), "2026-07-14", **rules) == Light.YELLOW
    assert light_on(unregistered(), "2026-07-15", **rules) == Light.RED


def test_months_between():
    assert months_between(D("2026-03-15"), D("2026-04-14")) == 0
    assert months_between(D("2026-03-15"), D("2026-04-15")) == 1
    assert months_between(D("2026-01-31"), D("2026-02-28")) == 1
    assert months_between(D("2024-01-31"), D("2024-02-28")) == 0  # a leap year has the 29th
    assert months_between(D("2024-01-31"), D("2024-02-29")) == 1
    assert months_between(D("2026-04-15"), D("2026-03-15")) == -1


# --- Combining ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_worst_light_wins_and_reasons_are_sorted_worst_first():
    facts = Facts(
        stage=Stage.STARTED,
        actual_start=D("2026-03-15"),
        registered_in_stats=False,  # red on 2026-05-20
        reported_periods=months("2026-03", "2026-03"),  # April missing: yellow
        open_milestones=[("主体完工", D("2026-05-22"))],  # due in 2 working days: yellow
    )
    light, reasons = judge(facts, "2026-05-20")
    assert light == Light.RED
    assert reasons == [
        "开工已满 2 个月仍未入库纳统",
        "节点「主体完工」将于 2026-05-22 到期",
        "2026年4月未填报进度",
    ]


@pytest.mark.django_db
def test_dropped_has_no_light_and_completed_is_green():
    late = {"planned_start": D("2025-01-01"), "open_milestones": [("开工", D("2025-01-01"))]}
    assert judge(Facts(stage=Stage.DROPPED, **late), "2026-06-01") == (
        Light.NONE,
        ["项目已终止"],
    )
    assert judge(Facts(stage=Stage.COMPLETED, **late), "2026-06-01") == (
        Light.GREEN,
        ["项目已竣工/投产"],
    )


# --- recompute on the database --------------------------------------------------------------


def make_project(county, name: str, **fields) -> Project:
    defaults = {
        "region": county.region,
        "host_unit": county.township,
        "lead_department": county.department,
        "contact_leader": county.people[Role.LEADER],
        "total_investment": Decimal("10000"),
        "stage": Stage.SIGNED,
    }
    return Project.objects.create(name=name, **{**defaults, **fields})


def test_recompute_stores_the_light_and_logs_each_change(county):
    project = make_project(county, "光伏组件项目")
    Milestone.objects.create(project=project, name="施工许可", planned_date=D("2026-05-11"))
    only = Project.objects.filter(pk=project.pk)

    assert recompute(only, D("2026-05-06")) == 0
    assert not LightChange.objects.exists()

    assert recompute(only, D("2026-05-07")) == 1
    project.refresh_from_db()
    assert project.light == Light.YELLOW
    assert project.light_reasons == ["节点「施工许可」将于 2026-05-11 到期"]
    change = LightChange.objects.get()
    assert (change.on_date, change.previous, change.light) == (
        D("2026-05-07"),
        Light.GREEN,
        Light.YELLOW,
    )
    assert change.reasons == ["节点「施工许可」将于 2026-05-11 到期"]

    assert recompute(only, D("2026-05-07")) == 0  # idempotent
    assert LightChange.objects.count() == 1

    assert recompute(only, D("2026-05-12")) == 1
    project.refresh_from_db()
    assert project.light == Light.RED
    assert project.light_reasons == ["节点「施工许可」计划 2026-05-11 完成，已逾期 1 天"]
    assert LightChange.objects.count() == 2
    assert recompute(only, D("2026-05-12")) == 0

    # New reasons, same light: the project shows them, the history has no new entry.
    assert recompute(only, D("2026-05-13")) == 1
    project.refresh_from_db()
    assert project.light_reasons == ["节点「施工许可」计划 2026-05-11 完成，已逾期 2 天"]
    assert LightChange.objects.count() == 2

    Milestone.objects.filter(project=project).update(actual_date=D("2026-05-13"))
    assert recompute(only, D("2026-05-13")) == 1
    project.refresh_from_db()
    assert (project.light, project.light_reasons) == (Light.GREEN, [])
    latest = LightChange.objects.order_by("-id").first()
    assert (latest.previous, latest.light, latest.reasons) == (Light.RED, Light.GREEN, [])


def test_recompute_uses_the_regions_rules(county):
    ProjectRules.objects.create(region=county.region, milestone_red_days=3)
    project = make_project(county, "物流园项目")
    Milestone.objects.create(project=project, name="供地", planned_date=D("2026-03-23"))
    recompute(Project.objects.filter(pk=project.pk), D("2026-03-26"))
    project.refresh_from_db()
    assert project.light == Light.YELLOW
    recompute(Project.objects.filter(pk=project.pk), D("2026-03-27"))
    project.refresh_from_db()
    assert project.light == Light.RED


def test_recompute_reads_plans_reports_and_milestones(county):
    project = make_project(
        county,
        "食品加工项目",
        stage=Stage.STARTED,
        actual_start=D("2026-01-05"),
        registered_in_stats=True,
    )
    AnnualPlan.objects.create(project=project, year=2026, planned_investment=Decimal("1000"))
    AnnualPlan.objects.create(project=project, year=2025, planned_investment=Decimal("1"))
    for month in range(1, 7):
        ProgressReport.objects.create(
            project=project,
            period=dt.date(2026, month, 1),
            progress_text="施工中",
            invested=Decimal("50"),
        )
    ProgressReport.objects.create(
        project=project, period=D("2025-12-01"), progress_text="前期", invested=Decimal("500")
    )
    recompute(Project.objects.filter(pk=project.pk), D("2026-06-20"))
    project.refresh_from_db()
    # 300 of 1000 in 2026 against 6/12: 20 points behind; last year's 500 does not count.
    assert project.light == Light.YELLOW
    assert project.light_reasons == ["年度投资完成率 30.0%，落后序时进度 20.0 个百分点"]


def test_recompute_of_a_dropped_project(county):
    project = make_project(county, "终止项目", stage=Stage.DROPPED, planned_start=D("2025-01-01"))
    recompute(Project.objects.filter(pk=project.pk), D("2026-06-01"))
    project.refresh_from_db()
    assert (project.light, project.light_reasons) == (Light.NONE, ["项目已终止"])


def _populate(county, first: int, count: int) -> None:
    for n in range(first, first + count):
        project = make_project(
            county,
            f"批量项目{n}",
            stage=Stage.STARTED,
            actual_start=D("2026-01-05"),
            planned_start=D("2026-01-01"),
        )
        AnnualPlan.objects.create(project=project, year=2026, planned_investment=Decimal("100"))
        Milestone.objects.create(project=project, name="主体完工", planned_date=D("2026-05-11"))
        ProgressReport.objects.create(
            project=project, period=D("2026-04-01"), progress_text="施工", invested=Decimal("1")
        )


def _queries_of_recompute(today: dt.date) -> tuple[int, int]:
    Project.objects.update(light=Light.GREEN, light_reasons=[])
    with CaptureQueriesContext(connection) as queries:
        changed = recompute(Project.objects.all(), today)
    return len(queries), changed


def test_recompute_queries_do_not_grow_with_the_number_of_projects(county):
    ProjectRules.for_region(county.region.pk)
    _populate(county, 0, 3)
    few, changed_few = _queries_of_recompute(D("2026-05-20"))
    _populate(county, 3, 27)
    many, changed_many = _queries_of_recompute(D("2026-05-20"))
    assert (changed_few, changed_many) == (3, 30)
    assert many == few
    assert few <= 12


def test_recompute_queries_do_not_grow_with_the_number_of_counties(county, other_county):
    """A province's lights in the same queries as a county's: each by its county's rules."""
    ProjectRules.for_region(county.region.pk)
    ProjectRules.objects.create(
        region=other_county.region, milestone_red_days=30, progress_red_gap=50, stats_red_months=12
    )
    _populate(county, 0, 2)
    one, _ = _queries_of_recompute(D("2026-05-20"))
    _populate(other_county, 2, 2)
    two, changed = _queries_of_recompute(D("2026-05-20"))
    assert (changed, two) == (4, one)
    lights = dict(Project.objects.values_list("region_id", "light").distinct())
    # A milestone 9 days late, 32 points behind, unregistered for 4 months: red by the
    # default rules, yellow by the other county's.
    assert lights == {county.region.pk: Light.RED, other_county.region.pk: Light.YELLOW}


# --- The sweep ------------------------------------------------------------------------------


def test_sweep_turns_an_overdue_milestone_red_with_its_reason(county):
    """The browser test's flow: a milestone passes its date, ``tuijin sweep`` makes it red."""
    project = make_project(county, "新材料项目")
    Milestone.objects.create(project=project, name="环评", planned_date=D("2026-06-10"))
    run_sweep(D("2026-06-01"))
    project.refresh_from_db()
    assert project.light == Light.GREEN

    report = run_sweep(D("2026-06-11"))
    assert report.lights_changed == 1
    project.refresh_from_db()
    assert project.light == Light.RED
    assert project.light_reasons == ["节点「环评」计划 2026-06-10 完成，已逾期 1 天"]
    assert "已逾期 1 天" in project.reasons_text
    assert LightChange.objects.filter(project=project, light=Light.RED).count() == 1

    again = run_sweep(D("2026-06-11"))
    assert again.lights_changed == 0
    assert LightChange.objects.filter(project=project).count() == 1


def test_sweep_leaves_dropped_projects_alone(county):
    project = make_project(county, "已终止项目", stage=Stage.DROPPED, light=Light.NONE)
    Milestone.objects.create(project=project, name="开工", planned_date=D("2026-01-10"))
    report = run_sweep(D("2026-06-11"))
    assert report.projects == 0
    project.refresh_from_db()
    assert project.light == Light.NONE


def make_problem(project, person, deadline: str, **fields) -> Problem:
    return Problem.objects.create(
        project=project,
        description="用地指标未落实",
        responsible_unit=project.host_unit,
        responsible_person=person,
        raised_on=D("2026-05-01"),
        deadline=D(deadline),
        **fields,
    )


def test_sweep_reminds_once_a_day_of_problems_due_soon(county):
    project = make_project(county, "产业园项目")
    staff = county.people[Role.UNIT_STAFF]
    overdue = make_problem(project, staff, "2026-06-09")
    in_three = make_problem(project, staff, "2026-06-15")  # Wed 06-10 + 3 working days
    make_problem(project, staff, "2026-06-16")  # four working days ahead: not yet
    make_problem(project, staff, "2026-06-01", status=Problem.Status.RESOLVED, measure="已解决")
    inbox = Notification.objects.filter(recipient=staff.user)

    report = run_sweep(D("2026-06-10"))
    assert (report.problems_due, report.reminders_sent, report.without_account) == (2, 2, 0)
    titles = sorted(inbox.values_list("title", flat=True))
    assert titles == [
        "催办（2026-06-10）：产业园项目 的问题将于 2026-06-15 到期",
        "催办（2026-06-10）：产业园项目 的问题已逾期（办结期限 2026-06-09）",
    ]
    urls = set(inbox.values_list("url", flat=True))
    assert urls == {f"/projects/problems/{overdue.pk}/", f"/projects/problems/{in_three.pk}/"}
    assert "用地指标未落实" in inbox.first().body

    again = run_sweep(D("2026-06-10"))
    assert (again.problems_due, again.reminders_sent) == (2, 0)
    assert inbox.count() == 2

    next_day = run_sweep(D("2026-06-11"))
    assert next_day.reminders_sent == 3  # the third is now within three working days
    assert inbox.count() == 5


def test_sweep_counts_people_without_an_account(county):
    project = make_project(county, "商贸综合体项目")
    nobody = PersonFactory(unit=county.township, region=county.region, name="无账号人员")
    make_problem(project, nobody, "2026-06-09")
    report = run_sweep(D("2026-06-10"))
    assert (report.problems_due, report.reminders_sent, report.without_account) == (1, 0, 1)
    assert "未能提醒" in report.summary()


def test_sweep_skips_problems_of_dropped_projects(county):
    project = make_project(county, "放弃的项目", stage=Stage.DROPPED)
    make_problem(project, county.people[Role.UNIT_STAFF], "2026-06-09")
    assert run_sweep(D("2026-06-10")).problems_due == 0


# --- The command ----------------------------------------------------------------------------


def test_sweep_command_prints_the_projects_line(county):
    project = make_project(county, "风电项目")
    Milestone.objects.create(project=project, name="环评", planned_date=D("2026-06-10"))
    make_problem(project, county.people[Role.UNIT_STAFF], "2026-06-09")
    out = io.StringIO()
    call_command("sweep", "--date", "2026-06-11", stdout=out)
    lines = out.getvalue().strip().splitlines()
    text = next(line for line in lines if "红黄绿灯" in line)  # one line per module's step
    assert text == (
        "2026-06-11 巡检完成：重算 1 个项目的红黄绿灯，1 个有变化；"
        "逾期或 3 个工作日内到期的问题 1 个，发出提醒 1 条"
    )
    out = io.StringIO()
    call_command("sweep", "--date", "2026-06-11", stdout=out)
    assert "0 个有变化" in out.getvalue() and "发出提醒 0 条" in out.getvalue()


@pytest.mark.parametrize("bad", ["2026-6-1", "2026-02-30", "tomorrow"])
def test_sweep_command_refuses_a_bad_date_in_one_line(db, bad):
    with pytest.raises(CommandError) as error:
        call_command("sweep", "--date", bad, stdout=io.StringIO())
    message = str(error.value)
    assert bad in message and "\n" not in message


def test_sweep_is_a_listed_command():
    assert "sweep" in PROJECT_COMMANDS
