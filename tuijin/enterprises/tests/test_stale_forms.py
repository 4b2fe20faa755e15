"""No lost updates on the enterprise registry (issue 8, point 7)."""

from __future__ import annotations

import pytest

from tuijin.core.roles import Role
from tuijin.core.tests.test_versioning import form_data, signed_in
from tuijin.enterprises.models import Enterprise

from .factories import make_enterprise

pytestmark = pytest.mark.django_db


def test_a_stale_enterprise_edit_is_refused_with_what_changed_and_keeps_the_input(county):
    enterprise = make_enterprise(county.region, county.township, 1, name="清溪精密机械有限公司")
    url = f"/enterprises/{enterprise.pk}/edit/"
    office_user, admin_user = county.users[Role.PROJECT_OFFICE], county.users[Role.ADMIN]
    office, admin = signed_in(office_user), signed_in(admin_user)
    page = office.get(url)
    assert page.status_code == 200
    mine = form_data(page.context["form"])

    theirs = form_data(admin.get(url).context["form"])
    theirs["contact_name"] = "王经理"
    theirs["employees"] = "320"
    assert admin.post(url, theirs).status_code == 302

    mine["legal_representative"] = "李四"
    response = office.post(url, mine)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"保存失败：此记录已被 {admin_user} 于 " in text
    assert "现为「王经理」" in text and "现为「320」" in text
    assert 'value="李四"' in text
    stored = Enterprise.objects.get(pk=enterprise.pk)
    assert (stored.contact_name, stored.employees, stored.legal_representative) == (
        "王经理",
        320,
        "",
    )
