"""On a project's page: the lead it came from, so its source and history stay in sight.

Read in the page's own query of the project (tuijin/core/panels.py ``reads``).
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef

from tuijin.core.childrows import ChildRows
from tuijin.core.panels import reads

from .models import Lead


def _source(request) -> ChildRows:
    """The newest lead converted into the project, with its number of steps and whether this
    user may open it (leaders see their own leads only: others read it without the link)."""
    leads = Lead.objects.filter(project=OuterRef("pk")).annotate(
        steps=Count("events"),
        can_open=Exists(Lead.objects.visible_to(request.user).filter(pk=OuterRef("pk"))),
    )
    return ChildRows(leads, "owner", "trip", limit=1)


def _rows(request) -> dict:
    return {"outreach_source_rows": _source(request)}


@reads(_rows)
def project_source_panel(request, project) -> dict | None:
    leads = project.outreach_source_rows
    if not leads:
        return None
    lead = leads[0]
    return {
        "template": "outreach/_project_source.html",
        "context": {"lead": lead, "can_open": bool(lead.can_open), "steps": lead.steps},
    }
