"""The permission matrix: every page and API endpoint with its declared answer per role.

``tuijin/core/tests/test_permission_matrix.py`` walks Django's URL resolver and the API router
and fails for any route missing here, so a new view cannot ship without a declared answer.
A page declares the roles that may open it (the system administrator too, as
``role_required`` has it, except on the pages of the security and audit duties) and, when
its URL names a record, which kind of record (a builder below); an API endpoint declares its
roles, its record, who sees which of the three records, the writes it offers and who may
make them. Roles added to ``Role`` later are refused wherever they are not named here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from tuijin.core.roles import GOVERNMENT, Role

GOV = frozenset(GOVERNMENT)
PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed-in"  # any signed-in account, whatever its role
ADMIN_ONLY = frozenset()  # nobody but administrators


@dataclass(frozen=True)
class Page:
    """A page: who may open it, and the kind of record its ``pk`` names (if any).

    ``ok``: what an allowed caller gets (a page that sends some callers on, to the portal
    or away from the sign-in page, answers 302). ``post``: an action taking POST only; the
    matrix posts an empty form to it. ``admin``: the system administrator passes, as
    ``role_required`` has it; a page of another duty (``duty_required``) refuses them.
    """

    roles: frozenset[str] | str
    record: str | None = None
    ok: frozenset[int] = frozenset({200})
    post: bool = False
    admin: bool = True


def page(roles, record: str | None = None, ok=(200,), admin: bool = True) -> Page:
    roles = roles if isinstance(roles, str) else frozenset(roles)
    return Page(roles, record, frozenset(ok), admin=admin)


def post_page(roles, record: str | None = None) -> Page:
    """An action: POST only; an empty form is refused with a message or sent back."""
    roles = roles if isinstance(roles, str) else frozenset(roles)
    return Page(roles, record, frozenset({200, 302, 400, 404}), post=True)


def duty_page(roles, record: str | None = None) -> Page:
    """A page of the security or audit duty: the system administrator is refused too."""
    return Page(frozenset(roles), record, frozenset({200}), admin=False)


SENDS_ON = (200, 302)

PAGES: dict[str, Page] = {
    "home": page(SIGNED_IN, ok=SENDS_ON),  # an enterprise is sent to its portal
    "healthz": page(PUBLIC),  # healthz
    "login": page(PUBLIC, ok=SENDS_ON),  # accounts/login/: the signed-in are sent on
    "logout": post_page(PUBLIC),  # accounts/logout/
    "password_change": page(SIGNED_IN),  # accounts/password/
    "password_change_done": page(SIGNED_IN),  # accounts/password/done/
    "directory:unit-list": page(GOV),  # directory/units/
    "directory:unit-detail": page(GOV, record="unit"),  # directory/units/<int:pk>/
    "directory:person-list": page(GOV),  # directory/people/
    "directory:person-detail": page(GOV, record="person"),  # directory/people/<int:pk>/
    "directory:import": page(ADMIN_ONLY),  # directory/import/
    "audit:list": duty_page({Role.AUDIT_ADMIN, Role.SUPERVISION}),  # audit/
    "audit:export": duty_page({Role.AUDIT_ADMIN, Role.SUPERVISION}),  # audit/export/
    "audit:verify": duty_page({Role.AUDIT_ADMIN}),  # audit/verify/
    "audit:verify-run": Page(
        frozenset({Role.AUDIT_ADMIN}), ok=frozenset({200, 302}), post=True, admin=False
    ),  # audit/verify/run/
    "security:accounts": duty_page({Role.SECURITY_ADMIN}),  # security/accounts/
    "security:account": duty_page({Role.SECURITY_ADMIN}, record=None),  # security/accounts/<pk>/
    "security:events": duty_page({Role.AUDIT_ADMIN, Role.SECURITY_ADMIN}),  # security/events/
    "security:events-export": duty_page({Role.AUDIT_ADMIN, Role.SECURITY_ADMIN}),
    # Two-factor sign-in: every signed-in account may set it up for itself.
    "otp": page(SIGNED_IN, ok=SENDS_ON),  # accounts/otp/
    "otp_setup": page(SIGNED_IN, ok=SENDS_ON),  # accounts/otp/setup/
    "otp_verify": page(SIGNED_IN, ok=SENDS_ON),  # accounts/otp/verify/
    "otp_codes": post_page(SIGNED_IN),  # accounts/otp/codes/
    "otp_remove": post_page(SIGNED_IN),  # accounts/otp/remove/
    "calendar": page(GOV),  # calendar/
    "inbox": page(SIGNED_IN),  # inbox/
    "channels:list": page(ADMIN_ONLY),  # channels/
    "channels:create": page(ADMIN_ONLY),  # channels/new/
    "channels:edit": page(ADMIN_ONLY, record=None),  # channels/<int:pk>/
    "channels:test": post_page(ADMIN_ONLY, record=None),  # channels/<int:pk>/test/
    "channels:retry": post_page(ADMIN_ONLY, record=None),  # channels/deliveries/<int:pk>/retry/
    "projects:list": page(GOV),  # projects/
    "projects:mine": page({Role.LEADER, Role.PRINCIPAL}),  # projects/mine/
    "projects:due": page({Role.UNIT_STAFF}),  # projects/due/
    "projects:create": page({Role.PROJECT_OFFICE}),  # projects/new/
    "projects:detail": page(GOV, record="project"),  # projects/<int:pk>/
    "projects:edit": page({Role.PROJECT_OFFICE}, record="project"),  # projects/<int:pk>/edit/
    "projects:stage": post_page(GOV, record="project"),  # projects/<int:pk>/stage/
    "projects:stage-decide": post_page(
        {Role.PROJECT_OFFICE}, record=None
    ),  # projects/stage/<int:pk>/decide/
    "projects:report": page(GOV, record="project"),  # projects/<int:pk>/report/
    "projects:problem-create": page(GOV, record="project"),  # projects/<int:pk>/problems/new/
    "projects:problem-update": post_page(GOV, record="problem"),  # projects/problems/<int:pk>/
    "projects:milestones": page(GOV, record="project"),  # projects/<int:pk>/milestones/
    "projects:photo": page(GOV, record=None),  # projects/photos/<int:pk>/
    "projects:site-check": page(
        {Role.LEADER, Role.PRINCIPAL, Role.SUPERVISION}, record="project"
    ),  # projects/<int:pk>/site-check/
    "projects:settings": page({Role.PROJECT_OFFICE}),  # projects/settings/
    "projects:ledger-import": page({Role.PROJECT_OFFICE}),  # projects/ledger/import/
    "projects:ledger-export": page(GOV),  # projects/ledger/export/
    "enterprises:list": page(GOV),  # enterprises/
    "enterprises:create": page({Role.PROJECT_OFFICE}),  # enterprises/new/
    "enterprises:import": page({Role.PROJECT_OFFICE}),  # enterprises/import/
    "enterprises:export": page(GOV),  # enterprises/export/
    "enterprises:detail": page(GOV, record="enterprise"),  # enterprises/<int:pk>/
    "enterprises:edit": page(
        {Role.PROJECT_OFFICE}, record="enterprise"
    ),  # enterprises/<int:pk>/edit/
    "enterprises:pairings": page(GOV),  # enterprises/pairings/
    "enterprises:coverage": page(
        {Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}
    ),  # enterprises/coverage/
    "enterprises:visit_create": page(GOV),  # enterprises/visits/new/
    "enterprises:visits": page(GOV, record="enterprise"),  # enterprises/<int:pk>/visits/
    "enterprises:pairing-add": post_page(
        {Role.PROJECT_OFFICE}, record="enterprise"
    ),  # enterprises/<int:pk>/pairings/new/
    "enterprises:pairing-end": post_page(
        {Role.PROJECT_OFFICE}, record=None
    ),  # enterprises/pairings/<int:pk>/end/
    "appeals:list": page(
        GOV | {Role.ENTERPRISE}, ok=SENDS_ON
    ),  # enterprise: to the portal  # appeals/
    "appeals:create": page({Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}),  # appeals/new/
    "appeals:enterprise-options": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}
    ),  # appeals/new/enterprises/
    "appeals:convert-opinion": post_page(
        {Role.PROJECT_OFFICE}, record=None
    ),  # appeals/opinions/<int:pk>/convert/
    "appeals:deadlines": page({Role.PROJECT_OFFICE}),  # appeals/deadlines/
    "appeals:hotline-import": page({Role.PROJECT_OFFICE}),  # appeals/hotline/
    "appeals:stats": page(GOV),  # appeals/stats/
    "appeals:detail": page(GOV | {Role.ENTERPRISE}, record="appeal"),  # appeals/<int:pk>/
    "appeals:dispatch": post_page(
        {Role.PROJECT_OFFICE}, record="appeal"
    ),  # appeals/<int:pk>/dispatch/
    "appeals:send-back": post_page(
        GOV | {Role.ENTERPRISE}, record="appeal"
    ),  # appeals/<int:pk>/send-back/
    "appeals:accept": post_page(
        GOV | {Role.ENTERPRISE}, record="appeal"
    ),  # appeals/<int:pk>/accept/
    "appeals:reply": post_page(GOV | {Role.ENTERPRISE}, record="appeal"),  # appeals/<int:pk>/reply/
    "appeals:ask-question": post_page(
        GOV | {Role.ENTERPRISE}, record="appeal"
    ),  # appeals/<int:pk>/question/
    "appeals:ask-extension": post_page(
        GOV | {Role.ENTERPRISE}, record="appeal"
    ),  # appeals/<int:pk>/extension/
    "appeals:decide-extension": post_page(
        {Role.PROJECT_OFFICE}, record="appeal"
    ),  # appeals/<int:pk>/extension/decide/
    "appeals:follow-up": post_page(
        {Role.PROJECT_OFFICE}, record="appeal"
    ),  # appeals/<int:pk>/follow-up/
    "appeals:rate": post_page(GOV | {Role.ENTERPRISE}, record="appeal"),  # appeals/<int:pk>/rate/
    "appeals:file": page(GOV | {Role.ENTERPRISE}, record=None),  # appeals/files/<int:pk>/
    "outreach:trips": page({Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}),  # outreach/
    "outreach:trip-create": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}
    ),  # outreach/trips/new/
    "outreach:trip": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}, record=None
    ),  # outreach/trips/<int:pk>/
    "outreach:leads": page({Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}),  # outreach/leads/
    "outreach:lead-create": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}
    ),  # outreach/leads/new/
    "outreach:lead": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}, record=None
    ),  # outreach/leads/<int:pk>/
    "outreach:lead-update": post_page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}, record=None
    ),  # outreach/leads/<int:pk>/update/
    "outreach:lead-convert": post_page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}, record=None
    ),  # outreach/leads/<int:pk>/convert/
    "outreach:reports": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}
    ),  # outreach/reports/
    "outreach:project-days": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}
    ),  # outreach/project-days/
    "outreach:project-day-rule": post_page(
        {Role.PRINCIPAL, Role.PROJECT_OFFICE}
    ),  # outreach/project-days/rule/
    "drives:list": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}
    ),  # drives/
    "drives:launch": page({Role.PROJECT_OFFICE}),  # drives/launch/
    "drives:detail": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}, record=None
    ),  # drives/<int:pk>/
    "drives:report": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}, record=None
    ),  # drives/<int:pk>/report.docx
    "drives:actual": post_page(
        {Role.PROJECT_OFFICE}, record=None
    ),  # drives/<int:pk>/targets/<int:target_pk>/actual/
    "drives:annual": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}
    ),  # drives/annual/
    "drives:annual-edit": page({Role.PROJECT_OFFICE}, record=None),  # drives/annual/<int:pk>/edit/
    "discipline:meetings": page(GOV),  # discipline/meetings/
    "discipline:meeting-create": page(GOV),  # discipline/meetings/new/
    "discipline:meeting": page(GOV, record=None),  # discipline/meetings/<int:pk>/
    "discipline:meeting-decide": post_page(
        GOV, record=None
    ),  # discipline/meetings/<int:pk>/decide/
    "discipline:leaves": page(GOV),  # discipline/leave/
    "discipline:leave-create": page(GOV),  # discipline/leave/new/
    "discipline:leave": page(GOV, record=None),  # discipline/leave/<int:pk>/
    "discipline:leave-decide": post_page(GOV, record=None),  # discipline/leave/<int:pk>/decide/
    "discipline:receptions": page(GOV),  # discipline/reception/
    "discipline:reception-create": page(GOV),  # discipline/reception/new/
    "discipline:reception-target": post_page(
        {Role.PRINCIPAL, Role.SUPERVISION}
    ),  # discipline/reception/target/
    "portal:index": page(PUBLIC, ok=SENDS_ON),  # portal/
    "portal:register": page(PUBLIC, ok=SENDS_ON),  # portal/register/
    "portal:home": page({Role.ENTERPRISE}),  # portal/requests/
    "portal:detail": page(
        {Role.ENTERPRISE}, record="appeal", ok=SENDS_ON
    ),  # portal/requests/<int:pk>/
    "portal:rate": post_page({Role.ENTERPRISE}, record="appeal"),  # portal/requests/<int:pk>/rate/
    "portal:answer": post_page(
        {Role.ENTERPRISE}, record="appeal"
    ),  # portal/requests/<int:pk>/answer/
    "portal:new": page(
        {Role.ENTERPRISE}, ok=SENDS_ON
    ),  # no verified account: to register  # portal/new/
    "portal:accounts": page({Role.PROJECT_OFFICE}),  # portal/accounts/
    "portal:verify": post_page(
        {Role.PROJECT_OFFICE}, record=None
    ),  # portal/accounts/<int:pk>/verify/
    "portal:reject": post_page(
        {Role.PROJECT_OFFICE}, record=None
    ),  # portal/accounts/<int:pk>/reject/
    "supervision:list": page(GOV),  # supervision/
    "supervision:create": page({Role.SUPERVISION}),  # supervision/new/
    "supervision:people": page({Role.SUPERVISION}),  # supervision/new/people/
    "supervision:detail": page(GOV, record="order"),  # supervision/<int:pk>/
    "supervision:sign": post_page(GOV, record="order"),  # supervision/<int:pk>/sign/
    "supervision:respond": post_page(GOV, record="order"),  # supervision/<int:pk>/respond/
    "supervision:accept": post_page(
        {Role.SUPERVISION}, record="order"
    ),  # supervision/<int:pk>/accept/
    "supervision:return": post_page(
        {Role.SUPERVISION}, record="order"
    ),  # supervision/<int:pk>/return/
    "supervision:docx": page(GOV, record="order"),  # supervision/<int:pk>/docx/
    "supervision:file": page(GOV, record=None),  # supervision/files/<int:pk>/
    "supervision:league": page(GOV),  # supervision/league/
    "supervision:league-weights": page({Role.SUPERVISION}),  # supervision/league/weights/
    "supervision:bulletins": page(
        {Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}
    ),  # supervision/bulletins/
    "supervision:bulletin-create": post_page({Role.SUPERVISION}),  # supervision/bulletins/new/
    "supervision:bulletin-download": page(
        {Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}, record=None
    ),  # supervision/bulletins/<int:pk>/
    "supervision:inspections": page(GOV),  # supervision/inspections/
    "supervision:inspection-create": page({Role.SUPERVISION}),  # supervision/inspections/new/
    "supervision:inspection-people": page({Role.SUPERVISION}),  # supervision/inspections/people/
    "supervision:inspection-detail": page(GOV, record=None),  # supervision/inspections/<int:pk>/
    "supervision:finding-create": page(
        {Role.SUPERVISION}, record=None
    ),  # supervision/inspections/<int:pk>/findings/new/
    "supervision:finding-order": post_page(
        {Role.SUPERVISION}, record=None
    ),  # supervision/inspections/findings/<int:pk>/order/
    "supervision:finding-photo": page(GOV, record=None),  # supervision/inspections/photos/<int:pk>/
    "supervision:meetings": page(GOV),  # supervision/meetings/
    "supervision:meeting-create": page({Role.SUPERVISION}),  # supervision/meetings/new/
    "supervision:meeting": page(GOV, record=None),  # supervision/meetings/<int:pk>/
    "supervision:meeting-memo": page(GOV, record=None),  # supervision/meetings/<int:pk>/memo/
    "supervision:meeting-summary": post_page(
        {Role.SUPERVISION}, record=None
    ),  # supervision/meetings/<int:pk>/summary/
    "supervision:meeting-assign": post_page(
        {Role.SUPERVISION}, record=None
    ),  # supervision/meetings/<int:pk>/assign/
    "supervision:selfchecks": page(GOV),  # supervision/selfchecks/
    "supervision:selfcheck-create": page({Role.SUPERVISION}),  # supervision/selfchecks/new/
    "supervision:selfcheck": page(GOV, record=None),  # supervision/selfchecks/<int:pk>/
    "supervision:selfcheck-answer": post_page(
        GOV, record=None
    ),  # supervision/selfchecks/<int:pk>/answer/
    "supervision:selfcheck-comment": post_page(
        {Role.SUPERVISION}, record=None
    ),  # supervision/selfchecks/answers/<int:pk>/comment/
    "cockpit:index": page({Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}),  # cockpit/
    "cockpit:screen": page(
        {Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}
    ),  # cockpit/screen/
}


# --- The API ---------------------------------------------------------------------------------

COUNTY_WIDE = frozenset(
    {Role.ADMIN, Role.PRINCIPAL, Role.LEADER, Role.SUPERVISION, Role.PROJECT_OFFICE}
)


@dataclass(frozen=True)
class Write:
    """The roles a write succeeds for, on the record of their own unit (城关镇) and on the
    record of another unit of the county (河口镇); everyone else is refused, the data as it
    was. Nobody writes to the neighbouring county's records."""

    own: frozenset[str]
    other_unit: frozenset[str] = frozenset()


