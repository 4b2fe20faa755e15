"""Status lights (红黄绿灯): computed from the records by rules the county can tune.

``evaluate`` is a pure function of a project's facts, the day and the rules, so each rule can
be tested at its boundaries; ``recompute`` gathers the facts of many projects in a few queries,
stores what changed and keeps each change with its date and reasons. Defaults follow one
municipal development and reform commission's published rule. The boundaries, exactly
(thresholds in brackets are ``ProjectRules`` fields, defaults after the equals sign):

- **Start** (在谈/已签约 projects with a planned start): the planned start *month* is the
  deadline. Yellow from the first day of the next month; red once the project is late by
  [start_red_months = 3] whole months counted from the end of the planned month. Planned
  2026-03: green to 2026-03-31, yellow from 2026-04-01, red from 2026-07-01 (April, May and
  June have all passed without a start: 「逾期满 3 个月」).
- **Progress against time elapsed (序时进度)**, started projects with an annual plan for the
  year: 序时进度 = months / 12, where the months are those the year-to-date investment
  covers: the months that have ended, plus the current month once its report is in (so a
  「1-10月」 ledger at the end of October compares with 10/12, and a project that has not yet
  reported October is compared, on 1-9月, with 9/12; January before its report is never
  judged). With weekly reporting only ended months count. Completion = investment reported
  for this year / annual plan. Behind by [progress_yellow_gap = 10] points or more: yellow
  (10.0 is yellow, 9.9 green); behind by more than [progress_red_gap = 30]: red (30.0 is
  yellow, 30.1 red).
- **Milestones** (any open milestone with a planned date): yellow from [milestone_warn_workdays
  = 3] working days before the planned date, on the official calendar with its 调休: a
  milestone due Monday 2026-03-23 is yellow from Wednesday 2026-03-18; one due on Sunday
  2026-03-22 likewise; one due 2026-05-07, after the Labour Day holiday, from 2026-04-29.
  Still yellow on the day itself. Red once passed by more than [milestone_red_days = 0]
  days, so with the default one day late is red; with N > 0 the first N late days are yellow.
- **Missing reports** (started projects): a period is missing once it has ended without a
  report (a monthly report is due within its month: on 2026-04-01 a missing March report
  counts). Counting back from the last ended period, periods before the start excluded:
  [missing_yellow = 1] missing in a row: yellow; [missing_red = 2] in a row: red. A gap
  followed by a report is history, not a light. missing_red = 0 switches the rule off.
- **Statistics registration (入库纳统)**, started projects not registered: yellow once
  [stats_yellow_months = 1] whole month has passed since the actual start, red at
  [stats_red_months = 2]. A month is up on the same day of the month (started 2026-03-15:
  yellow from 2026-04-15, red from 2026-05-15), or on the month's last day when it has no
  such day (started 2026-01-31: yellow from 2026-02-28).

A dropped project has no light (reason 「项目已终止」), a completed one is green. The worst
light wins and the reasons are listed worst first (rules in the order above within a colour).
A light change is logged as a ``LightChange`` with its day and reasons; a change of reasons
alone updates the project but is not a change of light.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tuijin.core import stamps, workdays
from tuijin.core.bulk import insert_rows, update_rows

from .models import (
    LIGHT_RANK,
    AnnualPlan,
    Light,
    LightChange,
    Milestone,
    PeriodKind,
    ProgressReport,
    Project,
    ProjectRules,
    Stage,
)
from .periods import months_between, period_label, period_start, previous_period

CHUNK = 2000


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


def elapsed_share(today: dt.date, *, current_month_reported: bool = False) -> Decimal:
    """序时进度: the share of the year that the year-to-date figures cover.

    The months that have ended, plus the current one once its report is in (see the module
    docstring): on 2026-10-31 it is 10/12 with October reported, 9/12 without.
    """
    months = today.month - 1 + (1 if current_month_reported else 0)
    return Decimal(months) / Decimal(12)


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month


def _warn_horizon(warn_workdays: int) -> int:
    """Calendar days that ``warn_workdays`` working days can span at most (with Golden Week)."""
    return 2 * warn_workdays + 14


class Clock:
    """One computation's calendar: overrides read once, each warning day worked out once."""

    def __init__(self) -> None:
        self.calendar = workdays.WorkCalendar()
        self._warn: dict[tuple[dt.date, int], dt.date] = {}

    def warn_from(self, planned: dt.date, warn_workdays: int) -> dt.date:
        """The day ``warn_workdays`` working days before ``planned``."""
        key = (planned, warn_workdays)
        if key not in self._warn:
            day, left = planned, warn_workdays
            while left:
                day -= dt.timedelta(days=1)
                if self.calendar.is_workday(day):
                    left -= 1
            self._warn[key] = day
        return self._warn[key]


