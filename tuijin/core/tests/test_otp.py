"""Two-step sign-in: setting up an authenticator, the code after the password, recovery
codes, turning it off, and the roles that must use it."""

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from tuijin.core.models import SecurityEvent, User
from tuijin.core.roles import Role
from tuijin.testing import PASSWORD

pytestmark = pytest.mark.django_db

PRODUCTION_DEFAULT = ("principal", "supervision", "admin")


@pytest.fixture
def required(settings):
    """The production default: principal leaders, the supervision office, administrators."""
    settings.TUIJIN_OTP_REQUIRED_ROLES = PRODUCTION_DEFAULT


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the phone shows now (or that many 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def secret_on_page(page: str) -> bytes:
    """The base32 secret as the setup page shows it for typing in."""
    from base64 import b32decode

    found = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', page)
    assert found, "the setup page shows the secret"
    raw = found.group(1).replace(" ", "")
    return b32decode(raw + "=" * (-len(raw) % 8))


def set_up(client, user) -> list[str]:
    """Go through the setup page as the user would; returns the recovery codes shown."""
    page = client.get(reverse("otp_setup")).content.decode()
    key = secret_on_page(page)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert device.bin_key == key
    response = client.post(reverse("otp_setup"), {"code": code_for(device)})
    assert response.status_code == 200
    return re.findall(r'data-testid="recovery-code">([a-z2-7]+)<', response.content.decode())


def sign_in(client, user, next_url: str = ""):
    """Sign in with the password through the real form (not force_login)."""
    client.logout()
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.username, "password": PASSWORD, "next": next_url})


def test_a_required_role_without_an_authenticator_can_use_nothing_but_the_setup(
    county, client, required
):
    user = county.users[Role.PRINCIPAL]
    response = sign_in(client, user)
    assert client.get(response.url).url == reverse("otp_setup")
    for url in (reverse("home"), reverse("projects:list"), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("otp_setup")
    page = client.get(reverse("otp_setup")).content.decode()
    assert "您的角色要求开启两步验证" in page
    assert "<svg" in page and 'data-testid="otp-qr"' in page  # the QR code, made server-side
    assert 'data-testid="menu"' not in page  # no menu until the account is set up
    api = client.get("/api/projects/")
    assert api.status_code == 403
    assert api.json()["error"] == "sign_in_incomplete"
    assert "两步验证" in api.json()["message"]
    assert client.get("/healthz").status_code == 200
    assert client.post(reverse("logout")).status_code == 302  # signing out stays possible


def test_each_required_role_and_a_superuser_is_held_and_others_are_not(county, client, required):
    for role in (Role.PRINCIPAL, Role.SUPERVISION, Role.ADMIN):
        client.force_login(county.users[role])
        assert client.get(reverse("home")).url == reverse("otp_setup"), role
    superuser = User.objects.create_superuser("root", password="Root-Passw0rd-2026")
    client.force_login(superuser)
    assert client.get(reverse("home")).url == reverse("otp_setup")
    for role in (Role.LEADER, Role.PROJECT_OFFICE, Role.UNIT_STAFF):
        client.force_login(county.users[role])
        assert client.get(reverse("home")).status_code == 200, role


def test_the_requirement_is_a_setting(county, client, settings):
    settings.TUIJIN_OTP_REQUIRED_ROLES = ("leader",)
    client.force_login(county.users[Role.PRINCIPAL])
    assert client.get(reverse("home")).status_code == 200
    client.force_login(county.users[Role.LEADER])
    assert client.get(reverse("home")).url == reverse("otp_setup")


def test_machines_signing_in_with_a_token_are_not_held(county, required):
    from rest_framework.test import APIClient

    token = Token.objects.create(user=county.users[Role.PRINCIPAL])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/projects/").status_code == 200


def test_setup_counts_only_after_a_correct_first_code(county, client, required):
    user = county.users[Role.SUPERVISION]
    client.force_login(user)
    client.get(reverse("otp_setup"))
    response = client.post(reverse("otp_setup"), {"code": "000000"})
    assert "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.get(reverse("home")).url == reverse("otp_setup")

    codes = set_up(client, user)

    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert client.get(reverse("home")).status_code == 200  # the setup code verified the session
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.OTP_ENABLED).exists()
    settings_page = client.get(reverse("otp")).content.decode()
    assert "已开启" in settings_page
    assert 'data-testid="codes-left">10<' in settings_page


def test_anyone_may_turn_it_on_from_the_user_menu(county, client_for):
    user = county.users[Role.UNIT_STAFF]
    client = client_for(user)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("otp")}"' in home and "两步验证" in home
    assert "未开启" in client.get(reverse("otp")).content.decode()
    assert len(set_up(client, user)) == 10
    assert "已开启" in client.get(reverse("otp")).content.decode()