def write(own=(), other_unit=()) -> Write:
    return Write(frozenset(own), frozenset(other_unit))


@dataclass(frozen=True)
class Api:
    """An API endpoint: who may call it, what it offers, and which record it serves.

    ``record`` names a builder of RECORDS; ``own`` are the roles that see the record built
    for 城关镇 (the unit of the unit-staff account), ``other_unit`` those that also see the one
    built for 河口镇. Nobody sees the neighbouring county's: out of scope is a 404 that
    cannot be told from a missing id. ``writes`` maps each HTTP write the endpoint offers
    (POST on the list, PATCH/PUT on a record, an action's name) to who it succeeds for; a
    write it does not offer answers 405 to everyone (DELETE: no endpoint deletes).
    ``post_names_record``: the POST names the record's parent (a report names its project),
    so it is tried for all three cases.
    """

    roles: frozenset[str]
    record: str | None = None
    own: frozenset[str] = COUNTY_WIDE
    other_unit: frozenset[str] = COUNTY_WIDE
    detail: bool = True
    actions: tuple[str, ...] = ()
    writes: dict[str, Write] = field(default_factory=dict)
    post_names_record: bool = False
    # The system administrator (a superuser, who reads every row in /admin/ anyway) sees
    # every county's records here too, and writes to them as to another unit's; enterprises
    # and requests keep an administrator of a county to that county.
    admin_every_county: bool = True


