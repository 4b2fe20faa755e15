"""The demo county 清溪县: a believable directory and one account per role.

Deterministic (a fixed random seed), seeded once: a second ``tuijin demo`` finds the region
and leaves everything as it is.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .accounts import create_account, ensure_roles
from .models import Person, PersonRole, Region, Unit, User
from .roles import DirectoryRole, Role

DEMO_REGION_CODE = "339901"
DEMO_PASSWORD = "Qingxi@2026"

DEPARTMENTS = [
    "县委办公室",
    "县政府办公室",
    "县发展和改革局",
    "县经济和信息化局",
    "县财政局",
    "县自然资源和规划局",
    "县住房和城乡建设局",
    "县交通运输局",
    "县水利局",
    "县农业农村局",
    "县商务局",
    "县文化和旅游局",
    "县卫生健康委员会",
    "县教育局",
    "县生态环境分局",
    "县市场监督管理局",
    "县人力资源和社会保障局",
    "县行政审批服务局",
    "县应急管理局",
    "县税务局",
    "县投资促进中心",
    "县城市管理局",
    "县统计局",
    "县司法局",
    "县公安局",
    "县民政局",
    "县科学技术局",
    "县林业局",
    "县审计局",
    "县供电公司",
]
TOWNSHIPS = [
    "城关镇",
    "河口镇",
    "石岭乡",
    "青山镇",
    "白沙镇",
    "龙潭镇",
    "桃源乡",
    "新塘镇",
    "枫林镇",
    "双溪乡",
    "金竹镇",
    "马渡镇",
]
PLATFORMS = ["清溪经济开发区", "清溪高新技术产业园", "临港物流园"]
LEADERS = [
    ("县委书记", True),
    ("县长", True),
    ("县委副书记", False),
    ("常务副县长", False),
    ("副县长", False),
    ("副县长", False),
    ("副县长", False),
    ("副县长", False),
    ("县委常委、组织部部长", False),
    ("县委常委、宣传部部长", False),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国文红梅琳晨宇浩然思雨欣怡俊峰志"
)

# Modules add their part of the demo county here from their ``apps.ready``: each is called
# once, after the directory and accounts exist, with the region and a random generator.
SEEDERS: list = []

# username, access role, how to find the person (unit name, directory role) or None
ACCOUNTS = [
    ("admin", Role.ADMIN, None),
    ("principal", Role.PRINCIPAL, (None, DirectoryRole.PRINCIPAL)),
    ("leader", Role.LEADER, (None, DirectoryRole.LEADER)),
    ("supervision", Role.SUPERVISION, ("县委办公室", DirectoryRole.SUPERVISION)),
    ("projectoffice", Role.PROJECT_OFFICE, ("县发展和改革局", DirectoryRole.PROJECT_OFFICE)),
    ("township", Role.UNIT_STAFF, ("城关镇", DirectoryRole.UNIT_LIAISON)),
    ("department", Role.UNIT_STAFF, ("县交通运输局", DirectoryRole.UNIT_LIAISON)),
    ("enterprise", Role.ENTERPRISE, None),
    ("bank", Role.BANK, None),
    ("security", Role.SECURITY_ADMIN, None),
    ("auditor", Role.AUDIT_ADMIN, None),
]


class _Names:
    """Distinct, plausible names and mobile numbers from a fixed seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_names: set[str] = set()
        self.used_mobiles: set[str] = set()

    def name(self) -> str:
        while True:
            given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            candidate = self.rng.choice(SURNAMES) + given
            if candidate not in self.used_names:
                self.used_names.add(candidate)
                return candidate

    def mobile(self) -> str:
        while True:
            candidate = self.rng.choice(("138", "139", "150", "151", "158", "177", "187", "189"))
            candidate += f"{self.rng.randrange(10**8):08d}"
            if candidate not in self.used_mobiles:
                self.used_mobiles.add(candidate)
                return candidate


def _unit_staff(kind: str) -> list[tuple[str, DirectoryRole]]:
    if kind == Unit.Kind.TOWNSHIP:
        return [
            ("党委书记", DirectoryRole.UNIT_HEAD),
            ("镇长", DirectoryRole.UNIT_HEAD),
            ("副镇长", DirectoryRole.UNIT_DEPUTY),
            ("项目联络员", DirectoryRole.UNIT_LIAISON),
        ]
    if kind == Unit.Kind.PLATFORM:
        return [
            ("党工委书记", DirectoryRole.UNIT_HEAD),
            ("管委会主任", DirectoryRole.UNIT_HEAD),
            ("管委会副主任", DirectoryRole.UNIT_DEPUTY),
            ("项目联络员", DirectoryRole.UNIT_LIAISON),
        ]
    return [
        ("局长", DirectoryRole.UNIT_HEAD),
        ("副局长", DirectoryRole.UNIT_DEPUTY),
        ("项目联络员", DirectoryRole.UNIT_LIAISON),
    ]


