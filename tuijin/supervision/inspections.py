"""Business rules of inspections (督查): plan an inspection, record its findings, turn a
finding into a supervision order.

「项目督查结果要指明责任人」: a finding is never saved without a responsible person from the
county directory, and its rectification deadline counts official working days from the day
of the inspection. Pages, the API and the demo call these functions; each takes the acting
user, validates, and writes in one transaction. Errors are ``InspectionRuleError`` (an
``OrderRuleError``) with a Chinese message and the offending field.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from tuijin.core import workdays
from tuijin.core.models import Person, Unit, User, notify
from tuijin.core.roles import Role
from tuijin.core.scoping import home_region_id, scope_of
from tuijin.projects.models import Project, ProjectRules
from tuijin.projects.photos import read_photo
from tuijin.projects.services import ProjectRuleError

from .models import Finding, FindingPhoto, Inspection, SupervisionOrder
from .services import OrderRuleError, order_issue

MAX_PHOTOS = 9
MAX_PHOTO_MB = 10
MAX_DEADLINE_DAYS = 365


class InspectionRuleError(OrderRuleError):
    """A rule of inspections refused the change; ``field`` names the offending field."""


def _require_office(acting_user: User) -> None:
    """Only the supervision office plans inspections and records what they found."""
    if not scope_of(acting_user).has(Role.SUPERVISION):
        raise InspectionRuleError("只有督查室可以执行此操作", "inspection")


def _in_county(region_id: int | None, acting_user: User) -> bool:
    scope = scope_of(acting_user)
    return scope.is_admin or region_id in scope.region_ids


def _link(inspection: Inspection) -> str:
    return reverse("supervision:inspection-detail", args=[inspection.pk])


@transaction.atomic
def inspection_create(
    acting_user: User,
    topic: str,
    inspected_on: dt.date | None,
    inspectors: Iterable[Person],
    projects: Iterable[Project] = (),
    units: Iterable[Unit] = (),
    notes: str = "",
) -> Inspection:
    """Plan (or record) an inspection of the county: who inspects what, on which day."""
    _require_office(acting_user)
    topic = (topic or "").strip()
    if not topic:
        raise InspectionRuleError("请填写督查主题", "topic")
    if len(topic) > 120:
        raise InspectionRuleError("督查主题不能超过 120 个字", "topic")
    if inspected_on is None:
        raise InspectionRuleError("请填写督查日期", "inspected_on")
    region_id = home_region_id(acting_user)
    if region_id is None:
        raise InspectionRuleError("无法确定督查所在的县，请联系管理员设置账号所属地区", "topic")
    inspectors, projects, units = list(inspectors or ()), list(projects or ()), list(units or ())
    if not inspectors:
        raise InspectionRuleError("请至少选择一名督查人员", "inspectors")
    for person in inspectors:
        if person.region_id != region_id:
            raise InspectionRuleError(f"督查人员{person.name}不是本县通讯录中的人员", "inspectors")
    if not projects and not units:
        raise InspectionRuleError("请至少选择一个督查项目或督查单位", "projects")
    for project in projects:
        if project.region_id != region_id:
            raise InspectionRuleError(f"项目「{project.name}」不在本县", "projects")
    for unit in units:
        if unit.region_id != region_id:
            raise InspectionRuleError(f"单位「{unit.name}」不在本县", "units")
    inspection = Inspection.objects.create(
        region_id=region_id,
        topic=topic,
        inspected_on=inspected_on,
        notes=(notes or "").strip(),
        created_by=acting_user,
    )
    inspection.inspectors.set(inspectors)
    inspection.projects.set(projects)
    inspection.units.set(units)
    return inspection


def _read_photos(photos: Iterable, region_id: int) -> list:
    """Every photo is read and re-encoded before anything is stored; one bad photo, none.
    The size limit is the county's photo limit of the projects module."""
    uploads = [upload for upload in (photos or ()) if upload is not None]
    if not uploads:
        return []
    if len(uploads) > MAX_PHOTOS:
        raise InspectionRuleError(
            f"每条督查发现最多上传 {MAX_PHOTOS} 张照片，本次选择了 {len(uploads)} 张", "photos"
        )
    max_mb = ProjectRules.for_region(region_id).photo_max_mb or MAX_PHOTO_MB
    many = len(uploads) > 1
    read = []
    for index, upload in enumerate(uploads, start=1):
        name = str(getattr(upload, "name", "") or "").rsplit("/", 1)[-1][:40]
        label = f"第 {index} 张照片（{name}）" if many and name else None
        try:
            read.append(read_photo(upload, max_mb=max_mb, label=label))
        except ProjectRuleError as exc:
            raise InspectionRuleError(exc.message, "photos") from exc
    return read


