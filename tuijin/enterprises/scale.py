"""The enterprises' part of ``tuijin seed --scale`` (order 30): per county about 1,500
enterprises, the pairings of most above-scale ones, and about 2,500 visits with opinions.

Also the small helpers the module parts share (appeals, outreach, drives, discipline): the
county's directory read in four queries (``county_directory``), a password hash made once,
explicit ids for rows inserted with ``core.scale.insert_rows`` (``next_id``, then
``reset_sequences`` for PostgreSQL), and ``Weighted`` draws.

Rows are inserted as plain tuples with their own ids, so the tables that later rows point at
(enterprises, visits, requests) are never read back: at province scale the parts of the
modules take about a tenth of the 15 minutes.

Everything comes from ``ctx.rng_for(part, county)`` and ``ctx.today``: the same seed gives the
same rows. Credit codes carry the real check character and are distinct across the province
by construction (the county's code and a serial are inside them), so nothing is retried.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.utils import timezone

from tuijin.core.models import Person, PersonRole, Unit, User
from tuijin.core.models.directory import pinyin_initials
from tuijin.core.roles import DirectoryRole, Role
from tuijin.core.scale import ScaleContext, insert_rows, prep, register

from .demo import (
    BRANDS,
    FORMS,
    GIVEN,
    INDUSTRIES,
    OPINIONS,
    REASONS,
    ROADS,
    SITUATIONS,
    SURNAMES,
    VISIT_MEASURES,
)
from .models import HOST_KINDS, Enterprise, Pairing, Visit, VisitOpinion
from .pairing import DUE_WINDOW_DAYS
from .validators import ALPHABET, credit_code_check_char

# ---------------------------------------------------------------------------
# Helpers shared by the module parts


def next_id(model: type[models.Model]) -> int:
    """The first free primary key: rows inserted with ``insert_rows`` carry their own ids,
    so that later rows can point at them without reading them back."""
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def reset_sequences(*tables: type[models.Model]) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them (SQLite needs
    nothing: it numbers from the largest id)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(tables))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def cached_prep(model: type[models.Model], name: str) -> Callable[[Any], Any]:
    """``prep`` of a column whose values repeat (dates), worked out once per value."""
    return functools.cache(prep(model, name))


def now_value(model: type[models.Model], name: str = "created_at") -> Any:
    """The database value of "now" for a timestamp column that bulk inserts leave empty."""
    return prep(model, name)(timezone.now())


class Weighted:
    """``rng.choices(values, weights)[0]`` with the cumulative weights worked out once: the
    same draw from the same generator, without rebuilding the table a million times."""

    def __init__(self, pairs: Iterable[tuple[Any, float]]):
        pairs = list(pairs)
        self.values = [value for value, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rng) -> Any:
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


@functools.cache
def password_hash() -> str:
    """The demo password's hash, made once: argon2 is slow by design."""
    from django.contrib.auth.hashers import make_password

    from tuijin.core.demo import DEMO_PASSWORD

    return make_password(DEMO_PASSWORD)


@dataclass
class Directory:
    """What a module part needs of one county's directory, read in four queries."""

    units: list[Unit]
    hosts: list[Unit]  # townships and platforms
    departments: list[Unit]
    names: dict[int, str]  # person id -> name
    unit_of: dict[int, int | None]  # person id -> unit id
    user_of: dict[int, int]  # person id -> account id (people with an account)
    roles: dict[int, set[str]]  # person id -> directory roles
    heads: dict[int, list[int]] = field(default_factory=dict)  # unit id -> its heads
    deputies: dict[int, list[int]] = field(default_factory=dict)
    liaisons: dict[int, list[int]] = field(default_factory=dict)
    staff: dict[int, list[int]] = field(default_factory=dict)  # unit id -> all its people
    principals: list[int] = field(default_factory=list)
    leaders: list[int] = field(default_factory=list)  # county leaders, not the principals
    office_user: int | None = None  # a project office account, for "recorded by"

    @property
    def county_leaders(self) -> list[int]:
        """The leaders who take on projects and enterprises; the principals when none."""
        return self.leaders or self.principals

    def unit_head(self, unit_id: int | None) -> int | None:
        people = self.heads.get(unit_id) or self.deputies.get(unit_id) or []
        return people[0] if people else None

    def unit_liaison(self, unit_id: int | None) -> int | None:
        people = self.liaisons.get(unit_id) or self.staff.get(unit_id) or []
        return people[0] if people else None


