"""Business rules of enterprise requests: intake, dispatch, send back, accept, reply, rating,
follow-up call, extension.

Pages, the API, the hotline import and the sweep call these; each takes the acting user,
validates, and writes in one transaction, re-reading the request under a row lock. Errors
are ``AppealRuleError`` with a Chinese message naming the field. ``on_date`` stands for
"today" so that tests and imports can place a step on the calendar.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from tuijin.core import workdays
from tuijin.core.files import check_files
from tuijin.core.models import Person, Region, Unit, User, notify
from tuijin.core.roles import GOVERNMENT, Role
from tuijin.core.scoping import get_visible_or_404, home_region_id, scope_of

from . import deadlines
from .models import (
    SERVICE_OFFICE_ROLES,
    Appeal,
    AppealAttachment,
    AppealEvent,
    EnterpriseAccount,
)

Status = Appeal.Status
Kind = AppealEvent.Kind

# Days after a reply the enterprise has to rate it before the office calls (回访).
RATE_WITHIN_WORKDAYS = 5
# A unit that was sent a request in error returns it within this many working days.
SEND_BACK_WITHIN_WORKDAYS = 1
MAX_EXTENSION_DAYS = 30
# Who may register a request on someone's behalf (the office, leaders who were told of it).
INTAKE_ROLES = (*SERVICE_OFFICE_ROLES, Role.LEADER, Role.PRINCIPAL)
PHONE_RE = re.compile(r"^[0-9+\-() ]{7,20}$")


class AppealRuleError(ValueError):
    """A rule of enterprise requests refused the change; ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


# ---------------------------------------------------------------------------
# Helpers


def _today(on_date: dt.date | None) -> dt.date:
    return on_date or timezone.localdate()


def _link(appeal: Appeal) -> str:
    return reverse("appeals:detail", args=[appeal.pk])


def _event(
    appeal: Appeal,
    kind: str,
    actor: User | None = None,
    text: str = "",
    on_date: dt.date | None = None,
    unit: Unit | None = None,
    stage: str = "",
    days: int | None = None,
) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        actor=actor,
        text=text,
        on_date=_today(on_date),
        unit=unit,
        stage=stage,
        days=days,
    )


def _attach(appeal: Appeal, event: AppealEvent, files: list) -> None:
    for upload in files:
        AppealAttachment.objects.create(
            appeal=appeal, event=event, file=upload, name=upload.name[:200], size=upload.size
        )


def _check_files(files) -> list:
    return check_files(files, AppealRuleError)


def _locked(appeal: Appeal) -> Appeal:
    """The request as stored now, so two clicks at once cannot both move it."""
    return Appeal.objects.select_for_update().get(pk=appeal.pk)


def is_office(user: User) -> bool:
    return scope_of(user).has(*SERVICE_OFFICE_ROLES)


def _require_office(acting_user: User, appeal: Appeal | None = None) -> None:
    scope = scope_of(acting_user)
    if not scope.has(*SERVICE_OFFICE_ROLES):
        raise AppealRuleError("只有企业服务办可以执行此操作", "appeal")
    if appeal is not None and not scope.is_admin and appeal.region_id not in scope.region_ids:
        raise AppealRuleError("这件诉求不在本县", "appeal")


def is_lead_unit(user: User, appeal: Appeal) -> bool:
    scope = scope_of(user)
    return (
        Role.UNIT_STAFF in scope.roles
        and scope.unit_id is not None
        and scope.unit_id == appeal.lead_unit_id
    )


def _require_lead_unit(acting_user: User, appeal: Appeal) -> None:
    if not is_lead_unit(acting_user, appeal):
        raise AppealRuleError("这件诉求不是分派给本单位主办的，不能办理", "appeal")


def unit_users(unit_id: int | None) -> list[User]:
    """Accounts of a unit's people: who is told when the unit gets work."""
    if not unit_id:
        return []
    return [
        p.user
        for p in Person.objects.filter(unit_id=unit_id, user__is_active=True).select_related("user")
    ]


