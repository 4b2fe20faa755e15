"""Supervision orders in the browser: the office issues, the township signs and responds, the
office accepts."""

import pytest
from playwright.sync_api import expect

from tuijin.core.demo import seed_demo
from tuijin.core.models import Person

from .test_roles import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db, monkeypatch, settings, tmp_path):
    """The demo directory and accounts, without the modules' demo data."""
    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [])
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_demo()


def test_office_issues_township_responds_office_accepts(demo, live_server, page, browser):
    liaison = Person.objects.get(user__username="township")

    sign_in(page, live_server.url, "supervision")
    page.get_by_test_id("menu").get_by_role("link", name="督办单").click()
    page.get_by_role("link", name="下发督办单").click()
    page.get_by_label("督办事由").fill("关于加快城关镇电力接入的督办")
    page.get_by_label("督办事项").fill("请于期限内完成 10kV 电力接入，并反馈办理情况。")
    page.get_by_label("承办单位").select_option(label="城关镇")
    people = liaison.unit.people.count()
    expect(page.get_by_label("责任人").locator("option")).to_have_count(people + 1)
    page.get_by_label("责任人").select_option(value=str(liaison.pk))
    page.get_by_label("办理时限（工作日）").fill("5")
    page.get_by_role("button", name="下发").click()
    expect(page.get_by_text("已下发督办〔")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("已下发")
    order_url = page.url

    township = browser.new_context(locale="zh-CN").new_page()
    sign_in(township, live_server.url, "township")
    township.get_by_test_id("menu").get_by_role("link", name="督办单").click()
    township.get_by_test_id("order-table").get_by_role("link").first.click()
    township.get_by_role("button", name="签收").click()
    expect(township.get_by_test_id("order-status")).to_have_text("已签收")
    township.get_by_label("办理情况").fill("已与供电公司完成接入，验收单见附件")
    township.get_by_role("button", name="提交反馈").click()
    expect(township.get_by_test_id("order-status")).to_have_text("已反馈")

    page.goto(order_url)
    expect(page.get_by_test_id("timeline")).to_contain_text("已与供电公司完成接入")
    page.get_by_label("办结意见").fill("同意办结")
    page.get_by_role("button", name="办结").click()
    expect(page.get_by_test_id("order-status")).to_have_text("已办结")
    expect(page.get_by_test_id("timeline")).to_contain_text("办结")