def _gap_text(completion: Decimal, gap: Decimal) -> str:
    return (
        f"年度投资完成率 {completion.quantize(Decimal('0.1'))}%，"
        f"落后序时进度 {gap.quantize(Decimal('0.1'))} 个百分点"
    )


def evaluate(
    facts: Facts, today: dt.date, rules: ProjectRules, clock: Clock | None = None
) -> Verdict:
    """The light and its reasons, in plain Chinese, worst first.

    ``clock`` shares the working-day calendar between many calls (``recompute`` passes one).
    """
    if facts.stage == Stage.DROPPED:
        return Verdict(Light.NONE, ["项目已终止"])
    if facts.stage == Stage.COMPLETED:
        return Verdict(Light.GREEN, ["项目已竣工/投产"])
    clock = clock or Clock()
    found: list[tuple[str, str]] = []
    started = facts.stage == Stage.STARTED

    # Start: the planned month is the deadline; lateness in whole months after it ended.
    if not started and facts.planned_start:
        past = _month_index(today) - _month_index(facts.planned_start)
        if past >= 1:
            late = past - 1
            planned = f"计划{facts.planned_start.year}年{facts.planned_start.month}月开工"
            if late >= rules.start_red_months:
                found.append((Light.RED, f"{planned}，已逾期 {late} 个月未开工"))
            elif late:
                found.append((Light.YELLOW, f"{planned}，已逾期 {late} 个月未开工"))
            else:
                found.append((Light.YELLOW, f"{planned}，至今未开工"))

    # 序时进度: compared exactly (no rounding at the thresholds), shown to one decimal.
    if started and facts.plan_this_year:
        plan = Decimal(facts.plan_this_year)
        current_reported = (
            rules.period_kind == PeriodKind.MONTH
            and period_start(today, PeriodKind.MONTH) in facts.reported_periods
        )
        months = Decimal(today.month - 1 + (1 if current_reported else 0))
        # gap (points) = months * 100 / 12 - invested * 100 / plan, times 12 * plan
        scaled_gap = months * 100 * plan - facts.invested_this_year * 1200
        scale = 12 * plan
        if scaled_gap >= rules.progress_yellow_gap * scale:
            completion = facts.invested_this_year * 100 / plan
            text = _gap_text(completion, scaled_gap / scale)
            if scaled_gap > rules.progress_red_gap * scale:
                found.append((Light.RED, text))
            else:
                found.append((Light.YELLOW, text))

    # Milestones: a warning window in working days, lateness in calendar days.
    horizon = today + dt.timedelta(days=_warn_horizon(rules.milestone_warn_workdays))
    for name, planned in facts.open_milestones:
        late_days = (today - planned).days
        if late_days > 0:
            light = Light.RED if late_days > rules.milestone_red_days else Light.YELLOW
            found.append(
                (light, f"节点「{name}」计划 {planned:%Y-%m-%d} 完成，已逾期 {late_days} 天")
            )
        elif late_days == 0:
            found.append((Light.YELLOW, f"节点「{name}」计划今天（{planned:%Y-%m-%d}）完成"))
        elif planned <= horizon and today >= clock.warn_from(
            planned, rules.milestone_warn_workdays
        ):
            found.append((Light.YELLOW, f"节点「{name}」将于 {planned:%Y-%m-%d} 到期"))

    # Missing reports: ended periods without a report, counting back from the last one.
    if started and rules.missing_red:
        kind = rules.period_kind
        first_due = period_start(facts.actual_start, kind) if facts.actual_start else None
        period = previous_period(period_start(today, kind), kind)
        missing: list[dt.date] = []
        while len(missing) < rules.missing_red and period not in facts.reported_periods:
            if first_due and period < first_due:
                break
            missing.append(period)
            period = previous_period(period, kind)
        labels = "、".join(period_label(p, kind) for p in reversed(missing))
        if len(missing) >= rules.missing_red:
            found.append((Light.RED, f"连续 {len(missing)} 期未填报进度（{labels}）"))
        elif missing and len(missing) >= rules.missing_yellow:
            found.append((Light.YELLOW, f"{labels}未填报进度"))

    # 入库纳统: whole months since the actual start.
    if started and facts.actual_start and not facts.registered_in_stats:
        months_since = months_between(facts.actual_start, today)
        text = f"开工已满 {months_since} 个月仍未入库纳统"
        if months_since >= rules.stats_red_months:
            found.append((Light.RED, text))
        elif months_since >= rules.stats_yellow_months:
            found.append((Light.YELLOW, text))

    if not found:
        return Verdict(Light.GREEN, [])
    found.sort(key=lambda item: -LIGHT_RANK[item[0]])  # stable: rule order within a colour
    return Verdict(found[0][0], [reason for _, reason in found])


