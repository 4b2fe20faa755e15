"""A drive in the browser: the project office launches it in one form and sees its charts."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tuijin.core.demo import seed_demo
from tuijin.core.models import Person, Unit
from tuijin.projects.models import ProgressReport, Project, Stage

from .test_roles import sign_in

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = pytest.mark.browser


@pytest.fixture
def majors(transactional_db, monkeypatch, settings, tmp_path):
    """The demo directory and three major projects of 清溪县, one with a report."""
    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [])
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_demo()
    leader = Person.objects.get(user__username="leader")
    township = Unit.objects.filter(kind=Unit.Kind.TOWNSHIP).order_by("order").first()
    projects = []
    for i, name in enumerate(["智能装备制造产业园", "清溪大道改造工程", "临港冷链物流中心"]):
        projects.append(
            Project.objects.create(
                region=leader.region,
                name=name,
                total_investment=Decimal(50000 + i),
                host_unit=township,
                contact_leader=leader,
                stage=Stage.STARTED,
                is_major=True,
            )
        )
    ProgressReport.objects.create(
        project=projects[0],
        period=dt.date.today().replace(day=1),
        progress_text="主体施工",
        invested=Decimal(1200),
    )
    return projects


def test_office_launches_a_drive_and_sees_the_charts(majors, live_server, page):
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, "projectoffice")
    page.get_by_test_id("menu").get_by_role("link", name="集中推进行动").click()
    page.get_by_test_id("launch-drive").click()

    start = dt.date.today().replace(day=1) - dt.timedelta(days=20)
    page.get_by_label("行动名称").fill("重大项目百日攻坚行动")
    page.get_by_label("开始日期").fill(start.isoformat())
    page.locator('[name="tf-0-name"]').fill("工业项目推进组")
    page.locator('[name="tf-0-projects"]').select_option(
        label=["智能装备制造产业园", "清溪大道改造工程"]
    )
    page.locator('[name="tf-1-name"]').fill("基础设施推进组")
    page.locator('[name="tf-1-projects"]').select_option(label="清溪大道改造工程")
    page.get_by_test_id("add-target").click()  # a sixth target row, added in the page
    expect(page.get_by_test_id("target-row")).to_have_count(6)
    page.locator('[name="tg-0-name"]').fill("新开工项目")
    page.locator('[name="tg-0-measure"]').select_option("projects_started")
    page.locator('[name="tg-0-value"]').fill("3")
    page.locator('[name="tg-5-name"]').fill("工业组完成投资")
    page.locator('[name="tg-5-task_force"]').select_option("0")
    page.locator('[name="tg-5-measure"]').select_option("investment")
    page.locator('[name="tg-5-value"]').fill("5000")
    page.locator('[name="tg-5-trajectory"]').select_option("s_curve")
    page.get_by_test_id("launch-submit").click()

    # The same project in two task forces: refused, and what was typed is still there.
    expect(page.get_by_test_id("form-error")).to_contain_text(
        "一个重大项目在同一行动中只能属于一个专项小组"
    )
    expect(page.locator('[name="tg-5-name"]')).to_have_value("工业组完成投资")
    page.locator('[name="tf-1-projects"]').select_option(label="临港冷链物流中心")
    page.get_by_test_id("launch-submit").click()

    expect(page.get_by_text("已发起「重大项目百日攻坚行动」")).to_be_visible()
    expect(page.get_by_test_id("countdown")).to_contain_text("距行动结束还有")
    charts = page.get_by_test_id("target-chart")
    expect(charts).to_have_count(2)
    for i in range(2):
        expect(charts.nth(i).locator("canvas").first).to_be_attached()
    expect(page.get_by_test_id("ranking")).to_contain_text("工业项目推进组")
    page.wait_for_timeout(800)  # let the charts finish drawing
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "drive-page.png"), full_page=True)
    assert errors == []


def test_the_big_screen_with_a_running_drive_still_fits_1920_by_1080(
    majors, live_server, new_context
):
    from tuijin.core.models import Region
    from tuijin.drives import services
    from tuijin.drives.models import Measure

    region = Region.objects.get(code="339901")
    start = dt.date.today() - dt.timedelta(days=59)
    services.drive_launch(
        acting_user=None,
        region=region,
        name="重大项目百日攻坚行动",
        start_date=start,
        task_forces=[services.TaskForceSpec("工业项目推进组", None, [], majors[:2])],
        targets=[
            services.TargetSpec(name, measure, Decimal(value))
            for name, measure, value in [
                ("签约项目", Measure.PROJECTS_SIGNED, 12),
                ("新开工项目", Measure.PROJECTS_STARTED, 10),
                ("完成投资", Measure.INVESTMENT, 80000),
                ("走访企业", Measure.ENTERPRISES_VISITED, 300),
                ("办结企业诉求", Measure.REQUESTS_RESOLVED, 200),
                ("招商线索转化签约", Measure.LEADS_SIGNED, 8),
                ("新增就业岗位", Measure.CUSTOM, 1500),
            ]
        ],
    )
    services.annual_target_save(
        region=region,
        year=dt.date.today().year,
        name="固定资产投资",
        measure=Measure.INVESTMENT,
        value=Decimal(900000),
    )
    page = new_context(viewport={"width": 1920, "height": 1080}).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, "principal")
    page.goto(f"{live_server.url}/cockpit/screen/")
    expect(page.get_by_test_id("drive-countdown")).to_contain_text("剩余 40 天")
    for chart in ("chart-funnel", "chart-invest", "chart-lights"):
        expect(page.get_by_test_id(chart).locator("canvas").first).to_be_attached()
    size = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size == [1920, 1080]
    bottom = page.evaluate(
        "Math.max(...[...document.querySelectorAll('.panel')]"
        ".map(p => p.getBoundingClientRect().bottom))"
    )
    assert bottom <= 1080
    page.wait_for_timeout(1000)
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "cockpit-screen-drive.png"))
    assert errors == []
