"""Measures: what a target counts, read from the records, never typed where a record exists.

A measure gives the dated events of a period (``(day, amount)`` pairs); the cumulative actual
on any day is the sum of the events up to that day, so the same events draw the actual line
of a chart, give today's figure and the figure four weeks ago for the forecast.

- projects signed: projects of the region signed (``signed_on``) in the period and still at
  the signed stage or beyond (a dropped project does not count);
- projects started: ``actual_start`` in the period, stage started or completed;
- investment completed (万元): ``ProgressReport.invested`` of the reports whose period (the
  month's 1st or the week's Monday) falls in the period, dated at that period;
- enterprises visited: distinct enterprises with a visit in the period, dated at their first
  visit; for a task force, visits made by its head or members;
- requests resolved: appeals of the region resolved (status 已办结) in the period;
- leads signed: outreach leads converted in the period (when the outreach module is installed);
- new above-scale enterprises: enterprises that entered 规上 in the period's year (the registry
  keeps the year only: they count from the start of the period);
- custom: the monthly actuals typed for the target, each counted from its month's first day
  (or the start of the period when later).

A task force's projects narrow the project measures to the projects it owns; the measures of
requests, leads and new above-scale enterprises are county-wide only.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import accumulate

from django.apps import apps
from django.db.models import Min, Sum

from .models import Measure

ZERO = Decimal("0")
Events = list[tuple[dt.date, Decimal]]

# Measures that a task force can be held to: the rest are counted for the county only.
TASK_FORCE_MEASURES = {
    Measure.PROJECTS_SIGNED,
    Measure.PROJECTS_STARTED,
    Measure.INVESTMENT,
    Measure.ENTERPRISES_VISITED,
    Measure.CUSTOM,
}
# Measures offered for a drive (new above-scale enterprises are known by year only).
DRIVE_MEASURES = [m for m in Measure if m != Measure.NEW_ABOVE_SCALE]


def _projects(region_id: int, project_ids: Iterable[int] | None):
    from tuijin.projects.models import Project

    qs = Project.objects.filter(region_id=region_id)
    return qs if project_ids is None else qs.filter(pk__in=list(project_ids))


def measure_events(
    measure: str,
    region_id: int,
    start: dt.date,
    end: dt.date,
    *,
    project_ids: Iterable[int] | None = None,
    person_ids: Iterable[int] | None = None,
    target_id: int | None = None,
) -> Events:
    """The dated amounts of ``measure`` between ``start`` and ``end`` (both included)."""
    from tuijin.projects.models import ProgressReport, Stage

    if measure == Measure.PROJECTS_SIGNED:
        rows = _projects(region_id, project_ids).filter(
            signed_on__range=(start, end),
            stage__in=[Stage.SIGNED, Stage.STARTED, Stage.COMPLETED],
        )
        return [(day, Decimal(1)) for day in rows.values_list("signed_on", flat=True)]
    if measure == Measure.PROJECTS_STARTED:
        rows = _projects(region_id, project_ids).filter(
            actual_start__range=(start, end), stage__in=[Stage.STARTED, Stage.COMPLETED]
        )
        return [(day, Decimal(1)) for day in rows.values_list("actual_start", flat=True)]
    if measure == Measure.INVESTMENT:
        rows = (
            ProgressReport.objects.filter(
                project__in=_projects(region_id, project_ids), period__range=(start, end)
            )
            .values("period")
            .annotate(total=Sum("invested"))
            .order_by("period")
        )
        return [(row["period"], row["total"] or ZERO) for row in rows]
    if measure == Measure.ENTERPRISES_VISITED:
        from tuijin.enterprises.models import Visit

        visits = Visit.objects.filter(
            enterprise__region_id=region_id, visited_on__range=(start, end)
        )
        if person_ids is not None:
            visits = visits.filter(visitors__in=list(person_ids))
        rows = visits.values("enterprise").annotate(first=Min("visited_on"))
        return [(row["first"], Decimal(1)) for row in rows]
    if measure == Measure.REQUESTS_RESOLVED:
        from tuijin.appeals.models import Appeal

        rows = Appeal.objects.filter(
            region_id=region_id,
            status=Appeal.Status.RESOLVED,
            resolved_on__range=(start, end),
        ).values_list("resolved_on", flat=True)
        return [(day, Decimal(1)) for day in rows]
    if measure == Measure.LEADS_SIGNED:
        if not apps.is_installed("tuijin.outreach"):
            return []
        Lead = apps.get_model("outreach", "Lead")
        rows = Lead.objects.filter(
            region_id=region_id, converted_on__range=(start, end)
        ).values_list("converted_on", flat=True)
        return [(day, Decimal(1)) for day in rows]
    if measure == Measure.NEW_ABOVE_SCALE:
        from tuijin.enterprises.models import Enterprise

        count = Enterprise.objects.filter(
            region_id=region_id,
            above_scale=True,
            above_scale_year__in=range(start.year, end.year + 1),
        ).count()
        return [(start, Decimal(count))] if count else []
    if measure == Measure.CUSTOM:
        from .models import MonthlyActual

        if target_id is None:
            return []
        rows = MonthlyActual.objects.filter(
            target_id=target_id, month__lte=end, month__gte=start.replace(day=1)
        )
        return [(max(row.month, start), row.value) for row in rows]
    raise ValueError(f"unknown measure {measure!r}")


def cumulative(events: Events, on: dt.date) -> Decimal:
    """The cumulative actual at the end of day ``on``."""
    return sum((amount for day, amount in events if day <= on), ZERO)


class MeasureReader:
    """``measure_events`` for many targets at once, in a fixed number of queries.

    A page of targets (a drive's, the year's, an API list) read one query per target before:
    the queries grew with the targets. Here each measure is read once per region and period
    for the whole county, each event with its project (or visitor, or target), and narrowed to
    a task force's projects or people in Python: the same events as ``measure_events``.
    """

    def __init__(self) -> None:
        self._rows: dict[tuple, list] = {}

    def _read(self, key: tuple, query) -> list:
        if key not in self._rows:
            self._rows[key] = list(query())
        return self._rows[key]

    def events(
        self,
        measure: str,
        region_id: int,
        start: dt.date,
        end: dt.date,
        *,
        project_ids: Iterable[int] | None = None,
        person_ids: Iterable[int] | None = None,
        target_id: int | None = None,
    ) -> Events:
        from tuijin.projects.models import ProgressReport, Stage

        key = (measure, region_id, start, end)
        projects = None if project_ids is None else set(project_ids)
        if measure in (Measure.PROJECTS_SIGNED, Measure.PROJECTS_STARTED):
            day = "signed_on" if measure == Measure.PROJECTS_SIGNED else "actual_start"
            stages = [Stage.STARTED, Stage.COMPLETED]
            if measure == Measure.PROJECTS_SIGNED:
                stages.append(Stage.SIGNED)
            rows = self._read(
                key,
                lambda: (
                    _projects(region_id, None)
                    .filter(**{f"{day}__range": (start, end), "stage__in": stages})
                    .values_list("pk", day)
                ),
            )
            return [(on, Decimal(1)) for pk, on in rows if projects is None or pk in projects]
        if measure == Measure.INVESTMENT:
            rows = self._read(
                key,
                lambda: (
                    ProgressReport.objects.filter(
                        project__region_id=region_id, period__range=(start, end)
                    )
                    .values_list("project_id", "period")
                    .annotate(total=Sum("invested"))
                    .order_by("period")
                ),
            )
            totals: dict[dt.date, Decimal] = {}
            for pk, period, total in rows:
                if projects is None or pk in projects:
                    totals[period] = totals.get(period, ZERO) + (total or ZERO)
            return sorted(totals.items())
        if measure == Measure.ENTERPRISES_VISITED and person_ids is not None:
            from tuijin.enterprises.models import Visit

            rows = self._read(
                (*key, "visitors"),
                lambda: Visit.objects.filter(
                    enterprise__region_id=region_id,
                    visited_on__range=(start, end),
                    visitors__isnull=False,
                ).values_list("enterprise_id", "visited_on", "visitors"),
            )
            people = set(person_ids)
            first: dict[int, dt.date] = {}
            for enterprise, on, visitor in rows:
                if visitor in people and (enterprise not in first or on < first[enterprise]):
                    first[enterprise] = on
            return [(on, Decimal(1)) for on in first.values()]
        if measure == Measure.CUSTOM:
            from .models import MonthlyActual

            rows = self._read(
                key,
                lambda: MonthlyActual.objects.filter(
                    target__campaign__region_id=region_id,
                    month__lte=end,
                    month__gte=start.replace(day=1),
                ).values_list("target_id", "month", "value"),
            )
            return [(max(month, start), value) for pk, month, value in rows if pk == target_id]
        return self._read(key, lambda: measure_events(measure, region_id, start, end))


def running_total(events: Events) -> Callable[[dt.date], Decimal]:
    """``cumulative(events, on)`` for many days ``on``: the events sorted once and summed as
    they come, each day found by bisection (a drive's chart asks for every week)."""
    ordered = sorted(events, key=lambda event: event[0])
    days = [day for day, _amount in ordered]
    totals = list(accumulate((amount for _day, amount in ordered), initial=ZERO))
    return lambda on: totals[bisect_right(days, on)]
