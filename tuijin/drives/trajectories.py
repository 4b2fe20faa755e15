"""Planned trajectories and forecasts: pure arithmetic on dates and Decimals, no database.

Day ``d`` of a drive runs from 1 (the start date) to ``N`` (the end date, inclusive); the plan
at the end of day ``d`` is:

- linear: ``value × d / N``;
- S-curve: the smoothstep ``value × (3t² − 2t³)`` with ``t = d / N`` — slow at the start, fast
  in the middle, levelling off at the end, as works do once started; it reaches the value
  exactly at ``t = 1`` (a logistic curve never does);
- weekly plan: the cumulative values typed for the end of each week (week ``k`` ends on day
  ``7k``, the last week on the end date, however short), joined by straight lines from 0 on
  the day before the start.

Every trajectory must end at the target value (「计划轨迹的终值必须等于目标值」).

Forecast: the actual now plus the pace of the last four weeks (28 days, or the days elapsed
when the drive is younger) times the days remaining; the date the target is reached at that
pace, or none when the pace is nil.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

ZERO = Decimal("0")
PACE_DAYS = 28
CANNOT_MEET = "按当前进度无法在期限内完成"
END_MISMATCH = "计划轨迹的终值必须等于目标值"


class TrajectoryError(ValueError):
    """A plan that cannot be accepted; ``message`` is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def drive_days(start: dt.date, end: dt.date) -> int:
    """Days of a drive, both ends included."""
    return (end - start).days + 1


def week_count(start: dt.date, end: dt.date) -> int:
    """Weeks of a weekly plan: a last, shorter week still counts as a week."""
    return math.ceil(drive_days(start, end) / 7)


def week_end(start: dt.date, end: dt.date, week: int) -> dt.date:
    """The last day of week ``week`` (1-based) of the drive."""
    return min(start + dt.timedelta(days=7 * week - 1), end)


def parse_weekly_plan(text: str) -> list[Decimal]:
    """Cumulative weekly values typed or pasted (comma, space, tab or newline separated)."""
    cleaned = text.replace("，", ",").replace("、", ",").replace("\t", ",").replace("\n", ",")
    values = []
    for part in cleaned.replace(" ", ",").split(","):
        if not part.strip():
            continue
        try:
            value = Decimal(part.strip())
        except InvalidOperation as exc:
            raise TrajectoryError(f"逐周计划中的「{part.strip()}」不是数字") from exc
        if not value.is_finite() or value < 0:
            raise TrajectoryError("逐周计划的数值不能为负")
        values.append(value)
    return values


def check_weekly_plan(
    values: Sequence[Decimal], target: Decimal, start: dt.date, end: dt.date
) -> list[Decimal]:
    """One cumulative value per week, never decreasing, the last equal to the target."""
    weeks = week_count(start, end)
    if len(values) != weeks:
        raise TrajectoryError(f"逐周计划应有 {weeks} 个周累计值，现有 {len(values)} 个")
    for earlier, later in zip(values, values[1:], strict=False):
        if later < earlier:
            raise TrajectoryError("逐周计划是累计值，不能比上一周小")
    if values[-1] != target:
        raise TrajectoryError(END_MISMATCH)
    return [Decimal(v) for v in values]


def planned(
    kind: str,
    target: Decimal,
    start: dt.date,
    end: dt.date,
    on: dt.date,
    weekly: Sequence[Decimal] = (),
) -> Decimal:
    """The planned cumulative value at the end of day ``on``."""
    total = drive_days(start, end)
    day = min(max((on - start).days + 1, 0), total)
    if day <= 0:
        return ZERO
    if kind == "weekly":
        if not weekly:
            raise TrajectoryError("逐周计划为空")
        previous_day, previous_value = 0, ZERO
        for week, value in enumerate(weekly, start=1):
            week_day = drive_days(start, week_end(start, end, week))
            if day <= week_day:
                span = week_day - previous_day
                share = Decimal(day - previous_day) / Decimal(span)
                return previous_value + (Decimal(value) - previous_value) * share
            previous_day, previous_value = week_day, Decimal(value)
        return Decimal(weekly[-1])
    t = Decimal(day) / Decimal(total)
    if kind == "s_curve":
        return target * (3 * t * t - 2 * t * t * t)
    return target * t


def check_trajectory(
    kind: str,
    target: Decimal,
    start: dt.date,
    end: dt.date,
    weekly: Sequence[Decimal] = (),
) -> None:
    """Refuse a plan that does not reach the target on the end date."""
    if kind == "weekly":
        check_weekly_plan(weekly, target, start, end)
    final = planned(kind, target, start, end, end, weekly)
    if abs(final - target) > Decimal("0.000001"):
        raise TrajectoryError(END_MISMATCH)


def gap_points(actual: Decimal, plan: Decimal, target: Decimal) -> Decimal:
    """Actual minus plan, in percentage points of the target (negative: behind plan)."""
    if not target:
        return ZERO
    return ((actual - plan) * 100 / target).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Forecast:
    """Where the target ends up at the pace of the last four weeks."""

    pace_per_day: Decimal
    end_value: Decimal
    met: bool  # already reached today
    reach_date: dt.date | None  # when it would be reached at that pace (None: never)
    on_time: bool  # reached by the end date

    @property
    def text(self) -> str:
        if self.met:
            return "已完成目标"
        if self.on_time and self.reach_date is not None:
            return f"预计 {self.reach_date:%Y-%m-%d} 完成"
        return CANNOT_MEET


def forecast(
    target: Decimal,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    actual_now: Decimal,
    actual_four_weeks_ago: Decimal,
) -> Forecast:
    """Forecast of the end value and of the date the target is reached.

    ``actual_four_weeks_ago`` is the cumulative actual at the end of the day ``today − 28``
    (zero before the start); the pace is taken over the days actually elapsed when the drive
    is younger than four weeks.
    """
    elapsed = min(max((today - start).days + 1, 0), drive_days(start, end))
    window = min(PACE_DAYS, elapsed)
    pace = (actual_now - actual_four_weeks_ago) / window if window else ZERO
    remaining = max((end - today).days, 0)
    end_value = actual_now + pace * remaining
    if actual_now >= target:
        return Forecast(pace, end_value, True, None, True)
    if pace <= 0:
        return Forecast(pace, end_value, False, None, False)
    days_needed = math.ceil((target - actual_now) / pace)
    reach = today + dt.timedelta(days=days_needed)
    return Forecast(pace, end_value, False, reach, reach <= end)
