"""Fixtures of the request pool: two enterprises of 清溪县, each with a verified portal account,
the first paired with the county leader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group

from tuijin.appeals import services
from tuijin.appeals.models import Appeal, EnterpriseAccount
from tuijin.core.models import User
from tuijin.core.roles import Role
from tuijin.enterprises.models import Enterprise, Pairing
from tuijin.enterprises.tests.factories import make_enterprise


@dataclass
class World:
    county: object
    own: Enterprise  # paired with the county leader; its account is users[ENTERPRISE]
    other: Enterprise
    own_account: User
    other_account: User

    @property
    def office(self) -> User:
        return self.county.users[Role.PROJECT_OFFICE]

    @property
    def township_staff(self) -> User:
        return self.county.users[Role.UNIT_STAFF]


def enterprise_account(enterprise: Enterprise, user: User) -> EnterpriseAccount:
    return EnterpriseAccount.objects.create(
        user=user,
        enterprise=enterprise,
        contact_name="王经理",
        contact_mobile="13900000001",
        verified=True,
    )


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(county) -> World:
    own = make_enterprise(county.region, county.township, 1, name="清溪精密机械有限公司")
    other = make_enterprise(county.region, county.other_township, 2, name="河口食品有限公司")
    Pairing.objects.create(
        enterprise=own, person=county.people[Role.LEADER], started_on=dt.date(2026, 1, 5)
    )
    own_account = county.users[Role.ENTERPRISE]
    enterprise_account(own, own_account)
    other_account = User.objects.create(username="hekou-food", region=county.region)
    other_account.groups.add(Group.objects.get(name=Role.ENTERPRISE.value))
    enterprise_account(other, other_account)
    return World(county, own, other, own_account, other_account)


def receive(world: World, **fields) -> Appeal:
    """A request of the paired enterprise registered by the office."""
    defaults = {
        "acting_user": world.office,
        "source": Appeal.Source.LEADER,
        "enterprise": world.own,
        "kind": Appeal.Kind.HELP,
        "topic": Appeal.Topic.UTILITIES,
        "title": "新厂房用电报装进度慢",
        "text": "新建二号厂房需增容 800 千伏安，报装已两个月未接电，请协调供电部门。",
        "received_on": dt.date(2026, 9, 28),
    }
    defaults.update(fields)
    return services.appeal_receive(**defaults)


def dispatched(world: World, on: dt.date = dt.date(2026, 9, 30), **fields) -> Appeal:
    """A request dispatched to 城关镇 on ``on``."""
    appeal = receive(world, **fields)
    return services.appeal_dispatch(
        world.office, appeal, world.county.township, [world.county.department], on_date=on
    )


def replied(world: World, on: dt.date = dt.date(2026, 10, 9), **fields) -> Appeal:
    appeal = dispatched(world, **fields)
    staff = world.township_staff
    services.appeal_accept(staff, appeal, on_date=dt.date(2026, 9, 30))
    return services.appeal_reply(staff, appeal, "已协调供电公司，10 月 9 日完成接电。", on_date=on)
