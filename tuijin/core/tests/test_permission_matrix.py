"""The permission matrix: every route of the product, every role, the declared answer.

The routes come from Django's URL resolver and the API router, the answers from
``tuijin/core/tests/matrix.py``: a route missing there fails ``test_every_route_is_declared``
by name. Roles are those of ``Role`` at the time of the run, plus the anonymous visitor.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tuijin.core.api_urls import router
from tuijin.core.models import User
from tuijin.core.roles import Role

from . import matrix

ANONYMOUS = "anonymous"
MISSING_PK = 987654321
SKIPPED_PREFIXES = ("admin/", "api/")  # the admin site is Django's; api/ is the router's


def walk(patterns, prefix: str = "", namespace: str | None = None):
    """(route, name) of every URL pattern, through every include."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name


def page_routes() -> dict[str, str]:
    return {
        name: route
        for route, name in walk(get_resolver().url_patterns)
        if not route.startswith(SKIPPED_PREFIXES)
    }


def api_routes() -> set[str]:
    """Every API route name: list, detail and each extra action, per registered viewset."""
    names = set()
    for url in router.urls:
        if url.name and url.name != "api-root":
            names.add(url.name)
    return names


def all_roles() -> list[str]:
    return [role.value for role in Role] + [ANONYMOUS]


def user_for(county, role: str) -> User | None:
    """The county's account of ``role``; roles added after tuijin.testing get one here."""
    if role == ANONYMOUS:
        return None
    if role in county.users:
        return county.users[role]
    user = User.objects.create(username=f"matrix-{role}", region=county.region)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    county.users[role] = user
    return user


def allowed(roles, role: str, admin: bool = True) -> bool:
    """What ``role_required`` promises: the declared roles, and administrators always
    (``duty_required``: the declared roles only)."""
    if roles == matrix.PUBLIC:
        return True
    if role == ANONYMOUS:
        return False
    if roles == matrix.SIGNED_IN:
        return True
    return (admin and role == Role.ADMIN) or role in roles


def open_as(client, user, url, post: bool = False):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.post(url, {}) if post else client.get(url)


def page_url(name: str, route: str, pk: int, record=None) -> str:
    """The page's URL for ``record`` (or a missing id): each <int:...> takes the record's id,
    or the attribute the page declares for it (a target's drive)."""
    kwargs = {key: pk for key in re.findall(r"<int:(\w+)>", route)}
    if record is not None:
        kwargs.update({key: getattr(record, attr) for key, attr in matrix.PAGES[name].kwargs})
    return reverse(name, kwargs=kwargs)


