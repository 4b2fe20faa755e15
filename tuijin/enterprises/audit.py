"""Every change of the registry goes into the audit trail."""

from tuijin.core.audit import track

from .models import Enterprise

track(Enterprise, exclude=("pinyin_initials",))
