"""Template filters of the shell."""

from __future__ import annotations

import copy
from collections import defaultdict

from auditlog.models import LogEntry
from django import template
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils.html import format_html

register = template.Library()

ACTIONS = {
    LogEntry.Action.CREATE: "新增",
    LogEntry.Action.UPDATE: "修改",
    LogEntry.Action.DELETE: "删除",
    LogEntry.Action.ACCESS: "查看",
}
M2M_OPERATIONS = {"add": "添加", "delete": "移除", "clear": "清空"}
EMPTY = {None, "", "None"}
WORDS = {"True": "是", "False": "否"}


def _plain(value) -> str:
    return "（空）" if value in EMPTY else WORDS.get(str(value), str(value))


@register.filter
def audit_action(entry: LogEntry) -> str:
    return ACTIONS.get(entry.action, str(entry.action))


def _foreign_keys(entry: LogEntry) -> dict:
    """The entry's changed foreign-key fields by name."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    out = {}
    for name in entry.changes_dict or {}:
        try:
            field = model._meta.get_field(name) if model is not None else None
        except FieldDoesNotExist:
            continue
        if field is not None and (field.many_to_one or field.one_to_one):
            out[name] = field
    return out


def _with_parents(model):
    """The rows with the rows their non-null foreign keys point to, joined: a model's name
    often names its parent (a visit is 「企业 · 日期」)."""
    return model._default_manager.select_related()


@register.filter("audit_preload")
def preload_audit(entries) -> list[LogEntry]:
    """The entries as a list, with the objects their foreign-key changes name fetched in one
    query per related model: auditlog's own display looks each one up, a query per change.
    Pass entries with ``select_related("content_type")``."""
    entries = list(entries)
    wanted: dict = defaultdict(set)
    for entry in entries:
        for name, field in _foreign_keys(entry).items():
            for value in entry.changes_dict[name]:
                try:
                    pk = field.related_model._meta.pk.to_python(value)
                except ValidationError:
                    continue
                if value not in EMPTY and pk is not None:
                    wanted[field.related_model].add(pk)
    names = {
        model: {pk: str(obj) for pk, obj in _with_parents(model).in_bulk(pks).items()}
        for model, pks in wanted.items()
    }
    for entry in entries:
        entry.audit_names = names
    return entries


def _display(entry: LogEntry) -> dict:
    """auditlog's display of the changes, foreign keys named from ``preload_audit``'s lookup
    when the entry went through it (else auditlog looks each one up)."""
    names = getattr(entry, "audit_names", None)
    if names is None:
        return entry.changes_display_dict or {}
    foreign = _foreign_keys(entry)
    plain = copy.copy(entry)
    plain.changes = {k: v for k, v in (entry.changes_dict or {}).items() if k not in foreign}
    display = dict(plain.changes_display_dict or {}) if plain.changes else {}
    for name, field in foreign.items():
        shown = []
        for value in entry.changes_dict[name]:
            try:
                pk = field.related_model._meta.pk.to_python(value)
            except ValidationError:
                pk = None
            found = names.get(field.related_model, {}).get(pk)
            missing = f"Deleted '{field.related_model.__name__}' ({value})"
            shown.append("None" if value in EMPTY else found or missing)
        display[str(field.verbose_name)] = shown
    return display


@register.filter
def audit_rows(entry: LogEntry) -> list[tuple[str, str, str]]:
    """(field label, before, after) in plain Chinese, many-to-many changes included."""
    raw = entry.changes_dict or {}
    display = _display(entry)
    labels = {}
    model = entry.content_type.model_class() if entry.content_type_id else None
    if model is not None:
        for name in raw:
            try:
                labels[name] = str(model._meta.get_field(name).verbose_name)
            except Exception:
                labels[name] = name
    rows = []
    for name, change in raw.items():
        label = labels.get(name, name)
        if isinstance(change, dict) and change.get("type") == "m2m":
            operation = M2M_OPERATIONS.get(change.get("operation"), change.get("operation"))
            rows.append((label, operation, "、".join(map(str, change.get("objects", [])))))
            continue
        before, after = display.get(label, change)
        if before in EMPTY and after in EMPTY:
            continue
        rows.append((label, _plain(before), _plain(after)))
    return rows


# Amounts in 万元 from this size on read better in 亿元 (a city's or province's totals).
YI_FROM = 100_000


@register.simple_tag
def money_figure(value) -> str:
    """An amount in 万元 as a headline figure with its unit: 81,172,200 万元 becomes
    8,117.2 亿元, so that a city's or province's totals fit the cockpit's cards."""
    if value is None:
        return "—"
    amount = float(value)
    if abs(amount) >= YI_FROM:
        return format_html("{}<small> 亿元</small>", f"{amount / 10000:,.1f}")
    return format_html("{}<small> 万元</small>", f"{amount:,.0f}")
