"""The demo county comes with supervision orders in every state."""

import pytest

from tuijin.core.demo import seed_demo
from tuijin.supervision.models import SupervisionOrder


@pytest.mark.django_db
def test_demo_county_has_orders_in_every_state():
    seed_demo()
    statuses = set(SupervisionOrder.objects.values_list("status", flat=True))
    assert {"issued", "accepted"} <= statuses
    assert SupervisionOrder.objects.count() >= 20
    assert all(o.project_id and o.person_id for o in SupervisionOrder.objects.all())
