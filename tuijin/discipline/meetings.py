"""The meetings register and its convening rule (会议管理).

The speech: 「除党政主要领导外，其他县领导一般不得召集乡镇、项目主要领导汇报、开会」. A meeting whose
invitees include a principal leader of a township, a platform or a project stands only when a
principal county leader (DirectoryRole.PRINCIPAL: 县委书记、县长) convenes it, or approves it.

Who counts as "a principal leader of a township/platform or of a project" (decided here, once):
- a township's or platform's head: a person holding DirectoryRole.UNIT_HEAD in a unit of kind
  township or platform (党委书记、镇长、党工委书记、管委会主任);
- a project's principal leader: a person holding DirectoryRole.UNIT_HEAD who is a named
  responsible person (ProjectPerson) of a project in progress, or who heads the lead department
  of one (a project in progress: not completed, not dropped).

What is stored: a submission the rule refuses is NOT saved (the form says why, quoting the
rule). Whoever still needs the meeting asks for approval explicitly; that request is stored as
``PENDING`` and the principal leaders are told. A principal leader approves (``APPROVED``) or
refuses (``REFUSED``, kept as the record of an attempt). A principal leader who registers a
meeting convened by someone else records their own approval by doing so. Only ``ALLOWED`` and
``APPROVED`` meetings count as held (the weekly count, the weekly project day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from tuijin.core.models import Person, PersonRole, Unit, User, notify
from tuijin.core.roles import DirectoryRole, Role
from tuijin.core.scoping import home_region_id, scope_of
from tuijin.projects.models import Project, ProjectPerson, Stage

from .errors import DisciplineRuleError
from .models import Meeting

Status = Meeting.Status

RULE_TEXT = "除党政主要领导外，其他县领导一般不得召集乡镇、项目主要领导汇报、开会"
HEAD_UNIT_KINDS = (Unit.Kind.TOWNSHIP, Unit.Kind.PLATFORM)
INACTIVE_STAGES = (Stage.COMPLETED, Stage.DROPPED)


class MeetingRefused(DisciplineRuleError):
    """The convening rule refused the meeting; ``heads`` names who made it a restricted one."""

    def __init__(self, message: str, heads: list[tuple[Person, str]]):
        super().__init__(message, "invitees")
        self.heads = heads


def is_principal(person: Person | None) -> bool:
    """A principal county leader (党政主要领导) in the directory."""
    if person is None:
        return False
    return PersonRole.objects.filter(person=person, role=DirectoryRole.PRINCIPAL).exists()


def principal_leaders(region_id: int) -> QuerySet:
    return Person.objects.filter(region_id=region_id, roles__role=DirectoryRole.PRINCIPAL).order_by(
        "order", "id"
    )


def acting_principal(acting_user: User) -> Person | None:
    """The acting user's directory person when they are a principal county leader."""
    scope = scope_of(acting_user)
    if not scope.has(Role.PRINCIPAL) or not scope.person_id:
        return None
    person = Person.objects.filter(pk=scope.person_id).first()
    return person if is_principal(person) else None


def restricted_invitees(people: Iterable[Person]) -> list[tuple[Person, str]]:
    """The invitees who are principal leaders of a township/platform or of a project, each with
    the reason in words (城关镇主要负责人; 智能装备制造产业园项目主要负责人)."""
    people = list(people)
    head_ids = set(
        PersonRole.objects.filter(
            person_id__in=[p.pk for p in people], role=DirectoryRole.UNIT_HEAD
        ).values_list("person_id", flat=True)
    )
    heads = [p for p in people if p.pk in head_ids]
    if not heads:
        return []
    units = Unit.objects.in_bulk([p.unit_id for p in heads if p.unit_id])
    active = Project.objects.exclude(stage__in=INACTIVE_STAGES)
    responsible = dict(
        ProjectPerson.objects.filter(person_id__in=[p.pk for p in heads], project__in=active)
        .order_by("project_id")
        .values_list("person_id", "project__name")
    )
    leading = dict(
        active.filter(lead_department_id__in=[p.unit_id for p in heads if p.unit_id])
        .order_by("-id")
        .values_list("lead_department_id", "name")
    )
    found = []
    for person in heads:
        unit = units.get(person.unit_id)
        if unit is not None and unit.kind in HEAD_UNIT_KINDS:
            found.append((person, f"{unit.name}主要负责人"))
        elif person.pk in responsible:
            found.append((person, f"{responsible[person.pk]}项目主要负责人"))
        elif person.unit_id in leading:
            found.append((person, f"{leading[person.unit_id]}项目领办部门主要负责人"))
    return found


def refusal_message(heads: list[tuple[Person, str]]) -> str:
    names = "、".join(f"{person.name}（{why}）" for person, why in heads)
    return (
        f"按照“{RULE_TEXT}”的规定，参会人员中的{names}须由党政主要领导召集。"
        "本次会议不予登记；确需召开的，请提请主要领导批准。"
    )


def _check_people(region_id: int, convener: Person | None, invitees: list[Person]) -> None:
    if convener is None:
        raise DisciplineRuleError("请选择召集人", "convener")
    if convener.region_id != region_id:
        raise DisciplineRuleError(f"召集人{convener.name}不是本县人员", "convener")
    if not invitees:
        raise DisciplineRuleError("请从通讯录中选择参会人员", "invitees")
    for person in invitees:
        if person.region_id != region_id:
            raise DisciplineRuleError(f"参会人员{person.name}不是本县人员", "invitees")


