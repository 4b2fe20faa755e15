"""The request pool's entries of the menu (section 企业服务, as the enterprise registry)."""

from tuijin.core.menu import MENU, MenuEntry
from tuijin.core.roles import Role

from .models import SERVICE_OFFICE_ROLES
from .services import INTAKE_ROLES as INTAKE_ROLES

SECTION = "企业服务"

# The menu shows the pool to officials; an enterprise's portal account reaches its own
# requests by link (notifications) and sees only them.
MENU_ROLES = (
    Role.PROJECT_OFFICE,
    Role.SUPERVISION,
    Role.PRINCIPAL,
    Role.LEADER,
    Role.UNIT_STAFF,
)
APPEAL_VIEWERS = (*MENU_ROLES, Role.ENTERPRISE)

ENTRIES = [
    MenuEntry("企业诉求", "appeals:list", "chat-left-dots", MENU_ROLES, SECTION),
    MenuEntry("诉求统计", "appeals:stats", "bar-chart-line", MENU_ROLES, SECTION),
    MenuEntry(
        "12345工单导入",
        "appeals:hotline-import",
        "telephone-inbound",
        SERVICE_OFFICE_ROLES,
        SECTION,
    ),
    MenuEntry("诉求时限", "appeals:deadlines", "stopwatch", SERVICE_OFFICE_ROLES, SECTION),
]
MENU.extend(entry for entry in ENTRIES if entry not in MENU)
