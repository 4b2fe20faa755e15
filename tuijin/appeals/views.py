"""Pages of enterprise requests: the pool, intake (and visit opinions to convert), the request
with its timeline and action forms, attachments, and the county's deadline rules.

Views read through ``Appeal.objects.visible_to``, ask ``rights`` what the user may do, and
hand every change to the services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tuijin.core import workdays
from tuijin.core.actions import perform
from tuijin.core.childrows import ChildRows, annotate, attach, loaded
from tuijin.core.files import content_type_for
from tuijin.core.models import Unit
from tuijin.core.paging import bounded_counts, capped_options, count_text, page_for
from tuijin.core.permissions import role_required
from tuijin.core.roles import Role
from tuijin.core.scoping import get_visible_or_404, home_region_id, scope_of
from tuijin.core.versioning import StaleWrite, posted_version
from tuijin.enterprises.models import Enterprise, VisitOpinion

from . import deadlines, services
from .forms import (
    AppealFilterForm,
    ConvertOpinionForm,
    DeadlineRulesForm,
    DispatchForm,
    ExtensionAskForm,
    ExtensionDecideForm,
    FollowUpForm,
    IntakeForm,
    QuestionForm,
    RateForm,
    ReplyForm,
    SendBackForm,
)
from .menu import APPEAL_VIEWERS, INTAKE_ROLES
from .models import (
    SERVICE_OFFICE_ROLES,
    Appeal,
    AppealAttachment,
    AppealEvent,
    enterprise_only,
)
from .search import search_appeals
from .suggest import Suggestions, suggest_for

Status = Appeal.Status
PAGE_SIZE = 25
EVENT_ICONS = {
    "received": "inbox",
    "dispatched": "send",
    "sent_back": "arrow-counterclockwise",
    "accepted": "pen",
    "replied": "reply",
    "rated": "star",
    "follow_up": "telephone",
    "follow_up_due": "telephone-forward",
    "reopened": "arrow-repeat",
    "resolved": "check2-circle",
    "ext_asked": "hourglass-split",
    "ext_ok": "hourglass",
    "ext_refused": "x-circle",
    "reminded": "alarm",
    "escalated": "exclamation-triangle",
}


# ---------------------------------------------------------------------------
# Selectors


def overdue_q(today: dt.date) -> Q:
    """Open requests past the deadline of the stage they are in."""
    return (
        Q(status=Status.DISPATCHED, accept_due__lt=today)
        | Q(status=Status.ACCEPTED, reply_due__lt=today)
        | Q(status__in=[Status.DISPATCHED, Status.ACCEPTED], resolve_due__lt=today)
    )


def follow_up_cutoff(today: dt.date) -> dt.date:
    """The latest reply date whose 5-working-day rating window has ended by ``today``."""
    day = today
    while workdays.add_workdays(day, services.RATE_WITHIN_WORKDAYS).value > today:
        day -= dt.timedelta(days=1)
    return day


def follow_up_q(today: dt.date) -> Q:
    """Replied requests the enterprise has not rated in 5 working days: the office calls."""
    return Q(status=Status.REPLIED, replied_on__lte=follow_up_cutoff(today))


@dataclass(frozen=True)
class Rights:
    dispatch: bool = False
    send_back: bool = False
    accept: bool = False
    reply: bool = False
    ask_question: bool = False
    ask_extension: bool = False
    decide_extension: bool = False
    follow_up: bool = False
    rate: bool = False

    @property
    def any(self) -> bool:
        return any(vars(self).values())


def rights(user, appeal: Appeal, today: dt.date) -> Rights:
    """Which action forms the request page offers this user (the services decide anyway)."""
    office = scope_of(user).has(*SERVICE_OFFICE_ROLES)
    lead = services.is_lead_unit(user, appeal)
    status = appeal.status
    account = services._account_of(user) if Role.ENTERPRISE in scope_of(user).roles else None
    asked = any(e.kind == services.Kind.EXTENSION_ASKED for e in appeal.events.all())
    return Rights(
        dispatch=office and status in (Status.NEW, Status.DISPATCHED),
        send_back=lead
        and status == Status.DISPATCHED
        and today <= services.send_back_until(appeal),
        accept=lead and status == Status.DISPATCHED,
        reply=lead and status == Status.ACCEPTED,
        ask_question=lead and status == Status.ACCEPTED,
        ask_extension=lead and status in (Status.DISPATCHED, Status.ACCEPTED) and not asked,
        decide_extension=office and services.pending_extension(appeal) is not None,
        follow_up=office and status == Status.REPLIED,
        rate=account is not None
        and account.enterprise_id == appeal.enterprise_id
        and status == Status.REPLIED,
    )


def _region_id(request: HttpRequest) -> int | None:
    return home_region_id(request.user)


# ---------------------------------------------------------------------------
# The pool


def _enterprise_only(request: HttpRequest) -> bool:
    """An enterprise's portal account follows its requests on the portal's pages, which leave
    out what is internal to the government (reminders, notes, staff names)."""
    return enterprise_only(scope_of(request.user))


@role_required(APPEAL_VIEWERS)
def appeal_list(request: HttpRequest) -> HttpResponse:
    if _enterprise_only(request):
        return redirect("portal:home")
    today = timezone.localdate()
    visible = Appeal.objects.visible_to(request.user)
    office = scope_of(request.user).has(*SERVICE_OFFICE_ROLES)
    tab = request.GET.get("tab", "")
    appeals = visible.select_related("lead_unit")
    form = AppealFilterForm(request.GET or None, user=request.user)
    if tab == "follow_up" and office:
        appeals = appeals.filter(follow_up_q(today))
    elif form.is_valid():
        data = form.cleaned_data
        for name in ("status", "source", "kind", "topic"):
            if data[name]:
                appeals = appeals.filter(**{name: data[name]})
        if data["unit"]:
            # A subquery, not a join: no duplicate rows, so no DISTINCT over the whole list.
            assisted = Appeal.co_units.through.objects.filter(unit=data["unit"])
            appeals = appeals.filter(
                Q(lead_unit=data["unit"]) | Q(pk__in=assisted.values("appeal_id"))
            )
        if data["overdue"]:
            appeals = appeals.filter(overdue_q(today))
        if data["q"]:
            appeals = search_appeals(appeals, data["q"].strip())
    # The tabs' badges: bounded counts, one query ("1,000+" for a province's pool).
    tabs = {"": visible, **{value: visible.filter(status=value) for value in Status.values}}
    if office:
        tabs["follow_up"] = visible.filter(follow_up_q(today))
    counts = {name: count_text(*n) for name, n in bounded_counts(tabs).items()}
    counters = [(value, label, counts[value]) for value, label in Status.choices]
    # ``visible_to`` makes the rows distinct itself where its scope joins (a unit, a leader).
    page = page_for(request, appeals.order_by("-received_on", "-id"), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "appeals/appeal_list.html",
        {
            "form": form,
            "unit_options": capped_options(
                form.fields["unit"].queryset, request.GET.get("unit"), "全部单位"
            ),
            "page": page,
            "query": query.urlencode(),
            "today": today,
            "counters": counters,
            "total": counts[""],
            "tab": tab if office else "",
            "office": office,
            "follow_up_count": counts.get("follow_up", 0),
            "can_create": scope_of(request.user).has(*INTAKE_ROLES),
        },
    )


# ---------------------------------------------------------------------------
# Intake


def _pending_opinions(request: HttpRequest):
    """Opinions heard on visits of the county not yet turned into requests."""
    return (
        VisitOpinion.objects.filter(
            visit__enterprise__in=Enterprise.objects.visible_to(request.user),
            appeal__isnull=True,
        )
        .select_related("visit__enterprise")
        .order_by("-visit__visited_on", "-id")
    )


@role_required(INTAKE_ROLES)
@require_http_methods(["GET", "POST"])
def appeal_create(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.appeal_receive(
                acting_user=request.user,
                source=data["source"],
                enterprise=data["enterprise"],
                enterprise_name=data["enterprise_name"],
                contact_name=data["contact_name"],
                contact_mobile=data["contact_mobile"],
                hotline_number=data["hotline_number"],
                kind=data["kind"],
                topic=data["topic"],
                urgency=data["urgency"],
                title=data["title"],
                text=data["text"],
                received_on=data["received_on"],
                files=data["files"],
            )
        except services.AppealRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已登记{appeal.code}，待分派")
            return redirect("appeals:detail", pk=appeal.pk)
    office = scope_of(request.user).has(*SERVICE_OFFICE_ROLES)
    opinions = list(_pending_opinions(request)[:50]) if office else []
    return render(
        request,
        "appeals/appeal_form.html",
        {"form": form, "opinions": opinions, "convert_form": ConvertOpinionForm()},
    )


@role_required(INTAKE_ROLES)
def enterprise_options(request: HttpRequest) -> HttpResponse:
    """The enterprise options matching the search box, for the intake form (htmx)."""
    text = request.GET.get("enterprise_q", "")
    found = Enterprise.objects.visible_to(request.user).search(text).order_by("name")[:20]
    options = [("", "—— 请选择企业 ——" if text else "—— 请先查找企业 ——")]
    options += [(e.pk, f"{e.name}（{e.credit_code}）") for e in found] if text else []
    return render(request, "appeals/_options.html", {"options": options})


@role_required(SERVICE_OFFICE_ROLES)
@require_POST
def opinion_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """The office turns a pending visit opinion into a request (source: visit)."""
    opinion = _pending_opinions(request).filter(pk=pk).first()
    if opinion is None:
        messages.error(request, "这条走访意见不存在或已经转为诉求")
        return redirect("appeals:create")
    form = ConvertOpinionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("appeals:create")
    try:
        appeal = services.appeal_from_opinion(
            request.user,
            opinion,
            form.cleaned_data["kind"],
            form.cleaned_data["topic"],
            urgency=form.cleaned_data["urgency"],
        )
    except services.AppealRuleError as exc:
        messages.error(request, exc.message)
        return redirect("appeals:create")
    messages.success(request, f"走访意见已转为{appeal.code}，待分派")
    return redirect("appeals:detail", pk=appeal.pk)


# ---------------------------------------------------------------------------
# The request page


def _appeal(request: HttpRequest, pk: int) -> Appeal:
    base = Appeal.objects.select_related(
        "region", "enterprise", "lead_unit", "created_by", "visit_opinion__visit"
    )
    return get_visible_or_404(base, request.user, pk=pk)


def _suggestions(appeal: Appeal) -> Suggestions:
    """The suggestion engine's advice on topic, unit and duplicates, with its reasons."""
    return suggest_for(
        appeal.region_id,
        f"{appeal.title}\n{appeal.text}",
        k=3,
        enterprise_id=appeal.enterprise_id,
        enterprise_name=appeal.enterprise_name,
        exclude_id=appeal.pk,
    )


