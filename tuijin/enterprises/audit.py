"""Every change of the registry goes into the audit trail."""

from tuijin.core.audit import track

from .models import Enterprise, Pairing, Visit, VisitOpinion

track(Enterprise, exclude=("pinyin_initials",))
track(Pairing, exclude=("reminded_for",))
track(Visit, m2m_fields={"visitors"})
track(VisitOpinion)