def office_users(region_id: int) -> list[User]:
    """Accounts of the county's service office."""
    return list(
        User.objects.filter(groups__name__in=SERVICE_OFFICE_ROLES, is_active=True)
        .filter(Q(region_id=region_id) | Q(person__region_id=region_id))
        .distinct()
    )


def enterprise_users(appeal: Appeal) -> list[User]:
    if not appeal.enterprise_id:
        return []
    return [
        a.user
        for a in EnterpriseAccount.objects.filter(
            enterprise_id=appeal.enterprise_id, verified=True, user__is_active=True
        ).select_related("user")
    ]


def _portal_users(users: list[User]) -> set[int]:
    """Of ``users``, the enterprises' portal accounts (``enterprise_only``), with the roles of
    all of them read in one query rather than a scope per recipient."""
    roles: dict[int, set[str]] = {user.pk: set() for user in users}
    memberships = User.groups.through.objects.filter(user_id__in=roles)
    for user_id, name in memberships.values_list("user_id", "group__name"):
        roles[user_id].add(name)
    return {
        user.pk
        for user in users
        if Role.ENTERPRISE in roles[user.pk]
        and not user.is_superuser
        and Role.ADMIN not in roles[user.pk]
        and roles[user.pk].isdisjoint(GOVERNMENT)
    }


def _tell(users: Iterable[User], title: str, body: str, appeal: Appeal) -> None:
    """Officials get the request's page; an enterprise its portal page, which shows the
    enterprise only what concerns it (no reminders, no internal notes)."""
    users = list(users)
    portal_users = _portal_users(users)
    for user in users:
        portal = user.pk in portal_users
        link = reverse("portal:detail", args=[appeal.pk]) if portal else _link(appeal)
        notify(user, title, body, link)


def _account_of(user: User) -> EnterpriseAccount | None:
    account = EnterpriseAccount.objects.filter(user=user).select_related("enterprise").first()
    return account if account and account.verified else None


def pending_extension(appeal: Appeal) -> AppealEvent | None:
    """The extension request the office has not decided yet, if any (from the request's
    events, as its page has read them, else read here)."""
    kinds = (Kind.EXTENSION_ASKED, Kind.EXTENSION_APPROVED, Kind.EXTENSION_REFUSED)
    events = [e for e in appeal.events.all() if e.kind in kinds]  # in order: at, id
    if events and events[-1].kind == Kind.EXTENSION_ASKED:
        return events[-1]
    return None


def send_back_until(appeal: Appeal) -> dt.date | None:
    """The last day the lead unit may return a request dispatched to it in error."""
    if appeal.dispatched_on is None:
        return None
    return workdays.add_workdays(appeal.dispatched_on, SEND_BACK_WITHIN_WORKDAYS).value


def rate_due(appeal: Appeal) -> dt.date | None:
    """The day the office calls back when the enterprise has not rated a reply."""
    if appeal.replied_on is None:
        return None
    return workdays.add_workdays(appeal.replied_on, RATE_WITHIN_WORKDAYS).value


# ---------------------------------------------------------------------------
# Intake


def _choice(value: str, choices, label: str, field: str) -> str:
    if value not in choices.values:
        raise AppealRuleError(f"请选择{label}", field)
    return value


