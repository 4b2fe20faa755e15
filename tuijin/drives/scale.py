"""The drives' part of ``tuijin seed --scale`` (order 60): per county one hundred-day drive a
year (last year's finished, this year's at its 60th day), each with its leading group, three
task forces owning the county's major projects (``ctx.ids["projects"]``), targets of every
measure and the monthly actuals of its custom target; and this year's annual targets.

Actuals are never stored (they are computed from the records), so each target is set from
the records already seeded: about what the pace reaches, give or take, so some targets are
ahead and some behind. Without projects (the part run alone) the task forces own none and the
project targets are small fixed numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from tuijin.core.scale import ScaleContext, insert_rows, register
from tuijin.enterprises.scale import Directory, county_directory
from tuijin.projects.models import AnnualPlan, Project, Stage

from . import trajectories as tj
from .demo import TASK_FORCES
from .measures import cumulative, measure_events
from .models import (
    MEASURE_UNITS,
    AnnualTarget,
    Campaign,
    Measure,
    MonthlyActual,
    Target,
    TaskForce,
    TaskForceProject,
    Trajectory,
)
from .services import default_end

DAY = 60  # this year's drive is at its 60th day
OFFICE_NAME = "县发展和改革局"
# (name, measure, trajectory) of a drive's own targets; custom targets are typed monthly.
DRIVE_TARGETS = [
    ("签约项目", Measure.PROJECTS_SIGNED, Trajectory.LINEAR),
    ("新开工项目", Measure.PROJECTS_STARTED, Trajectory.LINEAR),
    ("完成投资", Measure.INVESTMENT, Trajectory.S_CURVE),
    ("走访企业", Measure.ENTERPRISES_VISITED, Trajectory.LINEAR),
    ("办结企业诉求", Measure.REQUESTS_RESOLVED, Trajectory.LINEAR),
    ("招商线索转化签约", Measure.LEADS_SIGNED, Trajectory.LINEAR),
]
CUSTOM = ("新增就业岗位", Decimal(1500), "个")


def _value(measure, county, start, end, today, rng, **kw) -> Decimal:
    """A target the pace so far would reach, give or take (90–125 % of the projection)."""
    on = min(today, end)
    actual = cumulative(measure_events(measure, county.pk, start, end, **kw), on)
    elapsed = max(tj.drive_days(start, on), 1)
    projected = actual * Decimal(tj.drive_days(start, end)) / Decimal(elapsed)
    factor = Decimal(str(round(rng.uniform(0.9, 1.25), 2)))
    return max((projected * factor).quantize(Decimal("1")), Decimal(5))


def _weekly_plan(value: Decimal, start: dt.date, end: dt.date) -> list[str]:
    weeks = tj.week_count(start, end)
    plan = [
        tj.planned(Trajectory.S_CURVE, value, start, end, tj.week_end(start, end, w)).quantize(
            Decimal("1")
        )
        for w in range(1, weeks + 1)
    ]
    plan[-1] = value
    return [str(v) for v in plan]


def _campaign(ctx, county, d: Directory, majors: list[int], start: dt.date, rng) -> tuple:
    """One drive with everything under it; returns (task forces, targets, monthly actuals)."""
    today = ctx.today
    end = default_end(start)
    office = next((u for u in d.departments if u.name == OFFICE_NAME), None)
    office = office or (d.departments[0] if d.departments else None)
    staff = d.staff.get(office.pk, [])[:6] if office else []
    leaders = d.leaders
    campaign = Campaign.objects.create(
        region=county,
        name=f"{start.year}年重大项目百日集中推进行动",
        start_date=start,
        end_date=end,
        office=office,
        description="落实领导小组，分设专项小组，重大项目由专项小组负责跟进落实。",
        created_by_id=d.office_user,
    )
    insert_rows(
        Campaign.leading_group.through,
        ["campaign_id", "person_id"],
        ((campaign.pk, p) for p in dict.fromkeys(d.principals + leaders[:3])),
    )
    forces = TaskForce.objects.bulk_create(
        TaskForce(
            campaign=campaign,
            name=name,
            head_id=leaders[i] if i < len(leaders) else None,
            order=i,
        )
        for i, name in enumerate(TASK_FORCES)
    )
    members, owned = [], []
    for i, force in enumerate(forces):
        people = [p for p in leaders[3 + i :: 3] if p != force.head_id][:2] + staff[i::3][:2]
        members += [(force.pk, p) for p in dict.fromkeys(people)]
        owned.append(majors[i :: len(forces)])
    insert_rows(TaskForce.members.through, ["taskforce_id", "person_id"], members)
    TaskForceProject.objects.bulk_create(
        TaskForceProject(campaign=campaign, task_force=force, project_id=project)
        for force, projects in zip(forces, owned, strict=True)
        for project in projects
    )
    targets = []
    for name, measure, trajectory in DRIVE_TARGETS:
        if measure == Measure.LEADS_SIGNED:
            value = Decimal(rng.randint(4, 10))
        else:
            value = _value(measure, county, start, end, today, rng)
        targets.append(
            Target(
                campaign=campaign,
                name=name,
                measure=measure,
                value=value,
                unit_label=MEASURE_UNITS.get(measure, ""),
                trajectory=trajectory,
            )
        )
    name, value, unit = CUSTOM
    jobs = Target(campaign=campaign, name=name, measure=Measure.CUSTOM, value=value)
    jobs.unit_label = unit
    targets.append(jobs)
    for i, (force, projects) in enumerate(zip(forces, owned, strict=True)):
        if not projects:
            continue
        value = _value(Measure.INVESTMENT, county, start, end, today, rng, project_ids=projects)
        weekly = i == 0
        targets.append(
            Target(
                campaign=campaign,
                task_force=force,
                name=f"{force.name}完成投资",
                measure=Measure.INVESTMENT,
                value=value,
                unit_label=MEASURE_UNITS[Measure.INVESTMENT],
                trajectory=Trajectory.WEEKLY if weekly else Trajectory.LINEAR,
                weekly_plan=_weekly_plan(value, start, end) if weekly else [],
            )
        )
    for order, target in enumerate(targets):
        target.order = order
    Target.objects.bulk_create(targets)
    actuals = []
    month = start.replace(day=1)
    while month <= min(today, end):
        actuals.append(
            MonthlyActual(
                target=jobs,
                month=month,
                value=Decimal(rng.randint(380, 520)),
                recorded_by_id=d.office_user,
            )
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    MonthlyActual.objects.bulk_create(actuals)
    return len(forces), len(targets), len(actuals)


def _annual(ctx, county, rng) -> int:
    """This year's targets of the county (全年目标任务), set from the pace of the records."""
    today = ctx.today
    year = today.year
    plan = AnnualPlan.objects.filter(project__region=county, year=year).aggregate(
        total=Sum("planned_investment")
    )["total"] or Decimal(100000)
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    share = Decimal(max(today.timetuple().tm_yday, 1)) / Decimal(365)

    def full_year(measure: str) -> Decimal:
        actual = cumulative(measure_events(measure, county.pk, year_start, year_end), today)
        factor = Decimal(str(round(rng.uniform(0.95, 1.2), 2)))
        return max((actual / share * factor).quantize(Decimal("1")), Decimal(5))

    rows = [
        ("固定资产投资", Measure.INVESTMENT, plan.quantize(Decimal("1")), None, "万元"),
        ("签约项目", Measure.PROJECTS_SIGNED, full_year(Measure.PROJECTS_SIGNED), None, "个"),
        ("新开工项目", Measure.PROJECTS_STARTED, full_year(Measure.PROJECTS_STARTED), None, "个"),
        ("新增规上企业", Measure.NEW_ABOVE_SCALE, Decimal(rng.randint(20, 45)), None, "家"),
        (
            "办结企业诉求",
            Measure.REQUESTS_RESOLVED,
            full_year(Measure.REQUESTS_RESOLVED),
            None,
            "件",
        ),
        ("实际利用外资", Measure.CUSTOM, Decimal(3000), Decimal(rng.randint(1800, 2600)), "万美元"),
    ]
    AnnualTarget.objects.bulk_create(
        AnnualTarget(
            region=county,
            year=year,
            name=name,
            measure=measure,
            value=value,
            manual_actual=manual,
            unit_label=unit,
            order=order,
        )
        for order, (name, measure, value, manual, unit) in enumerate(rows)
    )
    return len(rows)


@register(60, "集中推进行动与全年目标")
def seed_drives_at_scale(ctx: ScaleContext) -> None:
    """Per county: last year's and this year's drive, and this year's annual targets."""
    this_start = ctx.today - dt.timedelta(days=DAY - 1)
    starts = [this_start - dt.timedelta(days=364), this_start]
    for county in ctx.counties:
        d = county_directory(county)
        rng = ctx.rng_for("drives", county)
        ids = ctx.ids.get("projects", {}).get(county.pk) or []
        majors = list(
            Project.objects.filter(pk__in=ids, is_major=True)
            .exclude(stage=Stage.DROPPED)
            .order_by("id")
            .values_list("id", flat=True)
        )
        with transaction.atomic():
            made = [_campaign(ctx, county, d, majors, start, rng) for start in starts]
            annual = _annual(ctx, county, rng)
        ctx.add("集中推进行动", len(made))
        ctx.add("专项小组", sum(m[0] for m in made))
        ctx.add("行动目标", sum(m[1] for m in made))
        ctx.add("月度实际", sum(m[2] for m in made))
        ctx.add("全年目标", annual)
