"""Session limits, the steps of signing in, and ending a user's sessions.

The level-3 protection scheme asks that an unattended session end by itself and that an
administrator can end a user's sessions at once (a lost phone, a person leaving the post).
A password opens a session, but the session is *held* until the steps after it are done:
the second factor (tuijin.core.otp) and, when rotation is on, a new password.
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

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


# --- the steps after the password ----------------------------------------------------------

# The step a session is held at, decided at sign-in and after each step: kept in the session
# so that a page costs no query to know it. "" is a session free to go anywhere.
HOLD = "tuijin_hold"
VERIFY, SETUP, PASSWORD = "otp_verify", "otp_setup", "password"

# Where a held session may still go. Everything else answers with the step to take (pages:
# a redirect; the API with session sign-in: 403). Token sign-in (machines) is never held.
OPEN_PREFIXES = (settings.STATIC_URL, "/healthz", "/i18n/", "/favicon.ico")
OPEN_ALWAYS = frozenset({"login", "logout"})
OPEN_AT = {
    VERIFY: frozenset({"otp_verify"}),
    SETUP: frozenset({"otp_setup"}),
    PASSWORD: frozenset({"password_change", "password_change_done"}),
}
HOLD_MESSAGES = {
    VERIFY: "请输入两步验证码",
    SETUP: "您的角色要求开启两步验证：请先用手机验证器扫码完成设置",
    PASSWORD: "密码已超过规定的使用期限，请先修改密码",
}


def password_expired(user, now=None) -> bool:
    """Whether rotation (``TUIJIN_PASSWORD_MAX_DAYS`` > 0) asks this account for a new
    password. A password of unknown date (set before the rule, or by a bulk seed) is taken
    to be as old as the account: never younger than it really is."""
    days = int(settings.TUIJIN_PASSWORD_MAX_DAYS)
    if days <= 0 or not user.has_usable_password():
        return False
    changed = user.password_changed_at or user.date_joined
    return changed < (now or timezone.now()) - timedelta(days=days)


def hold_for(user, verified: bool) -> str:
    """The first step this account still owes, or "" when it owes none."""
    from . import otp

    if otp.confirmed_device(user) is not None:
        if not verified:
            return VERIFY
    elif otp.required_for(user):
        return SETUP
    if password_expired(user):
        return PASSWORD
    return ""


def hold_after_login(request: HttpRequest, user) -> None:
    """A password sign-in starts unverified, even in a session that was verified before."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(DEVICE_ID_SESSION_KEY, None)
        session[HOLD] = hold_for(user, verified=False)


def refresh_hold(request: HttpRequest) -> str:
    """Decide the step again after one is done (a code given, a password changed)."""
    verified = bool(request.session.get(DEVICE_ID_SESSION_KEY))
    request.session[HOLD] = hold = hold_for(request.user, verified)
    return hold


def is_open(request: HttpRequest, hold: str) -> bool:
    if request.path.startswith(OPEN_PREFIXES):
        return True
    try:
        name = resolve(request.path_info).url_name
    except Resolver404:
        return False
    return name in OPEN_ALWAYS or name in OPEN_AT[hold]


class SignInStepsMiddleware:
    """Keeps a signed-in session on the step it owes until it is done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            hold = request.session.get(HOLD)
            if hold is None:  # a session from before this rule, or made without login()
                verified = getattr(user, "is_verified", lambda: False)()
                request.session[HOLD] = hold = hold_for(user, verified)
            if hold in OPEN_AT and not is_open(request, hold):
                return self.held(request, hold)
        return self.get_response(request)

    @staticmethod
    def held(request: HttpRequest, hold: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": "sign_in_incomplete", "message": f"登录尚未完成：{HOLD_MESSAGES[hold]}"},
                status=403,
            )
        url = reverse("password_change" if hold == PASSWORD else hold)
        if hold == VERIFY and request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        elif hold != VERIFY:
            messages.warning(request, HOLD_MESSAGES[hold])
        return HttpResponseRedirect(url)
