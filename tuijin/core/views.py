"""Pages of the shell: home, directory, audit trail, calendar, and the error pages.

Views stay thin: they read through ``visible_to`` / ``get_visible_or_404`` and call services.
"""

from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from django.apps import apps
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from . import security, workdays
from .childrows import ChildRows, annotate, attach, loaded
from .directory_import import import_directory
from .forms import (
    PersonFilterForm,
    PersonForm,
    UnitFilterForm,
    WorkdayCountForm,
    WorkdayForm,
)
from .imports import preview_then_confirm
from .models import Notification, Person, PersonRole, SecurityEvent, Unit, WorkdayOverride
from .paging import page_for
from .panels import unit_panels, unit_rows
from .permissions import duty_required, role_required
from .roles import GOVERNMENT, Role
from .scoping import CHANGE, get_visible_or_404, scope_of
from .templatetags.tuijin import preload_audit
from .versioning import StaleWrite

PAGE_SIZE = 30


def _page(request: HttpRequest, queryset):
    return page_for(request, queryset, PAGE_SIZE)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Home ---------------------------------------------------------------------------------


def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitoring: the process answers, through the whole middleware.

    Also the framework floor of ``tuijin bench`` and the load test: a page can be no faster.
    """
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@role_required(None)
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if Role.ENTERPRISE in scope.roles and not scope.is_admin and not scope.has(*GOVERNMENT):
        return redirect("portal:home")  # an enterprise's home is its portal (我的诉求)
    units = Unit.objects.visible_to(request.user)
    by_kind = dict(units.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    today = dt.date.today()
    notice_years = []
    if scope.has(Role.ADMIN, Role.PROJECT_OFFICE):
        notice_years = workdays.years_needing_notice([today.year, today.year + 1])
    context = {
        "unit_counts": [(label, by_kind.get(kind, 0)) for kind, label in Unit.Kind.choices],
        "people_count": Person.objects.visible_to(request.user).count(),
        "notice_years": notice_years,
        "person": getattr(request.user, "person", None) if scope.person_id else None,
    }
    return render(request, "core/home.html", context)


# --- Directory ----------------------------------------------------------------------------


@role_required(GOVERNMENT)
def unit_list(request: HttpRequest) -> HttpResponse:
    form = UnitFilterForm(request.GET or None)
    units = Unit.objects.visible_to(request.user).annotate(people_count=Count("people"))
    units = units.order_by("order", "id")
    if form.is_valid():
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"].strip()
            units = units.filter(Q(name__icontains=q) | Q(short_name__icontains=q))
        if form.cleaned_data["kind"]:
            units = units.filter(kind=form.cleaned_data["kind"])
    context = {"form": form, "page": _page(request, units)}
    template = "core/unit_list.html#results" if _is_htmx(request) else "core/unit_list.html"
    return render(request, template, context)


@role_required(GOVERNMENT)
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The unit, its people with their roles and what its panels show: one query.
    rows = {
        "people_rows": ChildRows(
            Person.objects.visible_to(request.user).filter(unit=OuterRef("pk"))
        ),
        "role_rows": ChildRows(PersonRole.objects.filter(person__unit=OuterRef("pk"))),
        **unit_rows(request),
    }
    base = annotate(Unit.objects.select_related("region"), rows)
    unit = loaded(get_visible_or_404(base, request.user, pk=pk), rows)
    for person in unit.people_rows:
        attach(person, "roles", [r for r in unit.role_rows if r.person_id == person.pk])
    history = LogEntry.objects.get_for_object(unit).select_related("actor", "content_type")[:50]
    context = {
        "unit": unit,
        "people": unit.people_rows,
        "history": preload_audit(history, known=[unit.region]),
        "panels": unit_panels(request, unit),
    }
    return render(request, "core/unit_detail.html", context)


@role_required(GOVERNMENT)
def person_list(request: HttpRequest) -> HttpResponse:
    form = PersonFilterForm(request.GET or None)
    people = Person.objects.visible_to(request.user).select_related("unit")
    people = people.prefetch_related("roles")
    if form.is_valid():
        people = people.search(form.cleaned_data["q"])
        if form.cleaned_data["unit"]:
            people = people.filter(unit_id=form.cleaned_data["unit"])
    context = {
        "form": form,
        "page": _page(request, people),
        "units": Unit.objects.visible_to(request.user).only("id", "name"),
    }
    template = "core/person_list.html#results" if _is_htmx(request) else "core/person_list.html"
    return render(request, template, context)


@role_required(GOVERNMENT)
@require_http_methods(["GET", "POST"])
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    changeable = Person.objects.visible_to(request.user, CHANGE).filter(pk=OuterRef("pk"))
    person = get_visible_or_404(
        Person.objects.select_related("unit", "region", "user").annotate(
            can_change=Exists(changeable)
        ),
        request.user,
        pk=pk,
    )
    can_change = person.can_change
    form = PersonForm(instance=person) if can_change else None
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied("您只能修改本单位人员的信息")
        form = PersonForm(request.POST, instance=person)
        if form.is_valid():
            try:
                form.save()  # refused if the person was updated since the form was read
            except StaleWrite as exc:
                form.refuse_stale(exc)
            else:
                messages.success(request, f"已保存 {person.name} 的信息")
                return redirect("directory:person-detail", pk=pk)
    history = LogEntry.objects.get_for_object(person).select_related("actor", "content_type")[:50]
    history = preload_audit(history, known=[person.region, person.unit, person.user])
    return render(
        request,
        "core/person_detail.html",
        {"person": person, "form": form, "history": history},
    )


@role_required(())
@require_http_methods(["GET", "POST"])
def directory_import(request: HttpRequest) -> HttpResponse:
    """Upload, preview (a dry run), then confirm: the same service does both."""

    def done(report) -> HttpResponse:
        messages.success(request, "通讯录已导入：" + "；".join(report.summary_lines()))
        return redirect("directory:unit-list")

    return preview_then_confirm(
        request,
        session_key="directory_import",
        template="core/directory_import.html",
        run=import_directory,
        on_success=done,
        label="通讯录 Excel 文件（.xlsx）",
    )


# --- Audit trail --------------------------------------------------------------------------

AUDITED_MODELS = ("region", "unit", "person", "personrole", "workdayoverride", "user")


# Who reads the business audit trail: the supervision office (its county's trail, as before)
# and the audit administrator. Not the system administrator, whose own actions are in it.
AUDIT_READERS = (Role.SUPERVISION, Role.AUDIT_ADMIN)


def audit_entries(request: HttpRequest):
    """The trail of the reader's county (entries by its accounts, by county-less accounts and
    by the system), filtered as the page's form asks; returns (entries, types, filters)."""
    scope = scope_of(request.user)
    entries = (
        LogEntry.objects.select_related("actor", "content_type")
        .filter(
            Q(actor__isnull=True)
            | Q(actor__region__isnull=True)
            | Q(actor__region_id__in=scope.region_ids)
        )
        .order_by("-timestamp")
    )
    # From Django's content-type cache (one query the first time in a process, none after).
    types = sorted(
        ContentType.objects.get_for_models(
            *(apps.get_model("core", name) for name in AUDITED_MODELS)
        ).values(),
        key=lambda t: t.model,  # as the database listed them (by its unique index)
    )
    actor, model = request.GET.get("actor", "").strip(), request.GET.get("model", "")
    since, until = request.GET.get("since", ""), request.GET.get("until", "")
    if actor:
        entries = entries.filter(
            Q(actor__username__icontains=actor[:50]) | Q(actor__display_name__icontains=actor[:50])
        )
    if model.isdigit():
        entries = entries.filter(content_type_id=int(model))
    for value, lookup in ((since, "timestamp__date__gte"), (until, "timestamp__date__lte")):
        try:
            entries = entries.filter(**{lookup: dt.date.fromisoformat(value)}) if value else entries
        except ValueError:
            messages.error(request, f"日期格式不正确：{value[:20]}，应为 YYYY-MM-DD")
    filters = {"actor": actor, "model": model, "since": since, "until": until}
    return entries, types, filters


