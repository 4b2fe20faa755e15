"""The menu: each module declares its entries and which roles see them.

A module plugs in by appending ``MenuEntry`` items to ``MENU`` from its ``apps.ready``;
entries with ``roles=None`` are for every signed-in official of the county.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from .roles import GOVERNMENT, Role
from .scoping import Scope


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    icon: str
    roles: tuple[str, ...] | None
    section: str = "工作台"
    staff_only: bool = False  # Django admin also wants ``is_staff``
    # Pages that act *as* the role (an enterprise filing its own request) mean nothing to an
    # administrator, who otherwise sees every entry.
    for_admin: bool = True


SYSTEM_SECTION = "系统管理"

MENU: list[MenuEntry] = [
    MenuEntry("首页", "home", "house", None),
    MenuEntry("消息", "inbox", "bell", None),
    MenuEntry("单位通讯录", "directory:unit-list", "building", GOVERNMENT, "通讯录"),
    MenuEntry("人员查询", "directory:person-list", "person-lines-fill", GOVERNMENT, "通讯录"),
    MenuEntry("通讯录导入", "directory:import", "upload", (), "系统管理"),
    # The trail and the security log belong to the security and audit administrators, not to
    # the system administrator (三权分立): ``for_admin=False``.
    MenuEntry(
        "审计日志",
        "audit:list",
        "journal-check",
        (Role.SUPERVISION, Role.AUDIT_ADMIN),
        "系统管理",
        for_admin=False,
    ),
    MenuEntry(
        "审计链校验",
        "audit:verify",
        "shield-check",
        (Role.AUDIT_ADMIN,),
        "系统管理",
        for_admin=False,
    ),
    MenuEntry(
        "安全日志",
        "security:events",
        "shield-exclamation",
        (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN),
        "系统管理",
        for_admin=False,
    ),
    MenuEntry(
        "账号与角色",
        "security:accounts",
        "person-gear",
        (Role.SECURITY_ADMIN,),
        "系统管理",
        for_admin=False,
    ),
    MenuEntry("消息推送", "channels:list", "broadcast", (), "系统管理"),
    MenuEntry("工作日历", "calendar", "calendar-week", GOVERNMENT, "系统管理"),
    MenuEntry("接口文档", "api-docs", "code-square", GOVERNMENT, "系统管理"),
    MenuEntry("后台管理", "admin:index", "gear", (), "系统管理", staff_only=True),
]


def allowed(entry: MenuEntry, scope: Scope) -> bool:
    """Administrators see every entry; others by role (``()`` means administrators only)."""
    if entry.roles is None:
        return True
    if scope.is_admin:
        return entry.for_admin
    return bool(scope.roles.intersection(entry.roles))


@lru_cache(maxsize=1024)
def _url(url_name: str, prefix: str, urlconf: object) -> str:
    """An entry's URL, reversed once per process (per URL prefix and URL configuration):
    every page draws the menu, and reversing its thirty-odd entries each time cost more than
    the rest of the menu."""
    return reverse(url_name, urlconf=urlconf)


def menu_for(request: HttpRequest, scope: Scope) -> list[dict]:
    """The user's entries by section; the one entry whose URL best matches the page is active
    (``/supervision/meetings/3/`` lights 调度会, not 督办单 at ``/supervision/``)."""
    sections: dict[str, list[dict]] = {}
    items = []
    prefix, urlconf = get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
    for entry in MENU:
        if not allowed(entry, scope) or (entry.staff_only and not request.user.is_staff):
            continue
        item = {
            "label": entry.label,
            "url": _url(entry.url_name, prefix, urlconf),
            "icon": entry.icon,
            "active": False,
            "url_name": entry.url_name,
        }
        items.append(item)
        sections.setdefault(entry.section, []).append(item)
    matches = [
        item
        for item in items
        if request.path == item["url"]
        or (item["url"] != "/" and request.path.startswith(item["url"]))
    ]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    # Sections in the order modules declared them, the system section always last.
    order = sorted(sections, key=lambda title: title == SYSTEM_SECTION)
    return [{"title": title, "entries": sections[title]} for title in order]


def entry_for(url_name: str) -> MenuEntry:
    return next(e for e in MENU if e.url_name == url_name)
