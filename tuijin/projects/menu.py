"""The key-projects entries of the menu."""

from tuijin.core.menu import MENU, MenuEntry
from tuijin.core.roles import GOVERNMENT, Role

PROJECT_VIEWERS = GOVERNMENT
REGISTRY_KEEPERS = (Role.PROJECT_OFFICE,)

MENU[1:1] = [
    MenuEntry("重点项目", "projects:list", "kanban", PROJECT_VIEWERS, "重点项目"),
    MenuEntry("我的项目", "projects:mine", "star", (Role.LEADER, Role.PRINCIPAL), "重点项目"),
    MenuEntry("待填报", "projects:due", "pencil-square", (Role.UNIT_STAFF,), "重点项目"),
    MenuEntry("项目设置", "projects:settings", "sliders", REGISTRY_KEEPERS, "重点项目"),
    MenuEntry(
        "台账导入", "projects:ledger-import", "file-earmark-arrow-up", REGISTRY_KEEPERS, "重点项目"
    ),
]
