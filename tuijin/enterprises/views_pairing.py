"""Pairing and visit pages: 我的包联, an enterprise's visits, the visit form, coverage."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tuijin.core.models import Person
from tuijin.core.permissions import role_required
from tuijin.core.roles import GOVERNMENT, Role
from tuijin.core.scoping import get_visible_or_404, scope_of

from .forms_pairing import PairingForm, VisitForm
from .models import KEEPERS, Enterprise, Pairing, Visit, VisitOpinion
from .pairing import LEADER_UNIT_LABEL, coverage, pairing_create, pairing_end, tally, visit_record

COVERAGE_ROLES = (Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION)
PICKER_LIMIT = 30


def _today() -> dt.date:
    return dt.date.today()


def _visitable(user):
    """Enterprises the user may record a visit to: those they see, and those they are paired with."""
    scope = scope_of(user)
    q = Q(pk__in=Enterprise.objects.visible_to(user).values("pk"))
    if scope.person_id:
        q |= Q(pairings__person_id=scope.person_id)
    return Enterprise.objects.filter(q).distinct()


@role_required(GOVERNMENT)
@require_GET
def pairing_mine(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    rows = []
    if scope.person_id:
        rows = coverage(None, _today(), Pairing.objects.filter(person_id=scope.person_id))
        rows.sort(key=lambda r: ({"overdue": 0, "never": 1, "due": 2}.get(r.state, 3), r.next_due))
    return render(
        request,
        "enterprises/pairing_mine.html",
        {"rows": rows, "has_person": bool(scope.person_id)},
    )


@role_required(GOVERNMENT)
@require_GET
def enterprise_visits(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_object_or_404(_visitable(request.user).select_related("host_unit"), pk=pk)
    today = _today()
    pairings = coverage(None, today, Pairing.objects.filter(enterprise=enterprise))
    # Each opinion with the request it became, in the opinions' own query.
    opinions = Prefetch("opinions", VisitOpinion.objects.select_related("appeal"))
    visits = (
        Visit.objects.filter(enterprise=enterprise)
        .prefetch_related("visitors", opinions)
        .select_related("recorded_by")[:100]
    )
    keeper = scope_of(request.user).has(*KEEPERS)
    pairing_form = None
    if keeper:
        pairing_form = PairingForm(region_id=enterprise.region_id, initial={"started_on": today})
    context = {
        "enterprise": enterprise,
        "pairings": pairings,
        "visits": visits,
        "can_pair": keeper,
        "pairing_form": pairing_form,
        # Read once: looping over the field's choices (or ``list`` of them) counts them first.
        "person_choices": list(iter(pairing_form.fields["person"].choices)) if keeper else [],
    }
    return render(request, "enterprises/visit_list.html", context)


@role_required(KEEPERS)
@require_POST
def pairing_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The project office pairs someone with the enterprise (包联), from its visits page."""
    enterprise = get_visible_or_404(Enterprise.objects.all(), request.user, pk=pk)
    form = PairingForm(request.POST, region_id=enterprise.region_id)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("enterprises:visits", pk=enterprise.pk)
    data = form.cleaned_data
    try:
        pairing = pairing_create(
            enterprise,
            data["person"],
            started_on=data["started_on"],
            frequency_days=data["frequency_days"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request, f"已安排{pairing.person.name}包联，{pairing.get_frequency_days_display()}走访"
        )
    return redirect("enterprises:visits", pk=enterprise.pk)


@role_required(KEEPERS)
@require_POST
def pairing_stop(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = get_object_or_404(
        Pairing.objects.visible_to(request.user).select_related("person"), pk=pk, active=True
    )
    try:
        pairing_end(pairing)
    except ValidationError as exc:  # someone ended it a moment ago
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已结束{pairing.person.name}的包联")
    return redirect("enterprises:visits", pk=pairing.enterprise_id)


@role_required(GOVERNMENT)
@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest) -> HttpResponse:
    today = _today()
    visitable = _visitable(request.user)
    enterprise_id = request.GET.get("enterprise") or request.POST.get("enterprise")
    if not (enterprise_id or "").isdigit():
        query = request.GET.get("q", "").strip()
        scope = scope_of(request.user)
        mine = visitable.filter(pairings__person_id=scope.person_id) if scope.person_id else []
        found = visitable.search(query)[:PICKER_LIMIT] if query else []
        context = {"query": query, "found": found, "mine": mine}
        return render(request, "enterprises/visit_pick.html", context)
    enterprise = get_object_or_404(visitable.select_related("host_unit"), pk=int(enterprise_id))
    scope = scope_of(request.user)
    people = (
        Person.objects.filter(
            Q(pk=scope.person_id) | Q(pairings__enterprise=enterprise), region=enterprise.region
        )
        .distinct()
        .select_related("unit")
    )
    initial = {"visited_on": today, "visitors": [scope.person_id] if scope.person_id else []}
    form = VisitForm(request.POST or None, people=people, today=today, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit_record(
                enterprise,
                visitors=data["visitors"],
                visited_on=data["visited_on"],
                situation=data["situation"],
                measures=data["measures"],
                opinions=form.opinions(),
                acting_user=request.user,
                today=today,
            )
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, f"已记录对「{enterprise.name}」的走访")
            return redirect("enterprises:visits", pk=enterprise.pk)
    return render(request, "enterprises/visit_form.html", {"form": form, "enterprise": enterprise})


@role_required(COVERAGE_ROLES)
@require_GET
def coverage_page(request: HttpRequest) -> HttpResponse:
    today = _today()
    pairings = Pairing.objects.visible_to(request.user)
    rows = coverage(None, today, pairings)
    person = request.GET.get("person", "")
    unit = request.GET.get("unit", "")
    state = request.GET.get("state", "")
    detail = None
    if person or unit:
        detail = [
            r
            for r in rows
            if (not person or str(r.pairing.person_id) == person)
            and (not unit or r.unit_label == unit)
            and (not state or r.state == state)
        ]
    context = {
        "today": today,
        "by_person": tally(rows, "person"),
        "by_unit": tally(rows, "unit"),
        "total": len(rows),
        "detail": detail,
        "person": person,
        "unit": unit,
        "state": state,
        "leader_label": LEADER_UNIT_LABEL,
    }
    return render(request, "enterprises/coverage.html", context)
