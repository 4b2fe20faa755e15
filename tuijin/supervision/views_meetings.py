"""Pages of scheduling meetings (调度会): the list, the create form, the meeting with its memo,
minutes and assignments (交办事项).

Meetings are read through ``Meeting.objects.visible_to`` (a unit sees the meetings that assigned
it work), assignments through ``meetings.assignments_visible_to``; every change goes through
the services in ``meetings``.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tuijin.core.permissions import role_required
from tuijin.core.scoping import get_visible_or_404, scope_of
from tuijin.core.versioning import StaleWrite, posted_version

from . import meetings, services
from .forms_meetings import AssignmentForm, MeetingForm, SummaryForm
from .menu import ORDER_ISSUERS, ORDER_VIEWERS
from .models import Meeting, SupervisionOrder

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@role_required(ORDER_VIEWERS)
def meeting_list(request: HttpRequest) -> HttpResponse:
    assignments = meetings.assignments_visible_to(request.user)
    open_q = ~Q(assignments__status=SupervisionOrder.Status.ACCEPTED)
    visible_q = Q(assignments__in=assignments)
    rows = (
        Meeting.objects.visible_to(request.user)
        .select_related("chair")
        .annotate(
            total=Count("assignments", filter=visible_q, distinct=True),
            open=Count("assignments", filter=visible_q & open_q, distinct=True),
        )
        .order_by("-held_on", "-id")
    )
    return render(
        request,
        "supervision/meeting_list.html",
        {"meetings": rows, "can_create": scope_of(request.user).has(*ORDER_ISSUERS)},
    )


@role_required(ORDER_ISSUERS)
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    form = MeetingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meetings.meeting_create(
                acting_user=request.user,
                title=data["title"],
                held_on=data["held_on"],
                place=data["place"],
                chair=data["chair"],
                attendees=data["attendees"],
            )
        except meetings.MeetingRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已安排{meeting.title}")
            return redirect("supervision:meeting", pk=meeting.pk)
    return render(request, "supervision/meeting_form.html", {"form": form})


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    base = Meeting.objects.select_related("region", "chair", "created_by")
    return get_visible_or_404(base, request.user, pk=pk)


def _detail(request, meeting, *, assignment_form=None, summary_form=None, status=200):
    today = timezone.localdate()
    office = scope_of(request.user).has(*ORDER_ISSUERS)
    # Linked to its page when the order itself is visible to the user (in the same query).
    visible = SupervisionOrder.objects.visible_to(request.user).filter(pk=OuterRef("pk"))
    assignments = [
        {"order": order, "linked": order.linked, "overdue": order.is_overdue(today)}
        for order in meetings.assignments_visible_to(request.user)
        .filter(meeting=meeting)
        .annotate(linked=Exists(visible))
        .select_related("unit", "person", "project")
        .order_by("number")
    ]
    if office:
        assignment_form = assignment_form or AssignmentForm(user=request.user, meeting=meeting)
        summary_form = summary_form or SummaryForm(initial={"summary": meeting.summary})
    context = {
        "meeting": meeting,
        "attendees": meeting.attendees.select_related("unit").order_by("unit__order", "order"),
        "assignments": assignments,
        "today": today,
        "office": office,
        "can_memo": meetings.can_read_memo(request.user),
        "held": meeting.held_on <= today,
        "assignment_form": assignment_form,
        "summary_form": summary_form,
    }
    return render(request, "supervision/meeting_detail.html", context, status=status)


@role_required(ORDER_VIEWERS)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _meeting(request, pk))


@role_required(ORDER_ISSUERS)
@require_POST
def meeting_summary(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    form = SummaryForm(request.POST)
    if not form.is_valid():
        return _detail(request, meeting, summary_form=form, status=400)
    meeting.expect_version(posted_version(request))  # not over someone else's minutes
    try:
        meetings.meeting_update_summary(
            acting_user=request.user, meeting=meeting, summary=form.cleaned_data["summary"]
        )
    except meetings.MeetingRuleError as exc:
        form.add_error(None, exc.message)
        return _detail(request, meeting, summary_form=form, status=400)
    except StaleWrite as exc:
        form.add_error(None, exc.message)
        return _detail(request, exc.current, summary_form=form, status=409)
    messages.success(request, "会议纪要已保存")
    return redirect("supervision:meeting", pk=meeting.pk)


@role_required(ORDER_ISSUERS)
@require_POST
def assignment_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    form = AssignmentForm(request.POST, user=request.user, meeting=meeting)
    if form.is_valid():
        data = form.cleaned_data
        try:
            order = meetings.assignment_add(
                acting_user=request.user,
                meeting=meeting,
                unit=data["unit"],
                person=data["person"],
                title=data["title"],
                content=data["content"],
                deadline_days=data["deadline_days"],
                project=data["project"],
                issued_on=data["issued_on"],
            )
        except services.OrderRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已交办{order.code}，办结期限 {order.deadline:%Y年%m月%d日}")
            return redirect("supervision:meeting", pk=meeting.pk)
    return _detail(request, meeting, assignment_form=form, status=400)


@role_required(ORDER_VIEWERS)
def meeting_memo(request: HttpRequest, pk: int) -> HttpResponse:
    """The briefing memo (.docx), drafted now from the county's records."""
    meeting = _meeting(request, pk)
    if not meetings.can_read_memo(request.user):
        raise PermissionDenied("汇报材料涉及全县情况，仅县级领导和督查、项目办可下载")
    response = HttpResponse(meetings.memo_docx(meeting, timezone.localdate()), content_type=DOCX)
    filename = f"{meetings.memo_title(meeting)}（{meeting.held_on:%Y-%m-%d}）.docx"
    response["Content-Disposition"] = (
        f'attachment; filename="meeting-{meeting.held_on:%Y%m%d}.docx"; '
        f"filename*=UTF-8''{quote(filename)}"
    )
    return response
