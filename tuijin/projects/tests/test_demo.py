"""The demo county's projects: enough of every stage and light, numbers that add up.

The county is seeded once for the module (inside a transaction rolled back at the end) since
seeding takes seconds; each test reads it. The seeding time is printed, never asserted: speed
is measured by ``tuijin bench``.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import transaction

from tuijin.core.demo import DEMO_REGION_CODE, seed_demo
from tuijin.core.models import Region, User
from tuijin.projects import services
from tuijin.projects.models import (
    AnnualPlan,
    Light,
    Milestone,
    Problem,
    ProgressReport,
    Project,
    ProjectPerson,
    SiteCheck,
    Stage,
    StageChange,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county, seeded once for the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        started = time.perf_counter()
        created = seed_demo()
        elapsed = time.perf_counter() - started
        print(f"\nseed_demo() took {elapsed:.2f} s")
        region = Region.objects.get(code=DEMO_REGION_CODE)
        yield {"created": created, "region": region, "seconds": elapsed}
        transaction.set_rollback(True)


@pytest.fixture
def projects(demo):
    return Project.objects.filter(region=demo["region"])


def test_about_three_hundred_projects_in_every_stage(demo, projects):
    assert demo["created"] is True
    assert 250 <= projects.count() <= 350
    stages = Counter(projects.values_list("stage", flat=True))
    assert set(stages) == set(Stage.values)
    total = sum(stages.values())
    assert 0.45 <= stages[Stage.STARTED] / total <= 0.65
    # Dropped projects carry their reason; signed ones their date and contract amount.
    assert not projects.filter(stage=Stage.DROPPED, dropped_reason="").exists()
    signed = projects.filter(stage=Stage.SIGNED)
    assert not signed.filter(signed_on=None).exists()
    assert not signed.filter(contract_amount=None).exists()
    started = projects.filter(stage=Stage.STARTED)
    assert not started.filter(actual_start=None).exists()
    assert not started.filter(planned_start=None).exists()
    assert started.filter(registered_in_stats=False).exists()
    assert started.filter(registered_in_stats=True).count() > started.count() * 0.8


def test_registry_fields_look_real(projects):
    codes = list(projects.exclude(code=None).values_list("code", flat=True))
    assert 0.35 <= len(codes) / projects.count() <= 0.65
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[0-9A-Za-z-]{24}", code) for code in codes)
    levels = Counter(projects.values_list("level", flat=True))
    assert 0.05 <= levels["province"] / projects.count() <= 0.15
    assert 0.2 <= levels["city"] / projects.count() <= 0.3
    assert 0.05 <= projects.filter(is_major=True).count() / projects.count() <= 0.15
    amounts = list(projects.values_list("total_investment", flat=True))
    assert min(amounts) >= 500 and max(amounts) <= 200000
    assert all(isinstance(a, Decimal) for a in amounts)
    assert not projects.filter(host_unit=None).exists()
    assert not projects.filter(lead_department=None).exists()
    assert not projects.filter(contact_leader=None).exists()
    assert projects.filter(category="industry").exists()
    assert projects.filter(category="infrastructure").exists()
    names = list(projects.values_list("name", flat=True))
    assert len(names) == len(set(names))
    people = Counter(ProjectPerson.objects.filter(project__in=projects).values_list("project_id"))
    assert len(people) == projects.count() and set(people.values()) <= {1, 2}


def test_all_three_lights_in_reasonable_proportions(projects):
    active = projects.exclude(stage=Stage.DROPPED)
    lights = Counter(active.values_list("light", flat=True))
    total = active.count()
    assert 0.45 <= lights[Light.GREEN] / total <= 0.75
    assert 0.12 <= lights[Light.YELLOW] / total <= 0.35
    assert 0.07 <= lights[Light.RED] / total <= 0.25
    assert set(projects.filter(stage=Stage.DROPPED).values_list("light", flat=True)) == {Light.NONE}
    # Each non-green light is explained by its stored reasons.
    assert not active.exclude(light=Light.GREEN).filter(light_reasons=[]).exists()


def test_report_totals_are_consistent(demo, projects):
    today = dt.date.today()
    reports = defaultdict(list)
    for row in (
        ProgressReport.objects.filter(project__in=projects)
        .order_by("period")
        .values("project_id", "period", "invested", "cumulative_invested", "ytd_invested")
    ):
        reports[row["project_id"]].append(row)
    with_reports = projects.filter(stage__in=[Stage.STARTED, Stage.COMPLETED])
    assert set(reports) <= set(with_reports.values_list("id", flat=True))
    for project in with_reports:
        rows = reports[project.pk]
        if project.stage == Stage.STARTED:
            assert rows, project.name
        cumulative, ytd, year = Decimal(0), Decimal(0), None
        for row in rows:
            if row["period"].year != year:
                year, ytd = row["period"].year, Decimal(0)
            cumulative += row["invested"]
            ytd += row["invested"]
            assert row["cumulative_invested"] == cumulative, project.name
            assert row["ytd_invested"] == ytd, project.name
            assert row["period"].day == 1 and row["period"] <= today
            if project.stage == Stage.STARTED:  # up to last month; this month is still due
                assert row["period"] < today.replace(day=1), project.name
        assert project.invested_total == cumulative <= project.total_investment
        assert project.last_report_period == (rows[-1]["period"] if rows else None)
        this_year = sum((r["invested"] for r in rows if r["period"].year == today.year), Decimal(0))
        latest_this_year = [r for r in rows if r["period"].year == today.year]
        if latest_this_year:
            assert latest_this_year[-1]["ytd_invested"] == this_year
    # About a year of reports: some projects are missing last month's (yellow/red lights).
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    started = projects.filter(stage=Stage.STARTED)
    assert started.filter(last_report_period__lt=last_month).exists()
    assert started.filter(last_report_period=last_month).count() > started.count() * 0.6
    assert (
        AnnualPlan.objects.filter(project__in=started, year=today.year).count() == started.count()
    )


def test_milestones_problems_checks_and_proposals(projects):
    today = dt.date.today()
    milestones = Milestone.objects.filter(project__in=projects)
    assert milestones.filter(actual_date__isnull=False).count() > milestones.count() * 0.3
    assert milestones.filter(actual_date=None, planned_date__lt=today).exists()  # overdue
    problems = Problem.objects.filter(project__in=projects)
    assert 50 <= problems.count() <= 80
    statuses = Counter(problems.values_list("status", flat=True))
    assert set(statuses) == set(Problem.Status.values)
    assert not problems.filter(responsible_person=None).exists()
    assert not problems.filter(status=Problem.Status.RESOLVED, measure="").exists()
    assert problems.exclude(status=Problem.Status.RESOLVED).filter(deadline__lt=today).exists()
    assert problems.filter(deadline__gt=today).exists()
    assert not problems.filter(source=Problem.Source.REPORT, report=None).exists()
    checks = SiteCheck.objects.filter(project__in=projects)
    assert checks.count() >= 5
    assert not checks.filter(checker__unit__isnull=False).exists()  # leaders go and look
    pending = StageChange.objects.filter(project__in=projects, status="proposed")
    assert pending.count() >= 3
    assert not pending.filter(proposed_by=None).exists()


def test_demo_accounts_each_see_their_projects(demo, projects):
    today = dt.date.today()
    leader = User.objects.get(username="leader")
    principal = User.objects.get(username="principal")
    assert Project.objects.visible_to(leader).count() >= 5
    assert projects.filter(contact_leader__user=leader).count() >= 5
    assert projects.filter(contact_leader__user=principal).count() >= 3
    for username in ("township", "department"):
        user = User.objects.get(username=username)
        visible = Project.objects.visible_to(user)
        assert visible.count() >= 5, username
        due = [
            p
            for p in visible.filter(stage=Stage.STARTED)
            if today.replace(day=1) in services.due_periods(p, today, "month")
        ]
        assert len(due) >= 3, username  # their 「待填报」 page has this month's reports


def test_seeding_again_adds_nothing(demo, projects):
    counts = (
        projects.count(),
        ProgressReport.objects.count(),
        Milestone.objects.count(),
        Problem.objects.count(),
        SiteCheck.objects.count(),
        StageChange.objects.count(),
    )
    assert seed_demo() is False
    assert counts == (
        projects.count(),
        ProgressReport.objects.count(),
        Milestone.objects.count(),
        Problem.objects.count(),
        SiteCheck.objects.count(),
        StageChange.objects.count(),
    )
