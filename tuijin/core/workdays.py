"""Working days on the official calendar (工作日).

Three sources, in order of precedence:

1. ``WorkdayOverride`` rows an administrator enters from each year's State Council notice,
   day by day;
2. the ``chinesecalendar`` package, for the years it knows (an override there corrects only
   its own day: one local correction must not erase the package's Spring Festival);
3. for a year the package does not know, a year with any override is taken as entered, its
   other days following Monday–Friday;
4. for a year neither knows, Monday–Friday less the statutory holidays of the national
   holiday regulation (with the weekday 补假 when one falls on a weekend). Such results are
   *provisional*: callers show them so, and the administrator is warned to enter the notice.

A deadline of N working days is the Nth working day after the day of receipt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, lru_cache

import chinese_calendar
from lunardate import LunarDate

from . import request_memo

ONE_DAY = dt.timedelta(days=1)
# Enough for any real deadline; a guard against a runaway loop on absurd input.
MAX_WORKDAYS = 100_000
# The lunar calendar (lunardate) and the solar terms (chinesecalendar) stop at 2099.
FIRST_YEAR, LAST_YEAR = 1900, 2099


@dataclass(frozen=True)
class WorkdayResult:
    """A date or a count, and whether a year without official data went into it."""

    value: dt.date | int
    provisional: bool
    provisional_years: tuple[int, ...] = ()


@cache
def package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def statutory_holidays(year: int) -> frozenset[dt.date]:
    """The regulation's holidays of ``year`` (2025 revision), with weekday 补假 for weekends.

    When two festivals fall on the same day (Mid-Autumn on 1 October: 2001, 2009, 2020, 2028)
    the State Council has still given the full number of days, so the second one is made up
    like a weekend one.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{year} 年超出日历支持范围（{FIRST_YEAR}–{LAST_YEAR} 年）")
    spring = LunarDate(year, 1, 1).to_solar_date()
    qingming = next(
        day
        for day, name in chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 10))
        if name == "清明"
    )
    days = [
        dt.date(year, 1, 1),
        spring - ONE_DAY,
        spring,
        spring + ONE_DAY,
        spring + 2 * ONE_DAY,
        qingming,
        dt.date(year, 5, 1),
        dt.date(year, 5, 2),
        LunarDate(year, 5, 5).to_solar_date(),
        LunarDate(year, 8, 15).to_solar_date(),
        dt.date(year, 10, 1),
        dt.date(year, 10, 2),
        dt.date(year, 10, 3),
    ]
    holidays = set(days)
    seen: set[dt.date] = set()
    for day in sorted(days):
        # On a weekend, or on another festival: the next free weekday is given instead.
        if day.weekday() >= 5 or day in seen:
            make_up = day + ONE_DAY
            while make_up.weekday() >= 5 or make_up in holidays:
                make_up += ONE_DAY
            holidays.add(make_up)
        seen.add(day)
    return frozenset(d for d in holidays if d.year == year)


@lru_cache(maxsize=8192)
def _package_workday(day: dt.date) -> bool:
    """The official calendar's answer for a day: fixed once published, and each lookup scans
    the package's tables, so a sweep over a province's deadlines asks it once per day."""
    return chinese_calendar.is_workday(day)


class WorkCalendar:
    """One calculation's view of the calendar; reads each year's overrides once (once per
    request when in one)."""

    def __init__(self) -> None:
        # Shared by every calculation of a request: a list computes a deadline per row.
        shared = request_memo.store("core.WorkdayOverride")
        self._overrides: dict[int, dict[dt.date, bool]] = shared if shared is not None else {}
        self.provisional_years: set[int] = set()

    def _year_overrides(self, year: int) -> dict[dt.date, bool]:
        if year not in self._overrides:
            from .models import WorkdayOverride

            rows = WorkdayOverride.objects.filter(date__year=year).values_list("date", "is_workday")
            self._overrides[year] = dict(rows)
        return self._overrides[year]

    def is_workday(self, day: dt.date) -> bool:
        overrides = self._year_overrides(day.year)
        if day in overrides:
            return overrides[day]
        if package_knows(day.year):
            return _package_workday(day)
        if overrides:  # the year's notice was entered: the rest is an ordinary week
            return day.weekday() < 5
        self.provisional_years.add(day.year)
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

    def result(self, value: dt.date | int) -> WorkdayResult:
        years = tuple(sorted(self.provisional_years))
        return WorkdayResult(value, bool(years), years)


def add_workdays(received: dt.date, n: int) -> WorkdayResult:
    """The Nth working day after ``received`` (N = 0 gives the day itself)."""
    if n < 0 or n > MAX_WORKDAYS:
        raise ValueError(f"工作日数应在 0 到 {MAX_WORKDAYS} 之间")
    cal = WorkCalendar()
    day, left = received, n
    while left:
        day += ONE_DAY
        if cal.is_workday(day):
            left -= 1
    return cal.result(day)


def count_workdays(start: dt.date, end: dt.date) -> WorkdayResult:
    """Working days from ``start`` to ``end``, both included (0 when end is before start)."""
    if (end - start).days > MAX_WORKDAYS * 2:
        raise ValueError("日期区间过长")
    cal = WorkCalendar()
    count, day = 0, start
    while day <= end:
        count += cal.is_workday(day)
        day += ONE_DAY
    return cal.result(count)


def is_workday(day: dt.date) -> WorkdayResult:
    cal = WorkCalendar()
    return cal.result(int(cal.is_workday(day)))


def years_needing_notice(years: list[int]) -> list[int]:
    """Of ``years``, those neither the package nor any override covers."""
    from .models import WorkdayOverride

    entered = set(
        WorkdayOverride.objects.filter(date__year__in=years).values_list("date__year", flat=True)
    )
    return [y for y in years if y not in entered and not package_knows(y)]