@transaction.atomic
def appeal_receive(
    *,
    acting_user: User,
    source: str,
    enterprise=None,
    enterprise_name: str = "",
    contact_name: str = "",
    contact_mobile: str = "",
    kind: str,
    topic: str,
    urgency: str = "normal",
    title: str,
    text: str,
    received_on: dt.date | None = None,
    hotline_number: str = "",
    visit_opinion=None,
    files=(),
    region=None,
) -> Appeal:
    """Register a request in the county's pool (待分派) and number it 诉〔YYYY〕N号.

    The office and leaders register for any enterprise of their county, or for one not in
    the registry by name; an enterprise's verified portal account only for itself. The
    number is the region's highest of the year plus one, taken inside the transaction.
    """
    scope = scope_of(acting_user)
    account = None
    recorded_visit = (
        visit_opinion is not None and visit_opinion.visit.recorded_by_id == acting_user.pk
    )
    if not scope.has(*INTAKE_ROLES) and not recorded_visit:
        account = _account_of(acting_user) if Role.ENTERPRISE in scope.roles else None
        if account is None:
            raise AppealRuleError("您没有登记企业诉求的权限", "appeal")
        enterprise, source = account.enterprise, Appeal.Source.PORTAL
    source = _choice(source, Appeal.Source, "诉求来源", "source")
    kind = _choice(kind, Appeal.Kind, "诉求类别", "kind")
    topic = _choice(topic, Appeal.Topic, "诉求领域", "topic")
    urgency = _choice(urgency or Appeal.Urgency.NORMAL, Appeal.Urgency, "紧急程度", "urgency")
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise AppealRuleError("请填写诉求标题", "title")
    if len(title) > 80:
        raise AppealRuleError("诉求标题不能超过 80 个字", "title")
    if not text:
        raise AppealRuleError("请填写诉求内容", "text")
    enterprise_name = (enterprise.name if enterprise else (enterprise_name or "")).strip()
    if not enterprise_name:
        raise AppealRuleError("请选择企业或填写企业名称", "enterprise")
    if len(enterprise_name) > 120:
        raise AppealRuleError("企业名称不能超过 120 个字", "enterprise")
    contact_name = (contact_name or (account.contact_name if account else "")).strip()[:40]
    contact_mobile = (contact_mobile or (account.contact_mobile if account else "")).strip()
    if contact_mobile and not PHONE_RE.match(contact_mobile):
        raise AppealRuleError("联系电话格式不正确", "contact_mobile")
    hotline_number = (hotline_number or "").strip()
    if source == Appeal.Source.HOTLINE and not hotline_number:
        raise AppealRuleError("12345热线转办的诉求请填写工单编号", "hotline_number")
    if len(hotline_number) > 40:
        raise AppealRuleError("12345工单编号不能超过 40 个字符", "hotline_number")
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise AppealRuleError("受理日期不能晚于今天", "received_on")
    files = _check_files(files)

    if region is not None:
        region_id = getattr(region, "pk", region)
    elif enterprise is not None:
        region_id = enterprise.region_id
    else:
        region_id = home_region_id(acting_user)
    if region_id is None:
        raise AppealRuleError("无法确定诉求所属的县，请联系管理员", "region")
    if account is None and not scope.is_admin and region_id not in scope.region_ids:
        raise AppealRuleError("只能登记本县的企业诉求", "region")
    if enterprise is not None and enterprise.region_id != region_id:
        raise AppealRuleError("所选企业不在本县", "enterprise")
    if visit_opinion is not None:
        if source != Appeal.Source.VISIT:
            raise AppealRuleError("走访意见转成的诉求来源应为走访", "source")
        if Appeal.objects.filter(visit_opinion=visit_opinion).exists():
            raise AppealRuleError("这条走访意见已经转为诉求", "visit_opinion")
    if hotline_number:
        existing = Appeal.objects.filter(region_id=region_id, hotline_number=hotline_number).first()
        if existing is not None:
            raise AppealRuleError(
                f"12345工单{hotline_number}已登记为{existing.code}", "hotline_number"
            )

    # Numbers are the county's highest of the year plus one: two filings at the same moment
    # must not both take it (PostgreSQL would refuse the second with a 500). The county's row
    # is locked first; on SQLite the write transaction already holds the database.
    Region.objects.select_for_update().filter(pk=region_id).first()
    last = Appeal.objects.filter(region_id=region_id, year=received_on.year).aggregate(
        n=Max("number")
    )["n"]
    appeal = Appeal.objects.create(
        region_id=region_id,
        year=received_on.year,
        number=(last or 0) + 1,
        source=source,
        enterprise=enterprise,
        enterprise_name=enterprise_name,
        contact_name=contact_name,
        contact_mobile=contact_mobile,
        visit_opinion=visit_opinion,
        hotline_number=hotline_number,
        kind=kind,
        topic=topic,
        urgency=urgency,
        title=title,
        text=text,
        received_on=received_on,
        created_by=acting_user,
    )
    line = f"来源：{appeal.get_source_display()}"
    if hotline_number:
        line += f"，工单编号 {hotline_number}"
    event = _event(appeal, Kind.RECEIVED, acting_user, line, received_on)
    _attach(appeal, event, files)
    if account is not None or source != Appeal.Source.HOTLINE:
        _tell(
            [u for u in office_users(region_id) if u.pk != acting_user.pk],
            f"新的企业诉求：{appeal.code} {title}",
            f"{enterprise_name}（{appeal.get_kind_display()}·{appeal.get_topic_display()}），待分派",
            appeal,
        )
    return appeal


