from .accounts import SecurityEvent, User
from .audit import AuditChainHead, AuditSeal
from .calendar import WorkdayOverride
from .directory import Person, PersonRole, Region, Unit, pinyin_initials

__all__ = [
    "AuditChainHead",
    "AuditSeal",
    "Person",
    "PersonRole",
    "Region",
    "SecurityEvent",
    "Unit",
    "User",
    "WorkdayOverride",
    "pinyin_initials",
]
