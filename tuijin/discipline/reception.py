"""Reception time (接待陪访): 「乡镇、平台主要领导要减少接待、陪访时间」.

The principal leaders of townships and platforms (DirectoryRole.UNIT_HEAD of a township or
platform unit) log the time they spent receiving or accompanying visitors, from their phone:
themselves when they have an account, or through their unit's liaison. One entry is never
longer than a day, nor may one person's entries of a day add up to more than 24 hours.

The county sets a yearly reduction target (压减比例): each month's total should stay at or
below the same month of last year less that share. Totals are in hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from tuijin.core.models import Person, User
from tuijin.core.roles import DirectoryRole, Role
from tuijin.core.scoping import home_region_id, scope_of

from .errors import DisciplineRuleError
from .meetings import HEAD_UNIT_KINDS
from .models import MINUTES_PER_DAY, ReceptionLog, ReceptionTarget

Kind = ReceptionLog.Kind
# Who sets the county's reduction target.
TARGET_SETTERS = (Role.PRINCIPAL, Role.SUPERVISION)


def heads_queryset() -> QuerySet:
    """Every principal leader of a township or platform."""
    return Person.objects.filter(
        roles__role=DirectoryRole.UNIT_HEAD, unit__kind__in=HEAD_UNIT_KINDS
    ).distinct()


def loggable_people(acting_user: User) -> QuerySet:
    """Whose time this user may log: themselves if a township/platform head; a unit's staff
    also their unit's heads; administrators anyone's."""
    scope = scope_of(acting_user)
    heads = heads_queryset().select_related("unit").order_by("unit__order", "order", "id")
    if scope.is_admin:
        return heads
    if scope.has(Role.UNIT_STAFF) and scope.unit_id:
        return heads.filter(unit_id=scope.unit_id)
    if scope.person_id:
        return heads.filter(pk=scope.person_id)
    return heads.none()


def hours_to_minutes(hours: Decimal) -> int:
    return int((Decimal(hours) * 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@transaction.atomic
def reception_log(
    *,
    acting_user: User,
    person: Person | None,
    on_date: dt.date | None,
    minutes: int | None,
    kind: str,
    guest: str,
    note: str = "",
    today: dt.date | None = None,
) -> ReceptionLog:
    """Record one reception or accompaniment; refuses anything longer than a day."""
    today = today or timezone.localdate()
    if person is None:
        raise DisciplineRuleError("请选择接待陪访的领导", "person")
    if not loggable_people(acting_user).filter(pk=person.pk).exists():
        raise DisciplineRuleError("只能为本单位的乡镇、平台主要负责人记录接待陪访", "person")
    if on_date is None:
        raise DisciplineRuleError("请填写日期", "on_date")
    if on_date > today:
        raise DisciplineRuleError("日期不能晚于今天", "on_date")
    if kind not in Kind.values:
        raise DisciplineRuleError("请选择接待或陪访", "kind")
    guest = (guest or "").strip()[:120]
    if not guest:
        raise DisciplineRuleError("请填写来访单位或对象", "guest")
    if minutes is None or minutes <= 0:
        raise DisciplineRuleError("时长应大于 0", "hours")
    if minutes > MINUTES_PER_DAY:
        raise DisciplineRuleError("一次接待陪访不能超过一天（24 小时），请按天分开记录", "hours")
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one writer per person
    logged = (
        ReceptionLog.objects.filter(person=person, on_date=on_date).aggregate(m=Sum("minutes"))["m"]
        or 0
    )
    if logged + minutes > MINUTES_PER_DAY:
        left = Decimal(MINUTES_PER_DAY - logged) / 60
        raise DisciplineRuleError(
            f"{person.name}{on_date:%Y-%m-%d}已记录 {Decimal(logged) / 60:.1f} 小时，"
            f"一天合计不能超过 24 小时（最多还能记录 {left:.1f} 小时）",
            "hours",
        )
    return ReceptionLog.objects.create(
        region_id=person.region_id,
        person=person,
        on_date=on_date,
        minutes=minutes,
        kind=kind,
        guest=guest,
        note=(note or "").strip()[:200],
        recorded_by=acting_user,
    )


@transaction.atomic
def reception_target_set(
    *, acting_user: User, year: int, reduction_percent: Decimal | None
) -> ReceptionTarget:
    """The county (principal leaders or the supervision office) sets the year's cut."""
    if not scope_of(acting_user).has(*TARGET_SETTERS):
        raise DisciplineRuleError("只有主要领导或督查室可以设定压减目标", None)
    region_id = home_region_id(acting_user)
    if region_id is None:
        raise DisciplineRuleError("无法确定您所在的县，不能设定目标", None)
    if reduction_percent is None or not Decimal("0") < reduction_percent < Decimal("100"):
        raise DisciplineRuleError("压减比例应大于 0 且小于 100", "reduction_percent")
    target, _ = ReceptionTarget.objects.update_or_create(
        region_id=region_id,
        year=year,
        defaults={"reduction_percent": reduction_percent, "set_by": acting_user},
    )
    return target


