"""Pairing (包联), visits (走访), coverage and the reminder sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuijin.core.models.notifications import Notification
from tuijin.core.roles import Role
from tuijin.enterprises.models import Pairing, Visit, VisitOpinion
from tuijin.enterprises.pairing import (
    State,
    coverage,
    pairing_create,
    pairing_sweep,
    tally,
    visit_record,
)
from tuijin.testing import PersonFactory

from .factories import make_enterprise

TODAY = dt.date(2026, 6, 15)
START = dt.date(2026, 1, 1)


@pytest.fixture
def setup(county):
    top = make_enterprise(
        county.region, county.township, 1, above_scale=True, top100_rank=3, top100_year=2025
    )
    above = make_enterprise(county.region, county.other_township, 2, above_scale=True)
    return county, top, above


def _visit(enterprise, person, on, **extra):
    return visit_record(
        enterprise,
        visitors=[person],
        visited_on=on,
        situation=extra.pop("situation", "生产正常"),
        today=TODAY,
        **extra,
    )


def test_default_frequencies(setup):
    county, top, above = setup
    leader = county.people[Role.LEADER]
    assert pairing_create(top, leader, started_on=START).frequency_days == 30
    assert pairing_create(above, leader, started_on=START).frequency_days == 90
    other = make_enterprise(county.region, county.township, 3)
    chosen = pairing_create(other, leader, started_on=START, frequency_days=30)
    assert chosen.frequency_days == 30


def test_duplicate_pairing_refused(setup):
    county, top, _ = setup
    leader = county.people[Role.LEADER]
    pairing_create(top, leader, started_on=START)
    with pytest.raises(ValidationError):
        pairing_create(top, leader, started_on=START)
    pairing_create(top, county.people[Role.PRINCIPAL], started_on=START)  # several per enterprise
    assert Pairing.objects.filter(enterprise=top).count() == 2


def test_pairing_with_another_countys_person_refused(setup, other_county):
    _, top, _ = setup
    with pytest.raises(ValidationError):
        pairing_create(top, other_county.people[Role.LEADER], started_on=START)


def _state(enterprise, person, today):
    [row] = [r for r in coverage(None, today) if r.pairing.enterprise_id == enterprise.pk]
    assert row.pairing.person_id == person.pk
    return row


def test_coverage_states_at_boundaries(setup):
    county, top, _ = setup
    leader = county.people[Role.LEADER]
    pairing_create(top, leader, started_on=START)
    assert _state(top, leader, TODAY).state == State.NEVER
    _visit(top, leader, dt.date(2026, 5, 16))  # monthly: due on 06-15
    row = _state(top, leader, TODAY)
    assert row.last_visit == dt.date(2026, 5, 16) and row.next_due == TODAY
    assert row.state == State.DUE
    assert _state(top, leader, TODAY + dt.timedelta(days=1)).state == State.OVERDUE
    assert _state(top, leader, TODAY - dt.timedelta(days=7)).state == State.DUE
    assert _state(top, leader, TODAY - dt.timedelta(days=8)).state == State.OK
    # A visit later than "today" does not count; a visit by someone else does not count.
    assert _state(top, leader, dt.date(2026, 5, 15)).state == State.NEVER
    _visit(top, county.people[Role.PRINCIPAL], TODAY)
    assert _state(top, leader, TODAY + dt.timedelta(days=1)).state == State.OVERDUE


def test_coverage_tallies_per_person_and_unit(setup):
    county, top, above = setup
    leader = county.people[Role.LEADER]
    staff = county.people["other_staff"]
    pairing_create(top, leader, started_on=START)
    pairing_create(above, staff, started_on=START)
    _visit(above, staff, dt.date(2026, 6, 1))
    rows = coverage(county.region, TODAY)
    units = {t.label: t for t in tally(rows, "unit")}
    assert units["县领导"].never == 1
    assert units[county.other_township.name].ok == 1


def test_visit_with_opinions(setup):
    county, top, _ = setup
    leader = county.people[Role.LEADER]
    visit = _visit(
        top,
        leader,
        TODAY,
        opinions=[("贷款难", "金融办对接"), ("", ""), ("道路破损", "")],
        measures="约定下月回访",
    )
    opinions = list(visit.opinions.values_list("text", "measure", "status"))
    assert opinions == [("贷款难", "金融办对接", "pending"), ("道路破损", "", "pending")]
    assert list(visit.visitors.all()) == [leader]


@pytest.mark.parametrize(
    "change",
    [
        {"visited_on": TODAY + dt.timedelta(days=1)},
        {"visitors": []},
        {"situation": "   "},
        {"opinions": [("意见", ""), ("", "只有措施")]},
    ],
)
def test_invalid_visit_saves_nothing(setup, change):
    county, top, _ = setup
    args = {
        "visitors": [county.people[Role.LEADER]],
        "visited_on": TODAY,
        "situation": "生产正常",
        "opinions": [("贷款难", "金融办对接")],
        "today": TODAY,
    }
    args.update(change)
    with pytest.raises(ValidationError):
        visit_record(top, **args)
    assert not Visit.objects.exists() and not VisitOpinion.objects.exists()


def test_sweep_reminds_once(setup):
    county, top, above = setup
    leader = county.people[Role.LEADER]
    pairing_create(top, leader, started_on=START)
    pairing_create(above, PersonFactory(unit=county.township), started_on=START)  # no account
    assert "1 条" in pairing_sweep(TODAY)
    assert "0 条" in pairing_sweep(TODAY)
    assert Notification.objects.filter(recipient=leader.user).count() == 1
    _visit(top, leader, dt.date(2026, 5, 16))  # a new due date: reminded again once
    pairing_sweep(TODAY)
    pairing_sweep(TODAY)
    assert Notification.objects.filter(recipient=leader.user).count() == 2


def test_sweep_message_and_queries_whatever_the_number_of_pairings(setup):
    county, top, above = setup
    leader = county.people[Role.LEADER]
    pairing_create(top, leader, started_on=START)  # never visited: due since 2026-01-31
    with CaptureQueriesContext(connection) as one:
        assert pairing_sweep(TODAY) == "包联走访：发送走访提醒 1 条"
    (note,) = Notification.objects.filter(recipient=leader.user)
    assert note.title == f"走访提醒：{top.name}"
    assert note.body == "从未走访，应于 2026-01-31 前走访（每月）。"
    assert note.url == f"/enterprises/visits/new/?enterprise={top.pk}"
    assert Pairing.objects.get(enterprise=top).reminded_for == dt.date(2026, 1, 31)
    others = [make_enterprise(county.region, county.township, 10 + i) for i in range(4)]
    for enterprise in others:
        pairing_create(enterprise, leader, started_on=START)
    _visit(others[0], leader, dt.date(2026, 6, 1))  # next due 2026-08-30: not due yet
    with CaptureQueriesContext(connection) as many:
        assert pairing_sweep(TODAY) == "包联走访：发送走访提醒 3 条"
    assert len(many) == len(one)


# Pages and scope -------------------------------------------------------------


def test_pages_for_leader(setup, client_for):
    county, top, _ = setup
    leader = county.people[Role.LEADER]
    pairing_create(top, leader, started_on=START)
    client = client_for(county.users[Role.LEADER])
    page = client.get("/enterprises/pairings/")
    assert page.status_code == 200 and top.name in page.content.decode()
    form = client.get(f"/enterprises/visits/new/?enterprise={top.pk}").content.decode()
    assert f'value="{dt.date.today().isoformat()}"' in form  # a date input's own format
    response = client.post(
        "/enterprises/visits/new/",
        {
            "enterprise": top.pk,
            "visited_on": dt.date.today().isoformat(),
            "visitors": [leader.pk],
            "situation": "订单饱满",
            "opinion_1": "希望增加贷款",
            "measure_1": "金融办对接",
            "opinion_2": "用地指标",
        },
    )
    assert response.status_code == 302
    assert VisitOpinion.objects.filter(visit__enterprise=top).count() == 2
    page = client.get(f"/enterprises/{top.pk}/visits/").content.decode()
    assert "希望增加贷款" in page and "自动转为一件企业诉求" in page


def test_invalid_post_shows_errors_and_saves_nothing(setup, client_for):
    county, top, _ = setup
    client = client_for(county.users[Role.LEADER])
    response = client.post(
        "/enterprises/visits/new/",
        {"enterprise": top.pk, "visited_on": "2099-01-01", "situation": ""},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "走访日期不能晚于今天" in body and "请填写企业情况" in body
    assert not Visit.objects.exists()


def test_scope_of_pages(setup, other_county, client_for):
    county, top, above = setup  # top in 城关镇, above in 河口镇
    foreign = make_enterprise(other_county.region, other_county.township, 9)
    staff = client_for(county.users[Role.UNIT_STAFF])  # 城关镇
    assert staff.get(f"/enterprises/{top.pk}/visits/").status_code == 200
    assert staff.get(f"/enterprises/{above.pk}/visits/").status_code == 404
    assert staff.get(f"/enterprises/visits/new/?enterprise={above.pk}").status_code == 404
    leader = client_for(county.users[Role.LEADER])
    assert leader.get(f"/enterprises/{foreign.pk}/visits/").status_code == 404
    assert leader.get(f"/enterprises/visits/new/?enterprise={foreign.pk}").status_code == 404
    assert leader.get("/enterprises/coverage/").status_code == 403
    for role in (Role.ENTERPRISE, Role.BANK):
        client = client_for(county.users[role])
        for url in (
            "/enterprises/pairings/",
            f"/enterprises/{top.pk}/visits/",
            "/enterprises/visits/new/",
            "/enterprises/coverage/",
        ):
            assert client.get(url).status_code == 403, (role, url)


def test_paired_person_sees_enterprise_outside_their_unit(setup, client_for):
    county, _, above = setup  # above is in 河口镇; the 城关镇 liaison is paired with it
    pairing_create(above, county.people[Role.UNIT_STAFF], started_on=START)
    staff = client_for(county.users[Role.UNIT_STAFF])
    assert staff.get(f"/enterprises/{above.pk}/visits/").status_code == 200


def test_coverage_page_scope_and_drilldown(setup, other_county, client_for):
    county, top, _ = setup
    pairing_create(top, county.people[Role.LEADER], started_on=START)
    foreign = make_enterprise(other_county.region, other_county.township, 9)
    pairing_create(foreign, other_county.people[Role.LEADER], started_on=START)
    client = client_for(county.users[Role.PROJECT_OFFICE])
    body = client.get("/enterprises/coverage/").content.decode()
    assert county.people[Role.LEADER].name in body
    assert other_county.people[Role.LEADER].name not in body
    assert "不按走访次数计分" in body
    detail = client.get("/enterprises/coverage/?unit=县领导&state=never").content.decode()
    assert top.name in detail


def _pairings(county, n, offset):
    for i in range(n):
        enterprise = make_enterprise(county.region, county.township, offset + i)
        person = PersonFactory(unit=county.township if i % 2 else None, region=county.region)
        pairing_create(enterprise, person, started_on=START)
        if i % 3:
            _visit(enterprise, person, dt.date(2026, 6, 1))


def _coverage_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/enterprises/coverage/").status_code == 200
    return len(queries)


def test_coverage_page_queries_fixed(county, client_for):
    client = client_for(county.users[Role.PRINCIPAL])
    _pairings(county, 3, 100)
    few = _coverage_queries(client)
    _pairings(county, 27, 200)
    assert _coverage_queries(client) == few


def test_api_pairings_and_visits_are_scoped(setup, other_county, client_for):
    county, top, above = setup  # top in 城关镇, above in 河口镇
    staff_person = county.people[Role.UNIT_STAFF]
    pairing_create(top, staff_person, started_on=START)
    pairing_create(above, county.people["other_staff"], started_on=START)
    visit = visit_record(
        top,
        visitors=[staff_person],
        visited_on=dt.date.today(),
        situation="生产正常",
        opinions=[("希望协调用地指标", "")],
    )
    staff = client_for(county.users[Role.UNIT_STAFF])  # 城关镇
    pairings = staff.get("/api/pairings/").json()["results"]
    assert [(p["enterprise_name"], p["person_name"]) for p in pairings] == [
        (top.name, staff_person.name)
    ]
    assert pairings[0]["last_visit"] == dt.date.today().isoformat()
    assert pairings[0]["state"] == State.OK
    visits = staff.get("/api/visits/").json()["results"]
    assert [v["id"] for v in visits] == [visit.pk]
    assert visits[0]["opinions"][0]["text"] == "希望协调用地指标"
    assert visits[0]["visitor_names"] == [staff_person.name]
    # Another county's official and an enterprise see none of it.
    other = client_for(other_county.users[Role.PRINCIPAL])
    assert other.get("/api/pairings/").json()["results"] == []
    assert other.get(f"/api/visits/{visit.pk}/").status_code == 404
    assert client_for(county.users[Role.ENTERPRISE]).get("/api/visits/").status_code == 403


def test_project_office_pairs_and_ends_a_pairing_from_the_page(setup, client_for):
    county, top, _ = setup  # top is a top-100 enterprise: monthly by default
    leader = county.people[Role.LEADER]
    office = client_for(county.users[Role.PROJECT_OFFICE])
    page = office.get(f"/enterprises/{top.pk}/visits/").content.decode()
    assert 'data-testid="pairing-form"' in page and leader.name in page
    response = office.post(
        f"/enterprises/{top.pk}/pairings/new/",
        {"person": leader.pk, "frequency_days": "", "started_on": "2026-11-02"},
        follow=True,
    )
    pairing = Pairing.objects.get(enterprise=top, person=leader)
    assert (pairing.active, pairing.frequency_days) == (True, Pairing.Frequency.MONTHLY)
    assert f"已安排{leader.name}包联，每月走访" in response.content.decode()
    again = office.post(
        f"/enterprises/{top.pk}/pairings/new/",
        {"person": leader.pk, "started_on": "2026-11-03"},
        follow=True,
    )
    assert f"{leader.name} 已包联该企业" in again.content.decode()
    assert Pairing.objects.filter(enterprise=top).count() == 1
    office.post(f"/enterprises/pairings/{pairing.pk}/end/")
    pairing.refresh_from_db()
    assert pairing.active is False
    assert leader.name not in [r.pairing.person.name for r in coverage(county.region, TODAY)]
    # Taken up again later: the same pairing, active from the new date.
    office.post(
        f"/enterprises/{top.pk}/pairings/new/",
        {"person": leader.pk, "frequency_days": "90", "started_on": "2026-11-20"},
    )
    pairing.refresh_from_db()
    assert (pairing.active, pairing.frequency_days, pairing.started_on) == (
        True,
        90,
        dt.date(2026, 11, 20),
    )


def test_only_the_project_office_arranges_pairings(setup, client_for):
    county, top, _ = setup
    leader = county.people[Role.LEADER]
    staff = client_for(county.users[Role.UNIT_STAFF])  # 城关镇 sees top, may not pair
    assert (
        'data-testid="pairing-form"'
        not in staff.get(f"/enterprises/{top.pk}/visits/").content.decode()
    )
    response = staff.post(
        f"/enterprises/{top.pk}/pairings/new/", {"person": leader.pk, "started_on": "2026-11-02"}
    )
    assert response.status_code == 403
    assert not Pairing.objects.filter(enterprise=top).exists()
