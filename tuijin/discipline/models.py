"""Work discipline (三件事): the meetings register, leave for project work, reception time.

From the speech: 「除党政主要领导外，其他县领导一般不得召集乡镇、项目主要领导汇报、开会；为了项目，
任何事都可以请假；乡镇、平台主要领导要减少接待、陪访时间」. The rules themselves live in
``meetings``, ``leave`` and ``reception``; this module holds the records.

Every foreign key to the directory or to accounts has a ``discipline_`` related name: the
supervision app has a ``Meeting`` model too, and reverse names must not clash.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tuijin.core.models import Person, Region
from tuijin.core.roles import Role
from tuijin.core.scoping import Scope, ScopedQuerySet
from tuijin.core.versioning import Versioned

# Roles that see the whole county's register, leave and reception time.
COUNTY_DISCIPLINE_ROLES = (Role.PRINCIPAL, Role.LEADER, Role.SUPERVISION, Role.PROJECT_OFFICE)

MINUTES_PER_DAY = 24 * 60


class Half(models.TextChoices):
    """Half-days count: a leave from Monday afternoon to Tuesday morning is one day."""

    AM = "am", "上午"
    PM = "pm", "下午"


def _people_scope(qs: models.QuerySet, scope: Scope, *, person_field: str) -> models.QuerySet:
    """County roles: their county; unit staff: their unit's people; anyone: their own."""
    if scope.is_admin:
        return qs
    in_region = qs.filter(region_id__in=scope.region_ids)
    if scope.has(*COUNTY_DISCIPLINE_ROLES):
        return in_region
    q = models.Q(pk__in=[])
    if scope.has(Role.UNIT_STAFF) and scope.unit_id:
        q |= models.Q(**{f"{person_field}__unit_id": scope.unit_id})
    if scope.person_id:
        q |= models.Q(**{f"{person_field}_id": scope.person_id})
    return in_region.filter(q)


# --- Meetings register (会议管理) ---------------------------------------------------------


class MeetingQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """County roles: the county's register; unit staff: meetings their unit's people
        convene or are invited to; anyone: meetings they convene or are invited to."""
        if scope.is_admin:
            return self
        in_region = self.filter(region_id__in=scope.region_ids)
        if scope.has(*COUNTY_DISCIPLINE_ROLES):
            return in_region
        q = models.Q(pk__in=[])
        if scope.has(Role.UNIT_STAFF) and scope.unit_id:
            invited = Meeting.invitees.through.objects.filter(person__unit_id=scope.unit_id)
            q |= models.Q(convener__unit_id=scope.unit_id)
            q |= models.Q(pk__in=invited.values("meeting_id"))
        if scope.person_id:
            invited = Meeting.invitees.through.objects.filter(person_id=scope.person_id)
            q |= models.Q(convener_id=scope.person_id)
            q |= models.Q(pk__in=invited.values("meeting_id"))
        return in_region.filter(q)

    def convened(self) -> models.QuerySet:
        """Meetings that take place: allowed or approved (not pending, not refused)."""
        return self.filter(status__in=Meeting.CONVENED)

    def about_projects(self) -> models.QuerySet:
        """Project meetings: marked so, or about a project (the weekly project day's count)."""
        return self.filter(models.Q(about_projects=True) | models.Q(project__isnull=False))


class Meeting(Versioned):
    """One meeting in the register (会议登记): who convenes it, when, about what, with whom.

    ``restricted`` records whether the invitees include principal leaders of townships,
    platforms or projects at the time of registration; such a meeting stands only when a
    principal county leader convenes it (``ALLOWED``) or approves it (``APPROVED``). A
    submission that the rule refuses is not stored; an explicit request for approval is
    stored as ``PENDING``, and a principal leader's refusal keeps it as ``REFUSED`` (the
    register's record of attempts), which never counts as a meeting held.
    """

    class Status(models.TextChoices):
        ALLOWED = "allowed", "准予召开"
        PENDING = "pending", "待主要领导批准"
        APPROVED = "approved", "经主要领导批准"
        REFUSED = "refused", "不予召开"

    CONVENED = (Status.ALLOWED, Status.APPROVED)

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="discipline_meetings"
    )
    convener = models.ForeignKey(
        Person,
        verbose_name="召集人",
        on_delete=models.PROTECT,
        related_name="discipline_meetings_convened",
    )
    held_on = models.DateField("会议日期", db_index=True)
    topic = models.CharField("会议议题", max_length=120)
    invitees = models.ManyToManyField(
        Person, verbose_name="参会人员", related_name="discipline_meetings_invited"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="关于项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discipline_meetings",
    )
    about_projects = models.BooleanField("项目会议", default=False)
    restricted = models.BooleanField("召集乡镇、平台或项目主要负责人", default=False)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.ALLOWED, db_index=True
    )
    approved_by = models.ForeignKey(
        Person,
        verbose_name="审批的主要领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discipline_meetings_decided",
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approval_note = models.CharField("审批意见", max_length=200, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="discipline_meetings_registered",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "会议登记"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["region", "status", "held_on"])]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"

    @property
    def is_convened(self) -> bool:
        return self.status in self.CONVENED


# --- Leave (请假) ---------------------------------------------------------------------------


class LeaveQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """As the people rule, plus the leave a person must decide as its approver."""
        if scope.is_admin:
            return self
        own = _people_scope(self, scope, person_field="person")
        if scope.person_id and not scope.has(*COUNTY_DISCIPLINE_ROLES):
            to_decide = self.filter(region_id__in=scope.region_ids, approver_id=scope.person_id)
            return self.filter(models.Q(pk__in=own.values("pk")) | models.Q(pk__in=to_decide))
        return own


class Leave(Versioned):
    """A leave request (请假). Leave for project work, linked to a project, a site check or an
    outreach trip, is approved at once and recorded; other leave waits for its approver (see
    ``leave``)."""

    class Reason(models.TextChoices):
        PROJECT_WORK = "project_work", "项目工作"
        PERSONAL = "personal", "事假"
        SICK = "sick", "病假"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        AUTO_APPROVED = "auto", "自动批准（项目工作）"
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "不予批准"

    APPROVED_STATUSES = (Status.AUTO_APPROVED, Status.APPROVED)

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="discipline_leaves"
    )
    person = models.ForeignKey(
        Person, verbose_name="请假人", on_delete=models.PROTECT, related_name="discipline_leaves"
    )
    start_date = models.DateField("开始日期")
    start_half = models.CharField("开始", max_length=2, choices=Half.choices, default=Half.AM)
    end_date = models.DateField("结束日期")
    end_half = models.CharField("结束", max_length=2, choices=Half.choices, default=Half.PM)
    reason_kind = models.CharField("请假事由", max_length=14, choices=Reason.choices)
    reason = models.CharField("具体说明", max_length=200, blank=True)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discipline_leaves",
    )
    site_check = models.ForeignKey(
        "projects.SiteCheck",
        verbose_name="现场察看",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="discipline_leaves",
    )
    trip = models.ForeignKey(
        "outreach.OutreachTrip",
        verbose_name="外出招商",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="discipline_leaves",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, db_index=True)
    approver = models.ForeignKey(
        Person,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discipline_leaves_to_approve",
    )
    decided_by = models.ForeignKey(
        Person,
        verbose_name="审批人（实际）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discipline_leaves_decided",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="discipline_leaves_requested",
    )
    created_at = models.DateTimeField("填报时间", auto_now_add=True)

    objects = LeaveQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "请假"
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["region", "status", "start_date"])]

    def __str__(self) -> str:
        return f"{self.person} {self.start_date:%Y-%m-%d} {self.get_reason_kind_display()}"

    @property
    def days(self) -> Decimal:
        """Calendar days away, half-days counted: Mon pm to Tue am is 1."""
        return leave_days(self.start_date, self.start_half, self.end_date, self.end_half)

    @property
    def period_text(self) -> str:
        """2026-11-23 全天, 2026-11-23上午, or 2026-11-23下午 至 2026-11-24上午."""
        if self.start_date == self.end_date:
            if self.start_half == Half.AM and self.end_half == Half.PM:
                return f"{self.start_date:%Y-%m-%d} 全天"
            return f"{self.start_date:%Y-%m-%d}{self.get_start_half_display()}"
        start = f"{self.start_date:%Y-%m-%d}{self.get_start_half_display()}"
        return f"{start} 至 {self.end_date:%Y-%m-%d}{self.get_end_half_display()}"


def leave_days(start, start_half: str, end, end_half: str) -> Decimal:
    """Half-days between two half-day bounds, both included, in days (0.5 steps)."""
    halves = (end - start).days * 2 + 2
    if start_half == Half.PM:
        halves -= 1
    if end_half == Half.AM:
        halves -= 1
    return Decimal(halves) / 2


# --- Reception time (接待陪访) ---------------------------------------------------------------


class ReceptionQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        return _people_scope(self, scope, person_field="person")


class ReceptionLog(models.Model):
    """Time a principal leader of a township or platform spent receiving or accompanying
    visitors (接待、陪访), in minutes; one entry is never longer than a day."""

    class Kind(models.TextChoices):
        RECEPTION = "reception", "接待"
        ACCOMPANY = "accompany", "陪访"

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="discipline_receptions"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="discipline_receptions"
    )
    on_date = models.DateField("日期", db_index=True)
    minutes = models.PositiveIntegerField(
        "时长（分钟）", validators=[MinValueValidator(1), MaxValueValidator(MINUTES_PER_DAY)]
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    guest = models.CharField("来访单位/对象", max_length=120)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="discipline_receptions_recorded",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ReceptionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "接待陪访"
        ordering = ["-on_date", "-id"]
        indexes = [models.Index(fields=["region", "on_date"])]

    def __str__(self) -> str:
        return f"{self.person} {self.on_date:%Y-%m-%d} {self.get_kind_display()} {self.guest}"

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.1"))


class ReceptionTargetQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """Every official of the county sees the county's target: it is the line they meet."""
        if scope.is_admin:
            return self
        return self.filter(region_id__in=scope.region_ids)


class ReceptionTarget(Versioned):
    """The county's yearly target: cut reception time by this share against last year."""

    region = models.ForeignKey(
        Region,
        verbose_name="地区",
        on_delete=models.CASCADE,
        related_name="discipline_reception_targets",
    )
    year = models.PositiveSmallIntegerField("年度")
    reduction_percent = models.DecimalField(
        "压减比例（%）",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设定人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="discipline_reception_targets_set",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ReceptionTargetQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "接待陪访压减目标"
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="reception_target_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year} 压减 {self.reduction_percent}%"
