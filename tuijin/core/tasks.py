"""Background tasks of the core app (django-tasks; ``db_worker`` runs them in production)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_deliveries(delivery_ids: list[int]) -> int:
    """Send email and robot copies of notifications; failures are retried with back-off."""
    from .delivery import send_deliveries as send

    return send(delivery_ids)
