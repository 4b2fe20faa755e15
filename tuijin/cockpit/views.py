"""The cockpit page and its big-screen mode: the same figures, two layouts.

Both read the user's visible projects through the project list's own filters, so a figure and
the list it links to (``/projects/?stage=…&light=…&unit=…``) show the same records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from tuijin.core import stamps
from tuijin.core.models import Region, Unit
from tuijin.core.permissions import role_required
from tuijin.core.scoping import home_region_id, scope_of
from tuijin.projects.filters import ProjectFilterSet
from tuijin.projects.models import Light, Project, Stage
from tuijin.supervision import league
from tuijin.supervision.models import SupervisionOrder

from .menu import COCKPIT_VIEWERS
from .services import cockpit_figures, orders_by_status

BASE_FILTERS = ("region", "unit", "level", "category")
LIGHT_COLORS = {Light.RED: "#d63939", Light.YELLOW: "#f2b01e", Light.GREEN: "#2fb344"}


class CockpitFilterSet(ProjectFilterSet):
    """The list's region, unit, level and category filters, limited to what the user sees.

    ``focus`` is the region the cockpit looks at: the one chosen (a county a city official
    drilled into), else the user's own. Units to choose from are those of a county in focus.
    """

    class Meta(ProjectFilterSet.Meta):
        fields = list(BASE_FILTERS)

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.filters):
            if name not in BASE_FILTERS:
                del self.filters[name]
        self.focus = None
        self.user = user
        if user is not None:
            regions = Region.objects.visible_to(user)
            self.filters["region"].queryset = regions
            chosen = str(self.data.get("region") or "")
            focus_id = int(chosen) if chosen.isdigit() else home_region_id(user)
            self.focus = regions.filter(pk=focus_id).first() if focus_id else None
            units = Unit.objects.visible_to(user)
            if self.focus is not None:
                units = units.filter(region_id__in=Region.subtree_ids(self.focus.pk))
            self.filters["unit"].queryset = units

    @property
    def per_unit(self) -> bool:
        """Whether the cockpit breaks figures down by unit (a county) or by area (above)."""
        return self.focus is None or self.focus.is_county

    def trail(self) -> list[Region]:
        """The focus and the regions above it that the user may see, top first (a parent
        outside the scope is not even read)."""

        def visible(region_id: int | None) -> bool:
            return region_id is not None and (scope.is_admin or region_id in scope.region_ids)

        scope = scope_of(self.user)
        trail, region = [], self.focus
        while region is not None and visible(region.pk):
            trail.insert(0, region)
            region = region.parent if visible(region.parent_id) else None
        return trail


def _year(request: HttpRequest, today: dt.date) -> int:
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        return today.year
    return year if 2000 <= year <= 2100 else today.year


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class Links:
    """URLs of the project list for a figure: the cockpit's filters plus the figure's own."""

    def __init__(self, filterset: CockpitFilterSet) -> None:
        data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
        self.base = {}
        for name in BASE_FILTERS:
            value = data.get(name)
            if value:
                self.base[name] = value.pk if hasattr(value, "pk") else value
        self.list_url = reverse("projects:list")

    def __call__(self, **extra) -> str:
        params = {**self.base, **{k: v for k, v in extra.items() if v is not None}}
        return f"{self.list_url}?{urlencode(params)}" if params else self.list_url


# What the areas one level below a city or province are called on the cockpit.
AREA_NOUN = {Region.Level.CITY: "县（市、区）", Region.Level.PROVINCE: "市"}

ORDER_COLORS = {
    SupervisionOrder.Status.ISSUED: "#5b8ff9",
    SupervisionOrder.Status.SIGNED: "#61ddaa",
    SupervisionOrder.Status.RESPONDED: "#f6bd16",
    SupervisionOrder.Status.RETURNED: "#e8684a",
    SupervisionOrder.Status.ACCEPTED: "#8fa3c7",
}
LEAGUE_ROWS = 10


def _orders(request: HttpRequest, filterset: CockpitFilterSet, today: dt.date) -> dict:
    """Orders and assignments the user may see, of the chosen region and unit when chosen."""
    orders = SupervisionOrder.objects.visible_to(request.user)
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    unit = data.get("unit")
    if data.get("region"):
        orders = orders.filter(region_id__in=Region.subtree_ids(data["region"].pk))
    if unit:
        orders = orders.filter(unit=unit)
    figures = orders_by_status(orders, today)
    base = reverse("supervision:list")
    extra = {"unit": unit.pk} if unit else {}
    for row in figures["by_status"]:
        row["url"] = f"{base}?{urlencode({**extra, 'status': row['status']})}"
        row["color"] = ORDER_COLORS[row["status"]]
    figures["url"] = f"{base}?{urlencode(extra)}" if extra else base
    figures["overdue_url"] = f"{base}?{urlencode({**extra, 'overdue': 'on'})}"
    return figures


def _league(focus: Region | None, today: dt.date) -> dict:
    """The last complete month's league table of the county in focus, as on its own page.

    Townships of different counties are not ranked together: above a county there is none.
    """
    period = league.parse_period(None, today)
    region = focus if focus is not None and focus.is_county else None
    rows = league.league_table(region, period.start, period.end, today) if region else []
    ranked = [row for row in rows if row.score is not None]
    url = f"{reverse('supervision:league')}?{urlencode({'period': period.code})}"
    return {"period": period, "rows": ranked[:LEAGUE_ROWS], "count": len(ranked), "url": url}


def _drives(request: HttpRequest, focus: Region | None, today: dt.date, year: int) -> dict:
    """The drive running today (countdown, each county target's actual against plan) and the
    year's annual targets against the time elapsed, with the pages they come from.

    Drives and annual targets are a county's own: above a county (a city's or province's
    official) they are shown once a county is chosen, like the league table, rather than
    every county's targets one after another.
    """
    from tuijin.drives import services as drives
    from tuijin.drives.models import AnnualTarget

    annual_url = f"{reverse('drives:annual')}?{urlencode({'year': year})}"
    if focus is not None and not focus.is_county:
        return {"drive": None, "annual": [], "annual_url": annual_url}
    drive = None
    campaign = drives.running_drive(request.user, today, focus)
    if campaign is not None:
        figures = drives.drive_figures(campaign, today)
        drive = {
            "campaign": campaign,
            "status": figures["status"],
            "targets": figures["drive_targets"] or figures["targets"],
            "url": reverse("drives:detail", args=[campaign.pk]),
        }
    targets = AnnualTarget.objects.visible_to(request.user).filter(year=year)
    if focus is not None:
        targets = targets.filter(region=focus)
    return {
        "drive": drive,
        "annual": drives.annual_figures(list(targets), today),
        "annual_url": annual_url,
    }


# Kinds of data the cockpit's figures are computed from: a committed write to any of them
# moves its stamp (the models of each kind: ``core.stamps.KINDS``) and the next view
# recomputes. The drive's and the year's targets also count visits, requests and leads.
SOURCES = ("directory", "projects", "supervision", "drives", "enterprises", "appeals", "outreach")


def _computed(request: HttpRequest, filterset: CockpitFilterSet, today: dt.date, year: int):
    """The aggregates of the page, computed once per change of the data under them.

    The key is everything the figures depend on: the scope (roles, regions, unit), the query
    string, the day and the year; the stamps make a cached answer unreachable after a write.
    """
    scope = scope_of(request.user)
    key = repr(
        (
            sorted(scope.roles),
            scope.is_admin,
            sorted(scope.region_ids),
            scope.unit_id,
            scope.person_id,
            sorted(request.GET.lists()),
            today.isoformat(),
            year,
        )
    )

    def compute() -> dict:
        return {
            "figures": cockpit_figures(filterset.qs, today, year, filterset.focus),
            "orders": _orders(request, filterset, today),
            "ranking": _league(filterset.focus, today),
            **_drives(request, filterset.focus, today, year),
        }

    return stamps.cached(SOURCES, key, compute)


def _context(request: HttpRequest) -> dict:
    today = dt.date.today()
    year = _year(request, today)
    projects = Project.objects.visible_to(request.user)
    filterset = CockpitFilterSet(request.GET or None, queryset=projects, user=request.user)
    computed = _computed(request, filterset, today, year)
    figures, orders, ranking = computed["figures"], computed["orders"], computed["ranking"]
    link = Links(filterset)
    totals = figures["totals"]
    for stage in [*figures["funnel"], figures["dropped"]]:
        stage["url"] = link(stage=stage["stage"])
    for unit in figures["lights_by_unit"]:
        unit["url"] = link(unit=unit["unit_id"])
        unit["urls"] = {light: link(unit=unit["unit_id"], light=light) for light in LIGHT_COLORS}
    cockpit_url = reverse(request.resolver_match.view_name)
    drill = {name: value for name, value in request.GET.items() if name in ("level", "category")}
    for area in figures["lights_by_area"]:
        area["url"] = f"{cockpit_url}?{urlencode({**drill, 'region': area['region_id']})}"
        area["urls"] = {light: area["url"] for light in LIGHT_COLORS}
    trail = [
        {"name": region.name, "url": f"{cockpit_url}?{urlencode({**drill, 'region': region.pk})}"}
        for region in filterset.trail()
    ]
    parts = figures["lights_by_unit"] or figures["lights_by_area"]
    for row in figures["lagging"]:
        row["url"] = reverse("projects:detail", args=[row["project"].pk])
    links = {
        "projects": link(),
        "active": link(),
        "red": link(light=Light.RED),
        "yellow": link(light=Light.YELLOW),
        "green": link(light=Light.GREEN),
        "started": link(stage=Stage.STARTED),
        "dropped": link(stage=Stage.DROPPED),
        "year": link(year=year),
    }
    chart_data = {
        "year": year,
        "funnel": [
            {
                "name": s["label"],
                "count": s["count"],
                "investment": _money(s["investment"]),
                "url": s["url"],
            }
            for s in figures["funnel"]
        ],
        "lights": {
            "units": [u["name"] for u in parts],
            "series": [
                {
                    "key": light.value,
                    "name": light.label,
                    "color": color,
                    "data": [u[light.value] for u in parts],
                    "urls": [u["urls"][light.value] for u in parts],
                }
                for light, color in reversed(LIGHT_COLORS.items())
            ],
        },
        "monthly": {
            "months": [f"{m['month']}月" for m in figures["monthly"]],
            "invested": [_money(m["invested"]) for m in figures["monthly"]],
            "cumulative": [_money(m["cumulative"]) for m in figures["monthly"]],
            "timeline": [_money(m["timeline"]) for m in figures["monthly"]],
            "plan": _money(totals["year_plan"]),
            "url": links["year"],
        },
        "orders": [
            {"name": r["label"], "value": r["count"], "url": r["url"], "color": r["color"]}
            for r in orders["by_status"]
        ],
        "league": {
            # Best at the top of a horizontal bar chart: ECharts draws categories bottom-up.
            "units": [r.unit.name for r in reversed(ranking["rows"])],
            "scores": [float(r.score) for r in reversed(ranking["rows"])],
            "url": ranking["url"],
        },
    }
    return {
        "drive": computed["drive"],
        "annual": computed["annual"],
        "annual_url": computed["annual_url"],
        "figures": figures,
        "totals": totals,
        "orders": orders,
        "ranking": ranking,
        "links": links,
        "chart_data": chart_data,
        "filterset": filterset,
        "by_unit": filterset.per_unit,
        # A list, not the field's iterator: the template's loop would count, then read.
        "unit_choices": list(filterset.form.fields["unit"].choices) if filterset.per_unit else [],
        "trail": trail,
        "lights_title": "各乡镇、平台项目亮灯情况"
        if filterset.per_unit
        else f"{filterset.focus.name}各{AREA_NOUN.get(filterset.focus.level, '地区')}项目亮灯情况",
        "year": year,
        "years": range(today.year + 1, today.year - 5, -1),
        "today": today,
        "query": request.GET.urlencode(),
        "title": "领导驾驶舱",
    }


@role_required(COCKPIT_VIEWERS)
def index(request: HttpRequest) -> HttpResponse:
    """The cockpit inside the shell, with its filters."""
    return render(request, "cockpit/index.html", _context(request))


@role_required(COCKPIT_VIEWERS)
def screen(request: HttpRequest) -> HttpResponse:
    """The same figures on a dark 1920×1080 screen for the command room; reloads every 5 min."""
    return render(request, "cockpit/screen.html", _context(request))
