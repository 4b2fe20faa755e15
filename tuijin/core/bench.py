"""``tuijin bench``: how long each page, API list and batch job takes on the data present, next
to the floors of the same machine.

Pages are requested with ``django.test.Client`` through the whole middleware, signed in as a
persona found by role on the data (so the bench runs on the demo county and on seeded data
alike): 3 warm-up requests, then ``runs`` timed ones (median and p95), and one more request
whose SQL queries are counted. Every page must answer 200: a bench of a broken page means
nothing, so a failure is reported and the command exits 1.

Floors say what the machine can do at best: the framework floor is ``/healthz`` requested by
the same signed-in client (a page cannot be faster than Django answering "ok"); the SQL floor
of each aggregate page (cockpit, league table, drive page) is the hand-written SQL of the same
figures (``bench_sql``). A measure's ratio is its median over its floor's median.

Batch measures (sweep, ledger import, ledger export, monthly bulletin) call the services the
commands call, a few times each. The bench changes nothing: what writes (the sweep, the import)
runs inside a transaction that is rolled back, exports go to a temporary folder, and the
personas are signed in with sessions of the bench's own that are deleted at the end (signing
in through ``login()`` would write the security log and ``last_login``).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import resolve, reverse
from django.utils import timezone

from . import bench_sql, sessions
from .budgets import QUERY_BUDGET, budget_for
from .models import Person, Region, User
from .roles import Role
from .scale import SCALES
from .scoping import home_region_id, scope_of

WARMUP = 3
BATCH_RUNS = 3
# A batch job is not run again once its runs have taken this long in all.
BATCH_SECONDS = 20.0
IMPORT_ROWS = 10_000
EXPORT_ROWS = 100_000
# A deep page of a list that only offers "next" links: follow them this many times at most,
# or for this many seconds, whichever comes first.
DEEP_HOPS = 200
DEEP_SECONDS = 5.0
EMPTY_MESSAGE = "数据库中没有数据，请先运行 tuijin seed --scale county"


class BenchError(Exception):
    """Bench cannot run on this database or with these options; one line for the operator."""


@dataclass
class Result:
    name: str
    kind: str  # page, api, floor, batch
    median_ms: float
    p95_ms: float
    queries: int
    floor_name: str | None = None
    floor_median_ms: float | None = None
    ratio: float | None = None
    budget: int = QUERY_BUDGET  # of a page or API list (core/budgets.py), by its URL name

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "median_ms": self.median_ms,
            "p95_ms": self.p95_ms,
            "queries": self.queries,
            "floor_name": self.floor_name,
            "floor_median_ms": self.floor_median_ms,
            "ratio": self.ratio,
        }


@dataclass
class Report:
    scale: str | None
    database: str
    counts: dict[str, int]
    results: list[Result] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "scale": self.scale,
            "database": self.database,
            "counts": self.counts,
            "measures": [r.as_json() for r in self.results],
        }

    def over_budget(self) -> list[Result]:
        return [r for r in self.results if r.kind in ("page", "api") and r.queries > r.budget]


# --- the data present ------------------------------------------------------------------------


def data_counts() -> dict[str, int]:
    """What the data holds, for the report's ``counts``."""
    from tuijin.appeals.models import Appeal
    from tuijin.drives.models import Campaign
    from tuijin.enterprises.models import Enterprise, Visit
    from tuijin.outreach.models import OutreachTrip
    from tuijin.projects.models import Milestone, Problem, ProgressReport, Project
    from tuijin.supervision.models import SupervisionOrder

    return {
        "counties": Region.objects.filter(level=Region.Level.COUNTY).count(),
        "projects": Project.objects.count(),
        "progress_reports": ProgressReport.objects.count(),
        "milestones": Milestone.objects.count(),
        "problems": Problem.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "requests": Appeal.objects.count(),
        "orders": SupervisionOrder.objects.count(),
        "visits": Visit.objects.count(),
        "trips": OutreachTrip.objects.count(),
        "campaigns": Campaign.objects.count(),
    }


def scale_of(counties: int) -> str | None:
    return next((name for name, n in SCALES.items() if n == counties), None)


@dataclass
class Samples:
    """The personas and the records the measures ask for, found on the data present."""

    county: Region
    users: dict[str, User]
    unit_id: int | None = None
    project_id: int | None = None
    project_query: str = ""
    appeal_id: int | None = None
    appeal_query: str = ""
    enterprise_id: int | None = None
    enterprise_query: str = ""
    campaign: Any = None
    absent_query: str = ""  # found when a measure asks for it (``absent_query``)


