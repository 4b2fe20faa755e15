"""Statistics of enterprise requests per lead unit and period, and the monthly trend.

The figures, each with the counts behind it (a rate without its counts misleads when a unit
had two requests):

- 签收及时率: accepted by the accept deadline, of the requests whose acceptance is due
  (accepted, or not accepted and past the deadline);
- 办结及时率: resolved by the resolve deadline (as extended), likewise of those due;
- 办结率: resolved, of the requests received in the period;
- 满意率: 满意 + 基本满意, of the rated ones;
- 重办率: reopened at least once, of those that were answered at least once;
- 办结用时中位数: working days from receipt to resolution (the day of receipt not counted,
  as deadlines count; ``count_workdays(received + 1 day, resolved)``), the median of the
  resolved ones.

A request belongs to the period it was received in and to the unit that leads it now.
The supervision league table reads ``unit_stats`` for its unit figures.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tuijin.core.workdays import WorkCalendar

from .models import Appeal

ONE_DAY = dt.timedelta(days=1)
GOOD_RATINGS = (Appeal.Rating.SATISFIED, Appeal.Rating.BASIC)


@dataclass(frozen=True)
class Rate:
    """A share with its counts: ``numerator`` of ``denominator``."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> str:
        value = self.value
        return "—" if value is None else f"{value * 100:.1f}%"

    def __str__(self) -> str:
        return f"{self.percent}（{self.numerator}/{self.denominator}）"


@dataclass
class UnitStats:
    unit_id: int
    unit_name: str
    received: int
    accepted_on_time: Rate
    resolved_on_time: Rate
    resolution: Rate
    satisfaction: Rate
    reopen: Rate
    median_days: float | None
    days: list[int] = field(default_factory=list, repr=False)


def _appeals(source: int | QuerySet) -> QuerySet:
    if isinstance(source, QuerySet):
        return source
    return Appeal.objects.filter(region_id=source)


def _due(due: str, done: str, today: dt.date) -> Q:
    """Requests whose step is due: done already, or its deadline passed."""
    return Q(**{f"{due}__isnull": False}) & (
        Q(**{f"{done}__isnull": False}) | Q(**{f"{due}__lt": today})
    )


def _on_time(due: str, done: str) -> Q:
    return Q(**{f"{done}__isnull": False, f"{due}__isnull": False, f"{done}__lte": F(due)})


def _counts(today: dt.date) -> dict:
    """The counts behind every rate, as keyword arguments of one aggregate."""
    return {
        "n_received": Count("id"),
        "n_accept_due": Count("id", filter=_due("accept_due", "accepted_on", today)),
        "n_accept_ok": Count("id", filter=_on_time("accept_due", "accepted_on")),
        "n_resolve_due": Count("id", filter=_due("resolve_due", "resolved_on", today)),
        "n_resolve_ok": Count("id", filter=_on_time("resolve_due", "resolved_on")),
        "n_resolved": Count("id", filter=Q(status=Appeal.Status.RESOLVED)),
        "n_rated": Count("id", filter=~Q(rating="")),
        "n_satisfied": Count("id", filter=Q(rating__in=GOOD_RATINGS)),
        "n_replied": Count("id", filter=Q(first_reply_on__isnull=False)),
        "n_reopened": Count("id", filter=Q(reopen_count__gt=0)),
    }


class _Workdays:
    """Working days from receipt to resolution on the official calendar: one running count
    per day over the span of the figures, so each pair costs a subtraction, not a walk."""

    def __init__(self) -> None:
        self._calendar = WorkCalendar()
        self._running: dict[dt.date, int] = {}
        self._first: dt.date | None = None
        self._last: dt.date | None = None

    def _extend(self, start: dt.date, end: dt.date) -> None:
        if self._first is None or start < self._first:
            self._running, self._first, self._last = {}, start, None
            day, total = start, 0
        else:
            day, total = self._last + ONE_DAY, self._running[self._last]
        while day <= end:
            total += self._calendar.is_workday(day)
            self._running[day] = total
            day += ONE_DAY
        self._last = end

    def __call__(self, received: dt.date, resolved: dt.date) -> int:
        if resolved <= received:
            return 0
        if self._first is None or received < self._first or resolved > self._last:
            self._extend(
                min(received, self._first or received), max(resolved, self._last or resolved)
            )
        return self._running[resolved] - self._running[received]


