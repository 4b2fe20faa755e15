"""Pages of leaders going out: trips, leads with their timeline and conversion, reports, and
the weekly project-day table.

Views read through ``visible_to`` (a county leader sees their own trips and leads only) and
hand every change to the services.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tuijin.core.paging import page_for
from tuijin.core.permissions import role_required
from tuijin.core.scoping import get_visible_or_404, home_region_id, scope_of
from tuijin.core.versioning import StaleWrite, check_posted_version, posted_version

from . import projectday, reports, services
from .forms import ConvertForm, LeadForm, LeadUpdateForm, RuleForm, TripForm
from .menu import OUTREACH_VIEWERS, PROJECT_DAY_RULE_KEEPERS, PROJECT_DAY_VIEWERS
from .models import (
    COUNTY_OUTREACH_ROLES,
    OPEN_LEAD_STATUSES,
    Lead,
    LeadStatus,
    OutreachTrip,
    ProjectDayRule,
)

PAGE_SIZE = 25
EVENT_ICONS = {"created": "plus-circle", "stage": "signpost", "next": "arrow-right-circle"}
EVENT_ICONS["converted"] = "box-arrow-up-right"


def _year(request: HttpRequest, today: dt.date) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else today.year


# --- Trips --------------------------------------------------------------------------------


@role_required(OUTREACH_VIEWERS)
def trip_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    year = _year(request, today)
    trips = (
        OutreachTrip.objects.visible_to(request.user)
        .filter(start_date__year=year)
        .prefetch_related("leaders", "leads")
    )
    leader_id = request.GET.get("leader", "")
    if leader_id.isdigit():
        trips = trips.filter(leaders__id=int(leader_id))
    page = page_for(request, trips, PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "outreach/trip_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "year": year,
            "years": range(today.year, today.year - 4, -1),
            "leaders": services.leaders_for(request.user),
            "leader_id": leader_id,
        },
    )


def _lead_from_trip(request, form: TripForm, trip: OutreachTrip) -> Lead | None:
    data = form.cleaned_data
    if not data["lead_company"]:
        return None
    scope = scope_of(request.user)
    leaders = list(trip.leaders.order_by("order", "id"))
    owner = next((p for p in leaders if p.pk == scope.person_id), leaders[0])
    return services.lead_create(
        acting_user=request.user,
        owner=owner,
        title=data["lead_title"] or f"{data['lead_company']}投资项目",
        company=data["lead_company"],
        industry=data["lead_industry"],
        intended_investment=data["lead_investment"],
        next_step=data["lead_next_step"],
        trip=trip,
        created_on=trip.end_date,
    )


@role_required(OUTREACH_VIEWERS)
@require_http_methods(["GET", "POST"])
def trip_create(request: HttpRequest) -> HttpResponse:
    """A trip in a minute on a phone; a lead found there goes in with it."""
    leaders = services.leaders_for(request.user)
    me = scope_of(request.user).person_id
    initial = {"leaders": [me]} if me and leaders.filter(pk=me).exists() else {}
    form = TripForm(request.POST or None, initial=initial, leaders=leaders)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                trip = services.trip_log(
                    acting_user=request.user,
                    leaders=data["leaders"],
                    start_date=data["start_date"],
                    start_half=data["start_half"],
                    end_date=data["end_date"],
                    end_half=data["end_half"],
                    destination=data["destination"],
                    counterparts=data["counterparts"],
                    purpose=data["purpose"],
                    outcome=data["outcome"],
                )
                lead = _lead_from_trip(request, form, trip)
        except services.OutreachRuleError as exc:
            field = exc.field if exc.field in form.fields else None
            if exc.field in ("owner", "company", "title"):
                field = "lead_company"
            form.add_error(field, exc.message)
        else:
            text = f"已登记赴{trip.destination}外出（{trip.days_text}）"
            if lead is not None:
                text += f"，并登记项目线索「{lead.title}」"
            messages.success(request, text)
            return redirect("outreach:trip", pk=trip.pk)
    return render(request, "outreach/trip_form.html", {"form": form})


@role_required(OUTREACH_VIEWERS)
def trip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    trip = get_visible_or_404(OutreachTrip.objects.prefetch_related("leaders"), request.user, pk=pk)
    leads = Lead.objects.visible_to(request.user).filter(trip=trip).select_related("owner")
    return render(request, "outreach/trip_detail.html", {"trip": trip, "leads": leads})


# --- Leads --------------------------------------------------------------------------------


@role_required(OUTREACH_VIEWERS)
def lead_list(request: HttpRequest) -> HttpResponse:
    visible = Lead.objects.visible_to(request.user)
    counts = reports.status_counts(visible)
    status = request.GET.get("status", "")
    leads = visible.select_related("owner", "project", "trip")
    if status == "open":
        leads = leads.filter(status__in=OPEN_LEAD_STATUSES)
    elif status in LeadStatus.values:
        leads = leads.filter(status=status)
    else:
        status = ""
    leader_id = request.GET.get("leader", "")
    if leader_id.isdigit():
        leads = leads.filter(owner_id=int(leader_id))
    page = page_for(request, leads, PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    tabs = [("", "全部", sum(counts.values()))] + [
        (s.value, s.label, counts[s.value]) for s in LeadStatus
    ]
    return render(
        request,
        "outreach/lead_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "status": status,
            "tabs": tabs,
            "leaders": services.leaders_for(request.user),
            "leader_id": leader_id,
            "today": timezone.localdate(),
        },
    )


@role_required(OUTREACH_VIEWERS)
@require_http_methods(["GET", "POST"])
def lead_create(request: HttpRequest) -> HttpResponse:
    leaders = services.leaders_for(request.user)
    recent = OutreachTrip.objects.visible_to(request.user).order_by("-start_date")
    trips = OutreachTrip.objects.filter(pk__in=list(recent.values_list("pk", flat=True)[:50]))
    initial = {}
    scope = scope_of(request.user)
    if scope.person_id and leaders.filter(pk=scope.person_id).exists():
        initial["owner"] = scope.person_id
    trip_id = request.GET.get("trip", "")
    if trip_id.isdigit():
        trip = get_visible_or_404(OutreachTrip.objects.all(), request.user, pk=int(trip_id))
        initial["trip"] = trip.pk
    form = LeadForm(request.POST or None, initial=initial, leaders=leaders, trips=trips)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lead = services.lead_create(acting_user=request.user, **data)
        except services.OutreachRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已登记项目线索「{lead.title}」")
            return redirect("outreach:lead", pk=lead.pk)
    return render(request, "outreach/lead_form.html", {"form": form})


def _lead(request: HttpRequest, pk: int) -> Lead:
    base = Lead.objects.select_related("owner", "trip", "project", "created_by", "region")
    return get_visible_or_404(base, request.user, pk=pk)


@role_required(OUTREACH_VIEWERS)
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    events = lead.events.select_related("actor")
    timeline = [{"event": e, "icon": EVENT_ICONS.get(e.kind, "dot")} for e in events]
    can_change = services.can_change(request.user, lead)
    project = None
    if lead.project_id:
        from tuijin.projects.models import Project

        project = Project.objects.visible_to(request.user).filter(pk=lead.project_id).first()
    return render(
        request,
        "outreach/lead_detail.html",
        {
            "lead": lead,
            "timeline": timeline,
            "project": project,
            "can_update": can_change and lead.status != LeadStatus.CONVERTED,
            "can_convert": can_change and lead.is_open,
            "update_form": LeadUpdateForm(
                initial={
                    "status": lead.status,
                    "next_step": lead.next_step,
                    "next_date": lead.next_date,
                }
            ),
            "convert_form": ConvertForm(
                initial={"name": lead.title, "total_investment": lead.intended_investment}
            ),
        },
    )


@role_required(OUTREACH_VIEWERS)
@require_POST
def lead_update(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    form = LeadUpdateForm(request.POST)
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, errors)
        return redirect("outreach:lead", pk=lead.pk)
    try:
        services.lead_update(
            lead,
            acting_user=request.user,
            expected_version=posted_version(request),
            **form.cleaned_data,
        )
    except (services.OutreachRuleError, StaleWrite) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已更新线索进展")
    return redirect("outreach:lead", pk=lead.pk)


@role_required(OUTREACH_VIEWERS)
@require_POST
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    form = ConvertForm(request.POST)
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, errors)
        return redirect("outreach:lead", pk=lead.pk)
    try:
        check_posted_version(request, lead)  # the page showed the lead as it is now
        project = services.lead_convert(
            lead,
            acting_user=request.user,
            name=form.cleaned_data["name"],
            total_investment=form.cleaned_data["total_investment"],
        )
    except (services.OutreachRuleError, StaleWrite) as exc:
        messages.error(request, exc.message)
        return redirect("outreach:lead", pk=lead.pk)
    messages.success(request, f"已将线索转为在谈项目「{project.name}」，来源记入项目档案")
    return redirect("projects:detail", pk=project.pk)


# --- Reports ------------------------------------------------------------------------------


@role_required(OUTREACH_VIEWERS)
def report_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    year = _year(request, today)
    trips = OutreachTrip.objects.visible_to(request.user).filter(start_date__year=year)
    leads = Lead.objects.visible_to(request.user).filter(created_on__year=year)
    lines = reports.per_leader(trips, leads)
    scope = scope_of(request.user)
    if not scope.has(*COUNTY_OUTREACH_ROLES):  # a joint trip shows, but not the others' lines
        lines = [line for line in lines if line.person.pk == scope.person_id]
    stages = reports.funnel(leads)
    return render(
        request,
        "outreach/reports.html",
        {
            "year": year,
            "years": range(today.year, today.year - 4, -1),
            "lines": lines,
            "stages": stages,
            "chart_data": {"funnel": stages},
        },
    )


# --- The weekly project day ---------------------------------------------------------------


@role_required(PROJECT_DAY_VIEWERS)
def project_days(request: HttpRequest) -> HttpResponse:
    """The compliance table: principal leaders and the office see every county leader, a
    county leader their own row."""
    today = timezone.localdate()
    region_id = home_region_id(request.user)
    if region_id is None:
        raise PermissionDenied("您的账号没有所属县，无法查看项目日")
    scope = scope_of(request.user)
    weeks = request.GET.get("weeks", "8")
    weeks = min(max(int(weeks), 4), 26) if weeks.isdigit() else 8
    people = projectday.county_leaders(region_id)
    if not scope.has(*COUNTY_OUTREACH_ROLES):
        people = people.filter(pk=scope.person_id)
    table = projectday.compliance_table(region_id, today, weeks, people)
    can_tune = scope.has(*PROJECT_DAY_RULE_KEEPERS)
    return render(
        request,
        "outreach/project_days.html",
        {
            "table": table,
            "weeks": weeks,
            "today": today,
            "rule_form": RuleForm(instance=table.rule) if can_tune else None,
            "own_only": not scope.has(*COUNTY_OUTREACH_ROLES),
        },
    )


@role_required(PROJECT_DAY_RULE_KEEPERS)
@require_POST
def project_day_rule(request: HttpRequest) -> HttpResponse:
    region_id = home_region_id(request.user)
    if region_id is None:
        raise PermissionDenied("您的账号没有所属县")
    rule = ProjectDayRule.for_region(region_id)
    form = RuleForm(request.POST, instance=rule)
    if form.is_valid():
        try:
            form.save()
        except StaleWrite as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已保存：每周项目日不少于 {rule.days_per_week:g} 天")
    else:
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, errors)
    return redirect("outreach:project-days")