def appeal_from_opinion(
    acting_user: User,
    opinion,
    kind: str,
    topic: str,
    *,
    urgency: str = "normal",
    title: str = "",
    text: str = "",
    received_on: dt.date | None = None,
) -> Appeal:
    """Turn an opinion heard on a visit into a tracked request (source: visit).

    The opinion's one-to-one link to the request is what marks it converted; the visit's
    agreed measure goes into the text so the unit sees what was promised on the spot.
    """
    if not is_office(acting_user):
        raise AppealRuleError("只有企业服务办可以把走访意见转为诉求", "visit_opinion")
    visit = opinion.visit
    body = (text or "").strip() or opinion.text.strip()
    if opinion.measure.strip() and not text:
        body += f"\n现场商定措施：{opinion.measure.strip()}"
    return appeal_receive(
        acting_user=acting_user,
        source=Appeal.Source.VISIT,
        enterprise=visit.enterprise,
        contact_name=visit.enterprise.contact_name,
        contact_mobile=visit.enterprise.contact_mobile,
        kind=kind,
        topic=topic,
        urgency=urgency,
        title=(title or "").strip() or opinion.text.strip().splitlines()[0][:40],
        text=body,
        received_on=received_on or visit.visited_on,
        visit_opinion=opinion,
    )


def appeals_from_visit(visit, acting_user: User) -> list[Appeal]:
    """Every opinion heard on a visit becomes a request (source 走访, class 求助) waiting in the
    pool for dispatch, its topic the suggestion engine's first choice; the office corrects
    the class or topic when it dispatches. Runs inside the visit's own transaction."""
    from .suggest import suggest_for

    appeals = []
    enterprise = visit.enterprise
    for opinion in visit.opinions.all():
        topics = suggest_for(enterprise.region_id, opinion.text, k=1).topics
        appeals.append(
            appeal_receive(
                acting_user=acting_user,
                source=Appeal.Source.VISIT,
                enterprise=enterprise,
                contact_name=enterprise.contact_name,
                contact_mobile=enterprise.contact_mobile,
                kind=Appeal.Kind.HELP,
                topic=topics[0].value if topics else Appeal.Topic.OTHER,
                title=opinion.text.strip().splitlines()[0][:40],
                text=opinion.text.strip()
                + (f"\n现场商定措施：{opinion.measure.strip()}" if opinion.measure.strip() else ""),
                received_on=visit.visited_on,
                visit_opinion=opinion,
            )
        )
    return appeals


def visit_recorded(visit, acting_user: User | None) -> None:
    """The enterprises module's hook: a visit recorded by someone turns its opinions into
    requests; one recorded by no account (an import) leaves them for the office to convert."""
    if acting_user is not None and getattr(acting_user, "pk", None):
        appeals_from_visit(visit, acting_user)


# ---------------------------------------------------------------------------
# Dispatch, send back, accept


