"""Pages of the enterprise portal (企业服务), phone first: registration, the office's
verification list, and for a verified enterprise its requests, filing, answering a question
and rating a reply.

Requests are read through ``Appeal.objects.visible_to`` (an enterprise sees its own only);
changes go to ``services`` and ``portal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth import login
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tuijin.core.permissions import role_required
from tuijin.core.roles import Role
from tuijin.core.scoping import get_visible_or_404

from . import portal, services
from .forms_portal import (
    AnswerForm,
    FileAppealForm,
    RateForm,
    RegisterForm,
    RejectForm,
    ResubmitForm,
)
from .models import (
    ENTERPRISE_EVENT_KINDS,
    SERVICE_OFFICE_ROLES,
    Appeal,
    AppealAttachment,
    AppealEvent,
    EnterpriseAccount,
)

ENTERPRISE_ROLES = (Role.ENTERPRISE,)
Kind = AppealEvent.Kind
Status = Appeal.Status

# What the enterprise reads in its timeline. Shown: the steps that concern it (filed,
# handed to a unit, signed for, replies, questions and its answers, ratings, the office's
# call, reopening, closing, an approved extension as the new time). Hidden: internal
# working — reminders (催办), escalations (升级), a unit's return of a misrouted request (退回),
# extension requests and refusals, the office's call-back task, and the office's dispatch
# notes (the enterprise sees only which unit handles it).
PUBLIC_KINDS = ENTERPRISE_EVENT_KINDS
# Events whose files the enterprise may download (its own and the unit's reply).
FILE_KINDS = frozenset({Kind.RECEIVED, Kind.REPLIED, Kind.QUESTION, Kind.ANSWER})
# Plain words for each status, as the enterprise would say it.
STATUS_WORDS = {
    Status.NEW: "已提交，等待安排",
    Status.DISPATCHED: "已交给办理单位",
    Status.ACCEPTED: "办理中",
    Status.REPLIED: "已答复，请您评价",
    Status.RESOLVED: "已办结",
}


@dataclass
class Step:
    """One line of the enterprise's timeline."""

    kind: str
    on_date: object
    title: str
    text: str = ""
    mine: bool = False
    files: list = field(default_factory=list)


def portal_step(event: AppealEvent) -> Step:
    unit = event.unit.name if event.unit_id else "办理单位"
    files = list(event.files.all()) if event.kind in FILE_KINDS else []
    k = event.kind
    if k == Kind.RECEIVED:
        return Step(k, event.on_date, "诉求已提交", "", True, files)
    if k == Kind.DISPATCHED:
        return Step(k, event.on_date, f"已交给{unit}办理")
    if k == Kind.ACCEPTED:
        return Step(k, event.on_date, f"{unit}已接手，正在办理")
    if k == Kind.REPLIED:
        return Step(k, event.on_date, f"{unit}答复", event.text, False, files)
    if k == Kind.QUESTION:
        return Step(k, event.on_date, f"{unit}请您补充", event.text, False, files)
    if k == Kind.ANSWER:
        return Step(k, event.on_date, "您补充了", event.text, True, files)
    if k == Kind.RATED:
        return Step(k, event.on_date, "您的评价", event.text, True)
    if k == Kind.FOLLOW_UP:
        return Step(k, event.on_date, "企业服务办电话回访", event.text)
    if k == Kind.REOPENED:
        return Step(k, event.on_date, "已重新办理", event.text)
    if k == Kind.RESOLVED:
        return Step(k, event.on_date, "已办结")
    return Step(k, event.on_date, "办理时间延长", f"延长 {event.days or 0} 个工作日")


def timeline_for(appeal: Appeal) -> list[Step]:
    events = (
        appeal.events.filter(kind__in=PUBLIC_KINDS)
        .select_related("unit")
        .prefetch_related(Prefetch("files", queryset=AppealAttachment.objects.order_by("id")))
    )
    return [portal_step(e) for e in events]


