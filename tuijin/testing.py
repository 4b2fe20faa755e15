"""Test personas: a small county with one account per role, and a neighbouring county.

Like healthchecks' owner/teammate/outsider, every scope test has someone who must be refused:
the township liaison of 城关镇 must not see 河口镇, nobody in 清溪县 sees 云岭县.
"""

from __future__ import annotations

from dataclasses import dataclass

import factory
from django.contrib.auth.models import Group

from .core.accounts import create_account, ensure_roles
from .core.models import Person, PersonRole, Region, Unit, User
from .core.roles import DirectoryRole, Role

PASSWORD = "Test-Passw0rd-清溪"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试{n}县")
    code = factory.Sequence(lambda n: f"{990000 + n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"测试单位{n}")
    short_name = factory.LazyAttribute(lambda u: u.name[:4])
    kind = Unit.Kind.DEPARTMENT


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    region = factory.LazyAttribute(lambda p: p.unit.region if p.unit else RegionFactory())
    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"测试人员{n}")
    title = "科员"
    mobile = factory.Sequence(lambda n: f"139{n:08d}")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            PersonRole.objects.create(person=self, role=role)


@dataclass
class County:
    region: Region
    township: Unit
    other_township: Unit
    department: Unit
    people: dict[str, Person]
    users: dict[str, User]


def build_county(code: str = "339901", name: str = "清溪县", prefix: str = "") -> County:
    """A county with two townships and a department, and one signed-in account per role."""
    ensure_roles()
    region = RegionFactory(code=code, name=name)
    township = UnitFactory(region=region, name=f"{prefix}城关镇", kind=Unit.Kind.TOWNSHIP)
    other = UnitFactory(region=region, name=f"{prefix}河口镇", kind=Unit.Kind.TOWNSHIP)
    department = UnitFactory(region=region, name=f"{prefix}县发展和改革局")
    people = {
        Role.PRINCIPAL: PersonFactory(
            unit=None, region=region, title="县委书记", roles=[DirectoryRole.PRINCIPAL]
        ),
        Role.LEADER: PersonFactory(
            unit=None, region=region, title="副县长", roles=[DirectoryRole.LEADER]
        ),
        Role.SUPERVISION: PersonFactory(
            unit=department, title="督查室主任", roles=[DirectoryRole.SUPERVISION]
        ),
        Role.PROJECT_OFFICE: PersonFactory(
            unit=department, title="项目办主任", roles=[DirectoryRole.PROJECT_OFFICE]
        ),
        Role.UNIT_STAFF: PersonFactory(
            unit=township, title="项目联络员", roles=[DirectoryRole.UNIT_LIAISON]
        ),
        "other_staff": PersonFactory(
            unit=other, title="项目联络员", roles=[DirectoryRole.UNIT_LIAISON]
        ),
    }
    users = {
        role: create_account(person, f"{prefix}{role}", PASSWORD) for role, person in people.items()
    }
    for role in (Role.ENTERPRISE, Role.BANK, Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        is_admin = role == Role.ADMIN
        user = User.objects.create(
            username=f"{prefix}{role}", region=region, is_staff=is_admin, is_superuser=is_admin
        )
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=role.value))
        users[role] = user
    return County(region, township, other, department, people, users)


def ids(queryset) -> set[int]:
    """The primary keys of a queryset's rows: what two ways of finding rows are compared by."""
    return set(queryset.values_list("pk", flat=True))