@transaction.atomic
def appeal_dispatch(
    acting_user: User,
    appeal: Appeal,
    lead_unit: Unit | None,
    co_units: Iterable[Unit] = (),
    note: str = "",
    *,
    on_date: dt.date | None = None,
) -> Appeal:
    """The office sends the request to a lead unit (and co-units); the clock starts today.

    A request not yet signed for may be re-dispatched: the dues are counted afresh.
    """
    _require_office(acting_user, appeal)
    if lead_unit is None:
        raise AppealRuleError("请选择主办单位", "lead_unit")
    co_units = [u for u in co_units if u.pk != lead_unit.pk]
    for unit in [lead_unit, *co_units]:
        if unit.region_id != appeal.region_id:
            raise AppealRuleError(f"{unit.name}不在本县", "lead_unit")
    appeal = _locked(appeal)
    if appeal.status not in (Status.NEW, Status.DISPATCHED):
        raise AppealRuleError(f"诉求{appeal.get_status_display()}，不能再分派", "appeal")
    today = _today(on_date)
    due = deadlines.dues(today, deadlines.rule_for(appeal.region_id, appeal.kind, appeal.urgency))
    redispatch = appeal.status == Status.DISPATCHED or appeal.dispatched_on is not None
    appeal.status = Status.DISPATCHED
    appeal.lead_unit = lead_unit
    appeal.dispatched_on = today
    appeal.accept_due, appeal.reply_due, appeal.resolve_due = due[:3]
    appeal.due_provisional = due.provisional
    appeal.save(
        update_fields=[
            "status",
            "lead_unit",
            "dispatched_on",
            "accept_due",
            "reply_due",
            "resolve_due",
            "due_provisional",
        ]
    )
    appeal.co_units.set(co_units)
    line = f"{'重新分派' if redispatch else '分派'}给{lead_unit.name}主办"
    if co_units:
        line += f"，{'、'.join(u.name for u in co_units)}协办"
    if (note or "").strip():
        line += f"。{note.strip()}"
    _event(appeal, Kind.DISPATCHED, acting_user, line, today, unit=lead_unit)
    body = (
        f"{appeal.enterprise_name}：{appeal.title}\n签收期限 {appeal.accept_due:%Y-%m-%d}，"
        f"首次答复期限 {appeal.reply_due:%Y-%m-%d}，办结期限 {appeal.resolve_due:%Y-%m-%d}"
        + ("（暂定）" if appeal.due_provisional else "")
    )
    _tell(unit_users(lead_unit.pk), f"请签收企业诉求：{appeal.code}", body, appeal)
    for unit in co_units:
        _tell(unit_users(unit.pk), f"请协办企业诉求：{appeal.code}", body, appeal)
    return appeal


@transaction.atomic
def appeal_send_back(
    acting_user: User, appeal: Appeal, reason: str, *, on_date: dt.date | None = None
) -> Appeal:
    """The lead unit returns a request that is not its business (退回), with a reason.

    Only before signing for it and within 1 working day of the dispatch: after that the
    unit has taken it on, and the office must hear it in person.
    """
    _require_lead_unit(acting_user, appeal)
    reason = (reason or "").strip()
    if not reason:
        raise AppealRuleError("请填写退回理由", "reason")
    appeal = _locked(appeal)
    if appeal.status != Status.DISPATCHED:
        raise AppealRuleError(f"诉求{appeal.get_status_display()}，不能退回", "appeal")
    today = _today(on_date)
    until = send_back_until(appeal)
    if today > until:
        raise AppealRuleError(
            f"分派后 1 个工作日内（{until:%Y-%m-%d} 前）才能退回；请与企业服务办联系", "reason"
        )
    unit = appeal.lead_unit
    appeal.status = Status.NEW
    appeal.lead_unit = None
    appeal.accept_due = appeal.reply_due = appeal.resolve_due = None
    appeal.due_provisional = False
    appeal.save(
        update_fields=[
            "status",
            "lead_unit",
            "accept_due",
            "reply_due",
            "resolve_due",
            "due_provisional",
        ]
    )
    appeal.co_units.clear()
    _event(appeal, Kind.SENT_BACK, acting_user, reason, today, unit=unit)
    _tell(
        office_users(appeal.region_id),
        f"诉求被退回：{appeal.code}",
        f"{unit.name}退回：{reason}。请重新分派。",
        appeal,
    )
    return appeal


