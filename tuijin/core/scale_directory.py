"""The directory at scale (part 0): the region tree, each county's units and people, accounts.

County scale: 清溪县 alone. City scale: a city of 10 counties. Province scale: a province of
10 cities of 10 counties each. The first county is always 清溪县, so a seeded database reads
like the demo. Each county has 25 departments, 12 townships (城关镇 first) and 2 platforms,
about 8 people per unit, 10 county leaders (two principals first), two people of the
supervision office and two of the project office. The principals, leaders, both offices and
every unit's liaison get an account; all accounts share the demo password, hashed once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from .accounts import ensure_roles
from .demo import DEMO_PASSWORD, DEPARTMENTS, GIVEN, LEADERS, SURNAMES
from .models import Person, PersonRole, Region, Unit, User, pinyin_initials
from .roles import DIRECTORY_TO_ACCESS, DirectoryRole, Role
from .scale import BATCH, SCALES, ScaleContext, register

# 25 of the demo's 30 departments: every one that projects and problems name is kept.
LEFT_OUT = {"县统计局", "县司法局", "县公安局", "县审计局", "县税务局"}
SCALE_DEPARTMENTS = [name for name in DEPARTMENTS if name not in LEFT_OUT]
TOWNSHIP_COUNT = 12  # 城关镇 and 11 others

COUNTY_FIRST = "清溪"
NAME_HEADS = "云青龙凤金石白桃松梅兰安永长平新宁丰华临宝乐福嘉泰德兴崇庆"
NAME_TAILS = "溪山泉江河源阳川水林湖岭城州田口"
TOWN_HEADS = "东西南北上下大小前后高中新古双三五黄红黑柳杨梓竹茶枫樟桂花铜铁盐"
TOWN_TAILS = "坪塘岭坑桥埠湾岗店集沙洲浦口田庄"

# Who works in a unit: (title, directory role or None); 8 people each.
STAFF = {
    Unit.Kind.DEPARTMENT: [
        ("局长", DirectoryRole.UNIT_HEAD),
        ("副局长", DirectoryRole.UNIT_DEPUTY),
        ("副局长", DirectoryRole.UNIT_DEPUTY),
        ("项目联络员", DirectoryRole.UNIT_LIAISON),
        ("办公室主任", None),
        ("科长", None),
        ("科长", None),
        ("科员", None),
    ],
    Unit.Kind.TOWNSHIP: [
        ("党委书记", DirectoryRole.UNIT_HEAD),
        ("{head}", DirectoryRole.UNIT_HEAD),
        ("副{head}", DirectoryRole.UNIT_DEPUTY),
        ("副{head}", DirectoryRole.UNIT_DEPUTY),
        ("项目联络员", DirectoryRole.UNIT_LIAISON),
        ("党政办主任", None),
        ("经济发展办主任", None),
        ("干部", None),
    ],
    Unit.Kind.PLATFORM: [
        ("党工委书记", DirectoryRole.UNIT_HEAD),
        ("管委会主任", DirectoryRole.UNIT_HEAD),
        ("管委会副主任", DirectoryRole.UNIT_DEPUTY),
        ("管委会副主任", DirectoryRole.UNIT_DEPUTY),
        ("项目联络员", DirectoryRole.UNIT_LIAISON),
        ("招商服务局局长", None),
        ("规划建设局局长", None),
        ("干部", None),
    ],
}
OFFICES = [
    ("县委办公室", "督查室主任", DirectoryRole.SUPERVISION),
    ("县委办公室", "督查专员", DirectoryRole.SUPERVISION),
    ("县发展和改革局", "重点项目办主任", DirectoryRole.PROJECT_OFFICE),
    ("县发展和改革局", "重点项目办科员", DirectoryRole.PROJECT_OFFICE),
]
# Roles whose holders get an account.
WITH_ACCOUNT = {
    DirectoryRole.PRINCIPAL,
    DirectoryRole.LEADER,
    DirectoryRole.SUPERVISION,
    DirectoryRole.PROJECT_OFFICE,
    DirectoryRole.UNIT_LIAISON,
}
MOBILE_HEADS = ("138", "139", "150", "151", "158", "177", "187", "189", "135", "186")


@dataclass
class _Tree:
    top: Region
    counties: list[Region]


def _place_names(rng: random.Random, heads: str, tails: str, suffix: str, n: int, taken: set):
    names: list[str] = []
    while len(names) < n:
        name = rng.choice(heads) + rng.choice(tails) + suffix
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _regions(ctx: ScaleContext) -> _Tree:
    """The tree, with 6-digit codes: a fictional prefix (98, or 3399 for a single city)."""
    rng = ctx.rng_for("regions")
    n = SCALES[ctx.scale]
    taken = {COUNTY_FIRST + "县"}
    county_names = [COUNTY_FIRST + "县"] + _place_names(
        rng, NAME_HEADS, NAME_TAILS, "县", n - 1, taken
    )
    if ctx.scale == "county":
        top = Region.objects.create(name=county_names[0], code="339901", level="county")
        return _Tree(top, [top])
    if ctx.scale == "city":
        top = Region.objects.create(name="江州市", code="339900", level="city")
        cities = [(top, "3399")]
    else:
        top = Region.objects.create(name="云江省", code="980000", level="province")
        city_names = _place_names(rng, NAME_HEADS, NAME_TAILS, "市", 10, set())
        cities = Region.objects.bulk_create(
            Region(name=name, code=f"98{i:02d}00", level="city", parent=top)
            for i, name in enumerate(city_names, start=1)
        )
        cities = [(city, f"98{i:02d}") for i, city in enumerate(cities, start=1)]
    per_city = n // len(cities)
    counties = Region.objects.bulk_create(
        Region(
            name=county_names[c * per_city + j],
            code=f"{prefix}{j + 1:02d}",
            level="county",
            parent=city,
        )
        for c, (city, prefix) in enumerate(cities)
        for j in range(per_city)
    )
    return _Tree(top, counties)


class _People:
    """Distinct names and mobiles within one county."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.mobiles: set[str] = set()

    def name(self) -> str:
        rng = self.rng
        for _ in range(50):
            given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            candidate = rng.choice(SURNAMES) + given
            if candidate not in self.names:
                break
        self.names.add(candidate)
        return candidate

    def mobile(self) -> str:
        while True:
            candidate = f"{self.rng.choice(MOBILE_HEADS)}{self.rng.randrange(10**8):08d}"
            if candidate not in self.mobiles:
                self.mobiles.add(candidate)
                return candidate


