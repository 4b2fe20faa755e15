"""The inspection section of a unit's page: its findings not yet put right, overdue first."""

from __future__ import annotations

from django.utils import timezone

from .inspections import open_findings
from .models import Finding


def unit_findings_panel(request, unit) -> dict | None:
    findings = list(
        open_findings(Finding.objects.visible_to(request.user).filter(unit=unit))
        .select_related("project", "responsible_person")
        .order_by("deadline", "id")[:10]
    )
    if not findings:
        return None
    return {
        "template": "supervision/inspection_unit_panel.html",
        "context": {"unit": unit, "findings": findings, "today": timezone.localdate()},
    }
