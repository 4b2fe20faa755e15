"""The nightly sweep's steps: each module registers what it checks every day.

A step is ``step(today) -> str``: idempotent, it does its day's work (lights, reminders,
escalations) and returns one Chinese line for the command's output. ``tuijin sweep`` runs
every registered step in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from . import stamps

SWEEP_STEPS: list[Callable[[dt.date], str]] = []


def register(step: Callable[[dt.date], str]) -> None:
    if step not in SWEEP_STEPS:
        SWEEP_STEPS.append(step)


def run_all(today: dt.date) -> list[str]:
    lines = [step(today) for step in SWEEP_STEPS]
    # Steps write in bulk (lights, escalations) without model signals: cached aggregates
    # computed before the sweep must not outlive it.
    stamps.touch_all()
    return lines
