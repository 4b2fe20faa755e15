"""Every change of the registry and its records goes into the audit trail."""

from auditlog.registry import auditlog

from .models import (
    AnnualPlan,
    Milestone,
    MilestoneTemplate,
    Problem,
    ProgressReport,
    Project,
    ProjectPerson,
    ProjectRules,
    SiteCheck,
    StageChange,
)

for model in (
    Project,
    ProjectPerson,
    AnnualPlan,
    StageChange,
    Milestone,
    MilestoneTemplate,
    ProgressReport,
    Problem,
    SiteCheck,
    ProjectRules,
):
    auditlog.register(model)
