"""Business rules of leaders going out: log a trip, keep a lead, convert it into a project.

Pages, the API, the demo and commands call these; each takes the acting user, validates,
and writes in one transaction. Errors are ``OutreachRuleError`` with a Chinese message
naming the field, so every caller shows it as it is and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from tuijin.core.models import Person, User, notify
from tuijin.core.roles import DirectoryRole, Role
from tuijin.core.scoping import CHANGE, home_region_id, scope_of
from tuijin.core.versioning import StaleWrite

from .models import (
    COUNTY_OUTREACH_ROLES,
    Half,
    Lead,
    LeadEvent,
    LeadStatus,
    OutreachTrip,
)

# A trip longer than this is a posting, not a trip: it would swamp the weekly project day.
MAX_TRIP_DAYS = 30
LEADER_DIRECTORY_ROLES = (DirectoryRole.LEADER, DirectoryRole.PRINCIPAL)


class OutreachRuleError(ValueError):
    """A rule of trips and leads refused the change; ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def county_leaders(region_id: int | None) -> QuerySet[Person]:
    """The county leaders (主要领导 and 县领导) who may go out and own leads."""
    return (
        Person.objects.filter(region_id=region_id, roles__role__in=LEADER_DIRECTORY_ROLES)
        .distinct()
        .order_by("order", "id")
    )


def leaders_for(user: User) -> QuerySet[Person]:
    """Whom ``user`` may name as a trip's leaders or a lead's owner: a county leader only
    themselves, the principal leaders and the office any leader of the county."""
    scope = scope_of(user)
    people = county_leaders(home_region_id(user))
    if scope.has(*COUNTY_OUTREACH_ROLES):
        return people
    if scope.has(Role.LEADER) and scope.person_id:
        return people.filter(pk=scope.person_id)
    return people.none()


def _actor_name(user: User | None) -> str:
    if user is None:
        return "系统"
    return (getattr(user, "display_name", "") or user.get_username())[:30]


# --- Trips --------------------------------------------------------------------------------


def _check_trip(
    leaders: list[Person],
    start_date: dt.date | None,
    start_half: str,
    end_date: dt.date | None,
    end_half: str,
    destination: str,
    purpose: str,
    today: dt.date,
    allowed: QuerySet[Person],
) -> None:
    if not leaders:
        raise OutreachRuleError("请至少选择一位带队县领导", "leaders")
    allowed_ids = set(allowed.values_list("pk", flat=True))
    if any(p.pk not in allowed_ids for p in leaders):
        raise OutreachRuleError(
            "只能登记本县县领导的外出（县领导只能登记本人参加的外出）", "leaders"
        )
    if start_date is None:
        raise OutreachRuleError("请填写出发日期", "start_date")
    if end_date is None:
        raise OutreachRuleError("请填写返回日期", "end_date")
    if start_half not in Half.values or end_half not in Half.values:
        raise OutreachRuleError("时段只能是上午或下午", "start_half")
    if end_date < start_date or (
        end_date == start_date and start_half == Half.PM and end_half == Half.AM
    ):
        raise OutreachRuleError("返回时间不能早于出发时间", "end_date")
    if (end_date - start_date).days + 1 > MAX_TRIP_DAYS:
        raise OutreachRuleError(f"一次外出不能超过 {MAX_TRIP_DAYS} 天，请分段登记", "end_date")
    if end_date > today:
        raise OutreachRuleError("请在返回后登记外出，返回日期不能晚于今天", "end_date")
    if not destination.strip():
        raise OutreachRuleError("请填写目的地城市", "destination")
    if not purpose.strip():
        raise OutreachRuleError("请填写外出目的", "purpose")