def unit_stats(
    source: int | QuerySet, start: dt.date, end: dt.date, *, today: dt.date | None = None
) -> list[UnitStats]:
    """Figures per lead unit for requests received from ``start`` to ``end`` (both included).

    ``source`` is a region id, or a queryset already cut to what the reader may see.
    """
    today = today or timezone.localdate()
    appeals = _appeals(source).filter(
        lead_unit__isnull=False, received_on__gte=start, received_on__lte=end
    )
    rows = (
        appeals.order_by()
        .values("lead_unit_id", "lead_unit__name", "lead_unit__order")
        .annotate(**_counts(today))
    )
    workdays = _Workdays()
    days: dict[int, list[int]] = {}
    resolved = (
        appeals.filter(status=Appeal.Status.RESOLVED, resolved_on__isnull=False)
        .order_by()
        .values_list("lead_unit_id", "received_on", "resolved_on")
    )
    for unit_id, received_on, resolved_on in resolved:
        days.setdefault(unit_id, []).append(workdays(received_on, resolved_on))
    result = []
    for row in sorted(rows, key=lambda r: (r["lead_unit__order"], r["lead_unit__name"])):
        unit_days = sorted(days.get(row["lead_unit_id"], []))
        result.append(
            UnitStats(
                unit_id=row["lead_unit_id"],
                unit_name=row["lead_unit__name"],
                received=row["n_received"],
                accepted_on_time=Rate(row["n_accept_ok"], row["n_accept_due"]),
                resolved_on_time=Rate(row["n_resolve_ok"], row["n_resolve_due"]),
                resolution=Rate(row["n_resolved"], row["n_received"]),
                satisfaction=Rate(row["n_satisfied"], row["n_rated"]),
                reopen=Rate(row["n_reopened"], row["n_replied"]),
                median_days=statistics.median(unit_days) if unit_days else None,
                days=unit_days,
            )
        )
    return result


def totals(rows: list[UnitStats]) -> UnitStats | None:
    """The county line under the table: the units' counts added up."""
    if not rows:
        return None

    def add(name: str) -> Rate:
        return Rate(
            sum(getattr(r, name).numerator for r in rows),
            sum(getattr(r, name).denominator for r in rows),
        )

    all_days = sorted(d for r in rows for d in r.days)
    return UnitStats(
        unit_id=0,
        unit_name="合计",
        received=sum(r.received for r in rows),
        accepted_on_time=add("accepted_on_time"),
        resolved_on_time=add("resolved_on_time"),
        resolution=add("resolution"),
        satisfaction=add("satisfaction"),
        reopen=add("reopen"),
        median_days=statistics.median(all_days) if all_days else None,
        days=all_days,
    )


def _month_starts(last: dt.date, months: int) -> list[dt.date]:
    year, month = last.year, last.month
    starts = []
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _month_key(value) -> str:
    return f"{value:%Y-%m}"