class Expectations:
    """Soft assertions: a test gathers every departure from the table, then fails once with
    the whole list (endpoint × role × case), so one run shows the full difference."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def __call__(self, ok: bool, message: str) -> None:
        if not ok:
            self.failures.append(message)

    def start(self) -> None:
        self.failures.clear()

    def verdict(self) -> None:
        failures, self.failures = self.failures, []
        assert not failures, "\n".join(failures)


expect = Expectations()

_CSRF = re.compile(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": "|csrftoken=)[^"&;]+')


def same_page(a, b) -> bool:
    """Two responses a user cannot tell apart (the CSRF token aside)."""
    return (
        a.status_code == b.status_code
        and a.get("Location") == b.get("Location")
        and _CSRF.sub(b"", a.content) == _CSRF.sub(b"", b.content)
    )


# --- Coverage: nothing ships undeclared ----------------------------------------------------


def test_every_route_is_declared():
    pages = page_routes()
    missing_pages = sorted(
        f"{name} ({route})" for name, route in pages.items() if name not in matrix.PAGES
    )
    missing_api = sorted(api_routes() - set(matrix.API_ROUTES))
    assert not missing_pages, f"pages without a declared answer in matrix.PAGES: {missing_pages}"
    assert not missing_api, f"API routes without a declared answer in matrix.API: {missing_api}"
    stale = sorted(set(matrix.PAGES) - set(pages)) + sorted(set(matrix.API_ROUTES) - api_routes())
    assert not stale, f"declared routes that no longer exist: {stale}"


def test_every_declared_role_exists():
    """A typo in the table (a role that is not one) would make a page look refused."""
    known = {role.value for role in Role}
    for name, declared in matrix.PAGES.items():
        if not isinstance(declared.roles, str):
            assert declared.roles <= known, name
    for basename, declared in matrix.API.items():
        assert declared.roles <= known, basename


# --- Pages: who may open each ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(matrix.PAGES))
def test_page_answers_each_role_as_declared(name, county, client):
    """Anonymous: to the sign-in page; refused role: 403 page; allowed: the page (for a route
    naming a record, a missing one is 404, never a refusal and never a 500)."""
    declared = matrix.PAGES[name]
    route = page_routes()[name]
    url = page_url(name, route, MISSING_PK)
    login = reverse(settings.LOGIN_URL)
    expect.start()
    for role in all_roles():
        response = open_as(client, user_for(county, role), url, declared.post)
        where = f"{name} × {role}"
        expect(response.status_code < 500, f"{where}: {response.status_code}")
        if not allowed(declared.roles, role, declared.admin):
            if role == ANONYMOUS:
                expect(response.status_code == 302, f"{where}: {response.status_code}")
                location = response.get("Location", "")
                expect(location.startswith(login), f"{where}: {location}")
            else:
                expect(response.status_code == 403, f"{where}: {response.status_code}")
                expect("无权" in response.content.decode(), where)
        elif "<int:" in route:  # a missing record: 404 (or sent on), never a refusal
            expected = {404} | (declared.ok - {200, 400})
            expect(response.status_code in expected, f"{where}: {response.status_code}")
        else:
            expect(response.status_code in declared.ok, f"{where}: {response.status_code}")
    expect.verdict()


# --- API: who may call each endpoint, and which rows each sees --------------------------------

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def snapshot(model) -> list[dict]:
    """Every row of ``model``; an account's last sign-in is the test's own doing, not data."""
    rows = list(model.objects.order_by("pk").values())
    for row in rows:
        row.pop("last_login", None)
    return rows


def call(client, method: str, url: str, body: dict | None = None):
    return client.generic(method, url, data=json.dumps(body or {}), content_type="application/json")


def listed_ids(client, response, rows: str = "results", key: str = "id") -> set[int]:
    """The ids of every row of a list, through all its pages (a table: its ``rows``, each
    naming its record by ``key``)."""
    ids: set[int] = set()
    for _ in range(50):
        data = response.json()
        found = data[rows] if isinstance(data, dict) and rows in data else data
        ids |= {row[key] for row in found if isinstance(row, dict) and key in row}
        following = data.get("next") if isinstance(data, dict) else None
        if not following:
            break
        response = client.get(following)
    return ids


def assert_error_shape(response, where: str) -> None:
    body = response.json()
    expect(set(body) >= {"error", "message"}, f"{where}: {body}")


def build_records(declared, county, other_county) -> dict:
    """Own (城关镇), another unit's (河口镇) and another county's record, built afresh."""
    if not declared.record:
        return {}
    build = matrix.RECORDS[declared.record]
    return {
        "own": build(county, county.township),
        "other_unit": build(county, county.other_township),
        "other_county": build(other_county, other_county.township),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("basename", sorted(matrix.API))
def test_api_answers_each_role_as_declared(
    basename, county, other_county, client, settings, tmp_path
):
    """List, detail, writes and deletion, per role, for own / another unit's / another
    county's record and anonymous. Each role gets fresh records: a write that succeeded for
    one role must not decide what the next one meets."""
    settings.MEDIA_ROOT = tmp_path / "media"
    expect.start()
    declared = matrix.API[basename]
    list_url = reverse(f"{basename}-list")

    def detail(pk) -> str:
        return reverse(f"{basename}-detail", args=[pk])

    for role in all_roles():
        records = build_records(declared, county, other_county)
        model = type(records["own"]) if records else None
        user = user_for(county, role)
        client.logout()
        if user is not None:
            client.force_login(user)
        where = f"{basename} × {role}"
        response = client.get(list_url)
        expect(response.status_code < 500, f"{where}: {response.status_code}")
        if role == ANONYMOUS or not allowed(declared.roles, role):
            expected = 401 if role == ANONYMOUS else 403
            expect(response.status_code == expected, f"{where} list: {response.status_code}")
            assert_error_shape(response, where)
            before = snapshot(model) if model else None
            for case, record in records.items() if declared.detail else ():
                got = client.get(detail(record.pk))
                expect(got.status_code == expected, f"{where} detail {case}: {got.status_code}")
                for method in WRITE_METHODS:
                    got = call(client, method, detail(record.pk))
                    expect(got.status_code == expected, f"{where} {method} {case}")
            got = call(client, "POST", list_url)
            expect(got.status_code == expected, f"{where} POST: {got.status_code}")
            if model:
                expect(snapshot(model) == before, f"{where}: a refused call changed the data")
            continue
        expect(response.status_code == 200, f"{where} list: {response.status_code}")
        if not records:
            continue
        ids = listed_ids(client, response, declared.rows, declared.key)
        sees = {
            "own": role in declared.own,
            "other_unit": role in declared.other_unit or records["other_unit"] == records["own"],
            "other_county": role == Role.ADMIN and declared.admin_every_county,
        }
        for case, record in records.items():
            expect((record.pk in ids) == sees[case], f"{where} list, {case}: {sees[case]}")
        if not declared.detail:
            got = call(client, "POST", list_url)
            expect(got.status_code == 405, f"{where} POST: {got.status_code}")
            continue
        missing = client.get(detail(MISSING_PK))
        expect(missing.status_code == 404, f"{where}: missing id gives {missing.status_code}")
        for case, record in records.items():
            got = client.get(detail(record.pk))
            if sees[case]:
                expect(got.status_code == 200, f"{where} detail {case}: {got.status_code}")
            else:
                expect(got.status_code == 404, f"{where} detail {case}: {got.status_code}")
                expect(got.json() == missing.json(), f"{where} detail {case} tells itself apart")
        check_writes(client, declared, basename, role, county, records, list_url, detail)
    expect.verdict()


def writers(declared, offered, case: str) -> frozenset[str]:
    """Who a write succeeds for on the record of ``case``."""
    if case == "own":
        return offered.own
    if case == "other_unit":
        return offered.other_unit
    return offered.other_unit & {Role.ADMIN} if declared.admin_every_county else frozenset()


def check_writes(client, declared, basename, role, county, records, list_url, detail):
    """Each write the endpoint offers succeeds for its declared roles only; the rest, and
    every write it does not offer, leave the data as it was."""
    model = type(records["own"])
    for method in WRITE_METHODS:
        for case, record in records.items():
            if method == "POST" and case != "own" and not declared.post_names_record:
                continue
            where = f"{basename} × {role} × {method} {case}"
            url = list_url if method == "POST" else detail(record.pk)
            payload = matrix.PAYLOADS.get((basename, method))
            body = payload(county, record) if payload else {}
            if method in ("PUT", "PATCH") and hasattr(record, "version"):
                # An edit names the version it read, as every client must (428 otherwise).
                body["version"] = type(record).objects.get(pk=record.pk).version
            before = snapshot(model)
            got = call(client, method, url, body)
            expect(got.status_code < 500, f"{where}: {got.status_code}")
            offered = declared.writes.get(method)
            succeeds = offered is not None and role in writers(declared, offered, case)
            if succeeds:
                expect(got.status_code in (200, 201), f"{where}: {got.status_code} {got.content}")
                continue
            if offered is None:
                expect(got.status_code == 405, f"{where}: {got.status_code}")
            elif case == "other_county":
                expect(got.status_code in (400, 404), f"{where}: {got.status_code}")
            else:
                expect(got.status_code in (400, 403, 404), f"{where}: {got.status_code}")
            if got.status_code != 405:
                assert_error_shape(got, where)
            expect(snapshot(model) == before, f"{where}: a refused write changed the data")
    for action in declared.actions:
        for case, record in records.items():
            where = f"{basename} × {role} × {action} {case}"
            url = reverse(f"{basename}-{action}", args=[record.pk])
            payload = matrix.PAYLOADS.get((basename, action))
            before = snapshot(model)
            got = call(client, "POST", url, payload(county, record) if payload else {})
            expect(got.status_code < 500, f"{where}: {got.status_code}")
            offered = declared.writes.get(action)
            if offered is not None and role in writers(declared, offered, case):
                expect(got.status_code in (200, 201), f"{where}: {got.status_code}")
                continue
            expected = (404,) if case == "other_county" else (400, 403, 404)
            expect(got.status_code in expected, f"{where}: {got.status_code}")
            expect(snapshot(model) == before, f"{where}: a refused action changed the data")


# --- Pages naming a record: out of scope looks exactly like missing ------------------------

RECORD_PAGES = sorted(name for name, declared in matrix.PAGES.items() if declared.record)
# Pages that read a record (as against changing it, which takes a right on the record):
# the county's readers open their own county's.
READ_PAGES = {
    "directory:unit-detail",
    "directory:person-detail",
    "projects:detail",
    "enterprises:detail",
    "enterprises:visits",
    "appeals:detail",
    "supervision:detail",
    "supervision:docx",
    "supervision:inspection-detail",
    "supervision:meeting",
    "supervision:selfcheck",
    "drives:detail",
    "outreach:trip",
    "outreach:lead",
    "discipline:meeting",
    "discipline:leave",
}
COUNTY_READERS = (Role.PRINCIPAL, Role.ADMIN)


@pytest.mark.django_db
@pytest.mark.parametrize("name", RECORD_PAGES)
def test_page_hides_other_counties_and_units_records(
    name, county, other_county, client, settings, tmp_path
):
    """For every role the page lets in: another county's record gives the very page a
    missing id gives (status and body), and so does another unit's for the unit's own
    staff where the API hides it too; nothing changes. The county's readers open their own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    expect.start()
    declared = matrix.PAGES[name]
    route = page_routes()[name]
    rule = matrix.seen(declared.record)
    records = build_records(declared, county, other_county)  # a refused request changes none
    model = type(records["own"])
    for role in all_roles():
        if role == ANONYMOUS or not allowed(declared.roles, role, declared.admin):
            continue
        user = user_for(county, role)
        before = snapshot(model)
        missing = open_as(client, user, page_url(name, route, MISSING_PK), declared.post)
        hidden = [] if role == Role.ADMIN and rule.admin_every_county else ["other_county"]
        if role not in rule.other_unit and records["other_unit"] != records["own"]:
            hidden.append("other_unit")
        for case in hidden:
            where = f"{name} × {role} × {case}"
            url = page_url(name, route, records[case].pk, records[case])
            got = open_as(client, user, url, declared.post)
            expect(got.status_code in (302, 404), f"{where}: {got.status_code}")
            expect(same_page(got, missing), f"{where}: tells itself apart from a missing id")
        expect(snapshot(model) == before, f"{name} × {role}: a refused request changed data")
        if name in READ_PAGES and role in COUNTY_READERS and role in rule.own:
            got = open_as(client, user, page_url(name, route, records["own"].pk, records["own"]))
            expect(got.status_code == 200, f"{name} × {role} × own: {got.status_code}")
    expect.verdict()


