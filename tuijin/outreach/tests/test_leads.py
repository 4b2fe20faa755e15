"""Project leads: their own timeline, conversion into a negotiating project that keeps the
lead's history and source, and the rule that county leaders do not see each other's leads."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tuijin.core.models import Notification
from tuijin.core.roles import Role
from tuijin.outreach import services
from tuijin.outreach.models import Lead, LeadEvent, LeadStatus
from tuijin.projects.models import Milestone, Project, Stage

from .conftest import log_trip, make_lead

pytestmark = pytest.mark.django_db


def test_stage_changes_go_into_the_lead_timeline(county):
    lead = make_lead(county)
    services.lead_update(
        lead,
        acting_user=county.users[Role.LEADER],
        status=LeadStatus.TALKING,
        next_step="商谈投资协议文本",
        next_date=dt.date(2026, 9, 30),
        note="企业来县考察",
        on_date=dt.date(2026, 9, 10),
    )
    kinds = list(lead.events.values_list("kind", "from_status", "to_status", "on_date"))
    assert kinds == [
        ("created", "", "contact", dt.date(2026, 9, 1)),
        ("stage", "contact", "talking", dt.date(2026, 9, 10)),
        ("next", "", "", dt.date(2026, 9, 10)),
    ]
    with pytest.raises(services.OutreachRuleError, match="没有需要保存的变化"):
        services.lead_update(
            lead,
            acting_user=county.users[Role.LEADER],
            status=LeadStatus.TALKING,
            next_step="商谈投资协议文本",
            next_date=dt.date(2026, 9, 30),
        )
    with pytest.raises(services.OutreachRuleError, match="转为项目"):
        services.lead_update(
            lead,
            acting_user=county.users[Role.LEADER],
            status=LeadStatus.CONVERTED,
            next_step="",
            next_date=None,
        )
    assert LeadEvent.objects.filter(lead=lead).count() == 3


def test_conversion_keeps_history_and_source(county, client_for):
    trip = log_trip(county)
    lead = make_lead(county, trip=trip, created_on=dt.date(2026, 10, 12))
    services.lead_update(
        lead,
        acting_user=county.users[Role.LEADER],
        status=LeadStatus.INTENT,
        next_step="报县政府常务会议研究",
        next_date=None,
        on_date=dt.date(2026, 10, 14),
    )
    client = client_for(county.users[Role.LEADER])
    response = client.post(
        reverse("outreach:lead-convert", args=[lead.pk]),
        {"name": "华锐智能装备生产基地", "total_investment": "25000"},
    )
    project = Project.objects.get(name="华锐智能装备生产基地")
    assert response["Location"] == reverse("projects:detail", args=[project.pk])
    assert project.stage == Stage.NEGOTIATING
    assert project.investor_name == "华锐智能装备股份有限公司"
    assert project.contact_leader == county.people[Role.LEADER]
    assert project.total_investment == Decimal("25000")
    assert Milestone.objects.filter(project=project).exists()
    page = client.get(response["Location"]).content.decode()
    assert "来源：项目线索「华锐智能装备生产基地」" in page
    assert "外出招商：2026-10-12 赴杭州" in page
    # The project page's 项目来源 panel links the lead, whose timeline holds the history.
    assert 'data-testid="project-source"' in page
    assert f'href="{reverse("outreach:lead", args=[lead.pk])}"' in page

    lead.refresh_from_db()
    assert (lead.status, lead.project, lead.converted_on) == (
        LeadStatus.CONVERTED,
        project,
        dt.date.today(),
    )
    assert list(lead.events.values_list("kind", flat=True)) == [
        "created",
        "stage",
        "next",
        "converted",
    ]
    lead_page = client.get(reverse("outreach:lead", args=[lead.pk])).content.decode()
    assert (
        "初步接洽 → 达成意向" in lead_page and "转为在谈项目「华锐智能装备生产基地」" in lead_page
    )
    assert reverse("projects:detail", args=[project.pk]) in lead_page
    assert "在谈" in lead_page

    again = client.post(
        reverse("outreach:lead-convert", args=[lead.pk]),
        {"name": "另一个名称", "total_investment": "1"},
    )
    assert again.status_code == 302
    assert Project.objects.count() == 1
    assert "不能重复转化" in client.get(again["Location"]).content.decode()


def test_conversion_by_the_office_tells_the_owner(county):
    lead = make_lead(county)
    services.lead_convert(lead, acting_user=county.users[Role.PROJECT_OFFICE])
    note = Notification.objects.get(recipient=county.users[Role.LEADER])
    assert "华锐智能装备生产基地" in note.title


def test_conversion_refuses_a_name_taken(county):
    Project.objects.create(region=county.region, name="华锐智能装备生产基地", total_investment=1)
    lead = make_lead(county)
    with pytest.raises(services.OutreachRuleError, match="已有名为"):
        services.lead_convert(lead, acting_user=county.users[Role.LEADER])
    lead.refresh_from_db()
    assert lead.project is None and lead.status == LeadStatus.CONTACT
    assert Project.objects.count() == 1


def test_leaders_do_not_see_each_others_leads(county, second_leader, client_for):
    lead = make_lead(county)
    other = client_for(second_leader.user)
    assert other.get(reverse("outreach:lead", args=[lead.pk])).status_code == 404
    assert "华锐" not in other.get(reverse("outreach:leads")).content.decode()
    assert other.get("/api/leads/").json()["count"] == 0
    assert (
        other.post(
            reverse("outreach:lead-convert", args=[lead.pk]),
            {"name": "x", "total_investment": "1"},
        ).status_code
        == 404
    )
    for role in (Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE):
        client = client_for(county.users[role])
        assert client.get(reverse("outreach:lead", args=[lead.pk])).status_code == 200
        assert "华锐智能装备生产基地" in client.get(reverse("outreach:leads")).content.decode()
    assert (
        client_for(county.users[Role.UNIT_STAFF]).get(reverse("outreach:leads")).status_code == 403
    )
    assert client_for(county.users[Role.SUPERVISION]).get("/api/leads/").status_code == 403


def test_a_leader_cannot_give_a_lead_to_another_leader(county, second_leader):
    with pytest.raises(services.OutreachRuleError, match="负责县领导"):
        make_lead(county, owner=second_leader)
    lead = make_lead(county, owner=second_leader, user=county.users[Role.PRINCIPAL])
    assert lead.owner == second_leader


def test_lead_form_refuses_bad_input(county, client_for):
    client = client_for(county.users[Role.LEADER])
    response = client.post(
        reverse("outreach:lead-create"),
        {
            "title": "",
            "company": "远航物流",
            "status": "contact",
            "owner": county.people[Role.LEADER].pk,
        },
    )
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()
    response = client.post(
        reverse("outreach:lead-create"),
        {
            "title": "远航物流园",
            "company": "远航物流集团有限公司",
            "status": "contact",
            "intended_investment": "-5",
            "owner": county.people[Role.LEADER].pk,
        },
    )
    assert response.status_code == 400
    assert not Lead.objects.exists()
    response = client.post(
        reverse("outreach:lead-create"),
        {
            "title": "远航物流园",
            "company": "远航物流集团有限公司",
            "status": "talking",
            "owner": county.people[Role.LEADER].pk,
            "source": "商会推介",
        },
    )
    lead = Lead.objects.get()
    assert response["Location"] == reverse("outreach:lead", args=[lead.pk])
    assert lead.source_text == "商会推介" and lead.status == LeadStatus.TALKING


def test_lead_list_filters_by_stage(county, client_for):
    make_lead(county)
    talking = make_lead(county, title="远航物流园", company="远航物流集团有限公司")
    services.lead_update(
        talking,
        acting_user=county.users[Role.LEADER],
        status=LeadStatus.TALKING,
        next_step="再谈",
        next_date=None,
        on_date=dt.date(2026, 9, 2),
    )
    client = client_for(county.users[Role.PRINCIPAL])
    page = client.get(reverse("outreach:leads") + "?status=talking").content.decode()
    assert "远航物流园" in page and "华锐智能装备生产基地" not in page
    page = client.get(reverse("outreach:leads") + "?status=open").content.decode()
    assert "远航物流园" in page and "华锐智能装备生产基地" in page


def test_lead_api_gives_source_project_and_timeline(county, client_for):
    trip = log_trip(county)
    lead = make_lead(county, trip=trip)
    project = services.lead_convert(lead, acting_user=county.users[Role.LEADER])
    data = client_for(county.users[Role.PROJECT_OFFICE]).get("/api/leads/").json()
    (row,) = data["results"]
    assert row["project"] == project.pk and row["project_stage"] == "negotiating"
    assert row["source_text"].startswith("外出招商：")
    assert [e["kind"] for e in row["events"]] == ["created", "converted"]
    trips = client_for(county.users[Role.LEADER]).get("/api/trips/").json()
    assert trips["results"][0]["leader_names"] == [county.people[Role.LEADER].name]
    assert trips["results"][0]["days"] == 1.0
