"""The key-projects section of a unit's page: its projects by light and its problems due."""

from __future__ import annotations

from django.db.models import Count, Q

from .models import Problem, Project
from .services import problems_due_soon


def unit_projects_panel(request, unit) -> dict | None:
    projects = Project.objects.visible_to(request.user).filter(
        Q(host_unit=unit) | Q(lead_department=unit)
    )
    lights = dict(projects.values_list("light").annotate(n=Count("id")).values_list("light", "n"))
    problems = problems_due_soon(
        Problem.objects.visible_to(request.user)
        .filter(responsible_unit=unit)
        .select_related("project", "responsible_person")
    )
    if not lights and not problems:
        return None
    return {
        "template": "projects/_unit_panel.html",
        "context": {"unit": unit, "lights": lights, "problems": problems},
    }