def _person(region, unit, title, role, names: _People, order: int) -> Person:
    name = names.name()
    person = Person(
        region=region,
        unit=unit,
        name=name,
        title=title,
        mobile=names.mobile(),
        pinyin_initials=pinyin_initials(name),
        order=order,
    )
    person.directory_roles = [role] if role else []
    return person


def _county(ctx: ScaleContext, county: Region) -> tuple[list[Unit], list[Person]]:
    rng = ctx.rng_for("directory", county)
    short = county.name.removesuffix("县")
    townships = ["城关镇"] + [
        name for name in _place_names(rng, TOWN_HEADS, TOWN_TAILS, "", TOWNSHIP_COUNT - 1, set())
    ]
    townships = [townships[0]] + [
        name + ("乡" if rng.random() < 0.3 else "镇") for name in townships[1:]
    ]
    units: list[Unit] = []
    order = 0
    for kind, names in (
        (Unit.Kind.DEPARTMENT, SCALE_DEPARTMENTS),
        (Unit.Kind.TOWNSHIP, townships),
        (Unit.Kind.PLATFORM, [f"{short}经济开发区", f"{short}高新技术产业园"]),
    ):
        for name in names:
            order += 1
            short_name = name.removeprefix("县") if kind == Unit.Kind.DEPARTMENT else name
            units.append(
                Unit(region=county, name=name, short_name=short_name, kind=kind, order=order)
            )
    units = Unit.objects.bulk_create(units)
    names = _People(rng)
    people: list[Person] = []
    order = 0
    for title, principal in LEADERS:
        order += 1
        role = DirectoryRole.PRINCIPAL if principal else DirectoryRole.LEADER
        people.append(_person(county, None, title, role, names, order))
    by_name = {u.name: u for u in units}
    for unit in units:
        head = "乡长" if unit.name.endswith("乡") else "镇长"
        for title, role in STAFF[unit.kind]:
            order += 1
            people.append(_person(county, unit, title.format(head=head), role, names, order))
    for unit_name, title, role in OFFICES:
        order += 1
        people.append(_person(county, by_name[unit_name], title, role, names, order))
    return units, people