def api(roles, **kwargs) -> Api:
    return Api(frozenset(roles), **kwargs)


STAFF_TOO = COUNTY_WIDE | {Role.UNIT_STAFF}
APPEAL_COUNTY = frozenset({Role.ADMIN, Role.PRINCIPAL, Role.SUPERVISION, Role.PROJECT_OFFICE})
ORDER_COUNTY = frozenset({Role.ADMIN, Role.PRINCIPAL, Role.SUPERVISION})
OFFICE = {Role.ADMIN, Role.PROJECT_OFFICE}

API: dict[str, Api] = {
    "region": api(GOV, record="region", own=STAFF_TOO, other_unit=STAFF_TOO),
    "unit": api(GOV, record="unit", own=STAFF_TOO),
    # A unit keeps its own people's titles and mobiles; names, units and regions are the
    # directory import's (read-only here).
    "person": api(
        GOV,
        record="person",
        own=STAFF_TOO,
        writes={
            "PATCH": write({Role.ADMIN, Role.UNIT_STAFF}, {Role.ADMIN}),
            "PUT": write({Role.ADMIN, Role.UNIT_STAFF}, {Role.ADMIN}),
        },
    ),
    "project": api(
        GOV,
        record="project",
        own=STAFF_TOO,
        writes={"POST": write(OFFICE, OFFICE), "PATCH": write(OFFICE, OFFICE)},
    ),
    "milestone": api(
        GOV,
        record="milestone",
        own=STAFF_TOO,
        writes={"PATCH": write(OFFICE | {Role.UNIT_STAFF}, OFFICE)},
    ),
    "report": api(
        GOV,
        record="report",
        own=STAFF_TOO,
        writes={"POST": write(OFFICE | {Role.UNIT_STAFF}, OFFICE)},
        post_names_record=True,
    ),
    "problem": api(
        GOV,
        record="problem",
        own=STAFF_TOO,
        writes={
            "POST": write(STAFF_TOO, COUNTY_WIDE),
            "PATCH": write(OFFICE | {Role.UNIT_STAFF}, OFFICE),
        },
        post_names_record=True,
    ),
    # Orders about no project: the office, principal leaders and the unit it was issued to.
    "order": api(
        GOV, record="order", own=ORDER_COUNTY | {Role.UNIT_STAFF}, other_unit=ORDER_COUNTY
    ),
    "inspection": api(GOV),
    "finding": api(GOV),
    "meeting": api(GOV),
    "assignment": api(GOV),
    "self-check": api(GOV),
    "self-check-answer": api(GOV),
    "league": api(GOV, detail=False),
    "bulletin": api({Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}),
    "drive": api(GOV - {Role.UNIT_STAFF}),
    "task-force": api(GOV - {Role.UNIT_STAFF}),
    "target": api(GOV - {Role.UNIT_STAFF}),
    "annual-target": api(GOV - {Role.UNIT_STAFF}),
    "trip": api({Role.PRINCIPAL, Role.LEADER, Role.PROJECT_OFFICE}),
    "lead": api({Role.PRINCIPAL, Role.LEADER, Role.PROJECT_OFFICE}),
    "project-day": api({Role.PRINCIPAL, Role.LEADER, Role.PROJECT_OFFICE}, detail=False),
    "meetings-register": api(GOV),
    "leave": api(GOV),
    "reception": api(GOV),
    "enterprise": api(GOV, record="enterprise", own=STAFF_TOO, admin_every_county=False),
    "pairing": api(GOV),
    "visit": api(GOV),
    # A county leader reads the requests of the enterprises paired with them (none here);
    # a unit those dispatched to it; an enterprise its own.
    "appeal": api(
        GOV | {Role.ENTERPRISE},
        record="appeal",
        own=APPEAL_COUNTY | {Role.UNIT_STAFF, Role.ENTERPRISE},
        other_unit=APPEAL_COUNTY,
        actions=("rate",),
        admin_every_county=False,
    ),
    "appeal-event": api(
        GOV | {Role.ENTERPRISE},
        record="appeal-event",
        own=APPEAL_COUNTY | {Role.UNIT_STAFF, Role.ENTERPRISE},
        other_unit=APPEAL_COUNTY,
        admin_every_county=False,
    ),
}