@transaction.atomic
def appeal_accept(acting_user: User, appeal: Appeal, *, on_date: dt.date | None = None) -> Appeal:
    """The lead unit signs for the request (签收) and answers for it from now on."""
    _require_lead_unit(acting_user, appeal)
    appeal = _locked(appeal)
    if appeal.status != Status.DISPATCHED:
        raise AppealRuleError(f"诉求{appeal.get_status_display()}，不能签收", "appeal")
    today = _today(on_date)
    appeal.status = Status.ACCEPTED
    appeal.accepted_on = today
    appeal.save(update_fields=["status", "accepted_on"])
    _event(appeal, Kind.ACCEPTED, acting_user, "", today, unit=appeal.lead_unit)
    return appeal


# ---------------------------------------------------------------------------
# Reply, rating, follow-up call


@transaction.atomic
def appeal_reply(
    acting_user: User,
    appeal: Appeal,
    text: str,
    files=(),
    *,
    on_date: dt.date | None = None,
) -> Appeal:
    """The lead unit answers with the measures taken; the enterprise is asked to rate."""
    _require_lead_unit(acting_user, appeal)
    text = (text or "").strip()
    files = _check_files(files)
    appeal = _locked(appeal)
    if appeal.status == Status.RESOLVED:
        raise AppealRuleError("诉求已办结，不能再答复", "appeal")
    if appeal.status == Status.DISPATCHED:
        raise AppealRuleError("请先签收诉求，再答复", "appeal")
    if appeal.status != Status.ACCEPTED:
        raise AppealRuleError(f"诉求{appeal.get_status_display()}，不能答复", "appeal")
    if not text:
        raise AppealRuleError("请填写答复内容（采取的措施和结果）", "text")
    today = _today(on_date)
    appeal.status = Status.REPLIED
    appeal.first_reply_on = appeal.first_reply_on or today
    appeal.replied_on = today
    appeal.save(update_fields=["status", "first_reply_on", "replied_on"])
    event = _event(appeal, Kind.REPLIED, acting_user, text, today, unit=appeal.lead_unit)
    _attach(appeal, event, files)
    _tell(
        enterprise_users(appeal),
        f"您的诉求已答复：{appeal.code}",
        f"{appeal.lead_unit.name}：{text}\n请对办理结果进行评价。",
        appeal,
    )
    return appeal


@transaction.atomic
def appeal_ask_question(
    acting_user: User, appeal: Appeal, text: str, *, on_date: dt.date | None = None
) -> AppealEvent:
    """The lead unit asks the enterprise for what it needs to know (补充询问); the enterprise
    answers on the portal (``portal.answer_question``). The request stays 办理中 meanwhile."""
    _require_lead_unit(acting_user, appeal)
    text = (text or "").strip()
    appeal = _locked(appeal)
    if appeal.status != Status.ACCEPTED:
        raise AppealRuleError(f"诉求{appeal.get_status_display()}，不能询问企业", "appeal")
    if not text:
        raise AppealRuleError("请填写要询问企业的问题", "text")
    event = _event(appeal, Kind.QUESTION, acting_user, text, on_date, unit=appeal.lead_unit)
    _tell(
        enterprise_users(appeal),
        f"办理单位需要您补充情况：{appeal.code}",
        f"{appeal.lead_unit.name}：{text}",
        appeal,
    )
    return event


