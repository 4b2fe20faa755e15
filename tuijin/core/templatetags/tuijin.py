"""Template filters of the shell."""

from __future__ import annotations

import copy
import html
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from auditlog.models import LogEntry
from django import template
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from tuijin.core.childrows import ChildRows, read

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


def _parent_paths(model, prefix: str = "", depth: int = 0) -> list[str]:
    """The rows a row's non-null foreign keys point to, as ``select_related()`` follows them:
    a model's name often names its parent (a visit is 「日期 走访 企业」)."""
    if depth >= 5:
        return []
    paths = []
    for field in model._meta.concrete_fields:
        if field.is_relation and not field.null and (field.many_to_one or field.one_to_one):
            path = f"{prefix}{field.name}"
            paths += [path, *_parent_paths(field.related_model, f"{path}__", depth + 1)]
    return paths


@register.filter("audit_preload")
def preload_audit(entries, known: Iterable = ()) -> list[LogEntry]:
    """The entries as a list, with the names of the rows their foreign-key changes point to,
    read in one statement for every kind of row (auditlog's own display looks each one up, a
    query per change). ``known`` rows (those the page has read already) are named as they
    are. Pass entries with ``select_related("content_type")``."""
    entries = list(entries)
    if entries and all(hasattr(entry, "audit_names") for entry in entries):
        return entries  # the view preloaded them, with the rows it knew
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
    names: dict = defaultdict(dict)
    for obj in known:
        if obj is not None and obj.pk in wanted.get(obj._meta.model, ()):
            names[obj._meta.model][obj.pk] = str(obj)
    missing = [(model, sorted(pks - names[model].keys())) for model, pks in wanted.items()]
    specs = {
        f"m{i}": ChildRows(model._default_manager.filter(pk__in=pks), *_parent_paths(model))
        for i, (model, pks) in enumerate(missing)
        if pks
    }
    for spec, rows in zip(specs.values(), read(specs).values(), strict=True):
        names[spec.model].update((obj.pk, str(obj)) for obj in rows)
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


@register.simple_tag
def select_options(choices) -> str:
    """The ``<option>`` elements of a select from (value, label, selected) triples, as
    ``tuijin.core.paging.capped_options`` gives them: one call instead of a template loop
    that resolved three variables per option, on every list page's filter bar."""
    return mark_safe(
        "".join(
            f'<option value="{_escape(value)}"{" selected" if on else ""}>{_escape(label)}</option>'
            for value, label, on in choices
        )
    )


def _escape(value) -> str:
    """``conditional_escape`` without its lazy-string wrapper (a third of its cost)."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


@register.simple_tag(takes_context=True)
def shell_menu(context) -> str:
    """The menu of ``base.html`` (``partials/menu.html``), drawn once per process for each
    distinct menu: its entries, the active one and the unread count are the key, so the same
    menu is not redrawn, a loop of thirty-odd entries, on every page view."""
    sections = tuple(
        (
            section["title"],
            tuple(tuple(entry[field] for field in MENU_FIELDS) for entry in section["entries"]),
        )
        for section in context.get("menu") or ()
    )
    draw = _menu_html.__wrapped__ if settings.DEBUG else _menu_html  # templates being edited
    return draw(sections, context.get("unread"))


MENU_FIELDS = ("label", "url", "icon", "active", "url_name")


@lru_cache(maxsize=256)
def _menu_html(sections: tuple, unread) -> str:
    menu = [
        {
            "title": title,
            "entries": [dict(zip(MENU_FIELDS, entry, strict=True)) for entry in entries],
        }
        for title, entries in sections
    ]
    return mark_safe(render_to_string("partials/menu.html", {"menu": menu, "unread": unread}))
