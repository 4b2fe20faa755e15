"""Ledger pages: upload with preview and confirm (the project office), and the download.

The upload follows the directory import: the file is checked by a dry run of the same
service and kept under MEDIA_ROOT/imports/ with a random name whose token only this session
holds; confirming imports that very file, all or nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tuijin.core.models import Region
from tuijin.core.permissions import role_required
from tuijin.core.roles import GOVERNMENT, Role

from .filters import ProjectFilterSet
from .ledger import LedgerImportError, RowError, export_ledger, import_ledger
from .models import Project

SESSION_KEY = "ledger_import"
PREVIEW_LIMIT = 500  # changes listed on the preview page; the counts cover all of them
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LedgerUploadForm(forms.Form):
    file = forms.FileField(label="重点项目台账 Excel 文件（.xlsx）")


def _import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _region_of(request: HttpRequest) -> Region | None:
    """The county the ledger belongs to: the user's, else the only one there is."""
    user = request.user
    if user.region_id:
        return user.region
    person = getattr(user, "person", None)
    if person is not None:
        return person.region
    regions = list(Region.objects.all()[:2])
    return regions[0] if len(regions) == 1 else None


@role_required((Role.PROJECT_OFFICE,))
@require_http_methods(["GET", "POST"])
def ledger_import(request: HttpRequest) -> HttpResponse:
    """Upload, preview (a dry run), then confirm: the same service does both."""
    region = _region_of(request)
    form = LedgerUploadForm()
    context: dict = {"form": form, "region": region, "preview_limit": PREVIEW_LIMIT}
    if region is None:
        context["errors"] = [RowError(None, None, "您的账号未设置所属地区，无法导入台账")]
        return render(request, "projects/ledger_import.html", context)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        token = request.session.pop(SESSION_KEY, None)
        path = _import_dir() / f"{token}.xlsx" if token else None
        if path is None or not path.exists():
            messages.error(request, "预览已失效，请重新上传文件")
            return redirect("projects:ledger-import")
        try:
            report = import_ledger(path, region=region, acting_user=request.user)
        except LedgerImportError as exc:
            context["errors"] = exc.errors
        else:
            messages.success(request, "台账已导入：" + "；".join(report.summary_lines()))
            return redirect("projects:list")
        finally:
            path.unlink(missing_ok=True)
    elif request.method == "POST":
        form = LedgerUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.TUIJIN_MAX_IMPORT_BYTES:
                form.add_error("file", "文件过大，请拆分后再导入")
            else:
                token = uuid.uuid4().hex
                path = _import_dir() / f"{token}.xlsx"
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    report = import_ledger(path, region=region, dry_run=True)
                except LedgerImportError as exc:
                    path.unlink(missing_ok=True)
                    context["errors"] = exc.errors
                else:
                    previous = request.session.get(SESSION_KEY)
                    if previous:  # a second upload replaces the first preview
                        (_import_dir() / f"{previous}.xlsx").unlink(missing_ok=True)
                    request.session[SESSION_KEY] = token
                    context["report"] = report
    return render(request, "projects/ledger_import.html", context)


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
