"""The requests' part of the nightly sweep: reminders, escalation, follow-up call tasks.

For each open request, the stage it is in and that stage's due date:

- 待签收: accept (``accept_due``); 办理中: first reply (``reply_due``), and resolve
  (``resolve_due``) once that is the nearer concern — a request past its resolve date is
  reminded about resolving, whatever else is late;
- 已答复待评价: rate, due 5 working days after the reply.

One reminder the working day before the due date, and one every working day after it, to
the lead unit's people. Reminders are ``AppealEvent(kind=REMINDED, stage, on_date)``: running
the sweep twice on a day sends nothing twice. After ``TUIJIN_APPEAL_ESCALATE_AFTER`` (3)
overdue working days on resolve, the request is escalated once: a supervision order to the
lead unit when the county has a supervision office account, else a message to the
enterprise's contact (paired) leaders. The rate stage does not close anything: when the
enterprise has not rated after 5 working days, the office gets a follow-up call task.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet

from tuijin.core import request_memo, workdays
from tuijin.core.audit import AuditBatch
from tuijin.core.bulk import insert_returning
from tuijin.core.models import Person, Unit, User, notify_many
from tuijin.core.roles import DirectoryRole, Role
from tuijin.core.sweeps import chunked, link_to
from tuijin.enterprises.models import Pairing
from tuijin.supervision.models import SupervisionOrder

from . import services
from .models import SERVICE_OFFICE_ROLES, Appeal, AppealEvent, EnterpriseAccount

log = logging.getLogger(__name__)

Status = Appeal.Status
Kind = AppealEvent.Kind

ESCALATE_AFTER_WORKDAYS = 3
# Working days a supervision order raised by an escalation gives the unit.
ESCALATION_ORDER_DAYS = 5
STAGE_LABELS = {"accept": "签收", "reply": "首次答复", "resolve": "办结", "rate": "评价"}
# Who answers for a unit when the county escalates: its head, a deputy, its liaison.
RESPONSIBLE_ORDER = (
    DirectoryRole.UNIT_HEAD,
    DirectoryRole.UNIT_DEPUTY,
    DirectoryRole.UNIT_LIAISON,
)


# What the sweep reads of each open request (its text and the rest stay in the database),
# in the order of the model's columns.
SWEEP_FIELDS = (
    "id",
    "region_id",
    "year",
    "number",
    "enterprise_id",
    "enterprise_name",
    "title",
    "status",
    "lead_unit_id",
    "accept_due",
    "reply_due",
    "resolve_due",
    "replied_on",
    "escalated",
)


class _Open(NamedTuple):
    """An open request as the sweep first reads it: plain values, no model object (most
    requests need nothing on a given day). Same names as the model's, for ``current_stage``."""

    id: int
    region_id: int
    year: int
    number: int
    enterprise_id: int | None
    enterprise_name: str
    title: str
    status: str
    lead_unit_id: int | None
    accept_due: dt.date | None
    reply_due: dt.date | None
    resolve_due: dt.date | None
    replied_on: dt.date | None
    escalated: bool

    @property
    def pk(self) -> int:
        return self.id


def _as_appeal(row: _Open) -> Appeal:
    """The request as a model object with only the sweep's fields loaded (as ``only()``)."""
    values = row._asdict()
    names = [f.attname for f in Appeal._meta.concrete_fields if f.attname in values]
    return Appeal.from_db(Appeal.objects.db, names, [values[name] for name in names])


def escalate_after() -> int:
    return int(getattr(settings, "TUIJIN_APPEAL_ESCALATE_AFTER", ESCALATE_AFTER_WORKDAYS))


@dataclass
class Counts:
    open: int = 0
    reminded: int = 0
    escalated: int = 0
    follow_up: int = 0


def current_stage(
    appeal: Appeal, today: dt.date, tomorrow: dt.date | None = None
) -> tuple[str, dt.date] | None:
    """The stage the request waits on today and its due date (None: nothing to chase).

    Past the resolve date, resolving is what matters; otherwise the earliest step not done,
    except that the resolve date is announced the working day before it comes.
    """
    tomorrow = tomorrow or workdays.add_workdays(today, 1).value
    if appeal.status in (Status.DISPATCHED, Status.ACCEPTED):
        if appeal.resolve_due is not None and (
            appeal.resolve_due < today
            or (appeal.resolve_due == tomorrow and appeal.status == Status.ACCEPTED)
        ):
            return "resolve", appeal.resolve_due
        if appeal.status == Status.DISPATCHED:
            return "accept", appeal.accept_due
        return "reply", appeal.reply_due
    if appeal.status == Status.REPLIED and appeal.replied_on:
        return "rate", services.rate_due(appeal)
    return None


