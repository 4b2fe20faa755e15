from .choices import LIGHT_RANK, STAGE_ORDER, Category, Level, Light, Nature, PeriodKind, Stage
from .project import AnnualPlan, Project, ProjectPerson, StageChange
from .tracking import (
    LightChange,
    Milestone,
    MilestoneTemplate,
    Photo,
    Problem,
    ProgressReport,
    ProjectRules,
    SiteCheck,
)

__all__ = [
    "LIGHT_RANK",
    "StageChange",
    "STAGE_ORDER",
    "AnnualPlan",
    "Category",
    "Level",
    "Light",
    "LightChange",
    "Milestone",
    "MilestoneTemplate",
    "Nature",
    "PeriodKind",
    "Photo",
    "Problem",
    "ProgressReport",
    "Project",
    "ProjectPerson",
    "ProjectRules",
    "SiteCheck",
    "Stage",
]
