"""The drive page's figures are computed once and kept until a record under them changes:
every kind of record a target counts, the projects' lights and the names shown. A page shown
once, then a change, then the page again: the new figure, never the kept one."""

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from docx import Document

from tuijin.appeals.models import Appeal
from tuijin.core.roles import Role
from tuijin.drives import services
from tuijin.drives.models import Measure
from tuijin.enterprises.pairing import visit_record
from tuijin.enterprises.tests.factories import make_enterprise
from tuijin.projects.models import Light, ProgressReport, Stage

from .conftest import launch


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def running(county, majors, today):
    """A drive at its 60th day: a target of every kind of measure; the first task force
    (智能装备制造产业园, 清溪大道改造工程; head: the county leader) owns its investment
    and its visits."""
    targets = [
        services.TargetSpec("新开工项目", Measure.PROJECTS_STARTED, Decimal(4)),
        services.TargetSpec("工业组投资", Measure.INVESTMENT, Decimal(1000), task_force=0),
        services.TargetSpec("工业组走访", Measure.ENTERPRISES_VISITED, Decimal(10), task_force=0),
        services.TargetSpec("办结诉求", Measure.REQUESTS_RESOLVED, Decimal(10)),
        services.TargetSpec("线索签约", Measure.LEADS_SIGNED, Decimal(10)),
        services.TargetSpec("新增就业岗位", Measure.CUSTOM, Decimal(300), unit_label="个"),
    ]
    start = today - dt.timedelta(days=59)
    return launch(county, majors, start_date=start, end_date=None, targets=targets)


@pytest.fixture
def office(county, client_for):
    return client_for(county.users[Role.PROJECT_OFFICE])


def actual(client, drive, name: str) -> str:
    """The 实际 figure of the target card named ``name`` on the drive page."""
    text = client.get(f"/drives/{drive.pk}/").content.decode()
    cards = text.split('data-testid="target-card"')[1:]
    card = next(c for c in cards if f"<span>{name} <small" in c)
    return re.search(r'实际<div class="fw-bold">([^<]+)</div>', card).group(1)


def test_a_project_started_after_the_page_was_shown_counts(running, office, majors, today):
    assert actual(office, running, "新开工项目") == "0"
    majors[3].stage, majors[3].actual_start = Stage.STARTED, today - dt.timedelta(days=3)
    majors[3].save()
    assert actual(office, running, "新开工项目") == "1"


def test_a_progress_report_after_the_page_was_shown_counts(running, office, majors, today):
    assert actual(office, running, "工业组投资") == "0"
    ProgressReport.objects.create(
        project=majors[1],
        period=today.replace(day=1),
        progress_text="路基施工",
        invested=Decimal("250"),
    )
    assert actual(office, running, "工业组投资") == "250"


def test_a_visit_and_a_new_member_after_the_page_was_shown_count(running, office, county, today):
    enterprise = make_enterprise(county.region, county.township, 1)
    assert actual(office, running, "工业组走访") == "0"
    staff = county.people[Role.UNIT_STAFF]  # not in the task force
    visit_record(
        enterprise, visitors=[staff], visited_on=today - dt.timedelta(days=2), situation="正常"
    )
    assert actual(office, running, "工业组走访") == "0"
    running.task_forces.get(name="工业项目推进组").members.add(staff)
    assert actual(office, running, "工业组走访") == "1"


def test_a_request_resolved_after_the_page_was_shown_counts(running, office, county, today):
    appeal = Appeal.objects.create(
        region=county.region,
        year=today.year,
        number=1,
        source=Appeal.Source.PORTAL,
        enterprise_name="清溪精密机械有限公司",
        kind=Appeal.Kind.HELP,
        topic=Appeal.Topic.LAND,
        title="用地指标",
        text="请协调用地指标",
        received_on=today - dt.timedelta(days=20),
        status=Appeal.Status.REPLIED,
    )
    assert actual(office, running, "办结诉求") == "0"
    appeal.status, appeal.resolved_on = Appeal.Status.RESOLVED, today
    appeal.save()
    assert actual(office, running, "办结诉求") == "1"


def test_a_lead_signed_after_the_page_was_shown_counts(running, office, county, today):
    if not apps.is_installed("tuijin.outreach"):
        pytest.skip("the outreach module is not installed")
    Lead = apps.get_model("outreach", "Lead")
    assert actual(office, running, "线索签约") == "0"
    Lead.objects.create(
        region=county.region,
        title="精密轴承项目",
        company="某某有限公司",
        owner=county.people[Role.LEADER],
        created_on=today - dt.timedelta(days=90),
        converted_on=today - dt.timedelta(days=1),
    )
    assert actual(office, running, "线索签约") == "1"


def test_a_custom_actual_typed_after_the_page_was_shown_counts(running, office, today):
    custom = running.targets.get(measure=Measure.CUSTOM)
    assert actual(office, running, "新增就业岗位") == "0"
    office.post(
        f"/drives/{running.pk}/targets/{custom.pk}/actual/",
        {"month": today.strftime("%Y-%m"), "value": "45"},
    )
    assert actual(office, running, "新增就业岗位") == "45"


def test_a_light_and_a_name_changed_after_the_page_was_shown_are_shown(
    running, office, majors, county
):
    def lagging() -> str:
        text = office.get(f"/drives/{running.pk}/").content.decode()
        return text.split('data-testid="lagging"')[1].split("</table>")[0]

    assert "清溪大道改造工程" not in lagging()  # green
    majors[1].light = Light.RED
    majors[1].save()
    assert "清溪大道改造工程" in lagging()
    leader = county.people[Role.LEADER]  # contact leader of the lagging projects
    leader.name = "易新名"
    leader.save()
    assert "易新名" in lagging()


def test_the_page_shown_again_reads_none_of_the_records_behind_its_figures(running, office):
    first = office.get(f"/drives/{running.pk}/").content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = office.get(f"/drives/{running.pk}/").content.decode()
    read = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("projects_project", "drives_target", "enterprises_visit", "appeals_appeal"):
        assert table not in read
    strip = re.compile(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"')
    assert strip.sub("", again) == strip.sub("", first)


def test_the_weekly_report_has_the_figure_of_a_change_after_the_page(
    running, office, majors, today
):
    def reported() -> str:
        """The 实际完成 cell of the task force's investment target in the report."""
        response = office.get(f"/drives/{running.pk}/report.docx")
        table = Document(BytesIO(response.content)).tables[0]
        row = next(r for r in table.rows if r.cells[0].text.startswith("工业组投资"))
        return row.cells[3].text

    office.get(f"/drives/{running.pk}/")
    assert reported() == "0"
    ProgressReport.objects.create(
        project=majors[0], period=today.replace(day=1), progress_text="设备安装", invested=250
    )
    assert reported() == "250"
