from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Units, people, roles, scoping, the working-day calendar and the audit trail."""

    name = "tuijin.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        # models for the audit trail, receivers, the directory's part of ``tuijin seed``
        from . import audit, scale_directory, signals  # noqa: F401
        from .delivery import sweep_step
        from .sweeps import register

        register(sweep_step)  # retries email and robot deliveries that are due
        from . import planner

        register(planner.sweep_step)  # fresh planner statistics, for the lists' indexes
        from . import stamps

        stamps.watch_kinds()  # writes move the stamps of the cached aggregates