# What ``recompute`` reads of each project, in this order.
FIELDS = (
    "id",
    "region_id",
    "stage",
    "planned_start",
    "actual_start",
    "registered_in_stats",
    "light",
    "light_reasons",
)


def gather(
    rows: list[tuple], projects, today: dt.date, rules: dict[int, ProjectRules]
) -> dict[int, Facts]:
    """The facts of many projects in four queries, whatever their number and counties.

    ``rows`` are the projects' ``FIELDS``; ``projects`` is the queryset they were read from
    (the records are selected through it, not through a list of ids), or the list of their
    ids for projects not inserted yet (``assess_new``). The milestones and
    report periods read are those the widest of the counties' rules can look at; ``evaluate``
    applies each county's own window.
    """
    facts = {
        pk: Facts(
            stage=stage,
            planned_start=planned_start,
            actual_start=actual_start,
            registered_in_stats=registered,
        )
        for pk, _, stage, planned_start, actual_start, registered, _, _ in rows
    }
    ids = projects if isinstance(projects, list) else projects.order_by().values("id")
    for project_id, planned in AnnualPlan.objects.filter(
        project_id__in=ids, year=today.year
    ).values_list("project_id", "planned_investment"):
        if project_id in facts:
            facts[project_id].plan_this_year = planned
    for project_id, total in (
        ProgressReport.objects.filter(
            project_id__in=ids, period__year=today.year, period__lte=today
        )
        .order_by()
        .values("project_id")
        .annotate(total=Sum("invested"))
        .values_list("project_id", "total")
    ):
        if project_id in facts:
            facts[project_id].invested_this_year = total or Decimal("0")
    # Milestones beyond the warning window cannot light anything today.
    warn = max(r.milestone_warn_workdays for r in rules.values())
    horizon = today + dt.timedelta(days=_warn_horizon(warn))
    for project_id, name, planned in (
        Milestone.objects.filter(
            project_id__in=ids,
            actual_date__isnull=True,
            planned_date__isnull=False,
            planned_date__lte=horizon,
        )
        .order_by("planned_date", "order", "id")
        .values_list("project_id", "name", "planned_date")
    ):
        if project_id in facts:
            facts[project_id].open_milestones.append((name, planned))
    oldest = today
    for county_rules in rules.values():
        period = period_start(today, county_rules.period_kind)
        for _ in range(county_rules.missing_red + 1):
            period = previous_period(period, county_rules.period_kind)
        oldest = min(oldest, period)
    for project_id, period in (
        ProgressReport.objects.filter(project_id__in=ids, period__gte=oldest)
        .order_by()
        .values_list("project_id", "period")
    ):
        if project_id in facts:
            facts[project_id].reported_periods.add(period)
    return facts


