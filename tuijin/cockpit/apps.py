from django.apps import AppConfig


class CockpitConfig(AppConfig):
    """The leaders' cockpit (驾驶舱): the county on one screen, and a big-screen mode."""

    name = "tuijin.cockpit"
    label = "cockpit"
    verbose_name = "领导驾驶舱"

    def ready(self) -> None:
        from . import menu  # noqa: F401  (registers the menu entry)