def test_after_the_password_an_account_with_an_authenticator_must_give_the_code(county, client):
    user = county.users[Role.LEADER]
    client.force_login(user)
    set_up(client, user)
    device = TOTPDevice.objects.get(user=user)

    response = sign_in(client, user, next_url=reverse("projects:list"))
    assert response.status_code == 302
    held = client.get(reverse("projects:list"))
    assert held.url == reverse("otp_verify") + "?next=%2Fprojects%2F"
    page = client.get(held.url).content.decode()
    assert "请打开手机上的验证器" in page and 'data-testid="menu"' not in page
    assert client.get("/api/projects/").status_code == 403
    # An unverified session cannot swap the authenticator for one of its own.
    assert client.get(reverse("otp_setup")).url.startswith(reverse("otp_verify"))
    assert client.get(reverse("otp")).url.startswith(reverse("otp_verify"))

    response = client.post(held.url, {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302 and response.url == reverse("projects:list")
    assert client.get(reverse("projects:list")).status_code == 200


def test_a_wrong_code_is_refused_logged_and_slows_the_next_try(county, client):
    user = county.users[Role.LEADER]
    client.force_login(user)
    set_up(client, user)
    device = TOTPDevice.objects.get(user=user)
    sign_in(client, user)

    page = client.post(reverse("otp_verify"), {"code": "123456"}).content.decode()
    assert "验证码不正确" in page
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.OTP_FAILED).get()
    assert event.user == user and event.result == SecurityEvent.Result.FAILED
    # Right away, even the right code waits: each failure doubles the delay.
    page = client.post(
        reverse("otp_verify"), {"code": code_for(device, steps_ahead=1)}
    ).content.decode()
    assert "错误次数较多，请" in page and "秒后再试" in page
    assert client.get(reverse("home")).url.startswith(reverse("otp_verify"))
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.OTP_FAILED).count() == 2

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    response = client.post(reverse("otp_verify"), {"code": code_for(device, steps_ahead=1)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_recovery_code_signs_in_once(county, client):
    user = county.users[Role.LEADER]
    client.force_login(user)
    codes = set_up(client, user)

    sign_in(client, user)
    response = client.post(reverse("otp_verify"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert 'data-testid="codes-left">9<' in client.get(reverse("otp")).content.decode()

    sign_in(client, user)
    page = client.post(reverse("otp_verify"), {"code": codes[0]}).content.decode()
    assert "验证码不正确" in page
    assert client.get(reverse("home")).url.startswith(reverse("otp_verify"))


def test_new_recovery_codes_void_the_old_ones(county, client):
    user = county.users[Role.LEADER]
    client.force_login(user)
    old = set_up(client, user)
    page = client.post(reverse("otp_codes")).content.decode()
    new = re.findall(r'data-testid="recovery-code">([a-z2-7]+)<', page)
    assert len(new) == 10 and not set(new) & set(old)
    assert "之前的恢复码已全部作废" in page
    kept = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(kept) == 10 and not kept & set(new)  # digests, not the codes themselves

    sign_in(client, user)
    assert "验证码不正确" in client.post(reverse("otp_verify"), {"code": old[1]}).content.decode()
    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0)
    from django_otp.plugins.otp_static.models import StaticDevice

    StaticDevice.objects.filter(user=user).update(throttling_failure_count=0)
    assert client.post(reverse("otp_verify"), {"code": new[1]}).status_code == 302


def test_turning_it_off_asks_a_current_code(county, client, required):
    user = county.users[Role.PRINCIPAL]
    client.force_login(user)
    codes = set_up(client, user)

    page = client.post(reverse("otp_remove"), {"code": "000000"}).content.decode()
    assert "验证码不正确" in page
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    from django_otp.plugins.otp_static.models import StaticDevice

    StaticDevice.objects.filter(user=user).update(throttling_failure_count=0)
    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0)
    response = client.post(reverse("otp_remove"), {"code": codes[2]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.OTP_DISABLED).exists()
    # A principal leader must have it: straight back to the setup.
    assert client.get(reverse("home")).url == reverse("otp_setup")


def test_other_tests_sign_in_without_the_second_step(county, client_for):
    """The test settings require it of no role: force_login'ed principals go anywhere."""
    client = client_for(county.users[Role.PRINCIPAL])
    assert client.get(reverse("home")).status_code == 200


def test_the_demo_says_where_two_step_sign_in_is(db, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    # The line is the point here, not the seeding (tuijin/core/tests/test_cli.py seeds).
    monkeypatch.setattr("tuijin.core.management.commands.demo.seed_demo", lambda: False)
    monkeypatch.delenv("TUIJIN_OTP_REQUIRED_ROLES", raising=False)
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "两步验证：任何账号可在右上角菜单「两步验证」中开启" in out.getvalue()
    assert "生产环境默认要求主要领导、督查室、系统管理员开启（本演示未要求）" in out.getvalue()
