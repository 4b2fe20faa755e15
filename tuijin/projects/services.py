"""Business rules of key projects: stages, milestones, reports, problems.

Views, the API, the ledger import and commands all call these; each takes the acting user,
validates, and writes in one transaction. Errors are ``ProjectRuleError`` with a Chinese
message naming the field, so every caller can show it as it is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from tuijin.core import workdays
from tuijin.core.models import Person, User, notify
from tuijin.core.roles import Role
from tuijin.core.scoping import scope_of

from . import lights
from .models import (
    STAGE_ORDER,
    Milestone,
    MilestoneTemplate,
    PeriodKind,
    Problem,
    ProgressReport,
    Project,
    ProjectRules,
    Stage,
    StageChange,
)
from .periods import next_period, period_label, period_start


class ProjectRuleError(ValueError):
    """A rule of the registry refused the change; ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


DEFAULT_TEMPLATES = {
    "industry": [
        "签约",
        "供地",
        "立项/备案",
        "环评",
        "施工许可",
        "开工",
        "主体完工",
        "竣工验收",
        "投产",
    ],
    "infrastructure": [
        "立项/备案",
        "用地预审",
        "环评",
        "初步设计批复",
        "施工许可",
        "开工",
        "主体完工",
        "竣工验收",
    ],
    "livelihood": ["立项/备案", "供地", "施工许可", "开工", "主体完工", "竣工验收", "投入使用"],
    "other": ["立项/备案", "施工许可", "开工", "竣工验收"],
}
# Months after the planned start at which a new project's milestone is planned by default.
DEFAULT_OFFSETS = {
    "签约": -6,
    "供地": -4,
    "立项/备案": -3,
    "用地预审": -3,
    "环评": -2,
    "初步设计批复": -1,
    "施工许可": -1,
    "开工": 0,
    "主体完工": 12,
    "竣工验收": 20,
    "投产": 22,
    "投入使用": 22,
}


