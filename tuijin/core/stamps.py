"""Aggregates cached until the data under them changes, never a moment longer.

A *stamp* is a counter per kind of data (``projects`` covers projects, their plans, reports,
problems and responsible people). Every committed write moves it: model signals for saves and
deletes, and ``touch`` called by the bulk paths (imports, the lights sweep) that bypass signals.
``cached`` stores a computed value under the stamp read *before* computing; the shared stamp
moves only after a write has committed, so a value computed from old data can only ever be
stored under an old stamp that nobody reads again. The writing process also moves a
process-local generation at once, so it never serves itself its own stale figures.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import ChangeStamp

TIMEOUT = 15 * 60  # seconds: a bound on memory, not on freshness (the stamp gives freshness)
WATCHED: set[str] = set()

# The kinds of data, and the models (``app.Model``) or many-to-many tables
# (``app.Model.field``) whose writes move each: declared once, for every cached aggregate (the
# cockpit, the league table, a drive's figures, the project list), which names the kinds it
# reads. A model of an app that is not installed is skipped.
KINDS: dict[str, tuple[str, ...]] = {
    "directory": ("core.Region", "core.Unit", "core.Person"),
    "projects": (
        "projects.Project",
        "projects.AnnualPlan",
        "projects.ProgressReport",
        "projects.Problem",
        "projects.ProjectPerson",
        "projects.Milestone",
        "projects.StageChange",
        "projects.ProjectRules",
    ),
    "supervision": (
        "supervision.SupervisionOrder",
        "supervision.OrderEvent",
        "supervision.LeagueWeights",
    ),
    "drives": (
        "drives.Campaign",
        "drives.TaskForce",
        "drives.TaskForceProject",
        "drives.Target",
        "drives.MonthlyActual",
        "drives.AnnualTarget",
        "drives.Campaign.leading_group",
        "drives.TaskForce.members",
    ),
    "enterprises": ("enterprises.Enterprise", "enterprises.Visit", "enterprises.Visit.visitors"),
    "appeals": ("appeals.Appeal",),
    "outreach": ("outreach.Lead",),
}
_LOCAL: dict[str, int] = {}  # this process's writes, by kind of data


def _bump(names: Iterable[str]) -> None:
    for name in names:
        if not ChangeStamp.objects.filter(name=name).update(version=models.F("version") + 1):
            try:
                with transaction.atomic():
                    ChangeStamp.objects.create(name=name, version=1)
            except IntegrityError:  # created meanwhile by another writer
                ChangeStamp.objects.filter(name=name).update(version=models.F("version") + 1)


def touch(*names: str) -> None:
    """Move the stamps of ``names``: in this process at once, for every process once the
    current transaction commits (at once outside one).

    The stamp row is updated after the commit, not inside the transaction, so writers never
    queue (or deadlock) on it; this process's own generation moves at once, so its next view
    does not wait for the commit hook either (inside a test's transaction, there is none).
    """
    for name in names:
        _LOCAL[name] = _LOCAL.get(name, 0) + 1
    transaction.on_commit(lambda: _bump(names), robust=True)


def touch_all() -> None:
    """After a bulk write that bypasses signals (an import, the nightly sweep)."""
    touch(*sorted(WATCHED))


def versions(names: Iterable[str]) -> tuple[int, ...]:
    """The current stamps of ``names``, in one query."""
    names = tuple(names)
    found = dict(ChangeStamp.objects.filter(name__in=names).values_list("name", "version"))
    return tuple(found.get(name, 0) for name in names)


def cached(
    names: Iterable[str], key: str, compute: Callable[[], Any], timeout: int = TIMEOUT
) -> Any:
    """``compute()`` as of the current stamps of ``names`` (the kinds of data it reads);
    ``key`` names the question, scope included (who asks changes the answer)."""
    names = tuple(names)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    stamp = "-".join(f"{v}.{_LOCAL.get(n, 0)}" for n, v in zip(names, versions(names), strict=True))
    cache_key = f"tuijin:{'+'.join(names)}:{stamp}:{digest}"
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, timeout)
    return value


def watch(name: str, *senders: type[models.Model]) -> None:
    """Move the stamp ``name`` on every save and delete of ``senders``."""

    def moved(sender, **kwargs) -> None:
        touch(name)

    WATCHED.add(name)
    for sender in senders:
        uid = f"tuijin-stamp-{name}-{sender._meta.label}"
        post_save.connect(moved, sender=sender, weak=False, dispatch_uid=uid)
        post_delete.connect(moved, sender=sender, weak=False, dispatch_uid=uid + "-delete")


def watch_m2m(name: str, *throughs: type[models.Model]) -> None:
    """Move the stamp ``name`` when rows are added to or removed from the many-to-many tables
    ``throughs`` (``Model.field.through``): ``add``, ``remove``, ``set`` and ``clear`` send
    no ``post_save``."""

    def moved(sender, action: str, **kwargs) -> None:
        if action in ("post_add", "post_remove", "post_clear"):
            touch(name)

    WATCHED.add(name)
    for through in throughs:
        uid = f"tuijin-stamp-m2m-{name}-{through._meta.label}"
        m2m_changed.connect(moved, sender=through, weak=False, dispatch_uid=uid)


def watch_kinds() -> None:
    """Connect every model and table of ``KINDS`` to its stamp (once, when the apps are ready)."""
    from django.apps import apps

    for name, labels in KINDS.items():
        for label in labels:
            app_label, model_name, *m2m = label.split(".")
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                continue
            if m2m:
                watch_m2m(name, getattr(model, m2m[0]).through)
            else:
                watch(name, model)
