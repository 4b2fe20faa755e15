"""The county directory: regions, units and people (通讯录)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from pypinyin import Style, lazy_pinyin

from .. import request_memo
from ..fields import EncryptedCharField, KeyedHashField
from ..roles import DirectoryRole
from ..scoping import CHANGE, Scope, ScopedQuerySet
from ..versioning import Versioned

mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", "手机号码应为 11 位数字，以 1 开头")


def pinyin_initials(text: str) -> str:
    """First letters of the pinyin of ``text`` (范俊 -> fj), for search as people type it."""
    return "".join(p[0] for p in lazy_pinyin(text, style=Style.NORMAL) if p).lower()


class RegionQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        if scope.is_admin:
            return self
        if action == CHANGE:
            return self.none()
        # A city or province official sees its region and every county below it; anyone else
        # sees their own county.
        return self.filter(pk__in=scope.region_ids)


class Region(models.Model):
    """An administrative region: a county, or a city or province above counties.

    Users act for a region and see its whole subtree (``Scope.region_ids``): a county's people
    see their county, a city's officials see the city's counties aggregated and drill down.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        COUNTY = "county", "县"

    name = models.CharField("名称", max_length=50)
    code = models.CharField("行政区划代码", max_length=12, unique=True)
    level = models.CharField("级别", max_length=10, choices=Level.choices, default=Level.COUNTY)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "地区"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_county(self) -> bool:
        return self.level == self.Level.COUNTY

    def areas_below(self) -> tuple[list[Region], dict[int, int]]:
        """The regions one level down, and for every region below this one the id of the
        child it belongs to: how a city's or province's figures are broken down by area."""
        children = list(Region.objects.filter(parent=self).order_by("code"))
        owner = {child.pk: child.pk for child in children}
        frontier = [child.pk for child in children]
        while frontier:
            rows = list(Region.objects.filter(parent_id__in=frontier).values_list("id", "parent"))
            for region_id, parent_id in rows:
                owner[region_id] = owner[parent_id]
            frontier = [region_id for region_id, _ in rows]
        return children, owner

    @classmethod
    def _children_map(cls) -> dict[int | None, list[int]]:
        memo = request_memo.store(cls._meta.label)
        if memo is not None and "children" in memo:
            return memo["children"]
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in cls.objects.order_by("code").values_list("id", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        if memo is not None:
            memo["children"] = children
        return children

    @classmethod
    def subtree_ids(cls, region_id: int) -> list[int]:
        """The region and every region below it, in one query whatever the depth: the whole
        table is a few hundred rows even for a province, and every request asks this (the
        scope, then a page's region filter: read once per request)."""
        children = cls._children_map()
        ids, frontier = [region_id], [region_id]
        while frontier:
            frontier = [child for parent in frontier for child in children.get(parent, ())]
            ids.extend(frontier)
        return ids


class UnitQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        if scope.is_admin:
            return self
        if action == CHANGE:
            return self.none()
        if scope.county_wide:
            return self.filter(region_id__in=scope.region_ids)
        if scope.unit_id:
            return self.filter(pk=scope.unit_id)
        return self.none()


class Unit(Versioned):
    """A department, township or platform: the bodies that answer for projects."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "部门"
        TOWNSHIP = "township", "乡镇"
        PLATFORM = "platform", "平台"

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField("单位名称", max_length=60)
    short_name = models.CharField("单位简称", max_length=30, blank=True)
    kind = models.CharField("单位类型", max_length=12, choices=Kind.choices)
    order = models.PositiveIntegerField("排序", default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "单位"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_unique_name_in_region")
        ]

    def __str__(self) -> str:
        return self.name


class PersonQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        if scope.is_admin:
            return self
        if action == CHANGE:
            # A unit keeps its own people's titles and mobiles current.
            return self.filter(unit_id=scope.unit_id) if scope.unit_id else self.none()
        if scope.county_wide:
            return self.filter(region_id__in=scope.region_ids)
        if scope.unit_id:
            return self.filter(unit_id=scope.unit_id)
        return self.none()

    def search(self, text: str) -> models.QuerySet:
        """Name, pinyin initials or unit name, as people type them into one box."""
        text = (text or "").strip()[:50]
        if not text:
            return self
        q = models.Q(name__icontains=text) | models.Q(unit__name__icontains=text)
        if text.isascii():
            q |= models.Q(pinyin_initials__startswith=text.lower())
        return self.filter(q)


class Person(Versioned):
    """Someone in the county directory: a named, reachable person, never free text."""

    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="people"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="所在单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    name = models.CharField("姓名", max_length=30)
    title = models.CharField("职务", max_length=60, blank=True)
    mobile = EncryptedCharField("手机号码", max_length=11, validators=[mobile_validator])
    mobile_hash = KeyedHashField("手机号码", source="mobile")
    pinyin_initials = models.CharField(
        "拼音首字母", max_length=30, blank=True, editable=False, db_index=True
    )
    order = models.PositiveIntegerField("排序", default=0)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "人员"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "mobile_hash"], name="person_unique_mobile_in_region"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.pinyin_initials = pinyin_initials(self.name)
        super().save(*args, **kwargs)

    def mobile_taken_message(self, mobile: str) -> str | None:
        """Why ``mobile`` cannot be this person's: another person of the region has it (the
        unique constraint is on the keyed hash, which forms do not validate)."""
        others = Person.objects.filter(region_id=self.region_id, mobile=mobile)
        if mobile and others.exclude(pk=self.pk).exists():
            return f"本地区已有人员使用手机号码 {mobile}"
        return None

    @property
    def role_names(self) -> list[str]:
        return [r.role for r in self.roles.all()]


class PersonRole(models.Model):
    """One directory role held by a person (主要领导, 单位联络员…)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField("角色", max_length=12, choices=DirectoryRole.choices)

    class Meta:
        verbose_name = verbose_name_plural = "人员角色"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "role"], name="person_role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.role}"