def _errors_into(form, exc: services.AppealRuleError) -> None:
    name = exc.field if exc.field in form.fields else None
    form.add_error(name, exc.message)


def _verified_account(request: HttpRequest) -> EnterpriseAccount | None:
    account = portal.account_of(request.user)
    return account if account is not None and account.verified else None


def _own_appeal(request: HttpRequest, account: EnterpriseAccount, pk: int) -> Appeal:
    """The enterprise's own request; anyone else's is the same 404 as a missing one."""
    base = Appeal.objects.filter(enterprise_id=account.enterprise_id).select_related("lead_unit")
    return get_visible_or_404(base, request.user, pk=pk)


def _not_yet(request: HttpRequest) -> HttpResponse:
    messages.info(request, "您的注册正在核验中，核验通过后才能使用")
    return redirect("portal:home")


# ---------------------------------------------------------------------------
# Registration (anonymous)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = portal.account_register(
                credit_code=data["credit_code"],
                contact_name=data["contact_name"],
                contact_mobile=data["contact_mobile"],
                password=data["password1"],
            )
        except services.AppealRuleError as exc:
            _errors_into(form, exc)
        else:
            login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "注册已提交，县企业服务办核验后即可使用")
            return redirect("portal:home")
    return render(request, "appeals/portal/register.html", {"form": form})


# ---------------------------------------------------------------------------
# The enterprise's pages


@role_required(ENTERPRISE_ROLES)
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """我的诉求; before verification only the waiting notice, with no account a resubmit form."""
    account = portal.account_of(request.user)
    if account is None:
        form = ResubmitForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                portal.account_resubmit(
                    request.user,
                    form.cleaned_data["credit_code"],
                    form.cleaned_data["contact_name"],
                )
            except services.AppealRuleError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, "已重新提交，县企业服务办核验后即可使用")
                return redirect("portal:home")
        refused = request.user.notifications.filter(title="您的企业注册未通过核验").first()
        return render(request, "appeals/portal/no_account.html", {"form": form, "refused": refused})
    if request.method == "POST":
        return redirect("portal:home")
    if not account.verified:
        return render(request, "appeals/portal/waiting.html", {"account": account})
    appeals = list(
        Appeal.objects.visible_to(request.user)
        .filter(enterprise_id=account.enterprise_id)
        .select_related("lead_unit")
        .order_by("-received_on", "-id")
    )
    # The last question-or-answer of each open request: a question last means 待补充.
    last_kind: dict[int, str] = dict(
        AppealEvent.objects.filter(appeal__in=[a.pk for a in appeals if a.is_open])
        .filter(kind__in=[Kind.QUESTION, Kind.ANSWER])
        .order_by("appeal_id", "at", "id")
        .values_list("appeal_id", "kind")
    )
    rows = []
    for appeal in appeals:
        awaited = ""
        if appeal.status == Status.REPLIED:
            awaited = "待评价"
        elif appeal.is_open and last_kind.get(appeal.pk) == Kind.QUESTION:
            awaited = "待补充"
        rows.append({"appeal": appeal, "words": STATUS_WORDS[appeal.status], "awaited": awaited})
    return render(
        request,
        "appeals/portal/home.html",
        {
            "account": account,
            "rows": rows,
            "awaited_count": sum(1 for r in rows if r["awaited"]),
        },
    )


@role_required(ENTERPRISE_ROLES)
@require_http_methods(["GET", "POST"])
def appeal_new(request: HttpRequest) -> HttpResponse:
    account = _verified_account(request)
    if account is None:
        return _not_yet(request)
    form = FileAppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.appeal_receive(
                acting_user=request.user,
                source=Appeal.Source.PORTAL,
                enterprise=account.enterprise,
                contact_name=account.contact_name,
                contact_mobile=account.contact_mobile,
                kind=data["kind"],
                topic=data["topic"],
                urgency=data["urgency"],
                title=data["title"],
                text=data["text"],
                files=data["files"],
            )
        except services.AppealRuleError as exc:
            _errors_into(form, exc)
        else:
            messages.success(
                request, f"已提交，编号{appeal.code}。办理进展会在这里和「消息」里告诉您"
            )
            return redirect("portal:detail", pk=appeal.pk)
    return render(request, "appeals/portal/file.html", {"form": form, "account": account})


