"""Business rules of supervision orders: issue, sign, respond, accept, return, and the sweep.

Pages, the API and the sweep call these; each takes the acting user, validates, and writes in
one transaction. Errors are ``OrderRuleError`` with a Chinese message naming the field.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from tuijin.core import request_memo, stamps, workdays
from tuijin.core.audit import AuditBatch
from tuijin.core.bulk import insert_returning
from tuijin.core.files import FILE_TYPES, MAX_FILE_BYTES, MAX_FILES, check_files  # noqa: F401
from tuijin.core.models import Person, Unit, User, notify, notify_many
from tuijin.core.roles import DirectoryRole, Role
from tuijin.core.scoping import scope_of
from tuijin.core.sweeps import chunked, link_to

from .models import OrderEvent, OrderFile, SupervisionOrder

Status = SupervisionOrder.Status
Kind = OrderEvent.Kind

REMIND_BEFORE_WORKDAYS = 3
# Overdue working days after which an order goes to the contact leader; twice that, to the
# principal leaders. A setting can change it (``TUIJIN_ORDER_ESCALATE_AFTER``).
ESCALATE_AFTER_WORKDAYS = 3


class OrderRuleError(ValueError):
    """A rule of supervision orders refused the change; ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def escalate_after() -> int:
    return int(getattr(settings, "TUIJIN_ORDER_ESCALATE_AFTER", ESCALATE_AFTER_WORKDAYS))


def _link(order: SupervisionOrder) -> str:
    return reverse("supervision:detail", args=[order.pk])


def _event(order, kind, actor=None, text="", on_date=None) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        actor=actor,
        text=text,
        on_date=on_date or timezone.localdate(),
    )


def _require_office(acting_user: User) -> None:
    if not scope_of(acting_user).has(Role.SUPERVISION):
        raise OrderRuleError("只有督查室可以执行此操作", "order")


def _require_unit(order: SupervisionOrder, acting_user: User) -> None:
    scope = scope_of(acting_user)
    if not (Role.UNIT_STAFF in scope.roles and scope.unit_id == order.unit_id):
        raise OrderRuleError(f"这份{order.noun}不是下发给本单位的，不能办理", "order")


def _locked(order: SupervisionOrder) -> SupervisionOrder:
    """The order as stored now, so two clicks at once cannot both move it."""
    return SupervisionOrder.objects.select_for_update().get(pk=order.pk)


def _deadline_line(order: SupervisionOrder) -> str:
    line = f"办结期限：{order.deadline:%Y-%m-%d}（{order.deadline_days} 个工作日）"
    return line + ("（暂定，待录入当年放假安排）" if order.deadline_provisional else "")


def _check_order(
    scope, unit: Unit | None, person: Person | None, title: str, content: str, days: int | None
) -> tuple[str, str]:
    """The rules every order meets, whoever issues it; the title and content, trimmed."""
    if not scope.has(Role.SUPERVISION):
        raise OrderRuleError("只有督查室可以执行此操作", "order")
    title, content = (title or "").strip(), (content or "").strip()
    if not title:
        raise OrderRuleError("请填写督办事由", "title")
    if not content:
        raise OrderRuleError("请填写督办事项", "content")
    if unit is None:
        raise OrderRuleError("请选择承办单位", "unit")
    if not scope.is_admin and unit.region_id not in scope.region_ids:
        raise OrderRuleError("承办单位不在本县", "unit")
    if person is None:
        raise OrderRuleError("督办单必须指定责任人", "person")
    if person.unit_id != unit.pk:
        raise OrderRuleError(f"责任人{person.name}不是{unit.name}的人员", "person")
    if days is None or days < 1:
        raise OrderRuleError("办理时限至少为 1 个工作日：办结期限不能早于下发日期", "deadline_days")
    if days > 365:
        raise OrderRuleError("办理时限不能超过 365 个工作日", "deadline_days")
    return title, content


