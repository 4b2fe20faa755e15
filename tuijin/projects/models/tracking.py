"""What happens to a project over time: milestones, reports, problems, lights, site checks."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from tuijin.core import request_memo
from tuijin.core.models import Person, Region, Unit
from tuijin.core.scoping import Scope, ScopedQuerySet
from tuijin.core.versioning import Versioned

from .choices import Category, Light, PeriodKind
from .project import MONEY, Project, ProjectChildQuerySet


class MilestoneTemplate(models.Model):
    """The standard milestones of a project category, editable by the project office."""

    category = models.CharField("项目类别", max_length=16, choices=Category.choices)
    name = models.CharField("节点名称", max_length=30)
    order = models.PositiveSmallIntegerField("顺序")
    offset_months = models.SmallIntegerField(
        "相对计划开工（月）", default=0, help_text="用于新项目的计划日期，可为负"
    )

    class Meta:
        verbose_name = verbose_name_plural = "节点模板"
        ordering = ["category", "order"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="milestone_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.name}"


class Milestone(Versioned):
    """One milestone (节点) of a project: planned date, actual date, responsible unit."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField("节点名称", max_length=30)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    planned_date = models.DateField("计划完成日期", null=True, blank=True)
    actual_date = models.DateField("实际完成日期", null=True, blank=True)
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "项目节点"
        ordering = ["project", "order", "id"]
        indexes = [models.Index(fields=["actual_date", "planned_date"])]

    def __str__(self) -> str:
        return f"{self.project} · {self.name}"


class ProgressReport(models.Model):
    """One period's report of a project: entered once, it feeds ledger, lights and inbox."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    period = models.DateField("填报期", help_text="月报为当月1日，周报为当周星期一")
    period_kind = models.CharField(
        "周期", max_length=6, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    progress_text = models.TextField("形象进度")
    invested = models.DecimalField("本期完成投资（万元）", **MONEY)
    cumulative_invested = models.DecimalField("累计完成投资（万元）", default=Decimal("0"), **MONEY)
    ytd_invested = models.DecimalField("本年完成投资（万元）", default=Decimal("0"), **MONEY)
    problems_text = models.TextField("存在问题", blank=True)
    coordination_text = models.TextField("需协调事项", blank=True)
    unchanged = models.BooleanField("本期无变化", default=False)
    submitted_by = models.ForeignKey(
        "core.User", verbose_name="填报人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("填报时间", auto_now_add=True)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "进度填报"
        ordering = ["-period", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "period"], name="report_one_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.period:%Y-%m}"


def _photo_path(instance, filename: str) -> str:
    """Stored names never come from the user: photos are re-encoded as JPEG, named at random."""
    import uuid

    return f"photos/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.jpg"


class PhotoQuerySet(ScopedQuerySet):
    """A photo is visible exactly where the project of its report or site check is."""

    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        visible = Project.objects.visible_to(scope)
        return self.filter(Q(report__project__in=visible) | Q(site_check__project__in=visible))


class Photo(models.Model):
    """A photo attached to a report or a site check; evidence only, never a score."""

    report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    site_check = models.ForeignKey(
        "SiteCheck", null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField("照片", upload_to=_photo_path)
    taken_at = models.DateTimeField("拍摄时间（EXIF）", null=True, blank=True)
    latitude = models.DecimalField(
        "拍摄纬度", max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        "拍摄经度", max_digits=9, decimal_places=6, null=True, blank=True
    )
    warnings = models.JSONField("提示", default=list, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "照片"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class Problem(Versioned):
    """A problem found in a report or on site, tracked to closure with a named person."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        IN_PROGRESS = "in_progress", "处理中"
        RESOLVED = "resolved", "已解决"

    class Source(models.TextChoices):
        REPORT = "report", "进度填报"
        SITE_CHECK = "site_check", "现场察看"
        OFFICE = "office", "项目办"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="problems")
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.REPORT)
    report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    description = models.TextField("问题描述")
    responsible_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="project_problems"
    )
    responsible_person = models.ForeignKey(
        Person, verbose_name="责任人", on_delete=models.PROTECT, related_name="+"
    )
    raised_on = models.DateField("提出日期")
    deadline_days = models.PositiveSmallIntegerField("办理时限（工作日）", default=10)
    deadline = models.DateField("办结期限")
    deadline_provisional = models.BooleanField("期限暂定", default=False)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    measure = models.TextField("解决措施", blank=True)
    resolved_on = models.DateField("解决日期", null=True, blank=True)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "存在问题"
        ordering = ["status", "deadline", "id"]

    def __str__(self) -> str:
        return self.description[:30]


class LightChange(models.Model):
    """Each change of a project's light, with its date and reasons, for the timeline."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="light_changes")
    on_date = models.DateField("日期")
    light = models.CharField("灯", max_length=8, choices=Light.choices)
    previous = models.CharField("原灯", max_length=8, choices=Light.choices, blank=True)
    reasons = models.JSONField("原因", default=list)
    changed_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "亮灯记录"
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project} {self.on_date} {self.get_light_display()}"


class SiteCheck(models.Model):
    """A leader's or supervisor's visit to the site (现场察看) with findings and photos."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="site_checks")
    checker = models.ForeignKey(
        Person, verbose_name="察看人", on_delete=models.PROTECT, related_name="site_checks"
    )
    visited_on = models.DateField("察看日期")
    findings = models.TextField("察看情况")
    recorded_by = models.ForeignKey(
        "core.User", verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "现场察看"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.project} {self.visited_on}"


class ProjectRules(Versioned):
    """A county's tunable settings: the reporting period and the thresholds of the lights.

    Defaults follow the rule one municipal development and reform commission published.
    """

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="project_rules")
    period_kind = models.CharField(
        "填报周期", max_length=6, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    start_red_months = models.PositiveSmallIntegerField("逾期开工红灯（月）", default=3)
    progress_yellow_gap = models.PositiveSmallIntegerField("落后序时黄灯（百分点）", default=10)
    progress_red_gap = models.PositiveSmallIntegerField("落后序时红灯（百分点）", default=30)
    milestone_warn_workdays = models.PositiveSmallIntegerField("节点预警（工作日）", default=3)
    milestone_red_days = models.PositiveSmallIntegerField("节点逾期红灯（天）", default=0)
    missing_yellow = models.PositiveSmallIntegerField("漏报黄灯（期）", default=1)
    missing_red = models.PositiveSmallIntegerField("漏报红灯（期）", default=2)
    stats_yellow_months = models.PositiveSmallIntegerField("未入库黄灯（开工后月）", default=1)
    stats_red_months = models.PositiveSmallIntegerField("未入库红灯（开工后月）", default=2)
    photo_max_mb = models.PositiveSmallIntegerField("照片大小上限（MB）", default=10)

    class Meta:
        verbose_name = verbose_name_plural = "项目规则"

    def __str__(self) -> str:
        return f"{self.region} 项目规则"

    @classmethod
    def for_region(cls, region_id: int) -> ProjectRules:
        """The county's rules, read once per request (a page asks for each of its rows)."""
        memo = request_memo.store(cls._meta.label)
        if memo is not None and region_id in memo:
            return memo[region_id]
        rules, _ = cls.objects.get_or_create(region_id=region_id)
        if memo is not None:
            memo[region_id] = rules
        return rules
