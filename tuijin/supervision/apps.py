from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """Supervision (督查督办): supervision orders with deadlines, reminders and escalation."""

    name = "tuijin.supervision"
    label = "supervision"
    verbose_name = "督查督办"

    def ready(self) -> None:
        from tuijin.core.demo import SEEDERS
        from tuijin.core.panels import PROJECT_PANELS, UNIT_PANELS
        from tuijin.core.sweeps import register

        # models for the audit trail, menu entries, supervision's part of ``tuijin seed``
        from . import audit, menu, scale  # noqa: F401
        from .demo import seed_orders
        from .panels import project_supervision_panel, unit_orders_panel
        from .services import sweep_orders

        if unit_orders_panel not in UNIT_PANELS:  # open orders on each unit's page
            UNIT_PANELS.append(unit_orders_panel)
        if project_supervision_panel not in PROJECT_PANELS:  # findings and orders of a project
            PROJECT_PANELS.append(project_supervision_panel)
        register(sweep_orders)  # reminders (催办) and escalation in the nightly sweep
        if seed_orders not in SEEDERS:  # after the projects' seeder: orders need projects
            SEEDERS.append(seed_orders)

        from .demo_inspections import seed_inspections
        from .panels_inspections import unit_findings_panel

        if unit_findings_panel not in UNIT_PANELS:  # the unit's findings not yet put right
            UNIT_PANELS.append(unit_findings_panel)
        if seed_inspections not in SEEDERS:  # after seed_orders: findings become orders too
            SEEDERS.append(seed_inspections)

        from .demo_meetings import seed_meetings
        from .views_selfchecks import unit_selfchecks_panel

        if unit_selfchecks_panel not in UNIT_PANELS:  # self-check answers stay on the unit page
            UNIT_PANELS.append(unit_selfchecks_panel)
        if seed_meetings not in SEEDERS:  # after seed_orders: memos list overdue orders
            SEEDERS.append(seed_meetings)

        from .demo_bulletins import seed_bulletins

        if seed_bulletins not in SEEDERS:  # last: the archive's figures include the orders
            SEEDERS.append(seed_bulletins)
