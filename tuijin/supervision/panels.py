"""The supervision section of a unit's page: its open orders, overdue first."""

from __future__ import annotations

from django.utils import timezone

from .models import SupervisionOrder


def unit_orders_panel(request, unit) -> dict | None:
    orders = list(
        SupervisionOrder.objects.visible_to(request.user)
        .open()
        .filter(unit=unit)
        .select_related("person")
        .order_by("deadline", "id")[:10]
    )
    if not orders:
        return None
    return {
        "template": "supervision/_unit_panel.html",
        "context": {"unit": unit, "orders": orders, "today": timezone.localdate()},
    }


def project_supervision_panel(request, project) -> dict | None:
    """On a project's page: what inspections found there and the orders about it, open first,
    each with its responsible person (「项目督查结果要指明责任人」)."""
    from .models import Finding

    findings = list(
        Finding.objects.visible_to(request.user)
        .filter(project=project)
        .select_related("inspection", "responsible_person")
        .prefetch_related("orders")
        .order_by("-inspection__inspected_on", "-id")[:10]
    )
    orders = sorted(
        SupervisionOrder.objects.visible_to(request.user)
        .filter(project=project)
        .select_related("person", "unit")
        .order_by("-issued_on", "-id")[:10],
        key=lambda order: not order.is_open,  # open ones first, newest first within each
    )
    if not findings and not orders:
        return None
    return {
        "template": "supervision/_project_panel.html",
        "context": {"findings": findings, "orders": orders, "today": timezone.localdate()},
    }
