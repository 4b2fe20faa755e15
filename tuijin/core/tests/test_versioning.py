"""No lost updates (issue 8, point 7): versions on every editable record, stale writes refused.

The mechanism (``tuijin.core.versioning``): a save moves the version on, a save naming a
version that is no longer stored is refused with who changed what; bulk edits move it too.
The API (``versioning_api``): ``ETag`` on detail reads, 412 for a stale ``If-Match`` or
``version`` on every writable endpoint of the router.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from django.db import connection
from rest_framework.test import APIClient

from tuijin.core.api_urls import ENDPOINTS
from tuijin.core.bulk import update_rows
from tuijin.core.models import Person
from tuijin.core.roles import Role
from tuijin.core.versioning import StaleWrite, Versioned
from tuijin.projects.models import Milestone, Problem, Project
from tuijin.projects.tests.conftest import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(county):
    return make_project(county)


def form_data(form) -> dict:
    """What a browser would post back for ``form`` as rendered (hidden version included)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            data[form.add_prefix(name)] = "on"
        elif isinstance(value, list | tuple):
            data[form.add_prefix(name)] = [str(v) for v in value]
        else:
            data[form.add_prefix(name)] = str(value)
    return data


def signed_in(user):
    """A browser of its own for ``user`` (two people at two desks)."""
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    return browser


def test_a_new_record_starts_at_version_one_and_each_save_moves_it_on(project):
    assert project.version == 1
    project.name = "智能装备制造产业园（一期）"
    project.save()
    project.address = "城关镇工业路 8 号"
    project.save(update_fields=["address"])
    project.refresh_from_db()
    assert project.version == 3
    assert project.address == "城关镇工业路 8 号"


def test_a_save_of_derived_columns_only_is_not_an_edit(project):
    project.invested_total = Decimal("100")
    project.save(update_fields=["invested_total", "last_report_period"])
    project.refresh_from_db()
    assert project.version == 1
    assert project.invested_total == Decimal("100")


def test_a_save_at_the_version_read_goes_through(project):
    project.name = "新名称"
    project.expect_version(1)
    project.save()
    project.refresh_from_db()
    assert (project.name, project.version) == ("新名称", 2)


def test_a_stale_save_is_refused_with_who_changed_what_and_nothing_is_stored(county, project):
    mine = Project.objects.get(pk=project.pk)
    theirs = Project.objects.get(pk=project.pk)
    office = county.users[Role.PROJECT_OFFICE]
    with set_actor(office):
        theirs.total_investment = Decimal("60000")
        theirs.address = "河口镇滨江路"
        theirs.save()
    mine.name = "我改的名称"
    mine.expect_version(1)
    with pytest.raises(StaleWrite) as caught:
        mine.save()
    message = caught.value.message
    assert message.startswith(f"保存失败：此记录已被 {office} 于 ")
    assert "总投资" in message and "60000" in message
    assert "河口镇滨江路" in message
    assert "我改的名称" not in message  # what changed meanwhile, not what was refused
    stored = Project.objects.get(pk=project.pk)
    assert stored.name == "智能装备制造产业园"
    assert stored.version == 2
    assert mine.version == 1  # the refused object still says what it was read at


def test_an_unconditional_save_counts_up_from_the_stored_version(project):
    old = Project.objects.get(pk=project.pk)
    Project.objects.get(pk=project.pk).save()
    Project.objects.get(pk=project.pk).save()
    old.save()  # read at 1, saved after two others: still a new version, not 2 again
    assert Project.objects.get(pk=project.pk).version == 4


def test_a_bulk_edit_moves_the_version_and_a_bulk_derived_write_does_not(project):
    project.name = "导入的名称"
    update_rows(Project, [project], ["name", "updated_at"])
    project.light = "red"
    update_rows(Project, [project], ["light", "light_reasons"])
    stored = Project.objects.get(pk=project.pk)
    assert (stored.name, stored.light, stored.version) == ("导入的名称", "red", 2)


