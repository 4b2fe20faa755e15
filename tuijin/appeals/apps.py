from django.apps import AppConfig


class AppealsConfig(AppConfig):
    """Enterprise requests (企业诉求, module 8): one pool, dispatch, working-day deadlines,
    replies the enterprise rates, reopening."""

    name = "tuijin.appeals"
    label = "appeals"
    verbose_name = "企业诉求"

    def ready(self) -> None:
        from tuijin.core.demo import SEEDERS
        from tuijin.core.sweeps import register

        # registers models and menu entries, and this module's part of ``tuijin seed --scale``
        from . import audit, menu, scale  # noqa: F401
        from .demo import seed_appeals
        from .sweep import sweep_appeals

        register(sweep_appeals)  # reminders, escalation and follow-up call tasks

        from tuijin.enterprises.pairing import VISIT_RECORDED

        from .services import visit_recorded

        if visit_recorded not in VISIT_RECORDED:  # each opinion heard becomes a request
            VISIT_RECORDED.append(visit_recorded)
        if seed_appeals not in SEEDERS:  # after the enterprises' seeder: requests need them
            SEEDERS.append(seed_appeals)

        from . import menu_portal  # noqa: F401  (the enterprise portal's menu entries)
        from .demo_portal import seed_portal

        if seed_portal not in SEEDERS:  # after the requests' seeder: numbers follow theirs
            SEEDERS.append(seed_portal)
