"""Two-step sign-in: a TOTP authenticator app (django-otp) and one-time recovery codes.

A password alone is one factor; the level-3 protection scheme asks for two for the accounts
that see and steer the whole county. The second step is a six-digit code from the phone's
authenticator app (TOTP, RFC 6238) or, when the phone is lost, one of ten recovery codes shown
once at setup; each recovery code works once. Wrong codes are written to the security log and
slow the next attempt down (django-otp's throttling doubles the wait after each failure).

Which accounts must use it is a setting (``TUIJIN_OTP_REQUIRED_ROLES``); every account may.
"""

from __future__ import annotations

import hashlib
import secrets
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import security
from .models import SecurityEvent, User
from .roles import Role

RECOVERY_CODES = 10
RECOVERY_LENGTH = 12  # characters of base32: 60 bits each
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
DEVICE_NAME = "手机验证器"
RECOVERY_NAME = "恢复码"


class OtpRuleError(Exception):
    """A two-step sign-in rule refused the action; the message is for the user."""


@dataclass
class Setup:
    """What the setup page shows: the secret as a QR code and as text to type in."""

    device: TOTPDevice
    secret: str  # base32, grouped by four for typing
    qr_svg: str  # inline SVG, made here: no script, no outside service


def required_for(user: User) -> bool:
    """Whether the account's roles require the second step (a superuser counts as admin)."""
    required = set(settings.TUIJIN_OTP_REQUIRED_ROLES)
    if not required:
        return False
    if user.is_superuser and Role.ADMIN in required:
        return True
    return user.groups.filter(name__in=required).exists()


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_of(device: TOTPDevice) -> str:
    raw = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def start_setup(user: User) -> Setup:
    """The account's pending authenticator, created on first visit; it counts only once a
    first code confirms that the phone holds the same secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, title="两步验证二维码")
    return Setup(device=device, secret=secret_of(device), qr_svg=svg)


def recovery_digest(code: str) -> str:
    """What is kept of a recovery code: a digest, so a copy of the table gives no code.

    Sixteen hex characters fit django-otp's column; a 60-bit random code cannot be found back
    from them, and no key is involved (rotating the data key leaves the codes working).
    """
    return hashlib.sha256(_recovery(code).encode()).hexdigest()[:16]


def _new_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with ten new ones; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=recovery_digest(code)) for code in codes]
    )
    return codes


def confirm_setup(request: HttpRequest, user: User, code: str) -> list[str]:
    """Turn the pending authenticator on with its first code; returns the recovery codes,
    which are shown this once. The session counts as verified by that code."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise OtpRuleError("请先打开两步验证设置页，扫描二维码")
        if not device.verify_token(_digits(code)):
            raise OtpRuleError("验证码不正确：请输入验证器上当前显示的 6 位数字")
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_codes(user)
    otp_login(request, device)
    security.record(SecurityEvent.Kind.OTP_ENABLED, request, user=user)
    return codes


def regenerate_codes(request: HttpRequest, user: User) -> list[str]:
    if confirmed_device(user) is None:
        raise OtpRuleError("尚未开启两步验证，无需恢复码")
    with transaction.atomic():
        codes = _new_codes(user)
    return codes


def verify(request: HttpRequest, user: User, code: str):
    """Check a code from the app or a recovery code; on success the session is verified.

    Raises ``OtpRuleError`` for a wrong code (logged) or while throttled after failures.
    """
    code = (code or "").strip()
    token = _digits(code)
    if len(token) == 6 and token == code.replace(" ", ""):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    else:  # a recovery code: compared by its digest, as stored
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
        token = recovery_digest(code)
    if device is None:
        _failed(request, user, "无此类验证方式")
        raise OtpRuleError("验证码不正确")
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, data = device.verify_is_allowed()
        ok = allowed and device.verify_token(token)
    if not ok:
        if not allowed and data and data.get("locked_until"):
            wait = max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)
            _failed(request, user, "尝试过于频繁")
            raise OtpRuleError(f"错误次数较多，请 {wait} 秒后再试")
        _failed(request, user, "验证码不正确")
        raise OtpRuleError("验证码不正确：请输入验证器上的 6 位数字，或一个未用过的恢复码")
    request.session.cycle_key()
    otp_login(request, device)
    return device


def remove(request: HttpRequest, user: User, code: str) -> None:
    """Turn two-step sign-in off for the account; a current code proves the phone is at hand
    (a recovery code also does)."""
    verify(request, user, code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    request.session.pop("otp_device_id", None)
    security.record(SecurityEvent.Kind.OTP_DISABLED, request, user=user)


def _failed(request: HttpRequest, user: User, why: str) -> None:
    security.record(
        SecurityEvent.Kind.OTP_FAILED,
        request,
        user=user,
        result=SecurityEvent.Result.FAILED,
        detail=why,
    )


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())[:8]


def _recovery(code: str) -> str:
    """Recovery codes are shown in lower case; accept them typed with spaces or dashes."""
    return "".join(ch for ch in code.lower() if ch.isalnum())[:16]
