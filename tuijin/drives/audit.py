"""Every change of drives, task forces, targets and annual targets goes into the audit trail."""

from tuijin.core.audit import track

from .models import AnnualTarget, Campaign, MonthlyActual, Target, TaskForce, TaskForceProject

for model in (Campaign, TaskForce, TaskForceProject, Target, MonthlyActual, AnnualTarget):
    track(model)