API_ROUTES = sorted(
    itertools.chain.from_iterable(
        [f"{basename}-list"]
        + ([f"{basename}-detail"] if declared.detail else [])
        + [f"{basename}-{action}" for action in declared.actions]
        for basename, declared in API.items()
    )
)


# --- Records: how to build one of a unit, for the matrix's three cases ----------------------
#
# Each builder takes a ``tuijin.testing.County`` and one of its units and returns a record
# that belongs to that unit: the test builds one for 城关镇 (own), one for 河口镇 (another
# unit) and one for 城关镇 of the neighbouring county (another county).

_serial = itertools.count(1)


def _staff_of(county, unit):
    """The liaison of ``unit`` in the county built by tuijin.testing."""
    if unit == county.township:
        return county.people[Role.UNIT_STAFF]
    return county.people["other_staff"]


def build_region(county, unit):
    return unit.region


def build_unit(county, unit):
    return unit


def build_person(county, unit):
    return _staff_of(county, unit)


def build_project(county, unit):
    from tuijin.projects.models import Project, ProjectPerson, Stage

    serial = next(_serial)
    project = Project.objects.create(
        region=county.region,
        name=f"矩阵测试项目{serial}号",
        total_investment=Decimal("52000"),
        host_unit=unit,
        lead_department=county.department,
        contact_leader=county.people[Role.LEADER],
        stage=Stage.STARTED,
        planned_start=dt.date(2026, 4, 1),
        actual_start=dt.date(2026, 6, 1),
    )
    ProjectPerson.objects.create(project=project, person=_staff_of(county, unit))
    return project


