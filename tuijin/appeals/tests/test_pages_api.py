"""Pages and API of the request pool: scope per role, the action forms, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tuijin.appeals.models import Appeal, AppealEvent, DeadlineRule
from tuijin.core.roles import Role
from tuijin.enterprises.models import Visit, VisitOpinion

from .conftest import dispatched, receive, replied

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def pool(world):
    """One request dispatched to 城关镇 (paired enterprise), one to 河口镇 (the other)."""
    own = dispatched(world, title="城关镇用电报装")
    other = receive(world, enterprise=world.other, title="河口食品排污许可")
    from tuijin.appeals import services

    services.appeal_dispatch(world.office, other, world.county.other_township)
    return {"own": own, "other": other}


def listed(client, url="appeals:list", **params) -> str:
    response = client.get(reverse(url), params)
    assert response.status_code == 200
    return response.content.decode()


def test_office_sees_the_pool_with_counters(world, pool, client_for):
    page = listed(client_for(world.office))
    assert "城关镇用电报装" in page and "河口食品排污许可" in page
    assert '待签收 <span class="badge text-bg-light">2</span>' in page
    assert "待回访" in page


def test_unit_sees_only_requests_dispatched_to_it(world, pool, client_for):
    client = client_for(world.township_staff)
    page = listed(client)
    assert "城关镇用电报装" in page and "河口食品排污许可" not in page
    assert client.get(reverse("appeals:detail", args=[pool["other"].pk])).status_code == 404


def test_co_unit_sees_the_request_too(world, pool, client_for):
    pool["own"].co_units.add(world.county.other_township)
    page = listed(client_for(world.county.users["other_staff"]))
    assert "城关镇用电报装" in page and "河口食品排污许可" in page


def test_leader_sees_only_paired_enterprises(world, pool, client_for):
    page = listed(client_for(world.county.users[Role.LEADER]))
    assert "城关镇用电报装" in page and "河口食品排污许可" not in page


def test_enterprise_sees_only_its_own(world, pool, client_for):
    client = client_for(world.other_account)
    page = client.get(reverse("appeals:list"), follow=True).content.decode()  # on the portal
    assert "河口食品排污许可" in page and "城关镇用电报装" not in page
    assert client.get(reverse("appeals:detail", args=[pool["own"].pk])).status_code == 404


def test_other_county_gets_404(world, pool, other_county, client_for):
    client = client_for(other_county.users[Role.PROJECT_OFFICE])
    assert client.get(reverse("appeals:detail", args=[pool["own"].pk])).status_code == 404
    assert "城关镇用电报装" not in listed(client)
    api = client.get(f"/api/appeals/{pool['own'].pk}/")
    assert api.status_code == 404


def test_filters_and_search(world, pool, client_for):
    client = client_for(world.office)
    page = listed(client, unit=world.county.other_township.pk)
    assert "河口食品排污许可" in page and "城关镇用电报装" not in page
    page = listed(client, q="排污")
    assert "河口食品排污许可" in page and "城关镇用电报装" not in page
    page = listed(client, overdue="on")  # dispatched 2026-09-30: long overdue today
    assert "城关镇用电报装" in page


def test_intake_form_registers_and_refuses_bad_files(world, client_for):
    client = client_for(world.office)
    data = {
        "source": "leader",
        "enterprise": world.own.pk,
        "kind": "help",
        "topic": "financing",
        "urgency": "normal",
        "title": "流动资金贷款到期续贷难",
        "text": "一笔 500 万元流动资金贷款下月到期，银行要求先还后贷，请协调过桥资金。",
    }
    bad = client.post(
        reverse("appeals:create"),
        {**data, "files": SimpleUploadedFile("a.html", b"<script>")},
    )
    assert bad.status_code == 400
    assert "类型不支持" in bad.content.decode()
    assert Appeal.objects.count() == 0
    ok = client.post(reverse("appeals:create"), data)
    appeal = Appeal.objects.get()
    assert ok.status_code == 302 and ok.url == reverse("appeals:detail", args=[appeal.pk])
    assert appeal.enterprise == world.own and appeal.source == "leader"


def test_enterprise_search_options(world, client_for):
    client = client_for(world.office)
    response = client.get(reverse("appeals:enterprise-options"), {"enterprise_q": "精密"})
    assert "清溪精密机械有限公司" in response.content.decode()
    assert "河口食品" not in response.content.decode()


def test_office_converts_a_visit_opinion(world, client_for):
    visit = Visit.objects.create(enterprise=world.own, visited_on=D(2026, 9, 22), situation="正常")
    opinion = VisitOpinion.objects.create(visit=visit, text="厂区门口道路破损，货车进出困难")
    client = client_for(world.office)
    assert "厂区门口道路破损" in listed(client, "appeals:create")
    response = client.post(
        reverse("appeals:convert-opinion", args=[opinion.pk]),
        {"kind": "help", "topic": "infrastructure", "urgency": "normal"},
    )
    appeal = Appeal.objects.get(visit_opinion=opinion)
    assert response.url == reverse("appeals:detail", args=[appeal.pk])
    assert "厂区门口道路破损" not in listed(client, "appeals:create")


def test_detail_shows_dues_timeline_and_the_unit_forms(world, pool, client_for):
    client = client_for(world.township_staff)
    page = client.get(reverse("appeals:detail", args=[pool["own"].pk])).content.decode()
    assert "签收期限" in page and "逾期" in page
    assert "县发展和改革局" in page  # co-unit
    assert "签收</button>" in page.replace('<i class="bi bi-pen"></i> ', "")
    assert f'action="/appeals/{pool["own"].pk}/dispatch/"' not in page


def test_unit_accepts_and_replies_through_the_pages(world, pool, client_for):
    client = client_for(world.township_staff)
    appeal = pool["own"]
    client.post(reverse("appeals:accept", args=[appeal.pk]))
    response = client.post(
        reverse("appeals:reply", args=[appeal.pk]),
        {"text": "已协调供电公司完成接电", "files": SimpleUploadedFile("接电单.pdf", b"%PDF-1.4")},
        follow=True,
    )
    assert "已答复，等待企业评价" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REPLIED
    attached = appeal.attachments.get()
    download = client.get(reverse("appeals:file", args=[attached.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    outsider = client_for(world.county.users["other_staff"])
    assert outsider.get(reverse("appeals:file", args=[attached.pk])).status_code == 404


def test_reply_after_resolve_shows_the_message(world, client_for):
    appeal = replied(world)
    client_for(world.own_account).post(
        reverse("appeals:rate", args=[appeal.pk]), {"rating": "satisfied"}
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.RESOLVED
    client = client_for(world.township_staff)
    response = client.post(
        reverse("appeals:reply", args=[appeal.pk]), {"text": "再答复"}, follow=True
    )
    assert "诉求已办结，不能再答复" in response.content.decode()
    assert appeal.events.filter(kind=AppealEvent.Kind.REPLIED).count() == 1


def test_follow_up_tab_lists_unrated_replies(world, client_for):
    appeal = replied(world, on=D(2026, 10, 9))
    page = listed(client_for(world.office), tab="follow_up")
    assert appeal.code in page


def test_deadline_rules_page(world, client_for):
    client = client_for(world.office)
    page = listed(client, "appeals:deadlines")
    assert "投诉" in page and 'value="15"' in page
    fields = {}
    for kind in Appeal.Kind.values:
        for urgency, days in (("normal", (1, 3, 15)), ("urgent", (0, 0, 1))):
            for part, value in zip(
                ("accept_days", "reply_days", "resolve_days"), days, strict=True
            ):
                fields[f"{kind}__{urgency}__{part}"] = value
    bad = dict(fields, help__normal__reply_days=0, help__normal__accept_days=2)
    response = client.post(reverse("appeals:deadlines"), bad)
    assert "签收 ≤ 首次答复 ≤ 办结" in response.content.decode()
    assert DeadlineRule.objects.count() == 0
    response = client.post(reverse("appeals:deadlines"), fields)
    assert response.status_code == 302
    rules = DeadlineRule.objects.all()
    # 咨询/求助 went from 5 to 15 working days to resolve; the others were the defaults.
    assert sorted((r.kind, r.resolve_days) for r in rules) == [("consult", 15), ("help", 15)]
    unit_client = client_for(world.township_staff)
    assert unit_client.get(reverse("appeals:deadlines")).status_code == 403


def test_api_lists_within_scope_with_fields(world, pool, client_for):
    data = client_for(world.township_staff).get("/api/appeals/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert [r["title"] for r in rows] == ["城关镇用电报装"]
    row = rows[0]
    assert row["code"] == pool["own"].code
    assert row["status_display"] == "待签收"
    assert row["lead_unit_name"] == "城关镇"
    assert row["resolve_due"] == "2026-10-13"
    assert row["reopen_count"] == 0
    events = client_for(world.township_staff).get("/api/appeal-events/").json()
    events = events["results"] if isinstance(events, dict) else events
    assert {e["appeal"] for e in events} == {pool["own"].pk}


def test_api_rating_by_owner_and_by_another_enterprise(world, client_for):
    appeal = replied(world)
    other = client_for(world.other_account).post(
        f"/api/appeals/{appeal.pk}/rate/", {"rating": "unsatisfied"}
    )
    assert other.status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REPLIED and appeal.reopen_count == 0
    owner = client_for(world.own_account)
    bad = owner.post(f"/api/appeals/{appeal.pk}/rate/", {"rating": "great"})
    assert bad.status_code == 400 and set(bad.json()) >= {"error", "message"}
    ok = owner.post(
        f"/api/appeals/{appeal.pk}/rate/", {"rating": "unsatisfied", "comment": "未解决"}
    )
    assert ok.status_code == 200
    assert ok.json()["reopen_count"] == 1 and ok.json()["status_display"] == "办理中"