def _middle(text: str, width: int = 2) -> str:
    """A few characters from the middle of a name, as someone would type them to find it."""
    text = re.sub(r"[\s\d]", "", text or "")
    if len(text) <= width:
        return text
    start = (len(text) - width) // 2
    return text[start : start + width]


# Two characters for a search that finds nothing, when no pair taken from the samples is absent.
ABSENT_FALLBACK = "龘靐"


def _searched() -> list[tuple[Any, tuple[str, ...]]]:
    """The text columns behind the search box of each list (projects, requests, enterprises)."""
    from tuijin.appeals.models import Appeal
    from tuijin.enterprises.models import Enterprise
    from tuijin.projects.models import Project

    return [
        (Project, ("name", "investor_name", "code")),
        (Appeal, ("title", "text", "enterprise_name", "hotline_number")),
        (Enterprise, ("name", "credit_code", "pinyin_initials")),
    ]


def absent_query(samples: Samples) -> str:
    """Two Chinese characters found in no searched column of any list: the worst case of a
    search (every row in scope read). Taken from the samples' own characters, reversed
    (common characters, an uncommon pair), and checked with the plain substring filter."""
    if samples.absent_query:
        return samples.absent_query
    chars = [
        c
        for c in samples.project_query + samples.appeal_query + samples.enterprise_query
        if "\u4e00" <= c <= "\u9fff"
    ]
    candidates = [b + a for a, b in zip(chars, chars[1:], strict=False) if a != b]
    for text in [*candidates, ABSENT_FALLBACK]:
        found = False
        for model, columns in _searched():
            q = Q()
            for column in columns:
                q |= Q(**{f"{column}__icontains": text})
            if model.objects.filter(q).exists():
                found = True
                break
        if not found:
            samples.absent_query = text
            return text
    raise BenchError(f"找不到数据中没有的两个字（连「{ABSENT_FALLBACK}」也有）")


def _in_region(region: Region) -> Q:
    return Q(region=region) | Q(person__region=region)


def _with_role(role: str, region: Region | None = None):
    users = User.objects.filter(is_active=True, groups__name=role)
    if region is not None:
        users = users.filter(_in_region(region))
    return users.order_by("id")


def find_samples() -> Samples:
    """Personas by role (project office, county leader, unit staff, administrator, the top
    region's official) and sample records of the first county that has projects."""
    from tuijin.appeals.models import Appeal
    from tuijin.drives.models import Campaign
    from tuijin.enterprises.models import Enterprise
    from tuijin.projects.models import Project, Stage

    county = next(
        (
            region
            for region in Region.objects.filter(level=Region.Level.COUNTY).order_by("code")
            if Project.objects.filter(region=region).exists()
        ),
        None,
    )
    if county is None:
        raise BenchError(EMPTY_MESSAGE)
    users: dict[str, User] = {}
    admin = User.objects.filter(Q(is_superuser=True) | Q(groups__name=Role.ADMIN), is_active=True)
    if found := admin.order_by("id").first():
        users["admin"] = found
    if found := _with_role(Role.PROJECT_OFFICE, county).first():
        users["office"] = found
    # The county leader who is contact leader of the most projects.
    leaders = (
        Project.objects.filter(
            region=county,
            contact_leader__user__is_active=True,
            contact_leader__user__groups__name=Role.LEADER,
        )
        .values("contact_leader")
        .annotate(n=Count("id"))
        .order_by("-n", "contact_leader")
    )
    if leaders:
        person = Person.objects.select_related("user").get(pk=leaders[0]["contact_leader"])
        users["leader"] = person.user
    # The township or platform hosting the most projects, and one of its staff.
    hosts = list(
        Project.objects.filter(region=county, host_unit__isnull=False)
        .values("host_unit")
        .annotate(n=Count("id"))
        .order_by("-n", "host_unit")[:10]
    )
    unit_id = hosts[0]["host_unit"] if hosts else None
    staff = {
        unit: user
        for user, unit in _with_role(Role.UNIT_STAFF)
        .filter(person__unit__in=[h["host_unit"] for h in hosts])
        .values_list("pk", "person__unit")
        .order_by("-id")
    }
    busiest = next((staff[h["host_unit"]] for h in hosts if h["host_unit"] in staff), None)
    if busiest is not None:
        users["unit"] = User.objects.get(pk=busiest)
    # The official of the region above the counties (a city or a province), if there is one.
    top = Region.objects.filter(parent__isnull=True, children__isnull=False).order_by("code")
    if top_region := top.first():
        for role in (Role.PROJECT_OFFICE, Role.PRINCIPAL, Role.SUPERVISION):
            if found := _with_role(role, top_region).first():
                users["top"] = found
                break

    samples = Samples(county=county, users=users, unit_id=unit_id)
    started = Project.objects.filter(region=county, stage=Stage.STARTED).order_by("id")
    project = started.first() or Project.objects.filter(region=county).order_by("id").first()
    samples.project_id = project.pk
    samples.project_query = _middle(project.name)
    appeal = Appeal.objects.filter(region=county).order_by("-id").first()
    if appeal is not None:
        samples.appeal_id = appeal.pk
        samples.appeal_query = _middle(appeal.title)
    enterprise = Enterprise.objects.filter(region=county).order_by("id").first()
    if enterprise is not None:
        samples.enterprise_id = enterprise.pk
        samples.enterprise_query = _middle(enterprise.name)
    today = timezone.localdate()
    campaigns = Campaign.objects.filter(region=county)
    samples.campaign = (
        campaigns.running(today).order_by("-start_date", "-id").first()
        or campaigns.order_by("-start_date", "-id").first()
    )
    return samples


