"""Bulk writes (core/bulk.py) and the audit entries of a bulk write (core/audit.py AuditBatch).

Run on both databases by CI: SQLite writes with prepared statements, PostgreSQL with COPY and
UPDATE … FROM (VALUES …); the stored rows must be the same either way.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.context import set_actor
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.db import DatabaseError, transaction

from tuijin.core import scale
from tuijin.core.audit import AuditBatch, verify_chain
from tuijin.core.bulk import (
    insert_reserved,
    insert_returning,
    insert_rows,
    reserve_ids,
    update_rows,
)
from tuijin.core.models import Person
from tuijin.core.roles import Role
from tuijin.projects.models import Light, Milestone, ProgressReport, Project, Stage

pytestmark = pytest.mark.django_db


def _project(county, n: int, **values) -> Project:
    return Project(
        region=county.region,
        name=f"批量项目{n}",
        total_investment=Decimal("1200.50"),
        host_unit=county.township,
        **values,
    )


def test_new_projects_get_their_ids_in_order_and_read_back_as_saved(county):
    projects = [
        _project(
            county,
            n,
            planned_start=dt.date(2026, 3, n % 28 + 1),
            light=Light.RED if n % 2 else Light.GREEN,
            light_reasons=[f"原因{n}", "节点逾期"],
            content="第一行\n第二行\t制表",
        )
        for n in range(1, 1201)
    ]
    before = Project.objects.count()

    ids = insert_returning(Project, projects)

    assert ids == sorted(ids) and len(set(ids)) == 1200
    assert [p.pk for p in projects] == ids
    assert Project.objects.count() == before + 1200
    stored = {p.pk: p for p in Project.objects.filter(pk__in=ids)}
    for project in projects[::97]:
        again = stored[project.pk]
        assert again.name == project.name
        assert again.planned_start == project.planned_start
        assert again.light_reasons == project.light_reasons
        assert again.content == "第一行\n第二行\t制表"
        assert again.total_investment == Decimal("1200.50")
        assert again.created_at is not None and again.updated_at is not None
    # Saved instances: they update, not insert again.
    projects[0].address = "城关镇工业园"
    projects[0].save(update_fields=["address"])
    assert Project.objects.get(pk=ids[0]).address == "城关镇工业园"


def test_reserved_ids_let_rows_pointing_at_new_projects_be_written_first(county):
    """An import writes a new project's milestones before the project (lit from them):
    the ids are reserved, taken by no one else, and the rows agree at commit."""
    with transaction.atomic():
        projects = [_project(county, n) for n in range(1, 4)]
        ids = reserve_ids(Project, projects)
        assert ids == sorted(ids) and [p.pk for p in projects] == ids
        insert_rows(
            Milestone,
            [(pk, "开工", 1, None, None, None) for pk in ids],
            fields=["project", "name", "order", "planned_date", "actual_date", "responsible_unit"],
        )
        assert insert_reserved(Project, projects) == 3
        later = Project.objects.create(
            region=county.region, name="后来的项目", total_investment=Decimal("10")
        )
    assert later.pk > max(ids)
    assert set(Project.objects.filter(pk__in=ids).values_list("name", flat=True)) == {
        "批量项目1",
        "批量项目2",
        "批量项目3",
    }
    assert Milestone.objects.filter(project_id__in=ids, name="开工").count() == 3
    projects[0].address = "城关镇工业园"
    projects[0].save(update_fields=["address"])  # saved instances update, not insert again
    assert Project.objects.get(pk=ids[0]).address == "城关镇工业园"


def test_instances_and_tuples_insert_the_same_rows(county):
    project = Project.objects.create(
        region=county.region, name="节点项目", total_investment=Decimal("100")
    )
    planned = dt.date(2026, 5, 1)
    as_instances = insert_rows(
        Milestone,
        (
            Milestone(project=project, name=f"实例{n}", order=n, planned_date=planned)
            for n in range(2500)
        ),
    )
    day = scale.prep(Milestone, "planned_date")
    as_tuples = insert_rows(
        Milestone,
        (
            (project.pk, f"元组{n}", n, day(planned), None, county.department.pk)
            for n in range(2500)
        ),
        fields=["project", "name", "order", "planned_date", "actual_date", "responsible_unit"],
    )

    assert (as_instances, as_tuples) == (2500, 2500)
    rows = Milestone.objects.filter(project=project)
    assert rows.count() == 5000
    assert set(rows.values_list("planned_date", flat=True)) == {planned}
    assert rows.filter(name="元组7").get().responsible_unit == county.department
    assert rows.filter(name="实例7").get().order == 7


def test_updates_write_only_the_named_columns(county):
    projects = [_project(county, n) for n in range(1, 301)]
    insert_returning(Project, projects)
    for n, project in enumerate(projects):
        project.total_investment = Decimal(n) + Decimal("0.25")
        project.stage = Stage.STARTED
        project.actual_start = dt.date(2026, 1, 1) + dt.timedelta(days=n)
        project.light_reasons = [f"理由{n}"]
        project.address = "不写入"

    written = update_rows(
        Project, projects, ["total_investment", "stage", "actual_start", "light_reasons"]
    )

    assert written == 300
    stored = {p.pk: p for p in Project.objects.filter(pk__in=[p.pk for p in projects])}
    for n, project in enumerate(projects):
        again = stored[project.pk]
        assert again.total_investment == Decimal(n) + Decimal("0.25")
        assert again.stage == Stage.STARTED
        assert again.actual_start == project.actual_start
        assert again.light_reasons == [f"理由{n}"]
        assert again.address == ""


@pytest.mark.skipif(
    "DATABASE_URL" not in __import__("os").environ, reason="SQLite does not bound text length"
)
def test_a_value_too_long_for_its_column_fails_the_update_as_a_save_would(county):
    projects = [_project(county, n) for n in range(1, 4)]
    insert_returning(Project, projects)
    projects[2].name = "长" * 200  # the column holds 120

    with pytest.raises(DatabaseError), transaction.atomic():
        update_rows(Project, projects, ["name"])

    assert Project.objects.get(pk=projects[2].pk).name == "批量项目3"


def test_a_new_record_is_audited_as_django_auditlog_would_audit_it(county):
    """The batch's diff of a new record is ``model_instance_diff(None, record)`` exactly."""
    project = _project(
        county,
        1,
        code="33990126000000000000001X",
        planned_start=dt.date(2026, 3, 1),
        light=Light.YELLOW,
        light_reasons=["节点「开工」将于 2026-03-01 到期"],
        contact_leader=county.people[Role.LEADER],
    )
    bare = Project(region=county.region, name="空项目", total_investment=Decimal("0"))
    insert_returning(Project, [project, bare])
    report = ProgressReport(
        project=project,
        period=dt.date(2026, 10, 1),
        progress_text="主体完工",
        invested=Decimal("50"),
        submitted_by=county.users[Role.UNIT_STAFF],
    )
    insert_rows(ProgressReport, [report])
    report = ProgressReport.objects.get(project=project)
    person = Person.objects.filter(region=county.region).first()
    use_json = settings.AUDITLOG_STORE_JSON_CHANGES

    batch = AuditBatch()
    for record in (project, bare, report, person):
        batch.created(record)

    assert [entry.changes for entry in batch.entries] == [
        model_instance_diff(None, record, use_json_for_changes=use_json)
        for record in (project, bare, report, person)
    ]
    assert batch.entries[0].changes["name"] == ("None", "批量项目1")
    assert batch.entries[0].changes["contact_leader"] == (
        "None",
        str(county.people[Role.LEADER].pk),
    )