def rules_of(region_ids: set[int]) -> dict[int, ProjectRules]:
    """Each county's rules, read in one query (a county without saved rules gets its own)."""
    found = {r.region_id: r for r in ProjectRules.objects.filter(region_id__in=region_ids)}
    for region_id in region_ids - found.keys():
        found[region_id] = ProjectRules.for_region(region_id)
    return found


def _store(changed: list[tuple[int, str, list[str]]]) -> None:
    """Write the new lights of many projects at once (``core.bulk.update_rows``: one plain
    UPDATE run for all rows on SQLite, a few UPDATE … FROM (VALUES …) on PostgreSQL).

    Like ``bulk_update`` it sends no signals: a computed light is not an edit for the audit
    trail (``LightChange`` keeps its history) and leaves ``updated_at`` alone.
    """
    # The rest deferred: cheap model objects (``from_db`` takes them in the model's order).
    fields = ["id", "light", "light_reasons"]
    update_rows(
        Project,
        (Project.from_db(Project.objects.db, fields, row) for row in changed),
        fields[1:],
    )


@transaction.atomic
def recompute(projects, today: dt.date | None = None) -> int:
    """Recompute the lights of ``projects`` (a queryset); store and log the ones that changed.

    Returns how many projects changed (light or reasons). Idempotent: a second run on the
    same day changes nothing. A fixed number of queries whatever the number of projects and
    counties: the projects as plain values, their counties' rules, four for their facts, and
    the writes (one statement for the lights, one INSERT for the history).
    """
    today = today or timezone.localdate()
    rows = list(projects.order_by("id").values_list(*FIELDS).iterator(chunk_size=CHUNK))
    if not rows:
        return 0
    changed, history = _judge(rows, projects, today)
    _store(changed)
    insert_rows(LightChange, history)
    if changed:  # bulk writes send no signals: the cached aggregates must still see them
        stamps.touch("projects")
    return len(changed)


def assess_new(projects: list[Project], today: dt.date) -> list[LightChange]:
    """Set the lights of new ``projects`` before they are inserted; return the history that
    ``recompute`` would write for them (to insert after them).

    Their ids are reserved (``core.bulk.reserve_ids``) and their plans, reports and milestones
    already written in the same transaction. Lighting them before the insert saves updating
    every new row again: on PostgreSQL such an UPDATE writes each row and all its indexes anew.
    """
    rows = [tuple(getattr(project, name) for name in FIELDS) for project in projects]
    if not rows:
        return []
    changed, history = _judge(rows, [project.pk for project in projects], today)
    verdicts = {pk: (light, reasons) for pk, light, reasons in changed}
    for project in projects:
        if project.pk in verdicts:
            project.light, project.light_reasons = verdicts[project.pk]
    return history


def _judge(
    rows: list[tuple], projects, today: dt.date
) -> tuple[list[tuple[int, str, list[str]]], list[LightChange]]:
    """The lights and reasons that differ from the stored ones, and the history of the
    lights that change."""
    rules = rules_of({row[1] for row in rows})
    facts = gather(rows, projects, today, rules)
    clock = Clock()
    changed, history = [], []
    for pk, region_id, *_, old_light, old_reasons in rows:
        verdict = evaluate(facts[pk], today, rules[region_id], clock)
        light, reasons = str(verdict.light), list(verdict.reasons)
        if (light, reasons) == (old_light, old_reasons):
            continue
        if light != old_light:
            history.append(
                LightChange(
                    project_id=pk, on_date=today, light=light, previous=old_light, reasons=reasons
                )
            )
        changed.append((pk, light, reasons))
    return changed, history