def _appeal_page(request: HttpRequest, pk: int) -> Appeal:
    """The request with its events (and their files) and co-units, and whether its
    enterprise's page is open to this user: one query (tuijin/core/childrows.py)."""
    of = OuterRef("pk")
    enterprises = Enterprise.objects.visible_to(request.user)
    rows = {
        "event_rows": ChildRows(AppealEvent.objects.filter(appeal=of), "actor", "unit"),
        "file_rows": ChildRows(AppealAttachment.objects.filter(appeal=of, event__isnull=False)),
        "co_unit_rows": ChildRows(Unit.objects.filter(appeals_assisted=of)),
        "enterprise_link": Exists(enterprises.filter(pk=OuterRef("enterprise_id"))),
    }
    base = Appeal.objects.select_related(
        "region", "enterprise", "lead_unit", "created_by", "visit_opinion__visit"
    )
    appeal = loaded(get_visible_or_404(annotate(base, rows), request.user, pk=pk), rows)
    for event in attach(appeal, "events", appeal.event_rows):
        attach(event, "files", [f for f in appeal.file_rows if f.event_id == event.pk])
    attach(appeal, "co_units", appeal.co_unit_rows)
    return appeal


@role_required(APPEAL_VIEWERS)
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _appeal_page(request, pk)
    if _enterprise_only(request):
        return redirect("portal:detail", pk=appeal.pk)
    today = timezone.localdate()
    timeline = [{"event": e, "icon": EVENT_ICONS.get(e.kind, "dot")} for e in appeal.events.all()]
    can = rights(request.user, appeal, today)
    dispatch_initial = {}
    if appeal.lead_unit_id:
        dispatch_initial = {"lead_unit": appeal.lead_unit, "co_units": appeal.co_units.all()}
    suggestions = _suggestions(appeal) if can.dispatch else None
    if suggestions and not dispatch_initial and suggestions.units:
        dispatch_initial = {"lead_unit": suggestions.units[0].value}
    dues = [
        ("签收期限", appeal.accept_due, appeal.accepted_on, appeal.status == Status.DISPATCHED),
        (
            "首次答复期限",
            appeal.reply_due,
            appeal.first_reply_on if not appeal.reopen_count else appeal.replied_on,
            appeal.status in (Status.DISPATCHED, Status.ACCEPTED),
        ),
        (
            "办结期限",
            appeal.resolve_due,
            appeal.resolved_on,
            appeal.status in (Status.DISPATCHED, Status.ACCEPTED),
        ),
    ]
    return render(
        request,
        "appeals/appeal_detail.html",
        {
            "appeal": appeal,
            "timeline": timeline,
            "rights": can,
            "today": today,
            "dues": [
                {"label": label, "due": due, "done": done, "overdue": due and live and due < today}
                for label, due, done, live in dues
            ],
            "rate_due": services.rate_due(appeal) if appeal.status == Status.REPLIED else None,
            "send_back_until": services.send_back_until(appeal),
            "pending_extension": services.pending_extension(appeal),
            "suggestions": suggestions,
            "co_units": list(appeal.co_units.all()),
            "enterprise_link": bool(appeal.enterprise_id) and appeal.enterprise_link,
            "dispatch_form": DispatchForm(initial=dispatch_initial, user=request.user),
            "send_back_form": SendBackForm(),
            "reply_form": ReplyForm(),
            "ask_form": ExtensionAskForm(),
            "question_form": QuestionForm(),
            "decide_form": ExtensionDecideForm(),
            "follow_up_form": FollowUpForm(),
            "rate_form": RateForm(),
        },
    )


