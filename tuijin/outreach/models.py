"""Leaders going out (走出去): outreach trips, the project leads they bring, and the weekly
project-day rule.

A trip is logged by or for the county leaders on it; a lead (项目线索) has one owner, a county
leader, and keeps its own timeline (``LeadEvent``) from first contact to the project it
becomes. Scope: a county leader sees their own trips and leads only; the principal leaders and
the project office see the whole county (issue 6, point 10).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tuijin.core.models import Person, Region
from tuijin.core.roles import Role
from tuijin.core.scoping import Scope, ScopedQuerySet
from tuijin.core.versioning import Versioned

# Roles that see (and keep) every trip and lead of their county.
COUNTY_OUTREACH_ROLES = (Role.PRINCIPAL, Role.PROJECT_OFFICE)


class Half(models.TextChoices):
    """Trips start and end on half-days: a morning meeting in the city still counts."""

    AM = "am", "上午"
    PM = "pm", "下午"


class TripQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """Principal leaders and the project office: the county's trips; a county leader: the
        trips they are on or logged."""
        if scope.is_admin:
            return self
        in_region = self.filter(region_id__in=scope.region_ids)
        if scope.has(*COUNTY_OUTREACH_ROLES):
            return in_region
        if scope.has(Role.LEADER) and scope.person_id:
            on_trip = OutreachTrip.leaders.through.objects.filter(person_id=scope.person_id)
            return in_region.filter(
                models.Q(pk__in=on_trip.values("outreachtrip_id"))
                | models.Q(created_by_id=scope.user_id)
            )
        return self.none()


class OutreachTrip(Versioned):
    """A trip of county leaders to meet companies elsewhere (走出去找、谈、查)."""

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="outreach_trips"
    )
    leaders = models.ManyToManyField(
        Person, verbose_name="带队县领导", related_name="outreach_trips"
    )
    start_date = models.DateField("出发日期", db_index=True)
    start_half = models.CharField("出发时段", max_length=2, choices=Half.choices, default=Half.AM)
    end_date = models.DateField("返回日期", db_index=True)
    end_half = models.CharField("返回时段", max_length=2, choices=Half.choices, default=Half.PM)
    destination = models.CharField("目的地城市", max_length=60)
    counterparts = models.TextField("对接企业", help_text="每行一家")
    purpose = models.TextField("外出目的")
    outcome = models.TextField("成效", blank=True)
    created_by = models.ForeignKey(
        "core.User", verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = TripQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "外出招商"
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.start_date:%Y-%m-%d} 赴{self.destination}"

    @property
    def half_days(self) -> int:
        """Half-days away: a day trip from morning to afternoon is two."""
        days = (self.end_date - self.start_date).days
        return days * 2 + (2 if self.end_half == Half.PM else 1) - (self.start_half == Half.PM)

    @property
    def days_text(self) -> str:
        n = self.half_days / 2
        return f"{n:g} 天"

    @property
    def counterpart_list(self) -> list[str]:
        return [line.strip() for line in self.counterparts.splitlines() if line.strip()]


class LeadStatus(models.TextChoices):
    """Stage of talks; ``CONVERTED`` is reached only by converting the lead into a project."""

    CONTACT = "contact", "初步接洽"
    TALKING = "talking", "深入洽谈"
    INTENT = "intent", "达成意向"
    CONVERTED = "converted", "已转项目"
    DROPPED = "dropped", "已终止"


OPEN_LEAD_STATUSES = (LeadStatus.CONTACT, LeadStatus.TALKING, LeadStatus.INTENT)


class LeadQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """Principal leaders and the project office: the county's leads; a county leader:
        their own, never another leader's."""
        if scope.is_admin:
            return self
        in_region = self.filter(region_id__in=scope.region_ids)
        if scope.has(*COUNTY_OUTREACH_ROLES):
            return in_region
        if scope.has(Role.LEADER) and scope.person_id:
            return in_region.filter(owner_id=scope.person_id)
        return self.none()


