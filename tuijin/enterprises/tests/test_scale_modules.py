"""The module parts of ``tuijin seed --scale`` (enterprises, requests, outreach, drives,
discipline): realistic, valid and deterministic data that the product's own services and pages
keep working on."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Avg, Count, F, Max
from django.urls import reverse
from django.utils import timezone

from tuijin.appeals import services
from tuijin.appeals.models import Appeal, AppealEvent, EnterpriseAccount
from tuijin.core.roles import Role
from tuijin.core.scale import SCALE_SEEDERS, ScaleContext, reset_workdays
from tuijin.discipline.models import Meeting, ReceptionLog
from tuijin.drives.models import Campaign, TaskForceProject
from tuijin.enterprises.models import Enterprise, Pairing, Visit, VisitOpinion
from tuijin.enterprises.tests.factories import make_enterprise
from tuijin.enterprises.validators import credit_code_error
from tuijin.outreach.models import Lead, LeadStatus, OutreachTrip
from tuijin.projects.models import Project
from tuijin.testing import build_county

pytestmark = pytest.mark.django_db

MINE = (
    "企业、包联与走访",
    "企业诉求",
    "外出招商与项目线索",
    "集中推进行动与全年目标",
    "会议、请假与接待",
)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Every registered part at county scale, once for the module, rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        ctx = ScaleContext(scale="county", seed=11, today=timezone.localdate())
        reset_workdays()
        for _order, _label, part in list(SCALE_SEEDERS):
            part(ctx)
        yield ctx
        transaction.set_rollback(True)


def test_every_module_part_is_registered_after_the_projects():
    orders = {label: order for order, label, _ in SCALE_SEEDERS}
    assert [orders[label] for label in MINE] == [30, 40, 50, 60, 70]


def test_enterprises_have_valid_distinct_codes_and_a_realistic_registry(seeded):
    county = seeded.counties[0]
    enterprises = Enterprise.objects.filter(region=county)
    codes = list(enterprises.values_list("credit_code", flat=True))
    assert len(codes) == 1500 == len(set(codes))
    assert [c for c in codes if credit_code_error(c)] == []
    assert enterprises.filter(above_scale=True).count() == 300
    ranks = sorted(enterprises.exclude(top100_rank=None).values_list("top100_rank", flat=True))
    assert ranks == list(range(1, 101))
    assert enterprises.filter(struggling=True).exclude(struggling_reason="").count() == 40
    assert enterprises.filter(above_scale_year=seeded.today.year).exists()
    # Names are distinct in the county and can be found by their pinyin initials.
    assert enterprises.values("name").distinct().count() == 1500
    one = enterprises.order_by("id")[700]
    assert one in Enterprise.objects.search(one.pinyin_initials[:6])
    # Most above-scale enterprises are paired; the top 100 with county leaders, monthly.
    paired = Pairing.objects.filter(enterprise__region=county)
    above = enterprises.filter(above_scale=True).count()
    assert paired.values("enterprise").distinct().count() >= 0.85 * above
    top = paired.filter(enterprise__top100_rank__isnull=False)
    assert top.count() == 100
    assert not top.exclude(person__unit=None).exists()
    assert not top.exclude(frequency_days=Pairing.Frequency.MONTHLY).exists()
    visits = Visit.objects.filter(enterprise__region=county)
    assert 2000 <= visits.count() <= 3000
    assert visits.filter(visitors=None).count() == 0
    assert visits.aggregate(last=Max("visited_on"))["last"] <= seeded.today
    opinions = VisitOpinion.objects.filter(visit__enterprise__region=county).count()
    assert 1500 <= opinions <= 2600


def test_requests_walk_every_state_with_some_late_some_escalated_most_satisfied(seeded):
    county, today = seeded.counties[0], seeded.today
    appeals = Appeal.objects.filter(region=county)
    assert appeals.count() == 3000
    for year, top, count in appeals.values_list("year").annotate(Max("number"), Count("id")):
        assert top == count, f"{year}: numbers 1..N without gaps"
    statuses = Counter(appeals.values_list("status", flat=True))
    assert set(statuses) == set(Appeal.Status.values)
    assert statuses[Appeal.Status.RESOLVED] > 0.8 * 3000
    sources = Counter(appeals.values_list("source", flat=True))
    assert set(sources) == set(Appeal.Source.values)
    assert 300 <= sources[Appeal.Source.VISIT] <= 400
    assert appeals.filter(source=Appeal.Source.VISIT, visit_opinion=None).count() == 0
    hotline = appeals.filter(source=Appeal.Source.HOTLINE)
    assert hotline.filter(hotline_number="").count() == 0
    assert hotline.values("hotline_number").distinct().count() == hotline.count()
    overdue = appeals.filter(
        status__in=[Appeal.Status.DISPATCHED, Appeal.Status.ACCEPTED], resolve_due__lt=today
    )
    assert 0 < overdue.count() < 200
    escalated = appeals.filter(escalated=True)
    assert 0 < escalated.count() < 400
    assert not escalated.exclude(events__kind=AppealEvent.Kind.ESCALATED).exists()
    resolved = appeals.filter(status=Appeal.Status.RESOLVED)
    ratings = Counter(resolved.values_list("rating", flat=True))
    assert set(ratings) == {Appeal.Rating.SATISFIED, Appeal.Rating.BASIC}
    assert ratings[Appeal.Rating.SATISFIED] > 3 * ratings[Appeal.Rating.BASIC]
    assert resolved.filter(resolved_on=None).count() == 0
    assert appeals.filter(reopen_count=1).exists() and appeals.filter(extended=True).exists()
    late = resolved.filter(replied_on__gt=F("resolve_due"))
    assert 0.03 * resolved.count() < late.count() < 0.15 * resolved.count()
    # Every request starts with its registration; the portal is used by verified accounts only.
    received = AppealEvent.objects.filter(appeal__region=county, kind=AppealEvent.Kind.RECEIVED)
    assert received.values("appeal").distinct().count() == 3000
    assert not received.exclude(on_date=F("appeal__received_on")).exists()
    verified = EnterpriseAccount.objects.filter(enterprise__region=county, verified=True)
    portal = appeals.filter(source=Appeal.Source.PORTAL)
    assert portal.exclude(enterprise__in=verified.values("enterprise")).count() == 0
    assert EnterpriseAccount.objects.filter(verified=False).exists()


def test_leads_become_projects_of_the_projects_part_and_drives_own_major_ones(seeded):
    county = seeded.counties[0]
    project_ids = set(seeded.ids["projects"][county.pk])
    assert OutreachTrip.objects.filter(region=county).count() == 20
    assert OutreachTrip.objects.filter(region=county, leaders=None).count() == 0
    leads = Lead.objects.filter(region=county)
    assert leads.count() == 60
    assert set(leads.values_list("status", flat=True)) == set(LeadStatus.values)
    converted = leads.filter(status=LeadStatus.CONVERTED)
    linked = list(converted.values_list("project_id", flat=True))
    assert linked and None not in linked and len(set(linked)) == len(linked)
    assert set(linked) <= project_ids
    assert converted.filter(converted_on=None).count() == 0
    assert not leads.exclude(status=LeadStatus.CONVERTED).exclude(project=None).exists()

    today = seeded.today
    drives = Campaign.objects.filter(region=county)
    assert drives.count() == 2
    assert drives.filter(start_date__lte=today, end_date__gte=today).count() == 1
    owned = TaskForceProject.objects.filter(campaign__region=county)
    assert owned.exists()
    assert not Project.objects.filter(pk__in=owned.values("project"), is_major=False).exists()
    assert set(owned.values_list("project_id", flat=True)) <= project_ids
    running = drives.get(start_date__lte=today, end_date__gte=today)
    assert running.targets.count() >= 7 and running.task_forces.count() == 3
    assert running.targets.get(measure="custom").monthly_actuals.exists()


def test_discipline_register_follows_the_rule_and_reception_time_falls(seeded):
    county, today = seeded.counties[0], seeded.today
    meetings = Meeting.objects.filter(region=county)
    assert 50 <= meetings.count() <= 120
    restricted = meetings.filter(restricted=True)
    principal_ok = restricted.filter(convener__roles__role="主要领导")
    exceptions = restricted.exclude(pk__in=principal_ok.values("pk"))
    assert set(exceptions.values_list("status", flat=True)) == {
        Meeting.Status.APPROVED,
        Meeting.Status.REFUSED,
        Meeting.Status.PENDING,
    }
    assert meetings.filter(project__isnull=False).exists()
    logs = ReceptionLog.objects.filter(region=county)
    last_year = logs.filter(on_date__year=today.year - 1).aggregate(m=Avg("minutes"))["m"]
    this_year = logs.filter(on_date__year=today.year).aggregate(m=Avg("minutes"))["m"]
    assert this_year < last_year


def test_a_request_filed_after_seeding_takes_the_next_number(seeded):
    county, today = seeded.counties[0], seeded.today
    office = seeded.users["office"]
    enterprise = Enterprise.objects.filter(region=county).order_by("id").first()
    last = Appeal.objects.filter(region=county, year=today.year).aggregate(n=Max("number"))["n"]
    appeal = services.appeal_receive(
        acting_user=office,
        source=Appeal.Source.HOTLINE,
        hotline_number="NEW-20260001",
        enterprise=enterprise,
        kind=Appeal.Kind.HELP,
        topic=Appeal.Topic.LAND,
        title="新厂房用地报批咨询",
        text="企业拟新建厂房，请协调用地报批。",
    )
    assert (appeal.year, appeal.number) == (today.year, last + 1)
    persona = seeded.users["enterprise"]
    own = services.appeal_receive(
        acting_user=persona,
        source=Appeal.Source.PORTAL,
        kind=Appeal.Kind.CONSULT,
        topic=Appeal.Topic.POLICY,
        title="技改补助申报时间",
        text="想了解今年技改补助的申报时间。",
    )
    assert own.number == last + 2
    assert own.enterprise == persona.enterprise_account.enterprise
    # Rows seeded with their own ids leave the id sequences past them (PostgreSQL).
    host = enterprise.host_unit
    added = make_enterprise(county, host, 999_999_001, name="清溪新登记企业有限公司")
    visit = Visit.objects.create(enterprise=added, visited_on=today, situation="新登记企业首访")
    assert added.pk > enterprise.pk and visit.pk > 0


def test_the_enterprise_persona_sees_only_its_own_requests_on_the_portal(seeded, client):
    persona = seeded.users["enterprise"]
    account = EnterpriseAccount.objects.get(user=persona)
    assert account.verified and account.enterprise.region == seeded.counties[0]
    own = Appeal.objects.filter(enterprise=account.enterprise)
    assert own.count() >= 10
    assert len(set(own.values_list("status", flat=True))) >= 3
    other = (
        Appeal.objects.filter(region=account.enterprise.region)
        .exclude(enterprise=account.enterprise)
        .order_by("id")
        .first()
    )
    client.force_login(persona)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    page = response.content.decode()
    for appeal in own:
        assert appeal.code in page
    assert other.code not in page
    assert client.get(reverse("portal:detail", args=[other.pk])).status_code == 404


def _digest(region) -> str:
    """The county's enterprise codes and names, request numbers and their walk, its leads and
    reception time, in an order that ties nowhere."""
    h = hashlib.sha256()
    enterprises = Enterprise.objects.filter(region=region).order_by("credit_code")
    for row in enterprises.values_list("credit_code", "name"):
        h.update(repr(row).encode())
    appeals = Appeal.objects.filter(region=region).order_by("year", "number")
    for row in appeals.values_list(
        "year", "number", "status", "hotline_number", "enterprise__credit_code", "received_on"
    ):
        h.update(repr(row).encode())
    leads = Lead.objects.filter(region=region).order_by("title")
    h.update(repr(list(leads.values_list("title", "status"))).encode())
    h.update(repr(ReceptionLog.objects.filter(region=region).count()).encode())
    return h.hexdigest()


def _run_mine(county, seed: int) -> tuple[str, dict]:
    """My parts alone on a small hand-built county, rolled back: (digest, counts)."""
    with transaction.atomic():
        ctx = ScaleContext(scale="county", seed=seed, today=timezone.localdate())
        ctx.counties = [county.region]
        ctx.users = {"enterprise": county.users[Role.ENTERPRISE]}
        reset_workdays()
        for _order, label, part in SCALE_SEEDERS:
            if label in MINE:
                part(ctx)
        result = _digest(county.region), dict(ctx.counts)
        transaction.set_rollback(True)
    return result


def test_same_seed_gives_the_same_data_and_a_tiny_county_without_projects_copes():
    county = build_county(code="339977", name="云岭县", prefix="yl-")
    first, counts = _run_mine(county, 5)
    again, _ = _run_mine(county, 5)
    other, _ = _run_mine(county, 6)
    assert first == again
    assert other != first
    # Two townships, one department, no projects: everything still made, nothing linked.
    assert counts["企业"] == 1500 and counts["企业诉求"] == 3000
    assert counts["项目线索"] == 60 and counts["集中推进行动"] == 2
