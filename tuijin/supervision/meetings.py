"""Scheduling meetings (调度会): the memo drafted before, the assignments (交办事项) recorded after.

A meeting's briefing memo is drafted from what the records already say (red and yellow projects,
overdue orders, open coordination requests, and what earlier meetings assigned that is still
open), so nobody compiles it by hand. An assignment is a ``SupervisionOrder`` of kind
``ASSIGNMENT`` issued through ``services.order_issue``: numbered 交办〔2026〕N号 in its own series,
it is signed, answered, accepted, reminded and escalated like any order, and it is listed in
every later meeting's memo until the office accepts it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm

from tuijin.core import workdays
from tuijin.core.models import Person, Unit, User, notify
from tuijin.core.roles import Role
from tuijin.core.scoping import home_region_id, scope_of
from tuijin.projects.models import Light, Problem, ProgressReport, Project, ProjectPerson, Stage

from . import services
from .bulletin import _body, _heading, _person, _table
from .docx import BODY_FONT, LATIN_FONT, RED, TITLE_FONT, _date, _para, _red_rule
from .models import COUNTY_SUPERVISION_ROLES, Meeting, SupervisionOrder

Kind = SupervisionOrder.Kind


class MeetingRuleError(services.OrderRuleError):
    """A rule of meetings refused the change; a kind of ``OrderRuleError`` so that callers
    adding assignments catch one error for both the meeting's and the order's rules."""


def _require_office(acting_user: User) -> None:
    if not scope_of(acting_user).has(Role.SUPERVISION):
        raise MeetingRuleError("只有督查室可以安排调度会和交办事项", "meeting")


def _in_county(region_id: int, people: Iterable[Person], what: str) -> None:
    for person in people:
        if person.region_id != region_id:
            raise MeetingRuleError(f"{what}{person.name}不是本县人员", what)


def assignments_visible_to(user) -> QuerySet:
    """Assignments a user may see: the county roles that see meetings see all their county's
    assignments (a leader follows every decision, not only those about their projects); anyone
    else sees what the order scope gives them (a unit: its own)."""
    scope = scope_of(user)
    base = SupervisionOrder.objects.filter(kind=Kind.ASSIGNMENT)
    if scope.authenticated and not scope.is_admin and scope.has(*COUNTY_SUPERVISION_ROLES):
        return base.filter(region_id__in=scope.region_ids)
    return base.visible_to(scope)


def can_read_memo(user) -> bool:
    """The memo speaks of the whole county: county roles only, not a unit's staff."""
    return scope_of(user).has(*COUNTY_SUPERVISION_ROLES)


@transaction.atomic
def meeting_create(
    *,
    acting_user: User,
    title: str,
    held_on: dt.date | None,
    place: str = "",
    chair: Person | None = None,
    attendees: Iterable[Person] = (),
) -> Meeting:
    """The office puts a meeting on the calendar; attendees with an account are told."""
    _require_office(acting_user)
    title, place = (title or "").strip(), (place or "").strip()
    if not title:
        raise MeetingRuleError("请填写会议名称", "title")
    if held_on is None:
        raise MeetingRuleError("请填写会议日期", "held_on")
    region_id = home_region_id(acting_user)
    if region_id is None:
        raise MeetingRuleError("无法确定您所在的县，不能安排会议", "meeting")
    attendees = list(attendees or [])
    _in_county(region_id, [chair] if chair else [], "主持人")
    _in_county(region_id, attendees, "参会人员")
    meeting = Meeting.objects.create(
        region_id=region_id,
        title=title[:120],
        held_on=held_on,
        place=place[:120],
        chair=chair,
        created_by=acting_user,
    )
    meeting.attendees.set(attendees)
    link = reverse("supervision:meeting", args=[meeting.pk])
    where = f"，地点：{meeting.place}" if meeting.place else ""
    for person in attendees:
        notify(
            person.user, f"会议通知：{meeting.title}", f"会议日期：{held_on:%Y-%m-%d}{where}", link
        )
    return meeting


@transaction.atomic
def meeting_update_summary(*, acting_user: User, meeting: Meeting, summary: str) -> Meeting:
    """The office keeps the minutes (会议纪要); an empty text clears them."""
    _require_office(acting_user)
    scope = scope_of(acting_user)
    if not scope.is_admin and meeting.region_id not in scope.region_ids:
        raise MeetingRuleError("这次会议不是本县的会议", "meeting")
    meeting.summary = (summary or "").strip()
    meeting.save(update_fields=["summary"])
    return meeting