def _reminder_text(stage: str, due: dt.date, late: int) -> str:
    label = STAGE_LABELS[stage]
    if late:
        return f"{label}已逾期 {late} 个工作日（期限 {due:%Y-%m-%d}）"
    return f"明天（{due:%Y-%m-%d}）是{label}期限"


def _reminder_title(appeal: Appeal, stage: str, text: str) -> str:
    if stage == "rate":
        return f"请评价诉求答复：{appeal.code}"
    return f"诉求催办：{appeal.code} {text}"


def _grouped(rows: Iterable[tuple[int, object]], keys: Iterable) -> dict:
    """``{key: [value, …]}`` for every key, in the order of the rows."""
    found: dict = {key: [] for key in keys}
    for key, value in rows:
        found[key].append(value)
    return found


def _unit_users(unit_ids: set[int]) -> dict[int, list[User]]:
    """``services.unit_users`` of many units in one query."""
    people = Person.objects.filter(unit_id__in=unit_ids, user__is_active=True).select_related(
        "user"
    )
    return _grouped(((p.unit_id, p.user) for p in people), unit_ids)


def _enterprise_users(enterprise_ids: set[int]) -> dict[int, list[User]]:
    """``services.enterprise_users`` of many enterprises in one query."""
    accounts = EnterpriseAccount.objects.filter(
        enterprise_id__in=enterprise_ids, verified=True, user__is_active=True
    ).select_related("user")
    return _grouped(((a.enterprise_id, a.user) for a in accounts), enterprise_ids)


def _users_by_region(users: QuerySet, region_ids: set[int]) -> dict[int, list[User]]:
    """Each region's ``users`` (by the account's region or its person's), in one query."""
    found: dict[int, list[User]] = {region_id: [] for region_id in region_ids}
    for user in (
        users.filter(Q(region_id__in=region_ids) | Q(person__region_id__in=region_ids))
        .annotate(person_region=F("person__region_id"))
        .distinct()
        .order_by("id")
    ):
        for region_id in {user.region_id, user.person_region} & region_ids:
            found[region_id].append(user)
    return found


def _office_users(region_ids: set[int]) -> dict[int, list[User]]:
    """``services.office_users`` of many counties in one query."""
    users = User.objects.filter(groups__name__in=SERVICE_OFFICE_ROLES, is_active=True)
    return _users_by_region(users, region_ids)


def _office_supervisors(region_ids: set[int]) -> dict[int, User | None]:
    """Each county's supervision office account that issues escalation orders, if any."""
    users = User.objects.filter(groups__name=Role.SUPERVISION, is_active=True)
    return {
        region_id: (found[0] if found else None)
        for region_id, found in _users_by_region(users, region_ids).items()
    }


def _responsible_people(unit_ids: set[int]) -> dict[int, Person | None]:
    """``responsible_person`` of many units in one query (and one for their roles)."""
    people = _grouped(
        (
            (p.unit_id, p)
            for p in Person.objects.filter(unit_id__in=unit_ids).prefetch_related("roles")
        ),
        unit_ids,
    )
    chosen: dict[int, Person | None] = {}
    for unit_id, members in people.items():
        ranked = [
            person for role in RESPONSIBLE_ORDER for person in members if role in person.role_names
        ]
        chosen[unit_id] = (ranked or members or [None])[0]
    return chosen


