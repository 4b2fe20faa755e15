"""Ledger pages: upload with preview and confirm (the project office), and the download.

The upload follows the directory import: the file is checked by a dry run of the same
service and kept under MEDIA_ROOT/imports/ with a random name whose token only this session
holds; confirming imports that very file, all or nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tuijin.core.imports import RowError, preview_then_confirm
from tuijin.core.models import Region
from tuijin.core.permissions import role_required
from tuijin.core.roles import GOVERNMENT, Role
from tuijin.core.scoping import home_region_id

from .filters import ProjectFilterSet
from .ledger import export_ledger, import_ledger
from .models import Project

SESSION_KEY = "ledger_import"
PREVIEW_LIMIT = 500  # changes listed on the preview page; the counts cover all of them
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _region_of(request: HttpRequest) -> Region | None:
    """The county the ledger belongs to."""
    region_id = home_region_id(request.user)
    return Region.objects.filter(pk=region_id).first() if region_id else None


@role_required((Role.PROJECT_OFFICE,))
@require_http_methods(["GET", "POST"])
def ledger_import(request: HttpRequest) -> HttpResponse:
    """Upload, preview (a dry run), then confirm: the same service does both."""
    region = _region_of(request)
    context: dict = {"region": region, "preview_limit": PREVIEW_LIMIT}
    if region is None:
        context["errors"] = [RowError(None, None, "您的账号未设置所属地区，无法导入台账")]
        context["form"] = None
        return render(request, "projects/ledger_import.html", context)

    def run(path, dry_run: bool):
        return import_ledger(path, region=region, acting_user=request.user, dry_run=dry_run)

    def done(report) -> HttpResponse:
        messages.success(request, "台账已导入：" + "；".join(report.summary_lines()))
        return redirect("projects:list")

    return preview_then_confirm(
        request,
        session_key=SESSION_KEY,
        template="projects/ledger_import.html",
        run=run,
        on_success=done,
        context=context,
        label="重点项目台账 Excel 文件（.xlsx）",
    )


def _attachment(filename: str, fallback: str) -> str:
    """Content-Disposition with an ASCII fallback and the Chinese name per RFC 5987/6266."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


@role_required(GOVERNMENT)
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The list page's projects, with its filters, as the county ledger."""
    projects = Project.objects.visible_to(request.user)
    filterset = ProjectFilterSet(request.GET or None, queryset=projects)
    today = dt.date.today()
    buffer = io.BytesIO()
    region = _region_of(request)
    export_ledger(filterset.qs, buffer, today=today)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    name = f"{region.name if region else ''}重点项目台账{today:%Y%m%d}.xlsx"
    response["Content-Disposition"] = _attachment(name, f"ledger-{today:%Y%m%d}.xlsx")
    response["Cache-Control"] = "no-store"
    return response
