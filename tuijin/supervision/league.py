"""The league table of townships and platforms (比学赶超), by a formula published on its page.

Every township and platform of a county is scored per period (a month or a quarter) on four
components, each 0–100, computed from stored records only — never from logins, clicks, photos
or time online:

1. 投资完成率 (investment): investment reported for the unit's projects (as host unit, not
   terminated) for the periods of the year up to the end of the period, over their annual plan
   of that year; capped at 100.
2. 绿灯项目占比 (green): of the unit's projects under way (not terminated, not completed) that
   carry a light, the share whose *current* light is green (the light is not kept per period).
3. 按时填报率 (reports): reports due are started projects × reporting periods inside the period
   (from the period of the actual start); a report is on time when it was submitted at most
   ``REPORT_GRACE_DAYS`` days after its reporting period ended.
4. 问题和督办按期办结率 (closure): problems whose responsible unit is the unit and supervision
   orders issued to it, with their deadline inside the period; on time when resolved (problem)
   or accepted (order) on or before the deadline.

Something still outstanding whose time has not run out on ``today`` (a report within its grace
days, a problem or order before its deadline) is not counted yet, so the current period is
fair while it runs.

A component with nothing to measure (denominator 0) is left out and the remaining weights are
re-normalised: score = Σ weight × component / Σ weight of the components measured. A unit with
nothing to measure at all has no score and is listed last without a rank. Scores are rounded to
one decimal; equal scores share a rank (1, 1, 3). Movement compares with the previous period of
the same kind (month → previous month, quarter → previous quarter).

The whole table, this period and the last, takes a fixed number of queries (one per table
read), whatever the number of projects; it is cached until the data under it changes.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from tuijin.core import stamps
from tuijin.core.models import Region, Unit
from tuijin.projects.models import AnnualPlan, Light, Problem, ProgressReport, Project, Stage
from tuijin.projects.models.tracking import ProjectRules
from tuijin.projects.periods import next_period, period_start

from .models import LeagueWeights, SupervisionOrder

REPORT_GRACE_DAYS = 5
HUNDRED = Decimal(100)
ONE_PLACE = Decimal("0.1")
KINDS = (Unit.Kind.TOWNSHIP, Unit.Kind.PLATFORM)
LABELS = {
    "investment": "投资完成率",
    "green": "绿灯项目占比",
    "reports": "按时填报率",
    "closure": "问题和督办按期办结率",
}
DEFAULT_WEIGHTS = {"investment": 40, "green": 30, "reports": 15, "closure": 15}


class LeagueError(ValueError):
    """A bad period or weight set, with a message for the user."""


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str  # "month" or "quarter"
    start: dt.date
    end: dt.date

    @property
    def code(self) -> str:
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年{self.start.month}月"

    def previous(self) -> Period:
        months = 3 if self.kind == "quarter" else 1
        return _make(self.kind, *_shift(self.start.year, self.start.month, -months))


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _make(kind: str, year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    ny, nm = _shift(year, month, 3 if kind == "quarter" else 1)
    return Period(kind, start, dt.date(ny, nm, 1) - dt.timedelta(days=1))


def parse_period(text: str | None, today: dt.date) -> Period:
    """``YYYY-MM`` or ``YYYY-Qn``; empty: the last complete month before ``today``."""
    text = (text or "").strip()
    if not text:
        return _make("month", *_shift(today.year, today.month, -1))
    match = re.fullmatch(r"(\d{4})-(?:(\d{1,2})|[Qq]([1-4]))", text)
    if not match or not 2000 <= int(match[1]) <= 2100:
        raise LeagueError("期间格式应为 2026-10（月）或 2026-Q3（季度）")
    year = int(match[1])
    if match[3]:
        return _make("quarter", year, (int(match[3]) - 1) * 3 + 1)
    month = int(match[2])
    if not 1 <= month <= 12:
        raise LeagueError("月份应在 1 到 12 之间")
    return _make("month", year, month)


# --- weights ---------------------------------------------------------------------------------


def weights_for(region: Region) -> dict[str, int]:
    row = LeagueWeights.objects.filter(region=region).first()
    return row.as_dict() if row else dict(DEFAULT_WEIGHTS)


def weights_save(region: Region, values: dict, user=None) -> LeagueWeights:
    """Store the county's weights; refused (nothing saved) unless four whole numbers 0–100
    summing to exactly 100."""
    cleaned = {}
    for name in LeagueWeights.FIELDS:
        try:
            value = int(str(values.get(name, "")).strip())
        except ValueError as exc:
            raise LeagueError(f"「{LABELS[name]}」的权重应为 0 到 100 的整数") from exc
        if not 0 <= value <= 100:
            raise LeagueError(f"「{LABELS[name]}」的权重应为 0 到 100 的整数")
        cleaned[name] = value
    total = sum(cleaned.values())
    if total != 100:
        raise LeagueError(f"四项权重之和应为 100，现为 {total}，未保存")
    with transaction.atomic():
        row, _ = LeagueWeights.objects.select_for_update().get_or_create(region=region)
        for name, value in cleaned.items():
            setattr(row, name, value)
        row.updated_by = user if getattr(user, "pk", None) else None
        row.save()
    return row


# --- the table -------------------------------------------------------------------------------


@dataclass
class Component:
    key: str
    label: str
    weight: int
    numerator: Decimal | int
    denominator: Decimal | int
    value: Decimal | None = None  # 0–100 to one decimal; None when nothing to measure
    url: str = ""  # the records behind it (set by the page)

    @property
    def measured(self) -> bool:
        return self.value is not None


@dataclass
class Row:
    unit: Unit
    components: list[Component]
    score: Decimal | None = None
    rank: int | None = None
    previous_score: Decimal | None = None
    previous_rank: int | None = None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) or lost (negative) since the previous period."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def score_change(self) -> Decimal | None:
        if self.score is None or self.previous_score is None:
            return None
        return self.score - self.previous_score

    def component(self, key: str) -> Component:
        return next(c for c in self.components if c.key == key)


def _pct(part, whole, cap: bool = False) -> Decimal | None:
    if not whole:
        return None
    value = Decimal(part) * HUNDRED / Decimal(whole)
    if cap:
        value = min(value, HUNDRED)
    return value.quantize(ONE_PLACE, ROUND_HALF_UP)


def _reporting_periods(first: dt.date, last: dt.date, kind: str) -> list[dt.date]:
    """Reporting periods (first days) that start inside [first, last]."""
    periods, period = [], period_start(first, kind)
    if period < first:
        period = next_period(period, kind)
    while period <= last:
        periods.append(period)
        period = next_period(period, kind)
    return periods


def _period_end(start: dt.date, kind: str) -> dt.date:
    return next_period(start, kind) - dt.timedelta(days=1)


def _slots(
    period: Period, kind: str, today: dt.date
) -> list[tuple[dt.date, dt.date, dt.datetime, bool]]:
    """The reporting periods due inside ``period``: (first day, latest actual start for a
    project to owe it, the instant a report is late from, whether its time has run out).

    A project owes the report of period ``p`` once started by then: ``p`` is not before the
    period of its actual start, that is it started on or before ``p``'s last day (and within
    the league period). A report is on time when submitted, local time, on or before the
    last grace day: before midnight at the start of the day after.
    """
    out = []
    for start in _reporting_periods(period.start, period.end, kind):
        last_day = _period_end(start, kind) + dt.timedelta(days=REPORT_GRACE_DAYS)
        late_from = timezone.make_aware(
            dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min)
        )
        started_by = min(period.end, _period_end(start, kind))
        out.append((start, started_by, late_from, last_day < today))
    return out


def _measure(
    region: Region, units: list[Unit], periods: list[Period], kind: str, today: dt.date
) -> list[dict[int, dict]]:
    """Numerators and denominators of every unit, for each of ``periods`` (this one and the
    last): five grouped queries in all, one per table read, whatever the number of projects
    and of periods.

    A report, problem or order whose time has not yet run out on ``today`` and that is still
    outstanding is not counted yet (neither late nor on time)."""
    ids = [u.pk for u in units]
    raws = [
        {pk: {key: [Decimal(0), Decimal(0)] for key in LABELS} for pk in ids}  # [num, den]
        for _ in periods
    ]
    projects = Project.objects.filter(region=region, host_unit_id__in=ids).exclude(
        stage=Stage.DROPPED
    )
    slots = [_slots(period, kind, today) for period in periods]

    # 1. Annual plan of each period's year, per unit.
    years = sorted({period.end.year for period in periods})
    plans = (
        AnnualPlan.objects.filter(project__in=projects, year__in=years)
        .order_by()
        .values("project__host_unit_id")
        .annotate(**{f"y{y}": Sum("planned_investment", filter=Q(year=y)) for y in years})
    )
    for row in plans:
        for raw, period in zip(raws, periods, strict=True):
            total = row[f"y{period.end.year}"]
            if total is not None:
                raw[row["project__host_unit_id"]]["investment"][1] = total
    # 2. Lights of the projects under way (current light), and the started projects that
    #    owe each report whose time has run out (due whether or not it came).
    under_way = ~Q(stage=Stage.COMPLETED) & ~Q(light=Light.NONE)
    counts = {
        "n": Count("id", filter=under_way),
        "green": Count("id", filter=under_way & Q(light=Light.GREEN)),
    }
    for i, period_slots in enumerate(slots):
        for j, (_start, started_by, _late, past) in enumerate(period_slots):
            if past:
                owe = Q(stage=Stage.STARTED, actual_start__lte=started_by)
                counts[f"s{i}_{j}"] = Count("id", filter=owe)
    by_unit = {
        row["host_unit_id"]: row
        for row in projects.order_by().values("host_unit_id").annotate(**counts)
    }
    # 3. Investment reported for each period's year up to its end; of the reports owed by
    #    started projects, those in for a reporting period whose time has not run out (due
    #    once in), and those on time. The reporting periods' conditions are ORed into one
    #    count each, behind a range test that most reports of the year fail at once.
    sums = {}
    for i, period in enumerate(periods):
        year_start = dt.date(period.end.year, 1, 1)
        sums[f"inv{i}"] = Sum("invested", filter=Q(period__gte=year_start, period__lte=period.end))
        if not slots[i]:
            continue
        in_slots = Q(period__gte=slots[i][0][0], period__lte=slots[i][-1][0]) & Q(
            project__stage=Stage.STARTED
        )
        running, on_time = [], []
        for start, started_by, late_from, past in slots[i]:
            owes = Q(period=start, project__actual_start__lte=started_by)
            if not past:
                running.append(owes)
            on_time.append(owes & Q(submitted_at__lt=late_from))
        if running:
            sums[f"in{i}"] = Count("id", filter=in_slots & reduce(operator.or_, running))
        sums[f"ok{i}"] = Count("id", filter=in_slots & reduce(operator.or_, on_time))
    first = min(dt.date(period.end.year, 1, 1) for period in periods)
    last = max(period.end for period in periods)
    reported = {
        row["project__host_unit_id"]: row
        for row in ProgressReport.objects.filter(
            project__region=region,
            project__host_unit_id__in=ids,
            period__gte=first,
            period__lte=last,
        )
        .exclude(project__stage=Stage.DROPPED)
        .order_by()
        .values("project__host_unit_id")
        .annotate(**sums)
    }
    for i, raw in enumerate(raws):
        for pk in ids:
            lights, reports = by_unit.get(pk), reported.get(pk)
            if lights and lights["n"]:
                raw[pk]["green"] = [lights["green"], lights["n"]]
            cell = raw[pk]["reports"]
            if lights:  # every owed report is due once its time has run out
                cell[1] += sum(lights[key] for key in lights if key.startswith(f"s{i}_"))
            if reports:
                if reports[f"inv{i}"] is not None:
                    raw[pk]["investment"][0] = reports[f"inv{i}"]
                cell[1] += reports.get(f"in{i}", 0)
                cell[0] += reports.get(f"ok{i}", 0)
    # 4. Problems and orders with their deadline in each period, closed on time.
    problem_done = Q(status=Problem.Status.RESOLVED, resolved_on__lte=F("deadline"))
    order_done = Q(status=SupervisionOrder.Status.ACCEPTED, accepted_on__lte=F("deadline"))
    closed = (
        (
            Problem.objects.filter(project__region=region, responsible_unit_id__in=ids),
            "responsible_unit_id",
            problem_done,
        ),
        (
            SupervisionOrder.objects.filter(region=region, unit_id__in=ids),
            "unit_id",
            order_done,
        ),
    )
    for queryset, unit_field, done in closed:
        tallies = {}
        for i, period in enumerate(periods):
            in_period = Q(deadline__gte=period.start, deadline__lte=period.end)
            tallies[f"n{i}"] = Count("id", filter=in_period & (Q(deadline__lt=today) | done))
            tallies[f"ok{i}"] = Count("id", filter=in_period & done)
        rows = (
            queryset.filter(
                deadline__gte=min(p.start for p in periods),
                deadline__lte=max(p.end for p in periods),
            )
            .order_by()
            .values(unit_field)
            .annotate(**tallies)
        )
        for row in rows:
            for i, raw in enumerate(raws):
                cell = raw[row[unit_field]]["closure"]
                cell[0] += row[f"ok{i}"]
                cell[1] += row[f"n{i}"]
    return raws


def _score(components: list[Component]) -> Decimal | None:
    measured = [c for c in components if c.measured]
    total_weight = sum(c.weight for c in measured)
    if not total_weight:
        return None
    total = sum(Decimal(c.weight) * c.value for c in measured)
    return (total / total_weight).quantize(ONE_PLACE, ROUND_HALF_UP)


def _rank(rows: list[Row]) -> None:
    """Competition ranking: equal scores share a rank, the next rank skips (1, 1, 3)."""
    scored = sorted((r for r in rows if r.score is not None), key=lambda r: -r.score)
    previous, rank = None, 0
    for position, row in enumerate(scored, start=1):
        if row.score != previous:
            rank, previous = position, row.score
        row.rank = rank


def _table(units: list[Unit], raw: dict[int, dict], weights: dict) -> list[Row]:
    rows = []
    for unit in units:
        components = []
        for key, label in LABELS.items():
            num, den = raw[unit.pk][key]
            value = _pct(num, den, cap=key == "investment")
            components.append(Component(key, label, weights[key], num, den, value))
        rows.append(Row(unit=unit, components=components, score=_score(components)))
    _rank(rows)
    return rows


# The kinds of data the table is computed from (core/stamps.py): the directory (units),
# projects (plans, reports, lights, problems, the county's reporting period) and supervision
# (orders, the county's weights). A committed write to any of them moves its stamp, and the
# next table is computed afresh.
SOURCES = ("directory", "projects", "supervision")


@dataclass
class Table:
    """The ranked rows of a county for a period, and the weights they were scored with."""

    weights: dict[str, int]
    rows: list[Row]


def table_for(
    region: Region, period: Period, today: dt.date | None = None, weights: dict | None = None
) -> Table:
    """The league table of ``region`` for ``period`` (the county's own weights unless
    ``weights`` are given), with movement against the previous period of the same kind.

    Computed once per change of the data under it: the page, the API and the cockpit share
    it until a committed write moves one of the stamps of ``SOURCES``.
    """
    today = today or timezone.localdate()
    given = sorted(weights.items()) if weights else None
    key = repr(("league", region.pk, period.kind, period.start.isoformat(), today, given))
    return stamps.cached(SOURCES, key, lambda: _compute(region, period, today, weights))


def _compute(region: Region, period: Period, today: dt.date, weights: dict | None) -> Table:
    weights = weights or weights_for(region)
    kind = ProjectRules.objects.filter(region=region).values_list("period_kind", flat=True).first()
    kind = kind or "month"
    units = list(Unit.objects.filter(region=region, kind__in=KINDS).order_by("kind", "order", "id"))
    now, before = _measure(region, units, [period, period.previous()], kind, today)
    rows = _table(units, now, weights)
    previous = {r.unit.pk: r for r in _table(units, before, weights)}
    for row in rows:
        prev = previous[row.unit.pk]
        row.previous_score, row.previous_rank = prev.score, prev.rank
    rows.sort(
        key=lambda r: (r.rank is None, r.rank or 0, r.unit.kind != Unit.Kind.TOWNSHIP, r.unit.pk)
    )
    return Table(weights=dict(weights), rows=rows)


def league_table(
    region: Region,
    period_start: dt.date,
    period_end: dt.date,
    today: dt.date | None = None,
    weights: dict | None = None,
) -> list[Row]:
    """The ranked table of the region's townships and platforms for [period_start, period_end]
    (a month or a quarter), with movement against the previous period of the same kind."""
    months = (period_end.year - period_start.year) * 12 + period_end.month - period_start.month
    period = _make("quarter" if months == 2 else "month", period_start.year, period_start.month)
    return table_for(region, period, today, weights).rows
