"""Every change of the meetings register, leave and reception time goes into the audit trail."""

from tuijin.core.audit import track

from .models import Leave, Meeting, ReceptionLog, ReceptionTarget

track(Meeting, m2m_fields={"invitees"})
for model in (Leave, ReceptionLog, ReceptionTarget):
    track(model)
