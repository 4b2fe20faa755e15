"""Enterprise requests in the browser: the office dispatches a request to 城关镇, the township
signs for it and replies."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tuijin.appeals import services
from tuijin.appeals.models import Appeal
from tuijin.core.demo import seed_demo
from tuijin.core.models import User

from .test_roles import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, monkeypatch, settings, tmp_path):
    """The demo directory and accounts, without the modules' demo data."""
    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [])
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_demo()


def test_office_dispatches_township_accepts_and_replies(demo, live_server, page, browser):
    appeal = services.appeal_receive(
        acting_user=User.objects.get(username="projectoffice"),
        source=Appeal.Source.HOTLINE,
        hotline_number="QX202611000123",
        enterprise_name="清溪县鑫源五金加工厂",
        kind=Appeal.Kind.HELP,
        topic=Appeal.Topic.INFRASTRUCTURE,
        title="厂区门口道路破损",
        text="厂区门口道路破损严重，雨天积水，大货车进出困难，希望安排维修。",
        received_on=dt.date.today(),
    )

    sign_in(page, live_server.url, "projectoffice")
    page.get_by_test_id("menu").get_by_role("link", name="企业诉求").click()
    page.get_by_test_id("appeal-table").get_by_role("link", name=appeal.code).click()
    expect(page.get_by_test_id("appeal-status")).to_have_text("待分派")
    page.get_by_label("主办单位").select_option(label="城关镇")
    page.get_by_label("分派意见").fill("请城关镇牵头修复")
    page.get_by_role("button", name="分派").click()
    expect(page.get_by_text("已分派给城关镇")).to_be_visible()
    expect(page.get_by_test_id("appeal-status")).to_have_text("待签收")
    appeal_url = page.url

    township = browser.new_context(locale="zh-CN").new_page()
    sign_in(township, live_server.url, "township")
    township.get_by_test_id("menu").get_by_role("link", name="企业诉求").click()
    township.get_by_test_id("appeal-table").get_by_role("link", name=appeal.code).click()
    township.get_by_role("button", name="签收").click()
    expect(township.get_by_test_id("appeal-status")).to_have_text("办理中")
    township.get_by_label("答复内容（采取的措施和结果）").fill("已安排养护队修复路面并疏通排水沟")
    township.get_by_role("button", name="提交答复").click()
    expect(township.get_by_test_id("appeal-status")).to_have_text("已答复待评价")

    page.goto(appeal_url)
    expect(page.get_by_test_id("timeline")).to_contain_text("已安排养护队修复路面")
    expect(page.get_by_role("button", name="登记回访")).to_be_visible()
