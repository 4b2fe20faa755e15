"""The cockpit: figures against hand-computed sums, links, query counts, roles and scope."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tuijin.cockpit.services import cockpit_figures
from tuijin.core.menu import menu_for
from tuijin.core.roles import Role
from tuijin.core.scoping import scope_of
from tuijin.projects.models import (
    AnnualPlan,
    Light,
    Problem,
    ProgressReport,
    Project,
    Stage,
)
from tuijin.projects.tests.conftest import make_project

YEAR = dt.date.today().year  # make_project plans for the current year
TODAY = dt.date(YEAR, 7, 15)  # six months ended: 序时进度 50%


def report(project: Project, month: int, invested: str, year: int = YEAR) -> ProgressReport:
    return ProgressReport.objects.create(
        project=project,
        period=dt.date(year, month, 1),
        progress_text="按计划推进",
        invested=Decimal(invested),
    )


def problem(project: Project, county, status: str, deadline: dt.date) -> Problem:
    return Problem.objects.create(
        project=project,
        description="用地手续未办结",
        responsible_unit=county.township,
        responsible_person=county.people[Role.UNIT_STAFF],
        raised_on=TODAY - dt.timedelta(days=30),
        deadline=deadline,
        status=status,
    )


@pytest.fixture
def fixture(county):
    """Five projects of 清溪县 whose figures are added up by hand in the tests below."""
    a = make_project(county, name="甲项目", light=Light.RED)  # plan 18200
    b = make_project(
        county,
        name="乙项目",
        host_unit=county.other_township,
        total_investment=Decimal("30000"),
        contact_leader=county.people[Role.PRINCIPAL],
    )
    AnnualPlan.objects.filter(project=b).update(planned_investment=Decimal("12000"))
    c = make_project(
        county,
        name="丙项目",
        stage=Stage.SIGNED,
        total_investment=Decimal("10000"),
        light=Light.YELLOW,
    )
    d = make_project(
        county,
        name="丁项目",
        stage=Stage.DROPPED,
        total_investment=Decimal("5000"),
        light=Light.NONE,
    )
    e = make_project(
        county,
        name="戊项目",
        stage=Stage.NEGOTIATING,
        total_investment=Decimal("8000.45"),
        host_unit=county.department,
    )
    AnnualPlan.objects.filter(project__in=[c, d, e]).delete()
    report(a, 1, "1000")
    report(a, 3, "2000")
    report(a, 12, "500", year=YEAR - 1)  # last year's: not in this year's figures
    report(b, 2, "3000")
    report(b, 6, "4000.55")
    problem(a, county, Problem.Status.OPEN, TODAY - dt.timedelta(days=1))  # overdue
    problem(b, county, Problem.Status.IN_PROGRESS, TODAY + dt.timedelta(days=5))
    problem(b, county, Problem.Status.RESOLVED, TODAY - dt.timedelta(days=10))
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def figures_for(county):
    return cockpit_figures(Project.objects.filter(region=county.region), TODAY, YEAR)


def test_stages_and_totals_equal_the_sums_by_hand(county, fixture):
    f = figures_for(county)
    funnel = {s["stage"]: (s["count"], s["investment"]) for s in f["funnel"]}
    assert [s["label"] for s in f["funnel"]] == ["在谈", "已签约", "已开工", "已竣工/投产"]
    assert funnel == {
        "negotiating": (1, Decimal("8000.45")),
        "signed": (1, Decimal("10000")),
        "started": (2, Decimal("82000")),
        "completed": (0, Decimal("0")),
    }
    assert (f["dropped"]["count"], f["dropped"]["investment"]) == (1, Decimal("5000"))
    t = f["totals"]
    assert (t["projects"], t["active"], t["dropped"]) == (5, 4, 1)
    assert t["total_investment"] == Decimal("100000.45")
    assert t["year_plan"] == Decimal("30200")
    assert t["year_completed"] == Decimal("10000.55")
    assert t["completion_pct"] == Decimal("33.1")  # 10000.55 / 30200
    assert t["elapsed_pct"] == Decimal("50.0")
    assert t["gap_points"] == Decimal("16.9")
    assert t["timeline_amount"] == Decimal("15100.00")
    assert t["gap_amount"] == Decimal("5099.45")
    assert t["lights"] == {"red": 1, "yellow": 1, "green": 2, "none": 0}
    assert f["problems"] == {"open": 2, "overdue": 1}


def test_investment_by_month_is_cumulative_with_the_timeline(county, fixture):
    monthly = figures_for(county)["monthly"]
    invested = [m["invested"] for m in monthly]
    assert invested[:7] == [Decimal(x) for x in ("1000", "3000", "2000", "0", "0", "4000.55", "0")]
    assert invested[7:] == [None] * 5  # after July: not yet
    assert monthly[5]["cumulative"] == Decimal("10000.55")
    assert monthly[6]["cumulative"] == Decimal("10000.55")
    assert monthly[7]["cumulative"] is None
    assert monthly[5]["timeline"] == Decimal("15100.00")  # 30200 × 6 / 12
    assert monthly[11]["timeline"] == Decimal("30200.00")


def test_lights_by_township_and_platform(county, fixture):
    units = figures_for(county)["lights_by_unit"]
    rows = {u["name"]: (u["red"], u["yellow"], u["green"]) for u in units}
    # The department hosting 戊项目 is no township; the dropped 丁项目 has no light.
    assert rows == {county.township.name: (1, 1, 0), county.other_township.name: (0, 0, 1)}


def test_lagging_projects_with_their_responsible_persons(county, fixture):
    lagging = figures_for(county)["lagging"]
    assert [row["project"].name for row in lagging] == ["甲项目"]  # 乙 is at 58.3%, ahead
    row = lagging[0]
    assert (row["plan"], row["done"]) == (Decimal("18200"), Decimal("3000"))
    assert row["completion_pct"] == Decimal("16.5")
    assert row["gap_points"] == Decimal("33.5")
    assert row["responsibles"] == [county.people[Role.UNIT_STAFF]]
    assert row["project"].contact_leader == county.people[Role.LEADER]


def test_lagging_puts_red_first_then_the_largest_gap(county):
    green = make_project(county, name="绿灯落后多", light=Light.GREEN)
    red = make_project(county, name="红灯落后少", light=Light.RED)
    report(green, 1, "100")
    report(red, 1, "9000")
    names = [r["project"].name for r in figures_for(county)["lagging"]]
    assert names == ["红灯落后少", "绿灯落后多"]


def test_a_past_year_counts_in_full_and_january_has_no_lagging(county, fixture):
    past = cockpit_figures(Project.objects.all(), TODAY, YEAR - 1)
    assert past["totals"]["year_completed"] == Decimal("500")
    assert past["totals"]["elapsed_pct"] == Decimal("100.0")
    january = cockpit_figures(Project.objects.all(), dt.date(YEAR, 1, 10), YEAR)
    assert january["lagging"] == []


# The page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION, Role.ADMIN]
)
def test_cockpit_roles_open_both_pages(county, fixture, client_for, role):
    client = client_for(county.users[role])
    page = client.get(reverse("cockpit:index"))
    assert page.status_code == 200
    assert page.context["totals"]["active"] == 4
    screen = client.get(reverse("cockpit:screen"))
    assert screen.status_code == 200
    assert b'data-refresh-seconds="300"' in screen.content
    assert b"<script>" not in screen.content and b"<script>" not in page.content  # no inline JS


@pytest.mark.parametrize("role", [Role.LEADER, Role.UNIT_STAFF, Role.ENTERPRISE, Role.BANK])
def test_other_roles_are_refused(county, client_for, role):
    client = client_for(county.users[role])
    assert client.get(reverse("cockpit:index")).status_code == 403
    assert client.get(reverse("cockpit:screen")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("cockpit:index"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_menu_entry_for_the_cockpit_roles(county, rf):
    def labels(role):
        request = rf.get("/")
        request.user = county.users[role]
        scope = scope_of(county.users[role])
        return [e["label"] for s in menu_for(request, scope) for e in s["entries"]]

    for role in (Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION):
        assert "驾驶舱" in labels(role)
    for role in (Role.LEADER, Role.UNIT_STAFF, Role.ENTERPRISE):
        assert "驾驶舱" not in labels(role)


def test_another_countys_principal_sees_none_of_this_county(
    county, other_county, fixture, client_for
):
    client = client_for(other_county.users[Role.PRINCIPAL])
    page = client.get(reverse("cockpit:index"))
    assert page.status_code == 200
    totals = page.context["totals"]
    assert (totals["projects"], totals["year_plan"], totals["year_completed"]) == (0, 0, 0)
    assert page.context["figures"]["lagging"] == []
    assert page.context["figures"]["problems"] == {"open": 0, "overdue": 0}
    assert "甲项目" not in page.content.decode()
    # Naming this county's township in the filter shows nothing of it either.
    page = client.get(reverse("cockpit:index"), {"unit": county.township.pk})
    assert page.context["totals"]["projects"] == 0
    assert county.township.name not in [
        label for _, label in page.context["filterset"].form.fields["unit"].choices
    ]


def test_filters_narrow_the_figures_and_the_links_carry_them(county, fixture, client_for):
    client = client_for(county.users[Role.PRINCIPAL])
    page = client.get(reverse("cockpit:index"), {"unit": county.township.pk, "year": YEAR})
    f = page.context["figures"]
    assert page.context["totals"]["projects"] == 3  # 甲, 丙, 丁 (hosted by 城关镇)
    unit = county.township.pk
    started = next(s for s in f["funnel"] if s["stage"] == "started")
    assert started["url"] == f"/projects/?unit={unit}&stage=started"
    assert page.context["links"]["red"] == f"/projects/?unit={unit}&light=red"
    data = json.loads(json.dumps(page.context["chart_data"]))
    red = next(s for s in data["lights"]["series"] if s["key"] == "red")
    assert red["urls"][0] == f"/projects/?unit={unit}&light=red"
    assert 'id="cockpit-data"' in page.content.decode()
    # The list behind a figure shows exactly the records counted.
    listing = client.get(started["url"])
    assert listing.status_code == 200
    assert len(listing.context["page"].object_list) == started["count"] == 1


def test_level_and_category_filters(county, fixture, client_for):
    Project.objects.filter(name="乙项目").update(level="province", category="infrastructure")
    client = client_for(county.users[Role.PROJECT_OFFICE])
    page = client.get(reverse("cockpit:index"), {"level": "province"})
    assert page.context["totals"]["projects"] == 1
    assert page.context["totals"]["year_plan"] == Decimal("12000")
    page = client.get(reverse("cockpit:index"), {"category": "infrastructure", "year": "abc"})
    assert page.context["totals"]["projects"] == 1
    assert page.context["year"] == dt.date.today().year  # a bad year falls back to this year


def _populate(county, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        project = make_project(
            county,
            name=f"项目{i:03d}",
            host_unit=county.township if i % 2 else county.other_township,
            light=[Light.RED, Light.YELLOW, Light.GREEN][i % 3],
        )
        report(project, 1, "100")
        report(project, 2, "50")
        problem(project, county, Problem.Status.OPEN, TODAY)


def test_query_count_does_not_grow_with_the_projects(county, client_for):
    client = client_for(county.users[Role.PRINCIPAL])
    counts = []
    for n, start in ((3, 0), (27, 3)):
        _populate(county, n, start)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("cockpit:index"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert Project.objects.count() == 30
    assert counts[0] == counts[1], counts
    with CaptureQueriesContext(connection) as screen_queries:
        assert client.get(reverse("cockpit:screen")).status_code == 200
    assert len(screen_queries) <= counts[1]  # no menu, no unread count


# Orders and the league table ---------------------------------------------------------------


def _orders(county):
    """Three orders to 城关镇 (one accepted, one overdue) and one to 河口镇."""
    from tuijin.supervision.tests.conftest import issue

    today = dt.date.today()
    done = issue(county, title="已办结的督办", issued_on=today - dt.timedelta(days=40))
    done.status, done.accepted_on = "accepted", today
    done.save()
    issue(county, title="逾期的督办", issued_on=today - dt.timedelta(days=40))
    issue(county, title="刚下发的督办", issued_on=today)
    issue(
        county,
        unit=county.other_township,
        person=county.people["other_staff"],
        title="河口镇的督办",
        issued_on=today,
    )


def test_orders_by_status_match_the_order_list_behind_each_slice(county, client_for):
    _orders(county)
    client = client_for(county.users[Role.PRINCIPAL])
    page = client.get(reverse("cockpit:index"))
    orders = page.context["orders"]
    assert (orders["total"], orders["open"], orders["overdue"]) == (4, 3, 1)
    counts = {row["status"]: row["count"] for row in orders["by_status"]}
    assert counts == {"issued": 3, "signed": 0, "responded": 0, "accepted": 1, "returned": 0}
    issued = next(row for row in orders["by_status"] if row["status"] == "issued")
    listing = client.get(issued["url"])
    assert len(listing.context["page"].object_list) == 3
    overdue = client.get(orders["overdue_url"])
    assert [o.title for o in overdue.context["page"].object_list] == ["逾期的督办"]
    # The unit filter narrows the orders to those issued to that unit.
    page = client.get(reverse("cockpit:index"), {"unit": county.other_township.pk})
    assert page.context["orders"]["total"] == 1
    assert f"unit={county.other_township.pk}" in page.context["orders"]["overdue_url"]


def test_orders_of_another_county_are_not_counted(county, other_county, client_for):
    _orders(county)
    page = client_for(other_county.users[Role.PRINCIPAL]).get(reverse("cockpit:index"))
    assert page.context["orders"]["total"] == 0


def test_league_table_on_the_cockpit_is_the_league_pages_table(county, fixture, client_for):
    from tuijin.supervision import league

    today = dt.date.today()
    period = league.parse_period(None, today)
    expected = [
        (row.unit.name, row.score)
        for row in league.league_table(county.region, period.start, period.end, today)
        if row.score is not None
    ]
    assert len(expected) == 2  # 城关镇 and 河口镇 both host projects with plans
    page = client_for(county.users[Role.SUPERVISION]).get(reverse("cockpit:index"))
    ranking = page.context["ranking"]
    assert [(row.unit.name, row.score) for row in ranking["rows"]] == expected[:10]
    assert ranking["url"] == f"/supervision/league/?period={period.code}"
    html = page.content.decode()
    assert 'data-testid="cockpit-league"' in html
    for name, _score in expected[:10]:
        assert name in html
