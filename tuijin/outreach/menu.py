"""The outreach entries of the menu: trips, leads and the weekly project day."""

from tuijin.core.menu import MENU, MenuEntry
from tuijin.core.roles import Role

OUTREACH_VIEWERS = (Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE)
# The compliance table is the principal leaders' and the office's; a leader sees their row.
PROJECT_DAY_VIEWERS = (Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.LEADER)
PROJECT_DAY_RULE_KEEPERS = (Role.PRINCIPAL, Role.PROJECT_OFFICE)

ENTRIES = [
    MenuEntry("外出招商", "outreach:trips", "airplane", OUTREACH_VIEWERS, "走出去"),
    MenuEntry("项目线索", "outreach:leads", "lightbulb", OUTREACH_VIEWERS, "走出去"),
    MenuEntry("项目日", "outreach:project-days", "calendar-check", PROJECT_DAY_VIEWERS, "走出去"),
]
for _entry in ENTRIES:
    if _entry not in MENU:
        at = next((i for i, e in enumerate(MENU) if e.section == "系统管理"), len(MENU))
        MENU.insert(at, _entry)
