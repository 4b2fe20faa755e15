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