@duty_required(AUDIT_READERS)
def audit_list(request: HttpRequest) -> HttpResponse:
    entries, types, filters = audit_entries(request)
    context = {
        "page": _page(request, entries),
        "types": types,
        "filters": filters,
        "query": request.GET.urlencode(),
    }
    return render(request, "core/audit_list.html", context)


# --- Calendar -----------------------------------------------------------------------------


@role_required(GOVERNMENT)
def calendar_page(request: HttpRequest) -> HttpResponse:
    add_form = WorkdayForm(request.GET if "days" in request.GET else None)
    count_form = WorkdayCountForm(request.GET if "end" in request.GET else None)
    result = None
    if add_form.is_bound and add_form.is_valid():
        res = workdays.add_workdays(add_form.cleaned_data["start"], add_form.cleaned_data["days"])
        result = {
            "kind": "add",
            "value": res.value,
            "provisional": res.provisional_years,
            **add_form.cleaned_data,
        }
    elif count_form.is_bound and count_form.is_valid():
        data = count_form.cleaned_data
        res = workdays.count_workdays(data["start"], data["end"])
        result = {"kind": "count", "value": res.value, "provisional": res.provisional_years, **data}
    today = dt.date.today()
    context = {
        "add_form": add_form,
        "count_form": count_form,
        "result": result,
        "form_errors": [
            e
            for f in (add_form, count_form)
            if f.is_bound
            for errs in f.errors.values()
            for e in errs
        ],
        "overrides": WorkdayOverride.objects.filter(date__year__gte=today.year - 1),
        "notice_years": workdays.years_needing_notice([today.year, today.year + 1]),
    }
    if _is_htmx(request):
        return render(request, "core/calendar.html#result", context)
    return render(request, "core/calendar.html", context)


# --- Inbox ----------------------------------------------------------------------------------


@role_required(None)
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's messages (a submitted report reaches its contact leader here)."""
    messages_ = Notification.objects.visible_to(request.user)
    if request.method == "POST":
        messages_.unread().update(read_at=timezone.now())
        return redirect("inbox")
    page = _page(request, messages_)
    unread_ids = {n.pk for n in page if n.read_at is None}
    return render(request, "core/inbox.html", {"page": page, "unread_ids": unread_ids})


# --- Error pages --------------------------------------------------------------------------


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    security.record(SecurityEvent.Kind.DENIED, request, user=getattr(request, "user", None))
    reason = str(exception) if exception and str(exception) else "您没有权限访问此页面"
    return render(request, "403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):  # API clients get the API's error shape
        return JsonResponse({"error": "not_found", "message": "记录不存在"}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The Chinese 500 page, rendered without a request context: the error may be a lost
    database connection, and the context processors (menu, user, messages) would need it."""
    return HttpResponseServerError(loader.render_to_string("500.html"))
