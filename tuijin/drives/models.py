"""Drives (百日集中推进行动 and later ones), their task forces and targets; the annual targets.

A drive's figures are never stored: every actual is computed from the records (projects,
progress reports, visits, appeals, leads) by ``measures``, except the actuals of custom
targets, which have no record behind them and are typed month by month.

Scope: a drive belongs to a region. The county roles (principal leaders, county leaders,
supervision, project office) see their county's drives and annual targets; the project office
launches and edits them. Unit staff see none: a drive is the county leadership's instrument,
and a unit follows its own projects on the project pages.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from tuijin.core.models import Person, Region, Unit
from tuijin.core.roles import Role
from tuijin.core.scoping import CHANGE, Scope, ScopedQuerySet
from tuijin.core.versioning import Versioned

VALUE = {"max_digits": 14, "decimal_places": 2}
DRIVE_ROLES = (Role.PRINCIPAL, Role.LEADER, Role.PROJECT_OFFICE, Role.SUPERVISION)
DRIVE_EDITORS = (Role.PROJECT_OFFICE,)


class Measure(models.TextChoices):
    """What a target counts; every kind but ``custom`` is computed from records."""

    PROJECTS_SIGNED = "projects_signed", "签约项目数"
    PROJECTS_STARTED = "projects_started", "开工项目数"
    INVESTMENT = "investment", "完成投资"
    ENTERPRISES_VISITED = "enterprises_visited", "走访企业数"
    REQUESTS_RESOLVED = "requests_resolved", "办结企业诉求数"
    LEADS_SIGNED = "leads_signed", "招商线索转化签约数"
    NEW_ABOVE_SCALE = "new_above_scale", "新增规上企业数"
    CUSTOM = "custom", "自定义（按月填报实际）"


MEASURE_UNITS = {
    Measure.PROJECTS_SIGNED: "个",
    Measure.PROJECTS_STARTED: "个",
    Measure.INVESTMENT: "万元",
    Measure.ENTERPRISES_VISITED: "家",
    Measure.REQUESTS_RESOLVED: "件",
    Measure.LEADS_SIGNED: "个",
    Measure.NEW_ABOVE_SCALE: "家",
}


class Trajectory(models.TextChoices):
    LINEAR = "linear", "线性"
    S_CURVE = "s_curve", "S 形曲线（前慢、中快、后稳）"
    WEEKLY = "weekly", "逐周计划"


class CampaignQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """County roles: their county's drives; the project office alone changes them."""
        if scope.is_admin:
            return self
        roles = DRIVE_EDITORS if action == CHANGE else DRIVE_ROLES
        if not scope.has(*roles):
            return self.none()
        return self.filter(region_id__in=scope.region_ids)

    def running(self, today) -> models.QuerySet:
        return self.filter(start_date__lte=today, end_date__gte=today)


class CampaignChildQuerySet(ScopedQuerySet):
    """Task forces and targets are visible exactly where their drive is."""

    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        return self.filter(campaign__in=Campaign.objects.visible_to(scope, action))


class Campaign(Versioned):
    """A drive: dates (100 days by default), leading group, office, task forces, targets."""

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="drive_campaigns"
    )
    name = models.CharField("行动名称", max_length=80)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    leading_group = models.ManyToManyField(
        Person, verbose_name="领导小组成员", related_name="drive_leading_groups", blank=True
    )
    office = models.ForeignKey(
        Unit,
        verbose_name="领导小组办公室",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drive_offices",
    )
    description = models.TextField("行动说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drive_campaigns",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "集中推进行动"
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class TaskForce(Versioned):
    """A task force (专项小组) of a drive: head, members and the major projects it owns."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="行动", on_delete=models.CASCADE, related_name="task_forces"
    )
    name = models.CharField("专项小组名称", max_length=60)
    head = models.ForeignKey(
        Person,
        verbose_name="组长",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drive_task_forces_led",
    )
    members = models.ManyToManyField(
        Person, verbose_name="成员", related_name="drive_task_forces", blank=True
    )
    projects = models.ManyToManyField(
        "projects.Project",
        verbose_name="负责的重大项目",
        through="TaskForceProject",
        related_name="drive_task_forces",
        blank=True,
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)

    objects = CampaignChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "专项小组"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="drive_taskforce_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class TaskForceProject(models.Model):
    """A project owned by a task force; the drive is repeated so that the database itself
    refuses a project in two task forces of one drive."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="owned")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="drive_ownerships"
    )

    class Meta:
        verbose_name = verbose_name_plural = "专项小组项目"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "project"], name="drive_project_one_taskforce"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_force} · {self.project}"


class Target(Versioned):
    """A target of a drive (task force empty) or of one of its task forces."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="行动", on_delete=models.CASCADE, related_name="targets"
    )
    task_force = models.ForeignKey(
        TaskForce,
        verbose_name="专项小组",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    name = models.CharField("目标名称", max_length=60)
    measure = models.CharField("计算口径", max_length=24, choices=Measure.choices)
    value = models.DecimalField("目标值", validators=[MinValueValidator(Decimal("0.01"))], **VALUE)
    unit_label = models.CharField("计量单位", max_length=10, blank=True)
    trajectory = models.CharField(
        "计划轨迹", max_length=10, choices=Trajectory.choices, default=Trajectory.LINEAR
    )
    weekly_plan = models.JSONField(
        "逐周计划（累计值）", default=list, blank=True, help_text="每周末的累计计划值"
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)

    objects = CampaignChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "行动目标"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class MonthlyActualQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        return self.filter(target__in=Target.objects.visible_to(scope, action))


class MonthlyActual(models.Model):
    """The typed actual of a custom target for one month (the month's own amount)."""

    target = models.ForeignKey(
        Target, verbose_name="目标", on_delete=models.CASCADE, related_name="monthly_actuals"
    )
    month = models.DateField("月份", help_text="当月1日")
    value = models.DecimalField("当月完成", validators=[MinValueValidator(Decimal("0"))], **VALUE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drive_monthly_actuals",
    )
    recorded_at = models.DateTimeField("填报时间", auto_now=True)

    objects = MonthlyActualQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "自定义目标月度实际"
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["target", "month"], name="drive_actual_one_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.month:%Y-%m}"


class AnnualTargetQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """Like drives: the county roles see, the project office edits."""
        if scope.is_admin:
            return self
        roles = DRIVE_EDITORS if action == CHANGE else DRIVE_ROLES
        if not scope.has(*roles):
            return self.none()
        return self.filter(region_id__in=scope.region_ids)


class AnnualTarget(Versioned):
    """A yearly target of the county (全年目标任务), computed from records where a measure
    exists; the actual of a custom one is typed (``manual_actual``)."""

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="annual_targets"
    )
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("目标名称", max_length=60)
    measure = models.CharField("计算口径", max_length=24, choices=Measure.choices)
    value = models.DecimalField(
        "全年目标值", validators=[MinValueValidator(Decimal("0.01"))], **VALUE
    )
    unit_label = models.CharField("计量单位", max_length=10, blank=True)
    manual_actual = models.DecimalField(
        "当前完成（自定义口径填报）",
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        **VALUE,
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = AnnualTargetQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "全年目标任务"
        ordering = ["year", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "name"], name="annual_target_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.name}"
