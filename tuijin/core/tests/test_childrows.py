"""Children read in the parent's SELECT come back exactly as their own query returns them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import Count, OuterRef
from django.test.utils import CaptureQueriesContext

from tuijin.core.childrows import ChildRows, attach, read
from tuijin.core.models import Person, Unit
from tuijin.core.roles import Role
from tuijin.projects.models import (
    Milestone,
    Photo,
    ProgressReport,
    Project,
    ProjectPerson,
    Stage,
)


def _columns(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _project(county) -> Project:
    project = Project.objects.create(
        region=county.region,
        name="子行测试项目",
        total_investment=Decimal("52000.5"),
        host_unit=county.township,
        lead_department=county.department,
        contact_leader=county.people[Role.LEADER],
        stage=Stage.STARTED,
    )
    Milestone.objects.create(project=project, name="开工", order=2, responsible_unit=None)
    Milestone.objects.create(
        project=project,
        name="立项",
        order=1,
        planned_date=dt.date(2026, 3, 1),
        responsible_unit=county.township,
    )
    for month, invested in ((1, "0.1"), (2, "1234567.89"), (3, "18200")):
        report = ProgressReport.objects.create(
            project=project,
            period=dt.date(2026, month, 1),
            progress_text=f"{month}月进度",
            invested=Decimal(invested),
            cumulative_invested=Decimal(invested),
            unchanged=month == 2,
            submitted_by=county.users[Role.UNIT_STAFF],
        )
        Photo.objects.create(
            report=report,
            image=f"photos/p{month}.jpg",
            taken_at=dt.datetime(2026, month, 2, 8, 30, tzinfo=dt.UTC),
            latitude=Decimal("29.123456"),
            longitude=None,
            warnings=["拍摄时间早于填报期"] if month == 1 else [],
        )
    ProjectPerson.objects.create(project=project, person=county.people[Role.UNIT_STAFF])
    return project


def test_children_load_as_their_own_query_returns_them(county):
    project = _project(county)
    milestones = ChildRows(Milestone.objects.filter(project=OuterRef("pk")), "responsible_unit")
    reports = ChildRows(
        ProgressReport.objects.filter(project=OuterRef("pk")).annotate(n=Count("photos")),
        "submitted_by",
        limit=2,
    )
    photos = ChildRows(Photo.objects.filter(report__project=OuterRef("pk")))
    people = ChildRows(ProjectPerson.objects.filter(project=OuterRef("pk")), "person__unit")
    with CaptureQueriesContext(connection) as queries:
        row = Project.objects.annotate(
            m=milestones.expression(),
            r=reports.expression(),
            p=photos.expression(),
            pp=people.expression(),
        ).get(pk=project.pk)
        loaded_m = milestones.load(row.m)
        loaded_r = reports.load(row.r)
        loaded_p = photos.load(row.p)
        loaded_pp = people.load(row.pp)
        # What the pages read from them: no query either.
        assert [m.responsible_unit and m.responsible_unit.name for m in loaded_m] == [
            county.township.name,
            None,
        ]
        assert loaded_pp[0].person.unit.name == county.people[Role.UNIT_STAFF].unit.name
        assert [r.submitted_by.username for r in loaded_r] == ["unit_staff"] * 2
        assert loaded_p[0].image.name == "photos/p1.jpg"
    assert len(queries) == 1

    expected_m = list(Milestone.objects.filter(project=project))
    assert [_columns(m) for m in loaded_m] == [_columns(m) for m in expected_m]
    expected_r = list(ProgressReport.objects.filter(project=project)[:2])
    assert [_columns(r) for r in loaded_r] == [_columns(r) for r in expected_r]
    assert [r.period.month for r in loaded_r] == [3, 2]
    assert [str(r.invested) for r in loaded_r] == ["18200.00", "1234567.89"]
    assert [r.n for r in loaded_r] == [1, 1]
    assert loaded_r[1].unchanged is True and loaded_r[0].unchanged is False
    expected_p = list(Photo.objects.filter(report__project=project))
    assert [_columns(p) for p in loaded_p] == [_columns(p) for p in expected_p]
    assert loaded_p[0].warnings == ["拍摄时间早于填报期"]
    assert loaded_p[0].taken_at == dt.datetime(2026, 1, 2, 8, 30, tzinfo=dt.UTC)
    assert loaded_p[0].latitude == Decimal("29.123456") and loaded_p[0].longitude is None


def test_attached_rows_serve_the_relation_without_a_query(county):
    project = _project(county)
    milestones = ChildRows(Milestone.objects.filter(project=OuterRef("pk")))
    row = Project.objects.annotate(m=milestones.expression()).get(pk=project.pk)
    attach(row, "milestones", milestones.load(row.m))
    with CaptureQueriesContext(connection) as queries:
        names = [m.name for m in row.milestones.all()]
        parents = {m.project.name for m in row.milestones.all()}
    assert names == ["立项", "开工"] and parents == {"子行测试项目"}
    assert len(queries) == 0


def test_no_children_is_an_empty_list(county):
    project = _project(county)
    Milestone.objects.filter(project=project).delete()
    milestones = ChildRows(Milestone.objects.filter(project=OuterRef("pk")))
    row = Project.objects.annotate(m=milestones.expression()).get(pk=project.pk)
    assert milestones.load(row.m) == []


def test_several_tables_read_in_one_statement(county):
    project = _project(county)
    specs = {
        "units": ChildRows(Unit.objects.filter(pk__in=[county.township.pk, county.department.pk])),
        "people": ChildRows(Person.objects.filter(pk=county.people[Role.LEADER].pk), "region"),
        "none": ChildRows(Milestone.objects.filter(pk=-1)),
        "reports": ChildRows(ProgressReport.objects.filter(project=project), "project__region"),
    }
    with CaptureQueriesContext(connection) as queries:
        rows = read(specs)
        assert rows["reports"][0].project.region.name == county.region.name
    assert len(queries) == 1
    assert {u.name for u in rows["units"]} == {county.township.name, county.department.name}
    assert [p.region.name for p in rows["people"]] == [county.region.name]
    assert rows["none"] == []
    assert [str(r) for r in rows["reports"]] == [str(r) for r in ProgressReport.objects.all()]


def test_a_row_wider_than_a_function_takes_is_read_whole(county):
    """More columns than a SQL function accepts (100 on PostgreSQL) still come back."""
    project = _project(county)
    photos = ChildRows(
        Photo.objects.filter(report__project=OuterRef("pk")),
        "report__project__region",
        "report__project__host_unit__region",
        "report__project__lead_department__region",
        "report__project__contact_leader__unit__region",
        "report__submitted_by__region",
    )
    row = Project.objects.annotate(p=photos.expression()).get(pk=project.pk)
    columns = sum(len(part["fields"]) for part in _parts(photos.layout["root"]))
    assert columns > 100
    loaded = photos.load(row.p)
    assert [p.report.project.host_unit.region.name for p in loaded] == [county.region.name] * 3
    assert [p.report.submitted_by.username for p in loaded] == ["unit_staff"] * 3
    assert loaded[0].report.project.total_investment == Decimal("52000.50")
    assert loaded[0].report.project.contact_leader.unit is None  # a county leader: no unit


def _parts(part: dict) -> list[dict]:
    return [part, *(p for _l, _r, related in part["related"] for p in _parts(related))]
