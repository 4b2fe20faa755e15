"""The security log: who signed in, who failed, who was refused, from where."""

from __future__ import annotations

import logging

from django.http import HttpRequest

from .models import SecurityEvent

logger = logging.getLogger("tuijin.security")


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(kind: str, request: HttpRequest | None = None, user=None, username: str = "") -> None:
    """Write one event to the table and the log; log text carries no raw user input."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    name = (username or (user.get_username() if user else ""))[:150]
    path = (request.path if request is not None else "")[:300]
    ip = client_ip(request)
    SecurityEvent.objects.create(kind=kind, user=user, username=name, ip=ip, path=path)
    logger.info("event=%s user=%r ip=%s path=%r", kind, name, ip, path)