@transaction.atomic
def trip_log(
    *,
    acting_user: User,
    leaders: Iterable[Person],
    start_date: dt.date | None,
    end_date: dt.date | None,
    destination: str,
    purpose: str,
    counterparts: str = "",
    outcome: str = "",
    start_half: str = Half.AM,
    end_half: str = Half.PM,
    today: dt.date | None = None,
) -> OutreachTrip:
    """Log a trip of one or more county leaders; it counts toward their weekly project day."""
    today = today or timezone.localdate()
    leaders = list(leaders)
    _check_trip(
        leaders,
        start_date,
        start_half,
        end_date,
        end_half,
        destination,
        purpose,
        today,
        leaders_for(acting_user),
    )
    trip = OutreachTrip.objects.create(
        region_id=leaders[0].region_id,
        start_date=start_date,
        start_half=start_half,
        end_date=end_date,
        end_half=end_half,
        destination=destination.strip(),
        counterparts="\n".join(line.strip() for line in counterparts.splitlines() if line.strip()),
        purpose=purpose.strip(),
        outcome=outcome.strip(),
        created_by=acting_user,
    )
    trip.leaders.set(leaders)
    return trip


# --- Leads --------------------------------------------------------------------------------


def _event(lead: Lead, kind: str, actor: User | None, on_date: dt.date, **fields) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead, kind=kind, actor=actor, actor_name=_actor_name(actor), on_date=on_date, **fields
    )


def _check_money(value: Decimal | None) -> None:
    if value is not None and value < 0:
        raise OutreachRuleError("意向投资不能为负数", "intended_investment")


@transaction.atomic
def lead_create(
    *,
    acting_user: User,
    owner: Person | None,
    title: str,
    company: str,
    industry: str = "",
    intended_investment: Decimal | None = None,
    status: str = LeadStatus.CONTACT,
    next_step: str = "",
    next_date: dt.date | None = None,
    trip: OutreachTrip | None = None,
    source: str = "",
    notes: str = "",
    created_on: dt.date | None = None,
) -> Lead:
    """Record a lead found on a trip or elsewhere; its timeline starts here."""
    created_on = created_on or timezone.localdate()
    if owner is None:
        raise OutreachRuleError("请选择负责县领导", "owner")
    if not leaders_for(acting_user).filter(pk=owner.pk).exists():
        raise OutreachRuleError("负责县领导须为本县县领导（县领导只能登记自己负责的线索）", "owner")
    if not company.strip():
        raise OutreachRuleError("请填写企业名称", "company")
    if not title.strip():
        raise OutreachRuleError("请填写项目名称", "title")
    if status not in (LeadStatus.CONTACT, LeadStatus.TALKING, LeadStatus.INTENT):
        raise OutreachRuleError("新线索的洽谈阶段只能是初步接洽、深入洽谈或达成意向", "status")
    _check_money(intended_investment)
    if trip is not None and trip.region_id != owner.region_id:
        raise OutreachRuleError("来源外出不属于本县", "trip")
    lead = Lead.objects.create(
        region_id=owner.region_id,
        title=title.strip(),
        company=company.strip(),
        industry=industry.strip(),
        intended_investment=intended_investment,
        status=status,
        next_step=next_step.strip(),
        next_date=next_date,
        owner=owner,
        trip=trip,
        source="" if trip else source.strip(),
        notes=notes.strip(),
        created_on=created_on,
        created_by=acting_user,
    )
    _event(
        lead,
        LeadEvent.Kind.CREATED,
        acting_user,
        created_on,
        to_status=status,
        text=f"来源：{lead.source_text}",
    )
    return lead


def can_change(user: User, lead: Lead) -> bool:
    return Lead.objects.visible_to(user, CHANGE).filter(pk=lead.pk).exists()


