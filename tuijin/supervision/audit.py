"""Every change of an order and its history goes into the audit trail."""

from tuijin.core.audit import track

from .models import Bulletin, LeagueWeights, OrderEvent, OrderFile, SupervisionOrder

for model in (SupervisionOrder, OrderEvent, OrderFile, LeagueWeights, Bulletin):
    track(model)
