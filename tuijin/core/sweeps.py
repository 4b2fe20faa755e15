"""The nightly sweep's steps: each module registers what it checks every day.

A step is ``step(today) -> str``: idempotent, it does its day's work (lights, reminders,
escalations) and returns one Chinese line for the command's output. ``tuijin sweep`` runs
every registered step in order.

Steps work on sets, not items: a query per kind of record (never per project, order or
request), messages sent with ``tuijin.core.models.notify_many`` and records written in bulk,
so that a province's sweep takes seconds (issue 7: under 10 s for 100 counties).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.db import connection

from . import stamps

# Ids per ``pk__in`` of a bulk UPDATE: well under SQLite's limit on a statement's parameters.
IDS_PER_STATEMENT = 1000

SWEEP_STEPS: list[Callable[[dt.date], str]] = []


def register(step: Callable[[dt.date], str]) -> None:
    if step not in SWEEP_STEPS:
        SWEEP_STEPS.append(step)


@dataclass
class StepRun:
    """One step of one sweep: its name (``step_name``), time, queries and line."""

    name: str
    seconds: float
    queries: int
    line: str


def step_name(step: Callable[[dt.date], str]) -> str:
    """The step's short name: its app (``appeals``), or app and module when the app registers
    more than one step (``core.planner``)."""
    parts = step.__module__.split(".")
    app = parts[1] if len(parts) > 1 else parts[0]
    siblings = [s for s in SWEEP_STEPS if s.__module__.split(".")[1:2] == [app]]
    return f"{app}.{parts[-1]}" if len(siblings) > 1 else app


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def run_all(today: dt.date, runs: list[StepRun] | None = None) -> list[str]:
    """Run every step for ``today``; its lines. ``runs`` receives each step's time and
    queries (``tuijin bench`` shows them as ``sweep.<step>``)."""
    from .delivery import routing

    lines = []
    # The robot channels and each recipient's region and roles are read once for every
    # message of every step (``notify_many`` inside a step sends its messages in one go).
    with routing():
        for step in SWEEP_STEPS:
            counter = _Counter()
            started = time.perf_counter()
            with connection.execute_wrapper(counter):
                line = step(today)
            lines.append(line)
            if runs is not None:
                elapsed = time.perf_counter() - started
                runs.append(StepRun(step_name(step), elapsed, counter.n, line))
    # Steps write in bulk (lights, escalations) without model signals: cached aggregates
    # computed before the sweep must not outlive it.
    stamps.touch_all()
    return lines


def chunked(ids: Sequence[int], size: int = IDS_PER_STATEMENT) -> Iterator[Sequence[int]]:
    """``ids`` in slices short enough for one ``pk__in`` each."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def link_to(url_name: str) -> Callable[[int], str]:
    """``pk -> reverse(url_name, args=[pk])`` for a page under one integer id, reversed once:
    a sweep links each of thousands of messages to its record."""
    from django.urls import reverse

    marker = 987654321
    head, tail = reverse(url_name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"
