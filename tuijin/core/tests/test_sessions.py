"""Session limits: idle timeout, absolute lifetime, disabled accounts, ending sessions."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from tuijin.core.roles import Role
from tuijin.core.sessions import SEEN, STARTED, end_sessions

pytestmark = pytest.mark.django_db


def _age(client, **seconds) -> None:
    """Pretend the session was last used / started that many seconds earlier."""
    session = client.session
    for key, value in seconds.items():
        session[{"seen": SEEN, "started": STARTED}[key]] -= value
    session.save()


def test_an_active_session_stays_signed_in(county, client_for):
    client = client_for(county.users[Role.LEADER])
    assert client.get(reverse("home")).status_code == 200
    _age(client, seen=29 * 60)
    assert client.get(reverse("home")).status_code == 200


def test_an_idle_session_is_signed_out_with_a_message(county, client_for):
    client = client_for(county.users[Role.LEADER])
    client.get(reverse("home"))
    _age(client, seen=31 * 60)
    response = client.get(reverse("projects:list"))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/projects/")
    page = client.get(response.url).content.decode()
    assert "长时间未操作，已自动退出，请重新登录" in page
    assert client.get(reverse("home")).status_code == 302  # really signed out


def test_a_session_ends_after_its_absolute_lifetime_even_when_busy(county, client_for, settings):
    settings.TUIJIN_SESSION_MAX_HOURS = 8
    client = client_for(county.users[Role.LEADER])
    client.get(reverse("home"))
    _age(client, started=8 * 3600 + 1)
    response = client.get(reverse("home"), follow=True)
    assert "登录时间已达上限，已自动退出" in response.content.decode()


def test_the_api_refuses_an_idle_session(county, client_for):
    client = client_for(county.users[Role.LEADER])
    assert client.get("/api/projects/").status_code == 200
    _age(client, seen=31 * 60)
    assert client.get("/api/projects/").status_code == 401  # not signed in (any more)


def test_disabling_an_account_ends_its_sessions_at_once(county, client_for):
    user = county.users[Role.LEADER]
    client = client_for(user)
    client.get(reverse("home"))
    user.is_active = False
    user.save()
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(user.pk) for s in Session.objects.all()
    )
    assert client.get(reverse("home")).status_code == 302


def test_the_administrator_ends_a_users_sessions(county, client):
    leader = county.users[Role.LEADER]
    client.force_login(leader)
    client.get(reverse("home"))
    from django.test import Client

    admin = Client()
    admin.force_login(county.users[Role.ADMIN])
    response = admin.post(
        "/admin/core/user/",
        {"action": "end_user_sessions", "_selected_action": [leader.pk]},
        follow=True,
    )
    assert "已结束 1 个登录会话" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    assert end_sessions(leader) == 0
