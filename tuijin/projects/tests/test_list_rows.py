"""The registry and 「我的项目」 show each project's figures as the office reads them: the
rows are built from plain values in the view (tuijin/projects/rows.py), so these tests hold
what every cell says."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tuijin.core.budgets import QUERY_BUDGET
from tuijin.core.roles import Role
from tuijin.projects.models import AnnualPlan, Light, ProgressReport, Project

from .conftest import make_project

pytestmark = pytest.mark.django_db

THIS_YEAR = dt.date.today().year


def report(project, period: dt.date, invested: str) -> None:
    ProgressReport.objects.create(
        project=project, period=period, progress_text="推进中", invested=Decimal(invested)
    )


def light(project, colour: str, reasons: list[str]) -> None:
    Project.objects.filter(pk=project.pk).update(light=colour, light_reasons=reasons)


@pytest.fixture
def registry(county):
    """A red project half-way through this year's plan, a green one without a plan, and one
    with neither township nor contact leader."""
    red = make_project(county, total_investment=Decimal("12344.50"))
    report(red, dt.date(THIS_YEAR, 1, 1), "4000")
    report(red, dt.date(THIS_YEAR, 2, 1), "5100")  # 9,100 of 18,200 planned: 50%
    report(red, dt.date(THIS_YEAR - 1, 12, 1), "7000")  # last year's: not this year's rate
    light(red, Light.RED, ["连续 2 期未填报进度", "开工已满 3 个月仍未入库纳统"])
    green = make_project(county, name="河口镇污水处理厂", host_unit=county.other_township)
    AnnualPlan.objects.filter(project=green).delete()
    light(green, Light.GREEN, ["年度投资完成率 100%"])
    bare = make_project(county, name="县城停车场", host_unit=None, contact_leader=None)
    light(bare, Light.YELLOW, [])
    return {"red": red, "green": green, "bare": bare}


def rows_of(html: str) -> dict[str, str]:
    """Each table row's HTML by the project name it links to."""
    body = html.split('data-testid="project-table"', 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return {re.search(r'<a href="[^"]+">([^<]+)</a>', row).group(1): row for row in rows[1:]}


def cells(row: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


def test_each_row_shows_light_link_stage_units_money_and_this_years_rate(
    county, registry, client_for
):
    html = client_for(county.users[Role.PROJECT_OFFICE]).get(reverse("projects:list"))
    rows = rows_of(html.content.decode())

    red = rows["智能装备制造产业园"]
    leader = county.people[Role.LEADER].name
    assert f'<a href="/projects/{registry["red"].pk}/">' in red
    assert 'class="light light-red" title="连续 2 期未填报进度；开工已满 3 个月仍未入库纳统"' in red
    assert cells(red) == [
        "红灯",
        "智能装备制造产业园\n      连续 2 期未填报进度；开工已满 3 个月仍未入库纳统",
        "已开工",
        county.township.name,
        leader,
        "12345",  # 万元, rounded half up (not to the even 12344)
        "50%",
    ]

    # A green light names its reasons only in its tooltip; no plan this year: no rate.
    green = rows["河口镇污水处理厂"]
    assert 'class="light light-green" title="年度投资完成率 100%"' in green
    assert 'class="reasons"' not in green
    assert cells(green)[2:] == ["已开工", county.other_township.name, leader, "52000", "—"]

    bare = rows["县城停车场"]
    assert 'class="light light-yellow" title="各项指标正常"' in bare
    assert cells(bare)[3:5] == ["—", "—"]


def test_my_projects_rows_say_the_same(county, registry, client_for):
    Project.objects.filter(pk=registry["bare"].pk).update(contact_leader=county.people[Role.LEADER])
    html = client_for(county.users[Role.LEADER]).get(reverse("projects:mine")).content.decode()
    items = dict(
        (re.search(r'<strong class="me-auto">([^<]+)</strong>', item).group(1), item)
        for item in html.split('class="list-group-item list-group-item-action"')[1:]
    )
    red = items["智能装备制造产业园"]
    assert f'href="/projects/{registry["red"].pk}/"' in red
    assert '<span class="badge text-bg-light">已开工</span>' in red
    assert (
        f"{county.township.name} · 领办 {county.department.name} · 总投资 12345 万元 · 本年完成 50%"
        in red
    )
    assert '<div class="reasons">连续 2 期未填报进度；开工已满 3 个月仍未入库纳统</div>' in red
    green = items["河口镇污水处理厂"]
    assert "· 总投资 52000 万元</div>" in green  # no plan this year: no rate
    assert '<div class="reasons">年度投资完成率 100%</div>' in green
    bare = items["县城停车场"]
    assert '<div class="small text-body-secondary"> · 领办' in bare  # no township
    assert '<div class="reasons">各项指标正常</div>' in bare


def test_a_unit_filtered_list_stays_within_the_budget_at_two_sizes(county, client_for):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    url = reverse("projects:list")
    counts = []
    for total in (3, 30):
        while Project.objects.count() < total:
            project = make_project(county, name=f"项目{Project.objects.count()}")
            light(project, Light.RED, ["节点逾期"])
            report(project, dt.date(THIS_YEAR, 1, 1), "100")
        client.get(url, {"light": "red", "unit": county.township.pk})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"light": "red", "unit": county.township.pk})
        assert response.status_code == 200
        assert f'<option value="{county.township.pk}" selected>' in response.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1] <= QUERY_BUDGET


