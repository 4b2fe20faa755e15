"""Sections that modules add to other modules' pages without those knowing the modules.

A module appends a callable ``panel(request, record) -> dict | None`` to ``UNIT_PANELS`` (a
unit's page) or ``PROJECT_PANELS`` (a project's page) in its ``apps.ready``; the dict gives
``template`` and its ``context``. Each panel reads through the module's own scoped querysets.
"""

from __future__ import annotations

from collections.abc import Callable

UNIT_PANELS: list[Callable] = []


def unit_panels(request, unit) -> list[dict]:
    return [panel for make in UNIT_PANELS if (panel := make(request, unit))]


PROJECT_PANELS: list[Callable] = []


def project_panels(request, project) -> list[dict]:
    return [panel for make in PROJECT_PANELS if (panel := make(request, project))]
