"""Query budgets (issue 7, acceptance 5): no page or API list runs more SQL with more data.

One county is filled with a few rows of everything (projects with their milestones, reports,
problems and site checks; orders, inspections, meetings, self-checks; enterprises, pairings,
visits, requests; trips, leads, drives, targets; meetings, leave and reception of the
discipline register; people, units and messages), every page is rendered, then the same
number of rows again is added to every list *and* to every detail page's own record, and every
page is rendered again. The SQL count must be the same at both sizes and at most ``BUDGET``.

The pages come from the menu of every role (a new menu entry is covered as soon as it exists),
the detail and form pages reachable from those lists, the dashboards and the enterprise portal;
the API lists come from the router's ``ENDPOINTS``. django-zeal (on for the whole suite,
see tuijin/conftest.py) also raises on any N+1 inside these requests.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tuijin.appeals.models import Appeal, AppealEvent, EnterpriseAccount
from tuijin.core import request_memo, sessions
from tuijin.core.api_urls import ENDPOINTS
from tuijin.core.budgets import QUERY_BUDGET, budget_for
from tuijin.core.menu import MENU, allowed
from tuijin.core.models import Notification, Person, Unit, User, WorkdayOverride
from tuijin.core.roles import DirectoryRole, Role
from tuijin.core.scoping import scope_of
from tuijin.core.workdays import add_workdays
from tuijin.discipline.models import Leave, ReceptionLog
from tuijin.discipline.models import Meeting as RegisterMeeting
from tuijin.drives.models import (
    AnnualTarget,
    Campaign,
    Measure,
    MonthlyActual,
    Target,
    TaskForce,
    TaskForceProject,
)
from tuijin.enterprises.models import Enterprise, Pairing, Visit, VisitOpinion
from tuijin.enterprises.tests.factories import make_code
from tuijin.outreach.models import Lead, LeadEvent, OutreachTrip
from tuijin.projects.models import (
    AnnualPlan,
    LightChange,
    Milestone,
    Problem,
    ProgressReport,
    Project,
    ProjectPerson,
    SiteCheck,
    Stage,
    StageChange,
)
from tuijin.supervision.models import (
    Bulletin,
    Finding,
    Inspection,
    OrderEvent,
    SelfCheck,
    SelfCheckAnswer,
    SupervisionOrder,
)
from tuijin.supervision.models import Meeting as SupervisionMeeting
from tuijin.testing import PersonFactory

BUDGET = QUERY_BUDGET  # tuijin/core/budgets.py: one table for this test and tuijin bench

ROLES = (
    Role.PRINCIPAL,
    Role.LEADER,
    Role.SUPERVISION,
    Role.PROJECT_OFFICE,
    Role.UNIT_STAFF,
    Role.ENTERPRISE,
    Role.BANK,
    Role.ADMIN,
)


@dataclass
class World:
    """The county and the records whose detail pages must not grow with their children."""

    county: object
    today: dt.date
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))
    anchors: dict = field(default_factory=dict)

    def person(self, role) -> Person:
        return self.county.people[role]

    def user(self, role) -> User:
        return self.county.users[role]


def _project(w: World, i: int) -> Project:
    county, today = w.county, w.today
    project = Project.objects.create(
        region=county.region,
        code=f"QB{i:04d}",
        name=f"预算测试项目{i}",
        total_investment=Decimal("52000"),
        host_unit=county.township,
        lead_department=county.department,
        contact_leader=w.person(Role.LEADER),
        stage=Stage.STARTED,
        planned_start=today - dt.timedelta(days=90),
        actual_start=today - dt.timedelta(days=60),
        registered_in_stats=True,
        is_major=True,
        light="red" if i % 2 else "green",
    )
    ProjectPerson.objects.create(project=project, person=w.person(Role.UNIT_STAFF))
    AnnualPlan.objects.create(project=project, year=today.year, planned_investment=Decimal("18200"))
    StageChange.objects.create(
        project=project,
        from_stage=Stage.STARTED,
        to_stage=Stage.COMPLETED,
        on_date=today,
        proposed_by=w.user(Role.UNIT_STAFF),
    )
    return project


def _project_children(w: World, project: Project, i: int) -> None:
    """A milestone, a report, a problem, a light and a stage change, a site check."""
    county, today = w.county, w.today
    Milestone.objects.create(
        project=project,
        name=f"节点{i}",
        order=i,
        planned_date=today + dt.timedelta(days=i),
        responsible_unit=county.township,
    )
    report = ProgressReport.objects.create(
        project=project,
        period=dt.date(2000 + i, 1, 1),
        progress_text=f"第{i}期形象进度",
        invested=Decimal("100"),
        cumulative_invested=Decimal(100 * i),
        submitted_by=w.user(Role.UNIT_STAFF),
    )
    Problem.objects.create(
        project=project,
        report=report,
        description=f"问题{i}",
        responsible_unit=county.township,
        responsible_person=w.person(Role.UNIT_STAFF),
        raised_on=today,
        deadline=today + dt.timedelta(days=5),
    )
    LightChange.objects.create(project=project, on_date=today, light="red", previous="green")
    StageChange.objects.create(
        project=project,
        from_stage=Stage.SIGNED,
        to_stage=Stage.STARTED,
        on_date=today - dt.timedelta(days=i),
        status="confirmed",
        proposed_by=w.user(Role.UNIT_STAFF),
        decided_by=w.user(Role.PROJECT_OFFICE),
    )
    SiteCheck.objects.create(
        project=project,
        checker=w.person(Role.LEADER),
        visited_on=today,
        findings=f"现场察看{i}",
        recorded_by=w.user(Role.LEADER),
    )


def _order(w: World, i: int, project: Project | None, **fields) -> SupervisionOrder:
    county, today = w.county, w.today
    order = SupervisionOrder.objects.create(
        region=county.region,
        year=today.year,
        number=next(w.serial),
        title=f"督办事项{i}",
        content="请按期办结并反馈。",
        project=project,
        unit=county.township,
        person=w.person(Role.UNIT_STAFF),
        issued_on=today,
        deadline_days=5,
        deadline=today + dt.timedelta(days=7),
        issued_by=w.user(Role.SUPERVISION),
        **fields,
    )
    OrderEvent.objects.create(
        order=order, kind="issued", on_date=today, actor=w.user(Role.SUPERVISION)
    )
    return order


def _enterprise(w: World, i: int) -> Enterprise:
    return Enterprise.objects.create(
        region=w.county.region,
        host_unit=w.county.township,
        credit_code=make_code(9000 + i),
        name=f"预算测试企业{i}有限公司",
        industry="制造业",
        above_scale=True,
    )


def _visit(w: World, enterprise: Enterprise, i: int) -> None:
    visit = Visit.objects.create(
        enterprise=enterprise,
        visited_on=w.today - dt.timedelta(days=i),
        situation=f"走访情况{i}",
        recorded_by=w.user(Role.LEADER),
    )
    visit.visitors.add(w.person(Role.LEADER))
    VisitOpinion.objects.create(visit=visit, text=f"意见{i}")


def _appeal(w: World, enterprise: Enterprise, i: int) -> Appeal:
    county, today = w.county, w.today
    appeal = Appeal.objects.create(
        region=county.region,
        year=today.year,
        number=next(w.serial),
        source=Appeal.Source.PORTAL,
        enterprise=enterprise,
        enterprise_name=enterprise.name,
        kind=Appeal.Kind.HELP,
        topic=Appeal.Topic.UTILITIES,
        title=f"诉求{i}",
        text="请协调解决。",
        status=Appeal.Status.DISPATCHED,
        lead_unit=county.township,
        received_on=today,
        dispatched_on=today,
        accept_due=today + dt.timedelta(days=1),
        reply_due=today + dt.timedelta(days=5),
        resolve_due=today + dt.timedelta(days=10),
        created_by=w.user(Role.PROJECT_OFFICE),
    )
    appeal.co_units.add(county.department)
    _appeal_event(w, appeal, "received")
    _appeal_event(w, appeal, "dispatched")
    return appeal


def _appeal_event(w: World, appeal: Appeal, kind: str) -> None:
    AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        on_date=w.today,
        actor=w.user(Role.PROJECT_OFFICE),
        unit=w.county.township,
        text="办理记录",
    )


def _trip(w: World, i: int) -> OutreachTrip:
    day = w.today - dt.timedelta(days=i)
    trip = OutreachTrip.objects.create(
        region=w.county.region,
        start_date=day,
        end_date=day,
        destination=f"杭州{i}",
        counterparts="华锐智能装备股份有限公司",
        purpose="推介产业政策",
        created_by=w.user(Role.LEADER),
    )
    trip.leaders.add(w.person(Role.LEADER))
    return trip


def _lead(w: World, i: int, trip: OutreachTrip | None) -> Lead:
    lead = Lead.objects.create(
        region=w.county.region,
        title=f"线索{i}",
        company=f"线索企业{i}",
        owner=w.person(Role.LEADER),
        trip=trip,
        created_on=w.today,
        created_by=w.user(Role.LEADER),
    )
    _lead_event(w, lead, i)
    return lead


def _lead_event(w: World, lead: Lead, i: int) -> None:
    LeadEvent.objects.create(
        lead=lead,
        kind="next",
        text=f"下一步{i}",
        on_date=w.today,
        actor=w.user(Role.LEADER),
        actor_name="县领导",
    )


def _campaign(w: World, i: int) -> Campaign:
    campaign = Campaign.objects.create(
        region=w.county.region,
        name=f"集中推进行动{i}",
        start_date=w.today - dt.timedelta(days=30),
        end_date=w.today + dt.timedelta(days=70),
        office=w.county.department,
        created_by=w.user(Role.PROJECT_OFFICE),
    )
    campaign.leading_group.add(w.person(Role.PRINCIPAL), w.person(Role.LEADER))
    return campaign


def _campaign_children(w: World, campaign: Campaign, project: Project, i: int) -> None:
    force = TaskForce.objects.create(
        campaign=campaign, name=f"推进组{i}", head=w.person(Role.LEADER), order=i
    )
    force.members.add(w.person(Role.PROJECT_OFFICE))
    TaskForceProject.objects.create(campaign=campaign, task_force=force, project=project)
    target = Target.objects.create(
        campaign=campaign,
        task_force=force if i % 2 else None,
        name=f"目标{i}",
        measure=Measure.INVESTMENT if i % 2 else Measure.CUSTOM,
        value=Decimal(1000),
        order=i,
    )
    MonthlyActual.objects.create(target=target, month=w.today.replace(day=1), value=Decimal(10))


def grow(w: World, start: int, n: int) -> None:
    """``n`` more rows of every kind, both new records and children of the anchors."""
    county, today = w.county, w.today
    for i in range(start, start + n):
        # The directory: a township and a liaison of 城关镇.
        unit = Unit.objects.create(
            region=county.region, name=f"预算测试乡{i}", short_name=f"测{i}", kind="township"
        )
        liaison = PersonFactory(
            unit=county.township, title="科员", roles=[DirectoryRole.UNIT_LIAISON]
        )
        PersonFactory(unit=unit, title="乡长", roles=[DirectoryRole.UNIT_HEAD])

        project = _project(w, i)
        _project_children(w, project, i)
        a = w.anchors.setdefault
        anchor_project = a("project", project)
        if anchor_project is not project:
            _project_children(w, anchor_project, i + 100)

        order = _order(w, i, project)
        anchor_order = a("order", order)
        if anchor_order is not order:
            OrderEvent.objects.create(
                order=anchor_order,
                kind="reminded",
                on_date=today,
                actor=w.user(Role.SUPERVISION),
                text=f"催办{i}",
            )

        inspection = Inspection.objects.create(
            region=county.region,
            topic=f"督查{i}",
            inspected_on=today,
            created_by=w.user(Role.SUPERVISION),
        )
        inspection.inspectors.add(w.person(Role.SUPERVISION))
        inspection.projects.add(project)
        inspection.units.add(county.township, unit)
        for target in {inspection, a("inspection", inspection)}:
            Finding.objects.create(
                inspection=target,
                project=project,
                unit=county.township,
                text=f"发现问题{i}",
                responsible_person=w.person(Role.UNIT_STAFF),
                requirement="限期整改",
                deadline_days=5,
                deadline=today + dt.timedelta(days=7),
            )

        meeting = SupervisionMeeting.objects.create(
            region=county.region,
            title=f"调度会{i}",
            held_on=today,
            chair=w.person(Role.PRINCIPAL),
            created_by=w.user(Role.SUPERVISION),
        )
        meeting.attendees.add(w.person(Role.LEADER), w.person(Role.UNIT_STAFF))
        _order(w, i, project, kind="assignment", meeting=a("meeting", meeting))

        check = SelfCheck.objects.create(
            region=county.region,
            title=f"自查{i}",
            questions=["是否按期填报？"],
            due_on=today + dt.timedelta(days=5),
            published_by=w.user(Role.SUPERVISION),
        )
        check.units.add(county.township)
        SelfCheckAnswer.objects.create(
            self_check=check, unit=county.township, answers=["是"], submitted_by=None
        )
        anchor_check = a("selfcheck", check)
        if anchor_check is not check:
            anchor_check.units.add(unit)
            SelfCheckAnswer.objects.create(self_check=anchor_check, unit=unit, answers=["是"])

        Bulletin.objects.create(
            region=county.region,
            period="week",
            label=f"第{i}期",
            year=today.year,
            number=next(w.serial),
            file=f"bulletins/b{i}.docx",
            created_by=w.user(Role.SUPERVISION),
        )

        enterprise = _enterprise(w, i)
        Pairing.objects.create(
            enterprise=enterprise, person=w.person(Role.LEADER), started_on=today
        )
        anchor_enterprise = a("enterprise", enterprise)
        if anchor_enterprise is enterprise:
            EnterpriseAccount.objects.create(
                user=w.user(Role.ENTERPRISE),
                enterprise=enterprise,
                contact_name="王经理",
                contact_mobile="13900000001",
                verified=True,
            )
        else:
            Pairing.objects.create(enterprise=anchor_enterprise, person=liaison, started_on=today)
            pending = User.objects.create(username=f"budget-ent-{i}", region=county.region)
            pending.groups.add(Group.objects.get(name=Role.ENTERPRISE.value))
            EnterpriseAccount.objects.create(
                user=pending,
                enterprise=enterprise,
                contact_name=f"联系人{i}",
                contact_mobile=f"1390000{i:04d}",
            )
        _visit(w, enterprise, i)
        _visit(w, anchor_enterprise, i + 100)
        # Requests of the portal account's enterprise, so its portal list grows too.
        appeal = _appeal(w, anchor_enterprise, i)
        anchor_appeal = a("appeal", appeal)
        if anchor_appeal is not appeal:
            _appeal_event(w, anchor_appeal, "question")

        trip = _trip(w, i)
        anchor_trip = a("trip", trip)
        lead = _lead(w, i, anchor_trip)
        anchor_lead = a("lead", lead)
        if anchor_lead is not lead:
            _lead_event(w, anchor_lead, i)

        campaign = _campaign(w, i)
        _campaign_children(w, a("campaign", campaign), project, i)
        AnnualTarget.objects.create(
            region=county.region,
            year=today.year,
            name=f"全年目标{i}",
            measure=Measure.INVESTMENT,
            value=Decimal(5000),
            order=i,
        )

        register = RegisterMeeting.objects.create(
            region=county.region,
            convener=w.person(Role.LEADER),
            held_on=today,
            topic=f"项目推进会{i}",
            project=project,
            about_projects=True,
            registered_by=w.user(Role.LEADER),
        )
        register.invitees.add(w.person(Role.UNIT_STAFF))
        a("register_meeting", register).invitees.add(liaison)
        leave = Leave.objects.create(
            region=county.region,
            person=w.person(Role.UNIT_STAFF),
            start_date=today + dt.timedelta(days=i),
            end_date=today + dt.timedelta(days=i),
            reason_kind="project_work",
            project=project,
            status="auto",
            requested_by=w.user(Role.UNIT_STAFF),
        )
        a("leave", leave)
        ReceptionLog.objects.create(
            region=county.region,
            person=w.person(Role.UNIT_STAFF),
            on_date=today,
            minutes=30,
            kind="reception",
            guest=f"来宾{i}",
            recorded_by=w.user(Role.UNIT_STAFF),
        )
        for user in county.users.values():
            Notification.objects.create(recipient=user, title=f"消息{i}", url="/")
        WorkdayOverride.objects.create(date=dt.date(today.year - 1, 1, 10 + i), is_workday=True)


def pages(w: World) -> list[tuple[str, Role, str]]:
    """(label, role, URL): every menu page of every role, then details, forms and dashboards."""
    out = []
    for role in ROLES:
        user = w.user(role)
        scope = scope_of(user)
        for entry in MENU:
            if allowed(entry, scope) and (not entry.staff_only or user.is_staff):
                out.append((entry.url_name, role, reverse(entry.url_name)))
    x = w.anchors
    details = [
        ("projects:detail", x["project"], (Role.PROJECT_OFFICE, Role.UNIT_STAFF, Role.LEADER)),
        ("projects:edit", x["project"], (Role.PROJECT_OFFICE,)),
        ("projects:report", x["project"], (Role.UNIT_STAFF,)),
        ("projects:milestones", x["project"], (Role.PROJECT_OFFICE,)),
        ("projects:problem-create", x["project"], (Role.PROJECT_OFFICE,)),
        ("projects:site-check", x["project"], (Role.LEADER,)),
        ("supervision:detail", x["order"], (Role.SUPERVISION, Role.UNIT_STAFF)),
        ("supervision:inspection-detail", x["inspection"], (Role.SUPERVISION, Role.UNIT_STAFF)),
        ("supervision:meeting", x["meeting"], (Role.SUPERVISION, Role.UNIT_STAFF)),
        ("supervision:selfcheck", x["selfcheck"], (Role.SUPERVISION,)),
        ("enterprises:detail", x["enterprise"], (Role.PROJECT_OFFICE, Role.LEADER)),
        ("enterprises:visits", x["enterprise"], (Role.PROJECT_OFFICE, Role.LEADER)),
        ("enterprises:edit", x["enterprise"], (Role.PROJECT_OFFICE,)),
        ("appeals:detail", x["appeal"], (Role.PROJECT_OFFICE, Role.UNIT_STAFF)),
        ("portal:detail", x["appeal"], (Role.ENTERPRISE,)),
        ("outreach:trip", x["trip"], (Role.LEADER, Role.PROJECT_OFFICE)),
        ("outreach:lead", x["lead"], (Role.LEADER, Role.PROJECT_OFFICE)),
        ("drives:detail", x["campaign"], (Role.PROJECT_OFFICE, Role.PRINCIPAL)),
        ("discipline:meeting", x["register_meeting"], (Role.PRINCIPAL, Role.LEADER)),
        ("discipline:leave", x["leave"], (Role.PRINCIPAL, Role.UNIT_STAFF)),
        ("directory:unit-detail", w.county.township, (Role.PROJECT_OFFICE, Role.UNIT_STAFF)),
        (
            "directory:person-detail",
            w.person(Role.UNIT_STAFF),
            (Role.PROJECT_OFFICE, Role.UNIT_STAFF),
        ),
    ]
    for name, obj, roles in details:
        out += [(name, role, reverse(name, args=[obj.pk])) for role in roles]
    plain = [
        ("cockpit:screen", (Role.PRINCIPAL, Role.PROJECT_OFFICE)),
        ("outreach:reports", (Role.PROJECT_OFFICE, Role.LEADER)),
        ("portal:home", (Role.ENTERPRISE,)),
        ("portal:new", (Role.ENTERPRISE,)),
        ("portal:accounts", (Role.PROJECT_OFFICE,)),
        ("projects:create", (Role.PROJECT_OFFICE,)),
        ("supervision:create", (Role.SUPERVISION,)),
        ("supervision:inspection-create", (Role.SUPERVISION,)),
        ("supervision:meeting-create", (Role.SUPERVISION,)),
        ("supervision:selfcheck-create", (Role.SUPERVISION,)),
        ("supervision:league-weights", (Role.SUPERVISION,)),
        ("enterprises:create", (Role.PROJECT_OFFICE,)),
        ("enterprises:visit_create", (Role.LEADER,)),
        ("appeals:create", (Role.PROJECT_OFFICE,)),
        ("outreach:trip-create", (Role.LEADER,)),
        ("outreach:lead-create", (Role.LEADER,)),
        ("drives:launch", (Role.PROJECT_OFFICE,)),
        ("discipline:meeting-create", (Role.LEADER,)),
        ("discipline:leave-create", (Role.UNIT_STAFF,)),
        ("discipline:reception-create", (Role.UNIT_STAFF,)),
    ]
    out += [(name, role, reverse(name)) for name, roles in plain for role in roles]
    return out


def api_lists() -> list[tuple[str, Role, str]]:
    """Every list of the router, as a role that sees the whole county and as a unit's liaison."""
    return [
        (f"api:{prefix}", role, f"/api/{prefix}/")
        for prefix, _viewset, _basename in ENDPOINTS
        for role in (Role.PROJECT_OFFICE, Role.UNIT_STAFF)
    ]


