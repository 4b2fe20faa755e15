from django.apps import AppConfig


class DisciplineConfig(AppConfig):
    """Work discipline (三件事): the meetings register, leave for project work, reception time."""

    name = "tuijin.discipline"
    label = "discipline"
    verbose_name = "工作纪律"

    def ready(self) -> None:
        from tuijin.core.demo import SEEDERS

        # registers models and menu entries, and this module's part of ``tuijin seed --scale``
        from . import audit, menu, scale  # noqa: F401
        from .demo import seed_discipline

        if seed_discipline not in SEEDERS:  # after projects: leave links demo projects
            SEEDERS.append(seed_discipline)