# --- Field level: what a role may neither read nor write through the API -------------------


def patch_as(client, user, url, body):
    """A PATCH as a client makes it: read the record, send its ETag back as If-Match."""
    client.logout()
    client.force_login(user)
    etag = client.get(url).get("ETag", "")
    return client.generic(
        "PATCH", url, data=json.dumps(body), content_type="application/json", HTTP_IF_MATCH=etag
    )


@pytest.mark.django_db
def test_a_unit_cannot_rename_or_move_its_people_through_the_api(county, other_county, client):
    """Names, units and regions come from the directory import: read-only for everyone."""
    person = county.people[Role.UNIT_STAFF]
    for role in (Role.UNIT_STAFF, Role.ADMIN):
        response = patch_as(
            client,
            county.users[role],
            reverse("person-detail", args=[person.pk]),
            {
                "name": "冒名顶替",
                "unit": county.other_township.pk,
                "region": other_county.region.pk,
                "title": "副镇长",
            },
        )
        assert response.status_code == 200, role
        person.refresh_from_db()
        assert person.name != "冒名顶替"
        assert person.unit_id == county.township.pk
        assert person.region_id == county.region.pk
        assert person.title == "副镇长"


@pytest.mark.django_db
def test_a_projects_stage_and_light_cannot_be_written_through_the_api(county, client):
    """Stage changes go through approval, the light through its rules: not through PATCH."""
    project = matrix.build_project(county, county.township)
    stage, light = project.stage, project.light
    response = patch_as(
        client,
        county.users[Role.PROJECT_OFFICE],
        reverse("project-detail", args=[project.pk]),
        {"stage": "completed", "light": "red", "completed_on": "2026-10-01", "address": "新址"},
    )
    assert response.status_code == 200
    project.refresh_from_db()
    assert (project.stage, project.light, project.completed_on) == (stage, light, None)
    assert project.address == "新址"