def _errors(form) -> str:
    return "；".join(e for errs in form.errors.values() for e in errs)


def _act(request: HttpRequest, pk: int, right: str, form_class=None, files: bool = False):
    """The request if the user may take this action, and the bound form (or None)."""
    appeal = _appeal(request, pk)
    if not getattr(rights(request.user, appeal, timezone.localdate()), right):
        # Say why rather than a bare 403: the status moved on (who did what, when the page
        # was older than the request) or the time is up.
        expected = posted_version(request)
        if expected not in (None, appeal.version):
            messages.error(request, StaleWrite(appeal, expected).message)
        else:
            messages.error(request, "您现在不能对这件诉求执行此操作（状态已变化或已超过时限）")
        return appeal, None
    if form_class is None:
        return appeal, True
    args = (request.POST, request.FILES) if files else (request.POST,)
    kwargs = {"user": request.user} if form_class is DispatchForm else {}
    form = form_class(*args, **kwargs)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return appeal, None
    return appeal, form


def _done(request: HttpRequest, appeal: Appeal, call, success: str) -> HttpResponse:
    return perform(
        request, call, success, services.AppealRuleError, "appeals:detail", appeal.pk, appeal
    )


@role_required(SERVICE_OFFICE_ROLES)
@require_POST
def appeal_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    appeal, form = _act(request, pk, "dispatch", DispatchForm)
    if form is None:
        return redirect("appeals:detail", pk=appeal.pk)
    data = form.cleaned_data
    return _done(
        request,
        appeal,
        lambda: services.appeal_dispatch(
            request.user, appeal, data["lead_unit"], data["co_units"], data["note"]
        ),
        f"已分派给{data['lead_unit'].name}",
    )


