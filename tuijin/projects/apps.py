from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    """Key projects: registry, milestones, progress reports, problems, lights, site checks."""

    name = "tuijin.projects"
    label = "projects"
    verbose_name = "重点项目"

    def ready(self) -> None:
        from tuijin.core.demo import SEEDERS
        from tuijin.core.panels import UNIT_PANELS
        from tuijin.core.sweeps import register

        # models for the audit trail, menu entries, the projects' part of ``tuijin seed``
        from . import audit, menu, scale  # noqa: F401
        from .demo import seed_projects
        from .panels import unit_projects_panel
        from .sweep import sweep_step

        if seed_projects not in SEEDERS:  # the demo county's projects, added once
            SEEDERS.append(seed_projects)
        if unit_projects_panel not in UNIT_PANELS:  # its section on each unit's page
            UNIT_PANELS.append(unit_projects_panel)
        register(sweep_step)  # lights and problem reminders in the nightly sweep