def assignment_add(
    *,
    acting_user: User,
    meeting: Meeting,
    unit: Unit | None,
    person: Person | None,
    title: str,
    content: str,
    deadline_days: int | None,
    project: Project | None = None,
    issued_on: dt.date | None = None,
    today: dt.date | None = None,
) -> SupervisionOrder:
    """Record a decision of the meeting as an assignment to a unit and its named person.

    It is issued on the meeting's day when the office records it later (the deadline runs from
    the decision), on ``issued_on`` when given, and never before the meeting nor in the future:
    a meeting that has not been held has decided nothing.
    """
    _require_office(acting_user)
    today = today or timezone.localdate()
    if meeting.held_on > today:
        raise MeetingRuleError(
            f"会议定于 {meeting.held_on:%Y-%m-%d} 召开，尚未召开，不能记录交办事项", "issued_on"
        )
    issued_on = issued_on or meeting.held_on
    if issued_on < meeting.held_on:
        raise MeetingRuleError("交办日期不能早于会议日期", "issued_on")
    if issued_on > today:
        raise MeetingRuleError("交办日期不能晚于今天", "issued_on")
    return services.order_issue(
        acting_user=acting_user,
        unit=unit,
        person=person,
        title=title,
        content=content,
        deadline_days=deadline_days,
        issued_on=issued_on,
        project=project,
        meeting=meeting,
    )


# --- The memo ------------------------------------------------------------------------------


@dataclass
class MemoProject:
    name: str
    light: str
    light_display: str
    host_unit: str
    lead_department: str
    contact_leader: str
    persons: list[Person]
    reasons: list[str]


@dataclass
class MemoOrder:
    order: SupervisionOrder
    overdue_workdays: int

    @property
    def code(self) -> str:
        return self.order.code


@dataclass
class MemoCoordination:
    project: str
    period: dt.date
    text: str


@dataclass
class Memo:
    """What the briefing memo of a meeting says, as of ``today``."""

    meeting: Meeting
    today: dt.date
    projects: list[MemoProject] = field(default_factory=list)
    overdue_orders: list[MemoOrder] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    coordination: list[MemoCoordination] = field(default_factory=list)
    open_assignments: list[MemoOrder] = field(default_factory=list)

    @property
    def red(self) -> list[MemoProject]:
        return [p for p in self.projects if p.light == Light.RED]

    @property
    def yellow(self) -> list[MemoProject]:
        return [p for p in self.projects if p.light == Light.YELLOW]


def _overdue_counter(today: dt.date):
    """Overdue working days by deadline, the calendar asked once per deadline."""
    cache: dict[dt.date, int] = {}

    def overdue(deadline: dt.date) -> int:
        if deadline >= today:
            return 0
        if deadline not in cache:
            cache[deadline] = workdays.count_workdays(deadline + dt.timedelta(days=1), today).value
        return cache[deadline]

    return overdue


def memo_contents(meeting: Meeting, today: dt.date) -> Memo:
    """Everything the memo lists, read from the meeting's county as of ``today``."""
    region_id = meeting.region_id
    memo = Memo(meeting=meeting, today=today)
    lagging = (
        Project.objects.filter(region_id=region_id, light__in=[Light.RED, Light.YELLOW])
        .exclude(stage__in=[Stage.DROPPED, Stage.COMPLETED])
        .select_related("host_unit", "lead_department", "contact_leader")
        .prefetch_related(Prefetch("responsibles", ProjectPerson.objects.select_related("person")))
        .order_by("host_unit__order", "id")
    )
    for project in sorted(lagging, key=lambda p: p.light != Light.RED):  # red first, stable
        memo.projects.append(
            MemoProject(
                name=project.name,
                light=project.light,
                light_display=project.get_light_display(),
                host_unit=project.host_unit.name if project.host_unit_id else "",
                lead_department=project.lead_department.name if project.lead_department_id else "",
                contact_leader=project.contact_leader.name if project.contact_leader_id else "",
                persons=[r.person for r in project.responsibles.all()],
                reasons=list(project.light_reasons or []),
            )
        )
    overdue = _overdue_counter(today)
    orders = (
        SupervisionOrder.objects.filter(region_id=region_id, kind=Kind.ORDER, issued_on__lte=today)
        .overdue(today)
        .select_related("unit", "person", "project")
        .order_by("deadline", "id")
    )
    memo.overdue_orders = [MemoOrder(o, overdue(o.deadline)) for o in orders]
    memo.problems = list(
        Problem.objects.filter(project__region_id=region_id)
        .exclude(status=Problem.Status.RESOLVED)
        .exclude(project__stage=Stage.DROPPED)
        .select_related("project", "responsible_unit", "responsible_person")
        .order_by("deadline", "id")
    )
    latest = ProgressReport.objects.filter(project=OuterRef("project")).order_by("-period", "-id")
    reports = (
        ProgressReport.objects.filter(project__region_id=region_id)
        .exclude(project__stage__in=[Stage.DROPPED, Stage.COMPLETED])
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .exclude(coordination_text="")
        .select_related("project")
        .order_by("project__host_unit__order", "project_id")
    )
    memo.coordination = [
        MemoCoordination(r.project.name, r.period, r.coordination_text.strip())
        for r in reports
        if r.coordination_text.strip()
    ]
    earlier = (
        SupervisionOrder.objects.filter(region_id=region_id, kind=Kind.ASSIGNMENT)
        .open()
        .filter(meeting__held_on__lt=meeting.held_on)
        .select_related("unit", "person", "meeting")
        .order_by("meeting__held_on", "number")
    )
    memo.open_assignments = [MemoOrder(o, overdue(o.deadline)) for o in earlier]
    return memo


