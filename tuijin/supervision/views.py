"""Pages of supervision orders: the list, the order with its history, the action forms, the
issue form and the printable .docx.

Views read through ``SupervisionOrder.objects.visible_to``, ask ``permissions.rights`` what the
user may do, and hand every change to the services.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tuijin.core.actions import perform
from tuijin.core.files import content_type_for
from tuijin.core.paging import page_for
from tuijin.core.permissions import role_required
from tuijin.core.scoping import get_visible_or_404, scope_of
from tuijin.core.versioning import posted_version
from tuijin.projects.models import Problem, Project

from . import services
from .docx import order_docx as build_docx
from .forms import AcceptForm, IssueForm, OrderFilterForm, RespondForm, ReturnForm
from .menu import ORDER_ISSUERS, ORDER_VIEWERS
from .models import OrderFile, SupervisionOrder
from .permissions import rights

PAGE_SIZE = 25
EVENT_ICONS = {
    "issued": "send",
    "signed": "pen",
    "responded": "reply",
    "accepted": "check2-circle",
    "returned": "arrow-counterclockwise",
    "reminded": "alarm",
    "escalated": "exclamation-triangle",
}


@role_required(ORDER_VIEWERS)
def order_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    orders = SupervisionOrder.objects.visible_to(request.user).select_related(
        "unit", "person", "project"
    )
    form = OrderFilterForm(request.GET or None, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            orders = orders.filter(kind=data["kind"])
        if data["status"]:
            orders = orders.filter(status=data["status"])
        if data["unit"]:
            orders = orders.filter(unit=data["unit"])
        if data["overdue"]:
            orders = orders.overdue(today)
    page = page_for(request, orders.order_by("-year", "-number"), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "supervision/order_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": today,
            "can_issue": scope_of(request.user).has(*ORDER_ISSUERS),
        },
    )


def _order(request: HttpRequest, pk: int) -> SupervisionOrder:
    base = SupervisionOrder.objects.select_related(
        "region", "unit", "person", "project__contact_leader", "problem", "issued_by", "meeting"
    )
    return get_visible_or_404(base, request.user, pk=pk)


@role_required(ORDER_VIEWERS)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    events = order.events.select_related("actor").prefetch_related(
        Prefetch("files", queryset=OrderFile.objects.order_by("id"))
    )
    timeline = [{"event": e, "icon": EVENT_ICONS.get(e.kind, "dot")} for e in events]
    return render(
        request,
        "supervision/order_detail.html",
        {
            "order": order,
            "timeline": timeline,
            "rights": rights(scope_of(request.user), order),
            "today": timezone.localdate(),
            "respond_form": RespondForm(),
            "return_form": ReturnForm(),
            "accept_form": AcceptForm(),
        },
    )


@role_required(ORDER_ISSUERS)
@require_http_methods(["GET", "POST"])
def order_create(request: HttpRequest) -> HttpResponse:
    """The office issues an order; from a project page the unit comes pre-filled."""
    initial = {}
    project_id = request.GET.get("project")
    if project_id:
        project = get_visible_or_404(Project.objects.all(), request.user, pk=project_id)
        unit = project.host_unit or project.lead_department
        initial = {"project": project, "unit": unit, "title": f"关于加快推进{project.name}的督办"}
        problem_id = request.GET.get("problem")
        if problem_id:
            problem = get_visible_or_404(
                Problem.objects.filter(project=project), request.user, pk=problem_id
            )
            initial.update(
                problem=problem,
                unit=problem.responsible_unit,
                person=problem.responsible_person,
                content=problem.description,
            )
        elif unit is not None:
            person = unit.people.order_by("order", "id").first()
            if person is not None:
                initial["person"] = person
    form = IssueForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.order_issue(
                acting_user=request.user,
                unit=data["unit"],
                person=data["person"],
                title=data["title"],
                content=data["content"],
                deadline_days=data["deadline_days"],
                issued_on=data["issued_on"],
                project=data["project"],
                problem=data["problem"],
            )
        except services.OrderRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已下发{order.code}，办结期限 {order.deadline:%Y年%m月%d日}")
            return redirect("supervision:detail", pk=order.pk)
    return render(request, "supervision/order_form.html", {"form": form, "title": "下发督办单"})


@role_required(ORDER_ISSUERS)
def unit_people(request: HttpRequest) -> HttpResponse:
    """The person options of the chosen unit, for the issue form's 责任人 list."""
    form = IssueForm(user=request.user)
    people = form.fields["person"].queryset
    unit_id = request.GET.get("unit")
    if unit_id and unit_id.isdigit():
        people = people.filter(unit_id=int(unit_id))
    field = form.fields["person"]
    options = [("", field.empty_label)] + [
        (person.pk, field.label_from_instance(person)) for person in people
    ]
    return render(request, "supervision/_person_options.html", {"options": options})


def _act(request: HttpRequest, pk: int, right: str) -> SupervisionOrder:
    order = _order(request, pk)
    # A button from a page showing an older state: ``perform`` says what changed meanwhile
    # (the right may have gone with that change) and does nothing.
    stale = posted_version(request) not in (None, order.version)
    if not stale and not getattr(rights(scope_of(request.user), order), right):
        raise PermissionDenied("您无权对这份督办单执行此操作")
    return order


def _done(request, order, call, success: str) -> HttpResponse:
    return perform(
        request, call, success, services.OrderRuleError, "supervision:detail", order.pk, order
    )


@role_required(ORDER_VIEWERS)
@require_POST
def order_sign(request: HttpRequest, pk: int) -> HttpResponse:
    order = _act(request, pk, "sign")
    return _done(
        request, order, lambda: services.order_sign(order, acting_user=request.user), "已签收"
    )


@role_required(ORDER_VIEWERS)
@require_POST
def order_respond(request: HttpRequest, pk: int) -> HttpResponse:
    order = _act(request, pk, "respond")
    form = RespondForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("supervision:detail", pk=order.pk)
    return _done(
        request,
        order,
        lambda: services.order_respond(
            order,
            acting_user=request.user,
            text=form.cleaned_data["text"],
            files=form.cleaned_data["files"],
        ),
        "已反馈办理情况",
    )


@role_required(ORDER_ISSUERS)
@require_POST
def order_accept(request: HttpRequest, pk: int) -> HttpResponse:
    order = _act(request, pk, "accept")
    form = AcceptForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    return _done(
        request,
        order,
        lambda: services.order_accept(order, acting_user=request.user, text=text),
        "督办单已办结",
    )


@role_required(ORDER_ISSUERS)
@require_POST
def order_return(request: HttpRequest, pk: int) -> HttpResponse:
    order = _act(request, pk, "send_back")
    return _done(
        request,
        order,
        lambda: services.order_return(
            order, acting_user=request.user, reason=request.POST.get("reason", "")
        ),
        "已退回，待承办单位重新反馈",
    )


@role_required(ORDER_VIEWERS)
def order_docx(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    response = HttpResponse(
        build_docx(order),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = f"{order.code}.docx"
    response["Content-Disposition"] = (
        f'attachment; filename="order-{order.year}-{order.number}.docx"; '
        f"filename*=UTF-8''{quote(filename)}"
    )
    return response


@role_required(ORDER_VIEWERS)
def file_download(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment, only to those who can see its order; never rendered inline."""
    attached = get_visible_or_404(OrderFile.objects.select_related("event"), request.user, pk=pk)
    response = FileResponse(
        attached.file.open("rb"),
        as_attachment=True,
        filename=attached.name,
        content_type=content_type_for(attached.file.name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
