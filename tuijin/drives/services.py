"""Drive rules and figures: launching a drive, typing custom actuals, annual targets, and the
figures that the drive page, the weekly report, the API and the cockpit all read.

Views, the API and commands call these functions; every refusal is a ``DriveRuleError`` with a
Chinese message, raised before anything is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, prefetch_related_objects

from tuijin.core import stamps
from tuijin.core.models import Person, Region, Unit
from tuijin.projects.models import Light, Project, ProjectPerson

from . import trajectories as tj
from .measures import TASK_FORCE_MEASURES, Events, MeasureReader, cumulative, running_total
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

ZERO = Decimal("0")
DEFAULT_DAYS = 100
MAX_DAYS = 366


class DriveRuleError(Exception):
    """A drive rule refused the action; ``message`` is shown to the user as is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def default_end(start: dt.date) -> dt.date:
    """A hundred days, the start day included."""
    return start + dt.timedelta(days=DEFAULT_DAYS - 1)


@dataclass
class TaskForceSpec:
    name: str
    head: Person | None = None
    members: Sequence[Person] = ()
    projects: Sequence[Project] = ()


@dataclass
class TargetSpec:
    name: str
    measure: str
    value: Decimal
    trajectory: str = Trajectory.LINEAR
    weekly_plan: Sequence[Decimal] = ()
    task_force: int | None = None  # index into the task force specs; None: the whole drive
    unit_label: str = ""


# --- launching a drive -----------------------------------------------------------------------


def _check_people(region: Region, people: Sequence[Person | None]) -> None:
    for person in people:
        if person is not None and person.region_id != region.pk:
            raise DriveRuleError(f"{person.name}不属于{region.name}")


def _check_task_forces(region: Region, specs: Sequence[TaskForceSpec]) -> None:
    names: set[str] = set()
    owner: dict[int, str] = {}
    for spec in specs:
        name = spec.name.strip()
        if not name:
            raise DriveRuleError("专项小组名称不能为空", "task_forces")
        if name in names:
            raise DriveRuleError(f"专项小组「{name}」重复", "task_forces")
        names.add(name)
        _check_people(region, [spec.head, *spec.members])
        for project in spec.projects:
            if project.region_id != region.pk:
                raise DriveRuleError(f"项目「{project.name}」不属于{region.name}", "task_forces")
            if not project.is_major:
                raise DriveRuleError(
                    f"项目「{project.name}」不是重大项目，不能分配给专项小组", "task_forces"
                )
            if project.pk in owner:
                raise DriveRuleError(
                    f"项目「{project.name}」已分配给专项小组「{owner[project.pk]}」，"
                    "一个重大项目在同一行动中只能属于一个专项小组",
                    "task_forces",
                )
            owner[project.pk] = name


def _check_target(spec: TargetSpec, start: dt.date, end: dt.date, task_forces: int) -> None:
    if not spec.name.strip():
        raise DriveRuleError("目标名称不能为空", "targets")
    if spec.measure not in Measure.values:
        raise DriveRuleError(f"目标「{spec.name}」的计算口径无效", "targets")
    if spec.measure == Measure.NEW_ABOVE_SCALE:
        raise DriveRuleError("新增规上企业按年度认定，只能作为全年目标", "targets")
    if spec.value is None or spec.value <= 0:
        raise DriveRuleError(f"目标「{spec.name}」的目标值必须大于 0", "targets")
    if spec.task_force is not None:
        if not 0 <= spec.task_force < task_forces:
            raise DriveRuleError(f"目标「{spec.name}」所属的专项小组不存在", "targets")
        if spec.measure not in TASK_FORCE_MEASURES:
            label = Measure(spec.measure).label
            raise DriveRuleError(f"「{label}」只能作为全县目标，不能分解到专项小组", "targets")
    if spec.trajectory not in Trajectory.values:
        raise DriveRuleError(f"目标「{spec.name}」的计划轨迹无效", "targets")
    try:
        tj.check_trajectory(spec.trajectory, spec.value, start, end, spec.weekly_plan)
    except tj.TrajectoryError as exc:
        raise DriveRuleError(f"目标「{spec.name}」：{exc.message}", "targets") from exc


@transaction.atomic
def drive_launch(
    *,
    acting_user: Any,
    region: Region,
    name: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    leading_group: Sequence[Person] = (),
    office: Unit | None = None,
    description: str = "",
    task_forces: Sequence[TaskForceSpec] = (),
    targets: Sequence[TargetSpec] = (),
) -> Campaign:
    """Launch a drive with its task forces and targets in one go, or nothing at all."""
    end_date = end_date or default_end(start_date)
    if not name.strip():
        raise DriveRuleError("行动名称不能为空", "name")
    if end_date < start_date:
        raise DriveRuleError("结束日期不能早于开始日期", "end_date")
    if tj.drive_days(start_date, end_date) > MAX_DAYS:
        raise DriveRuleError("一次行动不能超过一年", "end_date")
    if office is not None and office.region_id != region.pk:
        raise DriveRuleError(f"{office.name}不属于{region.name}", "office")
    _check_people(region, leading_group)
    _check_task_forces(region, task_forces)
    for spec in targets:
        _check_target(spec, start_date, end_date, len(task_forces))

    campaign = Campaign.objects.create(
        region=region,
        name=name.strip(),
        start_date=start_date,
        end_date=end_date,
        office=office,
        description=description,
        created_by=acting_user,
    )
    campaign.leading_group.set(leading_group)
    created: list[TaskForce] = []
    membership = TaskForce.members.through
    for order, spec in enumerate(task_forces):
        task_force = TaskForce.objects.create(
            campaign=campaign, name=spec.name.strip(), head=spec.head, order=order
        )
        # A new task force has no members yet: written at once, not compared one by one.
        membership.objects.bulk_create(
            membership(taskforce_id=task_force.pk, person_id=pk)
            for pk in dict.fromkeys(person.pk for person in spec.members)
        )
        try:
            TaskForceProject.objects.bulk_create(
                TaskForceProject(campaign=campaign, task_force=task_force, project=project)
                for project in spec.projects
            )
        except IntegrityError as exc:  # the checks above already refuse it; belt and braces
            raise DriveRuleError("一个重大项目在同一行动中只能属于一个专项小组") from exc
        created.append(task_force)
    for order, spec in enumerate(targets):
        Target.objects.create(
            campaign=campaign,
            task_force=created[spec.task_force] if spec.task_force is not None else None,
            name=spec.name.strip(),
            measure=spec.measure,
            value=spec.value,
            unit_label=spec.unit_label or MEASURE_UNITS.get(spec.measure, ""),
            trajectory=spec.trajectory,
            weekly_plan=[str(v) for v in spec.weekly_plan],
            order=order,
        )
    return campaign


def task_force_add_project(*, task_force: TaskForce, project: Project) -> TaskForceProject:
    """Give a task force one more project, refused when another task force owns it."""
    other = (
        TaskForceProject.objects.filter(campaign=task_force.campaign_id, project=project)
        .select_related("task_force")
        .first()
    )
    if other is not None:
        raise DriveRuleError(
            f"项目「{project.name}」已分配给专项小组「{other.task_force.name}」，"
            "一个重大项目在同一行动中只能属于一个专项小组"
        )
    if not project.is_major:
        raise DriveRuleError(f"项目「{project.name}」不是重大项目，不能分配给专项小组")
    return TaskForceProject.objects.create(
        campaign_id=task_force.campaign_id, task_force=task_force, project=project
    )


@transaction.atomic
def monthly_actual_record(
    *, acting_user: Any, target: Target, month: dt.date, value: Decimal
) -> MonthlyActual:
    """Type the month's actual of a custom target (a record-backed target never takes one)."""
    if target.measure != Measure.CUSTOM:
        raise DriveRuleError("该目标的实际值由系统根据业务记录自动计算，不能手工填报")
    month = month.replace(day=1)
    campaign = target.campaign
    if month < campaign.start_date.replace(day=1) or month > campaign.end_date:
        raise DriveRuleError("月份不在行动期限内", "month")
    if value is None or value < 0:
        raise DriveRuleError("当月完成值不能为负", "value")
    actual, _ = MonthlyActual.objects.update_or_create(
        target=target, month=month, defaults={"value": value, "recorded_by": acting_user}
    )
    return actual


# --- annual targets --------------------------------------------------------------------------


@transaction.atomic
def annual_target_save(
    *,
    region: Region,
    year: int,
    name: str,
    measure: str,
    value: Decimal,
    manual_actual: Decimal | None = None,
    unit_label: str = "",
    instance: AnnualTarget | None = None,
) -> AnnualTarget:
    """Create or change a yearly target; only a custom one takes a typed actual."""
    if not name.strip():
        raise DriveRuleError("目标名称不能为空", "name")
    if measure not in Measure.values:
        raise DriveRuleError("计算口径无效", "measure")
    if value is None or value <= 0:
        raise DriveRuleError("全年目标值必须大于 0", "value")
    if measure != Measure.CUSTOM and manual_actual is not None:
        raise DriveRuleError(
            "该目标的完成值由系统根据业务记录自动计算，不能手工填报", "manual_actual"
        )
    if manual_actual is not None and manual_actual < 0:
        raise DriveRuleError("完成值不能为负", "manual_actual")
    clash = AnnualTarget.objects.filter(region=region, year=year, name=name.strip())
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise DriveRuleError(f"{year}年已有名为「{name.strip()}」的目标", "name")
    target = instance or AnnualTarget(region=region)
    target.year = year
    target.name = name.strip()
    target.measure = measure
    target.value = value
    target.manual_actual = manual_actual
    target.unit_label = unit_label or MEASURE_UNITS.get(measure, "")
    if instance is None:
        target.order = AnnualTarget.objects.filter(region=region, year=year).count()
    target.save()
    return target


def time_share(today: dt.date, year: int) -> Decimal:
    """序时进度 of a year on ``today``: the months ended, as the cockpit counts them."""
    from tuijin.cockpit.services import year_share

    return year_share(today, year)


def annual_actual(
    target: AnnualTarget, today: dt.date, reader: MeasureReader | None = None
) -> Decimal:
    if target.measure == Measure.CUSTOM:
        return target.manual_actual or ZERO
    start, end = dt.date(target.year, 1, 1), dt.date(target.year, 12, 31)
    events = (reader or MeasureReader()).events(target.measure, target.region_id, start, end)
    return cumulative(events, min(today, end))


def annual_figures(
    targets: Sequence[AnnualTarget], today: dt.date, reader: MeasureReader | None = None
) -> list[dict]:
    """Each yearly target's actual, percentage done, and the gap to the time elapsed (one
    reader for all: a query per measure, not per target)."""
    reader = reader or MeasureReader()
    rows = []
    for target in targets:
        actual = annual_actual(target, today, reader)
        share = time_share(today, target.year) * 100
        done = actual * 100 / target.value
        rows.append(
            {
                "target": target,
                "actual": actual,
                "percent": done.quantize(Decimal("0.1")),
                "elapsed": share.quantize(Decimal("0.1")),
                "gap": (done - share).quantize(Decimal("0.1")),
                "behind": done < share,
                "unit": target.unit_label,
            }
        )
    return rows


# --- drive figures ---------------------------------------------------------------------------


def _events(target: Target, reader: MeasureReader, task_force: TaskForce | None) -> Events:
    campaign = target.campaign
    project_ids = person_ids = None
    if target.task_force_id is not None:
        task_force = task_force or target.task_force
        project_ids = [o.project_id for o in task_force.owned.all()]
        person_ids = [p.pk for p in task_force.members.all()]
        if task_force.head_id:
            person_ids.append(task_force.head_id)
    return reader.events(
        target.measure,
        campaign.region_id,
        campaign.start_date,
        campaign.end_date,
        project_ids=project_ids,
        person_ids=person_ids,
        target_id=target.pk,
    )


def _weekly(target: Target) -> list[Decimal]:
    return [Decimal(str(v)) for v in target.weekly_plan or []]


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


