"""Supervision orders (督办单): issued to a unit with a named person and a working-day deadline.

An order goes 已下发 → 已签收 → 已反馈 → 已办结; the office may send a response back (已退回),
after which the unit responds again. Everything that happens to an order is an ``OrderEvent``,
so the order's page shows its whole history and the sweep knows which reminders went out.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone

from tuijin.core.models import Person, Region, Unit
from tuijin.core.roles import Role
from tuijin.core.scoping import Scope, ScopedQuerySet

# Roles that see every order of their region.
COUNTY_ORDER_ROLES = (Role.SUPERVISION, Role.PRINCIPAL)


class OrderQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """The office and principal leaders: the county; the project office: orders about
        projects; a county leader: orders about their projects; a unit: orders issued to it."""
        if scope.is_admin:
            return self
        in_region = self.filter(region_id__in=scope.region_ids)
        if scope.has(*COUNTY_ORDER_ROLES):
            return in_region
        q = models.Q(pk__in=[])
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


class SupervisionOrder(models.Model):
    """One supervision order (督办单), numbered per region and year: 督办〔2026〕12号."""

    class Status(models.TextChoices):
        ISSUED = "issued", "已下发"
        SIGNED = "signed", "已签收"
        RESPONDED = "responded", "已反馈"
        ACCEPTED = "accepted", "已办结"
        RETURNED = "returned", "已退回"

    class Escalation(models.IntegerChoices):
        NONE = 0, "未升级"
        CONTACT_LEADER = 1, "已报联系县领导"
        PRINCIPAL = 2, "已报主要领导"

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="supervision_orders"
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
                fields=["region", "year", "number"], name="order_unique_number_in_year"
            )
        ]
        indexes = [models.Index(fields=["region", "status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        return f"督办〔{self.year}〕{self.number}号"

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
    """Stored names never come from the user; only the extension is kept."""
    suffix = PurePath(filename).suffix.lower()[:10]
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


class LeagueWeights(models.Model):
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
