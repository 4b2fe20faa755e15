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
    # A route naming more than the record: its keyword -> the record's attribute that fills
    # it (every other <int:...> takes the record's own id).
    kwargs: tuple[tuple[str, str], ...] = ()


def page(roles, record: str | None = None, ok=(200,), admin: bool = True) -> Page:
    roles = roles if isinstance(roles, str) else frozenset(roles)
    return Page(roles, record, frozenset(ok), admin=admin)


def post_page(roles, record: str | None = None, kwargs=()) -> Page:
    """An action: POST only; an empty form is refused with a message or sent back."""
    roles = roles if isinstance(roles, str) else frozenset(roles)
    return Page(roles, record, frozenset({200, 302, 400, 404}), post=True, kwargs=tuple(kwargs))


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
    "security:account": duty_page(
        {Role.SECURITY_ADMIN}, record="account"
    ),  # security/accounts/<pk>/
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
    "channels:edit": page(ADMIN_ONLY, record="channel"),  # channels/<int:pk>/
    "channels:test": post_page(ADMIN_ONLY, record="channel"),  # channels/<int:pk>/test/
    "channels:retry": post_page(
        ADMIN_ONLY, record="delivery"
    ),  # channels/deliveries/<int:pk>/retry/
    "projects:list": page(GOV),  # projects/
    "projects:mine": page({Role.LEADER, Role.PRINCIPAL}),  # projects/mine/
    "projects:due": page({Role.UNIT_STAFF}),  # projects/due/
    "projects:create": page({Role.PROJECT_OFFICE}),  # projects/new/
    "projects:detail": page(GOV, record="project"),  # projects/<int:pk>/
    "projects:edit": page({Role.PROJECT_OFFICE}, record="project"),  # projects/<int:pk>/edit/
    "projects:stage": post_page(GOV, record="project"),  # projects/<int:pk>/stage/
    "projects:stage-decide": post_page(
        {Role.PROJECT_OFFICE}, record="stage-change"
    ),  # projects/stage/<int:pk>/decide/
    "projects:report": page(GOV, record="project"),  # projects/<int:pk>/report/
    "projects:problem-create": page(GOV, record="project"),  # projects/<int:pk>/problems/new/
    "projects:problem-update": post_page(GOV, record="problem"),  # projects/problems/<int:pk>/
    "projects:milestones": page(GOV, record="project"),  # projects/<int:pk>/milestones/
    "projects:photo": page(GOV, record="photo"),  # projects/photos/<int:pk>/
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
        {Role.PROJECT_OFFICE}, record="pairing"
    ),  # enterprises/pairings/<int:pk>/end/
    "appeals:list": page(
        GOV | {Role.ENTERPRISE}, ok=SENDS_ON
    ),  # enterprise: to the portal  # appeals/
    "appeals:create": page({Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}),  # appeals/new/
    "appeals:enterprise-options": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}
    ),  # appeals/new/enterprises/
    "appeals:convert-opinion": post_page(
        {Role.PROJECT_OFFICE}, record="visit-opinion"
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
    "appeals:file": page(GOV | {Role.ENTERPRISE}, record="appeal-file"),  # appeals/files/<int:pk>/
    "outreach:trips": page({Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}),  # outreach/
    "outreach:trip-create": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}
    ),  # outreach/trips/new/
    "outreach:trip": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}, record="trip"
    ),  # outreach/trips/<int:pk>/
    "outreach:leads": page({Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}),  # outreach/leads/
    "outreach:lead-create": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}
    ),  # outreach/leads/new/
    "outreach:lead": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}, record="lead"
    ),  # outreach/leads/<int:pk>/
    "outreach:lead-update": post_page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}, record="lead"
    ),  # outreach/leads/<int:pk>/update/
    "outreach:lead-convert": post_page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE}, record="lead"
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
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}, record="drive"
    ),  # drives/<int:pk>/
    "drives:report": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}, record="drive"
    ),  # drives/<int:pk>/report.docx
    "drives:actual": post_page(
        {Role.PROJECT_OFFICE}, record="target", kwargs=[("pk", "campaign_id")]
    ),  # drives/<int:pk>/targets/<int:target_pk>/actual/
    "drives:annual": page(
        {Role.LEADER, Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}
    ),  # drives/annual/
    "drives:annual-edit": page(
        {Role.PROJECT_OFFICE}, record="annual-target"
    ),  # drives/annual/<int:pk>/edit/
    "discipline:meetings": page(GOV),  # discipline/meetings/
    "discipline:meeting-create": page(GOV),  # discipline/meetings/new/
    "discipline:meeting": page(GOV, record="meetings-register"),  # discipline/meetings/<int:pk>/
    "discipline:meeting-decide": post_page(
        GOV, record="meetings-register"
    ),  # discipline/meetings/<int:pk>/decide/
    "discipline:leaves": page(GOV),  # discipline/leave/
    "discipline:leave-create": page(GOV),  # discipline/leave/new/
    "discipline:leave": page(GOV, record="leave"),  # discipline/leave/<int:pk>/
    "discipline:leave-decide": post_page(GOV, record="leave"),  # discipline/leave/<int:pk>/decide/
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
        {Role.PROJECT_OFFICE}, record="enterprise-account"
    ),  # portal/accounts/<int:pk>/verify/
    "portal:reject": post_page(
        {Role.PROJECT_OFFICE}, record="enterprise-account"
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
    "supervision:file": page(GOV, record="order-file"),  # supervision/files/<int:pk>/
    "supervision:league": page(GOV),  # supervision/league/
    "supervision:league-weights": page({Role.SUPERVISION}),  # supervision/league/weights/
    "supervision:bulletins": page(
        {Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}
    ),  # supervision/bulletins/
    "supervision:bulletin-create": post_page({Role.SUPERVISION}),  # supervision/bulletins/new/
    "supervision:bulletin-download": page(
        {Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}, record="bulletin"
    ),  # supervision/bulletins/<int:pk>/
    "supervision:inspections": page(GOV),  # supervision/inspections/
    "supervision:inspection-create": page({Role.SUPERVISION}),  # supervision/inspections/new/
    "supervision:inspection-people": page({Role.SUPERVISION}),  # supervision/inspections/people/
    "supervision:inspection-detail": page(
        GOV, record="inspection"
    ),  # supervision/inspections/<int:pk>/
    "supervision:finding-create": page(
        {Role.SUPERVISION}, record="inspection"
    ),  # supervision/inspections/<int:pk>/findings/new/
    "supervision:finding-order": post_page(
        {Role.SUPERVISION}, record="finding"
    ),  # supervision/inspections/findings/<int:pk>/order/
    "supervision:finding-photo": page(
        GOV, record="finding-photo"
    ),  # supervision/inspections/photos/<int:pk>/
    "supervision:meetings": page(GOV),  # supervision/meetings/
    "supervision:meeting-create": page({Role.SUPERVISION}),  # supervision/meetings/new/
    "supervision:meeting": page(GOV, record="meeting"),  # supervision/meetings/<int:pk>/
    "supervision:meeting-memo": page(GOV, record="meeting"),  # supervision/meetings/<int:pk>/memo/
    "supervision:meeting-summary": post_page(
        {Role.SUPERVISION}, record="meeting"
    ),  # supervision/meetings/<int:pk>/summary/
    "supervision:meeting-assign": post_page(
        {Role.SUPERVISION}, record="meeting"
    ),  # supervision/meetings/<int:pk>/assign/
    "supervision:selfchecks": page(GOV),  # supervision/selfchecks/
    "supervision:selfcheck-create": page({Role.SUPERVISION}),  # supervision/selfchecks/new/
    "supervision:selfcheck": page(GOV, record="self-check"),  # supervision/selfchecks/<int:pk>/
    "supervision:selfcheck-answer": post_page(
        GOV, record="self-check"
    ),  # supervision/selfchecks/<int:pk>/answer/
    "supervision:selfcheck-comment": post_page(
        {Role.SUPERVISION}, record="self-check-answer"
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
    # A table endpoint (no detail) lists its records as ``rows`` keyed by ``key``.
    rows: str = "results"
    key: str = "id"


def api(roles, **kwargs) -> Api:
    return Api(frozenset(roles), **kwargs)


STAFF_TOO = COUNTY_WIDE | {Role.UNIT_STAFF}
APPEAL_COUNTY = frozenset({Role.ADMIN, Role.PRINCIPAL, Role.SUPERVISION, Role.PROJECT_OFFICE})
ORDER_COUNTY = frozenset({Role.ADMIN, Role.PRINCIPAL, Role.SUPERVISION})
OFFICE = {Role.ADMIN, Role.PROJECT_OFFICE}
OUTREACH = frozenset({Role.PRINCIPAL, Role.LEADER, Role.PROJECT_OFFICE})
OUTREACH_COUNTY = frozenset({Role.ADMIN, Role.PRINCIPAL, Role.PROJECT_OFFICE})

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
    # A unit's staff: the inspections of their unit, the findings it must put right, the
    # meetings that assigned it work, the rounds addressed to it and its own answers.
    "inspection": api(GOV, record="inspection", own=STAFF_TOO),
    "finding": api(GOV, record="finding", own=STAFF_TOO),
    "meeting": api(GOV, record="meeting", own=STAFF_TOO),
    "assignment": api(GOV, record="assignment", own=STAFF_TOO),
    "self-check": api(GOV, record="self-check", own=STAFF_TOO),
    "self-check-answer": api(GOV, record="self-check-answer", own=STAFF_TOO),
    # The table ranks every township and platform of the caller's own county.
    "league": api(
        GOV,
        record="unit",
        own=STAFF_TOO,
        other_unit=STAFF_TOO,
        detail=False,
        rows="rows",
        key="unit",
        admin_every_county=False,
    ),
    # Bulletins, drives and annual targets are the county's, of no unit.
    "bulletin": api({Role.PRINCIPAL, Role.PROJECT_OFFICE, Role.SUPERVISION}, record="bulletin"),
    "drive": api(GOV - {Role.UNIT_STAFF}, record="drive"),
    "task-force": api(GOV - {Role.UNIT_STAFF}, record="task-force"),
    "target": api(GOV - {Role.UNIT_STAFF}, record="target"),
    "annual-target": api(GOV - {Role.UNIT_STAFF}, record="annual-target"),
    # Outreach belongs to county leaders, not units: "own" is a trip or lead of the county's
    # leader account, "other_unit" one of another county leader, which that leader does not
    # see (issue 6, point 10); the principal leaders and the office see both.
    "trip": api(OUTREACH, record="trip", other_unit=OUTREACH_COUNTY),
    "lead": api(OUTREACH, record="lead", other_unit=OUTREACH_COUNTY),
    "project-day": api(
        OUTREACH,
        record="leader",
        other_unit=OUTREACH_COUNTY,
        detail=False,
        rows="rows",
        key="person",
        admin_every_county=False,
    ),
    # The register, leave and reception time of a unit's people: the unit's staff see their
    # own unit's, the county roles the county's.
    "meetings-register": api(GOV, record="meetings-register", own=STAFF_TOO),
    "leave": api(GOV, record="leave", own=STAFF_TOO),
    "reception": api(GOV, record="reception", own=STAFF_TOO),
    "enterprise": api(GOV, record="enterprise", own=STAFF_TOO, admin_every_county=False),
    # Pairings and visits are seen where their enterprise is (a unit: those it hosts).
    "pairing": api(GOV, record="pairing", own=STAFF_TOO, admin_every_county=False),
    "visit": api(GOV, record="visit", own=STAFF_TOO, admin_every_county=False),
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


# --- Records no API endpoint serves: who sees them, for the pages naming them -------------


@dataclass(frozen=True)
class Seen:
    """Who sees the 城关镇, the 河口镇 and the other county's record, as ``Api`` has it."""

    own: frozenset[str]
    other_unit: frozenset[str]
    admin_every_county: bool = True


def seen_as(basename: str) -> Seen:
    """A record seen exactly where the API's record it belongs to is."""
    rule = API[basename]
    return Seen(rule.own, rule.other_unit, rule.admin_every_county)


ADMINS = frozenset({Role.ADMIN})
SECURITY = frozenset({Role.SECURITY_ADMIN})

SEEN: dict[str, Seen] = {
    "finding-photo": seen_as("finding"),
    "order-file": seen_as("order"),
    "visit-opinion": seen_as("enterprise"),
    "appeal-file": seen_as("appeal"),
    "stage-change": seen_as("project"),
    "photo": seen_as("project"),
    # The service office verifies its own county's portal accounts.
    "enterprise-account": Seen(frozenset(OFFICE), frozenset(OFFICE), admin_every_county=False),
    # The security administrator keeps their own county's accounts.
    "account": Seen(SECURITY, SECURITY, admin_every_county=False),
    # Channels and deliveries are system configuration: the system administrator's.
    "channel": Seen(ADMINS, ADMINS),
    "delivery": Seen(ADMINS, ADMINS),
}


def seen(record: str) -> Api | Seen:
    """Who sees a record of RECORDS: its API endpoint's rule, else its entry in SEEN."""
    return API[record] if record in API else SEEN[record]


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


def _leader_of(county, unit):
    """The county's leader account's person for 城关镇; another county leader, made afresh,
    for 河口镇 (outreach is a leader's, not a unit's)."""
    from tuijin.core.roles import DirectoryRole
    from tuijin.testing import PersonFactory

    if unit == county.township:
        return county.people[Role.LEADER]
    return PersonFactory(
        unit=None, region=county.region, title="副县长", roles=[DirectoryRole.LEADER]
    )


def build_inspection(county, unit):
    from tuijin.supervision.models import Inspection

    inspection = Inspection.objects.create(
        region=county.region, topic="矩阵测试督查", inspected_on=dt.date(2026, 9, 25)
    )
    inspection.inspectors.set([county.people[Role.SUPERVISION]])
    inspection.units.set([unit])
    return inspection


def build_finding(county, unit):
    from tuijin.supervision.models import Finding

    return Finding.objects.create(
        inspection=build_inspection(county, unit),
        unit=unit,
        text="矩阵测试：现场无人施工",
        responsible_person=_staff_of(county, unit),
        requirement="限期复工",
        deadline_days=5,
        deadline=dt.date(2026, 10, 9),
    )


def build_finding_photo(county, unit):
    from tuijin.supervision.models import FindingPhoto

    return FindingPhoto.objects.create(
        finding=build_finding(county, unit), image="findings/00/matrix.jpg"
    )


def build_assignment(county, unit):
    """An assignment (交办事项) of a scheduling meeting to ``unit``."""
    from tuijin.supervision.models import Meeting
    from tuijin.supervision.services import order_issue

    meeting = Meeting.objects.create(
        region=county.region, title="矩阵测试调度会", held_on=dt.date(2026, 9, 28)
    )
    return order_issue(
        acting_user=county.users[Role.SUPERVISION],
        unit=unit,
        person=_staff_of(county, unit),
        title="矩阵测试交办事项",
        content="请于期限内完成并反馈。",
        deadline_days=5,
        issued_on=dt.date(2026, 9, 28),
        meeting=meeting,
    )


def build_meeting(county, unit):
    """A scheduling meeting that assigned ``unit`` work."""
    return build_assignment(county, unit).meeting


def build_order_file(county, unit):
    from tuijin.supervision.models import OrderFile

    event = build_order(county, unit).events.first()
    return OrderFile.objects.create(event=event, file="orders/00/matrix.pdf", name="a.pdf", size=1)


def build_self_check(county, unit):
    from tuijin.supervision.models import SelfCheck

    self_check = SelfCheck.objects.create(
        region=county.region,
        title="矩阵测试自查",
        questions=["优势还有多少？"],
        due_on=dt.date(2026, 10, 30),
    )
    self_check.units.set([unit])
    return self_check


def build_self_check_answer(county, unit):
    from tuijin.supervision.models import SelfCheckAnswer

    return SelfCheckAnswer.objects.create(
        self_check=build_self_check(county, unit), unit=unit, answers=["不少"]
    )


def build_bulletin(county, unit):
    from tuijin.supervision.models import Bulletin

    return Bulletin.objects.create(
        region=county.region,
        period="2026-09",
        label="2026年9月",
        year=2026,
        number=next(_serial),
        file="bulletins/00/matrix.docx",
    )


def build_drive(county, unit):
    from tuijin.drives.models import Campaign

    return Campaign.objects.create(
        region=county.region,
        name=f"矩阵测试行动{next(_serial)}",
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2026, 12, 9),
    )


def build_task_force(county, unit):
    from tuijin.drives.models import TaskForce

    return TaskForce.objects.create(campaign=build_drive(county, unit), name="招商引资组")


def build_target(county, unit):
    from tuijin.drives.models import Measure, Target

    return Target.objects.create(
        campaign=build_drive(county, unit), name="矩阵测试目标", measure=Measure.CUSTOM, value=10
    )


def build_annual_target(county, unit):
    from tuijin.drives.models import Measure
    from tuijin.drives.services import annual_target_save

    return annual_target_save(
        region=county.region,
        year=2026,
        name=f"矩阵测试目标{next(_serial)}",
        measure=Measure.CUSTOM,
        value=Decimal("10"),
    )


def build_trip(county, unit):
    from tuijin.outreach.services import trip_log

    return trip_log(
        acting_user=county.users[Role.PROJECT_OFFICE],
        leaders=[_leader_of(county, unit)],
        start_date=dt.date(2026, 9, 21),
        end_date=dt.date(2026, 9, 22),
        destination="杭州",
        purpose="对接新能源企业",
        today=dt.date(2026, 9, 28),
    )


def build_lead(county, unit):
    from tuijin.outreach.services import lead_create

    return lead_create(
        acting_user=county.users[Role.PROJECT_OFFICE],
        owner=_leader_of(county, unit),
        title="矩阵测试电池项目",
        company="矩阵测试新能源有限公司",
        created_on=dt.date(2026, 9, 28),
    )


def build_leader(county, unit):
    return _leader_of(county, unit)


def build_register_meeting(county, unit):
    """A meeting in the register convened by ``unit``'s liaison."""
    from tuijin.discipline.models import Meeting

    return Meeting.objects.create(
        region=county.region,
        convener=_staff_of(county, unit),
        held_on=dt.date(2026, 9, 29),
        topic="矩阵测试项目推进会",
    )


def build_leave(county, unit):
    from tuijin.discipline.models import Leave

    return Leave.objects.create(
        region=county.region,
        person=_staff_of(county, unit),
        start_date=dt.date(2026, 9, 29),
        end_date=dt.date(2026, 9, 29),
        reason_kind=Leave.Reason.PERSONAL,
        status=Leave.Status.PENDING,
    )


def build_reception(county, unit):
    from tuijin.discipline.models import ReceptionLog

    return ReceptionLog.objects.create(
        region=county.region,
        person=_staff_of(county, unit),
        on_date=dt.date(2026, 9, 29),
        minutes=90,
        kind=ReceptionLog.Kind.RECEPTION,
        guest="市考察组",
    )


def build_pairing(county, unit):
    """The county leader paired with an enterprise of ``unit``."""
    from tuijin.enterprises.pairing import pairing_create

    return pairing_create(
        build_enterprise(county, unit),
        county.people[Role.LEADER],
        started_on=dt.date(2026, 9, 1),
    )


def build_visit(county, unit):
    """``unit``'s liaison visited an enterprise of ``unit``, and heard one opinion."""
    from tuijin.enterprises.pairing import visit_record

    return visit_record(
        build_enterprise(county, unit),
        visitors=[_staff_of(county, unit)],
        visited_on=dt.date(2026, 9, 28),
        situation="生产正常",
        opinions=[("用工紧张", "")],
        today=dt.date(2026, 9, 28),
    )


def build_visit_opinion(county, unit):
    return build_visit(county, unit).opinions.get()


def build_appeal_file(county, unit):
    from tuijin.appeals.models import AppealAttachment

    return AppealAttachment.objects.create(
        appeal=build_appeal(county, unit), file="appeals/00/matrix.pdf", name="a.pdf", size=1
    )


def build_enterprise_account(county, unit):
    """A portal account waiting for verification, of an enterprise of ``unit``."""
    from tuijin.appeals.models import EnterpriseAccount
    from tuijin.core.models import User

    user = User.objects.create(username=f"matrix-portal-{next(_serial)}")
    return EnterpriseAccount.objects.create(
        user=user,
        enterprise=build_enterprise(county, unit),
        contact_name="李经理",
        contact_mobile="13900003333",
    )


def build_stage_change(county, unit):
    from tuijin.projects.models import Stage, StageChange

    return StageChange.objects.create(
        project=build_project(county, unit),
        from_stage=Stage.STARTED,
        to_stage=Stage.COMPLETED,
        on_date=dt.date(2026, 9, 28),
    )


def build_photo(county, unit):
    from tuijin.projects.models import Photo

    return Photo.objects.create(report=build_report(county, unit), image="photos/00/matrix.jpg")


def build_account(county, unit):
    """The sign-in account of ``unit``'s liaison."""
    return _staff_of(county, unit).user


def build_channel(county, unit):
    from tuijin.core.delivery import seal
    from tuijin.core.models import WebhookChannel

    return WebhookChannel.objects.create(
        region=county.region,
        name="矩阵测试群",
        kind=WebhookChannel.Kind.WECOM,
        url_sealed=seal("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=matrix"),
    )


def build_delivery(county, unit):
    from tuijin.core.models import Delivery, Notification

    notification = Notification.objects.create(
        recipient=county.users[Role.UNIT_STAFF], title="矩阵测试消息"
    )
    return Delivery.objects.create(
        notification=notification,
        target=Delivery.Target.WEBHOOK,
        channel=build_channel(county, unit),
        status=Delivery.Status.FAILED,
    )


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
    "inspection": build_inspection,
    "finding": build_finding,
    "finding-photo": build_finding_photo,
    "meeting": build_meeting,
    "assignment": build_assignment,
    "order-file": build_order_file,
    "self-check": build_self_check,
    "self-check-answer": build_self_check_answer,
    "bulletin": build_bulletin,
    "drive": build_drive,
    "task-force": build_task_force,
    "target": build_target,
    "annual-target": build_annual_target,
    "trip": build_trip,
    "lead": build_lead,
    "leader": build_leader,
    "meetings-register": build_register_meeting,
    "leave": build_leave,
    "reception": build_reception,
    "pairing": build_pairing,
    "visit": build_visit,
    "visit-opinion": build_visit_opinion,
    "appeal-file": build_appeal_file,
    "enterprise-account": build_enterprise_account,
    "stage-change": build_stage_change,
    "photo": build_photo,
    "account": build_account,
    "channel": build_channel,
    "delivery": build_delivery,
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
