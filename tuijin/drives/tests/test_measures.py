"""Measures read the records of the drive's period: nothing typed where a record exists."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps

from tuijin.appeals.models import Appeal
from tuijin.core.roles import Role
from tuijin.drives.measures import cumulative, measure_events
from tuijin.drives.models import Measure
from tuijin.enterprises.models import Visit
from tuijin.enterprises.tests.factories import make_enterprise
from tuijin.projects.models import ProgressReport, Stage
from tuijin.projects.tests.conftest import make_project

from .conftest import END, START, TODAY


def total(measure, county, **kw):
    return cumulative(measure_events(measure, county.region.pk, START, END, **kw), TODAY)


def test_projects_signed_in_the_period_and_not_dropped(county):
    make_project(county, name="签约一", stage=Stage.SIGNED, signed_on=dt.date(2026, 9, 20))
    make_project(county, name="签约后开工", stage=Stage.STARTED, signed_on=dt.date(2026, 10, 2))
    make_project(county, name="已终止", stage=Stage.DROPPED, signed_on=dt.date(2026, 9, 21))
    make_project(county, name="行动前签约", stage=Stage.SIGNED, signed_on=dt.date(2026, 8, 31))
    make_project(county, name="今天之后", stage=Stage.SIGNED, signed_on=dt.date(2026, 11, 2))
    assert total(Measure.PROJECTS_SIGNED, county) == 2


def test_projects_started_in_the_period(county, started):
    assert total(Measure.PROJECTS_STARTED, county) == 3
    assert total(Measure.PROJECTS_STARTED, county, project_ids=[started[0].pk]) == 1


def test_investment_sums_the_reports_of_the_period_for_the_task_force_projects(county, majors):
    for project, period, invested in [
        (majors[0], dt.date(2026, 9, 1), "200"),
        (majors[0], dt.date(2026, 10, 1), "300.50"),
        (majors[1], dt.date(2026, 10, 1), "100"),
        (majors[0], dt.date(2026, 8, 1), "999"),  # before the drive
    ]:
        ProgressReport.objects.create(
            project=project, period=period, progress_text="推进中", invested=Decimal(invested)
        )
    assert total(Measure.INVESTMENT, county) == Decimal("600.50")
    assert total(Measure.INVESTMENT, county, project_ids=[majors[0].pk]) == Decimal("500.50")


def test_enterprises_visited_count_once_and_by_task_force_members(county):
    first = make_enterprise(county.region, county.township, 1)
    second = make_enterprise(county.region, county.township, 2)
    leader, office = county.people[Role.LEADER], county.people[Role.PROJECT_OFFICE]
    for enterprise, day, visitor in [
        (first, dt.date(2026, 9, 10), leader),
        (first, dt.date(2026, 10, 10), leader),
        (second, dt.date(2026, 10, 12), office),
        (second, dt.date(2026, 8, 12), office),
    ]:
        visit = Visit.objects.create(enterprise=enterprise, visited_on=day, situation="正常生产")
        visit.visitors.add(visitor)
    assert total(Measure.ENTERPRISES_VISITED, county) == 2
    assert total(Measure.ENTERPRISES_VISITED, county, person_ids=[leader.pk]) == 1
    events = measure_events(Measure.ENTERPRISES_VISITED, county.region.pk, START, END)
    assert sorted(day for day, _ in events) == [dt.date(2026, 9, 10), dt.date(2026, 10, 12)]


def test_requests_resolved_in_the_period(county, other_county):
    def appeal(region, number, status, resolved_on):
        return Appeal.objects.create(
            region=region,
            year=2026,
            number=number,
            source=Appeal.Source.PORTAL,
            enterprise_name="清溪精密机械有限公司",
            kind=Appeal.Kind.HELP,
            topic=Appeal.Topic.LAND,
            title="用地指标",
            text="请协调用地指标",
            received_on=dt.date(2026, 9, 1),
            status=status,
            resolved_on=resolved_on,
        )

    appeal(county.region, 1, Appeal.Status.RESOLVED, dt.date(2026, 9, 30))
    appeal(county.region, 2, Appeal.Status.RESOLVED, dt.date(2026, 10, 29))
    appeal(county.region, 3, Appeal.Status.REPLIED, None)
    appeal(county.region, 4, Appeal.Status.RESOLVED, dt.date(2026, 8, 30))
    appeal(other_county.region, 1, Appeal.Status.RESOLVED, dt.date(2026, 9, 30))
    assert total(Measure.REQUESTS_RESOLVED, county) == 2


def test_leads_converted_in_the_period(county):
    if not apps.is_installed("tuijin.outreach"):
        pytest.skip("the outreach module is not installed")
    Lead = apps.get_model("outreach", "Lead")
    for title, converted_on in [
        ("精密轴承项目", dt.date(2026, 9, 15)),
        ("冷链物流项目", dt.date(2026, 10, 20)),
        ("光伏组件项目", None),
        ("老线索", dt.date(2026, 6, 1)),
    ]:
        Lead.objects.create(
            region=county.region,
            title=title,
            company="某某有限公司",
            owner=county.people[Role.LEADER],
            created_on=dt.date(2026, 5, 1),
            converted_on=converted_on,
        )
    assert total(Measure.LEADS_SIGNED, county) == 2


def test_new_above_scale_enterprises_of_the_year(county):
    make_enterprise(county.region, county.township, 1, above_scale=True, above_scale_year=2026)
    make_enterprise(county.region, county.township, 2, above_scale=True, above_scale_year=2025)
    make_enterprise(county.region, county.township, 3)
    events = measure_events(
        Measure.NEW_ABOVE_SCALE, county.region.pk, dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    )
    assert cumulative(events, TODAY) == 1