def ensure_milestone_templates() -> None:
    """Create the standard templates once; the office may edit them afterwards."""
    if MilestoneTemplate.objects.exists():
        return
    MilestoneTemplate.objects.bulk_create(
        MilestoneTemplate(
            category=category, name=name, order=order, offset_months=DEFAULT_OFFSETS.get(name, 0)
        )
        for category, names in DEFAULT_TEMPLATES.items()
        for order, name in enumerate(names, start=1)
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def create_milestones(project: Project) -> list[Milestone]:
    """The category's standard milestones, planned around the planned start when known."""
    ensure_milestone_templates()
    created = []
    for template in MilestoneTemplate.objects.filter(category=project.category):
        planned = (
            _add_months(project.planned_start, template.offset_months)
            if project.planned_start
            else None
        )
        milestone = Milestone(
            project=project,
            name=template.name,
            order=template.order,
            planned_date=planned,
            responsible_unit=project.lead_department,
        )
        milestone.save()
        created.append(milestone)
    return created


# --- Stages -------------------------------------------------------------------------------


def _check_stage(
    project: Project,
    to_stage: str,
    on_date: dt.date,
    contract_amount: Decimal | None,
    reason: str,
    today: dt.date,
) -> None:
    if to_stage not in Stage.values:
        raise ProjectRuleError("未知的项目阶段", "to_stage")
    if to_stage == project.stage:
        raise ProjectRuleError("项目已处于该阶段", "to_stage")
    if project.stage in (Stage.DROPPED, Stage.COMPLETED):
        raise ProjectRuleError(f"项目{project.get_stage_display()}，不能再变更阶段", "to_stage")
    if on_date is None:
        raise ProjectRuleError("请填写发生日期", "on_date")
    if on_date > today:
        raise ProjectRuleError("发生日期不能晚于今天", "on_date")
    if to_stage == Stage.DROPPED:
        if not reason.strip():
            raise ProjectRuleError("终止项目必须填写终止原因", "reason")
        return
    if STAGE_ORDER.index(to_stage) < STAGE_ORDER.index(project.stage):
        raise ProjectRuleError("项目阶段只能向前推进", "to_stage")
    if to_stage == Stage.SIGNED and (contract_amount is None or contract_amount <= 0):
        raise ProjectRuleError("签约须填写签约日期和合同金额（万元）", "contract_amount")


@transaction.atomic
def stage_propose(
    project: Project,
    to_stage: str,
    on_date: dt.date,
    *,
    acting_user: User,
    contract_amount: Decimal | None = None,
    reason: str = "",
    today: dt.date | None = None,
) -> StageChange:
    """A unit proposes a stage change; the project office's own proposal takes effect at once."""
    today = today or dt.date.today()
    project = Project.objects.select_for_update().get(pk=project.pk)
    _check_stage(project, to_stage, on_date, contract_amount, reason, today)
    if StageChange.objects.filter(project=project, status=StageChange.Status.PROPOSED).exists():
        raise ProjectRuleError("该项目已有待确认的阶段变更，请等待项目办确认", "to_stage")
    change = StageChange.objects.create(
        project=project,
        from_stage=project.stage,
        to_stage=to_stage,
        on_date=on_date,
        contract_amount=contract_amount,
        reason=reason.strip(),
        proposed_by=acting_user,
    )
    if scope_of(acting_user).has(Role.PROJECT_OFFICE):
        change = stage_decide(change, confirm=True, acting_user=acting_user, today=today)
    return change


@transaction.atomic
def stage_decide(
    change: StageChange, *, confirm: bool, acting_user: User, today: dt.date | None = None
) -> StageChange:
    """The project office confirms (the project moves) or rejects a proposal."""
    today = today or dt.date.today()
    change = StageChange.objects.select_for_update().get(pk=change.pk)
    if change.status != StageChange.Status.PROPOSED:
        raise ProjectRuleError("该阶段变更已处理", "status")
    if not scope_of(acting_user).has(Role.PROJECT_OFFICE):
        raise ProjectRuleError("只有项目办可以确认阶段变更", "status")
    project = Project.objects.select_for_update().get(pk=change.project_id)
    from django.utils import timezone

    change.decided_by, change.decided_at = acting_user, timezone.now()
    if not confirm:
        change.status = StageChange.Status.REJECTED
        change.save()
        return change
    if project.stage != change.from_stage:
        raise ProjectRuleError("项目阶段已被他人变更，请重新提出", "status")
    _check_stage(
        project, change.to_stage, change.on_date, change.contract_amount, change.reason, today
    )
    change.status = StageChange.Status.CONFIRMED
    change.save()
    project.stage = change.to_stage
    if change.to_stage == Stage.SIGNED:
        project.signed_on, project.contract_amount = change.on_date, change.contract_amount
    elif change.to_stage == Stage.STARTED:
        project.actual_start = change.on_date
    elif change.to_stage == Stage.COMPLETED:
        project.completed_on = change.on_date
    elif change.to_stage == Stage.DROPPED:
        project.dropped_reason = change.reason
    project.save()
    lights.recompute(Project.objects.filter(pk=project.pk), today)
    return change


# --- Progress reports ---------------------------------------------------------------------


def report_period_kind(project: Project) -> str:
    return ProjectRules.for_region(project.region_id).period_kind


LOOK_BACK_PERIODS = 6  # a 「待填报」 list goes back six periods; older gaps are history


def _look_back(today: dt.date, kind: str) -> dt.date:
    oldest = period_start(today, kind)
    for _ in range(LOOK_BACK_PERIODS):
        oldest = period_start(oldest - dt.timedelta(days=1), kind)
    return oldest


def due_periods_of(projects, today: dt.date, kind: str) -> dict[int, list[dt.date]]:
    """For each started project, the periods up to the current one without a report.

    One query for the reports of any number of projects.
    """
    started = [p for p in projects if p.stage == Stage.STARTED and p.actual_start]
    oldest = _look_back(today, kind)
    reported: set[tuple[int, dt.date]] = set(
        ProgressReport.objects.filter(
            project_id__in=[p.pk for p in started], period__gte=oldest
        ).values_list("project_id", "period")
    )
    current = period_start(today, kind)
    due: dict[int, list[dt.date]] = {}
    for project in started:
        period = max(oldest, period_start(project.actual_start, kind))
        missing = []
        while period <= current:
            if (project.pk, period) not in reported:
                missing.append(period)
            period = next_period(period, kind)
        due[project.pk] = missing
    return due


def due_periods(project: Project, today: dt.date, kind: str) -> list[dt.date]:
    """Periods from the project's start to the current one that have no report yet."""
    return due_periods_of([project], today, kind).get(project.pk, [])


def _money(value, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except Exception as exc:
        raise ProjectRuleError(f"{label}应为数字（万元）", field) from exc
    if not amount.is_finite():
        raise ProjectRuleError(f"{label}应为数字（万元）", field)
    if amount < 0:
        raise ProjectRuleError(f"{label}不能为负数", field)
    if amount.as_tuple().exponent < -2:
        raise ProjectRuleError(f"{label}最多保留两位小数", field)
    return amount


@transaction.atomic
def report_submit(
    project: Project,
    period: dt.date,
    *,
    acting_user: User,
    progress_text: str,
    invested,
    problems_text: str = "",
    coordination_text: str = "",
    unchanged: bool = False,
    today: dt.date | None = None,
) -> ProgressReport:
    """File one period's report; cumulative and year-to-date figures are computed here."""
    today = today or dt.date.today()
    project = Project.objects.select_for_update().get(pk=project.pk)
    kind = report_period_kind(project)
    period = period_start(period, kind)
    if period > period_start(today, kind):
        raise ProjectRuleError(f"不能填报未来的{period_label(period, kind)}", "period")
    if project.stage in (Stage.DROPPED, Stage.COMPLETED, Stage.NEGOTIATING):
        raise ProjectRuleError(f"项目{project.get_stage_display()}，无需填报进度", "period")
    if ProgressReport.objects.filter(project=project, period=period).exists():
        raise ProjectRuleError(f"{period_label(period, kind)}已填报，不能重复填报", "period")
    if not progress_text.strip():
        raise ProjectRuleError("请填写形象进度", "progress_text")
    amount = _money(invested, "invested", "本期完成投资")
    before = project.reports.filter(period__lt=period).aggregate(t=Sum("invested"))["t"] or 0
    after = project.reports.filter(period__gt=period).aggregate(t=Sum("invested"))["t"] or 0
    cumulative = before + amount
    if cumulative + after > project.total_investment:
        raise ProjectRuleError(
            f"累计完成投资 {cumulative + after} 万元将超过总投资 {project.total_investment} 万元",
            "invested",
        )
    ytd = (
        project.reports.filter(period__year=period.year, period__lt=period).aggregate(
            t=Sum("invested")
        )["t"]
        or 0
    ) + amount
    report = ProgressReport.objects.create(
        project=project,
        period=period,
        period_kind=kind,
        progress_text=progress_text.strip(),
        invested=amount,
        cumulative_invested=cumulative,
        ytd_invested=ytd,
        problems_text=problems_text.strip(),
        coordination_text=coordination_text.strip(),
        unchanged=unchanged,
        submitted_by=acting_user,
    )
    if after:  # a late report for an earlier period shifts the later running totals
        for later in project.reports.filter(period__gt=period).order_by("period"):
            later.cumulative_invested += amount
            if later.period.year == period.year:
                later.ytd_invested += amount
            later.save(update_fields=["cumulative_invested", "ytd_invested"])
    project.invested_total = cumulative + after
    if project.last_report_period is None or period > project.last_report_period:
        project.last_report_period = period
    project.save(update_fields=["invested_total", "last_report_period", "updated_at"])
    if report.problems_text:
        _problem_from_report(project, report, acting_user, today)
    _tell_contact_leader(project, report, kind)
    lights.recompute(Project.objects.filter(pk=project.pk), today)
    return report


def report_unchanged(
    project: Project, period: dt.date, *, acting_user: User, today: dt.date | None = None
) -> ProgressReport:
    """One tap for a green project with nothing new: last period's text, no new investment."""
    last = project.reports.order_by("-period").first()
    if last is None:
        raise ProjectRuleError("首次填报请完整填写", "unchanged")
    if project.light != "green":
        raise ProjectRuleError("项目不是绿灯，请如实填写本期进展和问题", "unchanged")
    return report_submit(
        project,
        period,
        acting_user=acting_user,
        progress_text=last.progress_text,
        invested=0,
        unchanged=True,
        today=today,
    )


def _tell_contact_leader(project: Project, report: ProgressReport, kind: str) -> None:
    leader = project.contact_leader
    if leader is None or leader.user_id is None:
        return
    lines = [f"形象进度：{report.progress_text}", f"本期完成投资：{report.invested} 万元"]
    if report.problems_text:
        lines.append(f"存在问题：{report.problems_text}")
    if report.coordination_text:
        lines.append(f"需协调事项：{report.coordination_text}")
    notify(
        leader.user,
        f"{project.name} · {period_label(report.period, kind)}进度",
        "\n".join(lines),
        f"/projects/{project.pk}/",
    )


# --- Problems -----------------------------------------------------------------------------


def _default_person(project: Project, acting_user: User) -> Person | None:
    first = project.responsibles.select_related("person").first()
    if first:
        return first.person
    return Person.objects.filter(user=acting_user).first()


def _problem_from_report(project, report, acting_user, today) -> Problem | None:
    unit = project.host_unit or project.lead_department
    person = _default_person(project, acting_user)
    if unit is None or person is None:
        return None
    return problem_create(
        project,
        description=report.problems_text,
        responsible_unit=unit,
        responsible_person=person,
        deadline_days=10,
        today=today,
        source=Problem.Source.REPORT,
        report=report,
    )


@transaction.atomic
def problem_create(
    project: Project,
    *,
    description: str,
    responsible_unit,
    responsible_person,
    deadline_days: int = 10,
    today: dt.date | None = None,
    source: str = Problem.Source.OFFICE,
    report=None,
) -> Problem:
    """A problem with its named person and a deadline in official working days."""
    today = today or dt.date.today()
    if not description.strip():
        raise ProjectRuleError("请填写问题描述", "description")
    if responsible_person is None:
        raise ProjectRuleError("必须指定责任人", "responsible_person")
    if not 1 <= deadline_days <= 365:
        raise ProjectRuleError("办理时限应为 1 到 365 个工作日", "deadline_days")
    due = workdays.add_workdays(today, deadline_days)
    return Problem.objects.create(
        project=project,
        source=source,
        report=report,
        description=description.strip(),
        responsible_unit=responsible_unit,
        responsible_person=responsible_person,
        raised_on=today,
        deadline_days=deadline_days,
        deadline=due.value,
        deadline_provisional=due.provisional,
    )


@transaction.atomic
@transaction.atomic
def problem_update(
    problem: Problem, *, status: str, measure: str = "", today: dt.date | None = None
) -> Problem:
    """The responsible unit or the office moves a problem on; resolving it is a transition
    made once: the row is locked and its stored state checked, so two people resolving it at
    the same moment give one resolution and one refusal."""
    today = today or dt.date.today()
    if status not in Problem.Status.values:
        raise ProjectRuleError("未知的问题状态", "status")
    if status == Problem.Status.RESOLVED and not measure.strip():
        raise ProjectRuleError("标记解决须填写采取的措施", "measure")
    stored = Problem.objects.select_for_update().filter(pk=problem.pk).values_list("status")
    if status == Problem.Status.RESOLVED and stored.get()[0] == Problem.Status.RESOLVED:
        raise ProjectRuleError("该问题已标记解决，无需重复办理", "status")
    problem.status = status
    problem.measure = measure.strip() or problem.measure
    problem.resolved_on = today if status == Problem.Status.RESOLVED else None
    problem.save()
    return problem


def due_soon_horizon(today: dt.date) -> dt.date:
    """A problem open and due by this day is due soon: within 3 working days of ``today``."""
    return workdays.add_workdays(today, 3).value


def problems_due_soon(queryset, today: dt.date | None = None):
    """Open problems overdue or due within 3 working days."""
    horizon = due_soon_horizon(today or dt.date.today())
    return queryset.exclude(status=Problem.Status.RESOLVED).filter(deadline__lte=horizon)


def is_week_kind(project: Project) -> bool:
    return report_period_kind(project) == PeriodKind.WEEK


def report_file(
    project: Project,
    period: dt.date,
    *,
    acting_user: User,
    photos=(),
    today: dt.date | None = None,
    **fields,
) -> ProgressReport:
    """A report with its photos: a photo that is refused leaves no report behind."""
    from .photos import attach_photos

    with transaction.atomic():
        report = report_submit(project, period, acting_user=acting_user, today=today, **fields)
        if photos:
            rules = ProjectRules.for_region(project.region_id)
            attach_photos(
                photos,
                report=report,
                project=project,
                reference_date=report.period,
                max_mb=rules.photo_max_mb,
            )
    return report