@pytest.mark.django_db
def test_an_appeals_contact_mobile_is_read_by_no_role_through_the_api(county, other_county, client):
    """The enterprise's contact on a request stays on the office's pages: no API field."""
    appeal = matrix.build_appeal(county, county.township)
    assert appeal.contact_mobile == "13900002222"
    for role in all_roles():
        user = user_for(county, role)
        if user is None:
            continue
        client.logout()
        client.force_login(user)
        for url in (
            reverse("appeal-list"),
            reverse("appeal-detail", args=[appeal.pk]),
            reverse("appeal-event-list"),
        ):
            body = client.get(url).content.decode()
            assert "13900002222" not in body, f"{url} × {role}"
            assert "contact_mobile" not in body, f"{url} × {role}"


@pytest.mark.django_db
def test_an_enterprise_reads_no_staff_names_or_internal_steps_of_its_requests(county, client):
    """Its portal's words: the timeline without who did it, without reminders or escalations."""
    from tuijin.appeals.models import ENTERPRISE_EVENT_KINDS

    appeal = matrix.build_appeal(county, county.township)
    client.force_login(county.users[Role.ENTERPRISE])
    events = client.get(reverse("appeal-event-list"), {"appeal": appeal.pk}).json()["results"]
    assert events
    assert all(event["actor_name"] is None for event in events)
    assert {event["kind"] for event in events} <= set(ENTERPRISE_EVENT_KINDS)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.BANK])
