import datetime as dt
from decimal import Decimal

import pytest

from tuijin.core.accounts import create_account
from tuijin.core.roles import DirectoryRole, Role
from tuijin.outreach import services
from tuijin.outreach.models import Half
from tuijin.testing import PASSWORD, PersonFactory

TODAY = dt.date(2026, 10, 16)


@pytest.fixture
def second_leader(county):
    """Another county leader of 清溪县, with an account: must not see the first one's leads."""
    person = PersonFactory(
        unit=None, region=county.region, title="副县长", roles=[DirectoryRole.LEADER]
    )
    create_account(person, "leader2", PASSWORD)
    person.refresh_from_db()
    return person


def log_trip(county, leaders=None, user=None, **fields):
    """A day trip of the county leader to 杭州, logged by the leader."""
    defaults = {
        "acting_user": user or county.users[Role.LEADER],
        "leaders": leaders or [county.people[Role.LEADER]],
        "start_date": dt.date(2026, 10, 12),
        "start_half": Half.AM,
        "end_date": dt.date(2026, 10, 12),
        "end_half": Half.PM,
        "destination": "杭州",
        "counterparts": "华锐智能装备股份有限公司\n启明光电科技有限公司",
        "purpose": "推介开发区产业政策",
        "today": TODAY,
    }
    defaults.update(fields)
    return services.trip_log(**defaults)


def make_lead(county, owner=None, user=None, **fields):
    defaults = {
        "acting_user": user or county.users[Role.LEADER],
        "owner": owner or county.people[Role.LEADER],
        "title": "华锐智能装备生产基地",
        "company": "华锐智能装备股份有限公司",
        "industry": "智能装备",
        "intended_investment": Decimal("20000"),
        "next_step": "邀请企业来县考察",
        "created_on": dt.date(2026, 9, 1),
    }
    defaults.update(fields)
    return services.lead_create(**defaults)