class _Writes:
    """The day's reminders, escalations and call tasks, decided first and written together:
    the recipients of every unit, enterprise and county read once, the supervision orders
    issued in one go, the events in one INSERT with their audit entries sealed in one pass,
    and the messages sent with ``notify_many``."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.reminders: list[tuple[Appeal, str, str]] = []
        self.escalations: list[tuple[Appeal, int]] = []
        self.follow_ups: list[Appeal] = []
        self.link = link_to("appeals:detail")

    def remind(self, appeal: Appeal, stage: str, due: dt.date, late: int) -> None:
        self.reminders.append((appeal, stage, _reminder_text(stage, due, late)))

    def write(self) -> None:
        if not (self.reminders or self.escalations or self.follow_ups):
            return
        with transaction.atomic():
            events, messages = self._reminded()
            escalated, told = self._escalated()
            followed, called = self._followed()
            events = [*events, *escalated, *followed]
            insert_returning(AppealEvent, events)
            audit = AuditBatch()
            for event in events:
                audit.created(event)
            audit.write()
            ids = [appeal.pk for appeal, _ in self.escalations]
            for part in chunked(ids):
                Appeal.objects.filter(pk__in=part).update(escalated=True)
            notify_many([*messages, *told, *called])

    def _reminded(self) -> tuple[list[AppealEvent], list[tuple]]:
        units = {a.lead_unit_id for a, stage, _ in self.reminders if stage != "rate"}
        firms = {a.enterprise_id for a, stage, _ in self.reminders if stage == "rate"}
        unit_users = _unit_users(units - {None})
        firm_users = _enterprise_users(firms - {None})
        events, messages = [], []
        for appeal, stage, text in self.reminders:
            events.append(
                AppealEvent(
                    appeal=appeal, kind=Kind.REMINDED, stage=stage, on_date=self.today, text=text
                )
            )
            if stage == "rate":
                users = firm_users.get(appeal.enterprise_id, [])
            else:
                users = unit_users.get(appeal.lead_unit_id, [])
            title, link = _reminder_title(appeal, stage, text), self.link(appeal.pk)
            body = f"{appeal.enterprise_name}：{appeal.title}"
            messages.extend((user, title, body, link) for user in users)
        return events, messages

    def _escalated(self) -> tuple[list[AppealEvent], list[tuple]]:
        """Escalate once: a supervision order if possible, else the contact leaders' inbox."""
        if not self.escalations:
            return [], []
        from tuijin.supervision.services import OrderRequest, orders_issue

        issuers = _office_supervisors({a.region_id for a, _ in self.escalations})
        units = Unit.objects.in_bulk({a.lead_unit_id for a, _ in self.escalations} - {None})
        for appeal, _ in self.escalations:
            appeal.lead_unit = units.get(appeal.lead_unit_id)
        people = _responsible_people({a.lead_unit_id for a, _ in self.escalations} - {None})
        requests, asked = [], []
        for appeal, late in self.escalations:
            issuer = issuers[appeal.region_id]
            person = people.get(appeal.lead_unit_id) if appeal.lead_unit_id else None
            if issuer is None or person is None:
                continue
            asked.append(appeal)
            requests.append(
                OrderRequest(
                    acting_user=issuer,
                    unit=appeal.lead_unit,
                    person=person,
                    title=f"关于督促办理企业诉求{appeal.code}的督办",
                    content=(
                        f"{appeal.enterprise_name}反映：{appeal.title}。该诉求办结期限为"
                        f"{appeal.resolve_due:%Y年%m月%d日}，已逾期 {late} 个工作日，"
                        "请抓紧办理并答复企业。"
                    ),
                    deadline_days=ESCALATION_ORDER_DAYS,
                    issued_on=self.today,
                )
            )
        orders = dict(zip([a.pk for a in asked], orders_issue(requests), strict=True))
        leaderless = [
            a.enterprise_id
            for a, _ in self.escalations
            if a.enterprise_id and not isinstance(orders.get(a.pk), SupervisionOrder)
        ]
        leaders = _grouped(
            (
                (p.enterprise_id, p.person)
                for p in Pairing.objects.filter(
                    enterprise_id__in=set(leaderless), active=True
                ).select_related("person__user")
            ),
            set(leaderless),
        )
        events, messages = [], []
        for appeal, late in self.escalations:
            order = orders.get(appeal.pk)
            if isinstance(order, SupervisionOrder):
                text = f"逾期 {late} 个工作日，已下发督办单{order.code}给{appeal.lead_unit.name}"
            else:
                if order is not None:
                    log.warning(
                        "appeal %s: supervision order refused: %s", appeal.pk, order.message
                    )
                paired = leaders.get(appeal.enterprise_id, []) if appeal.enterprise_id else []
                lead_name = appeal.lead_unit.name if appeal.lead_unit else ""
                messages.extend(
                    (
                        leader.user,
                        f"企业诉求逾期未办结：{appeal.code}",
                        f"{appeal.enterprise_name}：{appeal.title}\n主办单位"
                        f"{lead_name}已逾期 {late} 个工作日",
                        self.link(appeal.pk),
                    )
                    for leader in paired
                )
                names = "、".join(p.name for p in paired)
                text = (
                    f"逾期 {late} 个工作日，已报包联领导{names}"
                    if names
                    else f"逾期 {late} 个工作日，无督查室账号和包联领导，请企业服务办跟进"
                )
            events.append(
                AppealEvent(
                    appeal=appeal,
                    kind=Kind.ESCALATED,
                    stage="resolve",
                    on_date=self.today,
                    text=text,
                )
            )
        return events, messages

    def _followed(self) -> tuple[list[AppealEvent], list[tuple]]:
        """The call task of each reply not rated in time; the office is told."""
        offices = _office_users({a.region_id for a in self.follow_ups})
        text = f"答复后 {services.RATE_WITHIN_WORKDAYS} 个工作日企业未评价，请电话回访"
        events, messages = [], []
        for appeal in self.follow_ups:
            events.append(
                AppealEvent(
                    appeal=appeal,
                    kind=Kind.FOLLOW_UP_DUE,
                    stage="rate",
                    on_date=self.today,
                    text=text,
                )
            )
            body, link = f"{appeal.enterprise_name}：{appeal.title}", self.link(appeal.pk)
            messages.extend(
                (user, f"待回访：{appeal.code}", body, link) for user in offices[appeal.region_id]
            )
        return events, messages


