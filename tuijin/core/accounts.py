"""Accounts and roles: groups with their permissions, and a person's account in step with
their directory roles."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from . import crypto, security
from .models import AuditChainHead, Person, User
from .models.directory import mobile_validator
from .roles import DIRECTORY_TO_ACCESS, Role

_READ_DIRECTORY = [
    "view_region",
    "view_unit",
    "view_person",
    "view_personrole",
    "view_workdayoverride",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PRINCIPAL: _READ_DIRECTORY,
    Role.LEADER: _READ_DIRECTORY,
    Role.SUPERVISION: [*_READ_DIRECTORY, "view_logentry"],
    Role.PROJECT_OFFICE: _READ_DIRECTORY,
    Role.UNIT_STAFF: ["view_unit", "view_person", "change_person"],
    Role.ENTERPRISE: [],
    Role.BANK: [],
    Role.SECURITY_ADMIN: ["view_securityevent"],
    Role.AUDIT_ADMIN: ["view_logentry", "view_securityevent", "view_auditseal"],
}

# The trail is not the system administrator's: he holds every other core permission.
_TRAIL_MODELS = ("logentry", "securityevent", "auditseal", "auditchainhead")


def ensure_roles() -> None:
    """Create each role's group with its permissions; safe to run after every migrate."""
    core_perms = Permission.objects.filter(content_type__app_label__in=["core", "auditlog"])
    by_codename = {p.codename: p for p in core_perms}
    groups = {g.name: g for g in Group.objects.filter(name__in=[role.value for role in Role])}
    wanted: set[tuple[int, int]] = set()
    group_ids = []
    for role in Role:
        group = groups.get(role.value) or Group.objects.create(name=role.value)
        group_ids.append(group.pk)
        perms = (
            [p for p in by_codename.values() if not p.codename.endswith(_TRAIL_MODELS)]
            if role == Role.ADMIN
            else [by_codename[c] for c in ROLE_PERMISSIONS[role] if c in by_codename]
        )
        wanted.update((group.pk, perm.pk) for perm in perms)
    # Each group's permissions set to exactly its role's, in three queries for all roles.
    through = Group.permissions.through
    rows = through.objects.filter(group_id__in=group_ids)
    current = {(g, p): pk for pk, g, p in rows.values_list("pk", "group_id", "permission_id")}
    through.objects.filter(
        pk__in=[pk for pair, pk in current.items() if pair not in wanted]
    ).delete()
    through.objects.bulk_create(
        [through(group_id=g, permission_id=p) for g, p in sorted(wanted - current.keys())]
    )
    AuditChainHead.objects.get_or_create(pk=1)


def role_names(codes) -> str:
    labels = [Role(code).label for code in sorted(codes, key=list(Role).index)]
    return "、".join(labels) or "无"


def access_roles_of(person: Person) -> set[str]:
    return {DIRECTORY_TO_ACCESS[r.role].value for r in person.roles.all()}


@transaction.atomic
def sync_account(person: Person) -> None:
    """Give the person's account exactly the groups their directory roles call for."""
    user = person.user
    if user is None:
        return
    wanted = access_roles_of(person)
    before = {g.name for g in user.groups.all()}
    keep = before - {r.value for r in DIRECTORY_TO_ACCESS.values()}
    if before != wanted | keep:
        user.groups.set(Group.objects.filter(name__in=wanted | keep))
        security.record_permission_change(
            f"账号 {user.get_username()} 的角色随通讯录变更："
            f"{role_names(before)} → {role_names(wanted | keep)}"
        )
    if user.region_id != person.region_id or user.display_name != person.name:
        user.region_id, user.display_name = person.region_id, person.name
        user.save(update_fields=["region", "display_name"])


@transaction.atomic
def create_account(person: Person, username: str, password: str) -> User:
    """Open a sign-in account for a directory person (or reset its password)."""
    user = person.user or User(username=username)
    user.set_password(password)
    user.region_id, user.display_name = person.region_id, person.name
    user.save()
    if person.user_id != user.pk:
        person.user = user
        person.save(update_fields=["user"])
    sync_account(person)
    return user


def opaque_username() -> str:
    """A sign-in name that says nothing about its holder: for accounts that sign in with
    their mobile (the portal's enterprises), so no table or log line holds the number."""
    while True:
        name = f"qy{secrets.token_hex(5)}"
        if not User.objects.filter(username=name).exists():
            return name


def sign_in_name(entered: str) -> str:
    """The account name behind what a person typed at sign-in.

    A mobile number is looked up by its keyed hash. A number no account holds becomes a
    stand-in derived from its keyed hash: the lockout still counts its failures, and neither
    the lockout table nor the security log ever holds the number.
    """
    entered = (entered or "").strip()
    if not mobile_validator.regex.fullmatch(entered):
        return entered
    name = User.objects.filter(mobile=entered).values_list("username", flat=True).first()
    if name is None and User.objects.filter(username=entered).exists():
        name = entered  # an account an administrator named by a number (createsuperuser)
    return name or f"mobile-{crypto.keyed_hash(entered)[:16]}"
