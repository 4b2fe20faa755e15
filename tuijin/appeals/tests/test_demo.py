"""The demo pool: about 3,000 requests of the past year, in every state and from every source."""

from __future__ import annotations

import random
import time

import pytest
from django.db.models import Q
from django.utils import timezone

from tuijin.appeals.demo import seed_appeals
from tuijin.appeals.models import Appeal, AppealEvent
from tuijin.appeals.views import overdue_q
from tuijin.enterprises.demo import seed_enterprises, seed_pairings

pytestmark = pytest.mark.django_db


def test_demo_requests_cover_every_state_and_source(county):
    seed_enterprises(county.region, random.Random(7))
    seed_pairings(county.region, random.Random(7))
    started = time.monotonic()
    seed_appeals(county.region, random.Random(7))
    assert time.monotonic() - started < 15
    appeals = Appeal.objects.filter(region=county.region)
    assert 2900 <= appeals.count() <= 3100
    assert set(appeals.values_list("status", flat=True)) == set(Appeal.Status.values)
    assert set(appeals.values_list("source", flat=True)) == set(Appeal.Source.values)
    assert appeals.exclude(visit_opinion=None).filter(source="visit").exists()
    assert appeals.filter(overdue_q(timezone.localdate())).exists()
    assert appeals.filter(reopen_count__gt=0).exists()
    assert appeals.filter(extended=True).exists()
    assert AppealEvent.objects.filter(kind=AppealEvent.Kind.SENT_BACK).exists()
    resolved = appeals.filter(status="resolved")
    assert resolved.filter(rating="satisfied").count() > resolved.count() * 0.7
    # Every request was received, every dispatched one has a lead unit and dues.
    assert not appeals.exclude(events__kind="received").exists()
    assert (
        not appeals.exclude(status="new").filter(Q(lead_unit=None) | Q(resolve_due=None)).exists()
    )
    assert not appeals.filter(received_on__gt=timezone.localdate()).exists()