@role_required(APPEAL_VIEWERS)
@require_POST
def appeal_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    appeal, form = _act(request, pk, "send_back", SendBackForm)
    if form is None:
        return redirect("appeals:detail", pk=appeal.pk)
    return _done(
        request,
        appeal,
        lambda: services.appeal_send_back(request.user, appeal, form.cleaned_data["reason"]),
        "已退回企业服务办",
    )


@role_required(APPEAL_VIEWERS)
@require_POST
def appeal_accept(request: HttpRequest, pk: int) -> HttpResponse:
    appeal, ok = _act(request, pk, "accept")
    if ok is None:
        return redirect("appeals:detail", pk=appeal.pk)
    return _done(request, appeal, lambda: services.appeal_accept(request.user, appeal), "已签收")


@role_required(APPEAL_VIEWERS)
@require_POST
def appeal_reply(request: HttpRequest, pk: int) -> HttpResponse:
    appeal, form = _act(request, pk, "reply", ReplyForm, files=True)
    if form is None:
        if appeal.status == Status.RESOLVED:
            messages.error(request, "诉求已办结，不能再答复")
        return redirect("appeals:detail", pk=appeal.pk)
    return _done(
        request,
        appeal,
        lambda: services.appeal_reply(
            request.user, appeal, form.cleaned_data["text"], form.cleaned_data["files"]
        ),
        "已答复，等待企业评价",
    )


