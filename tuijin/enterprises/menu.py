"""The enterprise-service entries of the menu."""

from tuijin.core.menu import MENU, MenuEntry
from tuijin.core.roles import GOVERNMENT

from .models import KEEPERS

SECTION = "企业服务"

ENTRIES = [
    MenuEntry("企业名录", "enterprises:list", "buildings", GOVERNMENT, SECTION),
    MenuEntry("企业导入", "enterprises:import", "file-earmark-arrow-up", KEEPERS, SECTION),
]
MENU.extend(entry for entry in ENTRIES if entry not in MENU)
