"""Two-step sign-in in the browser: a principal leader is sent to set up an authenticator,
confirms it, then signs in again with a code from it, and once with a recovery code."""

import time
from base64 import b32decode

from django_otp.oath import TOTP
from playwright.sync_api import expect

from tuijin.core.roles import Role
from tuijin.testing import PASSWORD, build_county


def phone_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app holding ``secret`` shows (that many 30 s steps later)."""
    raw = secret.replace(" ", "")
    totp = TOTP(b32decode(raw + "=" * (-len(raw) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in_with_password(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def sign_out(page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


def test_a_principal_sets_up_two_step_sign_in_and_uses_it(
    transactional_db, live_server, page, settings
):
    settings.TUIJIN_OTP_REQUIRED_ROLES = ("principal", "supervision", "admin")
    principal = build_county().users[Role.PRINCIPAL]

    sign_in_with_password(page, live_server.url, principal.username)
    expect(page.get_by_text("您的角色要求开启两步验证").first).to_be_visible()
    expect(page.get_by_test_id("otp-qr").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("otp-secret").inner_text().strip()
    page.get_by_label("6 位验证码").fill(phone_code(secret))
    page.get_by_role("button", name="确认开启").click()
    expect(page.get_by_role("heading", name="两步验证已开启")).to_be_visible()
    codes = [c.strip() for c in page.get_by_test_id("recovery-code").all_inner_texts()]
    assert len(codes) == 10
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page.get_by_test_id("menu")).to_be_visible()
    sign_out(page)

    sign_in_with_password(page, live_server.url, principal.username)
    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    expect(page.get_by_test_id("menu")).to_have_count(0)
    page.get_by_label("验证码或恢复码").fill(phone_code(secret, steps_ahead=1))
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_test_id("menu")).to_be_visible()
    sign_out(page)

    sign_in_with_password(page, live_server.url, principal.username)
    page.get_by_label("验证码或恢复码").fill(codes[0])
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_test_id("menu")).to_be_visible()
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="两步验证").click()
    expect(page.get_by_test_id("codes-left")).to_have_text("9")
