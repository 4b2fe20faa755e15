"""Signing in: Chinese pages, argon2, lockout, password change, and the security log."""

import pytest
from django.conf import settings
from django.urls import reverse

from tuijin.core.models import SecurityEvent
from tuijin.core.roles import Role
from tuijin.testing import PASSWORD


def sign_in(client, username, password, ip="10.0.0.8"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
class TestSignIn:
    def test_login_page_is_in_chinese(self, client):
        page = client.get(reverse("login")).content.decode()
        assert "登录" in page and "用户名" in page and "密码" in page
        assert 'href="/portal/register/"' in page  # enterprises find their way to register

    def test_sign_in_lands_on_home_and_is_logged(self, client, county):
        user = county.users[Role.PRINCIPAL]
        response = sign_in(client, user.username, PASSWORD)
        assert response.status_code == 302
        assert response.url == reverse("home")
        event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN)
        assert (event.user, event.ip) == (user, "10.0.0.8")

    def test_wrong_password_says_so_in_chinese_and_is_logged(self, client, county):
        response = sign_in(client, "principal", "wrong-password")
        assert "用户名或密码不正确" in response.content.decode()
        event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN_FAILED)
        assert event.username == "principal"

    def test_repeated_failures_lock_the_account_even_with_the_right_password(self, client, county):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, "principal", "wrong-password")
        response = sign_in(client, "principal", PASSWORD)
        assert response.status_code == 429
        assert "登录失败次数过多" in response.content.decode()
        assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOCKED_OUT).exists()
        assert "_auth_user_id" not in client.session

    def test_lockout_is_per_account_and_address(self, client, county):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, "principal", "wrong-password")
        response = sign_in(client, "leader", PASSWORD)
        assert response.status_code == 302

    def test_passwords_are_stored_as_argon2_hashes(self, settings, county):
        from tuijin import settings as product

        settings.PASSWORD_HASHERS = product.PASSWORD_HASHERS  # undo the test run's fast hasher
        user = county.users[Role.LEADER]
        user.set_password("青山绿水-Project-2026")
        user.save()
        user.refresh_from_db()
        assert user.password.startswith("argon2$")
        assert user.check_password("青山绿水-Project-2026")

    def test_session_and_csrf_cookies_are_http_only(self):
        assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
        assert settings.SESSION_COOKIE_SAMESITE == "Lax"

    def test_logout_needs_post_and_is_logged(self, client, county):
        client.force_login(county.users[Role.LEADER])
        assert client.get(reverse("logout")).status_code == 405
        client.post(reverse("logout"))
        assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGOUT).exists()


@pytest.mark.django_db
class TestPasswordChange:
    def test_weak_new_password_is_refused_in_chinese(self, client, county):
        client.force_login(county.users[Role.LEADER])
        response = client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "密码" in page and ("太常见" in page or "过短" in page or "全都是数字" in page)

    def test_strong_new_password_works(self, client, county):
        user = county.users[Role.LEADER]
        client.force_login(user)
        new = "青山绿水-Project-2026"
        response = client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password(new)
