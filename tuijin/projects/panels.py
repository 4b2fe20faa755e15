"""The key-projects section of a unit's page: its projects by light and its problems due.

Read in the unit page's own query of the unit (tuijin/core/panels.py ``reads``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from tuijin.core.childrows import ChildRows
from tuijin.core.panels import reads

from .models import Light, Problem, Project
from .services import problems_due_soon


def _problems(request) -> ChildRows:
    problems = Problem.objects.visible_to(request.user).filter(responsible_unit=OuterRef("pk"))
    return ChildRows(problems_due_soon(problems, dt.date.today()), "project", "responsible_person")


def _rows(request) -> dict:
    projects = Project.objects.visible_to(request.user).filter(
        Q(host_unit=OuterRef("pk")) | Q(lead_department=OuterRef("pk"))
    )
    lights = {
        f"projects_{light}_lights": Coalesce(
            Subquery(
                projects.filter(light=light)
                .order_by()
                .values("light")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )
        for light in Light.values
    }
    return {**lights, "projects_problems_rows": _problems(request)}


@reads(_rows)
def unit_projects_panel(request, unit) -> dict | None:
    lights = {
        light: n for light in Light.values if (n := getattr(unit, f"projects_{light}_lights"))
    }
    problems = unit.projects_problems_rows
    if not lights and not problems:
        return None
    return {
        "template": "projects/_unit_panel.html",
        "context": {"unit": unit, "lights": lights, "problems": problems},
    }