# --- Monthly totals -------------------------------------------------------------------------


def _hours(minutes: int | None) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class MonthRow:
    """One month: this year's hours against the same month of last year and the target."""

    month: int
    hours: Decimal | None  # None: a month still to come
    last_year: Decimal
    target: Decimal | None  # last year's hours less the reduction; None without a target
    partial: bool = False  # the month under way: compared with a whole month of last year

    @property
    def change_percent(self) -> Decimal | None:
        if self.hours is None or not self.last_year:
            return None
        return ((self.hours - self.last_year) / self.last_year * 100).quantize(Decimal("0.1"))

    @property
    def over_target(self) -> bool:
        return self.hours is not None and self.target is not None and self.hours > self.target


def monthly_totals(
    logs: QuerySet, year: int, today: dt.date, target: ReceptionTarget | None
) -> list[MonthRow]:
    """Twelve rows of ``year`` from the logs given (already scoped)."""
    sums = {
        (row["y"], row["m"]): row["minutes"]
        for row in logs.filter(on_date__year__in=[year, year - 1])
        .annotate(y=ExtractYear("on_date"), m=ExtractMonth("on_date"))
        .values("y", "m")
        .annotate(minutes=Sum("minutes"))
    }
    cut = (Decimal(100) - target.reduction_percent) / 100 if target else None
    rows = []
    for month in range(1, 13):
        future = (year, month) > (today.year, today.month)
        last = _hours(sums.get((year - 1, month)))
        rows.append(
            MonthRow(
                month=month,
                hours=None if future else _hours(sums.get((year, month))),
                last_year=last,
                target=(last * cut).quantize(Decimal("0.1")) if cut is not None else None,
                partial=(year, month) == (today.year, today.month),
            )
        )
    return rows


@dataclass
class PersonTotal:
    person: Person
    hours: Decimal
    last_year: Decimal
    entries: int


def totals_by_person(logs: QuerySet, year: int, today: dt.date) -> list[PersonTotal]:
    """Year to date per head, against the same span of last year, most hours first: both
    spans summed in one grouped query."""
    end = today if today.year == year else dt.date(year, 12, 31)
    try:
        last_end = end.replace(year=year - 1)
    except ValueError:  # 29 February
        last_end = end.replace(year=year - 1, day=28)
    this_span = Q(on_date__gte=dt.date(year, 1, 1), on_date__lte=end)
    last_span = Q(on_date__gte=dt.date(year - 1, 1, 1), on_date__lte=last_end)
    now, entries, before = {}, {}, {}
    for row in (
        logs.filter(this_span | last_span)
        .order_by()
        .values("person_id")
        .annotate(
            m=Sum("minutes", filter=this_span),
            n=Count("id", filter=this_span),
            b=Sum("minutes", filter=last_span),
        )
    ):
        person_id = row["person_id"]
        if row["n"]:
            now[person_id], entries[person_id] = row["m"], row["n"]
        if row["b"] is not None:
            before[person_id] = row["b"]
    people = Person.objects.filter(pk__in=set(now) | set(before)).select_related("unit")
    rows = [
        PersonTotal(p, _hours(now.get(p.pk)), _hours(before.get(p.pk)), entries.get(p.pk, 0))
        for p in people
    ]
    return sorted(rows, key=lambda r: (-r.hours, r.person.unit.order if r.person.unit else 0))
