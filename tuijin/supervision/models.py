"""Supervision orders (督办单): issued to a unit with a named person and a working-day deadline.

An order goes 已下发 → 已签收 → 已反馈 → 已办结; the office may send a response back (已退回),
after which the unit responds again. Everything that happens to an order is an ``OrderEvent``,
so the order's page shows its whole history and the sweep knows which reminders went out.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from tuijin.core.files import stored_suffix
from tuijin.core.models import Person, Region, Unit
from tuijin.core.roles import Role
from tuijin.core.scoping import Scope, ScopedQuerySet
from tuijin.core.versioning import Versioned

# Roles that see every order of their region.
COUNTY_ORDER_ROLES = (Role.SUPERVISION, Role.PRINCIPAL)


class OrderQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """The office and principal leaders: the county; the project office: orders about
        projects; a county leader: orders about their projects; both: every meeting's
        assignments; a unit: orders issued to it."""
        if scope.is_admin:
            return self
        in_region = self.filter(region_id__in=scope.region_ids)
        if scope.has(*COUNTY_ORDER_ROLES):
            return in_region
        q = models.Q(pk__in=[])
        if scope.has(Role.PROJECT_OFFICE, Role.LEADER):
            # A scheduling meeting's assignments are the county's business, as its memo is.
            q |= models.Q(kind=SupervisionOrder.Kind.ASSIGNMENT)
        if scope.has(Role.PROJECT_OFFICE):
            q |= models.Q(project__isnull=False)
        if scope.has(Role.LEADER) and scope.person_id:
            q |= models.Q(project__contact_leader_id=scope.person_id)
        if scope.has(Role.UNIT_STAFF) and scope.unit_id:
            q |= models.Q(unit_id=scope.unit_id)
        return in_region.filter(q)

    def open(self) -> models.QuerySet:
        return self.exclude(status=SupervisionOrder.Status.ACCEPTED)

    def overdue(self, today: dt.date) -> models.QuerySet:
        return self.open().filter(deadline__lt=today)


class OrderChildQuerySet(ScopedQuerySet):
    """Events of an order are visible exactly where the order is."""

    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        return self.filter(order__in=SupervisionOrder.objects.visible_to(scope))


class SupervisionOrder(Versioned):
    """One supervision order (督办单), numbered per region and year: 督办〔2026〕12号."""

    class Status(models.TextChoices):
        ISSUED = "issued", "已下发"
        SIGNED = "signed", "已签收"
        RESPONDED = "responded", "已反馈"
        ACCEPTED = "accepted", "已办结"
        RETURNED = "returned", "已退回"

    class Kind(models.TextChoices):
        ORDER = "order", "督办"
        ASSIGNMENT = "assignment", "交办"

    class Escalation(models.IntegerChoices):
        NONE = 0, "未升级"
        CONTACT_LEADER = 1, "已报联系县领导"
        PRINCIPAL = 2, "已报主要领导"

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="supervision_orders"
    )
    kind = models.CharField(
        "类别", max_length=10, choices=Kind.choices, default=Kind.ORDER, db_index=True
    )
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveIntegerField("序号")
    title = models.CharField("督办事由", max_length=120)
    content = models.TextField("督办事项")
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="关于项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_orders",
    )
    problem = models.ForeignKey(
        "projects.Problem",
        verbose_name="关于问题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_orders",
    )
    finding = models.ForeignKey(
        "supervision.Finding",
        verbose_name="关于督查发现",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    meeting = models.ForeignKey(
        "supervision.Meeting",
        verbose_name="交办会议",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="承办单位", on_delete=models.PROTECT, related_name="supervision_orders"
    )
    person = models.ForeignKey(
        Person, verbose_name="责任人", on_delete=models.PROTECT, related_name="supervision_orders"
    )
    issued_on = models.DateField("下发日期")
    deadline_days = models.PositiveSmallIntegerField("办理时限（工作日）")
    deadline = models.DateField("办结期限", db_index=True)
    deadline_provisional = models.BooleanField("期限暂定", default=False)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.ISSUED, db_index=True
    )
    escalation = models.PositiveSmallIntegerField(
        "升级", choices=Escalation.choices, default=Escalation.NONE
    )
    accepted_on = models.DateField("办结日期", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="下发人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督办单"
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "year", "number"], name="order_unique_number_in_year"
            )
        ]
        indexes = [models.Index(fields=["region", "status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        """督办〔2026〕12号 for an order, 交办〔2026〕3号 for a meeting's assignment."""
        return f"{self.get_kind_display()}〔{self.year}〕{self.number}号"

    @property
    def noun(self) -> str:
        """What users call it in messages: 督办单, or 交办事项 for a meeting's assignment."""
        return "交办事项" if self.kind == self.Kind.ASSIGNMENT else "督办单"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.ACCEPTED

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.is_open and self.deadline < (today or timezone.localdate())


