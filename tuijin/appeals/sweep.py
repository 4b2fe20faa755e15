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
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from tuijin.core import request_memo, workdays
from tuijin.core.audit import AuditBatch
from tuijin.core.models import Person, User, notify
from tuijin.core.roles import DirectoryRole, Role

from . import services
from .models import Appeal, AppealEvent

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


def _notify_reminder(appeal: Appeal, stage: str, text: str, users: list[User]) -> None:
    if stage == "rate":
        title = f"请评价诉求答复：{appeal.code}"
    else:
        title = f"诉求催办：{appeal.code} {text}"
    link = services._link(appeal)
    for user in users:
        notify(user, title, f"{appeal.enterprise_name}：{appeal.title}", link)


def _recipients(appeal: Appeal, stage: str) -> list[User]:
    if stage == "rate":
        return services.enterprise_users(appeal)
    return services.unit_users(appeal.lead_unit_id)


def _remind(appeal: Appeal, stage: str, due: dt.date, today: dt.date, late: int) -> None:
    text = _reminder_text(stage, due, late)
    AppealEvent.objects.create(
        appeal=appeal, kind=Kind.REMINDED, stage=stage, on_date=today, text=text
    )
    _notify_reminder(appeal, stage, text, _recipients(appeal, stage))


class _Reminders:
    """The day's reminders, written together: the events in bulk with their audit entries
    (sealed in one pass), each unit's accounts read once, then the messages."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.pending: list[tuple[Appeal, str, str]] = []
        self.unit_users: dict[int | None, list[User]] = {}

    def add(self, appeal: Appeal, stage: str, due: dt.date, late: int) -> None:
        self.pending.append((appeal, stage, _reminder_text(stage, due, late)))

    def _users(self, appeal: Appeal, stage: str) -> list[User]:
        if stage == "rate":
            return services.enterprise_users(appeal)
        if appeal.lead_unit_id not in self.unit_users:
            self.unit_users[appeal.lead_unit_id] = services.unit_users(appeal.lead_unit_id)
        return self.unit_users[appeal.lead_unit_id]

    def flush(self) -> None:
        if not self.pending:
            return
        with transaction.atomic():
            events = AppealEvent.objects.bulk_create(
                AppealEvent(
                    appeal=appeal, kind=Kind.REMINDED, stage=stage, on_date=self.today, text=text
                )
                for appeal, stage, text in self.pending
            )
            audit = AuditBatch()
            for event in events:
                audit.created(event)
            audit.write()
            for appeal, stage, text in self.pending:
                _notify_reminder(appeal, stage, text, self._users(appeal, stage))
        self.pending = []


def _office_supervisor(region_id: int) -> User | None:
    """The county's supervision office account that issues escalation orders, if any."""
    return (
        User.objects.filter(groups__name=Role.SUPERVISION, is_active=True)
        .filter(Q(region_id=region_id) | Q(person__region_id=region_id))
        .order_by("id")
        .first()
    )


def responsible_person(unit_id: int) -> Person | None:
    """The unit's head, else a deputy, else its liaison, else anyone of the unit."""
    people = Person.objects.filter(unit_id=unit_id).prefetch_related("roles")
    for role in RESPONSIBLE_ORDER:
        for person in people:
            if role in person.role_names:
                return person
    return people.first()


