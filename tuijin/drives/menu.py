"""The drive and annual-target entries of the menu (the cockpit's section)."""

from tuijin.core.menu import MENU, MenuEntry

from .models import DRIVE_ROLES

DRIVE_ENTRY = MenuEntry("集中推进行动", "drives:list", "flag", DRIVE_ROLES, "领导驾驶舱")
ANNUAL_ENTRY = MenuEntry("全年目标", "drives:annual", "bullseye", DRIVE_ROLES, "领导驾驶舱")
for _entry in (DRIVE_ENTRY, ANNUAL_ENTRY):
    if _entry not in MENU:
        # Right after the cockpit's own entries, in the same section.
        same = [i for i, e in enumerate(MENU) if e.section == _entry.section]
        MENU.insert(same[-1] + 1 if same else len(MENU), _entry)
