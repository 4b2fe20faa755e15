"""The enterprise registry (企业名录): one row per enterprise of the county."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tuijin.core.fields import EncryptedCharField, KeyedHashField
from tuijin.core.models import Region, Unit
from tuijin.core.models.directory import mobile_validator, pinyin_initials
from tuijin.core.roles import GOVERNMENT, Role
from tuijin.core.scoping import CHANGE, Scope, ScopedQuerySet
from tuijin.core.versioning import Versioned

from .search import search_enterprises
from .validators import validate_credit_code

MONEY = {"max_digits": 14, "decimal_places": 2}
YEAR = [MinValueValidator(1949), MaxValueValidator(2100)]
HOST_KINDS = (Unit.Kind.TOWNSHIP, Unit.Kind.PLATFORM)

# Government roles that see every enterprise of their county.
COUNTY_VIEWERS = frozenset({Role.PRINCIPAL, Role.LEADER, Role.SUPERVISION, Role.PROJECT_OFFICE})
# Who keeps the registry (the service office does not exist yet).
KEEPERS = (Role.PROJECT_OFFICE,)


class EnterpriseQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        if scope.is_admin:  # their county; an administrator of no region sees every county
            return self.filter(region_id__in=scope.region_ids) if scope.region_ids else self
        if action == CHANGE:
            if Role.PROJECT_OFFICE in scope.roles:
                return self.filter(region_id__in=scope.region_ids)
            return self.none()
        if scope.roles & COUNTY_VIEWERS:
            return self.filter(region_id__in=scope.region_ids)
        if Role.UNIT_STAFF in scope.roles and scope.unit_id:
            return self.filter(host_unit_id=scope.unit_id)
        return self.none()  # enterprises and banks: the portal comes later

    def search(self, text: str) -> models.QuerySet:
        """Name, credit code or pinyin initials of the name, as typed into one box."""
        return search_enterprises(self, text)


class Enterprise(Versioned):
    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="enterprises"
    )
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField("企业名称", max_length=120)
    legal_representative = models.CharField("法定代表人", max_length=40, blank=True)
    industry = models.CharField("所属行业", max_length=40, blank=True, db_index=True)
    host_unit = models.ForeignKey(
        Unit,
        verbose_name="所在乡镇（平台）",
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"kind__in": HOST_KINDS},
    )
    address = models.CharField("地址", max_length=200, blank=True)
    contact_name = models.CharField("联系人", max_length=40, blank=True)
    contact_mobile = EncryptedCharField(
        "联系电话", max_length=11, blank=True, validators=[mobile_validator]
    )
    contact_mobile_hash = KeyedHashField("联系电话", source="contact_mobile")
    employees = models.PositiveIntegerField("从业人数", null=True, blank=True)
    above_scale = models.BooleanField("规上企业", default=False, db_index=True)
    above_scale_year = models.PositiveSmallIntegerField(
        "规上年度", null=True, blank=True, validators=YEAR
    )
    top100_rank = models.PositiveSmallIntegerField(
        "百强排名",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    top100_year = models.PositiveSmallIntegerField(
        "百强年度", null=True, blank=True, validators=YEAR
    )
    revenue = models.DecimalField("营业收入（万元）", null=True, blank=True, **MONEY)
    tax = models.DecimalField("税收（万元）", null=True, blank=True, **MONEY)
    finance_year = models.PositiveSmallIntegerField(
        "财务数据年度", null=True, blank=True, validators=YEAR
    )
    struggling = models.BooleanField("困难企业", default=False, db_index=True)
    struggling_reason = models.CharField("困难原因", max_length=200, blank=True)
    pinyin_initials = models.CharField("拼音首字母", max_length=120, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "企业"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["region", "name"], name="enterprise_region_name"),
            models.Index(fields=["pinyin_initials"], name="enterprise_pinyin"),
            models.Index(fields=["top100_rank"], name="enterprise_top100"),
            # The registry's order across counties, id last, for keyset pages.
            models.Index(fields=["name", "id"], name="enterprise_name_id"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.pinyin_initials = pinyin_initials(self.name)[:120]
        super().save(*args, **kwargs)

    @property
    def is_top100(self) -> bool:
        return self.top100_rank is not None

    def clean(self) -> None:
        errors = {}
        if self.host_unit_id and self.host_unit.kind not in HOST_KINDS:
            errors["host_unit"] = "所在单位应为乡镇或平台"
        if self.host_unit_id and self.region_id and self.host_unit.region_id != self.region_id:
            errors["host_unit"] = "所在乡镇（平台）不属于本县"
        if self.top100_rank is not None and self.top100_year is None:
            errors["top100_year"] = "填写百强排名时请同时填写百强年度"
        if self.struggling and not self.struggling_reason.strip():
            errors["struggling_reason"] = "困难企业请填写困难原因"
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------------------
# Pairing (包联) and visits (走访): see pairing.py for the services.


class PairingChildQuerySet(ScopedQuerySet):
    """Visible where the enterprise is, plus a person's own pairings and visits."""

    enterprise_field = "enterprise"
    person_field = "person"

    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        if action == CHANGE and not scope.is_admin:
            return self.none()
        enterprises = Enterprise.objects.restrict(scope, action).values("pk")
        q = models.Q(**{f"{self.enterprise_field}__in": enterprises})
        if scope.person_id and scope.roles & set(GOVERNMENT):
            q |= self._own(scope.person_id)
        return self.filter(q)

    def _own(self, person_id: int) -> models.Q:
        return models.Q(**{self.person_field: person_id})


class PairingQuerySet(PairingChildQuerySet):
    pass


class VisitQuerySet(PairingChildQuerySet):
    person_field = "visitors"

    def _own(self, person_id: int) -> models.Q:
        """A subquery, not a join: a join repeats a visit per visitor and needs DISTINCT,
        which makes the database read every visit in scope before the first page."""
        through = self.model.visitors.through
        return models.Q(pk__in=through.objects.filter(person_id=person_id).values("visit_id"))


class Pairing(Versioned):
    class Frequency(models.IntegerChoices):
        MONTHLY = 30, "每月"
        QUARTERLY = 90, "每季度"

    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="pairings"
    )
    person = models.ForeignKey(
        "core.Person", verbose_name="包联人", on_delete=models.PROTECT, related_name="pairings"
    )
    frequency_days = models.PositiveSmallIntegerField(
        "走访频次", choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    active = models.BooleanField("有效", default=True)
    started_on = models.DateField("包联开始日期")
    # The due date the person was last reminded of (the sweep reminds once per due date).
    reminded_for = models.DateField("已提醒的应走访日期", null=True, blank=True, editable=False)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "包联"
        ordering = ["enterprise_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "enterprise"], name="pairing_unique_person_enterprise"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} 包联 {self.enterprise}"


class Visit(Versioned):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="visits"
    )
    visited_on = models.DateField("走访日期", db_index=True)
    visitors = models.ManyToManyField("core.Person", verbose_name="走访人", related_name="visits")
    situation = models.TextField("企业情况")
    measures = models.TextField("现场商定措施", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "走访"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} 走访 {self.enterprise}"


class VisitOpinion(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待转为诉求"

    visit = models.ForeignKey(
        Visit, verbose_name="走访", on_delete=models.CASCADE, related_name="opinions"
    )
    text = models.TextField("企业意见")
    measure = models.TextField("现场商定措施", blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)

    class Meta:
        verbose_name = verbose_name_plural = "走访意见"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:30]
