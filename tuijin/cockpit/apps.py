from django.apps import AppConfig


class CockpitConfig(AppConfig):
    """The leaders' cockpit (驾驶舱): the county on one screen, and a big-screen mode."""

    name = "tuijin.cockpit"
    label = "cockpit"
    verbose_name = "领导驾驶舱"

    def ready(self) -> None:
        from . import menu  # noqa: F401  (registers the menu entry)

        self.watch_sources()

    @staticmethod
    def watch_sources() -> None:
        """Every save and delete of what the cockpit aggregates moves a stamp (views.SOURCES)."""
        from tuijin.core import stamps
        from tuijin.core.models import Person, Region, Unit
        from tuijin.drives import models as drives
        from tuijin.projects import models as projects
        from tuijin.supervision import models as supervision

        stamps.watch("directory", Region, Unit, Person)
        stamps.watch(
            "projects",
            projects.Project,
            projects.AnnualPlan,
            projects.ProgressReport,
            projects.Problem,
            projects.ProjectPerson,
            projects.Milestone,
            projects.StageChange,
            projects.ProjectRules,
        )
        stamps.watch(
            "supervision",
            supervision.SupervisionOrder,
            supervision.OrderEvent,
            supervision.LeagueWeights,
        )
        stamps.watch(
            "drives",
            drives.Campaign,
            drives.TaskForce,
            drives.TaskForceProject,
            drives.Target,
            drives.MonthlyActual,
            drives.AnnualTarget,
        )
