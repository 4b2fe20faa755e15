"""The trail names the rows a change points to as they are called now, read in one query for
every kind of row (tuijin/core/templatetags/tuijin.py ``preload_audit``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tuijin.core.models import Person, Unit
from tuijin.core.roles import Role
from tuijin.projects.models import Problem, Project


def _rows(html: str) -> str:
    return html.replace("\n", "")


def test_a_moved_person_shows_both_units_by_their_current_names(county, client_for):
    person = Person.objects.create(
        region=county.region, unit=county.township, name="调动人员", mobile="13600000001"
    )
    person.unit = county.other_township
    person.save()
    county.other_township.name = "河口镇（更名后）"
    county.other_township.save()
    client = client_for(county.users[Role.PROJECT_OFFICE])
    page = client.get(reverse("directory:person-detail", args=[person.pk])).content.decode()
    assert f"所在单位</span>：{county.township.name} → 河口镇（更名后）" in _rows(page)
    trail = client_for(county.users[Role.SUPERVISION]).get(reverse("audit:list"))
    assert f"：{county.township.name} → 河口镇（更名后）" in _rows(trail.content.decode())


def test_a_deleted_row_is_named_as_deleted(county, client_for):
    gone = Unit.objects.create(region=county.region, name="撤并乡", kind="township")
    person = Person.objects.create(
        region=county.region, unit=gone, name="撤并乡干部", mobile="13600000002"
    )
    person.unit = county.township
    person.save()
    gone_pk = gone.pk
    gone.delete()
    page = client_for(county.users[Role.SUPERVISION]).get(reverse("audit:list"))
    assert f"Deleted &#x27;Unit&#x27; ({gone_pk}) → {county.township.name}" in _rows(
        page.content.decode()
    )


def _project_with_changes(county, i: int) -> Project:
    """A project whose changes point to units, people and a report, with a problem."""
    project = Project.objects.create(
        region=county.region,
        name=f"审计名称项目{i}",
        total_investment=Decimal("100"),
        host_unit=county.township,
        lead_department=county.department,
        contact_leader=county.people[Role.LEADER],
    )
    project.host_unit = county.other_township
    project.contact_leader = county.people[Role.PRINCIPAL]
    project.save()
    problem = Problem.objects.create(
        project=project,
        description=f"问题{i}",
        responsible_unit=county.township,
        responsible_person=county.people[Role.UNIT_STAFF],
        raised_on=dt.date(2026, 6, 1),
        deadline=dt.date(2026, 6, 10),
    )
    problem.responsible_unit = county.department
    problem.save()
    return project


def test_the_trail_reads_the_names_in_one_query_whatever_they_point_to(county, client_for):
    client = client_for(county.users[Role.SUPERVISION])
    url = reverse("audit:list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(3):
        _project_with_changes(county, i)
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert f"{county.township.name} → {county.other_township.name}" in _rows(page)
    assert county.people[Role.PRINCIPAL].name in page and "审计名称项目2" in page
    assert len(many) == len(few) <= 12