class OrderEvent(models.Model):
    """One step in an order's history; reminders and escalations are events too."""

    class Kind(models.TextChoices):
        ISSUED = "issued", "下发"
        SIGNED = "signed", "签收"
        RESPONDED = "responded", "反馈"
        ACCEPTED = "accepted", "办结"
        RETURNED = "returned", "退回"
        REMINDED = "reminded", "催办"
        ESCALATED = "escalated", "升级督办"

    order = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    at = models.DateTimeField("时间", default=timezone.now)
    on_date = models.DateField("日期")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField("说明", blank=True)

    objects = OrderChildQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督办记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "kind", "on_date"])]

    def __str__(self) -> str:
        return f"{self.order.code} {self.get_kind_display()}"


def _file_path(instance, filename: str) -> str:
    """Stored names never come from the user: a random id and the checked type's extension."""
    suffix = stored_suffix(filename)
    name = uuid.uuid4().hex
    return f"orders/{name[:2]}/{name}{suffix}"


class OrderFileQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        return self.filter(event__order__in=SupervisionOrder.objects.visible_to(scope))


class OrderFile(models.Model):
    """A file attached to an order's event (a response's evidence); served as attachment."""

    event = models.ForeignKey(OrderEvent, on_delete=models.CASCADE, related_name="files")
    file = models.FileField("文件", upload_to=_file_path)
    name = models.CharField("原文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")

    objects = OrderFileQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督办附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class LeagueWeights(Versioned):
    """A county's weights of the league table (比学赶超); the four always sum to 100."""

    region = models.OneToOneField(
        Region, verbose_name="地区", on_delete=models.CASCADE, related_name="league_weights"
    )
    investment = models.PositiveSmallIntegerField("投资完成率权重", default=40)
    green = models.PositiveSmallIntegerField("绿灯项目占比权重", default=30)
    reports = models.PositiveSmallIntegerField("按时填报率权重", default=15)
    closure = models.PositiveSmallIntegerField("问题和督办按期办结率权重", default=15)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    FIELDS = ("investment", "green", "reports", "closure")

    class Meta:
        verbose_name = verbose_name_plural = "比学赶超权重"

    def __str__(self) -> str:
        return f"{self.region} 比学赶超权重"

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.FIELDS}


# Roles that see (and may download) the county's issued bulletins.
BULLETIN_ROLES = (Role.SUPERVISION, Role.PRINCIPAL, Role.PROJECT_OFFICE)


def _bulletin_path(instance, filename: str) -> str:
    """A random stored name; the download is named from the bulletin, never from this."""
    name = uuid.uuid4().hex
    return f"bulletins/{name[:2]}/{name}.docx"


class BulletinQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """The office, principal leaders and project office: their county's bulletins."""
        if scope.is_admin:
            return self
        if scope.has(*BULLETIN_ROLES):
            return self.filter(region_id__in=scope.region_ids)
        return self.none()


class Bulletin(models.Model):
    """An issued bulletin (通报), numbered per county and year: 县重点办通〔2026〕N号."""

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="bulletins"
    )
    period = models.CharField("期间", max_length=10)
    label = models.CharField("期间名称", max_length=30)
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveIntegerField("序号")
    file = models.FileField("文件", upload_to=_bulletin_path)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "通报"
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "number"], name="bulletin_unique_number_in_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def code(self) -> str:
        return f"县重点办通〔{self.year}〕{self.number}号"


# --- Inspections (督查) ------------------------------------------------------------------

# Roles that see every inspection, meeting and self-check of their county.
COUNTY_SUPERVISION_ROLES = (Role.SUPERVISION, Role.PRINCIPAL, Role.LEADER, Role.PROJECT_OFFICE)


class CountyOrUnitQuerySet(ScopedQuerySet):
    """County roles see the county's records; a unit's staff the records that concern the
    unit. Subclasses name the region lookup and what "concerns the unit" means."""

    region_lookup = "region_id"

    def for_unit(self, unit_id: int) -> models.QuerySet:
        raise NotImplementedError

    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        if scope.is_admin:
            return self
        in_region = self.filter(**{f"{self.region_lookup}__in": scope.region_ids})
        if scope.has(*COUNTY_SUPERVISION_ROLES):
            return in_region
        if scope.has(Role.UNIT_STAFF) and scope.unit_id:
            return in_region.for_unit(scope.unit_id)
        return self.none()


class InspectionQuerySet(CountyOrUnitQuerySet):
    """A unit: the inspections of it, and those that found something for it to put right."""

    def for_unit(self, unit_id: int) -> models.QuerySet:
        return self.filter(models.Q(units=unit_id) | models.Q(findings__unit_id=unit_id)).distinct()