def _rows(response) -> int | None:
    data = response.json()
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return len(data["results"])
    return len(data) if isinstance(data, list) else None


def measure(clients: dict, targets) -> dict:
    """(label, role, URL) -> (status, queries, rows); each page once to warm up, then once
    counted. An exception (an N+1 that zeal raised, a broken page) is kept as the status."""
    out = {}
    for label, role, url in targets:
        client = clients[role]
        is_api = label.startswith("api:")
        headers = {"HTTP_ACCEPT": "application/json"} if is_api else {}
        try:
            client.get(url, **headers)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, **headers)
        except Exception as error:  # noqa: BLE001 - reported with every other page below
            out[(label, role, url)] = (f"{type(error).__name__}: {error}", 0, None)
            continue
        ok = is_api and response.status_code == 200
        out[(label, role, url)] = (
            response.status_code,
            len(queries),
            _rows(response) if ok else None,
        )
    return out


def test_every_page_and_api_list_runs_a_fixed_number_of_queries(
    county, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    # A session notes the time once a minute (one more query then): on a slow machine this
    # test spans minutes, and that query would land on whichever page came at the time.
    monkeypatch.setattr(sessions, "SEEN_PRECISION", 24 * 3600)
    w = World(county, timezone.localdate())
    grow(w, 1, 2)
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        clients[role].force_login(w.user(role))
    targets = pages(w) + api_lists()
    small = measure(clients, targets)
    grow(w, 3, 2)
    large = measure(clients, targets)

    problems = []
    for key, (status, queries, _rows) in small.items():
        print(f"{key[0]:<36} {key[1]:<15} {queries:>3} {large[key][1]:>3}  {key[2]}")
        label, role, url = key
        big_status, big_queries, _big_rows = large[key]
        name = f"{label} as {role} ({url})"
        if label.startswith("api:") and status == big_status == 403:
            continue  # a list this role may not read at all
        # An enterprise's home is its portal: a redirect is the page.
        if status != big_status or status not in (200, 302):
            problems.append(f"{name}: status {status} / {big_status}")
            continue
        if queries != big_queries:
            problems.append(f"{name}: {queries} queries, then {big_queries} with more data")
        elif big_queries > budget_for(label):
            problems.append(f"{name}: {big_queries} queries (budget {BUDGET})")
    # The API lists must show the added rows to at least one of the two roles, or the test
    # measured an empty list.
    for prefix, _viewset, _basename in ENDPOINTS:
        grew = [
            small[key][2] is not None and large[key][2] > small[key][2]
            for key in small
            if key[0] == f"api:{prefix}"
        ]
        if not any(grew) and prefix not in ("regions", "league", "project-days"):
            problems.append(f"api:{prefix}: no role's list grew with the data")
    assert not problems, "\n".join(problems)


def test_one_calculation_context_reads_the_overrides_once_and_sees_a_new_one(db):
    """A list computes a deadline per row: the year's overrides are read once per request
    (or ``request_memo.scope`` block), and an override saved meanwhile counts at once."""
    sunday = dt.date(2026, 3, 1)
    with request_memo.scope():
        with CaptureQueriesContext(connection) as queries:
            first = add_workdays(sunday, 1).value
            assert add_workdays(sunday, 1).value == first
        assert len(queries) == 1
        WorkdayOverride.objects.create(date=dt.date(2026, 3, 2), is_workday=False)
        assert add_workdays(sunday, 1).value == dt.date(2026, 3, 3)
    assert first == dt.date(2026, 3, 2)
