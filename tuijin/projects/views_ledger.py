"""Ledger pages: upload with preview and confirm (the project office), and the download.

The upload follows the directory import: the file is checked by a dry run of the same
service and kept under MEDIA_ROOT/imports/ with a random name whose token only this session
holds; confirming imports that very file, all or nothing.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tuijin.core.exports import xlsx_response
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


@role_required(GOVERNMENT)
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The list page's projects, with its filters, as the county ledger.

    Written to a temporary file and sent from it, so a ledger of 40,000 projects takes no more
    memory than one of 400.
    """
    projects = Project.objects.visible_to(request.user)
    filterset = ProjectFilterSet(request.GET or None, queryset=projects)
    today = dt.date.today()
    region = _region_of(request)
    return xlsx_response(
        lambda out: export_ledger(filterset.qs, out, today=today),
        f"{region.name if region else ''}重点项目台账{today:%Y%m%d}.xlsx",
        f"ledger-{today:%Y%m%d}.xlsx",
    )
