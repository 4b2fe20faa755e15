"""Template filters of the shell."""

from __future__ import annotations

from auditlog.models import LogEntry
from django import template

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


@register.filter
def audit_rows(entry: LogEntry) -> list[tuple[str, str, str]]:
    """(field label, before, after) in plain Chinese, many-to-many changes included."""
    raw = entry.changes_dict or {}
    display = entry.changes_display_dict or {}
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
