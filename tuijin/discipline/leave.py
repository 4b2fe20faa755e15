"""Leave (请假), and the speech's rule 「为了项目，任何事都可以请假」.

Leave whose reason is project work, linked to a project, a site check (现场察看) or an
outreach trip (外出招商), is approved at once and recorded (``AUTO_APPROVED``); the record then
says who was away on which project (or trip). Other leave waits for the usual approver:
- a unit's staff ask their unit's head (DirectoryRole.UNIT_HEAD, the first in directory order);
- a unit head, a county leader, or anyone whose unit has no other head asks a principal county
  leader (the first in directory order: the county party secretary in the demo county).
Principal county leaders may also decide any pending leave of their county.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from tuijin.core.models import Person, PersonRole, User, notify
from tuijin.core.roles import DirectoryRole, Role
from tuijin.core.scoping import CHANGE, scope_of
from tuijin.projects.models import Project, SiteCheck

from .errors import DisciplineRuleError
from .meetings import acting_principal, principal_leaders
from .models import Half, Leave

Status = Leave.Status
Reason = Leave.Reason

AUTO_NOTE = "为了项目，任何事都可以请假：项目工作请假自动批准"


def approver_for(person: Person) -> Person | None:
    """The usual approver of ``person``'s leave (see the module's text)."""
    if person.unit_id:
        heads = Person.objects.filter(
            unit_id=person.unit_id, roles__role=DirectoryRole.UNIT_HEAD
        ).exclude(pk=person.pk)
        is_head = PersonRole.objects.filter(person=person, role=DirectoryRole.UNIT_HEAD).exists()
        head = None if is_head else heads.order_by("order", "id").first()
        if head is not None:
            return head
    return principal_leaders(person.region_id).exclude(pk=person.pk).first()


def _half_index(day: dt.date, half: str) -> int:
    return day.toordinal() * 2 + (1 if half == Half.PM else 0)


def may_file_for(acting_user: User, person: Person) -> bool:
    """Anyone files their own leave; a unit's staff also file for the unit's people."""
    scope = scope_of(acting_user)
    if scope.is_admin or scope.person_id == person.pk:
        return True
    return (
        scope.has(Role.UNIT_STAFF)
        and Person.objects.visible_to(scope, CHANGE).filter(pk=person.pk).exists()
    )


def fileable_people(acting_user: User) -> QuerySet:
    """The people this user may file leave for (see ``may_file_for``)."""
    scope = scope_of(acting_user)
    people = Person.objects.select_related("unit").order_by("unit__order", "order", "id")
    if scope.is_admin:
        return people.filter(region_id__in=scope.region_ids) if scope.region_ids else people
    q = Q(pk=scope.person_id) if scope.person_id else Q(pk__in=[])
    if scope.has(Role.UNIT_STAFF):
        q |= Q(pk__in=Person.objects.visible_to(scope, CHANGE).values("pk"))
    return people.filter(q)


@transaction.atomic
def leave_request(
    *,
    acting_user: User,
    person: Person | None,
    start_date: dt.date | None,
    end_date: dt.date | None,
    reason_kind: str,
    start_half: str = Half.AM,
    end_half: str = Half.PM,
    reason: str = "",
    project: Project | None = None,
    site_check: SiteCheck | None = None,
    trip=None,
) -> Leave:
    """File a leave; project work is approved on the spot, other leave goes to the approver."""
    if person is None:
        raise DisciplineRuleError("请选择请假人", "person")
    if not may_file_for(acting_user, person):
        raise DisciplineRuleError("您只能为本人或本单位人员请假", "person")
    if start_date is None or end_date is None:
        raise DisciplineRuleError("请填写请假的开始和结束日期", "start_date")
    if start_half not in Half.values or end_half not in Half.values:
        raise DisciplineRuleError("请选择上午或下午", "start_half")
    if reason_kind not in Reason.values:
        raise DisciplineRuleError("请选择请假事由", "reason_kind")
    start, end = _half_index(start_date, start_half), _half_index(end_date, end_half)
    if end < start:
        raise DisciplineRuleError("结束时间不能早于开始时间", "end_date")
    if end_date - start_date > dt.timedelta(days=365):
        raise DisciplineRuleError("一次请假不能超过一年", "end_date")
    reason = (reason or "").strip()[:200]

    if reason_kind == Reason.PROJECT_WORK:
        if site_check is not None:
            if project is not None and site_check.project_id != project.pk:
                raise DisciplineRuleError("所选现场察看不是这个项目的", "site_check")
            project = site_check.project
        if project is None and trip is None:
            raise DisciplineRuleError("项目工作请假须关联项目、现场察看或外出招商", "project")
        if project is not None and project.region_id != person.region_id:
            raise DisciplineRuleError("所选项目不是本县项目", "project")
        if trip is not None and trip.region_id != person.region_id:
            raise DisciplineRuleError("所选外出招商不是本县的", "trip")
    else:
        project, site_check, trip = None, None, None
        if not reason:
            raise DisciplineRuleError("请写明请假的具体事由", "reason")

    for other in (
        Leave.objects.select_for_update()
        .filter(person=person, start_date__lte=end_date, end_date__gte=start_date)
        .exclude(status=Status.REFUSED)
    ):
        if _half_index(other.start_date, other.start_half) <= end and start <= _half_index(
            other.end_date, other.end_half
        ):
            raise DisciplineRuleError(
                f"{person.name}在{other.period_text}已有请假，时间不能重叠", "start_date"
            )

    fields: dict = {"status": Status.PENDING, "approver": approver_for(person)}
    if reason_kind == Reason.PROJECT_WORK:
        fields = {"status": Status.AUTO_APPROVED, "decided_at": timezone.now()}
        fields["decision_note"] = AUTO_NOTE
    leave = Leave.objects.create(
        region_id=person.region_id,
        person=person,
        start_date=start_date,
        start_half=start_half,
        end_date=end_date,
        end_half=end_half,
        reason_kind=reason_kind,
        reason=reason,
        project=project,
        site_check=site_check,
        trip=trip,
        requested_by=acting_user,
        **fields,
    )
    if leave.status == Status.PENDING and leave.approver is not None:
        notify(
            leave.approver.user,
            f"请假待审批：{person.name}",
            f"{leave.period_text}，{leave.days} 天，{leave.get_reason_kind_display()}：{reason}",
            reverse("discipline:leave", args=[leave.pk]),
        )
    return leave


def may_decide(acting_user: User, leave: Leave) -> bool:
    """The leave's approver, or a principal county leader of its county."""
    scope = scope_of(acting_user)
    if leave.status != Status.PENDING or not scope.person_id:
        return False
    if leave.approver_id and scope.person_id == leave.approver_id:
        return True
    principal = acting_principal(acting_user)
    return principal is not None and principal.region_id == leave.region_id


