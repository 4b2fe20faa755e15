"""The bulletin archive (通报): issued bulletins with their downloads, and the supervision
office's form to generate and archive the bulletin of a period."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tuijin.core import security
from tuijin.core.permissions import role_required
from tuijin.core.roles import Role
from tuijin.core.scoping import get_visible_or_404, scope_of

from .bulletin import BulletinError, bulletin_issue, parse_period
from .models import BULLETIN_ROLES, Bulletin
from .views_league import _region

BULLETIN_ISSUERS = (Role.SUPERVISION,)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _default_period(today) -> str:
    return parse_period(None, today).code


@role_required(BULLETIN_ROLES)
def bulletin_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    bulletins = Bulletin.objects.visible_to(request.user).select_related("region", "created_by")
    return render(
        request,
        "supervision/bulletin_list.html",
        {
            "title": "通报",
            "bulletins": bulletins.order_by("-year", "-number")[:200],
            "can_issue": scope_of(request.user).has(*BULLETIN_ISSUERS),
            "default_period": _default_period(today),
            "period": request.GET.get("period", ""),
        },
    )


@require_POST
@role_required(BULLETIN_ISSUERS)
def bulletin_create(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    region = _region(request)
    if region is None:
        raise PermissionDenied("您的账号未关联县（区）")
    period = request.POST.get("period", "").strip() or _default_period(today)
    try:
        bulletin = bulletin_issue(region, period, today, request.user)
    except BulletinError as exc:
        messages.error(request, str(exc))
        return redirect("supervision:bulletins")
    messages.success(request, f"已生成并归档 {bulletin.code}（{bulletin.label}）")
    return redirect("supervision:bulletins")


@role_required(BULLETIN_ROLES)
def bulletin_download(request: HttpRequest, pk: int) -> FileResponse:
    """The archived .docx, only within the county, always as an attachment."""
    bulletin = get_visible_or_404(Bulletin.objects.all(), request.user, pk=pk)
    filename = f"{bulletin.region.name}重点项目推进情况通报（{bulletin.label}）.docx"
    security.record_export(filename, user=request.user)
    response = FileResponse(
        bulletin.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type=DOCX,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
