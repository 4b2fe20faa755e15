"""The requests' part of ``tuijin seed --scale`` (order 40): per county about 3,000 requests
of the past year with their steps, and the portal accounts of about a hundred enterprises.

Sources: the opinions heard on the seeded visits (about 400 become requests), the portal (only
enterprises with a verified account file there), the 12345 hotline and leaders. Each request
walks received → dispatched → accepted → replied → rated/called back → resolved as far as its
age makes likely; some go to the wrong unit first, some are extended, some reopened, some
answered late and escalated, and the young ones are still open (a few of them overdue).

Numbers follow the product's rule (诉〔year〕N号, per county and year, 1..N by receipt date),
so a request filed through ``services.appeal_receive`` afterwards takes the next one. The
first county's enterprise persona (``ctx.users["enterprise"]``, made here unless given) is a
verified account of an above-scale enterprise with requests in every state.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from tuijin.core import workdays
from tuijin.core.models import Unit, User
from tuijin.core.roles import Role
from tuijin.core.scale import BATCH, ScaleContext, insert_rows, moments, register
from tuijin.enterprises.models import Enterprise, Pairing, VisitOpinion
from tuijin.enterprises.scale import (
    Directory,
    Weighted,
    cached_prep,
    county_directory,
    county_prefix,
    initials,
    mobile,
    next_id,
    now_value,
    password_hash,
    reset_sequences,
)

from . import deadlines
from .demo import CLOSINGS, KINDS, OPENINGS, OPINION_TOPICS, REPLIES, TOPICS, _Days, _fill
from .models import Appeal, AppealEvent, EnterpriseAccount

TOTAL = 3000
FROM_VISITS = 400
ACCOUNTS = 100  # enterprises with a portal account, per county
UNVERIFIED = 5  # of which still waiting for the office
# Besides the portal (account holders only): the hotline and leaders.
OTHER_SOURCES = Weighted([(Appeal.Source.HOTLINE, 62), (Appeal.Source.LEADER, 38)])
PERSONA_DAYS_AGO = [0, 1, 2, 3, 4, 6, 7, 8, 10, 11, 20, 35, 60, 120, 200]
FREE_NAMES = ["鑫源五金加工厂", "老街食品作坊", "兴旺养殖专业合作社", "顺达汽修店", "绿野家庭农场"]
# Share of replies given after the resolve date; three working days late is escalated.
LATE_REPLY = 0.08
ESCALATE_AFTER = 3

Status = Appeal.Status
Kind = AppealEvent.Kind
Topic = Appeal.Topic


# How far a request of a given age has come: old ones closed, a few still pending.
OLD = Weighted([(Status.RESOLVED, 99.3), (Status.REPLIED, 0.6), (Status.ACCEPTED, 0.1)])
MIDDLE = Weighted(
    [(Status.RESOLVED, 88), (Status.REPLIED, 10), (Status.ACCEPTED, 1.7), (Status.DISPATCHED, 0.3)]
)
# The young: a few days in the pool or waiting to be signed for, then mostly answered in time.
FRESH = Weighted([(Status.NEW, 30), (Status.DISPATCHED, 40), (Status.ACCEPTED, 30)])
DAYS_OLD = Weighted(
    [
        (Status.NEW, 3),
        (Status.DISPATCHED, 7),
        (Status.ACCEPTED, 45),
        (Status.REPLIED, 35),
        (Status.RESOLVED, 10),
    ]
)
WEEK_OLD = Weighted(
    [(Status.DISPATCHED, 1), (Status.ACCEPTED, 12), (Status.REPLIED, 45), (Status.RESOLVED, 42)]
)
TOPIC_CHOICE = Weighted((topic, spec[0]) for topic, spec in TOPICS.items())
KIND_CHOICE = Weighted(KINDS)
RATINGS = Weighted([(Appeal.Rating.SATISFIED, 84), (Appeal.Rating.BASIC, 16)])
SOURCE_LABELS = dict(Appeal.Source.choices)
RATING_LABELS = dict(Appeal.Rating.choices)


def _state(rng, age: int) -> str:
    """How far a request received ``age`` days ago has come."""
    if age > 12:
        return (OLD if age > 40 else MIDDLE).pick(rng)
    return (WEEK_OLD if age > 6 else DAYS_OLD if age > 2 else FRESH).pick(rng)


APPEAL_COLUMNS = [
    "id",
    "year",
    "number",
    "source",
    "enterprise_id",
    "enterprise_name",
    "contact_name",
    "contact_mobile",
    "visit_opinion_id",
    "hotline_number",
    "kind",
    "topic",
    "urgency",
    "title",
    "text",
    "status",
    "lead_unit_id",
    "received_on",
    "dispatched_on",
    "accept_due",
    "reply_due",
    "resolve_due",
    "due_provisional",
    "extended",
    "accepted_on",
    "first_reply_on",
    "replied_on",
    "resolved_on",
    "rating",
    "reopen_count",
    "escalated",
    "created_by_id",
]
DATE_INDEXES = frozenset(
    i for i, name in enumerate(APPEAL_COLUMNS) if name.endswith(("_on", "_due"))
)


@dataclass(slots=True)
class _Appeal:
    """A request as the walk builds it; ``row`` gives its columns (``APPEAL_COLUMNS``)."""

    pk: int
    year: int
    number: int
    source: str
    enterprise: int | None
    enterprise_name: str
    contact_name: str
    contact_mobile: str
    visit_opinion: int | None
    hotline_number: str
    kind: str
    topic: str
    urgency: str
    title: str
    text: str
    received_on: dt.date
    created_by: int | None
    status: str = Status.NEW
    lead_unit: int | None = None
    dispatched_on: dt.date | None = None
    accept_due: dt.date | None = None
    reply_due: dt.date | None = None
    resolve_due: dt.date | None = None
    due_provisional: bool = False
    extended: bool = False
    accepted_on: dt.date | None = None
    first_reply_on: dt.date | None = None
    replied_on: dt.date | None = None
    resolved_on: dt.date | None = None
    rating: str = ""
    reopen_count: int = 0
    escalated: bool = False

    def row(self) -> tuple:
        return (
            self.pk,
            self.year,
            self.number,
            self.source,
            self.enterprise,
            self.enterprise_name,
            self.contact_name,
            self.contact_mobile,
            self.visit_opinion,
            self.hotline_number,
            self.kind,
            self.topic,
            self.urgency,
            self.title,
            self.text,
            self.status,
            self.lead_unit,
            self.received_on,
            self.dispatched_on,
            self.accept_due,
            self.reply_due,
            self.resolve_due,
            self.due_provisional,
            self.extended,
            self.accepted_on,
            self.first_reply_on,
            self.replied_on,
            self.resolved_on,
            self.rating,
            self.reopen_count,
            self.escalated,
            self.created_by,
        )


@functools.cache
def _calendar(today: dt.date) -> tuple[_Days, frozenset[int]]:
    """Working days of the seeded span, and the years the official calendar does not know."""
    days = _Days(today - dt.timedelta(days=400), today + dt.timedelta(days=200))
    years = range(today.year - 2, today.year + 2)
    provisional = frozenset(y for y in years if workdays.is_workday(dt.date(y, 6, 1)).provisional)
    return days, provisional


class _Units:
    """The county's handling units for a topic, by the names the demo's texts use."""

    def __init__(self, d: Directory):
        self.by_name = {u.name: u.pk for u in d.units}
        self.names = {u.pk: u.name for u in d.units}
        self.departments = [u.pk for u in d.departments] or [u.pk for u in d.units]

    def find(self, name: str, host: int | None, rng) -> int:
        if name == "host" and host:
            return host
        if name in self.by_name:
            return self.by_name[name]
        key = name.removeprefix("县")[:2]
        for unit_name, pk in self.by_name.items():
            if key in unit_name:
                self.by_name[name] = pk
                return pk
        return host or rng.choice(self.departments)


# ---------------------------------------------------------------------------
# Portal accounts


def _accounts(ctx: ScaleContext, county, d: Directory, enterprises: list[tuple], rng):
    """About a hundred portal accounts (a few unverified); the persona in the first county."""
    first = county.pk == ctx.counties[0].pk
    above = [e for e in enterprises if e[5]]
    township_ids = {u.pk for u in d.hosts if u.kind == Unit.Kind.TOWNSHIP}
    persona_enterprise = None
    if first and above:
        persona_enterprise = next((e for e in above if e[4] in township_ids), above[0])
    pool = [e for e in enterprises if e is not persona_enterprise]
    chosen = rng.sample(pool, min(ACCOUNTS, len(pool)))
    taken = set(
        User.objects.filter(mobile__in=[e[3] for e in chosen]).values_list("mobile", flat=True)
    )
    names = set(User.objects.filter(username__startswith="qy").values_list("username", flat=True))
    group = Group.objects.get(name=Role.ENTERPRISE.value)
    users: list[User] = []
    for enterprise in chosen:
        number = enterprise[3]
        while number in taken:
            number = mobile(rng)
        taken.add(number)
        name = f"qy{rng.getrandbits(40):010x}"  # opaque, as the portal's own (seeded)
        while name in names:
            name = f"qy{rng.getrandbits(40):010x}"
        names.add(name)
        users.append(
            User(
                username=name,
                mobile=number,
                password=password_hash(),
                region=county,
                display_name=enterprise[2] or "企业联系人",
            )
        )
    persona = None
    if first:  # given by the caller, or an account of that name not yet linked to anyone
        persona = (
            ctx.users.get("enterprise")
            or User.objects.filter(username="enterprise", enterprise_account=None).first()
        )
    if persona_enterprise is not None and persona is None:
        persona = User(
            username="enterprise",
            password=password_hash(),
            region=county,
            display_name=persona_enterprise[2] or "演示企业",
        )
        users.append(persona)
    User.objects.bulk_create(users, batch_size=BATCH)
    insert_rows(User.groups.through, ["user_id", "group_id"], ((u.pk, group.pk) for u in users))
    verified_at = timezone.make_aware(dt.datetime.combine(ctx.today, dt.time(10)))
    rows = []
    for i, (enterprise, user) in enumerate(zip(chosen, users, strict=False)):
        verified = i >= UNVERIFIED
        rows.append(
            EnterpriseAccount(
                user=user,
                enterprise_id=enterprise[0],
                contact_name=enterprise[2] or "企业联系人",
                contact_mobile=user.mobile,
                verified=verified,
                verified_by_id=d.office_user if verified else None,
                verified_at=verified_at - dt.timedelta(days=rng.randint(30, 500))
                if verified
                else None,
            )
        )
    if persona_enterprise is not None:
        rows.append(
            EnterpriseAccount(
                user=persona,
                enterprise_id=persona_enterprise[0],
                contact_name=persona_enterprise[2] or "演示企业",
                contact_mobile=persona_enterprise[3],
                verified=True,
                verified_by_id=d.office_user,
                verified_at=verified_at - dt.timedelta(days=400),
            )
        )
        ctx.users["enterprise"] = persona
    EnterpriseAccount.objects.bulk_create(rows, batch_size=BATCH)
    # (enterprise row, account user id) of the verified accounts: who files on the portal
    portal = [(e, u.pk) for e, u, r in zip(chosen, users, rows, strict=False) if r.verified]
    if persona_enterprise is not None:
        portal.insert(0, (persona_enterprise, persona.pk))
    return portal, len(rows)


# ---------------------------------------------------------------------------
# Requests


def _specs(ctx, county, enterprises, portal, rng) -> list[tuple]:
    """(received, source, enterprise row or None, topic, opinion id, title, text, filer)."""
    today = ctx.today
    prefix = county_prefix(county)
    opinions = list(
        VisitOpinion.objects.filter(visit__enterprise__region=county)
        .order_by("id")
        .values_list("id", "text", "measure", "visit__visited_on", "visit__enterprise_id")
    )
    by_id = {e[0]: e for e in enterprises}
    specs = []
    converted = [o for o in opinions if rng.random() < 0.6 and o[3] < today][:FROM_VISITS]
    for pk, text, measure, visited_on, enterprise_id in converted:
        topic = next((t for word, t in OPINION_TOPICS if word in text), Topic.OTHER)
        received = min(today, visited_on + dt.timedelta(days=rng.randint(0, 2)))
        body = text + (f"\n现场商定措施：{measure}" if measure else "")
        specs.append(
            (received, Appeal.Source.VISIT, by_id[enterprise_id], topic, pk, text[:40], body, None)
        )

    def one(source, enterprise, filer, received=None):
        topic = TOPIC_CHOICE.pick(rng)
        title, template = rng.choice(TOPICS[topic][2])
        if received is None:
            received = today - dt.timedelta(days=min(364, int(rng.expovariate(1 / 110))))
        opening = rng.choice(OPENINGS[source]).format(place=prefix)
        text = opening + _fill(template, rng) + rng.choice(CLOSINGS)
        specs.append((received, source, enterprise, topic, None, title, text, filer))

    for i, (enterprise, user_id) in enumerate(portal):
        if i == 0 and county.pk == ctx.counties[0].pk and ctx.users.get("enterprise"):
            # The persona: most of its requests recent, so that every state shows on its page.
            for ago in PERSONA_DAYS_AGO:
                one(Appeal.Source.PORTAL, enterprise, user_id, today - dt.timedelta(days=ago))
            continue
        for _ in range(rng.randint(3, 12)):
            one(Appeal.Source.PORTAL, enterprise, user_id)
    while len(specs) < TOTAL:
        enterprise = rng.choice(enterprises) if rng.random() >= 0.05 else None
        one(OTHER_SOURCES.pick(rng), enterprise, None)
    specs.sort(key=lambda s: (s[0], s[1]))
    return specs


def _appeals(ctx, county, d: Directory, rng) -> tuple[list[int], int, int]:
    today = ctx.today
    days, provisional = _calendar(today)
    units = _Units(d)
    office = d.office_user
    enterprises = list(
        Enterprise.objects.filter(region=county)
        .order_by("id")
        .values_list("id", "name", "contact_name", "contact_mobile", "host_unit_id", "above_scale")
    )
    if not enterprises or not d.units:
        return [], 0, 0
    portal, accounts = _accounts(ctx, county, d, enterprises, rng)
    specs = _specs(ctx, county, enterprises, portal, rng)
    paired: dict[int, str] = {}
    for enterprise_id, name in (
        Pairing.objects.filter(enterprise__region=county, active=True)
        .order_by("id")
        .values_list("enterprise_id", "person__name")
    ):
        paired.setdefault(enterprise_id, name)
    rules = {key: deadlines.default_rule(county, *key) for key in deadlines.DEFAULTS}
    hotline_prefix = (initials(county_prefix(county)) or "gd").upper()[:4]
    free_prefix = getattr(county, "name", "")

    numbers: dict[int, int] = {}
    first = next_id(Appeal)
    appeals: list[_Appeal] = []
    plans: list[list[tuple]] = []
    co_links: list[tuple[int, int]] = []
    hotline_serial = 0
    for received, source, enterprise, topic, opinion, title, text, filer in specs:
        kind = KIND_CHOICE.pick(rng)
        if title.startswith("咨询"):
            kind = Appeal.Kind.CONSULT
        urgency = Appeal.Urgency.URGENT if rng.random() < 0.05 else Appeal.Urgency.NORMAL
        numbers[received.year] = numbers.get(received.year, 0) + 1
        hotline = ""
        if source == Appeal.Source.HOTLINE:
            hotline_serial += 1
            hotline = f"{hotline_prefix}{received:%Y%m}{hotline_serial:05d}"
        candidates = TOPICS[topic][1]
        lead_name = candidates[0] if rng.random() < 0.7 else rng.choice(candidates)
        host = enterprise[4] if enterprise else None
        lead = units.find(lead_name, host, rng)
        state = _state(rng, (today - received).days)
        appeal = _Appeal(
            pk=first + len(appeals),
            year=received.year,
            number=numbers[received.year],
            source=source,
            enterprise=enterprise[0] if enterprise else None,
            enterprise_name=enterprise[1] if enterprise else free_prefix + rng.choice(FREE_NAMES),
            contact_name=enterprise[2] if enterprise else "",
            contact_mobile=enterprise[3] if enterprise else "",
            visit_opinion=opinion,
            hotline_number=hotline,
            kind=kind,
            topic=topic,
            urgency=urgency,
            title=title[:80],
            text=text,
            received_on=received,
            created_by=filer or office,
        )
        line = f"来源：{SOURCE_LABELS[source]}"
        if hotline:
            line += f"，工单编号 {hotline}"
        # (kind, date, text, unit id, stage, days, actor id)
        events = [(Kind.RECEIVED, received, line, None, "", None, filer or office)]
        appeals.append(appeal)
        plans.append(events)
        if state != Status.NEW:
            _walk(rng, appeal, events, state, today, days, units, rules, lead, paired, office)
            if rng.random() < 0.15:
                co = units.find(rng.choice(candidates[1:] or ["县发展和改革局"]), None, rng)
                if co != appeal.lead_unit:
                    co_links.append((appeal.pk, co))
        if appeal.resolve_due is not None:
            appeal.due_provisional = appeal.resolve_due.year in provisional

    day = cached_prep(AppealEvent, "on_date")
    now = now_value(Appeal)
    insert_rows(
        Appeal,
        ["region_id", *APPEAL_COLUMNS, "created_at"],
        (
            (county.pk, *(day(v) if i in DATE_INDEXES else v for i, v in enumerate(a.row())), now)
            for a in appeals
        ),
    )
    moment = moments(AppealEvent, "at")
    events = insert_rows(
        AppealEvent,
        ["appeal_id", "kind", "at", "on_date", "actor_id", "unit_id", "text", "stage", "days"],
        (
            (
                appeal.pk,
                kind,
                moment(on, 9 + i // 60, i % 60),
                day(on),
                actor,
                unit,
                text,
                stage,
                extra,
            )
            for appeal, steps in zip(appeals, plans, strict=True)
            for i, (kind, on, text, unit, stage, extra, actor) in enumerate(steps)
        ),
    )
    insert_rows(Appeal.co_units.through, ["appeal_id", "unit_id"], co_links)
    return [a.pk for a in appeals], events, accounts


def _walk(rng, appeal, events, state, today, days, units, rules, lead, paired, office) -> None:
    """Take a dispatched request as far as ``state``, writing its steps as the services do."""
    rule = rules[(appeal.kind, appeal.urgency)]
    received = appeal.received_on
    dispatched = days.add(received, rng.choice([0, 0, 1]))
    if dispatched > today:
        dispatched = received
    if rng.random() < 0.03:  # sent to the wrong unit first, which returned it
        wrong = rng.choice(units.departments)
        if wrong != lead:
            name = units.names[wrong]
            events.append(
                (Kind.DISPATCHED, dispatched, f"分派给{name}主办", wrong, "", None, office)
            )
            back = days.add(dispatched, 1)
            if back < today:
                events.append(
                    (
                        Kind.SENT_BACK,
                        back,
                        "该事项不属本单位职责，请重新分派",
                        wrong,
                        "",
                        None,
                        None,
                    )
                )
                dispatched = back
    appeal.lead_unit, appeal.dispatched_on, appeal.status = lead, dispatched, Status.DISPATCHED
    appeal.accept_due = days.add(dispatched, rule.accept_days)
    appeal.reply_due = days.add(dispatched, rule.reply_days)
    appeal.resolve_due = days.add(dispatched, rule.resolve_days)
    lead_name = units.names.get(lead, "")
    events.append((Kind.DISPATCHED, dispatched, f"分派给{lead_name}主办", lead, "", None, office))
    if state == Status.DISPATCHED:
        _chase(appeal, events, today, days, paired, lead_name)
        return
    slow = rng.random() < 0.08
    accepted = min(today, days.add(dispatched, 2 if slow else 0))
    appeal.accepted_on, appeal.status = accepted, Status.ACCEPTED
    events.append((Kind.ACCEPTED, accepted, "", lead, "", None, None))
    if rng.random() < 0.05 and appeal.resolve_due > accepted:
        extra = rng.choice([3, 5, 10])
        text = f"申请延期 {extra} 个工作日：需协调多个部门会商"
        events.append((Kind.EXTENSION_ASKED, accepted, text, lead, "", extra, None))
        decided = min(today, days.add(accepted, 1))
        if rng.random() < 0.8:
            new_due = days.add(appeal.resolve_due, extra)
            text = (
                f"同意延期 {extra} 个工作日，办结期限由 {appeal.resolve_due:%Y-%m-%d} "
                f"改为 {new_due:%Y-%m-%d}"
            )
            events.append((Kind.EXTENSION_APPROVED, decided, text, None, "", extra, office))
            appeal.resolve_due, appeal.extended = new_due, True
        else:
            events.append(
                (Kind.EXTENSION_REFUSED, decided, "时限内可以办结", None, "", None, office)
            )
    if state == Status.ACCEPTED:
        _chase(appeal, events, today, days, paired, lead_name)
        return
    span = max(0, days.count(accepted + dt.timedelta(days=1), appeal.resolve_due))
    replied = days.add(accepted, rng.randint(0, max(0, span - 1)) if span else 0)
    if rng.random() < LATE_REPLY:
        replied = days.add(appeal.resolve_due, rng.randint(1, 6))
    replied = min(replied, today)
    late = days.count(appeal.resolve_due + dt.timedelta(days=1), replied)
    if late >= ESCALATE_AFTER:
        _escalate(appeal, events, days, paired, lead_name)
    reply_text = REPLIES[appeal.topic]
    if rng.random() < 0.07 and replied < today - dt.timedelta(days=10):
        # The enterprise was not satisfied: reopened, answered again.
        appeal.first_reply_on = replied
        events.append((Kind.REPLIED, replied, reply_text, lead, "", None, None))
        rated = min(today, days.add(replied, rng.randint(1, 4)))
        events.append((Kind.RATED, rated, "不满意。问题尚未根本解决", None, "", None, None))
        appeal.reply_due = days.add(rated, rule.reply_days)
        appeal.resolve_due = days.add(rated, rule.resolve_days)
        appeal.reopen_count = 1
        text = (
            f"企业不满意，第 1 次重新办理；答复期限 {appeal.reply_due:%Y-%m-%d}，"
            f"办结期限 {appeal.resolve_due:%Y-%m-%d}"
        )
        events.append((Kind.REOPENED, rated, text, lead, "", None, None))
        replied = min(today, days.add(rated, rng.randint(1, 3)))
        reply_text = "已再次会同相关部门现场办理，" + reply_text
    appeal.first_reply_on = appeal.first_reply_on or replied
    appeal.replied_on, appeal.status = replied, Status.REPLIED
    events.append((Kind.REPLIED, replied, reply_text, lead, "", None, None))
    rate_due = days.add(replied, 5)
    call = "答复后 5 个工作日企业未评价，请电话回访"
    if state == Status.REPLIED:
        if rate_due <= today:
            events.append((Kind.FOLLOW_UP_DUE, rate_due, call, None, "rate", None, None))
        return
    rating = RATINGS.pick(rng)
    label = RATING_LABELS[rating]
    by_call = rng.random() < 0.25
    closed = min(today, rate_due if by_call else days.add(replied, rng.randint(0, 4)))
    if by_call:
        events.append((Kind.FOLLOW_UP_DUE, rate_due, call, None, "rate", None, None))
        text = f"{label}。电话回访，企业认可办理结果"
        events.append((Kind.FOLLOW_UP, closed, text, None, "", None, office))
    else:
        events.append((Kind.RATED, closed, label, None, "", None, None))
    events.append((Kind.RESOLVED, closed, f"企业评价{label}，办结", None, "", None, None))
    appeal.rating, appeal.resolved_on, appeal.status = rating, closed, Status.RESOLVED


def _chase(appeal, events, today, days, paired, lead_name) -> None:
    """An open request past its resolve date: reminded, and escalated after three days."""
    due = appeal.resolve_due
    if due >= today:
        return
    late = days.count(due + dt.timedelta(days=1), today)
    eve = days.add(due, 1)
    if late:
        text = f"办结已逾期 1 个工作日（期限 {due:%Y-%m-%d}）"
        events.append((Kind.REMINDED, eve, text, None, "resolve", None, None))
    if late >= ESCALATE_AFTER:
        _escalate(appeal, events, days, paired, lead_name)


def _escalate(appeal, events, days, paired, lead_name) -> None:
    on = days.add(appeal.resolve_due, ESCALATE_AFTER)
    leader = paired.get(appeal.enterprise)
    if leader:
        text = f"逾期 {ESCALATE_AFTER} 个工作日，已报包联领导{leader}"
    else:
        text = f"逾期 {ESCALATE_AFTER} 个工作日，已报县企业服务办督促{lead_name}办理"
    events.append((Kind.ESCALATED, on, text, None, "resolve", None, None))
    appeal.escalated = True


@register(40, "企业诉求")
def seed_appeals_at_scale(ctx: ScaleContext) -> None:
    """Per county: portal accounts and a year of requests with their steps."""
    ids = ctx.ids.setdefault("appeals", {})
    for county in ctx.counties:
        d = county_directory(county)
        rng = ctx.rng_for("appeals", county)
        with transaction.atomic():
            appeals, events, accounts = _appeals(ctx, county, d, rng)
        if not appeals:
            continue
        ids[county.pk] = appeals
        ctx.add("企业诉求", len(appeals))
        ctx.add("诉求办理记录", events)
        ctx.add("企业账号", accounts)
    reset_sequences(Appeal)
