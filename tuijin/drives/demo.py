"""Demo: a hundred-day drive at its 60th day, three task forces owning the major projects,
targets of every measure kind (one custom with monthly actuals), and this year's targets.

Target values are set from the records already seeded, so that the drive looks like a real one
(some targets ahead, some behind); actuals are never stored, they are computed live, so the
order of the seeders only changes the figures of measures seeded later (leads), whose target is
a fixed number.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from tuijin.core.models import Person, Region, Unit, User
from tuijin.core.roles import DirectoryRole
from tuijin.projects.models import AnnualPlan, Project, Stage

from . import trajectories as tj
from .measures import cumulative, measure_events
from .models import AnnualTarget, Measure, MonthlyActual, Trajectory
from .services import TargetSpec, TaskForceSpec, annual_target_save, default_end, drive_launch

DAY = 60
TASK_FORCES = ["工业项目推进组", "基础设施项目推进组", "招商引资与服务保障组"]


def _value(measure: str, region: Region, start: dt.date, end: dt.date, today, rng, **kw):
    """A target that the pace so far would reach, give or take: 90–125 % of the projection."""
    actual = cumulative(measure_events(measure, region.pk, start, end, **kw), today)
    projected = actual * Decimal(tj.drive_days(start, end)) / Decimal(DAY)
    factor = Decimal(str(round(rng.uniform(0.9, 1.25), 2)))
    value = (projected * factor).quantize(Decimal("1"))
    return max(value, Decimal(5))


def _weekly_plan(value: Decimal, start: dt.date, end: dt.date) -> list[Decimal]:
    weeks = tj.week_count(start, end)
    plan = [
        tj.planned(Trajectory.S_CURVE, value, start, end, tj.week_end(start, end, w)).quantize(
            Decimal("1")
        )
        for w in range(1, weeks + 1)
    ]
    plan[-1] = value
    return plan


def seed_drives(region: Region, rng: random.Random, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=DAY - 1)
    end = default_end(start)
    majors = list(
        Project.objects.filter(region=region, is_major=True)
        .exclude(stage=Stage.DROPPED)
        .order_by("id")
    )
    leaders = list(
        Person.objects.filter(region=region, roles__role=DirectoryRole.LEADER).order_by("id")
    )
    principals = list(
        Person.objects.filter(region=region, roles__role=DirectoryRole.PRINCIPAL).order_by("id")
    )
    office = Unit.objects.filter(region=region, name="县发展和改革局").first()
    staff = list(Person.objects.filter(unit=office).order_by("id")[:6]) if office else []
    acting = User.objects.filter(username="projectoffice").first()

    specs = []
    for i, name in enumerate(TASK_FORCES):
        head = leaders[i] if i < len(leaders) else None
        members = [p for p in leaders[3 + i :: 3] if p != head][:2] + staff[i::3][:2]
        specs.append(TaskForceSpec(name, head, members, majors[i::3]))

    owned = [[p.pk for p in spec.projects] for spec in specs]
    targets = [
        TargetSpec(
            "签约项目",
            Measure.PROJECTS_SIGNED,
            _value(Measure.PROJECTS_SIGNED, region, start, end, today, rng),
        ),
        TargetSpec(
            "新开工项目",
            Measure.PROJECTS_STARTED,
            _value(Measure.PROJECTS_STARTED, region, start, end, today, rng),
        ),
        TargetSpec(
            "完成投资",
            Measure.INVESTMENT,
            _value(Measure.INVESTMENT, region, start, end, today, rng),
            Trajectory.S_CURVE,
        ),
        TargetSpec(
            "走访企业",
            Measure.ENTERPRISES_VISITED,
            _value(Measure.ENTERPRISES_VISITED, region, start, end, today, rng),
        ),
        TargetSpec(
            "办结企业诉求",
            Measure.REQUESTS_RESOLVED,
            _value(Measure.REQUESTS_RESOLVED, region, start, end, today, rng),
        ),
        TargetSpec("招商线索转化签约", Measure.LEADS_SIGNED, Decimal(8)),
        TargetSpec("新增就业岗位", Measure.CUSTOM, Decimal(1500), unit_label="个"),
    ]
    for i, spec in enumerate(specs):
        if not spec.projects:
            continue
        value = _value(Measure.INVESTMENT, region, start, end, today, rng, project_ids=owned[i])
        kind = Trajectory.WEEKLY if i == 0 else Trajectory.LINEAR
        weekly = _weekly_plan(value, start, end) if kind == Trajectory.WEEKLY else ()
        targets.append(
            TargetSpec(f"{spec.name}完成投资", Measure.INVESTMENT, value, kind, weekly, i)
        )
    campaign = drive_launch(
        acting_user=acting,
        region=region,
        name=f"{start.year}年重大项目百日集中推进行动",
        start_date=start,
        end_date=end,
        leading_group=principals + leaders[:3],
        office=office,
        description="落实领导小组，分设专项小组，重大项目由专项小组负责跟进落实。",
        task_forces=specs,
        targets=targets,
    )
    jobs = campaign.targets.get(measure=Measure.CUSTOM)
    month = start.replace(day=1)
    while month <= today:
        MonthlyActual.objects.create(
            target=jobs, month=month, value=Decimal(rng.randint(380, 520)), recorded_by=acting
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)

    _seed_annual(region, rng, today)


def _seed_annual(region: Region, rng: random.Random, today: dt.date) -> None:
    year = today.year
    plan = AnnualPlan.objects.filter(project__region=region, year=year).aggregate(
        total=Sum("planned_investment")
    )["total"] or Decimal(100000)
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)

    def full_year(measure: str) -> Decimal:
        actual = cumulative(measure_events(measure, region.pk, year_start, year_end), today)
        share = Decimal(max(today.timetuple().tm_yday, 1)) / Decimal(365)
        factor = Decimal(str(round(rng.uniform(0.95, 1.2), 2)))
        return max((actual / share * factor).quantize(Decimal("1")), Decimal(5))

    rows = [
        ("固定资产投资", Measure.INVESTMENT, plan.quantize(Decimal("1")), None, ""),
        ("签约项目", Measure.PROJECTS_SIGNED, full_year(Measure.PROJECTS_SIGNED), None, ""),
        ("新开工项目", Measure.PROJECTS_STARTED, full_year(Measure.PROJECTS_STARTED), None, ""),
        ("新增规上企业", Measure.NEW_ABOVE_SCALE, Decimal(12), None, ""),
        ("办结企业诉求", Measure.REQUESTS_RESOLVED, full_year(Measure.REQUESTS_RESOLVED), None, ""),
        ("实际利用外资", Measure.CUSTOM, Decimal(3000), Decimal(rng.randint(1800, 2600)), "万美元"),
    ]
    if AnnualTarget.objects.filter(region=region, year=year).exists():
        return
    for name, measure, value, manual, unit in rows:
        annual_target_save(
            region=region,
            year=year,
            name=name,
            measure=measure,
            value=value,
            manual_actual=manual,
            unit_label=unit,
        )