def _store_photos(finding: Finding, read: list) -> list[FindingPhoto]:
    """Write the clean JPEGs; files already written are removed if a later one fails."""
    storage = FindingPhoto._meta.get_field("image").storage
    written: list[str] = []
    stored: list[FindingPhoto] = []
    try:
        for data in read:
            photo = FindingPhoto(finding=finding, taken_at=data.taken_at)
            # The name given here is ignored: upload_to draws a random one.
            photo.image.save("photo.jpg", ContentFile(data.content), save=False)
            written.append(photo.image.name)
            photo.save()
            stored.append(photo)
    except BaseException:
        for name in written:
            with contextlib.suppress(OSError):
                storage.delete(name)
        raise
    return stored


def finding_unit(project: Project | None, unit: Unit | None) -> Unit | None:
    """The unit that must put a finding right: the one chosen, else the project's host
    township/platform, else its lead department."""
    if unit is not None or project is None:
        return unit
    return project.host_unit or project.lead_department


@transaction.atomic
def finding_add(
    acting_user: User,
    inspection: Inspection,
    project: Project | None,
    unit: Unit | None,
    text: str,
    responsible_person: Person | None,
    requirement: str,
    deadline_days: int | None,
    photos: Iterable = (),
) -> Finding:
    """Record what an inspection found at a project or unit, with the person who answers
    for it and a rectification deadline in working days from the inspection date.

    A project or unit not yet in the inspection's scope joins it: what was found there was
    inspected. The responsible person must belong to the responsible unit, because the
    finding may become a supervision order to exactly that unit and person.
    """
    _require_office(acting_user)
    if not _in_county(inspection.region_id, acting_user):
        raise InspectionRuleError("这次督查不在本县", "inspection")
    if inspection.inspected_on > timezone.localdate():
        raise InspectionRuleError(
            f"督查日期为 {inspection.inspected_on:%Y-%m-%d}，尚未开展，不能记录督查发现",
            "inspection",
        )
    text, requirement = (text or "").strip(), (requirement or "").strip()
    if not text:
        raise InspectionRuleError("请填写发现的问题", "text")
    if not requirement:
        raise InspectionRuleError("请填写整改要求", "requirement")
    if responsible_person is None:
        raise InspectionRuleError("督查发现必须指定责任人", "responsible_person")
    if responsible_person.region_id != inspection.region_id:
        raise InspectionRuleError(
            f"责任人{responsible_person.name}不是本县通讯录中的人员", "responsible_person"
        )
    if project is not None and project.region_id != inspection.region_id:
        raise InspectionRuleError(f"项目「{project.name}」不在本县", "project")
    unit = finding_unit(project, unit)
    if unit is None:
        raise InspectionRuleError("请选择责任单位（所选项目没有责任乡镇/平台或领办部门）", "unit")
    if unit.region_id != inspection.region_id:
        raise InspectionRuleError(f"单位「{unit.name}」不在本县", "unit")
    if responsible_person.unit_id != unit.pk:
        raise InspectionRuleError(
            f"责任人{responsible_person.name}不是{unit.name}的人员，请从该单位人员中选择",
            "responsible_person",
        )
    if deadline_days is None or deadline_days < 1:
        raise InspectionRuleError(
            "整改时限至少为 1 个工作日：整改期限不能早于督查日期", "deadline_days"
        )
    if deadline_days > MAX_DEADLINE_DAYS:
        raise InspectionRuleError(f"整改时限不能超过 {MAX_DEADLINE_DAYS} 个工作日", "deadline_days")
    read = _read_photos(photos, inspection.region_id)
    due = workdays.add_workdays(inspection.inspected_on, deadline_days)
    finding = Finding.objects.create(
        inspection=inspection,
        project=project,
        unit=unit,
        text=text,
        responsible_person=responsible_person,
        requirement=requirement,
        deadline_days=deadline_days,
        deadline=due.value,
        deadline_provisional=due.provisional,
    )
    if project is not None:
        inspection.projects.add(project)
    else:
        inspection.units.add(unit)
    _store_photos(finding, read)
    provisional = "（暂定，待录入当年放假安排）" if due.provisional else ""
    notify(
        responsible_person.user,
        f"督查发现：{inspection.topic}",
        "\n".join(
            [
                f"责任单位：{unit.name}，责任人：{responsible_person.name}",
                f"发现问题：{text}",
                f"整改要求：{requirement}",
                f"整改期限：{finding.deadline:%Y-%m-%d}（{deadline_days} 个工作日）{provisional}",
            ]
        ),
        _link(inspection),
    )
    return finding


