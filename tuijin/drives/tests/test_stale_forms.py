"""No lost updates on the yearly targets (issue 8, point 7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuijin.core.roles import Role
from tuijin.core.tests.test_versioning import form_data, signed_in
from tuijin.drives import services
from tuijin.drives.models import AnnualTarget, Measure

pytestmark = pytest.mark.django_db


def test_a_stale_edit_of_a_yearly_target_is_refused_with_what_changed(county):
    target = services.annual_target_save(
        region=county.region,
        year=dt.date.today().year,
        name="招商引资到位资金",
        measure=Measure.CUSTOM,
        value=Decimal("100000"),
        unit_label="万元",
    )
    url = f"/drives/annual/{target.pk}/edit/"
    desk = signed_in(county.users[Role.PROJECT_OFFICE])
    mine = form_data(desk.get(url).context["form"])
    admin_user = county.users[Role.ADMIN]
    admin = signed_in(admin_user)
    theirs = form_data(admin.get(url).context["form"])
    theirs["value"] = "120000"
    assert admin.post(url, theirs).status_code == 302

    mine["manual_actual"] = "5000"
    response = desk.post(url, mine)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"保存失败：此记录已被 {admin_user} 于 " in text
    assert "现为「120000" in text
    stored = AnnualTarget.objects.get(pk=target.pk)
    assert (stored.value, stored.manual_actual) == (Decimal("120000"), None)
