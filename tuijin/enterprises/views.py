"""Registry pages: list with live search and filters, detail, create/edit, import, export."""

from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tuijin.core.exports import xlsx_response
from tuijin.core.imports import RowError, preview_then_confirm
from tuijin.core.models import Region, Unit
from tuijin.core.paging import capped_options, page_for
from tuijin.core.permissions import role_required
from tuijin.core.roles import GOVERNMENT
from tuijin.core.scoping import CHANGE, get_visible_or_404, scope_of
from tuijin.core.versioning import StaleWrite
from tuijin.projects.models import Project

from .filters import EnterpriseFilterSet
from .forms import EnterpriseForm
from .models import HOST_KINDS, KEEPERS, Enterprise
from .services import export_enterprises, import_enterprises

PAGE_SIZE = 30
PREVIEW_LIMIT = 500
SESSION_KEY = "enterprise_import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _region_of(request: HttpRequest) -> Region | None:
    """The county the user works for: their account's, else their directory entry's."""
    user = request.user
    if user.region_id:
        return user.region
    person = getattr(user, "person", None)
    return person.region if person is not None else None


def _filtered(request: HttpRequest) -> EnterpriseFilterSet:
    enterprises = Enterprise.objects.visible_to(request.user).select_related("host_unit")
    filterset = EnterpriseFilterSet(request.GET or None, queryset=enterprises)
    filterset.form.fields["host_unit"].queryset = Unit.objects.visible_to(request.user).filter(
        kind__in=HOST_KINDS
    )
    return filterset


@role_required(GOVERNMENT)
@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    page = page_for(request, filterset.qs, PAGE_SIZE)
    scope = scope_of(request.user)
    host_unit = filterset.form.fields["host_unit"]
    context = {
        "filter": filterset,
        "host_unit_options": capped_options(
            host_unit.queryset, request.GET.get("host_unit"), host_unit.empty_label
        ),
        "page": page,
        "can_edit": scope.has(*KEEPERS),
        "query": request.GET.urlencode(),
    }
    is_htmx = request.headers.get("HX-Request") == "true"
    template = "enterprises/enterprise_list.html"
    return render(request, template + "#results" if is_htmx else template, context)


@role_required(GOVERNMENT)
@require_GET
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_visible_or_404(
        Enterprise.objects.select_related("host_unit", "region"), request.user, pk=pk
    )
    projects = (
        Project.objects.visible_to(request.user)
        .filter(investor_credit_code=enterprise.credit_code)
        .order_by("name")[:50]
    )
    can_edit = Enterprise.objects.visible_to(request.user, CHANGE).filter(pk=pk).exists()
    context = {
        "enterprise": enterprise,
        "projects": projects,
        "history": LogEntry.objects.get_for_object(enterprise).select_related(
            "actor", "content_type"
        )[:50],
        "can_edit": can_edit,
    }
    return render(request, "enterprises/enterprise_detail.html", context)


@role_required(KEEPERS)
@require_http_methods(["GET", "POST"])
def enterprise_create(request: HttpRequest) -> HttpResponse:
    region = _region_of(request)
    if region is None:
        messages.error(request, "您的账号未设置所属地区，无法登记企业")
        return redirect("enterprises:list")
    form = EnterpriseForm(request.POST or None, region_id=region.pk)
    if request.method == "POST" and form.is_valid():
        enterprise = form.save()
        messages.success(request, f"已登记企业「{enterprise.name}」")
        return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "title": "登记企业"})


@role_required(KEEPERS)
@require_http_methods(["GET", "POST"])
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_visible_or_404(Enterprise.objects.all(), request.user, CHANGE, pk=pk)
    form = EnterpriseForm(request.POST or None, instance=enterprise, region_id=enterprise.region_id)
    if request.method == "POST" and form.is_valid():
        try:
            form.save_checked()
        except StaleWrite as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, "已保存企业信息")
            return redirect("enterprises:detail", pk=enterprise.pk)
    context = {"form": form, "enterprise": enterprise, "title": f"编辑：{enterprise.name}"}
    return render(request, "enterprises/enterprise_form.html", context)


@role_required(KEEPERS)
@require_http_methods(["GET", "POST"])
def enterprise_import(request: HttpRequest) -> HttpResponse:
    region = _region_of(request)
    context: dict = {"region": region, "preview_limit": PREVIEW_LIMIT}
    if region is None:
        context["errors"] = [RowError(None, None, "您的账号未设置所属地区，无法导入企业名录")]
        return render(request, "enterprises/enterprise_import.html", context)

    def run(path, dry_run: bool):
        return import_enterprises(path, region=region, dry_run=dry_run)

    def done(report) -> HttpResponse:
        messages.success(request, "企业名录已导入：" + "；".join(report.summary_lines()))
        return redirect("enterprises:list")

    return preview_then_confirm(
        request,
        session_key=SESSION_KEY,
        template="enterprises/enterprise_import.html",
        run=run,
        on_success=done,
        context=context,
        label="企业名录 Excel 文件（.xlsx）",
    )


@role_required(GOVERNMENT)
@require_GET
def enterprise_export(request: HttpRequest) -> HttpResponse:
    """The list page's enterprises, with its filters, in the import layout."""
    filterset = _filtered(request)
    today = dt.date.today()
    return xlsx_response(
        lambda out: export_enterprises(filterset.qs, out),
        f"企业名录{today:%Y%m%d}.xlsx",
        f"enterprises-{today:%Y%m%d}.xlsx",
    )