@transaction.atomic
def lead_update(
    lead: Lead,
    *,
    acting_user: User,
    status: str,
    next_step: str,
    next_date: dt.date | None,
    note: str = "",
    on_date: dt.date | None = None,
    expected_version: int | None = None,
) -> Lead:
    """Move the talks on: a new stage or next step goes into the lead's timeline.

    With ``expected_version`` (the version the page showed), an update made after someone
    else's is refused with what they changed (no lost update)."""
    on_date = on_date or timezone.localdate()
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if expected_version is not None and lead.version != expected_version:
        raise StaleWrite(lead, expected_version)
    if not can_change(acting_user, lead):
        raise OutreachRuleError("您无权更新这条线索", "status")
    if lead.status == LeadStatus.CONVERTED:
        raise OutreachRuleError("线索已转为项目，请在项目中继续推进", "status")
    if status == LeadStatus.CONVERTED:
        raise OutreachRuleError("请用「转为项目」把线索转为在谈项目", "status")
    if status not in LeadStatus.values:
        raise OutreachRuleError("未知的洽谈阶段", "status")
    if on_date < lead.created_on:
        raise OutreachRuleError("日期不能早于线索登记日期", "on_date")
    changed = False
    if status != lead.status:
        _event(
            lead,
            LeadEvent.Kind.STAGE,
            acting_user,
            on_date,
            from_status=lead.status,
            to_status=status,
            text=note.strip()[:300],
        )
        lead.status, changed = status, True
    next_step = next_step.strip()
    if next_step != lead.next_step or next_date != lead.next_date:
        when = f"（{next_date:%Y年%m月%d日}前）" if next_date else ""
        text = f"{next_step}{when}" if next_step else "清除了下一步工作"
        if not changed and note.strip():
            text = f"{text}；{note.strip()}"
        _event(lead, LeadEvent.Kind.NEXT, acting_user, on_date, text=text[:300])
        lead.next_step, lead.next_date, changed = next_step, next_date, True
    if not changed:
        raise OutreachRuleError("没有需要保存的变化", "status")
    lead.save()
    return lead


def _project_content(lead: Lead) -> str:
    source = f"来源：项目线索「{lead.title}」（{lead.company}，{lead.source_text}，" + (
        f"{lead.created_on:%Y年%m月%d日}登记，负责县领导{lead.owner.name}）"
    )
    return f"{lead.notes}\n{source}" if lead.notes else source


@transaction.atomic
def lead_convert(
    lead: Lead,
    *,
    acting_user: User,
    name: str | None = None,
    total_investment: Decimal | None = None,
    today: dt.date | None = None,
):
    """Turn a lead into a negotiating (在谈) project, once: the investor is the lead's company
    and the contact leader its owner; the lead keeps its timeline and points to the project."""
    from tuijin.projects import lights
    from tuijin.projects.models import Project, Stage
    from tuijin.projects.services import create_milestones

    today = today or timezone.localdate()
    lead = (
        Lead.objects.select_for_update(of=("self",)).select_related("owner", "trip").get(pk=lead.pk)
    )
    if not can_change(acting_user, lead):
        raise OutreachRuleError("您无权转化这条线索", "lead")
    if lead.project_id or lead.status == LeadStatus.CONVERTED:
        raise OutreachRuleError("该线索已转为项目，不能重复转化", "lead")
    if lead.status == LeadStatus.DROPPED:
        raise OutreachRuleError("已终止的线索不能转为项目", "lead")
    name = (name or lead.title).strip()
    if not name:
        raise OutreachRuleError("请填写项目名称", "name")
    if len(name) > 120:
        raise OutreachRuleError("项目名称不能超过 120 个字", "name")
    if Project.objects.filter(region_id=lead.region_id, name=name).exists():
        raise OutreachRuleError(f"本县已有名为「{name}」的项目，请换一个名称", "name")
    investment = total_investment if total_investment is not None else lead.intended_investment
    if investment is None:
        raise OutreachRuleError("请填写项目总投资（万元）", "total_investment")
    if investment < 0:
        raise OutreachRuleError("总投资不能为负数", "total_investment")
    project = Project.objects.create(
        region_id=lead.region_id,
        name=name,
        industry=lead.industry[:40],
        total_investment=investment,
        investor_name=lead.company[:120],
        contact_leader=lead.owner,
        stage=Stage.NEGOTIATING,
        start_year=today.year,
        content=_project_content(lead),
    )
    create_milestones(project)
    lights.recompute(Project.objects.filter(pk=project.pk), today)
    _event(
        lead,
        LeadEvent.Kind.CONVERTED,
        acting_user,
        today,
        from_status=lead.status,
        to_status=LeadStatus.CONVERTED,
        text=f"转为在谈项目「{project.name}」",
    )
    lead.status, lead.project, lead.converted_on = LeadStatus.CONVERTED, project, today
    lead.save()
    link = reverse("projects:detail", args=[project.pk])
    if lead.owner.user_id and lead.owner.user_id != acting_user.pk:
        notify(
            lead.owner.user,
            f"您负责的线索已转为在谈项目：{project.name}",
            f"{lead.company}，{_actor_name(acting_user)}操作。",
            link,
        )
    return project
