"""No lost updates on the project pages (issue 8, point 7): an edit made on a page read
before someone else's save is refused with who changed what, the input kept, nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest

from tuijin.core.roles import Role
from tuijin.core.tests.test_versioning import form_data, signed_in
from tuijin.projects.models import Milestone, Problem, Project

from .conftest import make_project

pytestmark = pytest.mark.django_db


def test_a_stale_project_edit_is_refused_with_what_changed_and_keeps_the_input(county):
    project = make_project(county, registered_in_stats=False)
    url = f"/projects/{project.pk}/edit/"
    office = signed_in(county.users[Role.PROJECT_OFFICE])
    admin_user = county.users[Role.ADMIN]
    admin = signed_in(admin_user)

    mine = form_data(office.get(url).context["form"])
    assert mine["version"] == "1"
    theirs = form_data(admin.get(url).context["form"])
    theirs["total_investment"] = "60000"
    theirs["address"] = "河口镇滨江路 1 号"
    assert admin.post(url, theirs).status_code == 302

    mine["name"] = "智能装备制造产业园（一期）"
    response = office.post(url, mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"保存失败：此记录已被 {admin_user} 于 " in page
    assert "总投资（万元）现为「60000" in page
    assert "河口镇滨江路 1 号" in page
    assert 'value="智能装备制造产业园（一期）"' in page  # the input is kept
    stored = Project.objects.get(pk=project.pk)
    assert stored.name == "智能装备制造产业园"
    assert stored.address == "河口镇滨江路 1 号"

    # The re-rendered form carries the current version: saving again is a deliberate choice.
    again = form_data(response.context["form"])
    assert again["version"] == str(stored.version)
    assert office.post(url, again).status_code == 302
    assert Project.objects.get(pk=project.pk).name == "智能装备制造产业园（一期）"


def test_a_stale_milestone_row_refuses_the_whole_form(county):
    project = make_project(county)
    Milestone.objects.create(
        project=project, name="开工", order=1, planned_date=dt.date(2026, 6, 1)
    )
    Milestone.objects.create(
        project=project, name="竣工", order=2, planned_date=dt.date(2027, 6, 1)
    )
    url = f"/projects/{project.pk}/milestones/"
    office = signed_in(county.users[Role.PROJECT_OFFICE])
    mine = {}
    formset = office.get(url).context["formset"]
    mine.update(form_data(formset.management_form))
    for form in formset:
        mine.update(form_data(form))
    first = project.milestones.order_by("order").first()
    first.planned_date = dt.date(2026, 7, 1)
    first.save()  # someone else moved the first milestone meanwhile
    for key in list(mine):
        if key.endswith("planned_date"):
            mine[key] = "2026-12-31"
    response = office.post(url, mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert "保存失败：此记录已被" in page
    assert "计划完成日期现为「2026-07-01」" in page
    dates = sorted(Milestone.objects.filter(project=project).values_list("planned_date", flat=True))
    assert dates == [dt.date(2026, 7, 1), dt.date(2027, 6, 1)]  # neither row of mine saved


def test_a_problem_update_from_a_stale_page_is_refused(county):
    project = make_project(county)
    problem = Problem.objects.create(
        project=project,
        description="用地指标未落实",
        responsible_unit=county.township,
        responsible_person=county.people[Role.UNIT_STAFF],
        raised_on=dt.date(2026, 6, 1),
        deadline=dt.date(2026, 6, 15),
    )
    staff = signed_in(county.users[Role.UNIT_STAFF])
    page = staff.get(f"/projects/{project.pk}/").content.decode()
    assert 'name="version" value="1"' in page
    problem.measure = "已对接国土部门"
    problem.status = Problem.Status.IN_PROGRESS
    problem.save()
    response = staff.post(
        f"/projects/problems/{problem.pk}/",
        {"status": "resolved", "measure": "指标已调剂", "version": "1"},
        follow=True,
    )
    text = response.content.decode()
    assert "保存失败：此记录已被" in text
    assert "已对接国土部门" in text
    problem.refresh_from_db()
    assert problem.status == Problem.Status.IN_PROGRESS
