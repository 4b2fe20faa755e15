"""Reports: trips and leads per leader, the funnel lead → project → signed → started; and the
demo's year of outreach."""

import datetime as dt
import json
import random
from decimal import Decimal

import pytest
from django.urls import reverse

from tuijin.core.menu import MENU
from tuijin.core.roles import Role
from tuijin.outreach import services
from tuijin.outreach.demo import seed_outreach
from tuijin.outreach.models import Lead, LeadStatus, OutreachTrip
from tuijin.projects.services import stage_propose

from .conftest import log_trip, make_lead

pytestmark = pytest.mark.django_db


def test_report_counts_per_leader_and_the_funnel(county, second_leader, client_for):
    office = county.users[Role.PROJECT_OFFICE]
    log_trip(county)
    log_trip(county, leaders=[county.people[Role.LEADER], second_leader], user=office)
    signed = make_lead(county)
    started = make_lead(county, title="远航物流园", company="远航物流集团有限公司")
    make_lead(county, title="博雅文旅小镇", company="博雅文旅发展有限公司")
    make_lead(county, owner=second_leader, user=office, title="绿源环保", company="绿源环保科技")
    for lead in (signed, started):
        project = services.lead_convert(lead, acting_user=office, today=dt.date(2026, 9, 5))
        stage_propose(
            project,
            "signed",
            dt.date(2026, 9, 20),
            acting_user=office,
            contract_amount=Decimal("20000"),
            today=dt.date(2026, 10, 16),
        )
    stage_propose(
        Lead.objects.get(pk=started.pk).project,
        "started",
        dt.date(2026, 10, 10),
        acting_user=office,
        today=dt.date(2026, 10, 16),
    )
    page = client_for(county.users[Role.PRINCIPAL]).get(reverse("outreach:reports") + "?year=2026")
    text = page.content.decode()
    data = json.loads(text.split('id="outreach-data" type="application/json">')[1].split("<")[0])
    assert data["funnel"] == [
        {"name": "项目线索", "value": 4},
        {"name": "转为项目", "value": 2},
        {"name": "签约", "value": 2},
        {"name": "开工", "value": 1},
    ]
    lines = page.context["lines"]
    first = next(line for line in lines if line.person == county.people[Role.LEADER])
    assert (first.trips, first.days, first.leads, first.converted, first.started) == (
        2,
        2.0,
        3,
        2,
        1,
    )
    second = next(line for line in lines if line.person == second_leader)
    assert (second.trips, second.leads, second.converted) == (1, 1, 0)
    assert "outreach/reports.js" in text and "vendor/echarts/echarts.min.js" in text
    # A county leader's report is their own.
    own = client_for(second_leader.user).get(reverse("outreach:reports") + "?year=2026")
    assert [line.person for line in own.context["lines"]] == [second_leader]
    assert own.context["stages"][0]["value"] == 1


def test_menu_entries():
    entries = {e.url_name: e for e in MENU if e.url_name.startswith("outreach:")}
    assert entries["outreach:trips"].label == "外出招商"
    assert entries["outreach:leads"].label == "项目线索"
    assert entries["outreach:project-days"].label == "项目日"
    assert Role.LEADER in entries["outreach:leads"].roles
    assert Role.UNIT_STAFF not in entries["outreach:trips"].roles


def test_demo_year_of_outreach(county, second_leader):
    today = dt.date(2026, 10, 16)
    seed_outreach(county.region, random.Random(7), today=today)
    trips = OutreachTrip.objects.filter(region=county.region)
    assert trips.filter(leaders=county.people[Role.LEADER]).count() >= 6
    assert trips.order_by("start_date").first().start_date < today - dt.timedelta(days=300)
    leads = Lead.objects.filter(region=county.region)
    assert leads.count() == 40
    assert set(leads.values_list("status", flat=True)) == set(LeadStatus.values)
    converted = leads.exclude(project=None)
    assert converted.count() == 13
    assert converted.filter(project__signed_on__isnull=False).count() >= 6
    assert converted.filter(project__actual_start__isnull=False).count() >= 3
    assert all(lead.events.filter(kind="converted").exists() for lead in converted)
