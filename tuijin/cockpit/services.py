"""The cockpit's figures: a fixed handful of aggregate queries, whatever the number of projects.

Every figure is computed from the same filtered set of projects that the project list shows for
the same filters, so a number on the cockpit and the rows behind it always agree. Money is
``Decimal`` in 万元, summed by the database from the stored records (reports and plans), never
rounded before the sum.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from tuijin.core.models import Region, Unit
from tuijin.projects.lights import elapsed_share
from tuijin.projects.models import (
    STAGE_ORDER,
    AnnualPlan,
    Light,
    Problem,
    ProgressReport,
    ProjectPerson,
    Stage,
)

ZERO = Decimal("0")
LAGGING_LIMIT = 10
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
LIGHT_RANK = Case(
    When(light=Light.RED, then=Value(3)),
    When(light=Light.YELLOW, then=Value(2)),
    When(light=Light.GREEN, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


def year_share(today: dt.date, year: int) -> Decimal:
    """序时进度 of ``year`` on ``today``: ended months / 12 this year, all of a past year."""
    if year < today.year:
        return Decimal(1)
    if year > today.year:
        return ZERO
    return elapsed_share(today)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to one decimal place (None when ``whole`` is 0)."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"))


def _stages_and_lights(projects: QuerySet) -> tuple[list[dict], dict, dict]:
    """One query: count and investment per stage, and projects per light (active only)."""
    by_stage = {s: {"count": 0, "investment": ZERO} for s in Stage.values}
    lights = {light: 0 for light in Light.values}
    rows = projects.order_by().values("stage", "light").annotate(n=Count("id"))
    rows = rows.annotate(inv=Sum("total_investment"))
    for row in rows:
        by_stage[row["stage"]]["count"] += row["n"]
        by_stage[row["stage"]]["investment"] += row["inv"] or ZERO
        if row["stage"] != Stage.DROPPED:
            lights[row["light"]] += row["n"]
    funnel = [{"stage": s.value, "label": s.label, **by_stage[s.value]} for s in STAGE_ORDER]
    dropped = {"stage": Stage.DROPPED.value, "label": Stage.DROPPED.label}
    dropped.update(by_stage[Stage.DROPPED])
    return funnel, dropped, lights


def _lights_by_unit(projects: QuerySet) -> list[dict]:
    """One query: red, yellow and green projects of each host township and platform."""
    rows = (
        projects.exclude(stage=Stage.DROPPED)
        .filter(host_unit__kind__in=[Unit.Kind.TOWNSHIP, Unit.Kind.PLATFORM])
        .order_by()
        .values("host_unit_id", "host_unit__name", "host_unit__kind", "host_unit__order", "light")
        .annotate(n=Count("id"))
    )
    units: dict[int, dict] = {}
    for row in rows:
        unit = units.setdefault(
            row["host_unit_id"],
            {
                "unit_id": row["host_unit_id"],
                "name": row["host_unit__name"],
                "kind": row["host_unit__kind"],
                "order": row["host_unit__order"],
                **{light: 0 for light in Light.values},
            },
        )
        unit[row["light"]] += row["n"]
    # Townships first, then platforms; within each the directory's order.
    return sorted(
        units.values(),
        key=lambda u: (u["kind"] != Unit.Kind.TOWNSHIP, u["order"], u["unit_id"]),
    )


def _lights_by_area(projects: QuerySet, areas: list, owner: dict[int, int]) -> list[dict]:
    """One query: red, yellow and green projects of each county (or city) below a city's
    (or province's) cockpit, for its officials to compare areas and drill down."""
    by_area = {
        area.pk: {"region_id": area.pk, "name": area.name, **{light: 0 for light in Light.values}}
        for area in areas
    }
    rows = (
        projects.exclude(stage=Stage.DROPPED)
        .order_by()
        .values("region_id", "light")
        .annotate(n=Count("id"))
    )
    for row in rows:
        area = owner.get(row["region_id"])
        if area is not None:
            by_area[area][row["light"]] += row["n"]
    return list(by_area.values())


def _monthly(projects: QuerySet, today: dt.date, year: int, plan: Decimal) -> list[dict]:
    """One query: investment reported per month of ``year``, running total and the 序时 line."""
    # Grouped by the period itself (at most 53 a year) and bucketed into months here: a month
    # extracted per row in SQL costs a function call per report on SQLite.
    rows = (
        ProgressReport.objects.filter(project__in=projects, period__year=year)
        .order_by()
        .values("period")
        .annotate(total=Sum("invested"))
    )
    per_month: dict[int, Decimal] = {}
    for row in rows:
        month = row["period"].month
        per_month[month] = per_month.get(month, ZERO) + (row["total"] or ZERO)
    months, running = [], ZERO
    for month in range(1, 13):
        invested = per_month.get(month, ZERO)
        running += invested
        future = (year, month) > (today.year, today.month)
        months.append(
            {
                "month": month,
                "invested": None if future and not invested else invested,
                "cumulative": None if future else running,
                "timeline": (plan * month / 12).quantize(Decimal("0.01")),
            }
        )
    return months


def _lagging(projects: QuerySet, year: int, share: Decimal) -> list[dict]:
    """Two queries: the started projects furthest behind 序时 this year, red first."""
    if not share:
        return []
    plan = AnnualPlan.objects.filter(project=OuterRef("pk"), year=year).values(
        "planned_investment"
    )[:1]
    done = (
        ProgressReport.objects.filter(project=OuterRef("pk"), period__year=year)
        .order_by()
        .values("project")
        .annotate(total=Sum("invested"))
        .values("total")
    )
    rows = (
        projects.filter(stage=Stage.STARTED)
        .annotate(
            plan=Subquery(plan, output_field=MONEY_FIELD),
            done=Coalesce(
                Subquery(done, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD
            ),
        )
        .filter(plan__gt=0)
        .annotate(
            ratio=ExpressionWrapper(
                Cast("done", FloatField()) / Cast(F("plan"), FloatField()),
                output_field=FloatField(),
            ),
            light_rank=LIGHT_RANK,
        )
        .filter(ratio__lt=float(share))
        .select_related("contact_leader", "host_unit", "lead_department")
        .prefetch_related(Prefetch("responsibles", ProjectPerson.objects.select_related("person")))
        .order_by("-light_rank", "ratio", "id")[:LAGGING_LIMIT]
    )
    lagging = []
    for project in rows:
        completion = percent(project.done, project.plan) or ZERO
        lagging.append(
            {
                "project": project,
                "plan": project.plan,
                "done": project.done,
                "completion_pct": completion,
                "gap_points": (share * 100).quantize(Decimal("0.1")) - completion,
                "responsibles": [r.person for r in project.responsibles.all()],
            }
        )
    return lagging


def _problems(projects: QuerySet, today: dt.date) -> dict:
    """One query: problems not yet solved, and those past their deadline."""
    return (
        Problem.objects.filter(project__in=projects)
        .exclude(status=Problem.Status.RESOLVED)
        .aggregate(
            open=Count("id"),
            overdue=Count("id", filter=Q(deadline__lt=today)),
        )
    )


def orders_by_status(orders: QuerySet, today: dt.date) -> dict:
    """One query: supervision orders and assignments per status, and the open ones overdue.

    ``orders`` is already scoped (``SupervisionOrder.objects.visible_to``) and filtered; the
    counts are the rows the order list shows for ``?status=…`` and ``?overdue=1``.
    """
    from tuijin.supervision.models import SupervisionOrder

    statuses = SupervisionOrder.Status
    counts = orders.order_by().aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Q(deadline__lt=today) & ~Q(status=statuses.ACCEPTED)),
        **{status.value: Count("id", filter=Q(status=status)) for status in statuses},
    )
    return {
        "total": counts["total"],
        "open": counts["total"] - counts[statuses.ACCEPTED],
        "overdue": counts["overdue"],
        "by_status": [
            {"status": status.value, "label": status.label, "count": counts[status.value]}
            for status in statuses
        ],
    }


