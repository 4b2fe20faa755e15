"""No lost updates on a leave request (issue 8, point 7): a decision taken on a page read
before another decision is refused with what changed, and not recorded."""

from __future__ import annotations

import datetime as dt

import pytest

from tuijin.core.roles import Role
from tuijin.core.tests.test_versioning import signed_in
from tuijin.discipline import leave as rules
from tuijin.discipline.models import Leave

pytestmark = pytest.mark.django_db


def test_deciding_on_a_stale_page_is_refused_with_what_changed(county):
    leave = rules.leave_request(
        acting_user=county.users[Role.UNIT_STAFF],
        person=county.people[Role.UNIT_STAFF],
        start_date=dt.date(2026, 11, 23),
        end_date=dt.date(2026, 11, 24),
        reason_kind=Leave.Reason.PERSONAL,
        reason="家中有事",
    )
    principal = county.users[Role.PRINCIPAL]
    desk = signed_in(principal)
    page = desk.get(f"/discipline/leave/{leave.pk}/").content.decode()
    assert f'name="version" value="{leave.version}"' in page
    seen = leave.version
    rules.leave_decide(acting_user=principal, leave=leave, approve=False, note="工程节点期间")

    response = desk.post(
        f"/discipline/leave/{leave.pk}/decide/",
        {"decision": "approve", "note": "", "version": str(seen)},
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "保存失败：此记录已被" in text
    assert "现为「不予批准」" in text or "状态现为" in text
    assert Leave.objects.get(pk=leave.pk).status == Leave.Status.REFUSED
