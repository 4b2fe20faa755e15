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

# Inspections (督查): county roles see the county's, a unit those that concern it.
INSPECTION_VIEWERS = (
    Role.SUPERVISION,
    Role.PRINCIPAL,
    Role.LEADER,
    Role.PROJECT_OFFICE,
    Role.UNIT_STAFF,
)
INSPECTION_EDITORS = (Role.SUPERVISION,)
INSPECTION_ENTRY = MenuEntry(
    "督查", "supervision:inspections", "clipboard-check", INSPECTION_VIEWERS, "督查督办"
)
if INSPECTION_ENTRY not in MENU:
    at = next((i for i, e in enumerate(MENU) if e.section == "系统管理"), len(MENU))
    MENU.insert(at, INSPECTION_ENTRY)

# Scheduling meetings (调度会) and self-checks (自问自查): the county roles see all, a unit
# the meetings that assigned it work and the rounds addressed to it.
MEETING_ENTRY = MenuEntry("调度会", "supervision:meetings", "people", ORDER_VIEWERS, "督查督办")
SELFCHECK_ENTRY = MenuEntry(
    "自问自查", "supervision:selfchecks", "ui-checks", ORDER_VIEWERS, "督查督办"
)
for _entry in (MEETING_ENTRY, SELFCHECK_ENTRY):
    if _entry not in MENU:
        at = next((i for i, e in enumerate(MENU) if e.section == "系统管理"), len(MENU))
        MENU.insert(at, _entry)
