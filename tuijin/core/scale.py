"""Deterministic data at county, city and province scale, for ``tuijin seed`` and ``tuijin bench``.

One county at ``county`` scale; a city of 10 counties; a province of 10 cities of 10 counties
each. Every module adds its part through ``register`` (called from its ``apps.ready``), in the
order of ``SCALE_SEEDERS``; each part bulk-inserts its rows county by county with the
generator ``ctx.rng_for(part, county)``, so the same ``--seed`` gives the same data whatever
the other parts do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router

from . import bulk

SCALES: dict[str, int] = {"county": 1, "city": 10, "province": 100}


@dataclass
class ScaleContext:
    """What the parts share: the counties, their directory and the ids earlier parts made."""

    scale: str
    seed: int
    today: dt.date
    # The top region (the county itself at county scale) and the counties below it.
    top: Any = None
    counties: list[Any] = field(default_factory=list)
    # county region id -> its units (departments, then townships, then platforms)
    units: dict[int, list[Any]] = field(default_factory=dict)
    # county region id -> people of its units (ordinary staff and liaisons); the directory
    # part gives each Person a ``directory_roles`` list (DirectoryRole values) as well
    people: dict[int, list[Any]] = field(default_factory=dict)
    # county region id -> the county leaders (联系县领导 of projects), principal first
    leaders: dict[int, list[Any]] = field(default_factory=dict)
    # county region id -> ids of rows made by earlier parts ("projects", "enterprises", …)
    ids: dict[str, dict[int, list[int]]] = field(default_factory=dict)
    # sign-in accounts made by the directory part, by persona: admin, top, office, leader,
    # unit, enterprise (the last five act in the first county or its top region)
    users: dict[str, Any] = field(default_factory=dict)
    # what was made, for the summary line: label -> number of rows
    counts: dict[str, int] = field(default_factory=dict)

    def rng_for(self, part: str, county: Any | None = None) -> random.Random:
        """A generator of its own for each (part, county): parts stay independent."""
        key = f"{self.seed}:{part}:{getattr(county, 'code', '')}".encode()
        return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))

    def add(self, label: str, n: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + n


# (order, label, function(ctx)): the directory first, then modules in dependency order.
SCALE_SEEDERS: list[tuple[int, str, Callable[[ScaleContext], None]]] = []


def register(order: int, label: str) -> Callable:
    """Decorator for a module's part of the scaled data."""

    def wrap(fn: Callable[[ScaleContext], None]) -> Callable[[ScaleContext], None]:
        if all(existing[1] != label for existing in SCALE_SEEDERS):
            SCALE_SEEDERS.append((order, label, fn))
            SCALE_SEEDERS.sort(key=lambda entry: entry[0])
        return fn

    return wrap


# --- Helpers the parts share --------------------------------------------------------------

BATCH = 2000


@dataclass
class _Workdays:
    """One working-day calendar for a whole seed, each (day, n) worked out once."""

    calendar: Any = None
    cache: dict[tuple[dt.date, int], tuple[dt.date, bool]] = field(default_factory=dict)

    def add(self, day: dt.date, n: int) -> tuple[dt.date, bool]:
        key = (day, n)
        if key not in self.cache:
            from . import workdays

            if self.calendar is None:
                self.calendar = workdays.WorkCalendar()
            current, left = day, n
            while left:
                current += dt.timedelta(days=1)
                if self.calendar.is_workday(current):
                    left -= 1
            self.cache[key] = (current, current.year in self.calendar.provisional_years)
        return self.cache[key]


_WORKDAYS = _Workdays()


def add_workdays(day: dt.date, n: int) -> tuple[dt.date, bool]:
    """The Nth working day after ``day`` and whether it is provisional, like
    ``workdays.add_workdays`` but sharing one calendar over millions of deadlines."""
    return _WORKDAYS.add(day, n)


def reset_workdays() -> None:
    """Forget the calendar (a new seed may run after the overrides changed)."""
    global _WORKDAYS
    _WORKDAYS = _Workdays()


def insert_rows(model: Any, fields: list[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT ``rows`` (tuples in the order of ``fields``) with one prepared statement.

    ``core.bulk.insert_rows`` with ``fields``: for the millions of rows where building model
    instances costs more than the insert (progress reports): no signals, no ``auto_now``,
    nothing returned. Values must be what the database takes; ``prep(model, name)`` gives a
    field's converter (dates, datetimes, JSON), plain ints, strings, bools and Decimals pass
    as they are.
    """
    return bulk.insert_rows(model, rows, fields=fields)


def prep(model: Any, name: str) -> Callable[[Any], Any]:
    """The database value of ``model.name`` for ``insert_rows`` (memoise it for repeats)."""
    connection = connections[router.db_for_write(model)]
    model_field = model._meta.get_field(name)
    return lambda value: model_field.get_db_prep_save(value, connection)


def moments(model: Any, name: str) -> Callable[[dt.date, int, int], Any]:
    """A cheap ``(day, hour, minute) -> database value`` of a datetime column, for millions.

    ``prep`` of an aware datetime costs a time-zone conversion per row; here each day is
    converted once and the time added as plain arithmetic (the server's zone has no DST).
    SQLite takes Django's naive-UTC text, PostgreSQL the aware datetime itself.
    """
    from django.utils import timezone

    connection = connections[router.db_for_write(model)]
    as_text = connection.vendor == "sqlite"
    days: dict[dt.date, dt.datetime] = {}

    def moment(day: dt.date, hour: int, minute: int) -> Any:
        base = days.get(day)
        if base is None:
            midnight = timezone.make_aware(dt.datetime.combine(day, dt.time()))
            base = days[day] = midnight.astimezone(dt.UTC)
            if as_text:
                base = days[day] = base.replace(tzinfo=None)
        value = base + dt.timedelta(hours=hour, minutes=minute)
        return str(value) if as_text else value

    return moment


def aware(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment of ``day`` in the server's time zone, for ``*_at`` columns."""
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
