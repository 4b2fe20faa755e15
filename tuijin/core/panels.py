"""Sections that modules add to other modules' pages without those knowing the modules.

A module appends a callable ``panel(request, record) -> dict | None`` to ``UNIT_PANELS`` (a
unit's page) or ``PROJECT_PANELS`` (a project's page) in its ``apps.ready``; the dict gives
``template`` and its ``context``. Each panel reads through the module's own scoped querysets.

A page reads its record with one query whatever the panels: a panel marked ``@reads(rows)``
gives, through ``rows(request) -> {name: ChildRows or expression}``, what it shows as
annotations of that query (tuijin/core/childrows.py ``annotate``), and finds them as
attributes of the record it is given (``ChildRows`` as lists of instances, see ``loaded``).
"""

from __future__ import annotations

from collections.abc import Callable

UNIT_PANELS: list[Callable] = []


def reads(rows: Callable[..., dict]) -> Callable[[Callable], Callable]:
    """Mark a panel as reading ``rows(request)`` in its page's query of the record."""

    def mark(panel: Callable) -> Callable:
        panel.rows = rows
        return panel

    return mark


def _rows(panels: list[Callable], request) -> dict:
    out: dict = {}
    for make in panels:
        rows = getattr(make, "rows", None)
        if rows is not None:
            out.update(rows(request))
    return out


def unit_rows(request) -> dict:
    """What the unit page's panels read, to annotate its query of the unit."""
    return _rows(UNIT_PANELS, request)


def unit_panels(request, unit) -> list[dict]:
    return [panel for make in UNIT_PANELS if (panel := make(request, unit))]


PROJECT_PANELS: list[Callable] = []


def project_rows(request) -> dict:
    """What the project page's panels read, to annotate its query of the project."""
    return _rows(PROJECT_PANELS, request)


def project_panels(request, project) -> list[dict]:
    return [panel for make in PROJECT_PANELS if (panel := make(request, project))]
