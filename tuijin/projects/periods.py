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
    """Whole calendar months from ``earlier`` to ``later`` (negative when later is earlier)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return months
