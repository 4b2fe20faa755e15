from .accounts import AppendOnlyError, SecurityEvent, User
from .audit import AuditChainHead, AuditSeal
from .calendar import WorkdayOverride
from .directory import Person, PersonRole, Region, Unit, pinyin_initials
from .notifications import Delivery, Notification, WebhookChannel, notify, notify_many
from .stamps import ChangeStamp

__all__ = [
    "AppendOnlyError",
    "AuditChainHead",
    "AuditSeal",
    "ChangeStamp",
    "Delivery",
    "Notification",
    "Person",
    "PersonRole",
    "Region",
    "SecurityEvent",
    "Unit",
    "User",
    "WebhookChannel",
    "WorkdayOverride",
    "notify",
    "notify_many",
    "pinyin_initials",
]
