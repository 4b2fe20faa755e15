"""The league table (比学赶超): scores recomputed by hand, ranks, movement, weights, scope.

The fixture, for October 2026 (previous period: September 2026), default weights 40/30/15/15:

城关镇: P1 started 2026-06, green, plan 500; reports 09 (300, in on 10-03) and 10 (200, in on
        11-03). P2 started 2026-10, red, plan 500; report 10 (100, in on 11-20: late).
        A problem due 10-15 resolved 10-10 (on time), an order due 10-20 accepted 10-25 (late).
河口镇: P3 started 2026-05, green, plan 1000; reports 09 (100, in on 10-01), 10 (400, 10-31).
        No problem or order: that component is left out and the weights re-normalised.

October   城关镇 investment 600/1000=60, green 1/2=50, reports 1/2=50, closure 1/2=50
          → (40×60 + 30×50 + 15×50 + 15×50) / 100 = 54.0
          河口镇 investment 500/1000=50, green 100, reports 1/1=100, closure —
          → (40×50 + 30×100 + 15×100) / 85 = 76.47… = 76.5
September 城关镇 investment 300/1000=30, green 50, reports 1/1=100 (P2 not started), closure —
          → (1200 + 1500 + 1500) / 85 = 49.4
          河口镇 investment 100/1000=10, green 100, reports 100 → (400+3000+1500)/85 = 57.6
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tuijin.core.roles import Role
from tuijin.projects.models import AnnualPlan, Light, Problem, ProgressReport, Project, Stage
from tuijin.projects.tests.conftest import make_project
from tuijin.supervision import league
from tuijin.supervision.models import LeagueWeights, SupervisionOrder
from tuijin.supervision.tests.conftest import issue

CST = ZoneInfo("Asia/Shanghai")
OCT = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
TODAY = dt.date(2026, 11, 28)
URL = "/supervision/league/"


def project(county, name, unit, start, light, plan):
    p = make_project(county, name=name, host_unit=unit, actual_start=start, light=light)
    AnnualPlan.objects.filter(project=p).update(year=2026, planned_investment=Decimal(plan))
    return p


def report(p, period, invested, submitted_on):
    r = ProgressReport.objects.create(project=p, period=period, invested=Decimal(invested))
    at = dt.datetime.combine(submitted_on, dt.time(10), tzinfo=CST)
    ProgressReport.objects.filter(pk=r.pk).update(submitted_at=at)
    return r


@pytest.fixture
def fixture(county):
    t, h = county.township, county.other_township
    p1 = project(county, "P1", t, dt.date(2026, 6, 1), Light.GREEN, 500)
    p2 = project(county, "P2", t, dt.date(2026, 10, 1), Light.RED, 500)
    p3 = project(county, "P3", h, dt.date(2026, 5, 1), Light.GREEN, 1000)
    report(p1, dt.date(2026, 9, 1), 300, dt.date(2026, 10, 3))
    report(p1, dt.date(2026, 10, 1), 200, dt.date(2026, 11, 3))
    report(p2, dt.date(2026, 10, 1), 100, dt.date(2026, 11, 20))
    report(p3, dt.date(2026, 9, 1), 100, dt.date(2026, 10, 1))
    report(p3, dt.date(2026, 10, 1), 400, dt.date(2026, 10, 31))
    Problem.objects.create(
        project=p1,
        description="电力接入滞后",
        responsible_unit=t,
        responsible_person=county.people[Role.UNIT_STAFF],
        raised_on=dt.date(2026, 10, 1),
        deadline=dt.date(2026, 10, 15),
        status=Problem.Status.RESOLVED,
        resolved_on=dt.date(2026, 10, 10),
    )
    order = issue(county, project=p1)
    SupervisionOrder.objects.filter(pk=order.pk).update(
        deadline=dt.date(2026, 10, 20),
        status=SupervisionOrder.Status.ACCEPTED,
        accepted_on=dt.date(2026, 10, 25),
    )
    return {"t": t, "h": h}


def table(county, *period, weights=None):
    rows = league.league_table(county.region, *(period or OCT), TODAY, weights=weights)
    return {row.unit.name: row for row in rows}


def parts(row):
    return {c.key: (c.numerator, c.denominator, c.value) for c in row.components}


def test_scores_recomputed_by_hand(county, fixture):
    rows = table(county)
    t, h = rows["城关镇"], rows["河口镇"]
    assert parts(t) == {
        "investment": (Decimal(600), Decimal(1000), Decimal("60.0")),
        "green": (1, 2, Decimal("50.0")),
        "reports": (1, 2, Decimal("50.0")),
        "closure": (1, 2, Decimal("50.0")),
    }
    assert t.score == Decimal("54.0")
    assert parts(h)["investment"] == (Decimal(500), Decimal(1000), Decimal("50.0"))
    assert parts(h)["closure"][2] is None  # nothing to measure: left out
    assert h.score == Decimal("76.5")  # 6500 / 85
    assert (h.rank, t.rank) == (1, 2)
    # Only the two townships; the department is not ranked.
    assert set(rows) == {"城关镇", "河口镇"}


def test_investment_capped_at_100(county, fixture):
    report_p3 = ProgressReport.objects.get(project__name="P3", period=dt.date(2026, 10, 1))
    ProgressReport.objects.filter(pk=report_p3.pk).update(invested=Decimal(5000))
    assert parts(table(county)["河口镇"])["investment"][2] == Decimal("100.0")


def test_movement_against_previous_month(county, fixture):
    rows = table(county)
    t, h = rows["城关镇"], rows["河口镇"]
    assert (t.previous_score, h.previous_score) == (Decimal("49.4"), Decimal("57.6"))
    assert (t.previous_rank, h.previous_rank) == (2, 1)
    assert t.score_change == Decimal("4.6")
    assert h.score_change == Decimal("18.9")
    assert t.rank_change == 0 and h.rank_change == 0


def test_ties_share_a_rank_and_movement_down(county, fixture):
    only_reports = {"investment": 0, "green": 0, "reports": 100, "closure": 0}
    september = table(county, dt.date(2026, 9, 1), dt.date(2026, 9, 30), weights=only_reports)
    assert september["城关镇"].score == september["河口镇"].score == Decimal("100.0")
    assert september["城关镇"].rank == september["河口镇"].rank == 1
    october = table(county, weights=only_reports)
    assert october["城关镇"].rank == 2
    assert october["城关镇"].rank_change == -1
    assert october["河口镇"].rank_change == 0


def test_three_way_tie_skips_ranks():
    rows = [
        league.Row(unit=None, components=[], score=Decimal(s)) for s in ("80", "90", "90", "70")
    ]
    league._rank(rows)
    assert [r.rank for r in rows] == [3, 1, 1, 4]


def test_weights_change_the_ranking(county, fixture):
    league.weights_save(
        county.region, {"investment": 100, "green": 0, "reports": 0, "closure": 0}, None
    )
    rows = table(county)
    assert rows["城关镇"].rank == 1 and rows["城关镇"].score == Decimal("60.0")
    assert rows["河口镇"].rank == 2


def test_quarter_and_its_previous_quarter(county, fixture):
    q = league.parse_period("2026-Q4", TODAY)
    assert (q.start, q.end, q.previous().code) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
        "2026-Q3",
    )
    assert league.parse_period("2026-Q1", TODAY).previous().code == "2025-Q4"
    assert league.parse_period("", TODAY).code == "2026-10"  # last complete month
    q3 = table(county, dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    # P1 due in July, August, September; only September was reported (on time).
    assert parts(q3["城关镇"])["reports"] == (1, 3, Decimal("33.3"))
    with pytest.raises(league.LeagueError):
        league.parse_period("2026-13", TODAY)


def test_weights_not_summing_to_100_are_refused(county, client_for):
    with pytest.raises(league.LeagueError, match="之和应为 100"):
        league.weights_save(
            county.region, {"investment": 40, "green": 30, "reports": 15, "closure": 5}, None
        )
    client = client_for(county.users[Role.SUPERVISION])
    data = {"investment": 50, "green": 30, "reports": 15, "closure": 15}
    response = client.post(URL + "weights/", data)
    assert response.status_code == 200
    assert "四项权重之和应为 100，现为 110" in response.content.decode()
    assert not LeagueWeights.objects.exists()
    data["investment"] = 40
    response = client.post(URL + "weights/", data)
    assert response.status_code == 302
    saved = LeagueWeights.objects.get(region=county.region)
    assert saved.updated_by == county.users[Role.SUPERVISION]


def test_only_the_office_edits_weights(county, client_for):
    client = client_for(county.users[Role.UNIT_STAFF])
    assert client.get(URL + "weights/").status_code == 403
    data = {"investment": 100, "green": 0, "reports": 0, "closure": 0}
    assert client.post(URL + "weights/", data).status_code == 403
    assert not LeagueWeights.objects.exists()


@pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.LEADER, Role.SUPERVISION, Role.UNIT_STAFF])
def test_government_roles_see_the_table(county, fixture, client_for, role):
    response = client_for(county.users[role]).get(URL, {"period": "2026-10"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "76.5" in page and "54.0" in page
    assert "不以登录次数、点击、上传照片数量或在线时长计分" in page
    assert f"/projects/?unit={county.township.pk}&amp;light=green" in page
    assert f"/supervision/?unit={county.township.pk}" in page


def test_township_sees_its_own_row_highlighted(county, fixture, client_for):
    page = client_for(county.users[Role.UNIT_STAFF]).get(URL, {"period": "2026-10"})
    page = page.content.decode()
    assert f'data-unit="{county.township.pk}" class="table-warning' in page
    assert f'data-unit="{county.other_township.pk}" class="table-warning' not in page


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.BANK])
def test_enterprise_and_bank_get_403(county, client_for, role):
    assert client_for(county.users[role]).get(URL).status_code == 403


def test_bad_period_is_explained(county, client_for):
    response = client_for(county.users[Role.SUPERVISION]).get(URL, {"period": "2026-13"})
    assert response.status_code == 200
    assert "月份应在 1 到 12 之间" in response.content.decode()


def test_other_county_never_appears(county, other_county, fixture, client_for):
    make_project(other_county, name="云岭项目", host_unit=other_county.township)
    page = client_for(county.users[Role.SUPERVISION]).get(URL, {"period": "2026-10"})
    assert "yl-城关镇" not in page.content.decode()
    assert "yl-河口镇" not in page.content.decode()
    rows = league.league_table(other_county.region, *OCT, TODAY)
    assert {r.unit.name for r in rows} == {"yl-城关镇", "yl-河口镇"}
    page = client_for(other_county.users[Role.SUPERVISION]).get(URL, {"period": "2026-10"})
    assert "城关镇" in page.content.decode()
    assert f'data-unit="{county.township.pk}"' not in page.content.decode()


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, {"period": "2026-10"}).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_projects(county, client_for):
    """Computed afresh after a write (the first view) and read from the cache (the next),
    the page runs as many queries with 3 projects as with 30."""
    client = client_for(county.users[Role.SUPERVISION])

    def add(first, last):
        for i in range(first, last):
            unit = county.township if i % 2 else county.other_township
            p = make_project(county, name=f"项目{i}", host_unit=unit, light=Light.GREEN)
            report(p, dt.date(2026, 10, 1), 10, dt.date(2026, 11, 2))

    add(0, 3)
    few = (_page_queries(client), _page_queries(client))
    add(3, 30)
    many = (_page_queries(client), _page_queries(client))
    assert many == few
    assert few[1] < few[0]  # the second view reads the table computed by the first


# Cached, never stale -----------------------------------------------------------------------


def _scores(client, period="2026-10") -> dict[str, str]:
    data = client.get("/api/league/", {"period": period}).json()
    return {row["unit_name"]: row["score"] for row in data["rows"]}


def test_a_new_report_moves_the_score_at_once(county, fixture, client_for):
    """The table is cached between views; a committed write under it shows on the next."""
    client = client_for(county.users[Role.SUPERVISION])
    assert _scores(client)["河口镇"] == "76.5"
    assert "76.5" in client.get(URL, {"period": "2026-10"}).content.decode()
    # A first project for 河口镇 with October's plan 1000 and nothing invested: investment
    # 500/2000 = 25, reports 1/2 (P4's October report is missing and late by 2026-11-28).
    p4 = project(county, "P4", county.other_township, dt.date(2026, 6, 1), Light.GREEN, 1000)
    # (40×25 + 30×100 + 15×50) / 85 = 55.9
    assert _scores(client)["河口镇"] == "55.9"
    report(p4, dt.date(2026, 10, 1), 1000, dt.date(2026, 11, 1))
    # investment 1500/2000 = 75, reports 2/2: (3000 + 3000 + 1500) / 85 = 88.2
    assert _scores(client)["河口镇"] == "88.2"
    page = client.get(URL, {"period": "2026-10"}).content.decode()
    assert "88.2" in page and "76.5" not in page


def test_a_changed_light_order_or_weight_shows_at_once(county, fixture, client_for):
    client = client_for(county.users[Role.SUPERVISION])
    assert _scores(client)["城关镇"] == "54.0"
    p2 = Project.objects.get(name="P2")
    p2.light = Light.GREEN
    p2.save()  # green 2/2: (2400 + 3000 + 750 + 750) / 100 = 69.0
    assert _scores(client)["城关镇"] == "69.0"
    order = SupervisionOrder.objects.get(project__name="P1")
    order.accepted_on = dt.date(2026, 10, 20)
    order.save()  # closure 2/2: (2400 + 3000 + 750 + 1500) / 100 = 76.5
    assert _scores(client)["城关镇"] == "76.5"
    league.weights_save(
        county.region, {"investment": 100, "green": 0, "reports": 0, "closure": 0}, None
    )
    assert _scores(client) == {"城关镇": "60.0", "河口镇": "50.0"}
    data = client.get("/api/league/", {"period": "2026-10"}).json()
    assert data["weights"]["investment"] == 100


def test_page_api_and_cockpit_agree_after_a_change(county, fixture, client_for):
    today = dt.date.today()
    period = league.parse_period(None, today)
    client = client_for(county.users[Role.PRINCIPAL])

    def seen():
        api = _scores(client, period.code)
        page = client.get(URL).content.decode()
        cockpit = client.get(reverse("cockpit:index")).context["ranking"]["rows"]
        return api, page, {row.unit.name: str(row.score) for row in cockpit}

    seen()  # every view cached
    p = make_project(county, name="新项目", host_unit=county.township, light=Light.GREEN)
    ProgressReport.objects.create(project=p, period=period.start, invested=Decimal(10))
    api, page, cockpit = seen()
    cache.clear()  # computed from the tables, not read from the cache
    fresh = {
        row.unit.name: str(row.score)
        for row in league.table_for(county.region, period, today).rows
        if row.score is not None
    }
    assert {k: v for k, v in api.items() if v is not None} == fresh == cockpit
    for score in fresh.values():
        assert f'data-testid="score">{score}<' in page


def test_dropped_and_completed_projects(county):
    make_project(county, name="终止", stage=Stage.DROPPED, light=Light.RED)
    make_project(county, name="竣工", stage=Stage.COMPLETED, light=Light.RED)
    row = table(county)["城关镇"]
    assert parts(row)["green"] == (0, 0, None)  # neither counts as under way


def test_outstanding_items_not_yet_due_are_not_counted(county):
    """On 2026-10-18 October's report is not yet late and an open problem due 10-25 is
    not yet late; a problem due 10-15 and still open is late."""
    p = project(county, "P", county.township, dt.date(2026, 6, 1), Light.GREEN, 100)
    for deadline in (dt.date(2026, 10, 15), dt.date(2026, 10, 25)):
        Problem.objects.create(
            project=p,
            description="问题",
            responsible_unit=county.township,
            responsible_person=county.people[Role.UNIT_STAFF],
            raised_on=dt.date(2026, 10, 1),
            deadline=deadline,
        )
    running = league.league_table(county.region, *OCT, dt.date(2026, 10, 18))
    row = next(r for r in running if r.unit == county.township)
    assert parts(row)["reports"] == (0, 0, None)
    assert parts(row)["closure"] == (0, 1, Decimal("0.0"))
    later = table(county)["城关镇"]  # on 2026-11-28 both are late
    assert parts(later)["reports"] == (0, 1, Decimal("0.0"))
    assert parts(later)["closure"] == (0, 2, Decimal("0.0"))


# The API -----------------------------------------------------------------------------------


def test_api_gives_the_pages_scores_and_components(county, fixture, client_for):
    response = client_for(county.users[Role.UNIT_STAFF]).get("/api/league/?period=2026-10")
    assert response.status_code == 200
    data = response.json()
    assert (data["period"], data["label"]) == ("2026-10", "2026年10月")
    assert data["weights"] == {"investment": 40, "green": 30, "reports": 15, "closure": 15}
    rows = {row["unit_name"]: row for row in data["rows"]}
    assert (rows["河口镇"]["rank"], rows["河口镇"]["score"]) == (1, "76.5")
    assert (rows["城关镇"]["rank"], rows["城关镇"]["score"]) == (2, "54.0")
    closure = next(c for c in rows["河口镇"]["components"] if c["key"] == "closure")
    assert closure["value"] is None  # nothing to close: left out, weights re-normalised
    investment = next(c for c in rows["城关镇"]["components"] if c["key"] == "investment")
    assert (investment["numerator"], investment["denominator"]) == ("600.00", "1000.00")


def test_api_refuses_a_bad_period_and_non_government_roles(county, fixture, client_for):
    response = client_for(county.users[Role.SUPERVISION]).get("/api/league/?period=2026-13")
    assert response.status_code == 400
    assert response.json()["fields"]["period"] == ["月份应在 1 到 12 之间"]
    assert client_for(county.users[Role.ENTERPRISE]).get("/api/league/").status_code == 403


def test_api_shows_another_county_only_its_own_units(county, other_county, fixture, client_for):
    data = client_for(other_county.users[Role.PRINCIPAL]).get("/api/league/?period=2026-10")
    names = {row["unit_name"] for row in data.json()["rows"]}
    assert names.isdisjoint({"城关镇", "河口镇"})
