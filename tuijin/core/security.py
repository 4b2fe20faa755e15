"""The security log: sign-ins, failures, refusals, exports, permission changes and
administrator actions, each with time, account, address, event and result.

One function, ``record``, writes the event to the append-only table and one line to the
``tuijin.security`` logger. Text a user controls (a typed user name, a path, a file name) is
encoded on that line so that it can neither forge a second line nor drive a terminal: control
characters, line and paragraph separators, quotes and backslashes come out escaped.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest

from .models import SecurityEvent

logger = logging.getLogger("tuijin.security")

Kind = SecurityEvent.Kind
Result = SecurityEvent.Result

# The result an event has unless the caller says otherwise.
DEFAULT_RESULT = {
    Kind.LOGIN_FAILED: Result.FAILED,
    Kind.LOCKED_OUT: Result.DENIED,
    Kind.DENIED: Result.DENIED,
}


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}


def encode(text: str) -> str:
    """``text`` as one printable, quoted token of a log line (no raw control characters)."""
    out = []
    for char in str(text):
        if char in _SHORT:
            out.append(_SHORT[char])
        elif unicodedata.category(char)[0] == "C" or char in "\u2028\u2029\x85":
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _current_actor() -> tuple[object | None, str | None]:
    """The signed-in user and address of the request being served (auditlog's context, set
    by its middleware for every request), for callers that have no request at hand.

    auditlog leaves its context variable set after the request; the context is live only
    while its receiver is connected, so a later command in the same thread is not mistaken
    for the last request's user."""
    from auditlog.context import auditlog_value
    from django.db.models.signals import pre_save

    context = auditlog_value.get(None) or {}
    duid = context.get("signal_duid")
    if duid is None or not any(key[0] == duid for key, *_ in pre_save.receivers):
        return None, None
    return context.get("actor"), context.get("remote_addr")


def record(
    kind: str,
    request: HttpRequest | None = None,
    user=None,
    username: str = "",
    *,
    result: str | None = None,
    detail: str = "",
    ip: str | None = None,
) -> SecurityEvent:
    """Write one event to the table and the log; the log line encodes every text field.

    Without a request and a user, the user and address of the request being served are used
    (an export helper deep in a view), else the event is the command line's (no account).
    """
    if request is None and user is None:
        user, ip = _current_actor() if ip is None else (_current_actor()[0], ip)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    name = (username or (user.get_username() if user else ""))[:150]
    path = (request.path if request is not None else "")[:300]
    ip = client_ip(request) or ip
    detail = str(detail)[:500]
    result = result or DEFAULT_RESULT.get(kind, Result.SUCCESS)
    event = SecurityEvent.objects.create(
        kind=kind, user=user, username=name, ip=ip, path=path, result=result, detail=detail
    )
    logger.info(
        "event=%s result=%s user=%s ip=%s path=%s detail=%s",
        kind,
        result,
        encode(name),
        ip or "-",
        encode(path),
        encode(detail),
    )
    return event


def record_export(filename: str, rows: int | None = None, user=None) -> None:
    """An export left the system: what file, how many rows, for whom."""
    what = f"导出 {filename}" + (f"（{rows} 行）" if rows is not None else "")
    record(Kind.EXPORT, user=user, detail=what)


def record_admin(action: str, request: HttpRequest | None = None, user=None, **kw) -> None:
    """An administrator's action (account opened or disabled, sessions ended, lockout reset,
    retention run)."""
    record(Kind.ADMIN_ACTION, request, user=user or _request_user(request), detail=action, **kw)


def record_permission_change(
    change: str, request: HttpRequest | None = None, user=None, **kw
) -> None:
    record(
        Kind.PERMISSION_CHANGE, request, user=user or _request_user(request), detail=change, **kw
    )


def _request_user(request: HttpRequest | None):
    return getattr(request, "user", None) if request is not None else None


@contextmanager
def quiet_console() -> Iterator[None]:
    """While demo or test data is made, its hundreds of role grants stay in the table and out
    of the operator's console (where they would bury the demo accounts and the address)."""
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
