"""Visits (走访) in the browser: the demo leader records a visit on a phone."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tuijin.core.demo import seed_demo
from tuijin.core.models import Person, Unit
from tuijin.enterprises.models import Enterprise, VisitOpinion
from tuijin.enterprises.pairing import pairing_create
from tuijin.enterprises.tests.factories import make_code

from .test_roles import sign_in


@pytest.fixture
def paired(transactional_db, monkeypatch):
    """The demo directory and one top-100 enterprise paired with the demo county leader."""
    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [])
    seed_demo()
    leader = Person.objects.get(user__username="leader")
    enterprise = Enterprise.objects.create(
        region=leader.region,
        host_unit=Unit.objects.get(name="城关镇"),
        credit_code=make_code(1),
        name="清溪恒通智能装备股份有限公司",
        above_scale=True,
        top100_rank=1,
        top100_year=2025,
    )
    pairing_create(enterprise, leader, started_on=dt.date.today() - dt.timedelta(days=60))
    return enterprise


def test_leader_records_a_visit_with_two_opinions_on_a_phone(paired, live_server, phone_page):
    sign_in(phone_page, live_server.url, "leader")
    phone_page.get_by_role("button", name="打开菜单").click()
    phone_page.get_by_test_id("menu").get_by_role("link", name="包联走访").click()
    expect(phone_page.get_by_test_id("my-pairings")).to_contain_text(paired.name)
    expect(phone_page.get_by_test_id("my-pairings")).to_contain_text("从未走访")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.get_by_test_id(f"visit-{paired.pk}").click()
    phone_page.get_by_label("企业情况").fill("订单饱满，新生产线调试中")
    phone_page.locator("[name=opinion_1]").fill("希望增加流动资金贷款")
    phone_page.locator("[name=measure_1]").fill("金融办两周内组织银企对接")
    phone_page.locator("[name=opinion_2]").fill("二期用地指标尚未落实")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.get_by_test_id("visit-submit").click()
    expect(phone_page.get_by_text("已记录对")).to_be_visible()
    visits = phone_page.get_by_test_id("visits")
    expect(visits).to_contain_text("希望增加流动资金贷款")
    expect(visits).to_contain_text("二期用地指标尚未落实")
    expect(visits.get_by_test_id("opinion-appeal")).to_have_count(2)  # each became a request
    expect(visits).to_contain_text("待分派")
    expect(phone_page.get_by_test_id("pairings")).to_contain_text("未到期")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert VisitOpinion.objects.filter(visit__enterprise=paired).count() == 2
