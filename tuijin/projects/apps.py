from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    """Key projects: registry, milestones, progress reports, problems, lights, site checks."""

    name = "tuijin.projects"
    label = "projects"
    verbose_name = "重点项目"

    def ready(self) -> None:
        from . import audit, menu  # noqa: F401  (registers models and menu entries)