@transaction.atomic
def order_issue(
    *,
    acting_user: User,
    unit: Unit | None,
    person: Person | None,
    title: str,
    content: str,
    deadline_days: int | None,
    issued_on: dt.date | None = None,
    project=None,
    problem=None,
    finding=None,
    meeting=None,
) -> SupervisionOrder:
    """Issue an order to a unit and its named person; number it and tell the person.

    With ``meeting`` the order is that meeting's assignment (交办事项), numbered in its own
    series (交办〔2026〕N号) and tracked by the same signing, reminders and escalation.

    The number is the region's highest of the year plus one, taken inside the transaction
    (SQLite runs write transactions one at a time; on PostgreSQL the unique constraint turns
    a rare collision into an error rather than two orders with one number).
    """
    title, content = _check_order(
        scope_of(acting_user), unit, person, title, content, deadline_days
    )
    if problem is not None:
        if project is None:
            project = problem.project
        elif problem.project_id != project.pk:
            raise OrderRuleError("所选问题不属于所选项目", "problem")
    if finding is not None:
        if project is None:
            project = finding.project
        if finding.inspection.region_id != unit.region_id:
            raise OrderRuleError("督查发现与承办单位不在同一个县", "finding")
    if meeting is not None and meeting.region_id != unit.region_id:
        raise OrderRuleError("会议与承办单位不在同一个县", "meeting")
    if project is not None and project.region_id != unit.region_id:
        raise OrderRuleError("项目与承办单位不在同一个县", "project")
    issued_on = issued_on or timezone.localdate()
    due = workdays.add_workdays(issued_on, deadline_days)
    kind = SupervisionOrder.Kind.ASSIGNMENT if meeting is not None else SupervisionOrder.Kind.ORDER
    last = SupervisionOrder.objects.filter(
        region_id=unit.region_id, kind=kind, year=issued_on.year
    ).aggregate(n=Max("number"))["n"]
    order = SupervisionOrder.objects.create(
        region_id=unit.region_id,
        kind=kind,
        finding=finding,
        meeting=meeting,
        year=issued_on.year,
        number=(last or 0) + 1,
        title=title,
        content=content,
        project=project,
        problem=problem,
        unit=unit,
        person=person,
        issued_on=issued_on,
        deadline_days=deadline_days,
        deadline=due.value,
        deadline_provisional=due.provisional,
        issued_by=acting_user,
    )
    _event(order, Kind.ISSUED, acting_user, f"下发给{unit.name}，责任人{person.name}", issued_on)
    notify(
        person.user,
        f"{order.noun}：{order.code} {title}",
        "\n".join(
            [f"承办单位：{unit.name}，责任人：{person.name}", _deadline_line(order), content]
        ),
        _link(order),
    )
    return order


@dataclass
class OrderRequest:
    """One order to issue with ``orders_issue``: what ``order_issue`` takes, without the links
    to a project, problem, inspection or meeting."""

    acting_user: User
    unit: Unit | None
    person: Person | None
    title: str
    content: str
    deadline_days: int | None
    issued_on: dt.date


