"""The work-discipline part of ``tuijin seed --scale`` (order 70), in small proportion: per
county a meetings register of the past sixteen weeks, some leave, and the reception time of the
township and platform heads since January of last year.

As in the demo: the principal leaders call the township and platform heads together less and
less often, county leaders hold project meetings with departments (about the projects they
are contact leader of, from ``ctx.ids["projects"]``), one meeting of a leader with township
heads was approved, one refused, one waits; project-work leave is approved at once (some
linked to the outreach trips); reception time this year is about a fifth lower, against a
target of 20 %.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tuijin.core.scale import ScaleContext, insert_rows, register
from tuijin.enterprises.scale import Directory, cached_prep, county_directory, now_value
from tuijin.outreach.models import OutreachTrip
from tuijin.projects.models import Project, Stage

from .demo import GUESTS, PERSONAL, TOPICS_LEADER, TOPICS_PRINCIPAL
from .leave import AUTO_NOTE
from .meetings import HEAD_UNIT_KINDS
from .models import Half, Leave, Meeting, ReceptionLog, ReceptionTarget

WEEKS = 16
PROJECT_WORK = ("赴外地洽谈项目", "陪同投资方踏勘项目现场", "驻点协调项目施工", "参加招商推介会")


def _workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _aware(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _heads(d: Directory) -> list[int]:
    """Principal leaders of the townships and platforms (their units' heads)."""
    return [p for u in d.hosts if u.kind in HEAD_UNIT_KINDS for p in d.heads.get(u.pk, [])]


def _projects(ctx: ScaleContext, county) -> list[tuple[int, str, int | None]]:
    ids = ctx.ids.get("projects", {}).get(county.pk) or []
    if not ids:
        return []
    return list(
        Project.objects.filter(pk__in=ids)
        .exclude(stage__in=[Stage.COMPLETED, Stage.DROPPED])
        .order_by("id")
        .values_list("id", "name", "contact_leader_id")
    )


def _meetings(ctx, county, d: Directory, heads, projects, rng) -> int:
    today = ctx.today
    monday = today - dt.timedelta(days=today.weekday())
    principals, leaders = d.principals, d.leaders
    pool = [p for u in d.departments for p in d.deputies.get(u.pk, []) + d.liaisons.get(u.pk, [])]
    rows: list[tuple[Meeting, list[int]]] = []

    def meeting(convener, held_on, topic, invitees, **fields) -> None:
        invitees = [p for p in dict.fromkeys(invitees) if p != convener]
        restricted = any(p in head_set for p in invitees)
        rows.append(
            (
                Meeting(
                    region=county,
                    convener_id=convener,
                    held_on=held_on,
                    topic=topic[:120],
                    restricted=restricted,
                    registered_by_id=d.office_user,
                    **fields,
                ),
                invitees,
            )
        )

    head_set = set(heads)
    for weeks_ago in range(WEEKS, 0, -1):
        week = monday - dt.timedelta(weeks=weeks_ago)
        # Meetings calling township and platform heads together: three a week at first, one now.
        for _ in range(1 + (weeks_ago >= 6) + (weeks_ago >= 12)):
            invitees = rng.sample(heads, min(len(heads), rng.randrange(6, 12)))
            held_on = week + dt.timedelta(days=rng.randrange(5))
            meeting(
                rng.choice(principals),
                held_on,
                rng.choice(TOPICS_PRINCIPAL),
                invitees,
                about_projects=True,
            )
        # County leaders' project meetings with departments: allowed, they call no heads.
        for leader in rng.sample(leaders, min(len(leaders), 2)):
            own = [p for p in projects if p[2] == leader] or projects
            project = rng.choice(own) if own else None
            topic = rng.choice(TOPICS_LEADER).format(p=project[1] if project else "重点项目")
            meeting(
                leader,
                week + dt.timedelta(days=rng.randrange(5)),
                topic,
                rng.sample(pool, min(len(pool), 4)),
                project_id=project[0] if project else None,
                about_projects=True,
            )
    if len(leaders) >= 2 and heads:
        held_on = _workday(monday - dt.timedelta(weeks=3) + dt.timedelta(days=2))
        meeting(
            leaders[0],
            held_on,
            "防汛救灾暨在建项目安全生产紧急调度会",
            heads[:8],
            status=Meeting.Status.APPROVED,
            approved_by_id=principals[-1],
            approved_at=_aware(held_on - dt.timedelta(days=1)),
            approval_note="汛期安全形势紧迫，同意召集，会议从简",
        )
        held_on = _workday(monday - dt.timedelta(weeks=2) + dt.timedelta(days=3))
        meeting(
            leaders[1],
            held_on,
            "听取分管乡镇项目进展汇报",
            heads[2:6] or heads[:2],
            status=Meeting.Status.REFUSED,
            approved_by_id=principals[0],
            approved_at=_aware(held_on - dt.timedelta(days=2)),
            approval_note="请以书面形式报送进展，不必召集乡镇主要负责人开会",
        )
        meeting(
            leaders[1],
            _workday(monday + dt.timedelta(days=9)),
            "研究招商引资项目落地问题",
            heads[-4:],
            status=Meeting.Status.PENDING,
        )
    Meeting.objects.bulk_create([m for m, _ in rows])
    insert_rows(
        Meeting.invitees.through,
        ["meeting_id", "person_id"],
        ((m.pk, p) for m, invitees in rows for p in invitees),
    )
    return len(rows)


def _leave(ctx, county, d: Directory, projects, rng) -> int:
    today = ctx.today
    busy: dict[int, list[tuple[dt.date, dt.date]]] = {}

    def free(person: int, start: dt.date, end: dt.date) -> bool:
        taken = busy.setdefault(person, [])
        if any(start <= e and s <= end for s, e in taken):
            return False
        taken.append((start, end))
        return True

    def approver(person: int) -> int | None:
        unit = d.unit_of.get(person)
        heads = [p for p in d.heads.get(unit, []) if p != person] if unit else []
        if heads and person not in d.heads.get(unit, []):
            return heads[0]
        return next((p for p in d.principals if p != person), None)

    rows: list[Leave] = []
    staff = [p for people in d.staff.values() for p in people]
    # Project work: contact leaders and unit staff away on the county's projects.
    for _ in range(min(20, len(projects))):
        project = rng.choice(projects)
        person = project[2] if project[2] and rng.random() < 0.4 else rng.choice(staff)
        start = _workday(today - dt.timedelta(days=rng.randrange(2, 180)))
        end = start + dt.timedelta(days=rng.choice((0, 0, 1, 2)))
        if not free(person, start, end):
            continue
        rows.append(
            Leave(
                region=county,
                person_id=person,
                start_date=start,
                start_half=rng.choice((Half.AM, Half.AM, Half.PM)),
                end_date=end,
                end_half=Half.PM,
                reason_kind=Leave.Reason.PROJECT_WORK,
                reason=rng.choice(PROJECT_WORK),
                project_id=project[0],
                status=Leave.Status.AUTO_APPROVED,
                decided_at=_aware(start, 8),
                decision_note=AUTO_NOTE,
            )
        )
    # Leaders away on outreach trips asked for leave linked to the trip.
    trips = list(
        OutreachTrip.objects.filter(
            region=county, start_date__gte=today - dt.timedelta(days=180), start_date__lte=today
        ).order_by("start_date", "id")[:6]
    )
    trip_leaders: dict[int, int] = {}
    for trip_id, person in (
        OutreachTrip.leaders.through.objects.filter(outreachtrip_id__in=[t.pk for t in trips])
        .order_by("id")
        .values_list("outreachtrip_id", "person_id")
    ):
        trip_leaders.setdefault(trip_id, person)
    for trip in trips:
        person = trip_leaders.get(trip.pk)
        if person is None or not free(person, trip.start_date, trip.end_date):
            continue
        rows.append(
            Leave(
                region=county,
                person_id=person,
                start_date=trip.start_date,
                start_half=trip.start_half,
                end_date=trip.end_date,
                end_half=trip.end_half,
                reason_kind=Leave.Reason.PROJECT_WORK,
                reason=f"赴{trip.destination}招商洽谈",
                trip=trip,
                status=Leave.Status.AUTO_APPROVED,
                decided_at=_aware(trip.start_date, 8),
                decision_note=AUTO_NOTE,
            )
        )
    # Other leave, to the usual approver: mostly decided, a few still waiting.
    askers = rng.sample(staff, min(len(staff), 12)) + d.leaders[-2:]
    for i, person in enumerate(askers):
        waiting = i >= len(askers) - 4
        if waiting:
            start = _workday(today + dt.timedelta(days=rng.randrange(1, 10)))
        else:
            start = _workday(today - dt.timedelta(days=rng.randrange(5, 150)))
        end = start + dt.timedelta(days=rng.choice((0, 1, 2)))
        if not free(person, start, end):
            continue
        kind, reason = rng.choice(PERSONAL)
        who = approver(person)
        fields: dict = {"status": Leave.Status.PENDING}
        if not waiting:
            refused = rng.random() < 0.15
            fields = {
                "status": Leave.Status.REFUSED if refused else Leave.Status.APPROVED,
                "decided_by_id": who,
                "decided_at": _aware(start - dt.timedelta(days=1), 17),
                "decision_note": "项目攻坚期，请调整时间" if refused else "同意",
            }
        rows.append(
            Leave(
                region=county,
                person_id=person,
                start_date=start,
                end_date=end,
                reason_kind=kind,
                reason=reason,
                approver_id=who,
                **fields,
            )
        )
    Leave.objects.bulk_create(rows)
    return len(rows)


def _receptions(ctx, county, heads, rng) -> int:
    today = ctx.today
    day = cached_prep(ReceptionLog, "on_date")
    now = now_value(ReceptionLog)
    kinds = (ReceptionLog.Kind.RECEPTION, ReceptionLog.Kind.ACCOMPANY)
    rows = []
    month = dt.date(today.year - 1, 1, 1)
    while month <= today:
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        days = [
            month + dt.timedelta(days=n)
            for n in range((next_month - month).days)
            if month + dt.timedelta(days=n) <= today
        ]
        this_year = month.year == today.year
        for head in heads:
            count = rng.randrange(2, 5) - (1 if this_year and rng.random() < 0.5 else 0)
            for on in sorted(rng.sample(days, min(len(days), max(count, 0)))):
                minutes = rng.choice((60, 90, 120, 150, 180, 240, 300))
                if this_year:
                    minutes = int(minutes * 0.9)
                rows.append(
                    (
                        county.pk,
                        head,
                        day(on),
                        minutes,
                        rng.choice(kinds),
                        rng.choice(GUESTS),
                        "",
                        now,
                    )
                )
        month = next_month
    return insert_rows(
        ReceptionLog,
        ["region_id", "person_id", "on_date", "minutes", "kind", "guest", "note", "created_at"],
        rows,
    )


@register(70, "会议、请假与接待")
def seed_discipline_at_scale(ctx: ScaleContext) -> None:
    """Per county: the meetings register, leave and reception time, and this year's target."""
    for county in ctx.counties:
        d = county_directory(county)
        heads = _heads(d)
        if not d.principals or not d.leaders or not heads:
            continue
        rng = ctx.rng_for("discipline", county)
        projects = _projects(ctx, county)
        with transaction.atomic():
            meetings = _meetings(ctx, county, d, heads, projects, rng)
            leave = _leave(ctx, county, d, projects, rng)
            receptions = _receptions(ctx, county, heads, rng)
            ReceptionTarget.objects.create(
                region=county, year=ctx.today.year, reduction_percent=Decimal("20")
            )
        ctx.add("会议登记", meetings)
        ctx.add("请假", leave)
        ctx.add("接待陪访", receptions)