@request_memo.scope()  # the year's workday overrides read once, not per request
def run_sweep(today: dt.date) -> Counts:
    """Decide each open request's work for ``today`` in one pass, then write it all at once."""
    counts = Counts()
    is_workday = bool(workdays.is_workday(today).value)
    tomorrow = workdays.add_workdays(today, 1).value
    open_appeals = (
        Appeal.objects.filter(status__in=[Status.DISPATCHED, Status.ACCEPTED, Status.REPLIED])
        .filter(
            Q(accept_due__lte=tomorrow)
            | Q(reply_due__lte=tomorrow)
            | Q(resolve_due__lte=tomorrow)
            | Q(status=Status.REPLIED)
        )
        .order_by("id")
        .values_list(*SWEEP_FIELDS)
    )
    # The day's reminders already sent (a second run sends nothing twice), read once.
    reminded = set(
        AppealEvent.objects.filter(kind=Kind.REMINDED, on_date=today).values_list(
            "appeal_id", "stage"
        )
    )
    # The latest call task of each replied request: one recorded since the reply is enough.
    followed: dict[int, dt.date] = {}
    for appeal_id, on_date in AppealEvent.objects.filter(
        kind=Kind.FOLLOW_UP_DUE, appeal__status=Status.REPLIED
    ).values_list("appeal_id", "on_date"):
        followed[appeal_id] = max(on_date, followed.get(appeal_id, on_date))
    writes = _Writes(today)
    limit = escalate_after()
    lateness: dict[dt.date, int] = {}
    objects: dict[int, Appeal] = {}

    def obj(row: _Open) -> Appeal:  # one model object per request that has work today
        if row.id not in objects:
            objects[row.id] = _as_appeal(row)
        return objects[row.id]

    for values in open_appeals.iterator(chunk_size=2000):
        appeal = _Open(*values)
        found = current_stage(appeal, today, tomorrow)
        if found is None or found[1] is None:
            continue
        stage, due = found
        if stage == "rate":
            if today >= due:
                if appeal.pk in followed and followed[appeal.pk] >= appeal.replied_on:
                    continue  # its call task is recorded already
                writes.follow_ups.append(obj(appeal))
                counts.follow_up += 1
            elif is_workday and tomorrow == due and (appeal.pk, stage) not in reminded:
                writes.remind(obj(appeal), stage, due, 0)
                reminded.add((appeal.pk, stage))
                counts.reminded += 1
            continue
        if due >= today and tomorrow != due:
            continue
        counts.open += 1
        if due not in lateness:  # the calendar asked once per due date, not per request
            lateness[due] = workdays.count_workdays(due + dt.timedelta(days=1), today).value
        late = lateness[due]
        remind = is_workday and (late or tomorrow == due) and (appeal.pk, stage) not in reminded
        if remind:
            reminded.add((appeal.pk, stage))
            writes.remind(obj(appeal), stage, due, late)
            counts.reminded += 1
        if is_workday and stage == "resolve" and late >= limit and not appeal.escalated:
            writes.escalations.append((obj(appeal), late))  # after its reminder, as the trail reads
            counts.escalated += 1
    writes.write()
    return counts


def sweep_appeals(today: dt.date) -> str:
    """The requests' line of ``tuijin sweep``."""
    c = run_sweep(today)
    return (
        f"{today:%Y-%m-%d} 企业诉求巡检：逾期或次日到期 {c.open} 件，发出催办 {c.reminded} 条，"
        f"升级 {c.escalated} 件，新增待回访 {c.follow_up} 件"
    )