def test_a_batch_is_stored_with_its_actor_and_sealed_in_the_chain(county):
    office = county.users[Role.PROJECT_OFFICE]
    projects = [_project(county, n) for n in range(1, 2501)]
    insert_returning(Project, projects)
    before = LogEntry.objects.count()

    with set_actor(office, remote_addr="2001:db8::1"):
        batch = AuditBatch()
        for project in projects:
            batch.created(project)
        written = batch.write()

    assert written == 2500
    entries = LogEntry.objects.order_by("pk")[before:]
    assert [e.object_pk for e in entries] == [str(p.pk) for p in projects]
    assert {e.actor_id for e in entries} == {office.pk}
    assert {e.action for e in entries} == {LogEntry.Action.CREATE}
    assert entries[0].changes["name"] == ["None", "批量项目1"]
    verdict = verify_chain()
    assert verdict.ok and verdict.count == LogEntry.objects.count()


def test_the_seed_helper_is_the_same_insert(county):
    """``core.scale.insert_rows`` (fields first) is ``core.bulk.insert_rows`` with fields."""
    project = Project.objects.create(
        region=county.region, name="种子项目", total_investment=Decimal("10")
    )
    count = scale.insert_rows(
        Milestone,
        ["project", "name", "order"],
        ((project.pk, f"节点{n}", n) for n in range(10)),
    )
    assert count == 10
    assert list(
        Milestone.objects.filter(project=project).order_by("order").values_list("name", flat=True)
    ) == [f"节点{n}" for n in range(10)]