@transaction.atomic
def orders_issue(requests: list[OrderRequest]) -> list[SupervisionOrder | OrderRuleError]:
    """Issue many orders at once, each by the rules of ``order_issue`` (an escalating sweep).

    The orders and their 下发 events are written with one INSERT each, numbered from each
    region's highest of the year read once, their audit entries sealed in one pass and the
    people told with ``notify_many``. Returns, in the order of ``requests``, each order or
    the ``OrderRuleError`` that refused it (nothing is written for a refused one).
    """
    results: list = []
    scopes: dict[int, object] = {}
    accepted: list[tuple[int, OrderRequest, str, str]] = []
    for index, request in enumerate(requests):
        user = request.acting_user
        if user.pk not in scopes:
            scopes[user.pk] = scope_of(user)
        try:
            title, content = _check_order(
                scopes[user.pk],
                request.unit,
                request.person,
                request.title,
                request.content,
                request.deadline_days,
            )
        except OrderRuleError as error:
            results.append(error)
            continue
        results.append(None)
        accepted.append((index, request, title, content))
    if not accepted:
        return results
    kind = SupervisionOrder.Kind.ORDER
    keys = {(r.unit.region_id, r.issued_on.year) for _, r, _, _ in accepted}
    last: dict[tuple[int, int], int] = {}
    for region_id, year, number in (
        SupervisionOrder.objects.filter(
            kind=kind,
            region_id__in={region_id for region_id, _ in keys},
            year__in={year for _, year in keys},
        )
        .order_by()
        .values("region_id", "year")
        .annotate(n=Max("number"))
        .values_list("region_id", "year", "n")
    ):
        last[(region_id, year)] = number
    dues: dict[tuple[dt.date, int], workdays.WorkdayResult] = {}
    orders = []
    for _, request, title, content in accepted:
        key = (request.unit.region_id, request.issued_on.year)
        last[key] = last.get(key, 0) + 1
        span = (request.issued_on, request.deadline_days)
        if span not in dues:
            dues[span] = workdays.add_workdays(*span)
        orders.append(
            SupervisionOrder(
                region_id=request.unit.region_id,
                kind=kind,
                year=request.issued_on.year,
                number=last[key],
                title=title,
                content=content,
                unit=request.unit,
                person=request.person,
                issued_on=request.issued_on,
                deadline_days=request.deadline_days,
                deadline=dues[span].value,
                deadline_provisional=dues[span].provisional,
                issued_by=request.acting_user,
            )
        )
    insert_returning(SupervisionOrder, orders)
    events = [
        OrderEvent(
            order=order,
            kind=Kind.ISSUED,
            actor=order.issued_by,
            text=f"下发给{order.unit.name}，责任人{order.person.name}",
            on_date=order.issued_on,
        )
        for order in orders
    ]
    insert_returning(OrderEvent, events)
    audit = AuditBatch()
    for order, event in zip(orders, events, strict=True):
        audit.created(order)
        audit.created(event)
    audit.write()
    notify_many(
        (
            order.person.user,
            f"{order.noun}：{order.code} {order.title}",
            "\n".join(
                [
                    f"承办单位：{order.unit.name}，责任人：{order.person.name}",
                    _deadline_line(order),
                    order.content,
                ]
            ),
            _link(order),
        )
        for order in orders
    )
    stamps.touch("supervision")
    for (index, _, _, _), order in zip(accepted, orders, strict=True):
        results[index] = order
    return results


@transaction.atomic
def order_sign(order: SupervisionOrder, *, acting_user: User) -> SupervisionOrder:
    """The unit signs for the order (签收): it has seen it and answers for it."""
    _require_unit(order, acting_user)
    order = _locked(order)
    if order.status != Status.ISSUED:
        raise OrderRuleError(f"{order.noun}{order.get_status_display()}，不能再签收", "order")
    order.status = Status.SIGNED
    order.save(update_fields=["status"])
    _event(order, Kind.SIGNED, acting_user)
    return order


def _check_files(files: Iterable[UploadedFile]) -> list[UploadedFile]:
    return check_files(files, OrderRuleError)


@transaction.atomic
def order_respond(
    order: SupervisionOrder,
    *,
    acting_user: User,
    text: str,
    files: Iterable[UploadedFile] = (),
) -> OrderEvent:
    """The unit reports what it did (反馈), with evidence; the office is told."""
    _require_unit(order, acting_user)
    text = (text or "").strip()
    if not text:
        raise OrderRuleError("请填写办理情况", "text")
    files = _check_files(files)
    order = _locked(order)
    if order.status == Status.ISSUED:
        raise OrderRuleError(f"请先签收{order.noun}，再反馈办理情况", "order")
    if order.status not in (Status.SIGNED, Status.RETURNED):
        raise OrderRuleError(f"{order.noun}{order.get_status_display()}，不能再反馈", "order")
    order.status = Status.RESPONDED
    order.save(update_fields=["status"])
    event = _event(order, Kind.RESPONDED, acting_user, text)
    for upload in files:
        OrderFile.objects.create(
            event=event, file=upload, name=PurePath(upload.name).name[:200], size=upload.size
        )
    notify(
        order.issued_by,
        f"{order.noun}已反馈：{order.code} {order.title}",
        f"{order.unit.name}（{order.person.name}）：{text}",
        _link(order),
    )
    return event


