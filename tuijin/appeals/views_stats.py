"""The statistics page: figures per lead unit for a month, quarter or year, and the trend."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tuijin.core.permissions import role_required
from tuijin.core.roles import Role
from tuijin.core.scoping import scope_of

from .models import AGGREGATE, COUNTY_APPEAL_ROLES, Appeal
from .stats import PERIOD_KINDS, current_period, parse_period, totals, trend, unit_stats

STATS_ROLES = (Role.PROJECT_OFFICE, Role.SUPERVISION, Role.PRINCIPAL, Role.LEADER, Role.UNIT_STAFF)
# Sortable columns: query value → (header, key of a row).
COLUMNS = {
    "unit": ("主办单位", lambda r: r.unit_name),
    "received": ("受理", lambda r: r.received),
    "accept": ("签收及时率", lambda r: r.accepted_on_time.value),
    "ontime": ("办结及时率", lambda r: r.resolved_on_time.value),
    "resolved": ("办结率", lambda r: r.resolution.value),
    "satisfaction": ("满意率", lambda r: r.satisfaction.value),
    "reopen": ("重办率", lambda r: r.reopen.value),
    "median": ("办结用时中位数", lambda r: r.median_days),
}


def stats_appeals(user) -> QuerySet:
    """The requests the reader's figures are made of (``AGGREGATE`` scope); a unit's staff
    see their unit's row, the requests it leads."""
    scope = scope_of(user)
    appeals = Appeal.objects.visible_to(user, AGGREGATE)
    if not scope.county_wide and scope.has(Role.UNIT_STAFF) and scope.unit_id:
        return appeals.filter(lead_unit_id=scope.unit_id)
    return appeals


def _sorted(rows: list, sort: str, descending: bool) -> list:
    key = COLUMNS[sort][1]
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]  # no data: always at the bottom
    return sorted(present, key=key, reverse=descending) + missing


@role_required(STATS_ROLES)
@require_GET
def appeal_stats(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    kind = request.GET.get("period", "month")
    try:
        period = parse_period(kind, request.GET.get("at", "").strip(), today)
    except ValueError as exc:
        messages.error(request, f"{exc}，已显示本{PERIOD_KINDS.get(kind, '月')[:1]}的数据")
        period = current_period(kind, today)
    sort = request.GET.get("sort", "unit")
    if sort not in COLUMNS:
        sort = "unit"
    descending = request.GET.get("dir") == "desc"
    appeals = stats_appeals(request.user)
    rows = _sorted(unit_stats(appeals, period.start, period.end, today=today), sort, descending)
    pool = reverse("appeals:list")
    for row in rows:
        row.links = {
            "all": f"{pool}?{urlencode({'unit': row.unit_id})}",
            "resolved": f"{pool}?{urlencode({'unit': row.unit_id, 'status': 'resolved'})}",
            "overdue": f"{pool}?{urlencode({'unit': row.unit_id, 'overdue': 1})}",
        }
    base = {"period": period.kind, "at": period.token}
    headers = []
    for key, (label, _) in COLUMNS.items():
        if key == sort:
            flip = "asc" if descending else "desc"
        else:
            flip = "asc" if key == "unit" else "desc"  # figures are read largest first
        headers.append(
            {
                "key": key,
                "label": label,
                "url": "?" + urlencode({**base, "sort": key, "dir": flip}),
                "active": key == sort,
                "descending": descending,
            }
        )
    series = trend(appeals, 12, today=today)
    context = {
        "period": period,
        "kinds": PERIOD_KINDS,
        "rows": rows,
        "total": totals(rows) if len(rows) > 1 else None,
        "headers": headers,
        "sort": sort,
        "previous_url": "?"
        + urlencode({"period": period.kind, "at": period.previous, "sort": sort}),
        "next_url": "?" + urlencode({"period": period.kind, "at": period.next, "sort": sort}),
        "next_disabled": period.end >= today,
        "chart_data": series,
        "has_trend": any(series["received"]) or any(series["resolved"]),
        "unit_only": not scope_of(request.user).has(*COUNTY_APPEAL_ROLES, Role.LEADER),
    }
    return render(request, "appeals/stats.html", context)