def remaining_workdays(finding: Finding, on: dt.date) -> int:
    """Working days left after ``on`` up to the finding's deadline (0 once it has passed)."""
    return workdays.count_workdays(on + dt.timedelta(days=1), finding.deadline).value


def _order_title(finding: Finding) -> str:
    about = finding.project.name if finding.project_id else finding.unit.name
    return f"关于{about}督查发现问题的整改督办"[:120]


def _order_content(finding: Finding) -> str:
    inspection = finding.inspection
    return "\n".join(
        [
            f"{inspection.inspected_on:%Y年%m月%d日}「{inspection.topic}」督查发现：{finding.text}",
            f"整改要求：{finding.requirement}",
        ]
    )


@transaction.atomic
def finding_to_order(
    acting_user: User,
    finding: Finding,
    title: str | None = None,
    deadline_days: int | None = None,
    issued_on: dt.date | None = None,
) -> SupervisionOrder:
    """Turn a finding into a supervision order to its unit and responsible person, once.

    The order keeps the finding's deadline: by default it gets the working days that remain
    until then; when none remain (the finding is overdue) it gets the finding's own number of
    working days again, counted from the day of issue. The order is then chased by the sweep.
    """
    _require_office(acting_user)
    if not _in_county(finding.inspection.region_id, acting_user):
        raise InspectionRuleError("这条督查发现不在本县", "finding")
    # Lock the finding so two clicks at once cannot issue two orders.
    finding = (
        Finding.objects.select_for_update(of=("self",))
        .select_related("inspection", "project", "unit", "responsible_person")
        .get(pk=finding.pk)
    )
    existing = finding.orders.order_by("id").first()
    if existing is not None:
        raise InspectionRuleError(
            f"这条督查发现已转为{existing.code}，不能重复转为督办单", "finding"
        )
    issued_on = issued_on or timezone.localdate()
    if deadline_days is None:
        deadline_days = remaining_workdays(finding, issued_on) or finding.deadline_days
    return order_issue(
        acting_user=acting_user,
        unit=finding.unit,
        person=finding.responsible_person,
        title=(title or "").strip() or _order_title(finding),
        content=_order_content(finding),
        deadline_days=deadline_days,
        issued_on=issued_on,
        project=finding.project,
        finding=finding,
    )


# --- Reading --------------------------------------------------------------------------------


def open_findings(findings: QuerySet) -> QuerySet:
    """Findings not yet put right: no order about them has been closed (办结)."""
    return findings.exclude(orders__status=SupervisionOrder.Status.ACCEPTED)


def finding_order(finding: Finding) -> SupervisionOrder | None:
    """The order a finding became, if any (reads ``orders`` prefetched by the caller)."""
    orders = sorted(finding.orders.all(), key=lambda order: order.pk)
    return orders[0] if orders else None


def finding_status(finding: Finding, today: dt.date) -> dict:
    """What a page shows beside a finding: its order, whether it is closed or overdue."""
    order = finding_order(finding)
    closed = order is not None and order.status == SupervisionOrder.Status.ACCEPTED
    return {
        "order": order,
        "closed": closed,
        "overdue": not closed and finding.deadline < today,
    }
