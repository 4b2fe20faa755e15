"""The cockpit's entry of the menu."""

from tuijin.core.menu import MENU, MenuEntry
from tuijin.core.roles import Role

COCKPIT_VIEWERS = (Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION)

ENTRY = MenuEntry("驾驶舱", "cockpit:index", "speedometer2", COCKPIT_VIEWERS, "领导驾驶舱")
if ENTRY not in MENU:
    MENU.append(ENTRY)