def test_every_record_with_an_edit_page_or_a_writable_endpoint_is_versioned():
    from tuijin.appeals.models import Appeal
    from tuijin.discipline.models import Leave
    from tuijin.drives.models import AnnualTarget, Campaign, Target
    from tuijin.enterprises.models import Enterprise
    from tuijin.outreach.models import Lead, OutreachTrip
    from tuijin.supervision.models import SupervisionOrder

    for model in (
        Person,
        Project,
        Milestone,
        Problem,
        SupervisionOrder,
        Enterprise,
        Appeal,
        Lead,
        OutreachTrip,
        Target,
        Campaign,
        AnnualTarget,
        Leave,
    ):
        assert issubclass(model, Versioned), model.__name__
    for prefix, viewset, _ in ENDPOINTS:
        serializer = getattr(viewset, "serializer_class", None)
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        if model is not None and issubclass(model, Versioned):
            assert "version" in serializer.Meta.fields, prefix
            assert serializer().fields["version"].read_only, prefix


# --- The API ------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _writable(county, project):
    """Every router endpoint that accepts PUT or PATCH on a versioned record, with a record
    its writer may change and a harmless change."""
    staff = county.people[Role.UNIT_STAFF]
    milestone = project.milestones.first() or Milestone.objects.create(
        project=project, name="开工", order=1, planned_date=dt.date(2026, 6, 1)
    )
    problem = Problem.objects.create(
        project=project,
        description="用地指标未落实",
        responsible_unit=county.township,
        responsible_person=staff,
        raised_on=dt.date(2026, 6, 1),
        deadline=dt.date(2026, 6, 15),
    )
    cases = {
        "people": (county.users[Role.UNIT_STAFF], staff, {"title": "综合办主任"}),
        "projects": (county.users[Role.PROJECT_OFFICE], project, {"address": "工业路 1 号"}),
        "milestones": (
            county.users[Role.PROJECT_OFFICE],
            milestone,
            {"planned_date": "2026-07-01"},
        ),
        "problems": (county.users[Role.PROJECT_OFFICE], problem, {"measure": "协调国土部门"}),
    }
    for prefix, viewset, _ in ENDPOINTS:
        methods = getattr(viewset, "http_method_names", [])
        writable = ("patch" in methods or "put" in methods) and hasattr(viewset, "update")
        if writable:
            assert prefix in cases, f"{prefix} accepts writes: add it to this walk"
    return cases


