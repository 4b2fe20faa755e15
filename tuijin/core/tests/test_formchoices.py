"""Two fields listing rows of one table read it once, and each still refuses the rows it does
not list (tuijin/core/formchoices.py, as the project form uses it)."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuijin.core.models import Unit
from tuijin.core.roles import Role
from tuijin.projects.forms import ProjectForm


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_the_unit_and_people_lists_read_each_table_once(county):
    form = ProjectForm(region=county.region.pk)
    with CaptureQueriesContext(connection) as queries:
        html = str(form)
    assert len(queries) == 2  # units, then people with their units
    hosts, departments = _options(html, "host_unit"), _options(html, "lead_department")
    assert county.township.name in hosts and county.other_township.name in hosts
    assert county.department.name not in hosts
    assert departments[1:] == [
        u.name for u in Unit.objects.filter(region=county.region, kind=Unit.Kind.DEPARTMENT)
    ]
    leaders = _options(html, "contact_leader")
    assert county.people[Role.LEADER].name in leaders
    assert county.people[Role.UNIT_STAFF].name not in leaders
    staff = county.people[Role.UNIT_STAFF]
    assert f"{staff.name}（{staff.unit.short_name or staff.unit.name}，{staff.title}）" in (
        _options(html, "responsible_people")
    )


def test_a_row_the_field_does_not_list_is_refused(county):
    form = ProjectForm(
        {
            "name": "测试项目",
            "nature": "new",
            "level": "county",
            "category": "industry",
            "total_investment": "100",
            "host_unit": county.department.pk,
            "lead_department": county.township.pk,
            "contact_leader": county.people[Role.UNIT_STAFF].pk,
        },
        region=county.region.pk,
    )
    assert not form.is_valid()
    assert {"host_unit", "lead_department", "contact_leader"} <= set(form.errors)
