"""The portal's menu entries: an enterprise's own requests, and the office's verification."""

from tuijin.core.menu import MENU, MenuEntry
from tuijin.core.roles import Role

from .models import SERVICE_OFFICE_ROLES

SECTION = "企业服务"
ENTERPRISE = (Role.ENTERPRISE,)

ENTRIES = [
    MenuEntry("我的诉求", "portal:home", "chat-square-text", ENTERPRISE, SECTION, for_admin=False),
    MenuEntry("提交诉求", "portal:new", "plus-circle", ENTERPRISE, SECTION, for_admin=False),
    MenuEntry("企业账号核验", "portal:accounts", "person-check", SERVICE_OFFICE_ROLES, SECTION),
]
MENU.extend(entry for entry in ENTRIES if entry not in MENU)