def memo_title(meeting: Meeting) -> str:
    return f"{meeting.region.name}重点项目调度会汇报材料"


def _assignment_state(item: MemoOrder) -> str:
    state = item.order.get_status_display()
    return f"{state}，逾期{item.overdue_workdays}个工作日" if item.overdue_workdays else state


def memo_docx(meeting: Meeting, today: dt.date) -> bytes:
    """The briefing memo as a Word document in the official style of the orders and bulletins."""
    memo = memo_contents(meeting, today)
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    _para(
        doc,
        memo_title(meeting),
        font=TITLE_FONT,
        size=22,
        color=RED,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    where = f" {meeting.place}" if meeting.place else ""
    _red_rule(_para(doc, f"（{meeting.title}{where}）", align=WD_ALIGN_PARAGRAPH.CENTER))
    _para(doc)
    _body(
        doc,
        f"截至{_date(today)}，全县红灯项目{len(memo.red)}个、黄灯项目{len(memo.yellow)}个，"
        f"逾期未办结督办单{len(memo.overdue_orders)}件，待协调问题{len(memo.problems)}个，"
        f"前次会议交办未办结事项{len(memo.open_assignments)}件。现将有关情况汇报如下：",
    )

    _heading(doc, "一、红黄灯项目")
    if memo.projects:
        _table(
            doc,
            ["项目名称", "亮灯", "所在乡镇（平台）", "联系县领导", "责任人", "亮灯原因"],
            [
                [
                    p.name,
                    p.light_display,
                    p.host_unit or p.lead_department or "—",
                    p.contact_leader or "—",
                    "、".join(_person(person) for person in p.persons) or "—",
                    "；".join(p.reasons) or "—",
                ]
                for p in memo.projects
            ],
        )
    else:
        _body(doc, "目前无红灯、黄灯项目。")

    _heading(doc, "二、逾期督办单")
    if memo.overdue_orders:
        _table(
            doc,
            ["督办单号", "督办事由", "承办单位", "责任人", "办结期限", "逾期工作日"],
            [
                [
                    item.code,
                    item.order.title,
                    item.order.unit.name,
                    _person(item.order.person),
                    _date(item.order.deadline),
                    str(item.overdue_workdays),
                ]
                for item in memo.overdue_orders
            ],
        )
    else:
        _body(doc, "目前无逾期督办单。")

    _heading(doc, "三、需协调事项")
    if memo.problems:
        _body(doc, f"项目存在问题待解决{len(memo.problems)}个：")
        _table(
            doc,
            ["项目名称", "问题", "责任单位", "责任人", "办结期限", "状态"],
            [
                [
                    p.project.name,
                    p.description,
                    p.responsible_unit.name,
                    _person(p.responsible_person),
                    _date(p.deadline),
                    p.get_status_display(),
                ]
                for p in memo.problems
            ],
        )
    if memo.coordination:
        _body(doc, "各项目最近一期填报提出的需协调事项：")
        for number, item in enumerate(memo.coordination, 1):
            _body(
                doc,
                f"{number}. {item.project}（{item.period.year}年{item.period.month}月）：{item.text}",
            )
    if not memo.problems and not memo.coordination:
        _body(doc, "目前无待协调事项。")

    _heading(doc, "四、前次会议交办事项办理情况")
    if memo.open_assignments:
        _table(
            doc,
            ["交办单号", "交办会议", "交办事项", "承办单位", "责任人", "办结期限", "办理状态"],
            [
                [
                    item.code,
                    item.order.meeting.title,
                    item.order.title,
                    item.order.unit.name,
                    _person(item.order.person),
                    _date(item.order.deadline),
                    _assignment_state(item),
                ]
                for item in memo.open_assignments
            ],
        )
    else:
        _body(doc, "前次会议交办事项均已办结。")
    _para(doc)
    _para(doc, f"{meeting.region.name}督查室", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, _date(today), align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
