"""Statistics per lead unit and period, recomputed by hand on a small county, and the page."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tuijin.appeals.models import Appeal
from tuijin.appeals.stats import Rate, parse_period, totals, trend, unit_stats
from tuijin.core.roles import Role

D = dt.date
TODAY = D(2025, 4, 30)  # March 2025 has no public holiday: working days are Monday–Friday
_numbers = itertools.count(1)


def _appeal(region, unit, received_on, **fields) -> Appeal:
    return Appeal.objects.create(
        region=region,
        year=received_on.year,
        number=next(_numbers),
        source=Appeal.Source.PORTAL,
        enterprise_name="清溪精工机械有限公司",
        kind=Appeal.Kind.HELP,
        topic=Appeal.Topic.FINANCING,
        title="诉求",
        text="诉求内容",
        received_on=received_on,
        lead_unit=unit,
        **fields,
    )


@pytest.fixture
def march(county, other_county):
    """Four requests led by 县发展和改革局, one by 城关镇, and some that must not count."""
    dept, town = county.department, county.township
    resolved = {"status": Appeal.Status.RESOLVED}
    # Accepted on time, resolved on time in 4 working days (Tue–Fri), satisfied.
    _appeal(county.region, dept, D(2025, 3, 3), accept_due=D(2025, 3, 4), accepted_on=D(2025, 3, 4),
            resolve_due=D(2025, 3, 17), first_reply_on=D(2025, 3, 6), resolved_on=D(2025, 3, 7),
            rating="satisfied", **resolved)  # fmt: skip
    # Accepted late, resolved late after 12 working days, basically satisfied, reopened once.
    _appeal(county.region, dept, D(2025, 3, 5), accept_due=D(2025, 3, 6), accepted_on=D(2025, 3, 7),
            resolve_due=D(2025, 3, 19), first_reply_on=D(2025, 3, 12), resolved_on=D(2025, 3, 21),
            rating="basic", reopen_count=1, **resolved)  # fmt: skip
    # Accepted on time, still in hand and past its resolve deadline.
    _appeal(county.region, dept, D(2025, 3, 10), accept_due=D(2025, 3, 11),
            accepted_on=D(2025, 3, 11), resolve_due=D(2025, 3, 24),
            status=Appeal.Status.ACCEPTED)  # fmt: skip
    # Received on a Friday, resolved on Tuesday: 2 working days; unsatisfied.
    _appeal(county.region, dept, D(2025, 3, 14), accept_due=D(2025, 3, 17),
            accepted_on=D(2025, 3, 17), resolve_due=D(2025, 3, 28), first_reply_on=D(2025, 3, 17),
            resolved_on=D(2025, 3, 18), rating="unsatisfied", **resolved)  # fmt: skip
    # 城关镇: never accepted, both deadlines passed.
    _appeal(county.region, town, D(2025, 3, 20), accept_due=D(2025, 3, 21),
            resolve_due=D(2025, 4, 3), status=Appeal.Status.DISPATCHED)  # fmt: skip
    # Not counted: received in February, not dispatched yet, another county.
    _appeal(county.region, dept, D(2025, 2, 28), accept_due=D(2025, 3, 3),
            accepted_on=D(2025, 3, 3), status=Appeal.Status.ACCEPTED)  # fmt: skip
    _appeal(county.region, None, D(2025, 3, 12))
    _appeal(other_county.region, other_county.department, D(2025, 3, 12), accept_due=D(2025, 3, 13))
    return county


def test_unit_figures_recomputed_by_hand(march):
    rows = unit_stats(march.region.pk, D(2025, 3, 1), D(2025, 3, 31), today=TODAY)
    by_unit = {row.unit_name: row for row in rows}
    assert set(by_unit) == {"县发展和改革局", "城关镇"}

    dept = by_unit["县发展和改革局"]
    assert dept.received == 4
    assert dept.accepted_on_time == Rate(3, 4)
    assert dept.resolved_on_time == Rate(2, 4)
    assert dept.resolution == Rate(3, 4)
    assert dept.satisfaction == Rate(2, 3)
    assert dept.reopen == Rate(1, 3)
    assert dept.days == [2, 4, 12]
    assert dept.median_days == 4
    assert dept.accepted_on_time.percent == "75.0%"
    assert str(dept.satisfaction) == "66.7%（2/3）"

    town = by_unit["城关镇"]
    assert town.received == 1
    assert town.accepted_on_time == Rate(0, 1)
    assert town.resolved_on_time == Rate(0, 1)
    assert town.resolution == Rate(0, 1)
    assert town.satisfaction == Rate(0, 0) and town.satisfaction.percent == "—"
    assert town.median_days is None

    county_line = totals(rows)
    assert county_line.received == 5
    assert county_line.accepted_on_time == Rate(3, 5)
    assert county_line.median_days == 4


def test_a_deadline_not_yet_reached_is_not_counted_late(march):
    rows = unit_stats(march.region.pk, D(2025, 3, 1), D(2025, 3, 31), today=D(2025, 3, 20))
    dept = next(r for r in rows if r.unit_name == "县发展和改革局")
    # On 20 March the third request's resolve deadline (24 March) is still ahead.
    assert dept.resolved_on_time == Rate(2, 3)


def test_trend_by_month(march):
    series = trend(march.region.pk, 3, today=TODAY)
    assert series["months"] == ["2025-02", "2025-03", "2025-04"]
    assert series["received"] == [1, 6, 0]
    assert series["resolved"] == [0, 3, 0]
    assert series["on_time"] == [None, 66.7, None]
    assert series["satisfaction"] == [None, 66.7, None]


@pytest.mark.django_db
def test_working_days_to_resolve_agree_with_the_calendar_across_holidays():
    from tuijin.appeals.stats import _Workdays
    from tuijin.core.workdays import count_workdays

    workdays = _Workdays()
    pairs = [
        (D(2025, 9, 26), D(2025, 10, 14)),  # National Day week and its make-up Saturdays
        (D(2025, 1, 20), D(2025, 2, 10)),  # Spring Festival
        (D(2025, 3, 14), D(2025, 3, 18)),
        (D(2024, 12, 30), D(2025, 1, 3)),  # extends the span backwards
        (D(2025, 5, 6), D(2025, 5, 6)),
    ]
    for received, resolved in pairs:
        expected = count_workdays(received + dt.timedelta(days=1), resolved).value
        assert workdays(received, resolved) == expected, (received, resolved)
    assert workdays(D(2025, 9, 30), D(2025, 10, 9)) == 1  # only 9 October is worked


def test_periods():
    today = D(2026, 11, 28)
    assert parse_period("quarter", "2026-Q4", today).start == D(2026, 10, 1)
    assert parse_period("quarter", "2026-Q4", today).next == "2027-Q1"
    month = parse_period("month", "", today)
    assert (month.start, month.end, month.label) == (D(2026, 11, 1), D(2026, 11, 30), "2026年11月")
    assert parse_period("month", "2024-02", today).end == D(2024, 2, 29)
    assert parse_period("year", "2025", today).previous == "2024"
    with pytest.raises(ValueError, match="统计期「2026-13」格式不对，应如 2026-11"):
        parse_period("month", "2026-13", today)


# --- The page -----------------------------------------------------------------------------

pytestmark = pytest.mark.urls("tuijin.appeals.tests.urls_stats")
URL = "/appeals/stats/?period=month&at=2025-03"


def test_the_office_sees_every_unit_with_drill_down_links(march, client_for):
    page = client_for(march.users[Role.PROJECT_OFFICE]).get(URL)
    text = page.content.decode()
    assert page.status_code == 200
    assert "企业诉求统计 · 2025年3月" in text
    assert "县发展和改革局" in text and "城关镇" in text
    assert "yl-县发展和改革局" not in text
    assert f'href="/appeals/?unit={march.department.pk}"' in text
    assert f'href="/appeals/?unit={march.township.pk}&amp;overdue=1"' in text
    assert "appeal-stats-data" in text and "vendor/echarts/echarts.min.js" in text


def test_sorting_by_a_rate_puts_the_best_first(march, client_for):
    page = client_for(march.users[Role.SUPERVISION]).get(URL + "&sort=accept&dir=desc")
    text = page.content.decode()
    assert text.index(">县发展和改革局<") < text.index(">城关镇<")
    ascending = client_for(march.users[Role.SUPERVISION]).get(URL + "&sort=accept&dir=asc")
    text = ascending.content.decode()
    assert text.index(">城关镇<") < text.index(">县发展和改革局<")


def test_unit_staff_see_only_their_own_unit(march, client_for):
    page = client_for(march.users[Role.UNIT_STAFF]).get(URL)
    text = page.content.decode()
    assert page.status_code == 200
    assert f'href="/appeals/?unit={march.township.pk}"' in text
    assert "县发展和改革局" not in text


def test_a_bad_period_shows_a_message(march, client_for):
    page = client_for(march.users[Role.PRINCIPAL]).get("/appeals/stats/?period=month&at=2025-3x")
    assert "统计期「2025-3x」格式不对，应如 2026-11" in page.content.decode()


def test_enterprises_and_banks_may_not_open_statistics(march, client_for):
    assert client_for(march.users[Role.ENTERPRISE]).get(URL).status_code == 403
    assert client_for(march.users[Role.BANK]).get(URL).status_code == 403