@transaction.atomic
def leave_decide(*, acting_user: User, leave: Leave, approve: bool, note: str = "") -> Leave:
    """The approver approves or refuses a pending leave; the requester is told."""
    leave = Leave.objects.select_for_update().get(pk=leave.pk)
    if leave.status != Status.PENDING:
        raise DisciplineRuleError(f"这条请假已是“{leave.get_status_display()}”，无需再审批", None)
    if not may_decide(acting_user, leave):
        raise DisciplineRuleError("只有审批人或县党政主要领导可以审批这条请假", None)
    note = (note or "").strip()[:200]
    if not approve and not note:
        raise DisciplineRuleError("不予批准时请写明意见", "note")
    leave.status = Status.APPROVED if approve else Status.REFUSED
    leave.decided_by_id = scope_of(acting_user).person_id
    leave.decided_at = timezone.now()
    leave.decision_note = note
    leave.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    link = reverse("discipline:leave", args=[leave.pk])
    title = f"请假{leave.get_status_display()}：{leave.period_text}"
    for user in {leave.requested_by, leave.person.user}:
        notify(user, title, note, link)
    return leave


def queue_for(acting_user: User) -> QuerySet:
    """Pending leave this user may decide: theirs as approver; the county's for principals."""
    scope = scope_of(acting_user)
    if not scope.person_id:
        return Leave.objects.none()
    principal = acting_principal(acting_user)
    if principal is not None:
        return Leave.objects.filter(region_id=principal.region_id, status=Status.PENDING)
    return Leave.objects.filter(approver_id=scope.person_id, status=Status.PENDING)


@dataclass
class Absence:
    """Who was away on one project (or outreach trip), and for how many days in all."""

    label: str
    project: Project | None = None
    leaves: list[Leave] = field(default_factory=list)

    @property
    def days(self) -> Decimal:
        return sum((leave.days for leave in self.leaves), Decimal("0"))


def away_on_projects(leaves: QuerySet, since: dt.date, until: dt.date) -> list[Absence]:
    """Approved project-work leave overlapping [since, until], grouped by project (a trip
    without a project is its own group), most days first: who was away on which project."""
    rows = (
        leaves.filter(
            reason_kind=Reason.PROJECT_WORK,
            status__in=Leave.APPROVED_STATUSES,
            start_date__lte=until,
            end_date__gte=since,
        )
        .select_related("person__unit", "project", "trip")
        .order_by("start_date", "id")
    )
    groups: dict[tuple[str, int], Absence] = {}
    for leave in rows:
        if leave.project_id:
            key, label = ("project", leave.project_id), leave.project.name
        elif leave.trip_id:
            trip = leave.trip
            key, label = (
                ("trip", trip.pk),
                f"外出招商：{trip.destination}（{trip.start_date:%m-%d}）",
            )
        else:
            continue
        groups.setdefault(key, Absence(label, leave.project)).leaves.append(leave)
    return sorted(groups.values(), key=lambda g: (-g.days, g.label))
