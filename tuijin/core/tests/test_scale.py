"""``tuijin seed --scale``: refusals, determinism, personas, realistic mixes, valid data.

County scale only (one county, ~40,000 reports): the module seeds it once inside a
transaction rolled back at the end. The determinism test comes first and runs on the empty
test database (tests run in file order). Timings are printed, never asserted: speed is
measured by hand at city and province scale and by ``tuijin bench``.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from tuijin.core import scale
from tuijin.core.demo import DEMO_PASSWORD
from tuijin.core.models import Person, PersonRole, Region, Unit, User
from tuijin.core.roles import DirectoryRole, Role
from tuijin.core.scoping import scope_of
from tuijin.projects import lights
from tuijin.projects.models import (
    Light,
    LightChange,
    Milestone,
    Problem,
    ProgressReport,
    Project,
    ProjectRules,
    Stage,
)
from tuijin.supervision.models import Inspection, Meeting, OrderEvent, SupervisionOrder

pytestmark = pytest.mark.django_db


def _digest() -> str:
    """A fingerprint of the rows a user would read, without database ids."""
    parts = [
        Region.objects.order_by("code").values_list("code", "name", "level"),
        Unit.objects.order_by("region__code", "order").values_list("region__code", "name"),
        Person.objects.order_by("region__code", "order").values_list(
            "name", "mobile", "title", "unit__name"
        ),
        Project.objects.order_by("region__code", "name").values_list(
            "name",
            "stage",
            "light",
            "total_investment",
            "invested_total",
            "code",
            "actual_start",
            "host_unit__name",
            "contact_leader__name",
            "lead_department__name",
        ),
        ProgressReport.objects.order_by("project__name", "period").values_list(
            "project__name", "period", "invested", "cumulative_invested", "progress_text"
        ),
        Milestone.objects.order_by("project__name", "order").values_list(
            "project__name", "name", "planned_date", "actual_date"
        ),
        Problem.objects.order_by("project__name", "raised_on", "description").values_list(
            "project__name", "description", "status", "deadline"
        ),
        SupervisionOrder.objects.order_by("kind", "number").values_list(
            "kind", "number", "title", "status", "deadline", "unit__name", "person__name"
        ),
    ]
    hasher = hashlib.sha256()
    for rows in parts:
        for row in rows:
            hasher.update(repr(row).encode())
    return hasher.hexdigest()


def _run_own_parts(seed: int) -> str:
    """Directory, projects and supervision at county scale, digested, then rolled back."""
    with transaction.atomic():
        ctx = scale.ScaleContext(scale="county", seed=seed, today=timezone.localdate())
        for order, _label, part in scale.SCALE_SEEDERS:
            if order <= 20:
                part(ctx)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


def test_same_seed_gives_the_same_data_and_another_seed_other_data():
    started = time.perf_counter()
    first = _run_own_parts(7)
    assert not Project.objects.exists()  # rolled back: the second run starts empty too
    assert _run_own_parts(7) == first
    assert _run_own_parts(8) != first
    print(
        f"\nthree county-scale runs of the directory, projects, supervision parts: "
        f"{time.perf_counter() - started:.1f} s"
    )


def test_unknown_scale_is_refused_in_one_line_and_touches_nothing(tmp_path):
    env = {**os.environ, "TUIJIN_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "tuijin.cli", "seed", "--scale", "town"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "未知的规模「town」" in lines[0]
    assert "county、city、province" in lines[0]
    assert not (tmp_path / "tuijin.sqlite3").exists()


def test_unknown_scale_through_call_command_changes_nothing():
    with pytest.raises(CommandError, match="未知的规模「village」"):
        call_command("seed", "--scale", "village", stdout=io.StringIO())
    with pytest.raises(CommandError, match="随机种子应为整数"):
        call_command("seed", "--scale", "county", "--seed", "x", stdout=io.StringIO())
    assert not Region.objects.exists()
    assert not User.objects.exists()


def test_a_database_with_an_account_is_not_empty_either():
    User.objects.create_user("someone", password="x")
    with pytest.raises(CommandError, match="^数据库中已有数据，seed 只能灌入空数据库$"):
        call_command("seed", "--scale", "county", stdout=io.StringIO())
    assert not Region.objects.exists()
    assert User.objects.count() == 1


# --- One seeded county for the rest of the module -----------------------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """``tuijin seed --scale county`` once for the module, rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        started = time.perf_counter()
        call_command("seed", "--scale", "county", stdout=out)
        print(f"\ntuijin seed --scale county: {time.perf_counter() - started:.1f} s")
        yield out.getvalue()
        transaction.set_rollback(True)


