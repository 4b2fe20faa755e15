"""On a project's page: the lead it came from, so its source and history stay in sight."""

from __future__ import annotations

from .models import Lead


def project_source_panel(request, project) -> dict | None:
    lead = (
        Lead.objects.filter(project=project)
        .select_related("owner", "trip")
        .prefetch_related("events")
        .first()
    )
    if lead is None:
        return None
    return {
        "template": "outreach/_project_source.html",
        "context": {
            "lead": lead,
            # Leaders see their own leads only: others read the source without the link.
            "can_open": Lead.objects.visible_to(request.user).filter(pk=lead.pk).exists(),
            "steps": len(lead.events.all()),
        },
    }