def test_enterprises_and_banks_read_no_finances_or_mobiles(county, client, role):
    """Revenue, tax and contact mobiles of enterprises, and officials' mobiles, are the
    county's: an enterprise or a bank account is refused both registries outright."""
    enterprise = matrix.build_enterprise(county, county.township)
    client.force_login(county.users[role])
    for url in (
        reverse("enterprise-list"),
        reverse("enterprise-detail", args=[enterprise.pk]),
        reverse("person-list"),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "13900001111" not in response.content.decode()


# --- Exports: the rows of one's own scope, never another county's --------------------------


def workbook_text(response) -> str:
    from openpyxl import load_workbook

    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "kind"),
    [("projects:ledger-export", "project"), ("enterprises:export", "enterprise")],
)
@pytest.mark.parametrize("role", [Role.ADMIN, Role.PRINCIPAL, Role.UNIT_STAFF])
def test_exports_hold_own_rows_only(url_name, kind, role, county, other_county, client):
    build = matrix.RECORDS[kind]
    own = build(county, county.township)
    other_unit = build(county, county.other_township)
    foreign = build(other_county, other_county.township)
    client.force_login(county.users[role])
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    text = workbook_text(response)
    assert own.name in text
    every_county = role == Role.ADMIN and matrix.API[kind].admin_every_county
    assert (foreign.name in text) == every_county
    assert (other_unit.name in text) == (role != Role.UNIT_STAFF)
