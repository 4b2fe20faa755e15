from django.apps import AppConfig


class OutreachConfig(AppConfig):
    """Leaders going out (走出去): outreach trips, project leads and the weekly project day."""

    name = "tuijin.outreach"
    label = "outreach"
    verbose_name = "走出去"

    def ready(self) -> None:
        from tuijin.core.demo import SEEDERS
        from tuijin.core.panels import PROJECT_PANELS
        from tuijin.core.sweeps import register

        # registers models and menu entries, and this module's part of ``tuijin seed --scale``
        from . import audit, menu, scale  # noqa: F401
        from .demo import seed_outreach
        from .panels import project_source_panel
        from .projectday import sweep_project_days

        if project_source_panel not in PROJECT_PANELS:  # a converted lead's source and history
            PROJECT_PANELS.append(project_source_panel)
        register(sweep_project_days)  # the reminder on the last working day of a short week
        if seed_outreach not in SEEDERS:  # after projects, visits and meetings: leads convert
            SEEDERS.append(seed_outreach)
