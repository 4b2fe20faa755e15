"""Leaders going out in the browser: the demo county leader logs a trip with a lead on a phone,
converts the lead into a project and sees the project with its source."""

import pytest
from playwright.sync_api import expect

from tuijin.core.demo import seed_demo
from tuijin.core.models import Person
from tuijin.outreach.models import Lead, LeadStatus, OutreachTrip
from tuijin.projects.models import Project, Stage

from .test_roles import sign_in


@pytest.fixture
def directory(transactional_db, monkeypatch):
    """The demo directory only (no module's demo data)."""
    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [])
    seed_demo()
    return Person.objects.get(user__username="leader")


def test_leader_logs_a_trip_with_a_lead_and_converts_it(directory, live_server, phone_page):
    page = phone_page
    sign_in(page, live_server.url, "leader")
    page.get_by_role("button", name="打开菜单").click()
    page.get_by_test_id("menu").get_by_role("link", name="外出招商").click()
    page.get_by_test_id("trip-new").click()
    # The leader's own name is ticked already; yesterday afternoon to today.
    expect(page.get_by_label(directory.name, exact=False)).to_be_checked()
    page.get_by_label("目的地城市").fill("深圳")
    page.get_by_label("对接企业").fill("云帆数据科技有限公司")
    page.get_by_label("外出目的").fill("拜访企业总部，推介开发区数字经济产业园")
    page.get_by_label("线索企业").fill("云帆数据科技有限公司")
    page.get_by_label("线索项目名称").fill("云帆数据华东算力中心")
    page.get_by_label("意向投资（万元）").fill("45000")
    page.get_by_label("下一步工作").fill("邀请企业来县实地考察")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_test_id("trip-submit").click()
    expect(page.get_by_text("已登记赴深圳外出")).to_be_visible()
    expect(page.get_by_test_id("trip")).to_contain_text("云帆数据科技有限公司")
    page.get_by_test_id("trip-leads").get_by_role("link", name="云帆数据华东算力中心").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("登记线索")
    expect(page.get_by_test_id("lead")).to_contain_text("外出招商")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_test_id("convert").click()
    expect(page.get_by_text("已将线索转为在谈项目「云帆数据华东算力中心」")).to_be_visible()
    expect(page.get_by_role("heading", name="云帆数据华东算力中心")).to_be_visible()
    expect(page.get_by_text("来源：项目线索「云帆数据华东算力中心」")).to_be_visible()

    trip = OutreachTrip.objects.get()
    assert list(trip.leaders.all()) == [directory]
    lead = Lead.objects.get()
    assert lead.status == LeadStatus.CONVERTED and lead.trip == trip
    project = Project.objects.get(name="云帆数据华东算力中心")
    assert (project.stage, project.contact_leader, project.investor_name) == (
        Stage.NEGOTIATING,
        directory,
        "云帆数据科技有限公司",
    )
    assert lead.project == project
