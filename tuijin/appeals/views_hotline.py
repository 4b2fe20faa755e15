"""The 12345 hotline import page: upload, preview (a dry run of the same import), confirm."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tuijin.core.imports import RowError, preview_then_confirm
from tuijin.core.models import Region
from tuijin.core.permissions import role_required
from tuijin.core.scoping import home_region_id

from .hotline import IGNORED, OPTIONAL, REQUIRED, import_hotline
from .models import SERVICE_OFFICE_ROLES

SESSION_KEY = "hotline_import"
PREVIEW_LIMIT = 500
TEMPLATE = "appeals/hotline_import.html"


@role_required(SERVICE_OFFICE_ROLES)
@require_http_methods(["GET", "POST"])
def hotline_import(request: HttpRequest) -> HttpResponse:
    region_id = home_region_id(request.user)
    region = Region.objects.filter(pk=region_id).first() if region_id else None
    context: dict = {
        "region": region,
        "preview_limit": PREVIEW_LIMIT,
        "required": REQUIRED,
        "optional": OPTIONAL,
        "ignored": sorted(IGNORED),
    }
    if region is None:
        context["errors"] = [RowError(None, None, "您的账号未设置所属地区，无法导入12345工单")]
        return render(request, TEMPLATE, context)

    def run(path, dry_run: bool):
        return import_hotline(path, region=region, acting_user=request.user, dry_run=dry_run)

    def done(report) -> HttpResponse:
        messages.success(request, "12345工单已导入：" + "；".join(report.summary_lines()))
        return redirect("appeals:list")

    return preview_then_confirm(
        request,
        session_key=SESSION_KEY,
        template=TEMPLATE,
        run=run,
        on_success=done,
        context=context,
        label="12345 工单文件（.xlsx 或 .csv）",
    )
