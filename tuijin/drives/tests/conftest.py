"""Fixtures of the drive tests: 清溪县 with four major projects and a launched drive."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tuijin.core.roles import Role
from tuijin.drives import services
from tuijin.drives.models import Measure, Trajectory
from tuijin.projects.models import Light, Stage
from tuijin.projects.tests.conftest import make_project

START = dt.date(2026, 9, 1)
END = dt.date(2026, 12, 9)  # 100 days
TODAY = dt.date(2026, 10, 30)  # day 60


@pytest.fixture
def majors(county):
    """Four major projects of 清溪县 (two on a red or yellow light) and a minor one."""
    names = ["智能装备制造产业园", "清溪大道改造工程", "河口污水处理厂", "城关物流中心"]
    lights = [Light.RED, Light.GREEN, Light.YELLOW, Light.GREEN]
    projects = [
        make_project(county, name=name, is_major=True, light=light)
        for name, light in zip(names, lights, strict=True)
    ]
    projects.append(make_project(county, name="村道硬化", is_major=False))
    return projects


def launch(county, majors, **fields):
    """A drive of the project office: two task forces, county and task force targets."""
    defaults = {
        "acting_user": county.users[Role.PROJECT_OFFICE],
        "region": county.region,
        "name": "2026年重大项目百日集中推进行动",
        "start_date": START,
        "end_date": END,
        "leading_group": [county.people[Role.PRINCIPAL], county.people[Role.LEADER]],
        "office": county.department,
        "task_forces": [
            services.TaskForceSpec(
                "工业项目推进组",
                county.people[Role.LEADER],
                [county.people[Role.PROJECT_OFFICE]],
                majors[:2],
            ),
            services.TaskForceSpec(
                "基础设施推进组", county.people[Role.PRINCIPAL], [], majors[2:4]
            ),
        ],
        "targets": [
            services.TargetSpec("新开工项目", Measure.PROJECTS_STARTED, Decimal(4)),
            services.TargetSpec(
                "完成投资", Measure.INVESTMENT, Decimal(1000), Trajectory.S_CURVE, task_force=0
            ),
            services.TargetSpec("新增就业岗位", Measure.CUSTOM, Decimal(300), unit_label="个"),
        ],
    }
    defaults.update(fields)
    return services.drive_launch(**defaults)


@pytest.fixture
def drive(county, majors):
    return launch(county, majors)


@pytest.fixture
def started(majors):
    """Mark the first three majors started on days 10, 40 and 55 of the drive."""
    for project, offset in zip(majors[:3], (9, 39, 54), strict=True):
        project.stage = Stage.STARTED
        project.actual_start = START + dt.timedelta(days=offset)
        project.save()
    return majors
