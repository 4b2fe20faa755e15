"""The project registry: a key project, the people answering for it, its annual plans."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from tuijin.core.models import Person, Region, Unit
from tuijin.core.roles import Role
from tuijin.core.scoping import CHANGE, Scope, ScopedQuerySet
from tuijin.core.versioning import Versioned

from .choices import Category, Level, Light, Nature, Stage

project_code_validator = RegexValidator(
    r"^[0-9A-Za-z-]{24}$", "项目代码应为 24 位（数字、字母和连字符）"
)
credit_code_validator = RegexValidator(
    r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", "统一社会信用代码应为 18 位"
)
MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}

# Roles that see every project of their region, and the office that keeps the registry.
COUNTY_PROJECT_ROLES = (Role.PRINCIPAL, Role.SUPERVISION, Role.PROJECT_OFFICE)


class ProjectQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """Principal leaders, supervision and the project office: the county; a county leader:
        the projects they are contact leader of; a unit: projects it leads or hosts."""
        if scope.is_admin:
            return self
        in_region = self.filter(region_id__in=scope.region_ids)
        if action == CHANGE:
            return in_region if scope.has(Role.PROJECT_OFFICE) else self.none()
        if scope.has(*COUNTY_PROJECT_ROLES):
            return in_region
        q = models.Q(pk__in=[])
        if scope.has(Role.LEADER) and scope.person_id:
            q |= models.Q(contact_leader_id=scope.person_id)
        if scope.has(Role.UNIT_STAFF) and scope.unit_id:
            q |= models.Q(lead_department_id=scope.unit_id) | models.Q(host_unit_id=scope.unit_id)
        return in_region.filter(q)

    def reportable_by(self, scope_or_user) -> models.QuerySet:
        """Projects whose progress this user may report: their unit's, or the office's all."""
        return self.visible_to(scope_or_user).filter(stage__in=Stage.values)

    def active(self) -> models.QuerySet:
        return self.exclude(stage__in=[Stage.DROPPED])


class ProjectChildQuerySet(ScopedQuerySet):
    """Records that belong to a project are visible exactly where their project is."""

    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        return self.filter(project__in=Project.objects.visible_to(scope))


class Project(Versioned):
    """A key project of the county drive, with everyone who answers for it."""

    # Computed from reports and rules, never typed in: not an edit of the project.
    version_exempt = frozenset({"light", "light_reasons", "invested_total", "last_report_period"})

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="projects"
    )
    code = models.CharField(
        "项目代码",
        max_length=24,
        blank=True,
        null=True,
        unique=True,
        validators=[project_code_validator],
    )
    name = models.CharField("项目名称", max_length=120)
    nature = models.CharField("建设性质", max_length=12, choices=Nature.choices, default=Nature.NEW)
    level = models.CharField("项目级别", max_length=10, choices=Level.choices, default=Level.COUNTY)
    category = models.CharField(
        "项目类别", max_length=16, choices=Category.choices, default=Category.INDUSTRY
    )
    industry = models.CharField("所属行业", max_length=40, blank=True)
    content = models.TextField("建设内容及规模", blank=True)
    address = models.CharField("建设地点", max_length=120, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    start_year = models.PositiveSmallIntegerField("开始年份", null=True, blank=True)
    end_year = models.PositiveSmallIntegerField("结束年份", null=True, blank=True)
    total_investment = models.DecimalField("总投资（万元）", **MONEY)
    investor_name = models.CharField("投资主体", max_length=120, blank=True)
    investor_credit_code = models.CharField(
        "投资主体统一社会信用代码", max_length=18, blank=True, validators=[credit_code_validator]
    )
    is_major = models.BooleanField("重大项目", default=False)

    stage = models.CharField(
        "项目阶段", max_length=12, choices=Stage.choices, default=Stage.NEGOTIATING, db_index=True
    )
    signed_on = models.DateField("签约日期", null=True, blank=True)
    contract_amount = models.DecimalField("合同金额（万元）", null=True, blank=True, **MONEY)
    planned_start = models.DateField("计划开工时间", null=True, blank=True)
    actual_start = models.DateField("实际开工时间", null=True, blank=True)
    completed_on = models.DateField("竣工/投产日期", null=True, blank=True)
    dropped_reason = models.CharField("终止原因", max_length=200, blank=True)

    contact_leader = models.ForeignKey(
        Person,
        verbose_name="联系县领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    lead_department = models.ForeignKey(
        Unit,
        verbose_name="领办部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    host_unit = models.ForeignKey(
        Unit,
        verbose_name="责任乡镇/平台",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_projects",
    )

    registered_in_stats = models.BooleanField("入库纳统", default=False)
    registered_on = models.DateField("入库时间", null=True, blank=True)

    light = models.CharField(
        "红黄绿灯", max_length=8, choices=Light.choices, default=Light.GREEN, db_index=True
    )
    light_reasons = models.JSONField("亮灯原因", default=list, blank=True)
    # The light as a number, red highest, computed by the database from ``light`` so that it
    # can never drift: the registry's default order (worst first) seeks on its index.
    light_severity = models.GeneratedField(
        expression=models.Case(
            models.When(light=Light.RED, then=models.Value(3)),
            models.When(light=Light.YELLOW, then=models.Value(2)),
            models.When(light=Light.GREEN, then=models.Value(1)),
            default=models.Value(0),
        ),
        output_field=models.SmallIntegerField("灯色严重程度"),
        db_persist=True,
    )
    # Kept by the report service so lists and the ledger never sum millions of reports.
    invested_total = models.DecimalField("累计完成投资（万元）", default=Decimal("0"), **MONEY)
    last_report_period = models.DateField("最近填报期", null=True, blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "重点项目"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["region", "stage", "light"]),
            models.Index(fields=["contact_leader"]),
            # The registry's orders, each ending with the id (keyset pagination), over the
            # whole province and within one county.
            models.Index(fields=["light_severity", "id"], name="project_light_id"),
            models.Index(fields=["region", "light_severity", "id"], name="project_region_light_id"),
            models.Index(fields=["name", "id"], name="project_name_id"),
            models.Index(fields=["total_investment", "id"], name="project_investment_id"),
            models.Index(fields=["updated_at", "id"], name="project_updated_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name", "host_unit"], name="project_unique_name_host"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def reasons_text(self) -> str:
        return "；".join(self.light_reasons) if self.light_reasons else ""


class ProjectPerson(models.Model):
    """A named responsible person of a project, from the directory (never free text)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="responsibles")
    person = models.ForeignKey(
        Person, verbose_name="责任人", on_delete=models.PROTECT, related_name="project_roles"
    )
    role = models.CharField("项目职责", max_length=30, default="责任人")

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "项目责任人"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person", "role"], name="project_person_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.role} {self.person}"


class AnnualPlan(models.Model):
    """The investment a project plans to complete in one year (万元)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField("年度")
    planned_investment = models.DecimalField("年度计划投资（万元）", **MONEY)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "年度计划"
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="annual_plan_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}"


class StageChange(Versioned):
    """A proposed move between stages; the project office confirms or rejects it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待确认"
        CONFIRMED = "confirmed", "已确认"
        REJECTED = "rejected", "已退回"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField("原阶段", max_length=12, choices=Stage.choices)
    to_stage = models.CharField("新阶段", max_length=12, choices=Stage.choices)
    on_date = models.DateField("发生日期")
    contract_amount = models.DecimalField("合同金额（万元）", null=True, blank=True, **MONEY)
    reason = models.CharField("说明/终止原因", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        "core.User", verbose_name="提出人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField("提出时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        "core.User",
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)

    objects = ProjectChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "阶段变更"
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project}：{self.get_from_stage_display()} → {self.get_to_stage_display()}"
