"""No lost updates on a lead (issue 8, point 7)."""

from __future__ import annotations

import pytest

from tuijin.core.roles import Role
from tuijin.core.tests.test_versioning import signed_in
from tuijin.outreach import services
from tuijin.outreach.models import Lead

from .conftest import make_lead

pytestmark = pytest.mark.django_db


def test_an_update_from_a_page_read_before_someone_elses_is_refused(county):
    lead = make_lead(county)
    leader = county.users[Role.LEADER]
    desk = signed_in(leader)
    page = desk.get(f"/outreach/leads/{lead.pk}/").content.decode()
    assert f'name="version" value="{lead.version}"' in page
    seen = lead.version
    services.lead_update(
        Lead.objects.get(pk=lead.pk),
        acting_user=leader,
        status=lead.status,
        next_step="安排企业来县考察",
        next_date=None,
    )
    response = desk.post(
        f"/outreach/leads/{lead.pk}/update/",
        {"status": lead.status, "next_step": "寄送投资指南", "version": str(seen)},
        follow=True,
    )
    text = response.content.decode()
    assert "保存失败：此记录已被" in text
    assert "安排企业来县考察" in text
    assert Lead.objects.get(pk=lead.pk).next_step == "安排企业来县考察"
