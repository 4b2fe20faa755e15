"""The outreach part of ``tuijin seed --scale`` (order 50): per county about 20 trips of the
county leaders over the past year and about 60 project leads with their timelines.

Older leads got further: some are still at first contact, some dropped, and about a third were
converted into projects of the projects part (``ctx.ids["projects"]``, signed or beyond, each
project at most once). Run without projects, those leads stay at 达成意向: 已转项目 is only
reached by converting into a real project.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from tuijin.core.scale import ScaleContext, insert_rows, moments, register
from tuijin.enterprises.scale import Directory, cached_prep, county_directory, now_value
from tuijin.projects.models import Project, Stage

from .demo import CITIES, COMPANIES, NEXT_STEPS, OTHER_SOURCES, OUTCOMES, PURPOSES
from .models import Half, Lead, LeadEvent, LeadStatus, OutreachTrip

TRIPS = 20
# How far the 60 leads of a county got.
FATES = (
    [LeadStatus.CONTACT] * 14
    + [LeadStatus.TALKING] * 12
    + [LeadStatus.INTENT] * 9
    + [LeadStatus.DROPPED] * 7
    + [LeadStatus.CONVERTED] * 18
)
STAGE_NOTES = {
    LeadStatus.TALKING: "企业来县实地考察，双方进入深入洽谈",
    LeadStatus.INTENT: "双方签订投资意向书",
    LeadStatus.DROPPED: "企业调整投资计划，暂缓对外投资",
}


def _trips(ctx: ScaleContext, county, d: Directory, rng) -> list[tuple[OutreachTrip, list[int]]]:
    """The trips, each with the leaders on it (person ids)."""
    today = ctx.today
    leaders = d.county_leaders
    trips, companions = [], []
    for _ in range(TRIPS):
        start = today - dt.timedelta(days=rng.randint(3, 365))
        while start.weekday() >= 5:
            start -= dt.timedelta(days=1)
        length = rng.choice([0, 0, 1, 1, 2, 3])
        start_half = rng.choice([Half.AM, Half.AM, Half.PM])
        end_half = Half.PM if length == 0 else rng.choice([Half.PM, Half.PM, Half.AM])
        end = min(start + dt.timedelta(days=length), today - dt.timedelta(days=1))
        companies = rng.sample(COMPANIES, rng.randint(1, 3))
        trips.append(
            OutreachTrip(
                region=county,
                start_date=start,
                start_half=start_half,
                end_date=max(end, start),
                end_half=end_half,
                destination=rng.choice(CITIES),
                counterparts="\n".join(c[0] for c in companies),
                purpose=rng.choice(PURPOSES),
                outcome=rng.choice(OUTCOMES),
                created_by_id=d.office_user,
            )
        )
        team = [rng.choice(leaders)]
        if rng.random() < 0.2:
            team.append(rng.choice(leaders))
        companions.append(list(dict.fromkeys(team)))
    pairs = sorted(zip(trips, companions, strict=True), key=lambda pair: pair[0].start_date)
    OutreachTrip.objects.bulk_create([trip for trip, _ in pairs])
    insert_rows(
        OutreachTrip.leaders.through,
        ["outreachtrip_id", "person_id"],
        ((trip.pk, person) for trip, team in pairs for person in team),
    )
    return pairs


def _projects(ctx: ScaleContext, county) -> list[tuple]:
    """Projects a lead may have become: signed or beyond, of the projects part."""
    ids = ctx.ids.get("projects", {}).get(county.pk) or []
    if not ids:
        return []
    return list(
        Project.objects.filter(pk__in=ids, stage__in=[Stage.SIGNED, Stage.STARTED, Stage.COMPLETED])
        .order_by("id")
        .values_list("id", "name", "investor_name", "industry", "total_investment", "signed_on")
    )


def _leads(ctx: ScaleContext, county, d: Directory, trips, rng) -> tuple[int, int]:
    today = ctx.today
    leaders = d.county_leaders
    projects = _projects(ctx, county)
    convertible = rng.sample(projects, min(len(projects), FATES.count(LeadStatus.CONVERTED)))
    fates = list(FATES)
    rng.shuffle(fates)
    early = [t for t in trips if t[0].end_date < today - dt.timedelta(days=120)] or trips
    late = trips[len(trips) // 2 :] or trips
    leads: list[Lead] = []
    timelines: list[list[tuple]] = []
    used: set[str] = set()
    for index, fate in enumerate(fates):
        project = convertible.pop() if fate == LeadStatus.CONVERTED and convertible else None
        if fate == LeadStatus.CONVERTED and project is None:
            fate = LeadStatus.INTENT
        advanced = fate not in (LeadStatus.CONTACT, LeadStatus.TALKING)
        trip, team = rng.choice(early if advanced else late) if trips else (None, [])
        if rng.random() >= 0.8:
            trip = None
        company, industry, title = COMPANIES[index % len(COMPANIES)]
        if project is not None:
            title = project[1]
            company = project[2] or company
            industry = project[3] or industry
        for phase in "二三四五六七八九":
            if title not in used:
                break
            title = f"{COMPANIES[index % len(COMPANIES)][2]}{phase}期"
        used.add(title)
        if trip is not None:
            created_on = trip.end_date
            owner = rng.choice(team)
        else:
            created_on = today - dt.timedelta(days=rng.randint(20, 330))
            owner = rng.choice(leaders)
        amount = Decimal(rng.choice([3000, 5000, 8000, 12000, 20000, 35000, 60000]))
        if project is not None and project[4]:
            amount = project[4]
        lead = Lead(
            region=county,
            title=title[:120],
            company=company[:120],
            industry=industry[:40],
            intended_investment=amount,
            status=fate,
            owner_id=owner,
            trip=trip,
            source="" if trip else rng.choice(OTHER_SOURCES),
            notes=f"{company}拟在{county.name}投资建设{industry}项目。",
            created_on=created_on,
            created_by_id=d.office_user,
            project_id=project[0] if project else None,
        )
        events = [(LeadEvent.Kind.CREATED, "", LeadStatus.CONTACT, "登记线索", created_on)]
        room = max((today - created_on).days, 3)
        on = created_on
        for status in (LeadStatus.TALKING, LeadStatus.INTENT):
            if fate == LeadStatus.CONTACT or (fate == LeadStatus.TALKING and status != fate):
                break
            if fate == LeadStatus.DROPPED and status == LeadStatus.INTENT:
                break
            on = min(on + dt.timedelta(days=rng.randint(1, max(room // 4, 1))), today)
            previous = events[-1][2]
            events.append((LeadEvent.Kind.STAGE, previous, status, STAGE_NOTES[status], on))
        if fate == LeadStatus.DROPPED:
            on = min(on + dt.timedelta(days=rng.randint(10, 40)), today)
            text = STAGE_NOTES[LeadStatus.DROPPED]
            events.append((LeadEvent.Kind.STAGE, events[-1][2], fate, text, on))
        if fate == LeadStatus.CONVERTED:
            on = min(on + dt.timedelta(days=rng.randint(7, 30)), today)
            if project[5] is not None:
                on = max(created_on, min(on, project[5]))
            lead.converted_on = on
            text = f"转为项目：{project[1]}"[:300]
            events.append((LeadEvent.Kind.CONVERTED, LeadStatus.INTENT, fate, text, on))
        if lead.is_open:
            lead.next_step = rng.choice(NEXT_STEPS)
            lead.next_date = today + dt.timedelta(days=rng.randint(-4, 30))
        leads.append(lead)
        timelines.append(events)
    Lead.objects.bulk_create(leads)
    day = cached_prep(LeadEvent, "on_date")
    moment = moments(LeadEvent, "created_at")
    now = now_value(LeadEvent)
    names = d.names
    rows = (
        (
            lead.pk,
            kind,
            before,
            after,
            text,
            day(on),
            d.user_of.get(lead.owner_id),
            names.get(lead.owner_id, "")[:30],
            moment(on, 10, i) if on < ctx.today else now,
        )
        for lead, events in zip(leads, timelines, strict=True)
        for i, (kind, before, after, text, on) in enumerate(events)
    )
    count = insert_rows(
        LeadEvent,
        [
            "lead_id",
            "kind",
            "from_status",
            "to_status",
            "text",
            "on_date",
            "actor_id",
            "actor_name",
            "created_at",
        ],
        rows,
    )
    return len(leads), count


@register(50, "外出招商与项目线索")
def seed_outreach_at_scale(ctx: ScaleContext) -> None:
    """Per county: a year of the leaders' trips and the leads they brought."""
    for county in ctx.counties:
        d = county_directory(county)
        if not d.county_leaders:
            continue
        rng = ctx.rng_for("outreach", county)
        with transaction.atomic():
            trips = _trips(ctx, county, d, rng)
            leads, events = _leads(ctx, county, d, trips, rng)
        ctx.ids.setdefault("trips", {})[county.pk] = [trip.pk for trip, _ in trips]
        ctx.add("外出招商", len(trips))
        ctx.add("项目线索", leads)
        ctx.add("线索进展", events)
