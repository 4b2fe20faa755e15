"""The work-discipline entries of the menu (三件事: meetings, leave, reception time)."""

from tuijin.core.menu import MENU, MenuEntry
from tuijin.core.roles import GOVERNMENT

SECTION = "工作纪律"
DISCIPLINE_VIEWERS = GOVERNMENT

ENTRIES = (
    MenuEntry("会议管理", "discipline:meetings", "people-fill", DISCIPLINE_VIEWERS, SECTION),
    MenuEntry("请假", "discipline:leaves", "calendar2-x", DISCIPLINE_VIEWERS, SECTION),
    MenuEntry("接待陪访", "discipline:receptions", "cup-hot", DISCIPLINE_VIEWERS, SECTION),
)
for _entry in ENTRIES:
    if _entry not in MENU:
        at = next((i for i, e in enumerate(MENU) if e.section == "系统管理"), len(MENU))
        MENU.insert(at, _entry)
