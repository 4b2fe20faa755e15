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