def _person(region, unit, title, roles, names, order) -> Person:
    person = Person.objects.create(
        region=region, unit=unit, name=names.name(), title=title, mobile=names.mobile(), order=order
    )
    for role in roles:
        PersonRole.objects.create(person=person, role=role)
    return person


@transaction.atomic
def seed_demo(seed: int = 20260501) -> bool:
    """Create the demo county unless it is there; True when it was created now."""
    ensure_roles()
    if Region.objects.filter(code=DEMO_REGION_CODE).exists():
        return False
    names = _Names(seed)
    region = Region.objects.create(name="清溪县", code=DEMO_REGION_CODE, level=Region.Level.COUNTY)
    order = 0
    units: dict[str, Unit] = {}
    for kind, unit_names in (
        (Unit.Kind.DEPARTMENT, DEPARTMENTS),
        (Unit.Kind.TOWNSHIP, TOWNSHIPS),
        (Unit.Kind.PLATFORM, PLATFORMS),
    ):
        for name in unit_names:
            order += 1
            short = name.removeprefix("县") if kind == Unit.Kind.DEPARTMENT else name
            units[name] = Unit.objects.create(
                region=region, name=name, short_name=short, kind=kind, order=order
            )
    order = 0
    for title, principal in LEADERS:
        order += 1
        role = DirectoryRole.PRINCIPAL if principal else DirectoryRole.LEADER
        _person(region, None, title, [role], names, order)
    for unit in units.values():
        for title, role in _unit_staff(unit.kind):
            order += 1
            _person(region, unit, title, [role], names, order)
    for unit_name, title, role in (
        ("县委办公室", "督查室主任", DirectoryRole.SUPERVISION),
        ("县委办公室", "督查专员", DirectoryRole.SUPERVISION),
        ("县发展和改革局", "重点项目办主任", DirectoryRole.PROJECT_OFFICE),
        ("县发展和改革局", "重点项目办科员", DirectoryRole.PROJECT_OFFICE),
    ):
        order += 1
        _person(region, units[unit_name], title, [role], names, order)
    _create_accounts(region)
    for seeder in SEEDERS:
        seeder(region, random.Random(seed))
    if SEEDERS:  # a directory-only county (some tests) has nothing to sweep
        _last_nightly_sweep()
    return True


def _last_nightly_sweep() -> None:
    """Run the nightly sweep of the last working day, as a county in use has: reminders sent
    and overdue orders and requests already escalated, so the first real sweep starts from a
    settled state instead of catching up a year at once."""
    from . import sweeps, workdays

    day = timezone.localdate()
    while not workdays.is_workday(day).value:
        day -= dt.timedelta(days=1)
    sweeps.run_all(day)


def _create_accounts(region: Region) -> None:
    for username, role, find in ACCOUNTS:
        if find is None:
            user = User.objects.create(
                username=username, region=region, display_name=f"演示{role.label}"
            )
            user.set_password(DEMO_PASSWORD)
            if role == Role.ADMIN:
                user.is_staff = user.is_superuser = True
                user.display_name = "系统管理员"
            user.save()
            user.groups.add(Group.objects.get(name=role.value))
            continue
        unit_name, directory_role = find
        people = Person.objects.filter(region=region, roles__role=directory_role)
        people = people.filter(unit__name=unit_name) if unit_name else people.filter(unit=None)
        create_account(people.order_by("order").first(), username, DEMO_PASSWORD)


def demo_accounts() -> list[tuple[str, str, str]]:
    """(username, role label, who) for the accounts ``seed_demo`` made, for printing."""
    rows = []
    for username, role, _ in ACCOUNTS:
        user = User.objects.filter(username=username).select_related("person__unit").first()
        if user is None:
            continue
        person = getattr(user, "person", None)
        who = (
            f"{person.unit.name if person.unit else '县领导'} {person.title} {person.name}"
            if person
            else user.display_name
        )
        rows.append((username, role.label, who))
    return rows
