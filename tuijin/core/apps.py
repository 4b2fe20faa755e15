from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Units, people, roles, scoping, the working-day calendar and the audit trail."""

    name = "tuijin.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from . import audit, signals  # noqa: F401  (registers models and receivers)
        from .delivery import sweep_step
        from .sweeps import register

        register(sweep_step)  # retries email and robot deliveries that are due
