"""Session limits: an idle timeout and an absolute lifetime, and ending a user's sessions.

The level-3 protection scheme asks that an unattended session end by itself and that an
administrator can end a user's sessions at once (a lost phone, a person leaving the post).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

STARTED, SEEN = "tuijin_started", "tuijin_seen"
# Writing the session on every request would cost a database write per page; the last
# activity is refreshed at most once a minute, which is precise enough for a 30-minute limit.
SEEN_PRECISION = 60


def idle_seconds() -> int:
    return int(settings.TUIJIN_SESSION_IDLE_MINUTES) * 60


def max_seconds() -> int:
    return int(settings.TUIJIN_SESSION_MAX_HOURS) * 3600


def start(request: HttpRequest) -> None:
    """Mark a session's start at sign-in, so the first pages cost no extra session write."""
    session = getattr(request, "session", None)
    if session is not None:
        session[STARTED] = session[SEEN] = int(time.time())


class SessionLimitsMiddleware:
    """Signs out a session idle longer than the idle limit or older than the absolute one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started, seen = session.get(STARTED), session.get(SEEN)
            if started is None or seen is None:
                session[STARTED] = session[SEEN] = now
            elif now - seen > idle_seconds() or now - started > max_seconds():
                reason = "长时间未操作" if now - seen > idle_seconds() else "登录时间已达上限"
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # the API answers 401 on its own
                messages.info(request, f"{reason}，已自动退出，请重新登录")
                return redirect_to_login(request.get_full_path())
            elif now - seen >= SEEN_PRECISION:
                session[SEEN] = now
        return self.get_response(request)


def end_sessions(user) -> int:
    """End every session of ``user`` now; returns how many were ended."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended
