"""Status lights (红黄绿灯): computed from the records by rules the county can tune.

``evaluate`` is a pure function of a project's facts, the day and the rules, so each rule can
be tested at its boundaries; ``recompute`` gathers the facts of many projects in a few queries,
stores what changed and keeps each change with its reasons. Defaults follow one municipal
development and reform commission's published rule:

- start: the planned start month has passed without a start: yellow; 3 months late: red;
- progress against time elapsed (序时进度): behind by 10–30 points: yellow; more: red;
- milestones: yellow from 3 working days before the planned date; red once passed by more
  than a configurable number of days (default 0);
- missing reports: one completed period without a report: yellow; two in a row: red;
- statistics registration (入库纳统): not registered 1 month after start: yellow; 2: red.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from tuijin.core import workdays

from .models import (
    LIGHT_RANK,
    AnnualPlan,
    Light,
    LightChange,
    Milestone,
    ProgressReport,
    Project,
    ProjectRules,
    Stage,
)
from .periods import months_between, period_label, period_start, previous_period


@dataclass
class Facts:
    """What the rules look at, gathered once per project."""

    stage: str
    planned_start: dt.date | None = None
    actual_start: dt.date | None = None
    registered_in_stats: bool = False
    plan_this_year: Decimal | None = None
    invested_this_year: Decimal = Decimal("0")
    open_milestones: list[tuple[str, dt.date]] = field(default_factory=list)
    reported_periods: set[dt.date] = field(default_factory=set)


@dataclass
class Verdict:
    light: str
    reasons: list[str]


def elapsed_share(today: dt.date) -> Decimal:
    """序时进度: the share of the year elapsed, counted in whole months up to ``today``'s."""
    return Decimal(today.month) / Decimal(12)


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month


def _warn_from(planned: dt.date, warn_workdays: int) -> dt.date:
    """The day ``warn_workdays`` working days before ``planned``."""
    day, left = planned, warn_workdays
    cal = workdays.WorkCalendar()
    while left:
        day -= dt.timedelta(days=1)
        if cal.is_workday(day):
            left -= 1
    return day


def evaluate(facts: Facts, today: dt.date, rules: ProjectRules) -> Verdict:
    """The light and its reasons, in plain Chinese, worst first."""
    if facts.stage == Stage.DROPPED:
        return Verdict(Light.NONE, ["项目已终止"])
    if facts.stage == Stage.COMPLETED:
        return Verdict(Light.GREEN, ["项目已竣工/投产"])
    found: list[tuple[str, str]] = []
    started = facts.stage == Stage.STARTED

    if not started and facts.planned_start:
        late = _month_index(today) - _month_index(facts.planned_start)
        if late >= 1:
            light = Light.RED if late >= rules.start_red_months else Light.YELLOW
            found.append(
                (
                    light,
                    f"计划{facts.planned_start.year}年{facts.planned_start.month}月开工，已逾期 {late} 个月未开工",
                )
            )

    if started and facts.plan_this_year:
        completion = facts.invested_this_year / facts.plan_this_year * 100
        gap = elapsed_share(today) * 100 - completion
        text = f"年度投资完成率 {completion:.0f}%，落后序时进度 {gap:.0f} 个百分点"
        if gap > rules.progress_red_gap:
            found.append((Light.RED, text))
        elif gap >= rules.progress_yellow_gap:
            found.append((Light.YELLOW, text))

    for name, planned in facts.open_milestones:
        late_days = (today - planned).days
        if late_days > rules.milestone_red_days:
            found.append(
                (Light.RED, f"节点「{name}」计划 {planned:%Y-%m-%d} 完成，已逾期 {late_days} 天")
            )
        elif late_days > 0:
            found.append(
                (Light.YELLOW, f"节点「{name}」计划 {planned:%Y-%m-%d} 完成，已逾期 {late_days} 天")
            )
        elif today >= _warn_from(planned, rules.milestone_warn_workdays):
            found.append((Light.YELLOW, f"节点「{name}」将于 {planned:%Y-%m-%d} 到期"))

    if started:
        first_due = (
            period_start(facts.actual_start, rules.period_kind) if facts.actual_start else None
        )
        period = previous_period(period_start(today, rules.period_kind), rules.period_kind)
        missing: list[dt.date] = []
        while len(missing) < rules.missing_red and period not in facts.reported_periods:
            if first_due and period < first_due:
                break
            missing.append(period)
            period = previous_period(period, rules.period_kind)
        if missing and len(missing) >= rules.missing_red:
            found.append((Light.RED, f"连续 {len(missing)} 期未填报进度"))
        elif missing and len(missing) >= rules.missing_yellow:
            label = period_label(missing[0], rules.period_kind)
            found.append((Light.YELLOW, f"{label}未填报进度"))

    if started and facts.actual_start and not facts.registered_in_stats:
        months = months_between(facts.actual_start, today)
        text = f"开工已 {months} 个月仍未入库纳统"
        if months >= rules.stats_red_months:
            found.append((Light.RED, text))
        elif months >= rules.stats_yellow_months:
            found.append((Light.YELLOW, text))

    if not found:
        return Verdict(Light.GREEN, [])
    found.sort(key=lambda item: -LIGHT_RANK[item[0]])
    return Verdict(found[0][0], [reason for _, reason in found])


def gather(projects: list[Project], today: dt.date, rules: ProjectRules) -> dict[int, Facts]:
    """The facts of many projects in four queries, whatever their number."""
    ids = [p.pk for p in projects]
    facts = {
        p.pk: Facts(
            stage=p.stage,
            planned_start=p.planned_start,
            actual_start=p.actual_start,
            registered_in_stats=p.registered_in_stats,
        )
        for p in projects
    }
    for project_id, planned in AnnualPlan.objects.filter(
        project_id__in=ids, year=today.year
    ).values_list("project_id", "planned_investment"):
        facts[project_id].plan_this_year = planned
    for row in (
        ProgressReport.objects.filter(
            project_id__in=ids, period__year=today.year, period__lte=today
        )
        .values("project_id")
        .annotate(total=Sum("invested"))
    ):
        facts[row["project_id"]].invested_this_year = row["total"] or Decimal("0")
    for project_id, name, planned in (
        Milestone.objects.filter(
            project_id__in=ids, actual_date__isnull=True, planned_date__isnull=False
        )
        .order_by("planned_date")
        .values_list("project_id", "name", "planned_date")
    ):
        facts[project_id].open_milestones.append((name, planned))
    oldest = period_start(today, rules.period_kind)
    for _ in range(rules.missing_red + 1):
        oldest = previous_period(oldest, rules.period_kind)
    for project_id, period in ProgressReport.objects.filter(
        project_id__in=ids, period__gte=oldest
    ).values_list("project_id", "period"):
        facts[project_id].reported_periods.add(period)
    return facts


@transaction.atomic
def recompute(projects, today: dt.date | None = None) -> int:
    """Recompute the lights of ``projects`` (a queryset); store and log the ones that changed.

    Returns how many changed. Idempotent: a second run on the same day changes nothing.
    """
    today = today or dt.date.today()
    changed_total = 0
    by_region: dict[int, list[Project]] = defaultdict(list)
    fields = [
        "id",
        "region_id",
        "stage",
        "planned_start",
        "actual_start",
        "registered_in_stats",
        "light",
        "light_reasons",
    ]
    for project in projects.only(*fields).order_by("id").iterator(chunk_size=2000):
        by_region[project.region_id].append(project)
    for region_id, group in by_region.items():
        rules = ProjectRules.for_region(region_id)
        for start in range(0, len(group), 2000):
            chunk = group[start : start + 2000]
            facts = gather(chunk, today, rules)
            changed, history = [], []
            for project in chunk:
                verdict = evaluate(facts[project.pk], today, rules)
                if (verdict.light, verdict.reasons) == (project.light, project.light_reasons):
                    continue
                if verdict.light != project.light:
                    history.append(
                        LightChange(
                            project=project,
                            on_date=today,
                            light=verdict.light,
                            previous=project.light,
                            reasons=verdict.reasons,
                        )
                    )
                project.light, project.light_reasons = verdict.light, verdict.reasons
                changed.append(project)
            Project.objects.bulk_update(changed, ["light", "light_reasons"], batch_size=500)
            LightChange.objects.bulk_create(history, batch_size=500)
            changed_total += len(changed)
    return changed_total
