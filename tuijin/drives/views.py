"""Pages of drives and annual targets: list, launch form, drive page, weekly report, targets."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST

from tuijin.core import stamps
from tuijin.core.models import Region
from tuijin.core.permissions import role_required
from tuijin.core.scoping import CHANGE, get_visible_or_404, home_region_id, scope_of
from tuijin.core.versioning import StaleWrite

from . import services
from .docx import drive_report_docx
from .forms import (
    AnnualTargetForm,
    CampaignForm,
    LaunchChoices,
    MonthlyActualForm,
    TargetFormSet,
    TaskForceFormSet,
)
from .models import DRIVE_EDITORS, DRIVE_ROLES, AnnualTarget, Campaign, Measure, Target

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _can_edit(request: HttpRequest) -> bool:
    return scope_of(request.user).has(*DRIVE_EDITORS)


@role_required(DRIVE_ROLES)
def drive_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    campaigns = Campaign.objects.visible_to(request.user).select_related("office")
    rows = [{"campaign": c, "status": services.drive_status(c, today)} for c in campaigns]
    return render(
        request,
        "drives/drive_list.html",
        {"rows": rows, "can_launch": _can_edit(request), "title": "集中推进行动"},
    )


def _specs(task_forces: list[dict], targets: list[dict]):
    tf_specs = [
        services.TaskForceSpec(
            name=row["name"],
            head=row.get("head"),
            members=list(row.get("members") or []),
            projects=list(row.get("projects") or []),
        )
        for row in task_forces
    ]
    target_specs = [
        services.TargetSpec(
            name=row["name"],
            measure=row["measure"],
            value=row["value"],
            trajectory=row["trajectory"],
            weekly_plan=row.get("weekly_plan") or [],
            task_force=row.get("task_force"),
            unit_label=row.get("unit_label") or "",
        )
        for row in targets
    ]
    return tf_specs, target_specs


@role_required(DRIVE_EDITORS)
@require_http_methods(["GET", "POST"])
def drive_launch(request: HttpRequest) -> HttpResponse:
    """The project office launches a drive in one form; nothing is saved unless all is right."""
    region_id = home_region_id(request.user)
    data = request.POST if request.method == "POST" else None
    choices = LaunchChoices(region_id)  # each choice list read once for every row
    form = CampaignForm(data, region_id=region_id, choices=choices)
    task_forces = TaskForceFormSet(data, prefix="tf", region_id=region_id, choices=choices)
    targets = TargetFormSet(data, prefix="tg")
    error = None
    if request.method == "POST":
        valid = [form.is_valid(), task_forces.is_valid(), targets.is_valid()]
        if region_id is None:
            error = "无法确定您所属的县，请联系管理员设置账号的地区"
        elif all(valid):
            tf_specs, target_specs = _specs(task_forces.filled, targets.filled)
            try:
                campaign = services.drive_launch(
                    acting_user=request.user,
                    region=Region.objects.get(pk=region_id),
                    name=form.cleaned_data["name"],
                    start_date=form.cleaned_data["start_date"],
                    end_date=form.cleaned_data["end_date"],
                    leading_group=list(form.cleaned_data["leading_group"]),
                    office=form.cleaned_data["office"],
                    description=form.cleaned_data["description"],
                    task_forces=tf_specs,
                    targets=target_specs,
                )
            except services.DriveRuleError as exc:
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                else:
                    error = exc.message
            else:
                messages.success(request, f"已发起「{campaign.name}」")
                return redirect("drives:detail", pk=campaign.pk)
        else:
            error = "请检查标红的内容"
    return render(
        request,
        "drives/drive_form.html",
        {
            "form": form,
            "task_forces": task_forces,
            "targets": targets,
            "error": error,
            "title": "发起集中推进行动",
        },
    )


def _campaign(request: HttpRequest, pk: int, action: str = "view") -> Campaign:
    """The drive alone (one query): its figures come cached, with what they need."""
    qs = Campaign.objects.select_related("region", "office")
    return get_visible_or_404(qs, request.user, action, pk=pk)


def _chart_data(figures: dict) -> dict:
    return {
        "targets": [f.as_dict() for f in figures["targets"]],
        "status": figures["status"],
    }


def _figures_page(campaign: Campaign, today: dt.date) -> dict:
    """The drive page's figures, rendered once per change of the data under them.

    Everything the figures show is the same for whoever may see the drive (checked before):
    the countdown, the target cards, the ranking and the lagging projects are kept as HTML
    with the chart data and the custom targets, under the stamps of every kind of data they
    are computed from (``services.SOURCES``); only what depends on the user (the forms of
    the office, the menu) is rendered on each request.
    """
    key = f"drives:page:{campaign.pk}:{today.isoformat()}:{get_language()}"

    def compute() -> dict:
        figures = services.drive_figures(campaign, today)
        return {
            "figures_html": render_to_string("drives/_drive_figures.html", figures),
            "chart_data": _chart_data(figures),
            "custom": [
                {"pk": f.target.pk, "name": f.target.name, "unit": f.unit}
                for f in figures["targets"]
                if f.target.measure == Measure.CUSTOM
            ],
        }

    return stamps.cached(services.SOURCES, key, compute)


@role_required(DRIVE_ROLES)
def drive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Countdown, each target's plan against actual, forecasts, task forces ranked."""
    campaign = _campaign(request, pk)
    today = timezone.localdate()
    page = _figures_page(campaign, today)
    return render(
        request,
        "drives/drive_detail.html",
        {
            **page,
            # Rendered from our own template (its variables escaped there), then cached.
            "figures_html": mark_safe(page["figures_html"]),
            "campaign": campaign,
            "today": today,
            "can_edit": _can_edit(request),
            "title": campaign.name,
        },
    )


