"""Every change of supervision records and their history goes into the audit trail."""

from tuijin.core.audit import track

from .models import (
    Bulletin,
    Finding,
    FindingPhoto,
    Inspection,
    LeagueWeights,
    Meeting,
    OrderEvent,
    OrderFile,
    SelfCheck,
    SelfCheckAnswer,
    SupervisionOrder,
)

for model in (
    SupervisionOrder,
    OrderEvent,
    OrderFile,
    LeagueWeights,
    Bulletin,
    Inspection,
    Finding,
    FindingPhoto,
    Meeting,
    SelfCheck,
    SelfCheckAnswer,
):
    track(model)
