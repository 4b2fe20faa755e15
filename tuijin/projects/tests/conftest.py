import datetime as dt
from decimal import Decimal

import pytest

from tuijin.core.roles import Role
from tuijin.projects.models import AnnualPlan, Project, ProjectPerson, Stage


def make_project(county, **fields) -> Project:
    """A started project of 城关镇 led by the development and reform bureau."""
    defaults = {
        "region": county.region,
        "name": "智能装备制造产业园",
        "total_investment": Decimal("52000"),
        "host_unit": county.township,
        "lead_department": county.department,
        "contact_leader": county.people[Role.LEADER],
        "stage": Stage.STARTED,
        "planned_start": dt.date(2026, 4, 1),
        "actual_start": dt.date(2026, 6, 1),
        "registered_in_stats": True,
    }
    defaults.update(fields)
    project = Project.objects.create(**defaults)
    ProjectPerson.objects.create(project=project, person=county.people[Role.UNIT_STAFF])
    AnnualPlan.objects.create(
        project=project, year=dt.date.today().year, planned_investment=Decimal("18200")
    )
    return project


@pytest.fixture
def projects(county):
    """One project hosted by 城关镇, one by 河口镇 with another contact leader."""
    own = make_project(county)
    other = make_project(
        county,
        name="河口镇污水处理厂",
        host_unit=county.other_township,
        lead_department=None,
        contact_leader=county.people[Role.PRINCIPAL],
    )
    return {"own": own, "other": other}