@transaction.atomic
def meeting_register(
    *,
    acting_user: User,
    convener: Person | None,
    held_on: dt.date | None,
    topic: str,
    invitees: Iterable[Person],
    project: Project | None = None,
    about_projects: bool = False,
    request_approval: bool = False,
) -> Meeting:
    """Enter a meeting in the register, applying the convening rule (see the module's text).

    Raises ``MeetingRefused`` (nothing saved) when the rule refuses it and no approval is
    asked for; with ``request_approval`` the meeting waits for a principal leader.
    """
    scope = scope_of(acting_user)
    topic = (topic or "").strip()
    if not topic:
        raise DisciplineRuleError("请填写会议议题", "topic")
    if held_on is None:
        raise DisciplineRuleError("请填写会议日期", "held_on")
    region_id = home_region_id(acting_user)
    if region_id is None:
        raise DisciplineRuleError("无法确定您所在的县，不能登记会议", None)
    if convener is not None and not (
        Person.objects.visible_to(scope).filter(pk=convener.pk).exists()
    ):
        raise DisciplineRuleError("您只能登记本单位人员召集的会议", "convener")
    invitees = [p for p in dict.fromkeys(invitees or []) if convener is None or p != convener]
    _check_people(region_id, convener, invitees)
    if project is not None and project.region_id != region_id:
        raise DisciplineRuleError("所选项目不是本县项目", "project")

    heads = restricted_invitees(invitees)
    fields = {"status": Status.ALLOWED}
    if heads and not is_principal(convener):
        approver = acting_principal(acting_user)
        if approver is not None:
            fields = {
                "status": Status.APPROVED,
                "approved_by": approver,
                "approved_at": timezone.now(),
                "approval_note": "主要领导登记时批准",
            }
        elif request_approval:
            fields = {"status": Status.PENDING}
        else:
            raise MeetingRefused(refusal_message(heads), heads)
    meeting = Meeting.objects.create(
        region_id=region_id,
        convener=convener,
        held_on=held_on,
        topic=topic[:120],
        project=project,
        about_projects=bool(about_projects or project is not None),
        restricted=bool(heads),
        registered_by=acting_user,
        **fields,
    )
    meeting.invitees.set(invitees)
    if meeting.status == Status.PENDING:
        link = reverse("discipline:meeting", args=[meeting.pk])
        body = (
            f"{convener.name}拟于{held_on:%Y-%m-%d}召集：{meeting.topic}。{refusal_message(heads)}"
        )
        for leader in principal_leaders(region_id):
            notify(leader.user, "会议召集待您批准", body, link)
    return meeting


@transaction.atomic
def meeting_decide(
    *, acting_user: User, meeting: Meeting, approve: bool, note: str = ""
) -> Meeting:
    """A principal county leader approves or refuses a meeting waiting for approval."""
    approver = acting_principal(acting_user)
    if approver is None or approver.region_id != meeting.region_id:
        raise DisciplineRuleError("只有本县党政主要领导可以批准召集", None)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Status.PENDING:
        raise DisciplineRuleError(f"这次会议已是“{meeting.get_status_display()}”，无需再审批", None)
    note = (note or "").strip()[:200]
    if not approve and not note:
        raise DisciplineRuleError("不予召开时请写明意见", "note")
    meeting.status = Status.APPROVED if approve else Status.REFUSED
    meeting.approved_by = approver
    meeting.approved_at = timezone.now()
    meeting.approval_note = note
    meeting.save(update_fields=["status", "approved_by", "approved_at", "approval_note"])
    link = reverse("discipline:meeting", args=[meeting.pk])
    title = f"会议{meeting.get_status_display()}：{meeting.topic}"
    body = f"{approver.name}：{note}" if note else f"审批人：{approver.name}"
    recipients = {meeting.registered_by, meeting.convener.user}
    for user in recipients:
        notify(user, title, body, link)
    return meeting


# --- Weekly count ---------------------------------------------------------------------------


@dataclass
class WeekCount:
    """Meetings that called township/platform/project heads together, in one ISO week."""

    monday: dt.date
    by_principal: int = 0  # convened by a principal county leader
    approved: int = 0  # convened by someone else with a principal leader's approval
    refused: int = 0  # attempts a principal leader refused

    @property
    def label(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}年第{week}周"

    @property
    def held(self) -> int:
        return self.by_principal + self.approved


def weekly_counts(meetings: QuerySet, today: dt.date, weeks: int = 12) -> list[WeekCount]:
    """The last ``weeks`` ISO weeks (this one included) of restricted meetings, oldest first,
    so leaders can see whether such meetings are being cut."""
    this_monday = today - dt.timedelta(days=today.weekday())
    mondays = [this_monday - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    counts = {monday: WeekCount(monday) for monday in mondays}
    rows = meetings.filter(
        restricted=True,
        held_on__gte=mondays[0],
        held_on__lt=this_monday + dt.timedelta(days=7),
    ).values_list("held_on", "status")
    for held_on, status in rows:
        week = counts[held_on - dt.timedelta(days=held_on.weekday())]
        if status == Status.ALLOWED:
            week.by_principal += 1
        elif status == Status.APPROVED:
            week.approved += 1
        elif status == Status.REFUSED:
            week.refused += 1
    return list(counts.values())


def pending_for(acting_user: User) -> QuerySet:
    """Meetings waiting for approval that this user, a principal leader, may decide."""
    approver = acting_principal(acting_user)
    if approver is None:
        return Meeting.objects.none()
    return Meeting.objects.filter(region_id=approver.region_id, status=Status.PENDING)