@transaction.atomic
def order_accept(
    order: SupervisionOrder, *, acting_user: User, text: str = "", today: dt.date | None = None
) -> SupervisionOrder:
    """The office accepts the response (办结); the order is closed."""
    _require_office(acting_user)
    order = _locked(order)
    if order.status != Status.RESPONDED:
        raise OrderRuleError(f"只有已反馈的{order.noun}可以办结", "order")
    order.status = Status.ACCEPTED
    order.accepted_on = today or timezone.localdate()
    order.save(update_fields=["status", "accepted_on"])
    _event(order, Kind.ACCEPTED, acting_user, (text or "").strip(), order.accepted_on)
    notify(order.person.user, f"{order.noun}已办结：{order.code} {order.title}", text, _link(order))
    return order


@transaction.atomic
def order_return(order: SupervisionOrder, *, acting_user: User, reason: str) -> SupervisionOrder:
    """The office sends the response back (退回) with its reason; the unit responds again."""
    _require_office(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise OrderRuleError("退回必须说明理由", "reason")
    order = _locked(order)
    if order.status != Status.RESPONDED:
        raise OrderRuleError(f"只有已反馈的{order.noun}可以退回", "order")
    order.status = Status.RETURNED
    order.save(update_fields=["status"])
    _event(order, Kind.RETURNED, acting_user, reason)
    notify(
        order.person.user,
        f"{order.noun}被退回：{order.code} {order.title}",
        f"退回理由：{reason}\n请补充办理后重新反馈。",
        _link(order),
    )
    return order


# --- The sweep -----------------------------------------------------------------------------


@dataclass
class SweepCount:
    open: int = 0
    reminded: int = 0
    escalated: int = 0


class _Writes:
    """The day's reminders and escalations, collected, then written together: the events in
    one INSERT in the order of each order's trail (催办 before 升级), the escalation levels in
    one UPDATE per level, their audit entries sealed in one pass, and the messages in one go
    (``notify_many``)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.events: list[OrderEvent] = []
        self.audit = AuditBatch()
        self.changes: list[tuple[OrderEvent | None, SupervisionOrder, SupervisionOrder]] = []
        self.levels: dict[int, list[int]] = {}
        self.messages: list[tuple] = []
        self.link = link_to("supervision:detail")

    def remind(self, order: SupervisionOrder, state: str) -> None:
        self.events.append(
            OrderEvent(
                order=order,
                kind=Kind.REMINDED,
                actor=None,
                text=f"系统催办：{state}",
                on_date=self.today,
            )
        )
        self.messages.append(
            (
                order.person.user,
                f"催办（{self.today:%Y-%m-%d}）：{order.code} {state}",
                "\n".join(
                    [
                        order.title,
                        f"承办单位：{order.unit.name}，责任人：{order.person.name}",
                        _deadline_line(order),
                        "请抓紧办理，并在平台反馈办理情况。",
                    ]
                ),
                self.link(order.pk),
            )
        )

    def escalate(
        self, order: SupervisionOrder, level: int, overdue: int, principals: list[Person]
    ) -> None:
        if level == SupervisionOrder.Escalation.CONTACT_LEADER:
            leader = order.project.contact_leader if order.project_id else None
            recipients = [leader] if leader else []
            to = (
                f"联系县领导{leader.name}"
                if leader
                else f"联系县领导（该{order.noun}未关联有联系县领导的项目）"
            )
        else:
            recipients = principals
            to = "主要领导" + ("、".join(p.name for p in recipients) or "")
        before = copy.copy(order)
        order.escalation = level
        self.levels.setdefault(level, []).append(order.pk)
        event = OrderEvent(
            order=order,
            kind=Kind.ESCALATED,
            actor=None,
            text=f"逾期 {overdue} 个工作日，升级报{to}",
            on_date=self.today,
        )
        self.events.append(event)
        # As ``order.save`` then ``_event`` would log it: the level's change, then the event.
        self.changes.append((event, before, copy.copy(order)))
        body = "\n".join(
            [
                f"承办单位：{order.unit.name}，责任人：{order.person.name}"
                f"（{order.person.mobile}）",
                _deadline_line(order),
                f"已逾期 {overdue} 个工作日，状态：{order.get_status_display()}",
            ]
        )
        title = f"{order.noun}逾期升级：{order.code} {order.title}"
        self.messages.extend((p.user, title, body, self.link(order.pk)) for p in recipients)

    def write(self) -> None:
        if not self.events:
            return
        insert_returning(OrderEvent, self.events)
        changed = {id(event): (before, after) for event, before, after in self.changes}
        for event in self.events:
            if id(event) in changed:
                self.audit.changed(*changed[id(event)], fields=["escalation"])
            self.audit.created(event)
        for level, ids in sorted(self.levels.items()):
            for part in chunked(ids):
                SupervisionOrder.objects.filter(pk__in=part).update(escalation=level)
        self.audit.write()
        notify_many(self.messages)
        stamps.touch("supervision")  # bulk writes send no signal to the cockpit's cache


def _principals(region_ids: Iterable[int]) -> dict[int, list[Person]]:
    """The principal leaders of each region, for all the regions in one query."""
    found: dict[int, list[Person]] = {region_id: [] for region_id in region_ids}
    if found:
        for person in Person.objects.filter(
            region_id__in=list(found), roles__role=DirectoryRole.PRINCIPAL
        ).select_related("user"):
            found[person.region_id].append(person)
    return found


@transaction.atomic
def run_sweep(today: dt.date) -> SweepCount:
    """Reminders and escalations of every open order for ``today``; a second run adds nothing.

    Before the deadline: one reminder once the deadline is within ``REMIND_BEFORE_WORKDAYS``
    working days. After it: one reminder every working day, and escalation by overdue working
    days. Each reminder is an event dated ``today``, which is what makes the sweep idempotent.
    Only orders due soon or overdue are read, the calendar is asked once per deadline, and
    everything is written together at the end, whatever the number of orders.
    """
    count = SweepCount()
    if not workdays.is_workday(today).value:
        return count
    horizon = workdays.add_workdays(today, REMIND_BEFORE_WORKDAYS).value
    due = (
        SupervisionOrder.objects.open()
        .filter(issued_on__lte=today, deadline__lte=horizon)
        .select_related("unit", "person__user", "project__contact_leader__user")
        .order_by("deadline", "id")
    )
    orders = list(due)
    count.open = len(orders)
    deadlines = {order.pk: order.deadline for order in orders}
    reminded_today, pre_reminded = set(), set()
    for order_id, on_date in OrderEvent.objects.filter(
        order__in=due.values("pk"), kind=Kind.REMINDED
    ).values_list("order_id", "on_date"):
        if on_date == today:
            reminded_today.add(order_id)
        if order_id in deadlines and on_date <= deadlines[order_id]:
            pre_reminded.add(order_id)
    overdue_days: dict[dt.date, int] = {}
    limit = escalate_after()
    writes = _Writes(today)
    escalations = []
    for order in orders:
        if order.deadline >= today:
            if order.pk not in pre_reminded:
                state = (
                    "今天到期"
                    if order.deadline == today
                    else f"将于 {order.deadline:%Y-%m-%d} 到期"
                )
                writes.remind(order, state)
                count.reminded += 1
            continue
        if order.deadline not in overdue_days:
            after_deadline = order.deadline + dt.timedelta(days=1)
            overdue_days[order.deadline] = workdays.count_workdays(after_deadline, today).value
        overdue = overdue_days[order.deadline]
        if order.pk not in reminded_today:
            writes.remind(order, f"已逾期 {overdue} 个工作日")
            count.reminded += 1
        levels = [
            level
            for level, after in ((1, limit), (2, 2 * limit))
            if order.escalation < level and overdue >= after
        ]
        if levels:
            escalations.append((order, overdue, levels))
    principals = _principals(
        {
            o.region_id
            for o, _, levels in escalations
            if SupervisionOrder.Escalation.PRINCIPAL in levels
        }
    )
    for order, overdue, levels in escalations:
        for level in levels:
            writes.escalate(order, level, overdue, principals.get(order.region_id, []))
            count.escalated += 1
    writes.write()
    return count


def sweep_orders(today: dt.date) -> str:
    """The supervision part of ``tuijin sweep``: one line in Chinese."""
    with request_memo.scope():  # the year's workday overrides read once, not per order
        count = run_sweep(today)
    return (
        f"{today:%Y-%m-%d} 督办单巡检：逾期或 {REMIND_BEFORE_WORKDAYS} 个工作日内到期 "
        f"{count.open} 件，发出催办 {count.reminded} 条，"
        f"升级督办 {count.escalated} 次"
    )
