"""Row scope: the one place that decides which records a user may see or change.

Every view, API endpoint, export and command reads through ``Model.objects.visible_to(user)``
(a ``ScopedQuerySet``); each model's queryset declares its rules in ``restrict``. Objects are
fetched with ``get_visible_or_404`` so that "does not exist" and "not yours" look the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import Http404

from .roles import Role

VIEW = "view"
CHANGE = "change"

# Roles that act for the whole county (their region) when it comes to the directory.
COUNTY_ROLES = frozenset({Role.PRINCIPAL, Role.LEADER, Role.SUPERVISION, Role.PROJECT_OFFICE})


@dataclass(frozen=True)
class Scope:
    """What a user is, for scoping: roles, region(s), unit and directory person."""

    user_id: int | None
    roles: frozenset[str]
    is_admin: bool
    region_ids: frozenset[int]
    unit_id: int | None
    person_id: int | None

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    def has(self, *roles: str) -> bool:
        return self.is_admin or bool(self.roles.intersection(roles))

    @property
    def cache_key(self) -> str:
        """What decides what this user may see, as text for a cache key: users of the same
        roles, regions, unit and person see the same rows (the user's id is not part of it)."""
        regions = ",".join(map(str, sorted(self.region_ids)))
        roles = ",".join(sorted(self.roles))
        return f"{roles}|{int(self.is_admin)}|{regions}|{self.unit_id}|{self.person_id}"

    @property
    def county_wide(self) -> bool:
        """Sees the whole directory of its region(s)."""
        return self.is_admin or bool(self.roles & COUNTY_ROLES)


ANONYMOUS = Scope(None, frozenset(), False, frozenset(), None, None)


def scope_of(user: Any) -> Scope:
    """Build (once per request, cached on the user) the scope of ``user``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_tuijin_scope", None)
    if cached is not None:
        return cached
    from .models import Person, Region

    roles = frozenset(user.groups.values_list("name", flat=True))
    is_admin = bool(user.is_superuser or Role.ADMIN in roles)
    person = Person.objects.filter(user=user).only("id", "unit_id", "region_id").first()
    region_id = user.region_id or (person.region_id if person else None)
    region_ids = frozenset(Region.subtree_ids(region_id)) if region_id else frozenset()
    scope = Scope(
        user_id=user.pk,
        roles=roles,
        is_admin=is_admin,
        region_ids=region_ids,
        unit_id=person.unit_id if person else None,
        person_id=person.pk if person else None,
    )
    user._tuijin_scope = scope
    return scope


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to cut itself down to a user's scope."""

    def visible_to(self, user: Any, action: str = VIEW) -> models.QuerySet:
        scope = user if isinstance(user, Scope) else scope_of(user)
        if not scope.authenticated:
            return self.none()
        return self.restrict(scope, action)

    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """Rules of the model; the default shows nothing but to administrators."""
        return self if scope.is_admin else self.none()


def home_region_id(user: Any) -> int | None:
    """The county a user acts for when creating records: their own, else the only one."""
    if getattr(user, "region_id", None):
        return user.region_id
    from .models import Person, Region

    person_region = Person.objects.filter(user=user).values_list("region_id", flat=True).first()
    if person_region:
        return person_region
    regions = list(
        Region.objects.filter(level=Region.Level.COUNTY).values_list("id", flat=True)[:2]
    )
    return regions[0] if len(regions) == 1 else None


def get_visible_or_404(queryset: models.QuerySet, user: Any, action: str = VIEW, **lookup: Any):
    """Fetch one record inside the user's scope; out of scope is the same 404 as missing."""
    try:
        return queryset.visible_to(user, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("记录不存在") from exc
