"""Key projects in the browser: a liaison reports from a phone, a light turns red overnight."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from tuijin.core.demo import seed_demo
from tuijin.core.models import Person, Unit
from tuijin.projects.models import Milestone, Project, Stage

from .test_roles import sign_in


@pytest.fixture
def project(transactional_db, monkeypatch):
    """The demo directory and one started project of 城关镇 led by the demo county leader."""
    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [])
    seed_demo()
    leader = Person.objects.get(user__username="leader")
    today = dt.date.today()
    return Project.objects.create(
        region=leader.region,
        name="城关镇智能装备产业园",
        total_investment=Decimal("52000"),
        host_unit=Unit.objects.get(name="城关镇"),
        lead_department=Unit.objects.get(name="县发展和改革局"),
        contact_leader=leader,
        stage=Stage.STARTED,
        planned_start=today.replace(day=1),
        actual_start=today.replace(day=1),
        registered_in_stats=True,
    )


def photo_file(tmp_path):
    path = tmp_path / "现场.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 200)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_liaison_reports_with_a_photo_on_a_phone_and_the_leader_reads_it(
    project, live_server, phone_page, browser, tmp_path
):
    sign_in(phone_page, live_server.url, "township")
    phone_page.get_by_role("button", name="打开菜单").click()
    phone_page.get_by_test_id("menu").get_by_role("link", name="待填报").click()
    expect(phone_page.get_by_test_id("due-list")).to_contain_text("城关镇智能装备产业园")
    phone_page.get_by_role("link", name="填报").first.click()
    phone_page.get_by_label("形象进度").fill("厂房主体结构封顶，设备进场")
    phone_page.get_by_label("本期完成投资（万元）").fill("1250.5")
    phone_page.get_by_label("需协调事项（报联系县领导）").fill("需协调 10kV 电力接入")
    phone_page.get_by_label("现场照片").set_input_files(str(photo_file(tmp_path)))
    phone_page.get_by_role("button", name="报送").click()
    expect(phone_page.get_by_text("进度已报送")).to_be_visible()
    expect(phone_page.get_by_test_id("timeline").get_by_role("img")).to_have_count(1)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    leader_page = browser.new_context(locale="zh-CN").new_page()
    sign_in(leader_page, live_server.url, "leader")
    expect(leader_page.get_by_test_id("unread")).to_have_text("1")
    leader_page.get_by_test_id("menu").get_by_role("link", name="消息").click()
    inbox = leader_page.get_by_test_id("inbox")
    expect(inbox).to_contain_text("城关镇智能装备产业园")
    expect(inbox).to_contain_text("需协调 10kV 电力接入")


def test_a_milestone_passes_its_date_and_sweep_turns_the_light_red(project, live_server, page):
    Milestone.objects.create(
        project=project,
        name="主体完工",
        order=1,
        planned_date=dt.date.today() - dt.timedelta(days=1),
    )
    sign_in(page, live_server.url, "leader")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.get_by_test_id("light-reasons")).to_contain_text("绿灯")
    call_command("sweep")
    page.reload()
    reasons = page.get_by_test_id("light-reasons")
    expect(reasons).to_contain_text("红灯")
    expect(reasons).to_contain_text("节点「主体完工」")
    expect(reasons).to_contain_text("已逾期 1 天")
