"""Every change of the registry and its records goes into the audit trail."""

from tuijin.core.audit import track

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

# Lights and running totals are derived: their history is LightChange and the reports.
track(Project, exclude=("light", "light_reasons", "invested_total", "last_report_period"))
for model in (
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
    track(model)