def trend(source: int | QuerySet, months: int = 12, *, today: dt.date | None = None) -> dict:
    """Monthly series of the last ``months`` months (this one included): requests received,
    resolved, the on-time share of those resolved, and the satisfaction of those rated
    (both by the month of resolution)."""
    today = today or timezone.localdate()
    starts = _month_starts(today, months)
    appeals = _appeals(source)
    received = dict(
        appeals.filter(received_on__gte=starts[0], received_on__lte=today)
        .annotate(month=TruncMonth("received_on"))
        .order_by()
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    closed = (
        appeals.filter(
            status=Appeal.Status.RESOLVED, resolved_on__gte=starts[0], resolved_on__lte=today
        )
        .annotate(month=TruncMonth("resolved_on"))
        .order_by()
        .values("month")
        .annotate(
            n=Count("id"),
            due=Count("id", filter=Q(resolve_due__isnull=False)),
            ok=Count("id", filter=_on_time("resolve_due", "resolved_on")),
            rated=Count("id", filter=~Q(rating="")),
            good=Count("id", filter=Q(rating__in=GOOD_RATINGS)),
        )
    )
    received = {_month_key(k): v for k, v in received.items()}
    closed_by = {_month_key(row["month"]): row for row in closed}
    series = {"months": [], "received": [], "resolved": [], "on_time": [], "satisfaction": []}
    for start in starts:
        key = _month_key(start)
        row = closed_by.get(key, {})
        on_time = Rate(row.get("ok", 0), row.get("due", 0)).value
        satisfaction = Rate(row.get("good", 0), row.get("rated", 0)).value
        series["months"].append(key)
        series["received"].append(received.get(key, 0))
        series["resolved"].append(row.get("n", 0))
        series["on_time"].append(None if on_time is None else round(on_time * 100, 1))
        series["satisfaction"].append(
            None if satisfaction is None else round(satisfaction * 100, 1)
        )
    return series


# --- Periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # month / quarter / year
    start: dt.date
    end: dt.date
    label: str
    token: str
    previous: str
    next: str


PERIOD_KINDS = {"month": "月度", "quarter": "季度", "year": "年度"}


def _period(kind: str, year: int, index: int) -> Period:
    if kind == "year":
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        return Period(kind, start, end, f"{year}年", str(year), str(year - 1), str(year + 1))
    if kind == "quarter":
        first_month = 3 * (index - 1) + 1
        start = dt.date(year, first_month, 1)
        end = (
            dt.date(year + 1, 1, 1) if index == 4 else dt.date(year, first_month + 3, 1)
        ) - ONE_DAY
        prev = f"{year}-Q{index - 1}" if index > 1 else f"{year - 1}-Q4"
        nxt = f"{year}-Q{index + 1}" if index < 4 else f"{year + 1}-Q1"
        return Period(kind, start, end, f"{year}年第{index}季度", f"{year}-Q{index}", prev, nxt)
    start = dt.date(year, index, 1)
    end = (dt.date(year + 1, 1, 1) if index == 12 else dt.date(year, index + 1, 1)) - ONE_DAY
    prev = f"{year}-{index - 1:02d}" if index > 1 else f"{year - 1}-12"
    nxt = f"{year}-{index + 1:02d}" if index < 12 else f"{year + 1}-01"
    return Period(kind, start, end, f"{year}年{index}月", f"{year}-{index:02d}", prev, nxt)


def current_period(kind: str, today: dt.date) -> Period:
    index = {"year": 1, "quarter": (today.month - 1) // 3 + 1}.get(kind, today.month)
    return _period(kind if kind in PERIOD_KINDS else "month", today.year, index)


def parse_period(kind: str, token: str, today: dt.date) -> Period:
    """The period named by ``kind`` and ``token`` (2026-11, 2026-Q4, 2026); ValueError with a
    Chinese message when the token is not one."""
    if kind not in PERIOD_KINDS:
        raise ValueError("统计周期应为月度、季度或年度")
    if not token:
        return current_period(kind, today)
    try:
        if kind == "year":
            year, index = int(token), 1
        elif kind == "quarter":
            year_text, quarter = token.upper().split("-Q")
            year, index = int(year_text), int(quarter)
            if not 1 <= index <= 4:
                raise ValueError
        else:
            year_text, month = token.split("-")
            year, index = int(year_text), int(month)
            if not 1 <= index <= 12:
                raise ValueError
    except ValueError:
        examples = {"month": "2026-11", "quarter": "2026-Q4", "year": "2026"}
        raise ValueError(f"统计期「{token}」格式不对，应如 {examples[kind]}") from None
    if not 2000 <= year <= 2099:
        raise ValueError("统计年份应在 2000 到 2099 之间")
    return _period(kind, year, index)