def _apply_rating(
    appeal: Appeal, rating: str, acting_user: User, text: str, kind: str, today: dt.date
) -> Appeal:
    """满意/基本满意 close the request; 不满意 reopens it with fresh dues and counts it."""
    if rating not in Appeal.Rating.values:
        raise AppealRuleError("请选择满意度", "rating")
    label = Appeal.Rating(rating).label
    _event(appeal, kind, acting_user, f"{label}。{text}" if text else label, today)
    appeal.rating = rating
    if rating != Appeal.Rating.UNSATISFIED:
        appeal.status = Status.RESOLVED
        appeal.resolved_on = today
        appeal.save(update_fields=["rating", "status", "resolved_on"])
        _event(appeal, Kind.RESOLVED, None, f"企业评价{label}，办结", today)
        return appeal
    rule = deadlines.rule_for(appeal.region_id, appeal.kind, appeal.urgency)
    due = deadlines.dues(today, rule)
    appeal.status = Status.ACCEPTED
    appeal.reopen_count += 1
    appeal.reply_due, appeal.resolve_due = due.reply_due, due.resolve_due
    appeal.due_provisional = due.provisional
    appeal.save(
        update_fields=[
            "rating",
            "status",
            "reopen_count",
            "reply_due",
            "resolve_due",
            "due_provisional",
        ]
    )
    _event(
        appeal,
        Kind.REOPENED,
        None,
        f"企业不满意，第 {appeal.reopen_count} 次重新办理；"
        f"答复期限 {due.reply_due:%Y-%m-%d}，办结期限 {due.resolve_due:%Y-%m-%d}",
        today,
        unit=appeal.lead_unit,
    )
    _tell(
        unit_users(appeal.lead_unit_id),
        f"企业不满意，诉求重新办理：{appeal.code}",
        text or appeal.title,
        appeal,
    )
    return appeal


@transaction.atomic
def appeal_rate(
    acting_user: User,
    appeal: Appeal,
    rating: str,
    comment: str = "",
    *,
    on_date: dt.date | None = None,
) -> Appeal:
    """The enterprise rates the reply on the portal, through its verified account.

    Another enterprise's request is "记录不存在" (Http404), as everywhere in Tuijin.
    """
    get_visible_or_404(Appeal.objects, acting_user, pk=appeal.pk)
    account = _account_of(acting_user)
    if account is None or account.enterprise_id != appeal.enterprise_id:
        raise AppealRuleError("只有提出诉求的企业可以评价；企业服务办请登记回访", "rating")
    appeal = _locked(appeal)
    if appeal.status != Status.REPLIED:
        raise AppealRuleError(f"诉求{appeal.get_status_display()}，不能评价", "rating")
    return _apply_rating(
        appeal, rating, acting_user, (comment or "").strip(), Kind.RATED, _today(on_date)
    )


@transaction.atomic
def appeal_follow_up(
    acting_user: User,
    appeal: Appeal,
    rating: str,
    note: str = "",
    *,
    on_date: dt.date | None = None,
) -> Appeal:
    """The office calls the enterprise back (回访) and records the rating it gives."""
    _require_office(acting_user, appeal)
    appeal = _locked(appeal)
    if appeal.status != Status.REPLIED:
        raise AppealRuleError(f"诉求{appeal.get_status_display()}，不能登记回访", "rating")
    return _apply_rating(
        appeal, rating, acting_user, (note or "").strip(), Kind.FOLLOW_UP, _today(on_date)
    )


# ---------------------------------------------------------------------------
# Extension


@transaction.atomic
def appeal_ask_extension(
    acting_user: User,
    appeal: Appeal,
    days: int | None,
    reason: str,
    *,
    on_date: dt.date | None = None,
) -> AppealEvent:
    """The lead unit asks once for more working days to resolve, with a reason."""
    _require_lead_unit(acting_user, appeal)
    reason = (reason or "").strip()
    if not reason:
        raise AppealRuleError("请填写延期理由", "reason")
    if days is None or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise AppealRuleError(f"延期天数应在 1 到 {MAX_EXTENSION_DAYS} 个工作日之间", "days")
    appeal = _locked(appeal)
    if appeal.status not in (Status.DISPATCHED, Status.ACCEPTED):
        raise AppealRuleError(f"诉求{appeal.get_status_display()}，不能申请延期", "appeal")
    if appeal.events.filter(kind=Kind.EXTENSION_ASKED).exists():
        raise AppealRuleError("每件诉求只能申请一次延期", "days")
    event = _event(
        appeal,
        Kind.EXTENSION_ASKED,
        acting_user,
        f"申请延期 {days} 个工作日：{reason}",
        _today(on_date),
        unit=appeal.lead_unit,
        days=days,
    )
    _tell(
        office_users(appeal.region_id),
        f"诉求申请延期：{appeal.code}",
        f"{appeal.lead_unit.name}申请延期 {days} 个工作日：{reason}",
        appeal,
    )
    return event