def build_milestone(county, unit):
    from tuijin.projects.services import create_milestones

    return create_milestones(build_project(county, unit))[0]


def build_report(county, unit):
    from tuijin.projects.models import ProgressReport

    project = build_project(county, unit)
    return ProgressReport.objects.create(
        project=project,
        period=dt.date(2026, 9, 1),
        progress_text="主体结构施工",
        invested=Decimal("100"),
        cumulative_invested=Decimal("100"),
    )


def build_problem(county, unit):
    from tuijin.projects.services import problem_create

    return problem_create(
        build_project(county, unit),
        description="用地指标未落实",
        responsible_unit=unit,
        responsible_person=_staff_of(county, unit),
        today=dt.date(2026, 9, 28),
    )


def build_order(county, unit):
    from tuijin.supervision.services import order_issue

    return order_issue(
        acting_user=county.users[Role.SUPERVISION],
        unit=unit,
        person=_staff_of(county, unit),
        title="关于加快推进矩阵测试项目的督办",
        content="请于期限内完成并反馈。",
        deadline_days=5,
        issued_on=dt.date(2026, 9, 28),
    )


def build_enterprise(county, unit):
    from tuijin.enterprises.models import Enterprise
    from tuijin.enterprises.validators import credit_code_check_char

    serial = next(_serial)
    body = f"91339901{serial:09d}"[:17]
    return Enterprise.objects.create(
        region=county.region,
        host_unit=unit,
        credit_code=body + credit_code_check_char(body),
        name=f"矩阵测试企业{serial}有限公司",
        industry="制造业",
        contact_name="王经理",
        contact_mobile="13900001111",
        revenue=Decimal("12000"),
        tax=Decimal("800"),
    )


