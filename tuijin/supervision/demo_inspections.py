"""The demo county's inspections: a year of half-monthly inspections of its key projects.

Each inspection visits three to eight projects and records one to four findings, each with a
responsible person of the project (or of its host unit) and a working-day deadline. Most
findings whose deadline has passed became supervision orders and were put right; some were
not (overdue, and the orders among them are chased by the sweep), and the recent ones are
still open.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from tuijin.core import workdays
from tuijin.core.models import Person, Region, User
from tuijin.core.roles import DirectoryRole
from tuijin.projects.models import Project, ProjectPerson, Stage

from . import services
from .inspections import finding_to_order
from .models import Finding, Inspection, OrderEvent, SupervisionOrder

INSPECTIONS = 24
EVERY_DAYS = 15
TOPICS = [
    "重点项目推进情况专项督查",
    "百日集中推进行动进展督查",
    "开工项目形象进度现场督查",
    "征地拆迁和要素保障专项督查",
    "项目建设安全生产督查",
    "签约项目落地开工督查",
    "重点项目投资完成情况督查",
    "重大项目绿色通道落实情况督查",
]
NOTES = [
    "督查组深入项目现场，查看形象进度，听取乡镇和项目单位汇报，查阅项目台账。",
    "采取“四不两直”方式，随机抽查项目现场和推进台账。",
    "督查组会同项目办逐一核对节点计划完成情况和投资完成数据。",
]
FINDINGS = [
    (
        "施工现场作业人员不足，主体工程进度滞后于节点计划。",
        "督促施工单位增加作业人员和机械，倒排工期，确保按节点完成。",
    ),
    (
        "10kV 电力接入尚未完成，影响设备安装调试。",
        "协调供电部门明确接入时间，落实专人跟踪，按期完成电力接入。",
    ),
    (
        "征地拆迁剩余户未签约，项目用地无法净地交付。",
        "成立攻坚专班，逐户做好政策解释，限期完成剩余户签约腾空。",
    ),
    (
        "项目台账填报不及时，投资完成数据与现场不符。",
        "按月如实填报进度和投资数据，补齐佐证材料，确保台账与现场一致。",
    ),
    (
        "施工现场安全防护不到位，临边防护缺失。",
        "立即整改安全隐患，完善临边防护和警示标志，落实安全员巡查。",
    ),
    (
        "环评批复尚未取得，项目未按计划开工。",
        "加快环评报告编制和报批，行政审批部门开通绿色通道，限期取得批复。",
    ),
    (
        "签约后资金未按合同到位，项目推进缓慢。",
        "联系投资方落实资金到位计划，书面报告资金到位情况。",
    ),
    (
        "施工道路扬尘治理不到位，群众反映较大。",
        "落实洒水降尘和围挡覆盖措施，做好群众解释工作，防止矛盾激化。",
    ),
    (
        "需协调事项未按时答复，项目单位多次反映。",
        "领办部门限期书面答复项目单位，明确办理时限和责任人。",
    ),
    ("节点计划调整未履行报批程序。", "按规定履行节点调整报批手续，重新报送节点计划。"),
]
DEADLINE_DAYS = (5, 10, 10, 15, 20)


def _workday_on_or_before(day: dt.date) -> dt.date:
    while not workdays.is_workday(day).value:
        day -= dt.timedelta(days=1)
    return day


def _close(order: SupervisionOrder, office: User, staff: User | None, today: dt.date) -> None:
    """The unit responded and the office accepted, a few working days before the deadline.

    Signing and responding are recorded as the unit's events on their own dates (the demo's
    units mostly have no accounts); accepting goes through the service."""
    signed_on = min(order.issued_on + dt.timedelta(days=1), today)
    responded_on = min(max(order.deadline - dt.timedelta(days=2), signed_on), today)
    for kind, on_date, text in (
        (OrderEvent.Kind.SIGNED, signed_on, ""),
        (OrderEvent.Kind.RESPONDED, responded_on, "已按整改要求完成整改，佐证材料已报送督查室。"),
    ):
        at = timezone.make_aware(dt.datetime.combine(on_date, dt.time(10, 0)))
        OrderEvent.objects.create(
            order=order, kind=kind, on_date=on_date, at=at, actor=staff, text=text
        )
    order.status = SupervisionOrder.Status.RESPONDED
    order.save(update_fields=["status"])
    accepted_on = min(responded_on + dt.timedelta(days=1), today)
    services.order_accept(order, acting_user=office, text="整改到位，同意办结", today=accepted_on)


@transaction.atomic
def seed_inspections(region: Region, rng: random.Random, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    office = User.objects.filter(username="supervision").first()
    if office is None or Inspection.objects.filter(region=region).exists():
        return
    inspectors = list(
        Person.objects.filter(region=region, roles__role=DirectoryRole.SUPERVISION).order_by(
            "order", "id"
        )
    )
    leaders = list(
        Person.objects.filter(region=region, roles__role=DirectoryRole.LEADER).order_by(
            "order", "id"
        )
    )
    projects = list(
        Project.objects.filter(region=region)
        .exclude(stage=Stage.DROPPED)
        .exclude(host_unit=None)
        .select_related("host_unit")
        .order_by("id")
    )
    if not inspectors or len(projects) < 3:
        return
    responsible: dict[int, list[Person]] = {}
    for link in (
        ProjectPerson.objects.filter(project__in=projects, person__unit__isnull=False)
        .select_related("person__unit")
        .order_by("id")
    ):
        responsible.setdefault(link.project_id, []).append(link.person)
    unit_people: dict[int, list[Person]] = {}
    for person in (
        Person.objects.filter(region=region, unit__isnull=False)
        .select_related("unit")
        .order_by("order", "id")
    ):
        unit_people.setdefault(person.unit_id, []).append(person)
    staff_users = {
        person.unit_id: person.user
        for person in Person.objects.filter(region=region, user__isnull=False, unit__isnull=False)
        .select_related("user")
        .filter(roles__role=DirectoryRole.UNIT_LIAISON)
    }

    findings: list[Finding] = []
    for k in range(INSPECTIONS, 0, -1):  # oldest first, one every half month
        day = _workday_on_or_before(today - dt.timedelta(days=EVERY_DAYS * k - rng.randint(0, 3)))
        chosen = rng.sample(projects, rng.randint(3, min(8, len(projects))))
        inspection = Inspection.objects.create(
            region=region,
            topic=rng.choice(TOPICS),
            inspected_on=day,
            notes=rng.choice(NOTES),
            created_by=office,
        )
        team = rng.sample(inspectors, min(len(inspectors), 2))
        if leaders and rng.random() < 0.4:
            team.append(rng.choice(leaders))
        inspection.inspectors.set(team)
        inspection.projects.set(chosen)
        for project in rng.sample(chosen, rng.randint(1, min(4, len(chosen)))):
            people = responsible.get(project.pk) or unit_people.get(project.host_unit_id, [])
            if not people:
                continue
            person = rng.choice(people)
            text, requirement = rng.choice(FINDINGS)
            days = rng.choice(DEADLINE_DAYS)
            due = workdays.add_workdays(day, days)
            findings.append(
                Finding(
                    inspection=inspection,
                    project=project,
                    unit=person.unit,
                    text=text,
                    responsible_person=person,
                    requirement=requirement,
                    deadline_days=days,
                    deadline=due.value,
                    deadline_provisional=due.provisional,
                )
            )
    Finding.objects.bulk_create(findings)

    for finding in (
        Finding.objects.filter(inspection__region=region)
        .select_related("inspection", "project", "unit", "responsible_person")
        .order_by("inspection__inspected_on", "id")
    ):
        issued_on = finding.inspection.inspected_on + dt.timedelta(days=rng.randint(1, 3))
        past, draw = finding.deadline < today, rng.random()
        if issued_on > today or draw >= (0.9 if past else 0.4):
            continue  # not made an order: the finding's own deadline is what is tracked
        order = finding_to_order(office, finding, issued_on=issued_on)
        if past and draw < 0.75:  # most findings whose deadline has passed were put right
            _close(order, office, staff_users.get(order.unit_id), today)
    services.run_sweep(today)