def test_the_htmx_refresh_sends_the_rows_without_the_filter_bar(county, registry, client_for):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    page = client.get(reverse("projects:list"), {"light": "red"})
    with CaptureQueriesContext(connection) as queries:
        part = client.get(reverse("projects:list"), {"light": "red"}, HTTP_HX_REQUEST="true")
    html = part.content.decode()
    assert "智能装备制造产业园" in html and "河口镇污水处理厂" not in html
    assert 'name="stage"' not in html and "<html" not in html
    assert 'name="stage"' in page.content.decode()
    # The filter bar's unit and leader lists are not read for a refresh of the rows.
    assert not [
        q for q in queries if '"core_unit"' in q["sql"] and "projects_project" not in q["sql"]
    ]


def test_names_in_the_filter_bar_are_escaped(county, client_for):
    county.township.name = '城关镇<b>"新"</b>'
    county.township.save()
    html = client_for(county.users[Role.PROJECT_OFFICE]).get(reverse("projects:list"))
    assert "城关镇&lt;b&gt;&quot;新&quot;&lt;/b&gt;</option>" in html.content.decode()


def test_the_list_shows_a_change_at_once_though_its_content_is_cached(registry, county, client_for):
    """The list's content is cached under the projects and directory stamps: a renamed
    project, a new report, a bulk recomputed light and a renamed township show on the next
    view."""
    client = client_for(county.users[Role.PROJECT_OFFICE])
    url = reverse("projects:list")
    assert "县城停车场" in rows_of(client.get(url).content.decode())
    bare = registry["bare"]
    bare.name = "县城智慧停车场"
    bare.save()
    rows = rows_of(client.get(url).content.decode())
    assert "县城智慧停车场" in rows and "县城停车场" not in rows
    report(registry["red"], dt.date(THIS_YEAR, 3, 1), "9100")  # 18,200 of 18,200
    assert "100%" in cells(rows_of(client.get(url).content.decode())[registry["red"].name])[-1]
    from tuijin.projects import lights

    Project.objects.filter(pk=bare.pk).update(light=Light.GREEN, light_reasons=[])
    lights.recompute(Project.objects.filter(pk=bare.pk))  # bulk: no signals, moves the stamp
    row = rows_of(client.get(url).content.decode())["县城智慧停车场"]
    assert "light-green" not in row
    county.other_township.name = "河口镇人民政府"
    county.other_township.save()
    assert "河口镇人民政府" in rows_of(client.get(url).content.decode())["河口镇污水处理厂"]


def test_a_cached_list_is_never_served_to_a_user_of_another_scope(registry, county, client_for):
    """Two users asking the same question see their own rows: the cache key is the scope."""
    url = reverse("projects:list")
    office = client_for(county.users[Role.PROJECT_OFFICE]).get(url).content.decode()
    assert {"河口镇污水处理厂", "县城停车场"} <= set(rows_of(office))
    staff = client_for(county.users[Role.UNIT_STAFF]).get(url).content.decode()
    assert "河口镇污水处理厂" not in rows_of(staff)
    assert "登记项目" in office and "登记项目" not in staff
