import datetime as dt

import pytest

from tuijin.core.roles import Role
from tuijin.projects.tests.conftest import make_project
from tuijin.supervision import services


def issue(county, unit=None, person=None, **fields):
    """An order of the supervision office to 城关镇's liaison (or as given)."""
    defaults = {
        "acting_user": county.users[Role.SUPERVISION],
        "unit": unit or county.township,
        "person": person or county.people[Role.UNIT_STAFF],
        "title": "关于加快推进智能装备制造产业园的督办",
        "content": "请于期限内完成 10kV 电力接入并反馈。",
        "deadline_days": 5,
        "issued_on": dt.date(2026, 9, 28),
    }
    defaults.update(fields)
    return services.order_issue(**defaults)


@pytest.fixture
def project(county):
    return make_project(county)


@pytest.fixture
def orders(county, project):
    """One order to 城关镇 about its project, one to 河口镇 about nothing."""
    own = issue(county, project=project)
    other = issue(
        county,
        unit=county.other_township,
        person=county.people["other_staff"],
        title="关于河口镇污水处理厂的督办",
    )
    return {"own": own, "other": other}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
