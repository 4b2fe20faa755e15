"""The demo county's year of going out: trips of every county leader (the ``leader`` account's
person included), about forty leads in every stage, some turned into projects, some of those
signed and started. Everything goes through the services, as a user would have done it."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from tuijin.core.models import Person, Region, User
from tuijin.core.roles import DirectoryRole, Role

from . import services
from .models import Half, LeadStatus

CITIES = [
    "上海",
    "深圳",
    "杭州",
    "苏州",
    "宁波",
    "广州",
    "南京",
    "合肥",
    "厦门",
    "东莞",
    "无锡",
    "温州",
]
COMPANIES = [
    ("长鑫新能源科技有限公司", "新能源电池", "长鑫动力电池生产基地"),
    ("华锐智能装备股份有限公司", "智能装备", "华锐智能装备产业园"),
    ("恒远生物医药有限公司", "生物医药", "恒远原料药生产线"),
    ("启明光电科技有限公司", "光电子", "启明光电显示模组"),
    ("瑞丰食品集团有限公司", "食品加工", "瑞丰中央厨房"),
    ("远航物流集团有限公司", "现代物流", "远航冷链物流园"),
    ("科达新材料股份有限公司", "新材料", "科达高性能复合材料"),
    ("天工精密机械有限公司", "精密机械", "天工精密零件加工中心"),
    ("博雅文旅发展有限公司", "文化旅游", "博雅溪谷文旅小镇"),
    ("宏图电子信息有限公司", "电子信息", "宏图电路板生产线"),
    ("绿源环保科技有限公司", "节能环保", "绿源固废资源化利用"),
    ("嘉禾纺织服装有限公司", "纺织服装", "嘉禾智能纺织车间"),
    ("鼎盛汽车零部件有限公司", "汽车零部件", "鼎盛汽车轻量化部件"),
    ("云帆数据科技有限公司", "数字经济", "云帆数据中心"),
    ("金穗农业发展有限公司", "现代农业", "金穗高标准农田与烘储中心"),
    ("力拓储能科技有限公司", "储能", "力拓储能电站"),
    ("华夏康养产业有限公司", "康养", "华夏康养中心"),
    ("海纳半导体材料有限公司", "半导体材料", "海纳硅材料生产线"),
    ("东升家居制造有限公司", "家居制造", "东升定制家居工厂"),
    ("明德职业教育集团", "职业教育", "明德职业技能实训基地"),
]
PURPOSES = [
    "拜访企业总部，推介县经济开发区产业政策和用地条件",
    "参加产业招商推介会，对接意向企业",
    "回访在谈项目，商谈投资协议条款",
    "考察企业生产线，了解扩产计划",
    "走访清溪商会，以商招商",
]
OUTCOMES = [
    "企业表示将于下月派团来县考察。",
    "双方就用地规模和供地时间达成初步共识。",
    "取得企业扩产计划，形成项目线索。",
    "企业对县产业基金参股方式有兴趣，待进一步洽谈。",
    "",
]
NEXT_STEPS = [
    "邀请企业来县实地考察",
    "提供用地规划条件",
    "商谈投资协议文本",
    "对接产业基金",
    "回访企业总部",
]
OTHER_SOURCES = ["以商招商", "商会推介", "省招商推介会", "驻外招商小组"]
# Of the 40 leads: how far each got (the rest of the list sets the proportions).
FATES = (
    [LeadStatus.CONTACT] * 9
    + [LeadStatus.TALKING] * 8
    + [LeadStatus.INTENT] * 6
    + [LeadStatus.DROPPED] * 4
    + ["converted"] * 5
    + ["signed"] * 4
    + ["started"] * 4
)


def _trip_dates(rng: random.Random, day: dt.date) -> tuple[dt.date, str, dt.date, str]:
    length = rng.choice([0, 0, 1, 1, 2, 3])
    start_half = rng.choice([Half.AM, Half.AM, Half.PM])
    end_half = rng.choice([Half.PM, Half.PM, Half.AM])
    if length == 0 and start_half == Half.PM:
        end_half = Half.PM
    return day, start_half, day + dt.timedelta(days=length), end_half


def _complete_registry(project, rng: random.Random, office: User) -> None:
    """What the project office fills in after a conversion: the platform that hosts the
    project, the lead department and a responsible person there."""
    from tuijin.core.models import Unit
    from tuijin.projects.models import ProjectPerson

    platforms = list(
        Unit.objects.filter(region_id=project.region_id, kind=Unit.Kind.PLATFORM).order_by("id")
    )
    department = (
        Unit.objects.filter(region_id=project.region_id, name__in=["县商务局", "县发展和改革局"])
        .order_by("-name")
        .first()
    )
    host = rng.choice(platforms) if platforms else department
    if host is None:
        return
    project.host_unit, project.lead_department = host, department or host
    project.save(update_fields=["host_unit", "lead_department"])
    person = Person.objects.filter(unit=host).order_by("order", "id").first()
    if person is not None:
        ProjectPerson.objects.get_or_create(project=project, person=person)


def _monthly_reports(project, started_on: dt.date, today: dt.date, office, rng) -> None:
    """A started project has this year's plan and reports every month since it started, up
    to last month."""
    from tuijin.projects.models import AnnualPlan
    from tuijin.projects.services import report_submit

    AnnualPlan.objects.get_or_create(
        project=project,
        year=today.year,
        defaults={"planned_investment": Decimal(rng.randint(20, 60) * 100)},
    )
    month = started_on.replace(day=1)
    while month < today.replace(day=1):
        report_submit(
            project,
            month,
            acting_user=office,
            progress_text="场地平整和主体施工有序推进",
            invested=Decimal(rng.randint(50, 400)),
            today=today,
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)


def seed_outreach(region: Region, rng: random.Random, today: dt.date | None = None) -> None:
    from tuijin.projects import lights
    from tuijin.projects.models import Project
    from tuijin.projects.services import ProjectRuleError, stage_propose

    today = today or timezone.localdate()
    office = (
        User.objects.filter(groups__name=Role.PROJECT_OFFICE, region=region, is_active=True)
        .order_by("id")
        .first()
    )
    leaders = list(
        Person.objects.filter(region=region, roles__role=DirectoryRole.LEADER)
        .select_related("user")
        .order_by("order", "id")
    )
    if office is None or not leaders:
        return
    # A year of trips: each leader goes out every three to six weeks, sometimes in pairs.
    trips = []
    for person in leaders:
        day = today - dt.timedelta(days=365 - rng.randint(0, 20))
        while True:
            day += dt.timedelta(days=rng.randint(18, 42))
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            start, start_half, end, end_half = _trip_dates(rng, day)
            if end >= today:
                break
            companions = [person]
            if rng.random() < 0.2:
                companions.append(rng.choice(leaders))
            companies = rng.sample(COMPANIES, rng.randint(1, 3))
            trips.append(
                services.trip_log(
                    acting_user=office,
                    leaders=list(dict.fromkeys(companions)),
                    start_date=start,
                    start_half=start_half,
                    end_date=end,
                    end_half=end_half,
                    destination=rng.choice(CITIES),
                    counterparts="\n".join(company[0] for company in companies),
                    purpose=rng.choice(PURPOSES),
                    outcome=rng.choice(OUTCOMES),
                    today=today,
                )
            )
    trips.sort(key=lambda t: (t.end_date, t.pk))
    # Forty leads, most from trips; older leads got further.
    fates = list(FATES)
    rng.shuffle(fates)
    used_titles: set[str] = set(
        Project.objects.filter(region=region).values_list("name", flat=True)
    )

    def upcoming() -> dt.date:
        """An open lead's next step: mostly ahead, now and then a few days overdue."""
        return today + dt.timedelta(days=rng.randint(-4, 30))

    early = [t for t in trips if t.end_date < today - dt.timedelta(days=120)] or trips
    for index, fate in enumerate(fates):
        advanced = fate not in (LeadStatus.CONTACT, LeadStatus.TALKING)
        pool = early if advanced else trips[len(trips) // 2 :] or trips
        trip = rng.choice(pool) if rng.random() < 0.8 else None
        company, industry, title = COMPANIES[index % len(COMPANIES)]
        for phase in "二三四五六":
            if title not in used_titles:
                break
            title = f"{COMPANIES[index % len(COMPANIES)][2]}{phase}期"
        used_titles.add(title)
        created_on = trip.end_date if trip else today - dt.timedelta(days=rng.randint(20, 300))
        owner = rng.choice(list(trip.leaders.all())) if trip else rng.choice(leaders)
        actor = owner.user or office
        lead = services.lead_create(
            acting_user=office,
            owner=owner,
            title=title,
            company=company,
            industry=industry,
            intended_investment=Decimal(rng.choice([3000, 5000, 8000, 12000, 20000, 35000, 60000])),
            next_step=rng.choice(NEXT_STEPS),
            next_date=upcoming() if fate == LeadStatus.CONTACT else None,
            trip=trip,
            source="" if trip else rng.choice(OTHER_SOURCES),
            notes=f"{company}拟在清溪县投资建设{industry}生产基地。",
            created_on=created_on,
        )
        if fate == LeadStatus.CONTACT:
            continue
        room = max((today - created_on).days, 3)
        on = created_on + dt.timedelta(days=rng.randint(1, max(room // 4, 1)))
        services.lead_update(
            lead,
            acting_user=actor,
            status=LeadStatus.TALKING,
            next_step="商谈投资协议文本",
            next_date=upcoming() if fate == LeadStatus.TALKING else on + dt.timedelta(days=21),
            note="企业来县实地考察，双方进入深入洽谈",
            on_date=on,
        )
        if fate == LeadStatus.TALKING:
            continue
        if fate == LeadStatus.DROPPED:
            services.lead_update(
                lead,
                acting_user=actor,
                status=LeadStatus.DROPPED,
                next_step="",
                next_date=None,
                note="企业调整投资计划，暂缓对外投资",
                on_date=min(on + dt.timedelta(days=rng.randint(10, 40)), today),
            )
            continue
        on = min(on + dt.timedelta(days=rng.randint(7, max(room // 4, 8))), today)
        services.lead_update(
            lead,
            acting_user=actor,
            status=LeadStatus.INTENT,
            next_step="报县政府常务会议研究",
            next_date=upcoming() if fate == LeadStatus.INTENT else on + dt.timedelta(days=14),
            note="双方签订投资意向书",
            on_date=on,
        )
        if fate == LeadStatus.INTENT:
            continue
        converted_on = min(on + dt.timedelta(days=rng.randint(7, 30)), today)
        project = services.lead_convert(lead, acting_user=actor, today=converted_on)
        _complete_registry(project, rng, office)
        if fate == "converted":
            continue
        signed_on = min(converted_on + dt.timedelta(days=rng.randint(14, 45)), today)
        try:
            stage_propose(
                project,
                "signed",
                signed_on,
                acting_user=office,
                contract_amount=lead.intended_investment,
                today=today,
            )
            if fate == "started":
                started_on = min(signed_on + dt.timedelta(days=rng.randint(20, 60)), today)
                Project.objects.filter(pk=project.pk).update(planned_start=started_on)
                stage_propose(project, "started", started_on, acting_user=office, today=today)
                _monthly_reports(project, started_on, today, office, rng)
        except ProjectRuleError:
            continue
    # Conversions were dated in the past: the lights are those of today.
    lights.recompute(Project.objects.filter(outreach_lead__region=region), today)
