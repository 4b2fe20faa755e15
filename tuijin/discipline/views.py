"""Pages of the three rules (三件事): the meetings register, leave, reception time.

Reads go through each model's ``visible_to``; every change goes through the services in
``meetings``, ``leave`` and ``reception``, which refuse with a Chinese message and save nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tuijin.core.permissions import role_required
from tuijin.core.scoping import get_visible_or_404, home_region_id, scope_of
from tuijin.core.versioning import StaleWrite, check_posted_version

from . import leave as leave_rules
from . import meetings as meeting_rules
from . import reception as reception_rules
from .errors import DisciplineRuleError
from .forms import DecisionForm, LeaveForm, MeetingForm, ReceptionForm, TargetForm
from .menu import DISCIPLINE_VIEWERS
from .models import Leave, Meeting, ReceptionLog, ReceptionTarget


def _form_error(form, exc: DisciplineRuleError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- Meetings register --------------------------------------------------------------------


@role_required(DISCIPLINE_VIEWERS)
def meeting_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    visible = Meeting.objects.visible_to(request.user)
    status = request.GET.get("status", "")
    rows = visible.select_related("convener__unit", "approved_by", "project")
    if status in Meeting.Status.values:
        rows = rows.filter(status=status)
    weeks = meeting_rules.weekly_counts(visible, today, weeks=16)
    chart = {
        "weeks": [w.label for w in weeks],
        "by_principal": [w.by_principal for w in weeks],
        "approved": [w.approved for w in weeks],
        "refused": [w.refused for w in weeks],
    }
    context = {
        "meetings": rows.order_by("-held_on", "-id")[:200],
        "weeks": weeks,
        "chart": chart,
        "status": status,
        "statuses": Meeting.Status.choices,
        "pending": meeting_rules.pending_for(request.user).select_related("convener__unit"),
        "rule": meeting_rules.RULE_TEXT,
    }
    return render(request, "discipline/meeting_list.html", context)


@role_required(DISCIPLINE_VIEWERS)
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    form = MeetingForm(request.POST or None, user=request.user)
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meeting_rules.meeting_register(
                acting_user=request.user,
                convener=data["convener"],
                held_on=data["held_on"],
                topic=data["topic"],
                invitees=data["invitees"],
                project=data["project"],
                about_projects=data["about_projects"],
                request_approval=request.POST.get("request_approval") == "1",
            )
        except meeting_rules.MeetingRefused as exc:
            refusal = exc
        except DisciplineRuleError as exc:
            _form_error(form, exc)
        else:
            if meeting.status == Meeting.Status.PENDING:
                messages.info(request, "已提请主要领导批准，批准前不得召开")
            else:
                messages.success(request, f"会议已登记：{meeting.get_status_display()}")
            return redirect("discipline:meeting", pk=meeting.pk)
    context = {"form": form, "refusal": refusal, "rule": meeting_rules.RULE_TEXT}
    return render(request, "discipline/meeting_form.html", context)


def _meeting_page(request, meeting: Meeting, form=None, status=200) -> HttpResponse:
    invitees = list(meeting.invitees.select_related("unit").order_by("unit__order", "order"))
    heads = dict(meeting_rules.restricted_invitees(invitees))
    can_decide = (
        meeting.status == Meeting.Status.PENDING
        and meeting_rules.pending_for(request.user).filter(pk=meeting.pk).exists()
    )
    context = {
        "meeting": meeting,
        "invitees": [(p, heads.get(p)) for p in invitees],
        "can_decide": can_decide,
        "form": form or DecisionForm(),
        "rule": meeting_rules.RULE_TEXT,
    }
    return render(request, "discipline/meeting_detail.html", context, status=status)


def _meeting(request, pk: int) -> Meeting:
    base = Meeting.objects.select_related("convener__unit", "approved_by", "project")
    return get_visible_or_404(base, request.user, pk=pk)


@role_required(DISCIPLINE_VIEWERS)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_page(request, _meeting(request, pk))


@role_required(DISCIPLINE_VIEWERS)
@require_POST
def meeting_decide(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _meeting_page(request, meeting, form, status=400)
    try:
        check_posted_version(request, meeting)  # decided on the page as it is now
        meeting = meeting_rules.meeting_decide(
            acting_user=request.user,
            meeting=meeting,
            approve=request.POST.get("decision") == "approve",
            note=form.cleaned_data["note"],
        )
    except DisciplineRuleError as exc:
        _form_error(form, exc)
        return _meeting_page(request, meeting, form, status=400)
    except StaleWrite as exc:
        form.add_error(None, exc.message)
        return _meeting_page(request, exc.current, form, status=409)
    messages.success(request, f"已审批：{meeting.get_status_display()}")
    return redirect("discipline:meeting", pk=meeting.pk)


# --- Leave ----------------------------------------------------------------------------------


@role_required(DISCIPLINE_VIEWERS)
def leave_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    visible = Leave.objects.visible_to(request.user)
    try:
        days = max(7, min(int(request.GET.get("days", 90)), 730))
    except ValueError:
        days = 90
    since, until = today - dt.timedelta(days=days), today + dt.timedelta(days=30)
    context = {
        "leaves": visible.select_related("person__unit", "project", "trip", "approver").order_by(
            "-start_date", "-id"
        )[:200],
        "queue": leave_rules.queue_for(request.user).select_related("person__unit", "project"),
        "away": leave_rules.away_on_projects(visible, since, until),
        "days": days,
        "since": since,
        "until": until,
    }
    return render(request, "discipline/leave_list.html", context)


@role_required(DISCIPLINE_VIEWERS)
@require_http_methods(["GET", "POST"])
def leave_create(request: HttpRequest) -> HttpResponse:
    form = LeaveForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            leave = leave_rules.leave_request(
                acting_user=request.user,
                person=data["person"],
                start_date=data["start_date"],
                start_half=data["start_half"],
                end_date=data["end_date"],
                end_half=data["end_half"],
                reason_kind=data["reason_kind"],
                reason=data["reason"],
                project=data["project"],
                site_check=data["site_check"],
                trip=data["trip"],
            )
        except DisciplineRuleError as exc:
            _form_error(form, exc)
        else:
            if leave.status == Leave.Status.AUTO_APPROVED:
                messages.success(request, leave_rules.AUTO_NOTE)
            else:
                who = leave.approver.name if leave.approver else "审批人"
                messages.info(request, f"请假已提交，等待{who}审批")
            return redirect("discipline:leave", pk=leave.pk)
    return render(request, "discipline/leave_form.html", {"form": form})


def _leave_page(request, leave: Leave, form=None, status=200) -> HttpResponse:
    context = {
        "leave": leave,
        "can_decide": leave_rules.may_decide(request.user, leave),
        "form": form or DecisionForm(),
    }
    return render(request, "discipline/leave_detail.html", context, status=status)


def _leave(request, pk: int) -> Leave:
    base = Leave.objects.select_related(
        "person__unit", "project", "site_check", "trip", "approver", "decided_by"
    )
    return get_visible_or_404(base, request.user, pk=pk)


@role_required(DISCIPLINE_VIEWERS)
def leave_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _leave_page(request, _leave(request, pk))


@role_required(DISCIPLINE_VIEWERS)
@require_POST
def leave_decide(request: HttpRequest, pk: int) -> HttpResponse:
    leave = _leave(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _leave_page(request, leave, form, status=400)
    try:
        check_posted_version(request, leave)  # decided on the page as it is now
        leave = leave_rules.leave_decide(
            acting_user=request.user,
            leave=leave,
            approve=request.POST.get("decision") == "approve",
            note=form.cleaned_data["note"],
        )
    except DisciplineRuleError as exc:
        _form_error(form, exc)
        return _leave_page(request, leave, form, status=400)
    except StaleWrite as exc:
        form.add_error(None, exc.message)
        return _leave_page(request, exc.current, form, status=409)
    messages.success(request, f"已审批：{leave.get_status_display()}")
    return redirect("discipline:leave", pk=leave.pk)


# --- Reception time -------------------------------------------------------------------------


def _reception_page(request, target_form=None, status=200) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = max(2000, min(year, today.year))
    logs = ReceptionLog.objects.visible_to(request.user)
    region_id = home_region_id(request.user)
    target = ReceptionTarget.objects.visible_to(request.user).filter(region_id=region_id, year=year)
    target = target.first()
    months = reception_rules.monthly_totals(logs, year, today, target)
    chart = {
        "months": [f"{row.month}月" for row in months],
        "hours": [None if row.hours is None else float(row.hours) for row in months],
        "last_year": [float(row.last_year) for row in months],
        "target": [None if row.target is None else float(row.target) for row in months],
        "year": year,
    }
    can_target = scope_of(request.user).has(*reception_rules.TARGET_SETTERS)
    if can_target and target_form is None:
        initial = {"year": year, "reduction_percent": target.reduction_percent if target else None}
        target_form = TargetForm(initial=initial)
    context = {
        "year": year,
        "years": list(range(today.year, today.year - 4, -1)),
        "months": months,
        "chart": chart,
        "target": target,
        "people": reception_rules.totals_by_person(logs, year, today),
        "recent": logs.select_related("person__unit").order_by("-on_date", "-id")[:20],
        "can_log": reception_rules.loggable_people(request.user).exists(),
        "target_form": target_form if can_target else None,
    }
    return render(request, "discipline/reception.html", context, status=status)


@role_required(DISCIPLINE_VIEWERS)
def reception_page(request: HttpRequest) -> HttpResponse:
    return _reception_page(request)


@role_required(DISCIPLINE_VIEWERS)
@require_http_methods(["GET", "POST"])
def reception_create(request: HttpRequest) -> HttpResponse:
    form = ReceptionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            log = reception_rules.reception_log(
                acting_user=request.user,
                person=data["person"],
                on_date=data["on_date"],
                minutes=reception_rules.hours_to_minutes(data["hours"]),
                kind=data["kind"],
                guest=data["guest"],
                note=data["note"],
            )
        except DisciplineRuleError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, f"已记录{log.person.name}{log.get_kind_display()} {log.hours} 小时"
            )
            return redirect("discipline:receptions")
    return render(request, "discipline/reception_form.html", {"form": form})


@role_required(reception_rules.TARGET_SETTERS)
@require_POST
def reception_target(request: HttpRequest) -> HttpResponse:
    form = TargetForm(request.POST)
    if form.is_valid():
        try:
            target = reception_rules.reception_target_set(
                acting_user=request.user,
                year=form.cleaned_data["year"],
                reduction_percent=form.cleaned_data["reduction_percent"],
            )
        except DisciplineRuleError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, f"{target.year}年接待陪访压减目标已设为 {target.reduction_percent}%"
            )
            return redirect(f"{reverse('discipline:receptions')}?year={target.year}")
    return _reception_page(request, target_form=form, status=400)
