"""Outreach trips: logged in a minute by a leader, refused when they make no sense, and seen
only by the leaders on them, the principal leaders and the project office."""

import datetime as dt

import pytest
from django.urls import reverse

from tuijin.core.roles import Role
from tuijin.outreach import services
from tuijin.outreach.models import Half, Lead, OutreachTrip

from .conftest import TODAY, log_trip

pytestmark = pytest.mark.django_db


def _post(county, client, **changes):
    today = dt.date.today()
    data = {
        "leaders": [county.people[Role.LEADER].pk],
        "start_date": (today - dt.timedelta(days=1)).isoformat(),
        "start_half": "pm",
        "end_date": today.isoformat(),
        "end_half": "pm",
        "destination": "苏州",
        "counterparts": "科达新材料股份有限公司",
        "purpose": "回访在谈项目",
        "outcome": "",
    }
    data.update(changes)
    return client.post(
        reverse("outreach:trip-create"), {k: v for k, v in data.items() if v is not None}
    )


def test_leader_logs_a_trip_with_a_lead_on_the_page(county, client_for):
    client = client_for(county.users[Role.LEADER])
    response = _post(
        county,
        client,
        lead_company="科达新材料股份有限公司",
        lead_title="科达新材料产业园",
        lead_investment="30000",
        lead_next_step="提供用地规划条件",
    )
    trip = OutreachTrip.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:trip", args=[trip.pk])
    assert trip.half_days == 3  # afternoon of yesterday, the whole of today
    assert list(trip.leaders.all()) == [county.people[Role.LEADER]]
    lead = Lead.objects.get()
    assert (lead.trip, lead.owner, lead.title) == (
        trip,
        county.people[Role.LEADER],
        "科达新材料产业园",
    )
    page = client.get(response["Location"]).content.decode()
    assert "赴苏州招商" in page and "1.5 天" in page and "科达新材料产业园" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"leaders": None}, "请至少选择一位带队县领导"),
        (
            {"end_date": (dt.date.today() - dt.timedelta(days=3)).isoformat()},
            "返回时间不能早于出发时间",
        ),
        (
            {"start_date": (dt.date.today() - dt.timedelta(days=40)).isoformat()},
            "一次外出不能超过 30 天",
        ),
        (
            {"end_date": (dt.date.today() + dt.timedelta(days=2)).isoformat()},
            "返回日期不能晚于今天",
        ),
        ({"destination": ""}, "该字段是必填项"),
        ({"lead_title": "某项目"}, "登记线索请填写企业名称"),
    ],
)
def test_a_senseless_trip_is_refused_and_nothing_saved(county, client_for, changes, message):
    response = _post(county, client_for(county.users[Role.LEADER]), **changes)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OutreachTrip.objects.exists() and not Lead.objects.exists()


def test_a_leader_logs_only_trips_they_are_on(county, second_leader):
    with pytest.raises(services.OutreachRuleError, match="县领导只能登记本人参加的外出"):
        log_trip(county, leaders=[second_leader])
    # The project office logs for any leader of the county.
    trip = log_trip(county, leaders=[second_leader], user=county.users[Role.PROJECT_OFFICE])
    assert list(trip.leaders.all()) == [second_leader]


def test_half_days_count(county):
    same_morning = log_trip(county, end_half=Half.AM)
    assert same_morning.half_days == 1 and same_morning.days_text == "0.5 天"
    three_days = log_trip(
        county, start_half=Half.PM, end_date=dt.date(2026, 10, 14), end_half=Half.AM
    )
    assert three_days.half_days == 4  # Mon afternoon, Tue, Wed morning
    with pytest.raises(services.OutreachRuleError, match="返回时间不能早于出发时间"):
        log_trip(county, start_half=Half.PM, end_half=Half.AM)


def test_trips_are_seen_by_their_leaders_and_the_county_roles(county, second_leader, client_for):
    trip = log_trip(county)
    url = reverse("outreach:trip", args=[trip.pk])
    for role in (Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE):
        assert client_for(county.users[role]).get(url).status_code == 200
    assert client_for(second_leader.user).get(url).status_code == 404
    listing = client_for(second_leader.user).get(reverse("outreach:trips") + "?year=2026")
    assert "杭州" not in listing.content.decode()
    assert client_for(county.users[Role.UNIT_STAFF]).get(url).status_code == 403
    assert (
        client_for(county.users[Role.SUPERVISION]).get(reverse("outreach:trips")).status_code == 403
    )


def test_no_trip_of_another_county(county, other_county, client_for):
    trip = log_trip(county)
    client = client_for(other_county.users[Role.PRINCIPAL])
    assert client.get(reverse("outreach:trip", args=[trip.pk])).status_code == 404


def test_trip_list_shows_the_year(county, client_for):
    log_trip(county, destination="宁波")
    page = client_for(county.users[Role.PRINCIPAL]).get(reverse("outreach:trips") + "?year=2026")
    assert "宁波" in page.content.decode()
    page = client_for(county.users[Role.PRINCIPAL]).get(reverse("outreach:trips") + "?year=2025")
    assert "宁波" not in page.content.decode()
    assert TODAY.year == 2026
