"""The demo county's three rules: a meetings register, leave, and reception time.

- Meetings of the past sixteen weeks: the principal leaders call township and platform heads
  together less and less often (so the weekly count shows meetings being cut), county leaders
  hold project meetings with departments, one leader's meeting with township heads was approved
  as an exception, one attempt was refused, and one waits for the principal's approval.
- Leave of the past half year: project-work leave linked to demo projects (approved at once),
  and personal or sick leave approved, refused or waiting for the usual approver.
- Reception time of every township and platform head from January of last year to today, this
  year about a fifth lower, and this year's reduction target of 20%.

Deterministic: everything comes from the ``rng`` given; the calendar is ``timezone.localdate``.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from tuijin.core.models import Person, Region, Unit
from tuijin.core.roles import DirectoryRole
from tuijin.outreach.models import OutreachTrip
from tuijin.projects.models import Project

from .leave import AUTO_NOTE, approver_for
from .meetings import HEAD_UNIT_KINDS, restricted_invitees
from .models import Half, Leave, Meeting, ReceptionLog, ReceptionTarget

TOPICS_PRINCIPAL = (
    "听取各乡镇、平台重点项目推进情况汇报",
    "百日集中推进行动调度",
    "研究重大项目要素保障问题",
    "部署项目建设“比学赶超”工作",
)
TOPICS_LEADER = (
    "{p}用地报批协调会",
    "{p}施工用电接入协调会",
    "{p}征迁扫尾工作调度",
    "{p}入库纳统推进会",
)
GUESTS = (
    "市发改委调研组",
    "省商务厅考察组",
    "市委督查组",
    "兄弟县考察团",
    "浙商考察团",
    "市工信局调研组",
    "客商来访",
    "上级领导调研",
)
PERSONAL = (
    (Leave.Reason.PERSONAL, "子女升学，需回老家办理手续"),
    (Leave.Reason.SICK, "住院复查"),
    (Leave.Reason.PERSONAL, "家中老人就医陪护"),
    (Leave.Reason.OTHER, "参加市里组织的业务培训"),
)


def _workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _aware(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _people(region: Region, role: str, **filters) -> list[Person]:
    return list(
        Person.objects.filter(region=region, roles__role=role, **filters)
        .select_related("unit")
        .order_by("order", "id")
    )


def seed_discipline(region: Region, rng: random.Random) -> None:
    rng = random.Random(rng.random())  # a stream of its own: other seeders stay as they were
    today = timezone.localdate()
    principals = _people(region, DirectoryRole.PRINCIPAL)
    leaders = _people(region, DirectoryRole.LEADER)
    heads = _people(region, DirectoryRole.UNIT_HEAD, unit__kind__in=HEAD_UNIT_KINDS)
    if not principals or not leaders or not heads:
        return
    projects = list(
        Project.objects.filter(region=region)
        .exclude(stage__in=["completed", "dropped"])
        .select_related("contact_leader", "lead_department", "host_unit")
        .order_by("id")
    )
    _seed_meetings(region, rng, today, principals, leaders, heads, projects)
    _seed_leave(region, rng, today, principals, leaders, projects)
    _seed_receptions(region, rng, today, heads)
    ReceptionTarget.objects.get_or_create(
        region=region, year=today.year, defaults={"reduction_percent": Decimal("20")}
    )


def _meeting(region, convener, held_on, topic, invitees, **fields) -> Meeting:
    invitees = [p for p in dict.fromkeys(invitees) if p != convener]
    meeting = Meeting.objects.create(
        region=region,
        convener=convener,
        held_on=held_on,
        topic=topic,
        restricted=bool(restricted_invitees(invitees)),
        **fields,
    )
    meeting.invitees.set(invitees)
    return meeting


def _seed_meetings(region, rng, today, principals, leaders, heads, projects) -> None:
    monday = today - dt.timedelta(days=today.weekday())
    liaisons = _people(region, DirectoryRole.UNIT_LIAISON, unit__kind=Unit.Kind.DEPARTMENT)
    deputies = _people(region, DirectoryRole.UNIT_DEPUTY)
    for weeks_ago in range(16, 0, -1):
        week = monday - dt.timedelta(weeks=weeks_ago)
        # Meetings calling township and platform heads together: three a week at first, one now.
        for _ in range(1 + (weeks_ago >= 6) + (weeks_ago >= 12)):
            held_on = week + dt.timedelta(days=rng.randrange(5))
            _meeting(
                region,
                rng.choice(principals),
                held_on,
                rng.choice(TOPICS_PRINCIPAL),
                rng.sample(heads, min(len(heads), rng.randrange(6, 12))),
                about_projects=True,
            )
        # County leaders' project meetings with departments: allowed, they call no heads.
        for leader in rng.sample(leaders, min(len(leaders), 2)):
            own = [p for p in projects if p.contact_leader_id == leader.pk] or projects
            project = rng.choice(own) if own else None
            topic = rng.choice(TOPICS_LEADER).format(p=project.name if project else "重点项目")
            pool = deputies + liaisons
            _meeting(
                region,
                leader,
                week + dt.timedelta(days=rng.randrange(5)),
                topic[:120],
                rng.sample(pool, min(len(pool), 4)),
                project=project,
                about_projects=True,
            )
    # The approved exception, the refused attempt, and one waiting for approval.
    executive, other = leaders[0], leaders[min(1, len(leaders) - 1)]
    held_on = _workday(monday - dt.timedelta(weeks=3) + dt.timedelta(days=2))
    _meeting(
        region,
        executive,
        held_on,
        "防汛救灾暨在建项目安全生产紧急调度会",
        heads[:8],
        status=Meeting.Status.APPROVED,
        approved_by=principals[-1],
        approved_at=_aware(held_on - dt.timedelta(days=1)),
        approval_note="汛期安全形势紧迫，同意召集，会议从简",
    )
    held_on = _workday(monday - dt.timedelta(weeks=2) + dt.timedelta(days=3))
    _meeting(
        region,
        other,
        held_on,
        "听取分管乡镇项目进展汇报",
        heads[2:6] or heads[:2],
        status=Meeting.Status.REFUSED,
        approved_by=principals[0],
        approved_at=_aware(held_on - dt.timedelta(days=2)),
        approval_note="请以书面形式报送进展，不必召集乡镇主要负责人开会",
    )
    _meeting(
        region,
        other,
        _workday(monday + dt.timedelta(days=9)),
        "研究临港物流园招商引资项目落地问题",
        heads[-4:],
        status=Meeting.Status.PENDING,
    )


def _seed_leave(region, rng, today, principals, leaders, projects) -> None:
    rows: list[Leave] = []
    busy: dict[int, list[tuple[dt.date, dt.date]]] = {}

    def free(person: Person, start: dt.date, end: dt.date) -> bool:
        taken = busy.setdefault(person.pk, [])
        if any(start <= e and s <= end for s, e in taken):
            return False
        taken.append((start, end))
        return True

    # Project work: the people answering for demo projects go to fairs, sites and investors.
    responsibles = [
        (pp.person, pp.project)
        for project in projects[:40]
        for pp in project.responsibles.select_related("person__unit").all()[:2]
    ] + [(p.contact_leader, p) for p in projects[:20] if p.contact_leader_id]
    picked = rng.sample(responsibles, min(len(responsibles), 24))
    # The demo township's liaison (account "township") was away on its own project lately.
    liaison = Person.objects.filter(region=region, unit__name="城关镇", user__isnull=False).first()
    hosted = [p for p in projects if liaison is not None and p.host_unit_id == liaison.unit_id]
    if hosted:
        picked.insert(0, (liaison, hosted[0]))
    for person, project in picked:
        days_ago = rng.randrange(2, 180) if person != liaison else rng.randrange(3, 20)
        start = _workday(today - dt.timedelta(days=days_ago))
        length = rng.choice((0, 0, 1, 2))
        end = start + dt.timedelta(days=length)
        if not free(person, start, end):
            continue
        rows.append(
            Leave(
                region=region,
                person=person,
                start_date=start,
                start_half=rng.choice((Half.AM, Half.AM, Half.PM)),
                end_date=end,
                end_half=Half.PM,
                reason_kind=Leave.Reason.PROJECT_WORK,
                reason=rng.choice(
                    (
                        "赴外地洽谈项目",
                        "陪同投资方踏勘项目现场",
                        "驻点协调项目施工",
                        "参加招商推介会",
                    )
                ),
                project=project,
                status=Leave.Status.AUTO_APPROVED,
                decided_at=_aware(start, 8),
                decision_note=AUTO_NOTE,
            )
        )
    # Leaders away on outreach trips (走出去) asked for leave linked to the trip.
    trips = (
        OutreachTrip.objects.filter(region=region, start_date__gte=today - dt.timedelta(days=180))
        .filter(start_date__lte=today)
        .prefetch_related("leaders")
        .order_by("start_date", "id")
    )
    for trip in list(trips)[:6]:
        person = next(iter(trip.leaders.all()), None)
        if person is None or not free(person, trip.start_date, trip.end_date):
            continue
        rows.append(
            Leave(
                region=region,
                person=person,
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
    staff = list(
        Person.objects.filter(region=region, unit__isnull=False)
        .select_related("unit")
        .order_by("order", "id")
    )
    township_liaison = next(
        (p for p in staff if p.unit.name == "城关镇" and p.user_id is not None), None
    )
    askers = rng.sample(staff, min(len(staff), 12)) + leaders[-2:]
    if township_liaison is not None:
        askers.append(township_liaison)
    for i, person in enumerate(askers):
        recent = i >= len(askers) - 4  # the last few are still waiting
        start = _workday(today + dt.timedelta(days=rng.randrange(1, 10)))
        if not recent:
            start = _workday(today - dt.timedelta(days=rng.randrange(5, 150)))
        end = start + dt.timedelta(days=rng.choice((0, 1, 2)))
        if not free(person, start, end):
            continue
        kind, reason = rng.choice(PERSONAL)
        approver = approver_for(person)
        fields: dict = {"status": Leave.Status.PENDING}
        if not recent:
            refused = rng.random() < 0.15
            fields = {
                "status": Leave.Status.REFUSED if refused else Leave.Status.APPROVED,
                "decided_by": approver,
                "decided_at": _aware(start - dt.timedelta(days=1), 17),
                "decision_note": "项目攻坚期，请调整时间" if refused else "同意",
            }
        rows.append(
            Leave(
                region=region,
                person=person,
                start_date=start,
                end_date=end,
                reason_kind=kind,
                reason=reason,
                approver=approver,
                **fields,
            )
        )
    Leave.objects.bulk_create(rows)


def _seed_receptions(region, rng, today, heads) -> None:
    rows: list[ReceptionLog] = []
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
            count = rng.randrange(3, 7) - (1 if this_year and rng.random() < 0.5 else 0)
            for day in sorted(rng.sample(days, min(len(days), max(count, 0)))):
                minutes = rng.choice((60, 90, 120, 150, 180, 240, 300))
                if this_year:
                    minutes = int(minutes * 0.9)
                rows.append(
                    ReceptionLog(
                        region=region,
                        person=head,
                        on_date=day,
                        minutes=minutes,
                        kind=rng.choice((ReceptionLog.Kind.RECEPTION, ReceptionLog.Kind.ACCOMPANY)),
                        guest=rng.choice(GUESTS),
                    )
                )
        month = next_month
    ReceptionLog.objects.bulk_create(rows, batch_size=500)
