"""Every change of requests, their history, files, deadline rules and portal accounts goes
into the audit trail."""

from tuijin.core.audit import track

from .models import Appeal, AppealAttachment, AppealEvent, DeadlineRule, EnterpriseAccount

for model in (Appeal, AppealEvent, AppealAttachment, DeadlineRule, EnterpriseAccount):
    track(model)