def build_appeal(county, unit):
    """A request of an enterprise of ``unit``, dispatched to ``unit``; the county's enterprise
    account belongs to the enterprise of 城关镇."""
    from tuijin.appeals import services
    from tuijin.appeals.models import Appeal, EnterpriseAccount

    enterprise = build_enterprise(county, unit)
    if unit == county.township:  # the county's enterprise account is this enterprise's
        EnterpriseAccount.objects.update_or_create(
            user=county.users[Role.ENTERPRISE],
            defaults={
                "enterprise": enterprise,
                "contact_name": "王经理",
                "contact_mobile": "13900000001",
                "verified": True,
            },
        )
    office = county.users[Role.PROJECT_OFFICE]
    appeal = services.appeal_receive(
        acting_user=office,
        source=Appeal.Source.LEADER,
        enterprise=enterprise,
        contact_name="王经理",
        contact_mobile="13900002222",
        kind=Appeal.Kind.HELP,
        topic=Appeal.Topic.UTILITIES,
        title="新厂房用电报装进度慢",
        text="新建二号厂房需增容 800 千伏安，请协调供电部门。",
        received_on=dt.date(2026, 9, 28),
    )
    return services.appeal_dispatch(office, appeal, unit, on_date=dt.date(2026, 9, 30))


def build_appeal_event(county, unit):
    return build_appeal(county, unit).events.order_by("pk").first()