class Lead(Versioned):
    """A project lead (项目线索) found on a trip or elsewhere, owned by one county leader."""

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="outreach_leads"
    )
    title = models.CharField("项目名称", max_length=120)
    company = models.CharField("企业名称", max_length=120)
    industry = models.CharField("所属行业", max_length=40, blank=True)
    intended_investment = models.DecimalField(
        "意向投资（万元）",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(
        "洽谈阶段",
        max_length=10,
        choices=LeadStatus.choices,
        default=LeadStatus.CONTACT,
        db_index=True,
    )
    next_step = models.CharField("下一步工作", max_length=200, blank=True)
    next_date = models.DateField("下一步时间", null=True, blank=True)
    owner = models.ForeignKey(
        Person, verbose_name="负责县领导", on_delete=models.PROTECT, related_name="outreach_leads"
    )
    trip = models.ForeignKey(
        OutreachTrip,
        verbose_name="来源外出",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    source = models.CharField(
        "其他来源", max_length=60, blank=True, help_text="如：以商招商、商会推介"
    )
    notes = models.TextField("项目情况", blank=True)
    project = models.OneToOneField(
        "projects.Project",
        verbose_name="转化项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outreach_lead",
    )
    created_on = models.DateField("登记日期", db_index=True)
    converted_on = models.DateField("转化日期", null=True, blank=True)
    created_by = models.ForeignKey(
        "core.User", verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "项目线索"
        ordering = ["-created_on", "-id"]
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["owner"])]

    def __str__(self) -> str:
        return f"{self.title}（{self.company}）"

    @property
    def source_text(self) -> str:
        """Where the lead came from, in words: the trip, else the other source."""
        if self.trip_id:
            return f"外出招商：{self.trip}"
        return self.source or "其他渠道"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LEAD_STATUSES


class LeadChildQuerySet(ScopedQuerySet):
    """A lead's timeline is visible exactly where its lead is."""

    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        return self.filter(lead__in=Lead.objects.visible_to(scope, action))


class LeadEvent(models.Model):
    """One step of a lead's own timeline; it stays with the lead after conversion."""

    class Kind(models.TextChoices):
        CREATED = "created", "登记线索"
        STAGE = "stage", "洽谈阶段变化"
        NEXT = "next", "下一步工作"
        CONVERTED = "converted", "转为项目"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事项", max_length=10, choices=Kind.choices)
    from_status = models.CharField("原阶段", max_length=10, choices=LeadStatus.choices, blank=True)
    to_status = models.CharField("新阶段", max_length=10, choices=LeadStatus.choices, blank=True)
    text = models.CharField("说明", max_length=300, blank=True)
    on_date = models.DateField("日期")
    actor = models.ForeignKey(
        "core.User", verbose_name="操作人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("操作人姓名", max_length=30, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = LeadChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "线索进展"
        ordering = ["on_date", "id"]

    def __str__(self) -> str:
        return f"{self.lead} {self.get_kind_display()}"


class ProjectDayRule(Versioned):
    """A county's weekly project-day rule: 「一周要安排一天以上的时间谈项目」, tunable."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="project_day_rule")
    days_per_week = models.DecimalField(
        "每周项目日（天）",
        max_digits=3,
        decimal_places=1,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("5"))],
    )
    remind = models.BooleanField("周末前提醒未达标的县领导", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "项目日规则"

    def __str__(self) -> str:
        return f"{self.region} 每周 {self.days_per_week:g} 天"

    @classmethod
    def for_region(cls, region_id: int) -> ProjectDayRule:
        """The county's rule, or the default (one day a week) when none was saved."""
        return cls.objects.filter(region_id=region_id).first() or cls(region_id=region_id)


class ProjectDayReminder(models.Model):
    """A reminder sent to a leader for one week, so that the sweep sends it only once."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField("周一")
    days = models.DecimalField("已计项目日", max_digits=3, decimal_places=1)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "项目日提醒"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "week_start"], name="project_day_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.week_start}"
