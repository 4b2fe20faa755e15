"""Role checks for pages: which roles may open a page at all (row scope is separate)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .scoping import scope_of


def role_required(roles: Iterable[str] | None) -> Callable:
    """Sign-in required; then one of ``roles`` (administrators always; None: any official)."""
    allowed = None if roles is None else frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs):
            scope = scope_of(request.user)
            if allowed is not None and not scope.has(*allowed):
                raise PermissionDenied("您的角色无权访问此页面")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed
        return wrapped

    return decorator


def duty_required(roles: Iterable[str]) -> Callable:
    """Sign-in required; then one of ``roles`` held explicitly. Unlike ``role_required`` the
    system administrator (or a superuser) is not let through: the security log, role
    assignment and the audit trail belong to the other two duties (三权分立)."""
    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not scope_of(request.user).roles & allowed:
                raise PermissionDenied("此页面属于其他管理职责，您的角色无权访问")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed
        wrapped.duty_only = True
        return wrapped

    return decorator