@role_required(DRIVE_EDITORS)
@require_POST
def drive_actual(request: HttpRequest, pk: int, target_pk: int) -> HttpResponse:
    """The office types a month's actual of a custom target."""
    campaign = _campaign(request, pk, CHANGE)
    target = get_visible_or_404(
        Target.objects.filter(campaign=campaign), request.user, CHANGE, pk=target_pk
    )
    form = MonthlyActualForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("drives:detail", pk=campaign.pk)
    try:
        services.monthly_actual_record(
            acting_user=request.user,
            target=target,
            month=form.cleaned_data["month"],
            value=form.cleaned_data["value"],
        )
    except services.DriveRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"已记录「{target.name}」{form.cleaned_data['month']:%Y年%m月}完成情况"
        )
    return redirect("drives:detail", pk=campaign.pk)


@role_required(DRIVE_ROLES)
def drive_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The weekly drive report (.docx), from the same figures as the page."""
    campaign = _campaign(request, pk)
    figures = services.cached_drive_figures(campaign, timezone.localdate())
    response = HttpResponse(drive_report_docx(figures), content_type=DOCX)
    week = figures["status"]["week"]
    filename = f"{campaign.name}第{week}周周报.docx"
    response["Content-Disposition"] = (
        f'attachment; filename="drive-{campaign.pk}-week-{week}.docx"; '
        f"filename*=UTF-8''{quote(filename)}"
    )
    return response


def _year(request: HttpRequest, today: dt.date) -> int:
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        return today.year
    return year if 2000 <= year <= 2100 else today.year


def _save_annual(request: HttpRequest, form: AnnualTargetForm, instance=None) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    region = Region.objects.filter(pk=home_region_id(request.user)).first()
    if region is None:
        form.add_error(None, "无法确定您所属的县，请联系管理员设置账号的地区")
        return False
    if instance is not None:
        form.arm(instance)  # saved only if nobody changed the target since the form was read
    try:
        services.annual_target_save(
            region=region,
            year=data["year"],
            name=data["name"],
            measure=data["measure"],
            value=data["value"],
            manual_actual=data["manual_actual"],
            unit_label=data["unit_label"],
            instance=instance,
        )
    except services.DriveRuleError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return False
    except StaleWrite as exc:
        form.refuse_stale(exc)
        return False
    return True


@role_required(DRIVE_ROLES)
@require_http_methods(["GET", "POST"])
def annual_list(request: HttpRequest) -> HttpResponse:
    """The county's yearly targets against the time elapsed; the office adds targets here."""
    today = timezone.localdate()
    year = _year(request, today)
    form = AnnualTargetForm(initial={"year": year})
    if request.method == "POST":
        if not _can_edit(request):
            raise PermissionDenied("您的角色无权修改全年目标")
        form = AnnualTargetForm(request.POST)
        if _save_annual(request, form):
            messages.success(request, f"已保存目标「{form.cleaned_data['name']}」")
            return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    targets = AnnualTarget.objects.visible_to(request.user).filter(year=year)
    return render(
        request,
        "drives/annual_list.html",
        {
            "rows": services.annual_figures(list(targets), today),
            "year": year,
            "years": range(today.year + 1, today.year - 5, -1),
            "elapsed": (services.time_share(today, year) * 100).quantize(services.ZERO),
            "form": form,
            "can_edit": _can_edit(request),
            "title": "全年目标任务",
        },
    )


@role_required(DRIVE_EDITORS)
@require_http_methods(["GET", "POST"])
def annual_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_visible_or_404(AnnualTarget.objects.all(), request.user, CHANGE, pk=pk)
    initial = {
        f: getattr(target, f)
        for f in ("year", "name", "measure", "value", "unit_label", "manual_actual")
    }
    form = AnnualTargetForm(request.POST or None, initial=initial, versioned=target)
    if request.method == "POST" and _save_annual(request, form, instance=target):
        messages.success(request, f"已保存目标「{target.name}」")
        return redirect(f"{reverse('drives:annual')}?year={target.year}")
    return render(
        request,
        "drives/annual_form.html",
        {"form": form, "target": target, "title": f"修改全年目标：{target.name}"},
    )