def cockpit_figures(
    projects_qs: QuerySet, today: dt.date, year: int, region: Region | None = None
) -> dict:
    """Every figure of the cockpit for ``projects_qs`` (already scoped and filtered).

    Seven queries for any number of projects: stages and lights, lights by unit, the year's
    plan, investment by month, the lagging projects and their responsible persons, problems.
    Above a county (``region`` a city or province) lights are broken down by the areas one
    level down instead of by unit (two more queries for the region tree).
    """
    projects = projects_qs.order_by()
    by_unit = region is None or region.is_county
    areas, owner = ([], {}) if by_unit else region.areas_below()
    funnel, dropped, lights = _stages_and_lights(projects)
    plan = (
        AnnualPlan.objects.filter(project__in=projects, year=year).aggregate(
            total=Sum("planned_investment")
        )["total"]
        or ZERO
    )
    monthly = _monthly(projects, today, year, plan)
    completed = sum((m["invested"] or ZERO for m in monthly), ZERO)
    share = year_share(today, year)
    elapsed_pct = (share * 100).quantize(Decimal("0.1"))
    completion_pct = percent(completed, plan)
    active = sum(s["count"] for s in funnel)
    totals = {
        "projects": active + dropped["count"],
        "active": active,
        "dropped": dropped["count"],
        "total_investment": sum((s["investment"] for s in funnel), ZERO),
        "year_plan": plan,
        "year_completed": completed,
        "completion_pct": completion_pct,
        "elapsed_pct": elapsed_pct,
        "timeline_amount": (plan * share).quantize(Decimal("0.01")),
        # Points behind 序时 (negative: ahead), and the investment it would take to catch up.
        "gap_points": None if completion_pct is None else elapsed_pct - completion_pct,
        "gap_amount": (plan * share).quantize(Decimal("0.01")) - completed,
        "lights": lights,
    }
    return {
        "year": year,
        "today": today,
        "elapsed_share": share,
        "funnel": funnel,
        "dropped": dropped,
        "lights_by_unit": _lights_by_unit(projects) if by_unit else [],
        "lights_by_area": [] if by_unit else _lights_by_area(projects, areas, owner),
        "monthly": monthly,
        "totals": totals,
        "lagging": _lagging(projects, year, share),
        "problems": _problems(projects, today),
    }
