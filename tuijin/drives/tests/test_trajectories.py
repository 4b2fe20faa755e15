"""Trajectory and forecast arithmetic on small fixtures (pure functions, no database)."""

import datetime as dt
from decimal import Decimal

import pytest

from tuijin.drives import trajectories as tj

START = dt.date(2026, 9, 1)
END = dt.date(2026, 12, 9)  # 100 days, both ends included
D = Decimal


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


def test_a_hundred_day_drive_counts_both_ends():
    assert tj.drive_days(START, END) == 100
    assert tj.week_count(START, END) == 15  # 14 full weeks and two days
    assert tj.week_end(START, END, 1) == dt.date(2026, 9, 7)
    assert tj.week_end(START, END, 15) == END


def test_linear_plan_is_proportional_to_the_days_elapsed():
    assert tj.planned("linear", D(200), START, END, day(25)) == D(50)
    assert tj.planned("linear", D(200), START, END, END) == D(200)
    assert tj.planned("linear", D(200), START, END, START - dt.timedelta(days=1)) == 0
    assert tj.planned("linear", D(200), START, END, END + dt.timedelta(days=30)) == D(200)


def test_s_curve_is_slow_at_first_half_way_at_mid_point_and_reaches_the_target():
    # smoothstep 3t² − 2t³: t = 0.25 → 0.15625, t = 0.5 → 0.5
    assert tj.planned("s_curve", D(1000), START, END, day(25)) == D("156.25")
    assert tj.planned("s_curve", D(1000), START, END, day(50)) == D(500)
    assert tj.planned("s_curve", D(1000), START, END, END) == D(1000)


def test_weekly_plan_interpolates_between_week_ends():
    start, end = dt.date(2026, 9, 1), dt.date(2026, 9, 21)  # three weeks
    plan = [D(7), D(7), D(21)]
    assert tj.planned("weekly", D(21), start, end, dt.date(2026, 9, 4), plan) == D(4)
    assert tj.planned("weekly", D(21), start, end, dt.date(2026, 9, 7), plan) == D(7)
    assert tj.planned("weekly", D(21), start, end, dt.date(2026, 9, 10), plan) == D(7)
    assert tj.planned("weekly", D(21), start, end, dt.date(2026, 9, 18), plan) == D(15)
    assert tj.planned("weekly", D(21), start, end, end, plan) == D(21)


def test_a_weekly_plan_that_does_not_reach_the_target_is_refused():
    start, end = dt.date(2026, 9, 1), dt.date(2026, 9, 21)
    with pytest.raises(tj.TrajectoryError, match="计划轨迹的终值必须等于目标值"):
        tj.check_trajectory("weekly", D(30), start, end, [D(5), D(10), D(20)])


def test_a_weekly_plan_with_the_wrong_number_of_weeks_or_going_down_is_refused():
    start, end = dt.date(2026, 9, 1), dt.date(2026, 9, 21)
    with pytest.raises(tj.TrajectoryError, match="应有 3 个周累计值，现有 2 个"):
        tj.check_trajectory("weekly", D(20), start, end, [D(5), D(20)])
    with pytest.raises(tj.TrajectoryError, match="不能比上一周小"):
        tj.check_trajectory("weekly", D(20), start, end, [D(10), D(5), D(20)])


def test_linear_and_s_curve_trajectories_are_accepted():
    tj.check_trajectory("linear", D(7), START, END)
    tj.check_trajectory("s_curve", D("333.33"), START, END)


def test_weekly_plan_text_is_parsed_from_a_pasted_row():
    assert tj.parse_weekly_plan("5，12\t20 30\n40") == [D(5), D(12), D(20), D(30), D(40)]
    with pytest.raises(tj.TrajectoryError, match="「十」不是数字"):
        tj.parse_weekly_plan("5, 十")


def test_gap_is_in_points_of_the_target():
    assert tj.gap_points(D(40), D(50), D(200)) == D("-5.0")
    assert tj.gap_points(D(60), D(50), D(200)) == D("5.0")


def test_forecast_at_the_pace_of_the_last_four_weeks():
    today = day(60)  # 40 days left
    result = tj.forecast(D(100), START, END, today, D(60), D(46))  # 14 in 28 days: 0.5/day
    assert result.pace_per_day == D("0.5")
    assert result.end_value == D(80)
    assert result.met is False
    # 40 more at 0.5 a day: 80 days, after the end date
    assert result.reach_date == today + dt.timedelta(days=80)
    assert result.on_time is False
    assert result.text == "按当前进度无法在期限内完成"


def test_forecast_gives_the_date_when_the_pace_is_enough():
    today = day(60)
    result = tj.forecast(D(100), START, END, today, D(60), D(32))  # 1 a day
    assert result.end_value == D(100)
    assert result.reach_date == today + dt.timedelta(days=40) == END
    assert result.on_time is True
    assert result.text == "预计 2026-12-09 完成"


def test_forecast_of_a_target_already_met():
    result = tj.forecast(D(50), START, END, day(60), D(55), D(40))
    assert result.met is True
    assert result.on_time is True
    assert result.text == "已完成目标"


def test_forecast_of_a_target_that_can_no_longer_be_met_with_no_progress():
    result = tj.forecast(D(50), START, END, day(90), D(20), D(20))
    assert result.pace_per_day == 0
    assert result.reach_date is None
    assert result.end_value == D(20)
    assert result.text == "按当前进度无法在期限内完成"


def test_forecast_of_a_young_drive_uses_the_days_elapsed():
    result = tj.forecast(D(100), START, END, day(10), D(20), D(0))
    assert result.pace_per_day == D(2)
    assert result.end_value == D(20) + D(2) * 90