@role_required(ENTERPRISE_ROLES)
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = _verified_account(request)
    if account is None:
        return _not_yet(request)
    appeal = _own_appeal(request, account, pk)
    question = portal.pending_question(appeal) if appeal.is_open else None
    return render(
        request,
        "appeals/portal/detail.html",
        {
            "appeal": appeal,
            "words": STATUS_WORDS[appeal.status],
            "timeline": timeline_for(appeal),
            "question": question,
            "can_rate": appeal.status == Status.REPLIED,
            "rate_due": services.rate_due(appeal) if appeal.status == Status.REPLIED else None,
            "rate_form": RateForm(),
            "answer_form": AnswerForm(),
        },
    )


def _redirect_back(appeal: Appeal) -> HttpResponse:
    return redirect("portal:detail", pk=appeal.pk)


def _form_errors(form) -> str:
    return "；".join(e for errs in form.errors.values() for e in errs)


@role_required(ENTERPRISE_ROLES)
@require_POST
def appeal_rate(request: HttpRequest, pk: int) -> HttpResponse:
    account = _verified_account(request)
    if account is None:
        return _not_yet(request)
    appeal = _own_appeal(request, account, pk)
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择满意、基本满意或不满意")
        return _redirect_back(appeal)
    try:
        appeal = services.appeal_rate(
            request.user, appeal, form.cleaned_data["rating"], form.cleaned_data["comment"]
        )
    except services.AppealRuleError as exc:
        messages.error(request, exc.message)
    else:
        if appeal.status == Status.ACCEPTED:
            messages.warning(request, "已收到您的评价，诉求已重新办理，办理单位会再次答复您")
        else:
            messages.success(request, "感谢您的评价，诉求已办结")
    return _redirect_back(appeal)


@role_required(ENTERPRISE_ROLES)
@require_POST
def appeal_answer(request: HttpRequest, pk: int) -> HttpResponse:
    account = _verified_account(request)
    if account is None:
        return _not_yet(request)
    appeal = _own_appeal(request, account, pk)
    form = AnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _redirect_back(appeal)
    try:
        portal.answer_question(
            request.user, appeal, form.cleaned_data["text"], form.cleaned_data["files"]
        )
    except services.AppealRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已补充，办理单位会收到提醒")
    return _redirect_back(appeal)


# ---------------------------------------------------------------------------
# The service office: verification


@role_required(SERVICE_OFFICE_ROLES)
def accounts(request: HttpRequest) -> HttpResponse:
    """Pending registrations beside the registry's facts, so the office can call and check."""
    visible = EnterpriseAccount.objects.visible_to(request.user).select_related(
        "enterprise", "user", "verified_by"
    )
    pending = visible.filter(verified=False).order_by("created_at", "id")
    recent = visible.filter(verified=True).order_by("-verified_at", "-id")[:10]
    return render(
        request,
        "appeals/portal/accounts.html",
        {"pending": pending, "recent": recent, "reject_form": RejectForm()},
    )


def _account(request: HttpRequest, pk: int) -> EnterpriseAccount:
    base = EnterpriseAccount.objects.select_related("enterprise", "user")
    return get_visible_or_404(base, request.user, pk=pk)


@role_required(SERVICE_OFFICE_ROLES)
@require_POST
def account_verify(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    try:
        portal.account_verify(request.user, account)
    except services.AppealRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已核验通过：{account.enterprise.name} {account.contact_name}")
    return redirect("portal:accounts")


@role_required(SERVICE_OFFICE_ROLES)
@require_POST
def account_reject(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    form = RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        portal.account_reject(request.user, account, reason)
    except services.AppealRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已驳回：{account.enterprise.name} {account.contact_name}")
    return redirect("portal:accounts")