RECORDS = {
    "region": build_region,
    "unit": build_unit,
    "person": build_person,
    "project": build_project,
    "milestone": build_milestone,
    "report": build_report,
    "problem": build_problem,
    "order": build_order,
    "enterprise": build_enterprise,
    "appeal": build_appeal,
    "appeal-event": build_appeal_event,
}


# Minimal valid payloads of the API's writes: (county, the record written to) -> body.
PAYLOADS = {
    ("person", "PATCH"): lambda county, record: {"title": "矩阵测试职务"},
    ("person", "PUT"): lambda county, record: {
        "title": "矩阵测试职务",
        "mobile": f"1370000{record.pk:04d}",
    },
    ("project", "POST"): lambda county, record: {
        "name": f"矩阵测试新建项目{record.pk}",
        "total_investment": "30000",
        "host_unit": county.township.pk,
        "lead_department": county.department.pk,
        "contact_leader": county.people[Role.LEADER].pk,
    },
    ("project", "PATCH"): lambda county, record: {"address": "矩阵测试地址"},
    ("milestone", "PATCH"): lambda county, record: {"actual_date": "2026-09-01"},
    ("report", "POST"): lambda county, record: {
        "project": record.project_id,
        "period": "2026-10-01",
        "progress_text": "矩阵测试进度",
        "invested": "10",
    },
    ("problem", "POST"): lambda county, record: {
        "project": record.project_id,
        "description": "矩阵测试问题",
        "responsible_person": county.people[Role.UNIT_STAFF].pk,
    },
    ("problem", "PATCH"): lambda county, record: {"status": "resolved", "measure": "已协调"},
    ("appeal", "rate"): lambda county, record: {"rating": "satisfied"},
}
