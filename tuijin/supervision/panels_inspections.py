"""The inspection section of a unit's page: its findings not yet put right, overdue first,
read in the page's own query of the unit (tuijin/core/panels.py ``reads``)."""

from __future__ import annotations

from django.db.models import OuterRef
from django.utils import timezone

from tuijin.core.childrows import ChildRows
from tuijin.core.panels import reads

from .inspections import open_findings
from .models import Finding


def _unit_findings(request) -> ChildRows:
    findings = open_findings(Finding.objects.visible_to(request.user).filter(unit=OuterRef("pk")))
    return ChildRows(findings.order_by("deadline", "id"), "project", "responsible_person", limit=10)


@reads(lambda request: {"supervision_open_findings_rows": _unit_findings(request)})
def unit_findings_panel(request, unit) -> dict | None:
    findings = unit.supervision_open_findings_rows
    if not findings:
        return None
    return {
        "template": "supervision/inspection_unit_panel.html",
        "context": {"unit": unit, "findings": findings, "today": timezone.localdate()},
    }