@transaction.atomic
def appeal_decide_extension(
    acting_user: User,
    appeal: Appeal,
    approve: bool,
    note: str = "",
    *,
    on_date: dt.date | None = None,
) -> Appeal:
    """The office approves (the resolve due moves by the days asked) or refuses."""
    _require_office(acting_user, appeal)
    note = (note or "").strip()
    appeal = _locked(appeal)
    asked = pending_extension(appeal)
    if asked is None:
        raise AppealRuleError("没有待审批的延期申请", "appeal")
    if not approve and not note:
        raise AppealRuleError("不同意延期请说明理由", "note")
    today = _today(on_date)
    if approve:
        old = appeal.resolve_due
        moved = workdays.add_workdays(old, asked.days)
        appeal.resolve_due = moved.value
        appeal.due_provisional = appeal.due_provisional or moved.provisional
        appeal.extended = True
        appeal.save(update_fields=["resolve_due", "due_provisional", "extended"])
        line = (
            f"同意延期 {asked.days} 个工作日，办结期限由 {old:%Y-%m-%d} 改为 {moved.value:%Y-%m-%d}"
        )
        _event(
            appeal,
            Kind.EXTENSION_APPROVED,
            acting_user,
            f"{line}。{note}" if note else line,
            today,
            days=asked.days,
        )
        title = f"延期申请已同意：{appeal.code}"
        body = line
    else:
        _event(appeal, Kind.EXTENSION_REFUSED, acting_user, note, today)
        title, body = f"延期申请未同意：{appeal.code}", note
    _tell(unit_users(appeal.lead_unit_id), title, body, appeal)
    return appeal


# ---------------------------------------------------------------------------
# Deadline rules


@transaction.atomic
def deadline_rules_save(
    acting_user: User, region_id: int, values: dict[tuple[str, str], tuple[int, int, int]]
) -> int:
    """The office tunes the county's deadlines; returns how many rows changed.

    Every row is checked before any is written, so a bad row changes nothing. Requests
    already dispatched keep their dues: the rule applies from the next dispatch.
    """
    scope = scope_of(acting_user)
    if not scope.has(*SERVICE_OFFICE_ROLES):
        raise AppealRuleError("只有企业服务办可以调整诉求时限", "rules")
    if not scope.is_admin and region_id not in scope.region_ids:
        raise AppealRuleError("只能调整本县的诉求时限", "rules")
    for (kind, urgency), days in values.items():
        if (kind, urgency) not in deadlines.DEFAULTS:
            raise AppealRuleError("未知的诉求类别或紧急程度", "rules")
        message = deadlines.validate_days(*days)
        if message:
            label = f"{Appeal.Kind(kind).label}·{Appeal.Urgency(urgency).label}"
            raise AppealRuleError(f"{label}：{message}", "rules")
    changed = 0
    # The county's rules read once (saved or default), each changed one written on its own.
    table = {(rule.kind, rule.urgency): rule for rule in deadlines.rules_table(region_id)}
    for (kind, urgency), (accept, reply, resolve) in values.items():
        rule = table[(kind, urgency)]
        if (rule.accept_days, rule.reply_days, rule.resolve_days) == (accept, reply, resolve):
            continue
        rule.accept_days, rule.reply_days, rule.resolve_days = accept, reply, resolve
        rule.save()  # a default rule is unsaved: this creates the county's own
        changed += 1
    return changed
