"""Pages of inspections (督查): the list, the planning form, the inspection with its findings,
the finding form, turning a finding into an order, and the findings' photos.

Everything is read through ``visible_to`` (a unit sees the inspections that concern it and
only its own findings; county roles see the county); every change goes through
``inspections``.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tuijin.core.childrows import ChildRows, attach
from tuijin.core.models import Unit
from tuijin.core.paging import page_for
from tuijin.core.permissions import role_required
from tuijin.core.scoping import get_visible_or_404, scope_of
from tuijin.projects.models import Project

from . import inspections
from .forms_inspections import (
    FindingForm,
    InspectionFilterForm,
    InspectionForm,
    person_label,
    responsible_people,
)
from .menu import INSPECTION_EDITORS, INSPECTION_VIEWERS
from .models import Finding, FindingPhoto, Inspection, SupervisionOrder

PAGE_SIZE = 20


def _counts(request: HttpRequest, inspection_ids: list[int]) -> dict[int, dict]:
    """Findings, open and overdue findings per inspection, of the findings the user sees."""
    today = timezone.localdate()
    closed = SupervisionOrder.objects.filter(
        finding=OuterRef("pk"), status=SupervisionOrder.Status.ACCEPTED
    )
    rows = (
        Finding.objects.visible_to(request.user)
        .filter(inspection_id__in=inspection_ids)
        .annotate(closed=Exists(closed))
        .values_list("inspection_id", "deadline", "closed")
    )
    counts: dict[int, dict] = {}
    for inspection_id, deadline, is_closed in rows:
        count = counts.setdefault(inspection_id, {"total": 0, "open": 0, "overdue": 0})
        count["total"] += 1
        if not is_closed:
            count["open"] += 1
            count["overdue"] += deadline < today
    return counts


@role_required(INSPECTION_VIEWERS)
def inspection_list(request: HttpRequest) -> HttpResponse:
    found = Inspection.objects.visible_to(request.user)
    form = InspectionFilterForm(request.GET or None, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["date_from"]:
            found = found.filter(inspected_on__gte=data["date_from"])
        if data["date_to"]:
            found = found.filter(inspected_on__lte=data["date_to"])
        if data["unit"]:
            unit = data["unit"]
            found = found.filter(
                Q(units=unit) | Q(findings__unit=unit) | Q(projects__host_unit=unit)
            )
        if data["q"]:
            found = found.filter(topic__icontains=data["q"].strip())
    ids = found.values("pk")
    listed = (
        Inspection.objects.filter(pk__in=ids)
        .annotate(
            project_count=Count("projects", distinct=True),
            unit_count=Count("units", distinct=True),
        )
        .order_by("-inspected_on", "-id")
    )
    page = page_for(request, listed, PAGE_SIZE)
    counts = _counts(request, [inspection.pk for inspection in page])
    rows = [{"inspection": i, "counts": counts.get(i.pk, {})} for i in page]
    return render(
        request,
        "supervision/inspection_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "today": timezone.localdate(),
            "can_create": scope_of(request.user).has(*INSPECTION_EDITORS),
        },
    )


@role_required(INSPECTION_EDITORS)
@require_http_methods(["GET", "POST"])
def inspection_create(request: HttpRequest) -> HttpResponse:
    form = InspectionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = inspections.inspection_create(
                acting_user=request.user,
                topic=data["topic"],
                inspected_on=data["inspected_on"],
                inspectors=data["inspectors"],
                projects=data["projects"],
                units=data["units"],
                notes=data["notes"],
            )
        except inspections.InspectionRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已创建督查：{inspection.topic}")
            return redirect("supervision:inspection-detail", pk=inspection.pk)
    return render(request, "supervision/inspection_form.html", {"form": form})


def _inspection(request: HttpRequest, pk: int) -> Inspection:
    return get_visible_or_404(
        Inspection.objects.select_related("region", "created_by"), request.user, pk=pk
    )


# A finding's photos and the orders it became, read in the findings' own query.
_PHOTOS = ChildRows(FindingPhoto.objects.filter(finding=OuterRef("pk")))
_ORDERS = ChildRows(SupervisionOrder.objects.filter(finding=OuterRef("pk")))


@role_required(INSPECTION_VIEWERS)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    linked = Inspection.projects.through.objects.filter(inspection=OuterRef("pk"))
    inspection = get_visible_or_404(
        Inspection.objects.select_related("region", "created_by").annotate(
            project_total=Subquery(
                linked.order_by().values("inspection").annotate(n=Count("*")).values("n")
            )
        ),
        request.user,
        pk=pk,
    )
    today = timezone.localdate()
    findings = (
        Finding.objects.visible_to(request.user)
        .filter(inspection=inspection)
        .select_related("project", "unit", "responsible_person__unit")
        .annotate(photo_rows=_PHOTOS.expression(), order_rows=_ORDERS.expression())
        .order_by("id")
    )
    items = []
    for finding in findings:
        attach(finding, "photos", _PHOTOS.load(finding.photo_rows))
        attach(finding, "orders", _ORDERS.load(finding.order_rows))
        items.append({"finding": finding, **inspections.finding_status(finding, today)})
    office = scope_of(request.user).has(*INSPECTION_EDITORS)
    projects = Project.objects.visible_to(request.user).filter(inspections=inspection)
    return render(
        request,
        "supervision/inspection_detail.html",
        {
            "inspection": inspection,
            "inspectors": inspection.inspectors.select_related("unit").order_by("order", "id"),
            "projects": projects.select_related("host_unit").order_by("name"),
            "project_total": inspection.project_total or 0,
            "units": inspection.units.order_by("order", "id"),
            "items": items,
            "today": today,
            "office": office,
            "can_add": office and inspection.inspected_on <= today,
        },
    )


@role_required(INSPECTION_EDITORS)
@require_http_methods(["GET", "POST"])
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _inspection(request, pk)
    initial = {}
    project_id = request.GET.get("project")
    if project_id and project_id.isdigit():
        initial["project"] = int(project_id)
    form = FindingForm(
        request.POST or None,
        request.FILES or None,
        inspection=inspection,
        user=request.user,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            finding = inspections.finding_add(
                acting_user=request.user,
                inspection=inspection,
                project=data["project"],
                unit=data["unit"],
                text=data["text"],
                responsible_person=data["responsible_person"],
                requirement=data["requirement"],
                deadline_days=data["deadline_days"],
                photos=data["photos"],
            )
        except inspections.InspectionRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"已记录督查发现，责任人{finding.responsible_person.name}，"
                f"整改期限 {finding.deadline:%Y年%m月%d日}",
            )
            return redirect("supervision:inspection-detail", pk=inspection.pk)
    return render(
        request,
        "supervision/inspection_finding_form.html",
        {"form": form, "inspection": inspection},
    )


@role_required(INSPECTION_EDITORS)
def finding_people(request: HttpRequest) -> HttpResponse:
    """The person options of the chosen unit (or the chosen project's unit), for the
    finding form's 责任人 list."""
    unit = project = None
    unit_id, project_id = request.GET.get("unit", ""), request.GET.get("project", "")
    if unit_id.isdigit():
        unit = Unit.objects.visible_to(request.user).filter(pk=int(unit_id)).first()
    if project_id.isdigit():
        project = (
            Project.objects.visible_to(request.user)
            .select_related("host_unit", "lead_department")
            .filter(pk=int(project_id))
            .first()
        )
    people = responsible_people(request.user)
    chosen = inspections.finding_unit(project, unit)
    if chosen is not None:
        people = people.filter(unit=chosen)
    options = [("", "---------")] + [(p.pk, person_label(p)) for p in people]
    return render(request, "supervision/_person_options.html", {"options": options})


@role_required(INSPECTION_EDITORS)
@require_POST
def finding_to_order(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_visible_or_404(Finding.objects.select_related("inspection"), request.user, pk=pk)
    try:
        order = inspections.finding_to_order(acting_user=request.user, finding=finding)
    except inspections.InspectionRuleError as exc:
        messages.error(request, exc.message)
        return redirect("supervision:inspection-detail", pk=finding.inspection_id)
    messages.success(
        request, f"已转为{order.code}，办结期限 {order.deadline:%Y年%m月%d日}，系统将按期催办"
    )
    return redirect("supervision:detail", pk=order.pk)


@role_required(INSPECTION_VIEWERS)
def finding_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A finding's photo, only to those who see the finding; ``?download=1`` saves it."""
    photo = get_visible_or_404(FindingPhoto.objects.all(), request.user, pk=pk)
    response = FileResponse(
        photo.image.open("rb"),
        as_attachment=request.GET.get("download") == "1",
        filename=f"finding-{photo.finding_id}-{photo.pk}.jpg",
        content_type="image/jpeg",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