def test_progress_lines_and_summary(seeded):
    lines = seeded.strip().splitlines()
    assert lines[0].startswith("通讯录：")
    assert any(line.startswith("重点项目：项目 ") for line in lines)
    assert any(line.startswith("督查督办：") for line in lines)
    summary = lines[-1]
    assert summary.startswith("完成：county 规模，种子 1，1 个县；")
    assert "进度填报" in summary and "用时" in summary


def test_a_second_seed_is_refused_and_changes_nothing(seeded):
    before = (Project.objects.count(), ProgressReport.objects.count(), User.objects.count())
    with pytest.raises(CommandError) as refused:
        call_command("seed", "--scale", "county", "--seed", "2", stdout=io.StringIO())
    assert str(refused.value) == "数据库中已有数据，seed 只能灌入空数据库"
    after = (Project.objects.count(), ProgressReport.objects.count(), User.objects.count())
    assert after == before


def test_the_county_directory(seeded):
    county = Region.objects.get()
    assert (county.name, county.code, county.level) == ("清溪县", "339901", "county")
    units = Counter(Unit.objects.values_list("kind", flat=True))
    assert units == {"department": 25, "township": 12, "platform": 2}
    people = Person.objects.filter(region=county)
    assert 300 <= people.count() <= 360
    mobiles = list(people.values_list("mobile", flat=True))
    assert len(mobiles) == len(set(mobiles))
    roles = Counter(PersonRole.objects.values_list("role", flat=True))
    assert roles[DirectoryRole.PRINCIPAL] == 2
    assert roles[DirectoryRole.LEADER] == 8
    assert roles[DirectoryRole.UNIT_LIAISON] == 39
    assert roles[DirectoryRole.PROJECT_OFFICE] == 2 and roles[DirectoryRole.SUPERVISION] == 2
    # Pinyin initials are searchable although people were bulk-inserted.
    person = people.exclude(pinyin_initials="").first()
    assert Person.objects.search(person.pinyin_initials).filter(pk=person.pk).exists()
    assert not people.filter(pinyin_initials="").exists()


def test_personas_sign_in_with_the_demo_password_and_act_in_their_role(seeded, settings):
    # The module's seed ran before the fast test hasher was set: the product's Argon2 hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    users = {u.username: u for u in User.objects.filter(username__in=scale_personas())}
    assert set(users) == set(scale_personas())
    for user in users.values():
        assert user.check_password(DEMO_PASSWORD)
    assert users["admin"].is_superuser
    assert scope_of(users["top"]).has(Role.PRINCIPAL)
    assert scope_of(users["office"]).has(Role.PROJECT_OFFICE)
    assert users["office"].person.unit.name == "县发展和改革局"
    leader = users["leader"].person
    assert scope_of(users["leader"]).has(Role.LEADER)
    assert Project.objects.filter(contact_leader=leader).count() >= 1
    assert (
        Project.objects.visible_to(users["leader"]).count()
        == Project.objects.filter(contact_leader=leader).count()
    )
    unit = users["unit"].person.unit
    assert unit.kind == Unit.Kind.TOWNSHIP
    assert Project.objects.filter(host_unit=unit).exists()
    assert Project.objects.visible_to(users["unit"]).exists()
    # At county scale the top persona is the county principal: the whole county.
    assert Project.objects.visible_to(users["top"]).count() == Project.objects.count()


def scale_personas() -> tuple[str, ...]:
    return ("admin", "top", "office", "leader", "unit")


