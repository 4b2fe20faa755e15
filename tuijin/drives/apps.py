from django.apps import AppConfig


class DrivesConfig(AppConfig):
    """Hundred-day drives (百日集中推进行动) and the county's annual targets (全年目标任务)."""

    name = "tuijin.drives"
    label = "drives"
    verbose_name = "集中推进行动与全年目标"

    def ready(self) -> None:
        from tuijin.core.demo import SEEDERS

        # registers models and menu entries, and this module's part of ``tuijin seed --scale``
        from . import audit, menu, scale  # noqa: F401
        from .demo import seed_drives

        if seed_drives not in SEEDERS:  # actuals are computed live: the order does not matter
            SEEDERS.append(seed_drives)
        self.watch_sources()

    @staticmethod
    def watch_sources() -> None:
        """Every save and delete of what a drive's figures are computed from moves a stamp
        (services.SOURCES), so the cached figures are never served after a change."""
        from django.apps import apps

        from tuijin.appeals.models import Appeal
        from tuijin.core import stamps
        from tuijin.core.models import Person, Region, Unit
        from tuijin.enterprises.models import Enterprise, Visit
        from tuijin.projects import models as projects

        from . import models as drives

        # The same stamps as the cockpit's where it reads the same data (one signal each).
        stamps.watch("directory", Region, Unit, Person)
        stamps.watch("projects", projects.Project, projects.ProgressReport, projects.ProjectPerson)
        stamps.watch(
            "drives",
            drives.Campaign,
            drives.TaskForce,
            drives.TaskForceProject,
            drives.Target,
            drives.MonthlyActual,
            drives.AnnualTarget,
        )
        stamps.watch_m2m(
            "drives", drives.Campaign.leading_group.through, drives.TaskForce.members.through
        )
        stamps.watch("enterprises", Enterprise, Visit)
        stamps.watch_m2m("enterprises", Visit.visitors.through)
        stamps.watch("appeals", Appeal)
        if apps.is_installed("tuijin.outreach"):
            stamps.watch("outreach", apps.get_model("outreach", "Lead"))
