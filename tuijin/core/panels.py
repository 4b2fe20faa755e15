"""Sections that modules add to core pages without core knowing the modules.

A module appends a callable ``panel(request, unit) -> dict | None`` to ``UNIT_PANELS`` in its
``apps.ready``; the dict gives ``template`` and its ``context``. Each panel reads through the
module's own scoped querysets.
"""

from __future__ import annotations

from collections.abc import Callable

UNIT_PANELS: list[Callable] = []


def unit_panels(request, unit) -> list[dict]:
    return [panel for make in UNIT_PANELS if (panel := make(request, unit))]