@dataclass
class TargetFigures:
    """A target's plan and actual today, the gap, the forecast and its weekly chart."""

    target: Target
    plan: Decimal
    actual: Decimal
    gap: Decimal
    forecast: tj.Forecast
    weeks: list[str] = field(default_factory=list)
    plan_series: list[float] = field(default_factory=list)
    actual_series: list[float] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return self.target.unit_label

    @property
    def percent(self) -> Decimal:
        return (self.actual * 100 / self.target.value).quantize(Decimal("0.1"))

    @property
    def plan_percent(self) -> Decimal:
        return (self.plan * 100 / self.target.value).quantize(Decimal("0.1"))

    @property
    def of_plan(self) -> Decimal | None:
        """Actual as a percentage of the plan to date (the cockpit's 完成计划 %)."""
        if not self.plan:
            return None
        return (self.actual * 100 / self.plan).quantize(Decimal("0.1"))

    def as_dict(self) -> dict:
        return {
            "id": self.target.pk,
            "name": self.target.name,
            "task_force": self.target.task_force.name if self.target.task_force_id else None,
            "measure": self.target.measure,
            "unit": self.unit,
            "value": float(self.target.value),
            "plan": float(_round(self.plan)),
            "actual": float(_round(self.actual)),
            "gap_points": float(self.gap),
            "forecast_end_value": float(_round(self.forecast.end_value)),
            "forecast_date": self.forecast.reach_date.isoformat()
            if self.forecast.reach_date
            else None,
            "forecast_text": self.forecast.text,
            "weeks": self.weeks,
            "plan_series": self.plan_series,
            "actual_series": self.actual_series,
        }


def target_figures(
    target: Target,
    today: dt.date,
    reader: MeasureReader | None = None,
    task_force: TaskForce | None = None,
) -> TargetFigures:
    """Plan, actual, gap and forecast of a target; pass one ``reader`` for a page of targets,
    and the target's task force when it was fetched with its projects and members."""
    campaign = target.campaign
    start, end = campaign.start_date, campaign.end_date
    total = running_total(_events(target, reader or MeasureReader(), task_force))
    weekly = _weekly(target)
    on = min(today, end)
    plan = tj.planned(target.trajectory, target.value, start, end, on, weekly)
    actual = total(on)
    before = total(on - dt.timedelta(days=tj.PACE_DAYS))
    figures = TargetFigures(
        target=target,
        plan=plan,
        actual=actual,
        gap=tj.gap_points(actual, plan, target.value),
        forecast=tj.forecast(target.value, start, end, today, actual, before),
    )
    for week in range(1, tj.week_count(start, end) + 1):
        last = tj.week_end(start, end, week)
        figures.weeks.append(f"第{week}周")
        figures.plan_series.append(
            float(_round(tj.planned(target.trajectory, target.value, start, end, last, weekly)))
        )
        if last - dt.timedelta(days=6) <= today:  # the week has begun
            figures.actual_series.append(float(_round(total(min(last, today)))))
    return figures


def drive_status(campaign: Campaign, today: dt.date) -> dict:
    """Countdown: the day of the drive, the days left, and a word for its state."""
    days = campaign.days
    if today < campaign.start_date:
        state, day, left = "未开始", 0, days
    elif today > campaign.end_date:
        state, day, left = "已结束", days, 0
    else:
        state = "进行中"
        day = (today - campaign.start_date).days + 1
        left = (campaign.end_date - today).days
    week = (day + 6) // 7 if day else 0
    return {
        "state": state,
        "day": day,
        "days": days,
        "left": left,
        "week": week,
        "percent": round(day * 100 / days, 1),
    }


# The columns of a task force's projects that the figures show (name, light and its reasons,
# the county leader in contact): a project row is wide, and a drive owns dozens.
OWNED_FIELDS = [
    "campaign_id",
    "task_force_id",
    "project__name",
    "project__light",
    "project__light_reasons",
    "project__contact_leader__name",
]


def _figure_lookups() -> list:
    """What ``drive_figures`` reads of the drive, prefetched in a fixed number of queries; a
    target's drive is the drive itself (set by the prefetch, not joined again)."""
    owned = TaskForceProject.objects.select_related("project__contact_leader").only(*OWNED_FIELDS)
    return [
        "leading_group",
        Prefetch(
            "task_forces",
            queryset=TaskForce.objects.select_related("head").prefetch_related(
                "members", Prefetch("owned", queryset=owned)
            ),
        ),
        Prefetch("targets", queryset=Target.objects.select_related("task_force")),
    ]


