"""The menu of every page is drawn once per process for each distinct menu (the shell_menu
tag): what it shows must still follow the role, the page and the unread messages at once."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tuijin.core.models import Notification
from tuijin.core.roles import Role

pytestmark = pytest.mark.django_db


def drawn(response) -> tuple[list[str], list[str], str | None]:
    """The entry labels the page's HTML shows, the active ones, and the unread badge."""
    nav = response.content.decode().split('data-testid="menu"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'<a class="nav-link ?(active)?" href="[^"]*">\s*<i[^>]*></i> ([^<]+)', nav)
    badge = re.search(r'data-testid="unread">(\d+)<', nav)
    return (
        [label.strip() for _, label in links],
        [label.strip() for on, label in links if on],
        badge and badge.group(1),
    )


def listed(response) -> list[str]:
    return [e["label"] for section in response.context["menu"] for e in section["entries"]]


def test_each_role_gets_its_own_menu_drawn(county, client_for):
    seen = {}
    for role in (Role.PROJECT_OFFICE, Role.LEADER, Role.UNIT_STAFF, Role.PROJECT_OFFICE):
        response = client_for(county.users[role]).get(reverse("home"))
        labels, _active, _badge = drawn(response)
        assert labels == listed(response)
        seen[role] = labels
    assert "台账导入" in seen[Role.PROJECT_OFFICE] and "台账导入" not in seen[Role.LEADER]
    assert "待填报" in seen[Role.UNIT_STAFF] and "待填报" not in seen[Role.PROJECT_OFFICE]


def test_the_active_entry_follows_the_page(county, client_for):
    client = client_for(county.users[Role.LEADER])
    assert drawn(client.get(reverse("projects:list")))[1] == ["重点项目"]
    assert drawn(client.get(reverse("projects:mine")))[1] == ["我的项目"]
    assert drawn(client.get(reverse("projects:list")))[1] == ["重点项目"]


def test_the_unread_badge_follows_the_messages(county, client_for):
    user = county.users[Role.PROJECT_OFFICE]
    client = client_for(user)
    assert drawn(client.get(reverse("home")))[2] is None
    first = Notification.objects.create(recipient=user, title="请填报进度")
    assert drawn(client.get(reverse("home")))[2] == "1"
    Notification.objects.create(recipient=user, title="督办单待签收")
    assert drawn(client.get(reverse("home")))[2] == "2"
    first.read_at = timezone.now()
    first.save()
    assert drawn(client.get(reverse("home")))[2] == "1"