class Inspection(Versioned):
    """One inspection (督查): a topic, a date, the inspectors and what was inspected."""

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="inspections"
    )
    topic = models.CharField("督查主题", max_length=120)
    inspected_on = models.DateField("督查日期", db_index=True)
    inspectors = models.ManyToManyField(
        Person, verbose_name="督查人员", related_name="inspections_made"
    )
    projects = models.ManyToManyField(
        "projects.Project", verbose_name="督查项目", blank=True, related_name="inspections"
    )
    units = models.ManyToManyField(
        Unit, verbose_name="督查单位", blank=True, related_name="inspections"
    )
    notes = models.TextField("督查情况", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督查"
        ordering = ["-inspected_on", "-id"]

    def __str__(self) -> str:
        return f"{self.inspected_on:%Y-%m-%d} {self.topic}"


class FindingQuerySet(CountyOrUnitQuerySet):
    """A unit: the findings it must put right."""

    region_lookup = "inspection__region_id"

    def for_unit(self, unit_id: int) -> models.QuerySet:
        return self.filter(unit_id=unit_id)


class Finding(Versioned):
    """What an inspection found at a project or unit; never without a responsible person."""

    inspection = models.ForeignKey(
        Inspection, verbose_name="督查", on_delete=models.CASCADE, related_name="findings"
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="findings"
    )
    text = models.TextField("发现问题")
    responsible_person = models.ForeignKey(
        Person, verbose_name="责任人", on_delete=models.PROTECT, related_name="findings"
    )
    requirement = models.TextField("整改要求")
    deadline_days = models.PositiveSmallIntegerField("整改时限（工作日）")
    deadline = models.DateField("整改期限", db_index=True)
    deadline_provisional = models.BooleanField("期限暂定", default=False)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督查发现"
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return self.text[:30]


def _finding_photo_path(instance, filename: str) -> str:
    """A random stored name; photos are re-encoded JPEG whatever they arrived as."""
    name = uuid.uuid4().hex
    return f"findings/{name[:2]}/{name}.jpg"


class FindingPhotoQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        return self.filter(finding__in=Finding.objects.visible_to(scope))


class FindingPhoto(models.Model):
    """A photo taken on the inspection, re-encoded without its metadata."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("照片", upload_to=_finding_photo_path)
    taken_at = models.DateTimeField("拍摄时间（EXIF）", null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = FindingPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督查照片"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


# --- Scheduling meetings (调度会) -----------------------------------------------------------


class MeetingQuerySet(CountyOrUnitQuerySet):
    """A unit: the meetings that assigned it work."""

    def for_unit(self, unit_id: int) -> models.QuerySet:
        return self.filter(assignments__unit_id=unit_id).distinct()


class Meeting(Versioned):
    """A scheduling meeting (调度会): memo before, assignments (交办事项) after."""

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField("会议名称", max_length=120)
    held_on = models.DateField("会议日期", db_index=True)
    place = models.CharField("地点", max_length=120, blank=True)
    chair = models.ForeignKey(
        Person,
        verbose_name="主持人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings_chaired",
    )
    attendees = models.ManyToManyField(
        Person, verbose_name="参会人员", blank=True, related_name="meetings_attended"
    )
    summary = models.TextField("会议纪要", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "调度会"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


# --- Self-checks (自问自查) -----------------------------------------------------------------

# The speech's three questions, offered as the defaults of every new round.
DEFAULT_SELF_CHECK_QUESTIONS = (
    "优势还有多少？",
    "引领作用有多少？",
    "使命担当了多少？",
)


class SelfCheckQuerySet(CountyOrUnitQuerySet):
    """A unit: the rounds addressed to it."""

    def for_unit(self, unit_id: int) -> models.QuerySet:
        return self.filter(units=unit_id)


class SelfCheck(Versioned):
    """A round of self-checks: a questionnaire published to townships and platforms."""

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="self_checks"
    )
    title = models.CharField("自查主题", max_length=120)
    questions = models.JSONField("问题", default=list)
    due_on = models.DateField("截止日期")
    units = models.ManyToManyField(Unit, verbose_name="自查单位", related_name="self_checks")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    objects = SelfCheckQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "自问自查"
        ordering = ["-due_on", "-id"]

    def __str__(self) -> str:
        return self.title


class SelfCheckAnswerQuerySet(CountyOrUnitQuerySet):
    """A unit: its own answers."""

    region_lookup = "self_check__region_id"

    def for_unit(self, unit_id: int) -> models.QuerySet:
        return self.filter(unit_id=unit_id)


class SelfCheckAnswer(models.Model):
    """One unit's answers to a round, in the order of its questions, and the office's comment."""

    self_check = models.ForeignKey(
        SelfCheck, verbose_name="自查", on_delete=models.CASCADE, related_name="answers"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="self_check_answers"
    )
    answers = models.JSONField("回答", default=list)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", auto_now=True)
    comment = models.TextField("督查室点评", blank=True)
    commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="点评人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    commented_at = models.DateTimeField("点评时间", null=True, blank=True)

    objects = SelfCheckAnswerQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "自查回答"
        ordering = ["self_check", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["self_check", "unit"], name="selfcheck_one_answer")
        ]

    def __str__(self) -> str:
        return f"{self.self_check} · {self.unit}"
