"""Outreach reports: trips and leads per leader, and the funnel lead → project → signed →
started. They read only what the caller may see (querysets come in already scoped)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from tuijin.core.models import Person

from .models import Lead, LeadStatus, OutreachTrip


@dataclass
class LeaderLine:
    person: Person
    trips: int = 0
    half_days: int = 0
    leads: int = 0
    open_leads: int = 0
    converted: int = 0
    signed: int = 0
    started: int = 0

    @property
    def days(self) -> float:
        return self.half_days / 2

    @property
    def conversion(self) -> str:
        return f"{self.converted / self.leads:.0%}" if self.leads else "—"


def _signed(lead: Lead) -> bool:
    return bool(lead.project_id and lead.project.signed_on)


def _started(lead: Lead) -> bool:
    return bool(lead.project_id and lead.project.actual_start)


def per_leader(trips: QuerySet[OutreachTrip], leads: QuerySet[Lead]) -> list[LeaderLine]:
    """One line per leader who went out or owns a lead, busiest first."""
    lines: dict[int, LeaderLine] = {}

    def line(person: Person) -> LeaderLine:
        if person.pk not in lines:
            lines[person.pk] = LeaderLine(person)
        return lines[person.pk]

    for trip in trips.prefetch_related("leaders"):
        for person in trip.leaders.all():
            item = line(person)
            item.trips += 1
            item.half_days += trip.half_days
    for lead in leads.select_related("owner", "project"):
        item = line(lead.owner)
        item.leads += 1
        item.open_leads += lead.is_open
        item.converted += bool(lead.project_id)
        item.signed += _signed(lead)
        item.started += _started(lead)
    return sorted(lines.values(), key=lambda x: (-x.leads, -x.trips, x.person.order, x.person.pk))


def funnel(leads: QuerySet[Lead]) -> list[dict]:
    """Leads, those turned into projects, signed and started (each a subset of the last)."""
    counts = defaultdict(int)
    for lead in leads.select_related("project"):
        counts["leads"] += 1
        counts["converted"] += bool(lead.project_id)
        counts["signed"] += _signed(lead)
        counts["started"] += _started(lead)
    return [
        {"name": "项目线索", "value": counts["leads"]},
        {"name": "转为项目", "value": counts["converted"]},
        {"name": "签约", "value": counts["signed"]},
        {"name": "开工", "value": counts["started"]},
    ]


def status_counts(leads: QuerySet[Lead]) -> dict[str, int]:
    found = defaultdict(int)
    for status in leads.values_list("status", flat=True):
        found[status] += 1
    return {s.value: found[s.value] for s in LeadStatus}