def _escalate(appeal: Appeal, today: dt.date, late: int) -> str:
    """Escalate once: a supervision order if possible, else the contact leaders' inbox."""
    issuer = _office_supervisor(appeal.region_id)
    person = responsible_person(appeal.lead_unit_id) if appeal.lead_unit_id else None
    text = ""
    if issuer is not None and person is not None:
        from tuijin.supervision.services import OrderRuleError, order_issue

        try:
            order = order_issue(
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
                issued_on=today,
            )
        except OrderRuleError as exc:
            log.warning("appeal %s: supervision order refused: %s", appeal.pk, exc.message)
        else:
            text = f"逾期 {late} 个工作日，已下发督办单{order.code}给{appeal.lead_unit.name}"
    if not text:
        leaders = [
            p.person
            for p in (
                appeal.enterprise.pairings.filter(active=True).select_related("person__user")
                if appeal.enterprise_id
                else []
            )
        ]
        for leader in leaders:
            notify(
                leader.user,
                f"企业诉求逾期未办结：{appeal.code}",
                f"{appeal.enterprise_name}：{appeal.title}\n主办单位"
                f"{appeal.lead_unit.name if appeal.lead_unit else ''}已逾期 {late} 个工作日",
                services._link(appeal),
            )
        names = "、".join(p.name for p in leaders)
        text = (
            f"逾期 {late} 个工作日，已报包联领导{names}"
            if names
            else f"逾期 {late} 个工作日，无督查室账号和包联领导，请企业服务办跟进"
        )
    AppealEvent.objects.create(
        appeal=appeal, kind=Kind.ESCALATED, stage="resolve", on_date=today, text=text
    )
    Appeal.objects.filter(pk=appeal.pk).update(escalated=True)
    return text


def _follow_up_due(appeal: Appeal, today: dt.date) -> bool:
    """Record the call task once per reply; the office is told."""
    if appeal.events.filter(kind=Kind.FOLLOW_UP_DUE, on_date__gte=appeal.replied_on).exists():
        return False
    AppealEvent.objects.create(
        appeal=appeal,
        kind=Kind.FOLLOW_UP_DUE,
        stage="rate",
        on_date=today,
        text=f"答复后 {services.RATE_WITHIN_WORKDAYS} 个工作日企业未评价，请电话回访",
    )
    for user in services.office_users(appeal.region_id):
        notify(
            user,
            f"待回访：{appeal.code}",
            f"{appeal.enterprise_name}：{appeal.title}",
            services._link(appeal),
        )
    return True


def run_sweep(today: dt.date) -> Counts:
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
        .select_related("lead_unit", "enterprise")
        .order_by("id")
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
    batch = _Reminders(today)
    for appeal in open_appeals.iterator(chunk_size=500):
        found = current_stage(appeal, today, tomorrow)
        if found is None or found[1] is None:
            continue
        stage, due = found
        # Decide first, write in a transaction only when there is something to write: most
        # open requests need nothing today, and a savepoint each costs two statements.
        if stage == "rate":
            if today >= due:
                if appeal.pk in followed and followed[appeal.pk] >= appeal.replied_on:
                    continue  # its call task is recorded already
                with transaction.atomic():
                    counts.follow_up += _follow_up_due(appeal, today)
            elif is_workday and tomorrow == due and (appeal.pk, stage) not in reminded:
                batch.add(appeal, stage, due, 0)
                reminded.add((appeal.pk, stage))
                counts.reminded += 1
            continue
        if due >= today and tomorrow != due:
            continue
        counts.open += 1
        late = workdays.count_workdays(due + dt.timedelta(days=1), today).value
        remind = is_workday and (late or tomorrow == due) and (appeal.pk, stage) not in reminded
        escalate = (
            is_workday and stage == "resolve" and late >= escalate_after() and not appeal.escalated
        )
        if remind:
            reminded.add((appeal.pk, stage))
        if remind and not escalate:
            batch.add(appeal, stage, due, late)
            counts.reminded += 1
            continue
        if not escalate:
            continue
        with transaction.atomic():  # the reminder before the escalation, as the trail reads
            if remind:
                _remind(appeal, stage, due, today, late)
                counts.reminded += 1
            if escalate:
                _escalate(appeal, today, late)
                counts.escalated += 1
    batch.flush()
    return counts


def sweep_appeals(today: dt.date) -> str:
    """The requests' line of ``tuijin sweep``."""
    with request_memo.scope():  # the year's workday overrides read once, not per request
        c = run_sweep(today)
    return (
        f"{today:%Y-%m-%d} 企业诉求巡检：逾期或次日到期 {c.open} 件，发出催办 {c.reminded} 条，"
        f"升级 {c.escalated} 件，新增待回访 {c.follow_up} 件"
    )
