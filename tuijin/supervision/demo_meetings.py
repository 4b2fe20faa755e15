"""The demo county's scheduling meetings and a self-check round.

Two meetings a month apart: the earlier one's assignments are partly closed (城关镇 and
县交通运输局, the units with demo accounts, sign, respond and get accepted), the later one's are
all open and one is already overdue, so the next memo lists both. One self-check round goes to
every township and platform; about two thirds have answered and the office commented on some.
Units without a demo account answer as recorded by the office (no submitting account).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Count
from django.utils import timezone

from tuijin.core import workdays
from tuijin.core.models import Person, Region, Unit, User
from tuijin.core.roles import DirectoryRole
from tuijin.projects.models import Light, Project

from . import meetings, selfchecks, services
from .models import SelfCheckAnswer

STAFFED = {"城关镇": "township", "县交通运输局": "department"}
DECISIONS = (
    (
        "协调解决{p}施工用电接入问题",
        "会议议定：由承办单位牵头，会同供电公司制定接入方案，倒排工期，按期完成。",
    ),
    ("加快{p}用地报批", "会议议定：承办单位主动对接自然资源部门，补齐报批材料，限期完成组卷上报。"),
    ("推进{p}征迁扫尾", "会议议定：承办单位落实包户责任，逐户做好工作，确保施工场地按期交付。"),
    ("督促{p}入库纳统", "会议议定：承办单位会同统计局指导企业完善资料，确保本月入库纳统。"),
    ("解决{p}施工道路问题", "会议议定：承办单位协调交通运输部门，尽快打通施工便道。"),
)
ANSWERS = (
    (
        "{u}区位和交通优势明显，{n}个在建重点项目进展总体正常，但产业配套和要素保障仍有短板。",
        "{u}在招商引资上还有潜力，现有优势发挥约七成，需进一步盘活闲置土地和标准厂房。",
    ),
    (
        "{u}班子成员带头联系项目，每周至少一天在项目现场，带动了镇村干部沉下去抓落实。",
        "{u}在项目推进中的引领作用还不够突出，个别项目问题协调靠上级推动。",
    ),
    (
        "{u}对标全年目标任务，已完成年度投资计划的八成以上，剩余任务已倒排到周。",
        "{u}在主动担当上仍有差距，对难点问题存在等靠思想，下一步将逐项明确责任人和时限。",
    ),
)
COMMENTS = (
    "自查较为深入，问题找得准，请按所列措施抓好落实。",
    "自查流于表面，请对照红黄灯项目逐项查找原因，重新细化整改措施。",
)


def _workday_on_or_before(day: dt.date) -> dt.date:
    while not workdays.is_workday(day).value:
        day -= dt.timedelta(days=1)
    return day


def _person(unit: Unit) -> Person | None:
    return unit.people.filter(user__isnull=False).first() or unit.people.order_by("order").first()


def seed_meetings(region: Region, rng: random.Random, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    office = User.objects.filter(username="supervision").first()
    if office is None:
        return
    staff = {name: User.objects.filter(username=u).first() for name, u in STAFFED.items()}
    units = {u.name: u for u in Unit.objects.filter(region=region)}
    leaders = list(Person.objects.filter(region=region, unit__isnull=True).order_by("order", "id"))
    principal = next(
        (p for p in leaders if p.roles.filter(role=DirectoryRole.PRINCIPAL).exists()), None
    )
    heads = list(
        Person.objects.filter(
            region=region,
            unit__kind__in=selfchecks.SELF_CHECK_KINDS,
            roles__role=DirectoryRole.UNIT_HEAD,
        ).order_by("order", "id")[::2]
    )
    lagging = list(
        Project.objects.filter(region=region, light__in=[Light.RED, Light.YELLOW])
        .exclude(host_unit=None)
        .select_related("host_unit", "lead_department")
        .order_by("-light", "id")[:30]
    )
    rng.shuffle(lagging)

    later_on = _workday_on_or_before(today - dt.timedelta(days=6))
    earlier_on = _workday_on_or_before(later_on - dt.timedelta(days=30))
    plan = (
        (earlier_on, "第十次", ["城关镇", "县交通运输局", "城关镇", "河口镇"]),
        (later_on, "第十一次", ["城关镇", "县交通运输局", "青山镇", "清溪经济开发区"]),
    )
    used = 0
    for held_on, ordinal, targets in plan:
        meeting = meetings.meeting_create(
            acting_user=office,
            title=f"{held_on.year}年{ordinal}重点项目调度会",
            held_on=held_on,
            place="县政府三楼会议室",
            chair=principal,
            attendees=[*leaders, *heads],
        )
        orders = []
        for index, unit_name in enumerate(targets):
            unit = units.get(unit_name)
            person = _person(unit) if unit else None
            if person is None:
                continue
            # Prefer a lagging project of the unit, else any lagging project.
            project = next(
                (p for p in lagging[used:] if unit.pk in (p.host_unit_id, p.lead_department_id)),
                lagging[used % len(lagging)] if lagging else None,
            )
            used += 1
            title, content = DECISIONS[rng.randrange(len(DECISIONS))]
            name = project.name if project else "重点项目"
            # The later meeting: the first assignment had 3 working days and is overdue.
            days = 3 if (ordinal == "第十一次" and index == 0) else rng.choice([10, 15, 20])
            orders.append(
                meetings.assignment_add(
                    acting_user=office,
                    meeting=meeting,
                    unit=unit,
                    person=person,
                    title=title.format(p=name)[:120],
                    content=content,
                    deadline_days=days,
                    project=project,
                    today=today,
                )
            )
        if ordinal == "第十次":
            # The earlier meeting's work is partly done: two closed, one answered, one open.
            for step, order in enumerate(orders):
                user = staff.get(order.unit.name)
                if user is None:
                    continue
                services.order_sign(order, acting_user=user)
                if step == 2:
                    continue
                services.order_respond(
                    order, acting_user=user, text="已按会议要求完成，相关佐证材料已报送督查室。"
                )
                services.order_accept(order, acting_user=office, text="同意办结", today=today)
            summary = "会议听取了各乡镇（平台）重点项目推进情况汇报，对红灯项目逐一研究，明确了交办事项和完成时限。"
        else:
            summary = (
                "会议通报了上次会议交办事项办理情况，对未办结事项提出限期要求，新交办事项见交办单。"
            )
        meetings.meeting_update_summary(acting_user=office, meeting=meeting, summary=summary)
    _seed_selfcheck(region, rng, today, office, staff)


def _seed_selfcheck(region, rng, today, office, staff) -> None:
    """One round to every township and platform; two thirds answered, some commented."""
    targets = list(
        Unit.objects.filter(region=region, kind__in=selfchecks.SELF_CHECK_KINDS).order_by("order")
    )
    if not targets:
        return
    round_ = selfchecks.selfcheck_publish(
        acting_user=office,
        title=f"{today.year}年第四季度自问自查",
        questions=selfchecks.questions_with_defaults("项目推进中最需要县里协调解决的问题是什么？"),
        due_on=today + dt.timedelta(days=7),
        units=targets,
        today=today,
    )
    projects = dict(
        Project.objects.filter(region=region)
        .order_by()
        .values_list("host_unit_id")
        .annotate(n=Count("id"))
    )
    answering = [u for u in targets if u.name in staff or rng.random() < 0.62]
    rows = []
    for unit in answering:
        texts = [
            rng.choice(options).format(u=unit.name, n=projects.get(unit.pk, 0))
            for options in ANSWERS
        ]
        texts.append("施工用电、用地指标和融资是当前最突出的问题，恳请县里统筹协调。")
        if unit.name in staff and staff[unit.name] is not None:
            selfchecks.selfcheck_answer(
                acting_user=staff[unit.name], self_check=round_, answers=texts
            )
        else:
            rows.append(SelfCheckAnswer(self_check=round_, unit=unit, answers=texts))
    SelfCheckAnswer.objects.bulk_create(rows)
    for answer in SelfCheckAnswer.objects.filter(self_check=round_, submitted_by=None)[::2]:
        selfchecks.selfcheck_comment(
            acting_user=office, answer=answer, text=COMMENTS[rng.randrange(len(COMMENTS))]
        )
