"""Reporting periods: a month (its first day) or, during a drive, a week (its Monday)."""

from __future__ import annotations

import datetime as dt

from .models import PeriodKind


def period_start(day: dt.date, kind: str = PeriodKind.MONTH) -> dt.date:
    if kind == PeriodKind.WEEK:
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period(start: dt.date, kind: str = PeriodKind.MONTH) -> dt.date:
    if kind == PeriodKind.WEEK:
        return start + dt.timedelta(days=7)
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_period(start: dt.date, kind: str = PeriodKind.MONTH) -> dt.date:
    if kind == PeriodKind.WEEK:
        return start - dt.timedelta(days=7)
    return (start - dt.timedelta(days=1)).replace(day=1)


def period_label(start: dt.date, kind: str = PeriodKind.MONTH) -> str:
    if kind == PeriodKind.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}年第{week}周"
    return f"{start.year}年{start.month}月"


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (negative when later is earlier).

    A month is up on the same day of a later month, or on that month's last day when it has
    no such day (民法典 art. 202): 2026-01-31 to 2026-02-28 is one month, to 2026-02-27 none.
    """
    if later < earlier:
        return -months_between(later, earlier)
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    last_day = (later + dt.timedelta(days=1)).month != later.month
    if later.day < earlier.day and not last_day:
        months -= 1
    return months