@role_required(APPEAL_VIEWERS)
@require_POST
def appeal_ask_question(request: HttpRequest, pk: int) -> HttpResponse:
    appeal, form = _act(request, pk, "ask_question", QuestionForm)
    if form is None:
        return redirect("appeals:detail", pk=appeal.pk)
    return _done(
        request,
        appeal,
        lambda: services.appeal_ask_question(request.user, appeal, form.cleaned_data["text"]),
        "已向企业发出询问，企业在企业服务平台答复",
    )


@role_required(APPEAL_VIEWERS)
@require_POST
def appeal_ask_extension(request: HttpRequest, pk: int) -> HttpResponse:
    appeal, form = _act(request, pk, "ask_extension", ExtensionAskForm)
    if form is None:
        return redirect("appeals:detail", pk=appeal.pk)
    return _done(
        request,
        appeal,
        lambda: services.appeal_ask_extension(
            request.user, appeal, form.cleaned_data["days"], form.cleaned_data["reason"]
        ),
        "已提交延期申请，等待企业服务办审批",
    )


@role_required(SERVICE_OFFICE_ROLES)
@require_POST
def appeal_decide_extension(request: HttpRequest, pk: int) -> HttpResponse:
    appeal, form = _act(request, pk, "decide_extension", ExtensionDecideForm)
    if form is None:
        return redirect("appeals:detail", pk=appeal.pk)
    approve = form.cleaned_data["approve"]
    return _done(
        request,
        appeal,
        lambda: services.appeal_decide_extension(
            request.user, appeal, approve, form.cleaned_data["note"]
        ),
        "已同意延期" if approve else "已不同意延期",
    )


@role_required(SERVICE_OFFICE_ROLES)
@require_POST
def appeal_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    appeal, form = _act(request, pk, "follow_up", FollowUpForm)
    if form is None:
        return redirect("appeals:detail", pk=appeal.pk)
    return _done(
        request,
        appeal,
        lambda: services.appeal_follow_up(
            request.user, appeal, form.cleaned_data["rating"], form.cleaned_data["note"]
        ),
        "已登记回访",
    )


@role_required(APPEAL_VIEWERS)
@require_POST
def appeal_rate(request: HttpRequest, pk: int) -> HttpResponse:
    appeal, form = _act(request, pk, "rate", RateForm)
    if form is None:
        return redirect("appeals:detail", pk=appeal.pk)
    return _done(
        request,
        appeal,
        lambda: services.appeal_rate(
            request.user, appeal, form.cleaned_data["rating"], form.cleaned_data["comment"]
        ),
        "感谢您的评价",
    )


@role_required(APPEAL_VIEWERS)
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment, only to those who can see its request; never rendered inline."""
    attached = get_visible_or_404(AppealAttachment.objects.all(), request.user, pk=pk)
    response = FileResponse(
        attached.file.open("rb"),
        as_attachment=True,
        filename=attached.name,
        content_type=content_type_for(attached.file.name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------
# Deadline rules


@role_required(SERVICE_OFFICE_ROLES)
@require_http_methods(["GET", "POST"])
def deadline_rules(request: HttpRequest) -> HttpResponse:
    region_id = _region_id(request)
    if region_id is None:
        raise PermissionDenied("您的账号没有所属县，无法调整诉求时限")
    form = DeadlineRulesForm(request.POST or None, region=region_id)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.deadline_rules_save(request.user, region_id, form.values())
        except services.AppealRuleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已保存诉求时限（{changed} 项有变化），下次分派起生效")
            return redirect("appeals:deadlines")
    return render(
        request,
        "appeals/deadline_rules.html",
        {"form": form, "defaults": deadlines.DEFAULTS},
    )
