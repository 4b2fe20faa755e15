"""Rows that one request reads many times, read once: the county's project rules, the year's
workday overrides.

A list page computes a deadline or a period per row, and each computation read the same rows
again: a query per row. Within a request (or a ``scope()`` block: a command, a sweep step)
``store(label)`` gives one dict per model for the whole request; it is fresh at each request's
start, dropped at its end, and emptied as soon as a row of that model is saved or deleted (a
saved row takes the place of its copy instead), so a request never reads its own writes
stale. Outside both it gives ``None``: read each time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save

_STORES: ContextVar[dict[str, dict] | None] = ContextVar("tuijin_request_memo", default=None)


def store(label: str) -> dict | None:
    """This request's memo for rows of the model ``label`` ("app.Model"), or None."""
    stores = _STORES.get()
    return None if stores is None else stores.setdefault(label, {})


@contextmanager
def scope() -> Iterator[None]:
    """Memoise inside the block as a request does (for a command or a sweep step)."""
    token = _STORES.set({})
    try:
        yield
    finally:
        _STORES.reset(token)


def _start(**kwargs) -> None:
    _STORES.set({})


def _end(**kwargs) -> None:
    _STORES.set(None)


def _changed(sender, instance=None, **kwargs) -> None:
    """A saved row replaces its memoised copy (it is what was written); any other change
    empties the model's memo, in place: a calculation running holds it too."""
    stores = _STORES.get()
    memo = None if stores is None else stores.get(sender._meta.label)
    if not memo:
        return
    saved = kwargs.get("created") is not None and instance is not None
    if saved and all(isinstance(value, sender) for value in memo.values()):
        for key, value in memo.items():
            if value.pk == instance.pk:
                memo[key] = instance
        return
    memo.clear()


request_started.connect(_start, dispatch_uid="tuijin-memo-start")
request_finished.connect(_end, dispatch_uid="tuijin-memo-end")
post_save.connect(_changed, dispatch_uid="tuijin-memo-saved")
post_delete.connect(_changed, dispatch_uid="tuijin-memo-deleted")
