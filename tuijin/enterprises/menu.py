"""The enterprise-service entries of the menu."""

from tuijin.core.menu import MENU, MenuEntry
from tuijin.core.roles import GOVERNMENT, Role

from .models import KEEPERS

SECTION = "企业服务"

ENTRIES = [
    MenuEntry("企业名录", "enterprises:list", "buildings", GOVERNMENT, SECTION),
    MenuEntry("企业导入", "enterprises:import", "file-earmark-arrow-up", KEEPERS, SECTION),
    MenuEntry("包联走访", "enterprises:pairings", "person-walking", GOVERNMENT, SECTION),
    MenuEntry(
        "走访覆盖",
        "enterprises:coverage",
        "clipboard-data",
        (Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION),
        SECTION,
    ),
]
MENU.extend(entry for entry in ENTRIES if entry not in MENU)