def test_detail_reads_carry_the_version_as_etag(county, project):
    response = _api(county.users[Role.PROJECT_OFFICE]).get(f"/api/projects/{project.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["version"] == 1
    listing = _api(county.users[Role.PROJECT_OFFICE]).get("/api/projects/")
    assert "ETag" not in listing


@pytest.mark.parametrize("prefix", ["people", "projects", "milestones", "problems"])
def test_every_writable_endpoint_refuses_a_stale_if_match_with_412(county, project, prefix):
    user, record, change = _writable(county, project)[prefix]
    client = _api(user)
    url = f"/api/{prefix}/{record.pk}/"
    etag = client.get(url)["ETag"]
    # Someone else saves in between.
    type(record).objects.get(pk=record.pk).save()
    response = client.patch(url, change, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    body = response.json()
    assert body["error"] == "stale"
    assert body["message"].startswith("保存失败：此记录已被")
    read = int(etag.strip('"'))
    assert body["current"]["version"] == read + 1
    record.refresh_from_db()
    assert record.version == read + 1  # nothing of the stale write was stored
    # With the current tag the same write goes through, and answers with the next one.
    fresh = client.get(url)["ETag"]
    assert fresh == f'"{read + 1}"'
    response = client.patch(url, change, format="json", HTTP_IF_MATCH=fresh)
    assert response.status_code == 200, response.json()
    assert response["ETag"] == f'"{read + 2}"'


def test_the_412_names_what_changed_meanwhile_and_its_current_value(county, project):
    office = county.users[Role.PROJECT_OFFICE]
    client = _api(office)
    url = f"/api/projects/{project.pk}/"
    with set_actor(county.users[Role.ADMIN]):
        theirs = Project.objects.get(pk=project.pk)
        theirs.address = "河口镇滨江路"
        theirs.save()
    response = client.patch(url, {"name": "改名"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    body = response.json()
    assert body["current"] == {"address": "河口镇滨江路", "version": 2}
    assert "地址" in body["message"] or "河口镇滨江路" in body["message"]
    assert Project.objects.get(pk=project.pk).name == "智能装备制造产业园"


def test_a_version_in_the_body_works_like_if_match(county, project):
    client = _api(county.users[Role.PROJECT_OFFICE])
    url = f"/api/projects/{project.pk}/"
    Project.objects.get(pk=project.pk).save()
    stale = client.patch(url, {"name": "改名", "version": 1}, format="json")
    assert stale.status_code == 412
    fresh = client.patch(url, {"name": "改名", "version": 2}, format="json")
    assert fresh.status_code == 200
    assert fresh.json()["version"] == 3


@pytest.mark.parametrize("prefix", ["people", "projects", "milestones", "problems"])
def test_an_edit_that_names_no_version_is_refused_with_428_and_changes_nothing(
    county, project, prefix
):
    """A write that says nothing of what it read could undo a change it never saw."""
    user, record, change = _writable(county, project)[prefix]
    client = _api(user)
    url = f"/api/{prefix}/{record.pk}/"
    offered = client.options(url)["Allow"]
    for method in [client.patch] + ([client.put] if "PUT" in offered else []):
        response = method(url, change, format="json")
        assert response.status_code == 428
        assert response.json()["error"] == "version_required"
        assert "If-Match" in response.json()["message"]
    assert type(record).objects.get(pk=record.pk).version == record.version


def test_a_malformed_version_is_a_400_and_an_unknown_tag_a_412(county, project):
    client = _api(county.users[Role.PROJECT_OFFICE])
    url = f"/api/projects/{project.pk}/"
    bad = client.patch(url, {"name": "改名", "version": "abc"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid"
    unknown = client.patch(url, {"name": "改名"}, format="json", HTTP_IF_MATCH='"xyz"')
    assert unknown.status_code == 412
    anything = client.patch(url, {"name": "改名"}, format="json", HTTP_IF_MATCH="*")
    assert anything.status_code == 200
    assert Project.objects.get(pk=project.pk).version == 2


def test_the_race_between_check_and_save_is_caught_by_the_conditional_update(county, project):
    """A write that passed the If-Match check and then loses the race still gets a 412: the
    save itself is UPDATE … WHERE version = the version checked."""
    stored = Project.objects.get(pk=project.pk)
    stored.expect_version(1)
    with connection.cursor() as cursor:  # another writer commits between check and save
        cursor.execute(
            f"UPDATE {Project._meta.db_table} SET version = 2 WHERE id = %s", [project.pk]
        )
    with pytest.raises(StaleWrite):
        stored.save()


# --- Pages of the directory ---------------------------------------------------------------


def test_a_stale_edit_of_a_person_is_refused_with_what_changed(county):
    staff = county.people[Role.UNIT_STAFF]
    url = f"/directory/people/{staff.pk}/"
    desk = signed_in(county.users[Role.UNIT_STAFF])
    mine = form_data(desk.get(url).context["form"])
    admin_user = county.users[Role.ADMIN]
    theirs = form_data(signed_in(admin_user).get(url).context["form"])
    theirs["title"] = "党政办主任"
    assert signed_in(admin_user).post(url, theirs).status_code == 302

    mine["title"] = "项目办副主任"
    response = desk.post(url, mine)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"保存失败：此记录已被 {admin_user} 于 " in text
    assert "职务现为「党政办主任」" in text or "现为「党政办主任」" in text
    assert 'value="项目办副主任"' in text
    assert Person.objects.get(pk=staff.pk).title == "党政办主任"