def campaign_queryset(qs):
    """The drive with what its figures need, fetched in a fixed number of queries."""
    return qs.select_related("region", "office").prefetch_related(*_figure_lookups())


def _lagging(task_force: TaskForce) -> list[Project]:
    projects = [o.project for o in task_force.owned.all()]
    lagging = [p for p in projects if p.light in (Light.RED, Light.YELLOW)]
    lagging.sort(key=lambda p: (p.light != Light.RED, p.name))
    return lagging


def _lagging_projects(
    task_force: TaskForce, people: dict[int, list[str]], leaders: dict[int, str]
) -> list[dict]:
    """The task force's projects on a red or yellow light, red first, with who answers
    (``people`` and ``leaders`` by project, read once for every task force of the drive)."""
    lagging = _lagging(task_force)
    return [
        {
            "project": p,
            "light": p.get_light_display(),
            "light_code": p.light,
            "reasons": p.reasons_text,
            "responsibles": "、".join(people.get(p.pk, [])) or "未指定",
            "contact_leader": leaders.get(p.pk) or "未指定",
        }
        for p in lagging
    ]


def drive_figures(campaign: Campaign, today: dt.date) -> dict:
    """Everything the drive page and the weekly report show, from the records of today
    (what the drive was fetched with by ``campaign_queryset`` is not read again)."""
    prefetch_related_objects([campaign], *_figure_lookups())
    forces = {force.pk: force for force in campaign.task_forces.all()}
    reader = MeasureReader()
    targets = [
        target_figures(t, today, reader, forces.get(t.task_force_id))
        for t in campaign.targets.all()
    ]
    lagging = [p for force in forces.values() for p in _lagging(force)]
    people: dict[int, list[str]] = {}
    named = ProjectPerson.objects.filter(project__in=[p.pk for p in lagging])
    for project_id, name in named.values_list("project_id", "person__name"):
        people.setdefault(project_id, []).append(name)
    leaders = {p.pk: p.contact_leader.name for p in lagging if p.contact_leader_id}
    ranking = []
    for task_force in forces.values():
        own = [f for f in targets if f.target.task_force_id == task_force.pk]
        score = (
            (sum((f.gap for f in own), ZERO) / len(own)).quantize(Decimal("0.1")) if own else None
        )
        ranking.append(
            {
                "task_force": task_force,
                "targets": own,
                "score": score,
                "projects": [o.project for o in task_force.owned.all()],
                "lagging": _lagging_projects(task_force, people, leaders),
            }
        )
    # Ranked by the mean gap of their targets to plan (points): ahead first, no target last.
    ranking.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0)))
    for rank, row in enumerate(ranking, start=1):
        row["rank"] = rank if row["score"] is not None else None
    return {
        "campaign": campaign,
        "status": drive_status(campaign, today),
        "targets": targets,
        "drive_targets": [f for f in targets if f.target.task_force_id is None],
        "ranking": ranking,
        "today": today,
    }


# Kinds of data a drive's figures are computed from (``core.stamps.KINDS``): the drive,
# its targets and typed actuals; projects, their reports and responsible people; visits;
# requests; leads; the names of people and units. A committed write to any of them moves its
# stamp, and the next page computes the figures again.
SOURCES = ("directory", "projects", "drives", "enterprises", "appeals", "outreach")


def cached_drive_figures(campaign: Campaign, today: dt.date) -> dict:
    """``drive_figures`` of ``campaign`` as of today, computed once per change of the data
    under them. The figures are the same whoever may see the drive (the caller checks that
    first), so the key is the drive and the day. ``campaign`` may come bare: what the figures
    need is fetched only when they are computed."""
    key = f"drives:figures:{campaign.pk}:{today.isoformat()}"
    return stamps.cached(SOURCES, key, lambda: drive_figures(campaign, today))


def running_drive(user: Any, today: dt.date, region: Region | None = None) -> Campaign | None:
    """The drive running today that the user may see (the latest started, when several),
    of ``region`` when given."""
    qs = Campaign.objects.visible_to(user).running(today).order_by("-start_date", "-id")
    if region is not None:
        qs = qs.filter(region=region)
    return campaign_queryset(qs).first()