def _accounts(ctx: ScaleContext, tree: _Tree, password: str) -> None:
    """Accounts for the people who act in Tuijin, and the personas of ctx.users."""
    groups = {g.name: g for g in Group.objects.all()}
    first = tree.counties[0]
    people = ctx.people[first.pk]
    leaders = ctx.leaders[first.pk]
    office = next(p for p in people if DirectoryRole.PROJECT_OFFICE in p.directory_roles)
    chengguan = ctx.units[first.pk][len(SCALE_DEPARTMENTS)]
    liaison = next(
        p
        for p in people
        if p.unit_id == chengguan.pk and DirectoryRole.UNIT_LIAISON in p.directory_roles
    )
    personas = {office.pk: "office", leaders[2].pk: "leader", liaison.pk: "unit"}
    if ctx.scale == "county":
        personas[leaders[0].pk] = "top"

    users: list[User] = []
    holders: list[Person] = []
    for county in tree.counties:
        serial = 0
        for person in [*ctx.leaders[county.pk], *ctx.people[county.pk]]:
            if not WITH_ACCOUNT.intersection(person.directory_roles):
                continue
            serial += 1
            users.append(
                User(
                    username=personas.get(person.pk, f"{county.code}-{serial:03d}"),
                    password=password,
                    region=county,
                    display_name=person.name,
                )
            )
            holders.append(person)
    admin = User(
        username="admin",
        password=password,
        region=tree.top,
        display_name="系统管理员",
        is_staff=True,
        is_superuser=True,
    )
    top_person = None
    top_user = None
    if ctx.scale != "county":
        names = _People(ctx.rng_for("top"))
        title = "市委书记" if ctx.scale == "city" else "省委副书记"
        top_person = _person(tree.top, None, title, DirectoryRole.PRINCIPAL, names, 1)
        top_user = User(
            username="top", password=password, region=tree.top, display_name=top_person.name
        )
        users.append(top_user)
    users = User.objects.bulk_create([admin, *users], batch_size=BATCH)
    admin = users[0]
    memberships = [User.groups.through(user_id=admin.pk, group_id=groups[Role.ADMIN.value].pk)]
    for user, person in zip(users[1:], holders, strict=False):
        person.user = user
        for role in person.directory_roles:
            group = groups[DIRECTORY_TO_ACCESS[role].value]
            memberships.append(User.groups.through(user_id=user.pk, group_id=group.pk))
    if top_person is not None:
        top_person.user = top_user
        top_person.save()
        PersonRole.objects.create(person=top_person, role=DirectoryRole.PRINCIPAL)
        memberships.append(
            User.groups.through(user_id=top_user.pk, group_id=groups[Role.PRINCIPAL.value].pk)
        )
    User.groups.through.objects.bulk_create(memberships, batch_size=BATCH)
    Person.objects.bulk_update(holders, ["user"], batch_size=BATCH)
    ctx.users.update({u.username: u for u in users if u.username in PERSONAS})
    ctx.users["admin"] = admin
    ctx.add("账号", len(users))


PERSONAS = ("admin", "top", "office", "leader", "unit")


@register(0, "通讯录")
def seed_directory(ctx: ScaleContext) -> None:
    """Regions, units, people and their roles, accounts; fills the directory of ``ctx``."""
    ensure_roles()
    tree = _regions(ctx)
    ctx.top, ctx.counties = tree.top, tree.counties
    ctx.add("地区", Region.objects.count())
    for county in tree.counties:
        units, people = _county(ctx, county)
        people = Person.objects.bulk_create(people, batch_size=BATCH)
        PersonRole.objects.bulk_create(
            (PersonRole(person=p, role=role) for p in people for role in p.directory_roles),
            batch_size=BATCH,
        )
        ctx.units[county.pk] = units
        ctx.leaders[county.pk] = [p for p in people if p.unit_id is None]
        ctx.people[county.pk] = [p for p in people if p.unit_id is not None]
        ctx.add("单位", len(units))
        ctx.add("人员", len(people))
    _accounts(ctx, tree, make_password(DEMO_PASSWORD))
