"""The supervision sections of a unit's page (its open orders, overdue first) and of a
project's page (its findings and orders), read in the page's own query of the record."""

from __future__ import annotations

from django.db.models import OuterRef
from django.utils import timezone

from tuijin.core.childrows import ChildRows, attach
from tuijin.core.panels import reads

from .models import SupervisionOrder


def _unit_orders(request) -> ChildRows:
    orders = SupervisionOrder.objects.visible_to(request.user).open().filter(unit=OuterRef("pk"))
    return ChildRows(orders.order_by("deadline", "id"), "person", limit=10)


@reads(lambda request: {"supervision_open_orders_rows": _unit_orders(request)})
def unit_orders_panel(request, unit) -> dict | None:
    orders = unit.supervision_open_orders_rows
    if not orders:
        return None
    return {
        "template": "supervision/_unit_panel.html",
        "context": {"unit": unit, "orders": orders, "today": timezone.localdate()},
    }


def _project_findings(request) -> ChildRows:
    from .models import Finding

    findings = Finding.objects.visible_to(request.user).filter(project=OuterRef("pk"))
    return ChildRows(
        findings.order_by("-inspection__inspected_on", "-id"),
        "inspection",
        "responsible_person",
        limit=10,
    )


def _project_orders(request) -> ChildRows:
    orders = SupervisionOrder.objects.visible_to(request.user).filter(project=OuterRef("pk"))
    return ChildRows(orders.order_by("-issued_on", "-id"), "person", "unit", limit=10)


def _finding_orders() -> ChildRows:
    """The orders issued on the project's findings, each shown beside its finding."""
    return ChildRows(SupervisionOrder.objects.filter(finding__project=OuterRef("pk")))


def _project_rows(request) -> dict:
    return {
        "supervision_findings_rows": _project_findings(request),
        "supervision_orders_rows": _project_orders(request),
        "supervision_finding_orders_rows": _finding_orders(),
    }


@reads(_project_rows)
def project_supervision_panel(request, project) -> dict | None:
    """On a project's page: what inspections found there and the orders about it, open first,
    each with its responsible person (「项目督查结果要指明责任人」)."""
    findings = project.supervision_findings_rows
    for finding in findings:
        orders = project.supervision_finding_orders_rows
        attach(finding, "orders", [o for o in orders if o.finding_id == finding.pk])
    orders = sorted(
        project.supervision_orders_rows,
        key=lambda order: not order.is_open,  # open ones first, newest first within each
    )
    if not findings and not orders:
        return None
    return {
        "template": "supervision/_project_panel.html",
        "context": {"findings": findings, "orders": orders, "today": timezone.localdate()},
    }