# --- signing in without writing --------------------------------------------------------------


class Session:
    """A signed-in client of the bench's own, as ``force_login`` makes one, minus the side
    effects of ``login()`` (security log entry, ``last_login``). The session's last activity
    is set ahead so the idle-time refresh never writes during the run; ``close`` deletes it."""

    def __init__(self, user: User) -> None:
        engine = import_module(settings.SESSION_ENGINE)
        self.store = engine.SessionStore()
        self.store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        self.store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        self.store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        now = int(time.time())
        self.store[sessions.STARTED] = now
        self.store[sessions.SEEN] = now + 3600
        # Past the steps after the password, as force_login is when no phone is set up.
        self.store[sessions.HOLD] = ""
        self.store.save()
        self.client = Client()
        self.client.cookies[settings.SESSION_COOKIE_NAME] = self.store.session_key

    def close(self) -> None:
        self.store.delete()


# --- what is measured ------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    kind: str  # page, api, floor, batch
    persona: str | None = None
    url: Callable[[Samples, Client], str | None] | None = None
    floor: str | None = None


def _url(name: str, **query: Any) -> str:
    path = reverse(name)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{path}?{urlencode(query)}" if query else path


NEXT_LINK = re.compile(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>\s*下一页', re.S)
PAGE_OF = re.compile(r"第\s*\d+\s*/\s*(\d+)\s*页")


class Deep(str):
    """A deep page's URL, which page it is (1: the first) and whether it is the last."""

    depth: int = 1
    last: bool = True


def _deep(url: str, depth: int, last: bool) -> Deep:
    deep = Deep(url)
    deep.depth, deep.last = depth, last
    return deep


def deep_url(client: Client, url: str) -> Deep:
    """The deepest page the list offers: its last page when it shows the number of pages,
    else as far as its own "next" links lead in a bounded number of steps (keyset lists)."""
    response = client.get(url)
    content = response.content.decode(errors="replace")
    pages = PAGE_OF.search(content)
    link = NEXT_LINK.search(content)
    if pages and link and "page=" in link.group(1):
        joiner = "&" if "?" in url else "?"
        return _deep(f"{url}{joiner}page={pages.group(1)}", int(pages.group(1)), True)
    deadline = time.perf_counter() + DEEP_SECONDS
    current, depth = url, 1
    for _ in range(DEEP_HOPS):
        if link is None or time.perf_counter() > deadline:
            break
        href = html.unescape(link.group(1))
        current = href if href.startswith("/") else urlsplit(url).path + href
        content = client.get(current).content.decode(errors="replace")
        link = NEXT_LINK.search(content)
        depth += 1
    return _deep(current, depth, link is None)


def deep_api_url(client: Client, url: str) -> Deep:
    """The last page of an API list with numbered pages (DRF's ``page=last``), else as far as
    its ``next`` links lead in a bounded number of steps (keyset pages)."""
    data = client.get(url).json()
    following = data.get("next") if isinstance(data, dict) else None
    if following and re.search(r"[?&]page=\d+", following):
        count, size = data.get("count") or 0, len(data.get("results") or []) or 1
        return _deep(f"{url}?page=last", -(-count // size), True)
    current, depth = url, 1
    deadline = time.perf_counter() + DEEP_SECONDS
    for _ in range(DEEP_HOPS):
        if not following or time.perf_counter() > deadline:
            break
        parts = urlsplit(following)
        current = f"{parts.path}?{parts.query}" if parts.query else parts.path
        data = client.get(current).json()
        following = data.get("next") if isinstance(data, dict) else None
        depth += 1
    return _deep(current, depth, not following)


def _detail(name: str, attr: str):
    def build(s: Samples, c: Client) -> str | None:
        pk = getattr(s, attr)
        return reverse(name, args=[pk]) if pk else None

    return build


def _page(name, persona, url, floor=None, kind="page") -> Case:
    return Case(name, kind, persona, url, floor or f"healthz@{persona}")


PAGES = [
    _page("projects.list", "office", lambda s, c: _url("projects:list")),
    _page(
        "projects.list.filtered",
        "office",
        lambda s, c: _url("projects:list", light="red", unit=s.unit_id),
    ),
    _page("projects.list.deep", "office", lambda s, c: deep_url(c, _url("projects:list"))),
    _page("projects.search", "office", lambda s, c: _url("projects:list", q=s.project_query)),
    _page("projects.detail", "office", _detail("projects:detail", "project_id")),
    _page("projects.mine", "leader", lambda s, c: _url("projects:mine")),
    _page("projects.list.unit", "unit", lambda s, c: _url("projects:list")),
    _page("appeals.list", "office", lambda s, c: _url("appeals:list")),
    _page(
        "appeals.search",
        "office",
        lambda s, c: _url("appeals:list", q=s.appeal_query) if s.appeal_query else None,
    ),
    _page("appeals.detail", "office", _detail("appeals:detail", "appeal_id")),
    _page("enterprises.list", "office", lambda s, c: _url("enterprises:list")),
    _page(
        "enterprises.search",
        "office",
        lambda s, c: _url("enterprises:list", q=s.enterprise_query) if s.enterprise_query else None,
    ),
    _page("enterprises.detail", "office", _detail("enterprises:detail", "enterprise_id")),
    _page("cockpit", "office", lambda s, c: _url("cockpit:index"), floor="sql.cockpit"),
    _page("league", "office", lambda s, c: _url("supervision:league"), floor="sql.league"),
    _page(
        "drive",
        "office",
        lambda s, c: reverse("drives:detail", args=[s.campaign.pk]) if s.campaign else None,
        floor="sql.drive",
    ),
    _page("orders.list", "office", lambda s, c: _url("supervision:list")),
    _page("projects.list@admin", "admin", lambda s, c: _url("projects:list")),
    _page("appeals.list@admin", "admin", lambda s, c: _url("appeals:list")),
    _page("projects.list@top", "top", lambda s, c: _url("projects:list")),
    _page("cockpit@top", "top", lambda s, c: _url("cockpit:index"), floor="sql.cockpit@top"),
]


def _search(url_name: str, attr: str | None):
    """The list searched for the sample's characters (``attr``), or for absent ones (None)."""

    def build(s: Samples, c: Client) -> str | None:
        text = getattr(s, attr) if attr else absent_query(s)
        return _url(url_name, q=text) if text else None

    return build


# Search over everything a persona sees: the administrator (every county) and the official of
# the region above the counties; a found pair and an absent one (every row in scope read).
SEARCHES = [
    ("projects", "projects:list", "project_query"),
    ("appeals", "appeals:list", "appeal_query"),
    ("enterprises", "enterprises:list", "enterprise_query"),
]
for _persona in ("admin", "top"):
    for _family, _name, _attr in SEARCHES:
        PAGES.append(_page(f"{_family}.search@{_persona}", _persona, _search(_name, _attr)))
        PAGES.append(_page(f"{_family}.search.none@{_persona}", _persona, _search(_name, None)))
API_LISTS = ["projects", "reports", "problems", "orders", "enterprises", "appeals", "visits"]
API_LISTS += ["trips", "drives"]
APIS = [
    _page(f"api.{name}", "office", lambda s, c, n=name: reverse(f"{n[:-1]}-list"), kind="api")
    for name in API_LISTS
]
APIS.append(
    _page(
        "api.projects.deep",
        "office",
        lambda s, c: deep_api_url(c, reverse("project-list")),
        kind="api",
    )
)
BATCHES = ["sweep", "import.ledger", "export.ledger", "export.enterprises", "bulletin"]
SQL_FLOORS = ["sql.cockpit", "sql.league", "sql.drive", "sql.cockpit@top"]
PERSONAS = ["office", "leader", "unit", "admin", "top"]


def known_names() -> list[str]:
    names = [f"healthz@{p}" for p in PERSONAS] + SQL_FLOORS
    return names + [c.name for c in PAGES + APIS] + BATCHES


# --- floors and batch jobs -------------------------------------------------------------------


def _cockpit_floor(user: User, today: dt.date) -> bench_sql.Floor:
    """The cockpit's own figures, the league table and the drive it shows, in SQL."""
    from tuijin.drives.models import Campaign

    scope = scope_of(user)
    floor = bench_sql.cockpit_statements(scope.region_ids, today, today.year)
    region_id = home_region_id(user)
    if region_id:
        floor.statements += bench_sql.league_statements(region_id, today).statements
        floor.statements += bench_sql.annual_statements(region_id, today.year)
    running = Campaign.objects.visible_to(user).running(today).order_by("-start_date", "-id")
    if (campaign := running.first()) is not None:
        drive = bench_sql.drive_statements(campaign)
        floor.statements += drive.statements
        own_follow = floor.follow

        def follow(results: list[list]) -> list:
            # The drive's statements run last; each follow reads its own results.
            return own_follow(results) + drive.follow(results)

        floor.follow = follow
    return floor


class _Ledger:
    """The county's ledger as exported, rewritten with another set of project rows."""

    def __init__(self, exported: Path) -> None:
        from openpyxl import load_workbook

        self.exported = exported
        sheet = load_workbook(exported).active
        rows = list(sheet.iter_rows(values_only=True))
        header = next(i for i, row in enumerate(rows) if "项目名称" in row)
        names = [*rows[header], *rows[header + 1]]
        width = len(rows[header])
        self.name_col = names.index("项目名称") % width
        self.code_col = names.index("项目代码") % width if "项目代码" in names else None
        # Data rows carry their sequence number; sections, subtotals and notes do not.
        self.body = [list(row) for row in rows[header + 1 :] if isinstance(row[0], int)]
        self.first_row = (
            header
            + 1
            + next(i for i, row in enumerate(rows[header + 1 :]) if isinstance(row[0], int))
        )

    def write(self, body: list[list], rows: int, path: Path) -> Path:
        """``rows`` project rows: ``body`` as is, then again as new projects (name marked,
        code left blank) until there are enough."""
        from openpyxl import load_workbook

        book = load_workbook(self.exported)
        sheet = book.active
        for merged in list(sheet.merged_cells.ranges):
            if merged.min_row >= self.first_row + 1:
                sheet.merged_cells.remove(merged)
        sheet.delete_rows(self.first_row + 1, sheet.max_row)
        for n in range(rows):
            values = list(body[n % len(body)])
            copy = n // len(body)
            values[0] = n + 1
            if copy:
                values[self.name_col] = f"{str(values[self.name_col])[:100]}（副本{copy}）"
                if self.code_col is not None:
                    values[self.code_col] = None
            sheet.append(values)
        book.save(path)
        return path


def _ledger_file(region: Region, folder: Path, rows: int, today: dt.date) -> tuple[Path, int]:
    """A ledger of ``rows`` project rows made from the county's export, and how many of the
    exported rows were left out because the import itself refuses them (data the import would
    not accept today, e.g. a plan above the total investment)."""
    from tuijin.projects.ledger import LedgerImportError, export_ledger, import_ledger
    from tuijin.projects.models import Project

    exported = folder / "export.xlsx"
    export_ledger(Project.objects.filter(region=region), exported, today=today)
    ledger = _Ledger(exported)
    check = ledger.write(ledger.body, len(ledger.body), folder / "check.xlsx")
    refused: set[int] = set()
    try:
        import_ledger(check, region=region, dry_run=True, today=today)
    except LedgerImportError as exc:
        refused = {error.row for error in exc.errors if error.row}
    body = [row for i, row in enumerate(ledger.body) if ledger.first_row + 1 + i not in refused]
    if not body:
        raise BenchError("台账导出后无法再导入，无法测量台账导入")
    return ledger.write(body, rows, folder / f"ledger-{rows}.xlsx"), len(ledger.body) - len(body)


def _rolled_back(work: Callable[[], Any], *, as_committed: bool = False) -> Callable[[], Any]:
    """``work`` in a transaction rolled back at the end. ``as_committed``: first run the
    checks a commit would run (PostgreSQL checks deferred foreign keys only then: for the
    ledger import's 100,000 new rows that is seconds the import costs and a rollback skips)."""

    def run() -> Any:
        with transaction.atomic():
            result = work()
            if as_committed and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            transaction.set_rollback(True)
        return result

    return run


# --- timing ----------------------------------------------------------------------------------


def _summary(samples: list[float]) -> tuple[float, float]:
    median = statistics.median(samples)
    if len(samples) > 1:
        p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    else:
        p95 = samples[0]
    return round(median, 2), round(p95, 2)


class PageFailed(Exception):
    pass


def _get(client: Client, url: str):
    try:
        response = client.get(url)
    except Exception as exc:  # the view raised: the bench reports it, as a 500
        raise PageFailed(f"{url} 出错：{type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise PageFailed(f"{url} 返回 {response.status_code}")
    return response


def time_page(client: Client, url: str, runs: int, cold: bool = False) -> tuple[list[float], int]:
    """Median-ready times of ``url`` and its query count. ``cold``: the cache is emptied
    before every timed run, so that a page whose content is cached (the project list) is
    timed at the cost of computing it, the figure its targets are about, not at the cost of a
    hit. The queries are counted on the page as users get it most of the time, as the budget
    test counts them: after the last run, with what it cached (computing the project list
    reads one change stamp more)."""
    for _ in range(WARMUP):
        _get(client, url)
    samples = []
    for _ in range(runs):
        if cold:
            cache.clear()
        started = time.perf_counter()
        _get(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        _get(client, url)
    return samples, len(queries.captured_queries)


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def time_action(
    action: Callable[[], Any], runs: int, warmup: int, budget_s: float | None = None
) -> tuple[list[float], int]:
    """Time ``action``; its queries are counted on the first timed run. With ``budget_s``, no
    further run starts once that many seconds have been spent (a slow job is timed once)."""
    for _ in range(warmup):
        action()
    samples, queries = [], 0
    spent = 0.0
    for i in range(runs):
        if budget_s is not None and i and spent > budget_s:
            break
        counter = _Counter()
        started = time.perf_counter()
        if i == 0:
            with connection.execute_wrapper(counter):
                action()
            queries = counter.n
        else:
            action()
        elapsed = time.perf_counter() - started
        spent += elapsed
        samples.append(elapsed * 1000)
    return samples, queries


# --- the run ---------------------------------------------------------------------------------


def check_database(db: str | None, scale: str | None, only: list[str] | None) -> dict[str, int]:
    """Refuse, with one line, what would make the figures meaningless."""
    if only:
        unknown = [name for name in only if name not in known_names()]
        if unknown:
            raise BenchError(
                f"未知的测量项：{'、'.join(unknown)}（可选：{', '.join(known_names())}）"
            )
    if scale is not None and scale not in SCALES:
        raise BenchError(f"未知的规模「{scale}」，应为 {'|'.join(SCALES)}")
    if db is not None and db != connection.vendor:
        raise BenchError(f"--db {db} 与当前连接的数据库（{connection.vendor}）不一致")
    from tuijin.projects.models import Project

    if not Project.objects.exists():
        raise BenchError(EMPTY_MESSAGE)
    counts = data_counts()
    if scale is not None and counts["counties"] != SCALES[scale]:
        looks = scale_of(counts["counties"])
        looks_text = f"，看起来是 {looks} 规模" if looks else ""
        raise BenchError(
            f"数据中有 {counts['counties']} 个县{looks_text}，与 --scale {scale}"
            f"（{SCALES[scale]} 个县）不符"
        )
    return counts


def _missing(persona: str) -> str:
    if persona == "top":
        return "数据中没有县以上地区（市、省）的账号"
    return f"数据中没有可用作 {persona} 的账号"


class Runner:
    def __init__(self, runs: int, only: list[str] | None, write: Callable[[str], None]):
        self.runs = max(1, runs)
        self.only = set(only or [])
        self.write = write
        self.today = timezone.localdate()
        self.sessions: dict[str, Session] = {}
        self.floors: dict[str, Result] = {}
        self.notes: list[str] = []
        self.sweep_runs: list = []  # each step of each timed sweep (core.sweeps.StepRun)

    def wanted(self, name: str) -> bool:
        return not self.only or name in self.only

    def client(self, persona: str, samples: Samples) -> Client | None:
        user = samples.users.get(persona)
        if user is None:
            return None
        if persona not in self.sessions:
            self.sessions[persona] = Session(user)
        return self.sessions[persona].client

    def run(self, report: Report) -> None:
        samples = find_samples()
        cases = [c for c in PAGES + APIS if self.wanted(c.name)]
        batches = [name for name in BATCHES if self.wanted(name)]
        # Floors of the measures asked for, and floors asked for by name.
        floors = {c.floor for c in cases if c.floor}
        floors |= {name for name in self.only if name.startswith(("healthz@", "sql."))}
        self.write(self._header())
        try:
            for name in sorted(floors):
                self._floor(name, samples, report)
            for case in cases:
                self._page(case, samples, report)
            for name in batches:
                self._batch(name, samples, report)
        finally:
            for session in self.sessions.values():
                session.close()
            report.notes += self.notes

    # -- rows --

    def _header(self) -> str:
        return (
            f"{'测量项':<30}{'中位数ms':>10}{'p95ms':>10}{'查询数':>7}  {'下限':<18}"
            f"{'下限中位数ms':>12}{'倍数':>8}"
        )

    def _add(self, report: Report, result: Result) -> None:
        report.results.append(result)
        floor = result.floor_name or "-"
        floor_ms = "-" if result.floor_median_ms is None else f"{result.floor_median_ms:.2f}"
        ratio = "-" if result.ratio is None else f"{result.ratio:.2f}"
        self.write(
            f"{result.name:<30}{result.median_ms:>10.2f}{result.p95_ms:>10.2f}"
            f"{result.queries:>7}  {floor:<18}{floor_ms:>12}{ratio:>8}"
        )

    def _skip(self, report: Report, name: str, why: str) -> None:
        report.notes.append(f"{name}：{why}，未测量")

    def _floor(self, name: str, samples: Samples, report: Report) -> None:
        if name.startswith("healthz@"):
            persona = name.split("@", 1)[1]
            client = self.client(persona, samples)
            if client is None:
                return self._skip(report, name, _missing(persona))
            try:
                times, queries = time_page(client, reverse("healthz"), self.runs)
            except PageFailed as exc:
                report.errors.append(f"{name}：{exc}")
                return None
        else:
            persona = "top" if name.endswith("@top") else "office"
            user = samples.users.get(persona)
            if user is None:
                return self._skip(report, name, _missing(persona))
            if name.startswith("sql.cockpit"):
                floor = _cockpit_floor(user, self.today)
            elif name == "sql.league":
                floor = bench_sql.league_statements(home_region_id(user), self.today)
            else:
                if samples.campaign is None:
                    return self._skip(report, name, "数据中没有百日攻坚行动")
                floor = bench_sql.drive_statements(samples.campaign)
            times, queries = time_action(lambda: bench_sql.run(floor), self.runs, WARMUP)
        median, p95 = _summary(times)
        result = Result(name, "floor", median, p95, queries)
        self.floors[name] = result
        self._add(report, result)
        return None

    def _page(self, case: Case, samples: Samples, report: Report) -> None:
        client = self.client(case.persona, samples)
        if client is None:
            return self._skip(report, case.name, _missing(case.persona))
        try:
            url = case.url(samples, client)
            if url is None:
                return self._skip(report, case.name, "数据中没有可用的样本记录")
            # Aggregate pages are cached by design and set against their SQL floor as users
            # get them; every other page is timed at the cost of computing it.
            cold = not (case.floor or "").startswith("sql.")
            times, queries = time_page(client, url, self.runs, cold=cold)
        except PageFailed as exc:
            report.errors.append(f"{case.name}：{exc}")
            return None
        if isinstance(url, Deep):
            where = "末页" if url.last else f"限于 {DEEP_HOPS} 步或 {DEEP_SECONDS:.0f} 秒"
            self.notes.append(
                f"{case.name}：第 {url.depth} 页（{where}），沿列表自己的翻页链接到达"
            )
        median, p95 = _summary(times)
        floor = self.floors.get(case.floor)
        result = Result(case.name, case.kind, median, p95, queries)
        result.budget = budget_for(resolve(urlsplit(url).path).view_name)
        if floor is not None:
            result.floor_name = floor.name
            result.floor_median_ms = floor.median_ms
            result.ratio = round(median / floor.median_ms, 2) if floor.median_ms else None
        self._add(report, result)
        return None

    def _batch(self, name: str, samples: Samples, report: Report) -> None:
        runs = min(self.runs, BATCH_RUNS)
        with tempfile.TemporaryDirectory(prefix="tuijin-bench-") as folder:
            try:
                label, action = self._batch_action(name, samples, Path(folder))
                times, queries = time_action(action, runs, warmup=0, budget_s=BATCH_SECONDS)
                if len(times) < runs:
                    self.notes.append(
                        f"{label}：累计用时超过 {BATCH_SECONDS:.0f} 秒，只计时 {len(times)} 次"
                    )
                if name.startswith("export."):
                    tracemalloc.start()
                    try:
                        action()
                        peak = tracemalloc.get_traced_memory()[1]
                    finally:
                        tracemalloc.stop()
                    self.notes.append(
                        f"{label}：峰值内存 {peak / 1024 / 1024:.1f} MB（tracemalloc）"
                    )
            except Exception as exc:  # a failing job is reported, the others still measured
                report.errors.append(f"{name}：{type(exc).__name__}: {exc}")
                return
        median, p95 = _summary(times)
        self._add(report, Result(label, "batch", median, p95, queries))
        if name == "sweep":
            self._sweep_steps(report)

    def _sweep_steps(self, report: Report) -> None:
        """Each step of the sweep on its own row (``sweep.<step>``): where its time goes."""
        by_step: dict[str, list] = {}
        for run in self.sweep_runs:
            by_step.setdefault(run.name, []).append(run)
        for step, runs in by_step.items():
            median, p95 = _summary([run.seconds * 1000 for run in runs])
            self._add(report, Result(f"sweep.{step}", "batch", median, p95, runs[0].queries))

    def _batch_action(self, name: str, samples: Samples, folder: Path):
        from tuijin.projects.ledger import export_ledger, import_ledger
        from tuijin.projects.models import Project
        from tuijin.supervision.bulletin import bulletin_figures, parse_period, write_bulletin

        from .sweeps import run_all

        today = self.today
        if name == "sweep":
            self.sweep_runs = []
            return name, _rolled_back(lambda: run_all(today, self.sweep_runs))
        if name == "import.ledger":
            path, refused = _ledger_file(samples.county, folder, IMPORT_ROWS, today)
            label = f"import.ledger.{IMPORT_ROWS}"
            if refused:
                self.notes.append(f"{label}：导出的台账中有 {refused} 行导入时被拒绝，已略去")
            return label, _rolled_back(
                lambda: import_ledger(path, region=samples.county, today=today), as_committed=True
            )
        if name == "export.ledger":
            projects = Project.objects.all()
            count = projects.count()
            label = f"export.ledger.{min(count, EXPORT_ROWS)}"
            if count > EXPORT_ROWS:
                last = projects.order_by("id").values_list("id", flat=True)[EXPORT_ROWS - 1]
                projects = projects.filter(id__lte=last)
            else:
                label += f"(全部数据，不足{EXPORT_ROWS}行)"
            out = folder / "ledger.xlsx"
            return label, lambda: export_ledger(projects, out, today=today)
        if name == "export.enterprises":
            return self._enterprise_export(folder)
        period = parse_period(None, today)
        out = folder / "bulletin.docx"

        def bulletin() -> None:
            write_bulletin(bulletin_figures(samples.county, period, today), out)

        return "bulletin", bulletin

    def _enterprise_export(self, folder: Path):
        """The enterprise list's export (企业名录) of its first 100,000 enterprises, in the
        list's own order (name, then id), as the export view writes it for an administrator."""
        from tuijin.enterprises.models import Enterprise
        from tuijin.enterprises.services import export_enterprises

        enterprises = Enterprise.objects.all()
        count = enterprises.count()
        label = f"export.enterprises.{min(count, EXPORT_ROWS)}"
        if count > EXPORT_ROWS:
            name, last = enterprises.order_by("name", "id").values_list("name", "id")[
                EXPORT_ROWS - 1
            ]
            enterprises = enterprises.filter(Q(name__lt=name) | Q(name=name, id__lte=last))
        else:
            label += f"(全部数据，不足{EXPORT_ROWS}行)"
        out = folder / "enterprises.xlsx"
        return label, lambda: export_enterprises(enterprises.order_by("name", "id"), out)


def run_bench(
    *,
    scale: str | None = None,
    db: str | None = None,
    runs: int = 20,
    only: list[str] | None = None,
    write: Callable[[str], None] = print,
) -> Report:
    """Check the options against the data, then measure; raises BenchError with one line."""
    counts = check_database(db, scale, only)
    report = Report(scale or scale_of(counts["counties"]), connection.vendor, counts)
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ALLOWED_HOSTS=hosts, DEBUG=False):
        Runner(runs, only, write).run(report)
    return report
