"""The supervision entries of the menu."""

from tuijin.core.menu import MENU, MenuEntry
from tuijin.core.roles import GOVERNMENT, Role

ORDER_VIEWERS = (
    Role.SUPERVISION,
    Role.PRINCIPAL,
    Role.LEADER,
    Role.PROJECT_OFFICE,
    Role.UNIT_STAFF,
)
ORDER_ISSUERS = (Role.SUPERVISION,)

ENTRY = MenuEntry("督办单", "supervision:list", "file-earmark-text", ORDER_VIEWERS, "督查督办")
if ENTRY not in MENU:
    # Before the system section, so the working sections stay together at the top.
    at = next((i for i, e in enumerate(MENU) if e.section == "系统管理"), len(MENU))
    MENU.insert(at, ENTRY)

LEAGUE_ENTRY = MenuEntry("比学赶超", "supervision:league", "trophy", GOVERNMENT, "督查督办")
if LEAGUE_ENTRY not in MENU:
    at = next((i for i, e in enumerate(MENU) if e.section == "系统管理"), len(MENU))
    MENU.insert(at, LEAGUE_ENTRY)

BULLETIN_ENTRY = MenuEntry(
    "通报",
    "supervision:bulletins",
    "megaphone",
    (Role.SUPERVISION, Role.PRINCIPAL, Role.PROJECT_OFFICE),
    "督查督办",
)
if BULLETIN_ENTRY not in MENU:
    at = next((i for i, e in enumerate(MENU) if e.section == "系统管理"), len(MENU))
    MENU.insert(at, BULLETIN_ENTRY)
