"""Pairing (包联) and visits (走访): the services behind the pages, the sweep and the demo.

A pairing names a county leader or official from the directory for one enterprise, with a
visit frequency (monthly for the top-100, quarterly for other enterprises unless given).
A visit records who went, when, what they found and the opinions heard; each opinion is kept
as its own row with the measure agreed on the spot and the status 待转为诉求, for the
requests module to turn into requests once it exists. No score comes from the number of visits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse

from tuijin.core.models import Person, Region, User
from tuijin.core.models.notifications import notify_many
from tuijin.core.sweeps import chunked

from .models import Enterprise, Pairing, Visit, VisitOpinion

# A visit is "due" from this many days before its due date; after the due date it is overdue.
DUE_WINDOW_DAYS = 7
LEADER_UNIT_LABEL = "县领导"


class State:
    OK = "ok"
    DUE = "due"
    OVERDUE = "overdue"
    NEVER = "never"

    LABELS = {OK: "未到期", DUE: "应走访", OVERDUE: "已逾期", NEVER: "从未走访"}
    BADGES = {
        OK: "text-bg-success",
        DUE: "text-bg-warning",
        OVERDUE: "text-bg-danger",
        NEVER: "text-bg-secondary",
    }


def default_frequency(enterprise: Enterprise) -> int:
    """Monthly for a top-100 enterprise, quarterly for any other."""
    if enterprise.top100_rank is not None:
        return Pairing.Frequency.MONTHLY
    return Pairing.Frequency.QUARTERLY


@transaction.atomic
def pairing_create(
    enterprise: Enterprise,
    person: Person,
    *,
    started_on: dt.date,
    frequency_days: int | None = None,
) -> Pairing:
    """Pair a leader or official with an enterprise; a pairing that was ended is taken up
    again from ``started_on`` (its visits stay in the record)."""
    if person.region_id != enterprise.region_id:
        raise ValidationError({"person": "包联人不属于该企业所在县"})
    existing = Pairing.objects.filter(enterprise=enterprise, person=person).first()
    if existing is not None and existing.active:
        raise ValidationError({"person": f"{person.name} 已包联该企业"})
    if frequency_days is not None and frequency_days not in Pairing.Frequency.values:
        raise ValidationError({"frequency_days": "走访频次应为每月或每季度"})
    frequency_days = frequency_days or default_frequency(enterprise)
    if existing is not None:
        existing.active, existing.started_on = True, started_on
        existing.frequency_days, existing.reminded_for = frequency_days, None
        existing.save(update_fields=["active", "started_on", "frequency_days", "reminded_for"])
        return existing
    return Pairing.objects.create(
        enterprise=enterprise,
        person=person,
        started_on=started_on,
        frequency_days=frequency_days,
    )


@transaction.atomic
def pairing_end(pairing: Pairing) -> Pairing:
    """End a pairing (a person moved on): it leaves coverage and reminders, its visits stay.
    Ending is done once: the row is locked and checked, a second ending is refused."""
    active = Pairing.objects.select_for_update().filter(pk=pairing.pk).values_list("active")
    if not active.get()[0]:
        raise ValidationError("该包联关系已经结束")
    pairing.active = False
    pairing.save(update_fields=["active"])
    return pairing


@transaction.atomic
def visit_record(
    enterprise: Enterprise,
    *,
    visitors: Iterable[Person],
    visited_on: dt.date,
    situation: str,
    opinions: Sequence[tuple[str, str]] = (),
    measures: str = "",
    acting_user=None,
    today: dt.date | None = None,
) -> Visit:
    """Record one visit with its opinions; refuse it whole, saving nothing, when invalid."""
    today = today or dt.date.today()
    visitors = list(visitors)
    errors: dict[str, str] = {}
    if visited_on is None:
        errors["visited_on"] = "请填写走访日期"
    elif visited_on > today:
        errors["visited_on"] = "走访日期不能晚于今天"
    if not visitors:
        errors["visitors"] = "请至少选择一名走访人"
    elif any(p.region_id != enterprise.region_id for p in visitors):
        errors["visitors"] = "走访人不属于该企业所在县"
    if not (situation or "").strip():
        errors["situation"] = "请填写企业情况"
    rows = []
    for text, measure in opinions:
        text, measure = (text or "").strip(), (measure or "").strip()
        if not text and measure:
            errors["opinions"] = "填写了措施的意见行请同时填写意见内容"
        elif text:
            rows.append((text, measure))
    if errors:
        raise ValidationError(errors)
    visit = Visit.objects.create(
        enterprise=enterprise,
        visited_on=visited_on,
        situation=situation.strip(),
        measures=(measures or "").strip(),
        recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    visit.visitors.set(visitors)
    VisitOpinion.objects.bulk_create(
        [VisitOpinion(visit=visit, text=text, measure=measure) for text, measure in rows]
    )
    for hook in VISIT_RECORDED:  # e.g. each opinion becomes a tracked request
        hook(visit, acting_user)
    return visit


# Called as ``hook(visit, acting_user)`` inside the transaction that records a visit; the
# request module registers the step that turns every opinion heard into a request.
VISIT_RECORDED: list[Callable] = []


@dataclass
class CoverageRow:
    pairing: Pairing
    last_visit: dt.date | None
    next_due: dt.date
    state: str

    @property
    def label(self) -> str:
        return State.LABELS[self.state]

    @property
    def badge(self) -> str:
        return State.BADGES[self.state]

    @property
    def unit_label(self) -> str:
        unit = self.pairing.person.unit
        return unit.name if unit is not None else LEADER_UNIT_LABEL


@dataclass
class Tally:
    key: str
    label: str
    total: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: {State.OK: 0, State.DUE: 0, State.OVERDUE: 0, State.NEVER: 0}
    )

    @property
    def ok(self) -> int:
        return self.counts[State.OK]

    @property
    def due(self) -> int:
        return self.counts[State.DUE]

    @property
    def overdue(self) -> int:
        return self.counts[State.OVERDUE]

    @property
    def never(self) -> int:
        return self.counts[State.NEVER]


def state_of(last_visit: dt.date | None, next_due: dt.date, today: dt.date) -> str:
    if last_visit is None:
        return State.NEVER
    if next_due < today:
        return State.OVERDUE
    if (next_due - today).days <= DUE_WINDOW_DAYS:
        return State.DUE
    return State.OK


def coverage(
    region: Region | None, today: dt.date, pairings: QuerySet | None = None
) -> list[CoverageRow]:
    """One row per active pairing (of ``region``, or of the given queryset), in one query.

    The last visit is the latest visit to the enterprise on or before ``today`` with the
    paired person among its visitors; the next due date is that plus the frequency (or the
    start of the pairing plus the frequency when never visited).
    """
    if pairings is None:
        pairings = Pairing.objects.all()
    if region is not None:
        pairings = pairings.filter(enterprise__region=region)
    last = (
        Visit.objects.filter(
            enterprise_id=OuterRef("enterprise_id"),
            visitors=OuterRef("person_id"),
            visited_on__lte=today,
        )
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    qs = (
        pairings.filter(active=True)
        .select_related("enterprise", "person", "person__unit")
        .annotate(last_visit=Subquery(last))
        .order_by("person__order", "person_id", "enterprise__name", "id")
    )
    rows = []
    for pairing in qs:
        start = pairing.last_visit or pairing.started_on
        next_due = start + dt.timedelta(days=pairing.frequency_days)
        rows.append(
            CoverageRow(
                pairing, pairing.last_visit, next_due, state_of(pairing.last_visit, next_due, today)
            )
        )
    return rows


def tally(rows: Iterable[CoverageRow], by: str) -> list[Tally]:
    """Counts per person (``by="person"``) or per unit (``by="unit"``; leaders as 县领导)."""
    tallies: dict[str, Tally] = {}
    for row in rows:
        if by == "person":
            person = row.pairing.person
            key, label = str(person.pk), f"{person.name}（{row.unit_label}）"
        else:
            key = label = row.unit_label
        entry = tallies.setdefault(key, Tally(key, label))
        entry.total += 1
        entry.counts[row.state] += 1
    return sorted(tallies.values(), key=lambda t: (-(t.overdue + t.never), -t.due, t.label))


def pairing_sweep(today: dt.date) -> str:
    """Remind each paired person with an account once per due date (idempotent).

    One query reads every active pairing of a person with an account and its last visit (as
    plain values: the sweep needs no model objects); the reminders go out with ``notify_many``
    and each due date is stored with one UPDATE per date, whatever the number of pairings.
    """
    last = (
        Visit.objects.filter(
            enterprise_id=OuterRef("enterprise_id"),
            visitors=OuterRef("person_id"),
            visited_on__lte=today,
        )
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    rows = (
        Pairing.objects.filter(active=True, person__user__isnull=False)
        .annotate(last_visit=Subquery(last))
        .order_by("person__order", "person_id", "enterprise__name", "id")
        .values_list(
            "id",
            "person__user_id",
            "enterprise_id",
            "enterprise__name",
            "started_on",
            "frequency_days",
            "reminded_for",
            "last_visit",
        )
    )
    frequencies = dict(Pairing._meta.get_field("frequency_days").flatchoices)
    visit_url = reverse("enterprises:visit_create")
    due: list[tuple] = []
    for pk, user_id, enterprise_id, name, started_on, frequency, reminded_for, last_visit in rows:
        next_due = (last_visit or started_on) + dt.timedelta(days=frequency)
        state = state_of(last_visit, next_due, today)
        if state == State.OK or reminded_for == next_due:
            continue
        body = (
            f"{State.LABELS[state]}，应于 {next_due:%Y-%m-%d} 前走访"
            f"（{frequencies.get(frequency, frequency)}）。"
        )
        url = f"{visit_url}?enterprise={enterprise_id}"
        due.append((pk, user_id, next_due, f"走访提醒：{name}", body, url))
    if due:
        users = User.objects.in_bulk({user_id for _, user_id, *_ in due})
        by_date: dict[dt.date, list[int]] = {}
        for pk, _, next_due, *_ in due:
            by_date.setdefault(next_due, []).append(pk)
        with transaction.atomic():
            notify_many(
                (users[user_id], title, body, url) for _, user_id, _, title, body, url in due
            )
            for next_due, ids in by_date.items():
                for part in chunked(ids):
                    Pairing.objects.filter(pk__in=part).update(reminded_for=next_due)
    return f"包联走访：发送走访提醒 {len(due)} 条"
