from .accounts import SecurityEvent, User
from .audit import AuditChainHead, AuditSeal
from .calendar import WorkdayOverride
from .directory import Person, PersonRole, Region, Unit, pinyin_initials
from .notifications import Notification, notify

__all__ = [
    "AuditChainHead",
    "AuditSeal",
    "Notification",
    "Person",
    "PersonRole",
    "Region",
    "SecurityEvent",
    "Unit",
    "User",
    "WorkdayOverride",
    "notify",
    "pinyin_initials",
]
