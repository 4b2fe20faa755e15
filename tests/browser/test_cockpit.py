"""The cockpit in the browser: the big screen draws at 1920×1080, and figures open their records."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tuijin.core.demo import seed_demo
from tuijin.core.models import Person, Unit
from tuijin.projects.models import AnnualPlan, Light, ProgressReport, Project, Stage

from .test_roles import sign_in

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def projects(transactional_db, monkeypatch):
    """The demo directory and a dozen projects of three townships, some behind 序时."""
    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [])
    seed_demo()
    leader = Person.objects.get(user__username="leader")
    department = Unit.objects.get(name="县发展和改革局")
    townships = list(Unit.objects.filter(kind=Unit.Kind.TOWNSHIP).order_by("order")[:3])
    today = dt.date.today()
    stages = [Stage.NEGOTIATING, Stage.SIGNED, Stage.STARTED, Stage.STARTED, Stage.COMPLETED]
    lights = [Light.GREEN, Light.YELLOW, Light.RED]
    created = []
    for i in range(12):
        project = Project.objects.create(
            region=leader.region,
            name=f"驾驶舱测试项目{i + 1:02d}",
            total_investment=Decimal(10000 + 1000 * i),
            host_unit=townships[i % 3],
            lead_department=department,
            contact_leader=leader,
            stage=stages[i % len(stages)],
            light=lights[i % 3],
        )
        AnnualPlan.objects.create(project=project, year=today.year, planned_investment=6000)
        for month in range(1, today.month + 1):
            ProgressReport.objects.create(
                project=project,
                period=dt.date(today.year, month, 1),
                progress_text="按计划推进",
                invested=Decimal(100 + 20 * i),
            )
        created.append(project)
    return created


def test_the_big_screen_draws_at_1920_by_1080_without_errors(projects, live_server, new_context):
    context = new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, "principal")
    page.goto(f"{live_server.url}/cockpit/screen/")
    expect(page.get_by_test_id("screen")).to_be_visible()
    for chart in ("chart-funnel", "chart-invest", "chart-lights"):
        expect(page.get_by_test_id(chart).locator("canvas").first).to_be_attached()
    expect(page.get_by_test_id("kpi-active")).to_contain_text("12")  # none dropped
    expect(page.get_by_test_id("lagging").locator("tbody tr").first).to_contain_text(
        "驾驶舱测试项目"
    )
    size = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size == [1920, 1080]
    page.wait_for_timeout(1500)  # let the charts finish their opening animation
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "cockpit-screen.png"))
    assert errors == []


def test_a_kpi_card_and_a_chart_open_the_project_list(projects, live_server, page):
    sign_in(page, live_server.url, "supervision")
    page.get_by_test_id("menu").get_by_role("link", name="驾驶舱").click()
    expect(page.get_by_test_id("kpis")).to_be_visible()
    page.get_by_test_id("kpi-red").click()
    expect(page).to_have_url(f"{live_server.url}/projects/?light=red")
    rows = page.get_by_test_id("project-table").locator("tbody tr")
    expect(rows).to_have_count(Project.objects.filter(light=Light.RED).count())

    page.go_back()
    expect(page.get_by_test_id("chart-funnel").locator("canvas").first).to_be_attached()
    # The funnel's third layer (已开工) sits in the middle-lower part of the chart.
    box = page.get_by_test_id("chart-funnel").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.62)
    expect(page).to_have_url(f"{live_server.url}/projects/?stage=started")
