"""The league table page (比学赶超) and the supervision office's weights form.

The table is published to every government role; a township or platform sees its own row
highlighted. Each component links to the records behind it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tuijin.core.models import Person, Region
from tuijin.core.permissions import role_required
from tuijin.core.roles import GOVERNMENT, Role
from tuijin.core.scoping import scope_of
from tuijin.projects.models import Light

from . import league
from .league import LABELS, REPORT_GRACE_DAYS, LeagueError

WEIGHT_EDITORS = (Role.SUPERVISION,)


def _region(request: HttpRequest) -> Region | None:
    """The user's county: their account's region, or their directory entry's."""
    user = request.user
    region_id = getattr(user, "region_id", None)
    if region_id is None:
        region_id = Person.objects.filter(user=user).values_list("region_id", flat=True).first()
    if region_id is None:
        scope = scope_of(user)
        return Region.objects.filter(pk__in=scope.region_ids).order_by("code").first()
    return Region.objects.filter(pk=region_id).first()


def _links(unit_id: int, projects: str, orders: str) -> dict[str, str]:
    return {
        "investment": f"{projects}?{urlencode({'unit': unit_id})}",
        "green": f"{projects}?{urlencode({'unit': unit_id, 'light': Light.GREEN})}",
        "reports": f"{projects}?{urlencode({'unit': unit_id})}",
        "closure": f"{orders}?{urlencode({'unit': unit_id})}",
    }


@role_required(GOVERNMENT)
def league_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    error = None
    try:
        period = league.parse_period(request.GET.get("period"), today)
    except LeagueError as exc:
        error = str(exc)
        period = league.parse_period(None, today)
    region = _region(request)
    rows, weights = [], dict(league.DEFAULT_WEIGHTS)
    if region is not None:
        table = league.table_for(region, period, today)
        rows, weights = table.rows, table.weights
    projects, orders = reverse("projects:list"), reverse("supervision:list")
    for row in rows:
        row.links = _links(row.unit.pk, projects, orders)
        for component in row.components:
            component.url = row.links[component.key]
    scope = scope_of(request.user)
    chart = {
        "units": [r.unit.name for r in rows if r.score is not None],
        "scores": [float(r.score) for r in rows if r.score is not None],
        "own": [r.unit.pk == scope.unit_id for r in rows if r.score is not None],
    }
    previous = period.previous()
    return render(
        request,
        "supervision/league.html",
        {
            "title": "比学赶超",
            "period": period,
            "previous": previous,
            "period_error": error,
            "rows": rows,
            "weights": [(key, LABELS[key], weights[key]) for key in LABELS],
            "grace_days": REPORT_GRACE_DAYS,
            "own_unit_id": scope.unit_id,
            "can_edit_weights": scope.has(*WEIGHT_EDITORS),
            "chart_data": chart,
            "region": region,
        },
    )


@role_required(WEIGHT_EDITORS)
@require_http_methods(["GET", "POST"])
def league_weights(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    current = league.weights_for(region) if region else dict(league.DEFAULT_WEIGHTS)
    values, error = current, None
    if request.method == "POST" and region is not None:
        values = {key: request.POST.get(key, "") for key in LABELS}
        try:
            league.weights_save(region, values, request.user)
        except LeagueError as exc:
            error = str(exc)
        else:
            messages.success(request, "比学赶超权重已保存")
            return redirect("supervision:league")
    fields = [(key, LABELS[key], values.get(key, "")) for key in LABELS]
    return render(
        request,
        "supervision/league_weights.html",
        {"title": "比学赶超权重", "fields": fields, "error": error, "region": region},
    )
