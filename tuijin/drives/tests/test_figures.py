"""The drive's figures: plan against actual, the gap, forecasts, ranking, lagging projects."""

import datetime as dt
from decimal import Decimal

import pytest

from tuijin.core.roles import Role
from tuijin.drives import services
from tuijin.drives.models import Measure
from tuijin.projects.models import ProgressReport

from .conftest import TODAY


@pytest.fixture
def reports(majors):
    for project, period, invested in [
        (majors[0], dt.date(2026, 9, 1), "200"),
        (majors[1], dt.date(2026, 10, 1), "300"),
        (majors[2], dt.date(2026, 10, 1), "500"),  # the other task force's project
    ]:
        ProgressReport.objects.create(
            project=project, period=period, progress_text="推进中", invested=Decimal(invested)
        )


def by_name(figures, name):
    return next(f for f in figures["targets"] if f.target.name == name)


def test_countdown_on_day_sixty(drive):
    status = services.drive_status(drive, TODAY)
    assert status == {
        "state": "进行中",
        "day": 60,
        "days": 100,
        "left": 40,
        "week": 9,
        "percent": 60.0,
    }
    assert services.drive_status(drive, dt.date(2026, 8, 1))["state"] == "未开始"
    assert services.drive_status(drive, dt.date(2026, 12, 10))["left"] == 0


def test_a_target_ahead_of_plan_with_its_forecast(drive, started, reports):
    figures = services.drive_figures(drive, TODAY)
    starts = by_name(figures, "新开工项目")  # 4, linear; started on days 10, 40, 55
    assert starts.plan == Decimal("2.4")
    assert starts.actual == 3
    assert starts.gap == Decimal("15.0")
    # last four weeks (after day 32): 2 starts in 28 days; 1 more needs 14 days
    assert starts.forecast.reach_date == dt.date(2026, 11, 13)
    assert starts.forecast.text == "预计 2026-11-13 完成"
    assert starts.plan_series[-1] == 4.0
    assert len(starts.plan_series) == 15
    assert len(starts.actual_series) == 9  # weeks begun by day 60
    assert starts.actual_series[:2] == [0.0, 1.0]


def test_a_target_that_can_no_longer_be_met(drive, reports):
    figures = services.drive_figures(drive, TODAY)
    investment = by_name(figures, "完成投资")  # 1000, S-curve, industry group only
    assert investment.plan == Decimal("648.000")  # 3·0.6² − 2·0.6³ = 0.648
    assert investment.actual == 500
    assert investment.gap == Decimal("-14.8")
    assert investment.forecast.pace_per_day == 0  # nothing in the last four weeks
    assert investment.forecast.text == "按当前进度无法在期限内完成"


def test_task_forces_ranked_and_their_lagging_projects_named(county, drive, reports):
    figures = services.drive_figures(drive, TODAY)
    ranking = figures["ranking"]
    assert [r["task_force"].name for r in ranking] == ["工业项目推进组", "基础设施推进组"]
    assert ranking[0]["rank"] == 1 and ranking[0]["score"] == Decimal("-14.8")
    assert ranking[1]["rank"] is None  # no target of its own
    lagging = ranking[0]["lagging"]
    assert [row["project"].name for row in lagging] == ["智能装备制造产业园"]
    assert lagging[0]["light"] == "红灯"
    assert lagging[0]["responsibles"] == county.people[Role.UNIT_STAFF].name
    assert lagging[0]["contact_leader"] == county.people[Role.LEADER].name
    assert [row["project"].name for row in ranking[1]["lagging"]] == ["河口污水处理厂"]


def test_a_better_task_force_ranks_first(county, majors, reports):
    from .conftest import launch

    targets = [
        services.TargetSpec("工业投资", Measure.INVESTMENT, Decimal(1000), task_force=0),
        services.TargetSpec("基础设施投资", Measure.INVESTMENT, Decimal(600), task_force=1),
    ]
    drive = launch(county, majors, targets=targets)
    ranking = services.drive_figures(drive, TODAY)["ranking"]
    # industry: 500 of 600 planned (−10 points); infrastructure: 500 of 360 (+23.3)
    assert [r["task_force"].name for r in ranking] == ["基础设施推进组", "工业项目推进组"]
    assert [r["score"] for r in ranking] == [Decimal("23.3"), Decimal("-10.0")]


def test_custom_target_actuals_come_from_the_typed_months(county, drive):
    custom = drive.targets.get(measure=Measure.CUSTOM)
    for month, value in [(dt.date(2026, 9, 1), 120), (dt.date(2026, 10, 1), 60)]:
        services.monthly_actual_record(
            acting_user=county.users[Role.PROJECT_OFFICE],
            target=custom,
            month=month,
            value=Decimal(value),
        )
    figures = services.target_figures(custom, TODAY)
    assert figures.actual == 180
    assert figures.plan == 180  # 300 × 60 / 100
    assert figures.gap == 0