def test_stage_and_light_mix_is_realistic_and_agrees_with_the_rules(seeded):
    projects = Project.objects.all()
    total = projects.count()
    assert 340 <= total <= 460
    stages = Counter(projects.values_list("stage", flat=True))
    assert set(stages) == set(Stage.values)
    assert 0.5 <= stages[Stage.STARTED] / total <= 0.65
    light = Counter(projects.values_list("light", flat=True))
    assert 0.05 <= light[Light.RED] / total <= 0.16
    assert 0.12 <= light[Light.YELLOW] / total <= 0.28
    assert light[Light.GREEN] / total >= 0.5
    assert light[Light.NONE] == stages[Stage.DROPPED]
    # The lights are what the county's rules say today: recomputing changes nothing.
    assert lights.recompute(Project.objects.all()) == 0
    reasons = [p.light_reasons for p in projects.filter(light=Light.RED)]
    assert all(reasons)
    causes = Counter(
        "未填报"
        if "未填报" in r[0]
        else "序时"
        if "落后序时" in r[0]
        else "节点"
        if "节点" in r[0]
        else "开工"
        if "开工" in r[0]
        else "其他"
        for r in reasons
    )
    assert len(causes) >= 3  # red for several reasons, not one


def test_reports_weekly_since_the_start_with_running_totals(seeded):
    assert ProjectRules.objects.get().period_kind == "week"
    reports = ProgressReport.objects.all()
    assert 30000 <= reports.count() <= 52000
    started = Project.objects.filter(stage=Stage.STARTED)
    assert not started.annotate(n=Count("reports")).filter(n=0).exists()
    assert (
        not Project.objects.filter(stage__in=[Stage.NEGOTIATING, Stage.SIGNED])
        .filter(reports__isnull=False)
        .exists()
    )
    # Totals add up and never pass the total investment.
    sample = started.order_by("id")[:20]
    for project in sample:
        rows = list(project.reports.order_by("period"))
        assert rows[-1].cumulative_invested == sum(r.invested for r in rows)
        assert rows[-1].cumulative_invested == project.invested_total
        assert project.invested_total <= project.total_investment
        assert project.last_report_period == rows[-1].period
        assert all(r.period.weekday() == 0 and r.period_kind == "week" for r in rows)
        assert all(r.submitted_at.date() > r.period for r in rows)
    # Some reports came in late, some weeks were never reported.
    late = sum(
        1
        for period, at in reports.values_list("period", "submitted_at")[:5000]
        if (timezone.localtime(at).date() - period).days > 9
    )
    assert late > 50
    totals = started.aggregate(s=Sum("invested_total"))["s"]
    assert totals > 0


def test_problems_milestones_history_and_supervision(seeded):
    today = timezone.localdate()
    problems = Problem.objects.all()
    assert 80 <= problems.count() <= 160
    status = Counter(problems.values_list("status", flat=True))
    assert status["resolved"] and status["open"] and status["in_progress"]
    overdue = problems.exclude(status="resolved").filter(deadline__lt=today)
    assert overdue.exists()
    assert not problems.filter(status="resolved", resolved_on=None).exists()
    assert not problems.filter(report=None).exists()
    assert Milestone.objects.count() > 2000
    assert not Milestone.objects.filter(project__stage=Stage.COMPLETED, actual_date=None).exists()
    # Every project with a light other than green has a change that led to it.
    for project in Project.objects.exclude(light=Light.GREEN)[:50]:
        last = LightChange.objects.filter(project=project).order_by("-changed_at").first()
        assert last is not None and last.light == project.light
    orders = SupervisionOrder.objects.all()
    assert 25 <= orders.count() <= 60
    assert set(orders.values_list("kind", flat=True)) == {"order", "assignment"}
    assert orders.filter(status="accepted").exists()
    assert orders.exclude(status="accepted").filter(deadline__lt=today).exists()
    numbers = list(orders.filter(kind="order", year=today.year).values_list("number", flat=True))
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    for order in orders[:20]:
        kinds = list(order.events.order_by("at").values_list("kind", flat=True))
        assert kinds[0] == OrderEvent.Kind.ISSUED
        assert (order.status == "accepted") == (OrderEvent.Kind.ACCEPTED in kinds)
        assert order.person.unit_id == order.unit_id
    assert Inspection.objects.count() == 4 and Meeting.objects.count() == 6
    assert Inspection.objects.filter(findings__isnull=False).exists()


def test_pages_answer_on_the_seeded_data(seeded, client):
    office = User.objects.get(username="office")
    client.force_login(office)
    response = client.get("/projects/")
    assert response.status_code == 200
    project = Project.objects.order_by("id").first()
    detail = client.get(f"/projects/{project.pk}/")
    assert detail.status_code == 200
    assert project.name in detail.content.decode()
    client.force_login(User.objects.get(username="unit"))
    assert client.get("/projects/").status_code == 200