def county_directory(county: Any) -> Directory:
    units = list(Unit.objects.filter(region=county).order_by("order", "id"))
    people = list(
        Person.objects.filter(region=county)
        .order_by("order", "id")
        .values_list("id", "unit_id", "name", "user_id")
    )
    roles: dict[int, set[str]] = {}
    for person_id, role in PersonRole.objects.filter(person__region=county).values_list(
        "person_id", "role"
    ):
        roles.setdefault(person_id, set()).add(role)
    office_user = (
        User.objects.filter(groups__name=Role.PROJECT_OFFICE, is_active=True)
        .filter(Q(region=county) | Q(person__region=county))
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    d = Directory(
        units=units,
        hosts=[u for u in units if u.kind in HOST_KINDS],
        departments=[u for u in units if u.kind == Unit.Kind.DEPARTMENT],
        names={pid: name for pid, _, name, _ in people},
        unit_of={pid: unit_id for pid, unit_id, _, _ in people},
        user_of={pid: user_id for pid, _, _, user_id in people if user_id},
        roles=roles,
        office_user=office_user,
    )
    for pid, unit_id, _, _ in people:
        mine = roles.get(pid, set())
        if unit_id is None:
            if DirectoryRole.PRINCIPAL in mine:
                d.principals.append(pid)
            elif DirectoryRole.LEADER in mine:
                d.leaders.append(pid)
            continue
        d.staff.setdefault(unit_id, []).append(pid)
        for role, bucket in (
            (DirectoryRole.UNIT_HEAD, d.heads),
            (DirectoryRole.UNIT_DEPUTY, d.deputies),
            (DirectoryRole.UNIT_LIAISON, d.liaisons),
        ):
            if role in mine:
                bucket.setdefault(unit_id, []).append(pid)
    return d


def county_prefix(county: Any) -> str:
    """清溪县 -> 清溪: how the county's enterprises start their names."""
    name = getattr(county, "name", "") or "本地"
    for suffix in ("自治县", "县", "市", "区", "旗"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@functools.cache
def initials(piece: str) -> str:
    """Pinyin initials of a name piece, cached: names are made of a few hundred pieces."""
    return pinyin_initials(piece)


def mobile(rng) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def person_name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


# ---------------------------------------------------------------------------
# Enterprises

COUNT = 1500
ABOVE_SCALE = 300
TOP100 = 100
STRUGGLING = 40
# Of the above-scale enterprises not ranked top 100, the share paired with their host's head.
PAIRED_SHARE = 0.9
# Enterprises below scale that the host township or platform visits in a year.
SMALL_VISITED = 700


def _base31(n: int, width: int) -> str:
    digits = []
    for _ in range(width):
        n, r = divmod(n, 31)
        digits.append(ALPHABET[r])
    return "".join(reversed(digits))


def credit_code(rng, county_code: str, serial: int) -> str:
    """91 + the county's code + a 9-character organisation part holding ``serial`` + check."""
    region = (county_code + "000000")[:6]
    org = "".join(rng.choice(ALPHABET) for _ in range(4)) + _base31(serial, 4)
    org += rng.choice(ALPHABET)
    body = "91" + region + org
    return body + credit_code_check_char(body)


def _name(rng, prefix: str, host: Unit, words: list[str], taken: set[str]) -> tuple[str, str]:
    """A plausible name distinct within the county, and its pinyin initials."""
    # A township's first two characters; a platform named after the county adds nothing.
    place = "" if host.name.startswith(prefix) else (host.short_name or host.name)[:2]
    for attempt in range(8):
        parts = [prefix]
        if place and (attempt >= 2 or rng.random() < 0.5):
            parts.append(place)
        parts += [rng.choice(BRANDS), rng.choice(words), rng.choice(FORMS)]
        if attempt >= 5:
            parts.insert(-2, rng.choice(BRANDS))
        name = "".join(parts)
        if name not in taken:
            taken.add(name)
            return name, "".join(initials(p) for p in parts)[:120]
    parts = [prefix, place, rng.choice(BRANDS), rng.choice(words), f"{len(taken)}号", FORMS[0]]
    name = "".join(parts)
    taken.add(name)
    return name, "".join(initials(p) for p in parts)[:120]


@dataclass(slots=True)
class _Enterprise:
    """The columns of one seeded enterprise that later steps look at or change."""

    pk: int
    host: int
    credit_code: str
    revenue: Decimal
    tax: Decimal
    employees: int
    above_scale: bool = False
    above_scale_year: int | None = None
    top100_rank: int | None = None
    struggling_reason: str = ""


ENTERPRISE_COLUMNS = [
    "id",
    "region_id",
    "credit_code",
    "name",
    "pinyin_initials",
    "legal_representative",
    "industry",
    "host_unit_id",
    "address",
    "contact_name",
    "contact_mobile",
    "employees",
    "above_scale",
    "above_scale_year",
    "top100_rank",
    "top100_year",
    "revenue",
    "tax",
    "finance_year",
    "struggling",
    "struggling_reason",
    "created_at",
    "updated_at",
]


def _enterprises(ctx: ScaleContext, county, d: Directory, rng) -> list[_Enterprise]:
    year = ctx.today.year - 1
    prefix = county_prefix(county)
    platforms = [u for u in d.hosts if u.kind == Unit.Kind.PLATFORM]
    industries = [(label, words) for label, words, weight in INDUSTRIES for _ in range(weight)]
    taken: set[str] = set()
    first = next_id(Enterprise)
    rows: list[_Enterprise] = []
    text: list[tuple] = []  # the columns nothing changes later
    for i in range(COUNT):
        industry, words = rng.choice(industries)
        host = rng.choice(platforms) if platforms and rng.random() < 0.4 else rng.choice(d.hosts)
        name, name_initials = _name(rng, prefix, host, words, taken)
        rows.append(
            _Enterprise(
                pk=first + i,
                host=host.pk,
                credit_code=credit_code(rng, county.code, i),
                employees=rng.randint(5, 120),
                revenue=Decimal(rng.randint(50, 1900)),
                tax=Decimal(rng.randint(1, 80)),
            )
        )
        text.append(
            (
                name,
                name_initials,
                person_name(rng),
                industry,
                f"{host.name}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                mobile(rng),
            )
        )
    above = rng.sample(rows, ABOVE_SCALE)
    for e in above:
        e.above_scale = True
        # A few entered 规上 this year (the annual target 新增规上企业 counts them).
        e.above_scale_year = ctx.today.year - rng.choice([0, 1, 1, 1, 2, 2, 3, 4, 6])
        e.revenue = Decimal(rng.randint(2000, 200_000))
        e.tax = (e.revenue * Decimal(rng.randint(2, 8)) / 100).quantize(Decimal("0.01"))
        e.employees = rng.randint(50, 2000)
    above.sort(key=lambda e: (-e.revenue, e.credit_code))
    for rank, e in enumerate(above[:TOP100], start=1):
        e.top100_rank = rank
    for e in rng.sample(rows, STRUGGLING):
        e.struggling_reason = rng.choice(REASONS)
    now = now_value(Enterprise)
    insert_rows(
        Enterprise,
        ENTERPRISE_COLUMNS,
        (
            (
                e.pk,
                county.pk,
                e.credit_code,
                name,
                name_initials,
                legal,
                industry,
                e.host,
                address,
                contact,
                phone,
                e.employees,
                e.above_scale,
                e.above_scale_year,
                e.top100_rank,
                year if e.top100_rank else None,
                e.revenue,
                e.tax,
                year,
                bool(e.struggling_reason),
                e.struggling_reason,
                now,
                now,
            )
            for e, (name, name_initials, legal, industry, address, contact, phone) in zip(
                rows, text, strict=True
            )
        ),
    )
    return rows


def _visit_dates(rng, today: dt.date, frequency: int, count: int) -> list[dt.date]:
    """A year of visits to a paired enterprise, latest first: spread over the year, and for
    most pairings the latest within the agreed frequency (some are overdue)."""
    gap = 365 // count
    latest = rng.randint(0, frequency - 3) if rng.random() < 0.85 else rng.randint(frequency, 120)
    return [
        today - dt.timedelta(days=min(364, max(0, latest + j * gap + rng.randint(-3, 3))))
        for j in range(count)
    ]


def _pairings_and_visits(
    ctx: ScaleContext, d: Directory, enterprises: list[_Enterprise], rng
) -> tuple[int, int, int]:
    today = ctx.today
    day = cached_prep(Visit, "visited_on")
    leaders = d.county_leaders
    pairings: list[tuple] = []
    # (enterprise id, visits in the past year, the people who go)
    plans: list[tuple[int, int, list[int]]] = []
    for e in sorted(
        (e for e in enterprises if e.above_scale), key=lambda e: (e.top100_rank or 999, e.pk)
    ):
        liaison = d.unit_liaison(e.host)
        if e.top100_rank is not None and leaders:
            person = leaders[(e.top100_rank - 1) % len(leaders)]
            frequency, visits = Pairing.Frequency.MONTHLY, rng.randint(6, 12)
        else:
            person = d.unit_head(e.host)
            frequency, visits = Pairing.Frequency.QUARTERLY, rng.randint(2, 5)
            if rng.random() >= PAIRED_SHARE:
                person = None
        if person is None:
            continue
        started = today - dt.timedelta(days=rng.randint(200, 900))
        dates = _visit_dates(rng, today, frequency, visits)
        # A county in use has already had its reminder for a visit now due (see the sweep).
        due = dates[0] + dt.timedelta(days=frequency)
        reminded = day(due) if (due - today).days <= DUE_WINDOW_DAYS else None
        pairings.append((e.pk, person, frequency, rng.random() >= 0.02, day(started), reminded))
        team = [person] + ([liaison] if liaison and liaison != person else [])
        plans.append((e.pk, dates, team))
    small = [e for e in enterprises if not e.above_scale]
    for e in rng.sample(small, min(SMALL_VISITED, len(small))):
        people = [p for p in (d.unit_liaison(e.host), d.unit_head(e.host)) if p]
        if people:
            count = rng.choice([1, 1, 1, 2, 2])
            dates = [today - dt.timedelta(days=rng.randint(0, 364)) for _ in range(count)]
            plans.append((e.pk, dates, people))
    insert_rows(
        Pairing,
        ["enterprise_id", "person_id", "frequency_days", "active", "started_on", "reminded_for"],
        pairings,
    )

    first = next_id(Visit)
    visits: list[tuple] = []
    visitors: list[tuple[int, int]] = []
    opinions: list[tuple] = []
    now = now_value(Visit)
    pending = VisitOpinion.Status.PENDING
    for enterprise_id, dates, team in plans:
        for visited_on in dates:
            pk = first + len(visits)
            people = [team[0]] + [p for p in team[1:] if rng.random() < 0.4]
            recorder = next((d.user_of[p] for p in reversed(people) if p in d.user_of), None)
            visits.append(
                (
                    pk,
                    enterprise_id,
                    day(visited_on),
                    rng.choice(SITUATIONS),
                    rng.choice(VISIT_MEASURES),
                    recorder,
                    now,
                )
            )
            visitors.extend((pk, p) for p in people)
            for text, measure in rng.sample(OPINIONS, rng.choice([0, 0, 1, 1, 1, 2])):
                opinions.append((pk, text, measure, pending))
    insert_rows(
        Visit,
        [
            "id",
            "enterprise_id",
            "visited_on",
            "situation",
            "measures",
            "recorded_by_id",
            "created_at",
        ],
        visits,
    )
    insert_rows(Visit.visitors.through, ["visit_id", "person_id"], visitors)
    insert_rows(VisitOpinion, ["visit_id", "text", "measure", "status"], opinions)
    return len(pairings), len(visits), len(opinions)


@register(30, "企业、包联与走访")
def seed_enterprises_at_scale(ctx: ScaleContext) -> None:
    """Per county: the registry, pairings of most above-scale enterprises, a year of visits."""
    ids = ctx.ids.setdefault("enterprises", {})
    for county in ctx.counties:
        d = county_directory(county)
        if not d.hosts:
            continue
        rng = ctx.rng_for("enterprises", county)
        with transaction.atomic():
            enterprises = _enterprises(ctx, county, d, rng)
            pairings, visits, opinions = _pairings_and_visits(ctx, d, enterprises, rng)
        ids[county.pk] = [e.pk for e in enterprises]
        ctx.add("企业", len(enterprises))
        ctx.add("包联", pairings)
        ctx.add("走访", visits)
        ctx.add("走访意见", opinions)
    reset_sequences(Enterprise, Visit)
