"""The demo county comes with supervision orders in every state, and two archived bulletins."""

import datetime as dt

import pytest
from django.utils import timezone
from docx import Document

from tuijin.core.demo import seed_demo
from tuijin.supervision.models import Bulletin, SupervisionOrder


@pytest.mark.django_db
def test_demo_county_has_orders_in_every_state_and_two_bulletins(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_demo()
    statuses = set(SupervisionOrder.objects.values_list("status", flat=True))
    assert {"issued", "accepted"} <= statuses
    assert SupervisionOrder.objects.count() >= 20
    assert all(o.person_id for o in SupervisionOrder.objects.all())
    plain = SupervisionOrder.objects.filter(finding=None, meeting=None, project=None)
    # Orders about no finding, meeting or project are overdue enterprise requests escalated
    # by the demo's last sweep.
    assert plain.exists()
    assert all(o.title.startswith("关于督促办理企业诉求诉〔") for o in plain)

    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    bulletins = list(Bulletin.objects.order_by("number"))
    assert [b.period for b in bulletins][-1] == f"{last_month:%Y-%m}"
    assert len(bulletins) == 2
    text = "\n".join(p.text for p in Document(bulletins[-1].file.path).paragraphs)
    assert f"{last_month.year}年{last_month.month}月" in text
