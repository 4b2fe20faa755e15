"""Password policy: rotation off by default and on by setting, every password change dated,
common passwords refused, and no default administrator."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tuijin.core.models import SecurityEvent, User
from tuijin.core.roles import Role
from tuijin.testing import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "青山绿水-Rotation-2026"


def sign_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def age_password(user, days: int) -> None:
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - timedelta(days=days)
    )


def test_rotation_is_off_by_default(county, client, settings):
    assert settings.TUIJIN_PASSWORD_MAX_DAYS == 0
    user = county.users[Role.LEADER]
    age_password(user, 5 * 365)
    sign_in(client, user)
    assert client.get(reverse("home")).status_code == 200


def test_an_old_password_must_be_changed_before_anything_else(county, client, settings):
    settings.TUIJIN_PASSWORD_MAX_DAYS = 90
    user = county.users[Role.LEADER]
    age_password(user, 91)
    sign_in(client, user)

    for url in (reverse("home"), reverse("projects:list")):
        assert client.get(url).url == reverse("password_change")
    assert client.get("/api/projects/").status_code == 403
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "密码已超过规定的使用期限，请先修改密码" in page

    same = {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD}
    assert (
        "新密码不能与原密码相同" in client.post(reverse("password_change"), same).content.decode()
    )
    assert client.get(reverse("home")).url == reverse("password_change")

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)
    assert client.get(reverse("home")).status_code == 200  # released, still signed in
    assert SecurityEvent.objects.filter(
        user=user, kind=SecurityEvent.Kind.PASSWORD_CHANGED
    ).exists()


def test_a_recent_password_passes_and_one_of_unknown_date_is_as_old_as_its_account(
    county, client, settings
):
    settings.TUIJIN_PASSWORD_MAX_DAYS = 90
    user = county.users[Role.LEADER]
    age_password(user, 89)
    sign_in(client, user)
    assert client.get(reverse("home")).status_code == 200

    # A password set before the rule existed: the account's age stands in for it.
    User.objects.filter(pk=user.pk).update(
        password_changed_at=None, date_joined=timezone.now() - timedelta(days=10)
    )
    client.logout()
    sign_in(client, user)
    assert client.get(reverse("home")).status_code == 200
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=400))
    client.logout()
    sign_in(client, user)
    assert client.get(reverse("home")).url == reverse("password_change")


def test_every_way_of_setting_a_password_dates_it(county, client):
    created = User.objects.create_user("newcomer", password="Newcomer-Passw0rd-1")
    assert created.password_changed_at is not None

    user = county.users[Role.LEADER]
    age_password(user, 400)
    admin = User.objects.create_superuser("root", password="Root-Passw0rd-2026")
    client.force_login(admin)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)


def test_a_common_password_is_refused(county, client_for):
    client = client_for(county.users[Role.LEADER])
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "password123", "new_password2": "password123"},
    )
    assert "这个密码太常见了" in response.content.decode()


def test_an_install_has_no_default_administrator(db):
    """Migrations create no account; an administrator made without a typed password
    (createsuperuser --noinput) has none that could sign in."""
    assert not User.objects.filter(is_superuser=True).exists()
    call_command("createsuperuser", "--noinput", username="chief", email="chief@example.cn")
    chief = User.objects.get(username="chief")
    assert chief.is_superuser and not chief.has_usable_password()
