"""The security and audit administrators' pages: accounts and roles, the security log, the
audit trail's export and the chain's verification (三权分立; see ``tuijin.core.duties``)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from . import duties
from .audit import verify_chain
from .exports import stream_xlsx
from .models import SecurityEvent, User
from .paging import page_for
from .permissions import duty_required
from .roles import Role
from .scoping import get_visible_or_404
from .templatetags.tuijin import audit_rows, preload_audit
from .views import AUDIT_READERS, audit_entries

PAGE_SIZE = 30
SECURITY_LOG_READERS = (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


# --- Accounts and roles (security administrator) ---------------------------------------------


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="角色", choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


@duty_required((Role.SECURITY_ADMIN,))
def security_accounts(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    accounts = User.objects.visible_to(request.user).prefetch_related("groups").order_by("username")
    if q:
        accounts = accounts.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    page = page_for(request, accounts, PAGE_SIZE)
    rows = [(u, duties.role_names(g.name for g in u.groups.all())) for u in page]
    return render(request, "core/security_accounts.html", {"page": page, "rows": rows, "q": q})


@duty_required((Role.SECURITY_ADMIN,))
@require_http_methods(["GET", "POST"])
def security_account(request: HttpRequest, pk: int) -> HttpResponse:
    """One account: its roles (changed here and nowhere else), its lockout and sessions."""
    target = get_visible_or_404(User.objects.all(), request.user, pk=pk)
    current = sorted(target.groups.values_list("name", flat=True))
    form = RolesForm(initial={"roles": current})
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "roles":
                form = RolesForm(request.POST)
                if form.is_valid():
                    duties.assign_roles(request.user, target, form.cleaned_data["roles"], request)
                    messages.success(request, "角色已更新")
                    return redirect("security:account", pk=target.pk)
            elif action == "unlock":
                cleared = duties.unlock_account(request.user, target, request)
                messages.success(request, f"已解除锁定（清除 {cleared} 条失败记录）")
                return redirect("security:account", pk=target.pk)
            elif action == "end_sessions":
                ended = duties.end_user_sessions(request.user, target, request)
                messages.success(request, f"已结束 {ended} 个登录会话")
                return redirect("security:account", pk=target.pk)
            else:
                messages.error(request, "未知操作")
        except duties.DutyRuleError as exc:
            messages.error(request, str(exc))
    context = {
        "target": target,
        "form": form,
        "current": duties.role_names(current),
        "events": SecurityEvent.objects.visible_to(request.user).filter(
            Q(user=target) | Q(username=target.get_username())
        )[:20],
    }
    return render(request, "core/security_account.html", context)


# --- The security log (security and audit administrators) -------------------------------------


def _events(request: HttpRequest):
    events = SecurityEvent.objects.visible_to(request.user).select_related("user")
    kind, result = request.GET.get("kind", ""), request.GET.get("result", "")
    who = request.GET.get("user", "").strip()[:50]
    since, until = request.GET.get("since", ""), request.GET.get("until", "")
    if kind in SecurityEvent.Kind.values:
        events = events.filter(kind=kind)
    if result in SecurityEvent.Result.values:
        events = events.filter(result=result)
    if who:
        events = events.filter(username__icontains=who)
    for value, lookup in ((since, "at__date__gte"), (until, "at__date__lte")):
        try:
            events = events.filter(**{lookup: dt.date.fromisoformat(value)}) if value else events
        except ValueError:
            messages.error(request, f"日期格式不正确：{value[:20]}，应为 YYYY-MM-DD")
    filters = {"kind": kind, "result": result, "user": who, "since": since, "until": until}
    return events, filters


@duty_required(SECURITY_LOG_READERS)
def security_events(request: HttpRequest) -> HttpResponse:
    events, filters = _events(request)
    context = {
        "page": page_for(request, events, PAGE_SIZE),
        "filters": filters,
        "kinds": SecurityEvent.Kind.choices,
        "results": SecurityEvent.Result.choices,
        "query": request.GET.urlencode(),
    }
    return render(request, "core/security_events.html", context)


@duty_required(SECURITY_LOG_READERS)
def security_events_export(request: HttpRequest):
    events, _ = _events(request)
    rows = (
        (
            timezone.localtime(e.at).replace(tzinfo=None),
            e.get_kind_display(),
            e.get_result_display(),
            e.username,
            e.ip or "",
            e.path,
            e.detail,
        )
        for e in events.iterator(chunk_size=2000)
    )
    return stream_xlsx(
        ["时间", "事件", "结果", "用户名", "地址", "路径", "内容"],
        rows,
        f"安全日志-{timezone.localdate():%Y%m%d}.xlsx",
        "security-log.xlsx",
        sheet_title="安全日志",
        widths=[18, 12, 8, 16, 16, 30, 50],
    )


# --- The audit trail: export and verification (audit administrator) ---------------------------


EXPORT_CHUNK = 500


def _audit_rows(entries: list):
    """Rows of a chunk of entries, the rows their changes name read once for the chunk."""
    for e in preload_audit(entries):
        changes = "；".join(f"{label}：{old} → {new}" for label, old, new in audit_rows(e))
        yield (
            timezone.localtime(e.timestamp).replace(tzinfo=None),
            str(e.actor) if e.actor else "系统",
            e.remote_addr or "",
            e.get_action_display(),
            e.content_type.name,
            e.object_repr,
            changes,
        )


@duty_required(AUDIT_READERS)
def audit_export(request: HttpRequest):
    entries, _, _ = audit_entries(request)

    def rows():
        chunk = []
        for entry in entries.iterator(chunk_size=EXPORT_CHUNK):
            chunk.append(entry)
            if len(chunk) == EXPORT_CHUNK:
                yield from _audit_rows(chunk)
                chunk = []
        yield from _audit_rows(chunk)

    return stream_xlsx(
        ["时间", "操作人", "地址", "操作", "对象类型", "对象", "变更"],
        rows(),
        f"审计日志-{timezone.localdate():%Y%m%d}.xlsx",
        "audit-log.xlsx",
        sheet_title="审计日志",
        widths=[18, 12, 16, 8, 12, 30, 60],
    )


@duty_required((Role.AUDIT_ADMIN,))
def audit_verify(request: HttpRequest) -> HttpResponse:
    return render(request, "core/audit_verify.html", {"verdict": None})


@duty_required((Role.AUDIT_ADMIN,))
@require_POST
def audit_verify_run(request: HttpRequest) -> HttpResponse:
    """Recompute the chain on request (not on every visit: it reads the whole trail)."""
    verdict = verify_chain()
    return render(request, "core/audit_verify.html", {"verdict": verdict})
