"""The shell's context: the role-aware menu and the user's role names."""

from __future__ import annotations

from django.http import HttpRequest

from .menu import menu_for
from .roles import Role
from .scoping import scope_of


def shell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "role_labels": []}
    scope = scope_of(user)
    labels = [Role(r).label for r in Role.values if r in scope.roles]
    if user.is_superuser and Role.ADMIN.label not in labels:
        labels.insert(0, Role.ADMIN.label)
    from .models import Notification

    unread = Notification.objects.visible_to(user).unread().count()
    return {"menu": menu_for(request, scope), "role_labels": labels, "unread": unread}
