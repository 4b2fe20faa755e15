"""Pathological input (issue 8 point 13): a 1 MB search string, a 10,000-character name,
deeply nested JSON, invalid UTF-8, a date in year 99999. Each is refused with a 4xx (pages:
a 400: the message page, or the form shown again with its Chinese message) in under a second, never a 500, and
nothing is saved. Walked over every menu page and every API list.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from django.db.models import QuerySet
from django.urls import reverse
from django_filters import filters as df_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.test import APIClient

from tuijin.core.api_urls import ENDPOINTS
from tuijin.core.menu import MENU
from tuijin.core.middleware import NOT_UTF8, QUERY_TOO_LONG, SEARCH_TOO_LONG
from tuijin.core.parsers import TOO_DEEP, json_depth
from tuijin.core.roles import Role
from tuijin.enterprises.models import Enterprise
from tuijin.projects.models import Project

MEGABYTE_SEARCH = "搜" * (1024 * 1024 // 9)  # about 1 MB once percent-encoded
LONG_NAME = "名" * 10_000
FAR_DATE = "99999-01-01"
BAD_BYTES = "%FF%FE%C3%28"  # not UTF-8 once percent-decoded
DEEP_JSON = "[" * 10_000 + "]" * 10_000
SKIP_PAGES = {"admin:index", "api-docs"}  # Django's and drf-spectacular's own pages


def _timed(call):
    start = time.perf_counter()
    response = call()
    return response, time.perf_counter() - start


def _menu_pages(county):
    """(url, user) of every menu page, each opened by a user whose menu shows it."""
    admin = county.users[Role.ADMIN]
    for entry in MENU:
        if entry.url_name in SKIP_PAGES:
            continue
        if entry.for_admin or not entry.roles:
            user = admin
        else:
            user = next(county.users[r] for r in entry.roles if r in county.users)
        yield reverse(entry.url_name), user


def _api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_every_menu_page_refuses_a_megabyte_search_and_non_utf8_with_a_400(county, client):
    pages = list(_menu_pages(county))
    assert len(pages) > 20
    for url, user in pages:
        client.force_login(user)
        response, seconds = _timed(lambda url=url: client.get(url, {"q": MEGABYTE_SEARCH}))
        assert response.status_code == 400, url
        assert QUERY_TOO_LONG in response.content.decode(), url
        assert seconds < 1, (url, seconds)

        response = client.get(f"{url}?q={BAD_BYTES}")
        assert response.status_code == 400, url
        assert NOT_UTF8 in response.content.decode(), url

    client.force_login(county.users[Role.ADMIN])
    assert client.get("/projects/%FF%FE/").status_code == 404  # in the path: no such page


@pytest.mark.django_db
def test_a_search_longer_than_anyone_types_is_refused_and_a_normal_one_is_not(
    county, client, caplog
):
    client.force_login(county.users[Role.PROJECT_OFFICE])
    url = reverse("projects:list")

    refused = client.get(url, {"q": "项" * 201})
    answered = client.get(url, {"q": "项" * 200})

    assert refused.status_code == 400 and SEARCH_TOO_LONG in refused.content.decode()
    assert answered.status_code == 200
    logged = [r.getMessage() for r in caplog.records if r.name == "tuijin.security"]
    assert any("event=bad_request" in line and SEARCH_TOO_LONG in line for line in logged)


@pytest.mark.django_db
def test_every_date_filter_of_every_menu_page_survives_the_year_99999(county, client):
    walked = 0
    for url, user in _menu_pages(county):
        client.force_login(user)
        page = client.get(url).content.decode()
        names = set(re.findall(r'<input[^>]*type="date"[^>]*name="([^"]+)"', page))
        names |= set(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="date"', page))
        if not names:
            continue
        walked += 1
        response, seconds = _timed(
            lambda url=url, names=names: client.get(url, dict.fromkeys(names, FAR_DATE))
        )
        assert response.status_code < 500, (url, names)
        assert seconds < 1, (url, seconds)
    assert walked >= 3


@pytest.mark.django_db
def test_a_long_name_or_a_far_date_is_refused_by_the_forms_and_nothing_is_saved(county, client):
    client.force_login(county.users[Role.PROJECT_OFFICE])
    projects = Project.objects.count()
    client.get(reverse("projects:create"))  # the form's first showing compiles its templates
    response, seconds = _timed(
        lambda: client.post(reverse("projects:create"), {"name": LONG_NAME, "start_year": "2026"})
    )
    assert response.status_code == 400 and seconds < 1
    assert "不超过" in response.content.decode() or "最多" in response.content.decode()
    assert Project.objects.count() == projects

    response = client.post(
        reverse("projects:create"),
        {"name": "某项目", "start_year": "2026", "planned_start": FAR_DATE},
    )
    assert response.status_code == 400 and "日期" in response.content.decode()
    assert Project.objects.count() == projects

    enterprises = Enterprise.objects.count()
    response = client.post(reverse("enterprises:create"), {"name": LONG_NAME})
    assert response.status_code == 400
    assert "不超过" in response.content.decode() or "最多" in response.content.decode()
    assert Enterprise.objects.count() == enterprises


@pytest.mark.django_db
def test_a_form_post_of_invalid_utf8_is_refused_and_nothing_is_saved(county, client):
    client.force_login(county.users[Role.PROJECT_OFFICE])
    projects = Project.objects.count()

    response = client.post(
        reverse("projects:create"),
        data=b"name=%FF%FE&start_year=2026",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert NOT_UTF8 in response.content.decode()
    assert Project.objects.count() == projects


@pytest.mark.django_db
def test_every_api_list_refuses_a_megabyte_search_and_non_utf8_with_a_json_400(county):
    client = _api_client(county.users[Role.ADMIN])
    for prefix, _, _ in ENDPOINTS:
        url = f"/api/{prefix}/"
        response, seconds = _timed(lambda url=url: client.get(url, {"search": MEGABYTE_SEARCH}))
        assert response.status_code == 400, url
        assert response.json() == {"error": "bad_request", "message": QUERY_TOO_LONG}
        assert seconds < 1, (url, seconds)

        response = client.get(f"{url}?search={BAD_BYTES}")
        assert response.status_code == 400, url
        assert response.json()["message"] == NOT_UTF8


@pytest.mark.django_db
def test_every_api_list_refuses_deeply_nested_and_non_utf8_json_bodies(county):
    client = _api_client(county.users[Role.ADMIN])
    for prefix, _, _ in ENDPOINTS:
        url = f"/api/{prefix}/"
        response, seconds = _timed(
            lambda url=url: client.post(url, DEEP_JSON, content_type="application/json")
        )
        # 405 where the endpoint takes no writes at all; never a 500.
        assert response.status_code in (400, 405), (url, response.status_code)
        if response.status_code == 400:
            assert response.json() == {"error": "parse_error", "message": TOO_DEEP}
        assert seconds < 1, (url, seconds)

        response = client.post(url, b'{"name": "\xff\xfe"}', content_type="application/json")
        assert response.status_code in (400, 405), (url, response.status_code)


@pytest.mark.django_db
def test_every_api_date_filter_refuses_the_year_99999_with_a_400(county):
    client = _api_client(county.users[Role.ADMIN])
    backend, walked = DjangoFilterBackend(), 0
    for prefix, viewset, _ in ENDPOINTS:
        view = viewset(request=None, format_kwarg=None, action="list")
        queryset = getattr(viewset, "base_queryset", None)
        if not isinstance(queryset, QuerySet):
            continue  # computed answers (the league table), no model filters
        filterset = backend.get_filterset_class(view, queryset.all())
        if filterset is None:
            continue
        names = [
            name
            for name, field in filterset.base_filters.items()
            if isinstance(field, df_filters.DateFilter | df_filters.DateTimeFilter)
        ]
        for name in names:
            walked += 1
            response = client.get(f"/api/{prefix}/", {name: FAR_DATE})
            assert response.status_code == 400, (prefix, name, response.status_code)
            assert response.json()["error"] == "invalid"
    assert walked >= 3


@pytest.mark.django_db
def test_the_api_refuses_a_ten_thousand_character_name_and_a_far_date(county):
    client = _api_client(county.users[Role.PROJECT_OFFICE])
    projects = Project.objects.count()

    long_name = client.post(
        "/api/projects/", {"name": LONG_NAME, "start_year": 2026}, format="json"
    )
    far_date = client.post(
        "/api/projects/",
        {"name": "某项目", "start_year": 2026, "planned_start": FAR_DATE},
        format="json",
    )

    assert long_name.status_code == 400 and "name" in long_name.json()["fields"]
    assert far_date.status_code == 400 and "planned_start" in far_date.json()["fields"]
    assert Project.objects.count() == projects


def test_the_nesting_scan_ignores_brackets_inside_strings():
    assert json_depth(json.dumps({"a": [1, {"b": "[[[[[[" * 40}]}).encode()) == 3
    assert json_depth(("[" * 40 + "]" * 40).encode()) == 40
    assert json_depth(json.dumps({"a": '\\"[[[[' * 40}).encode()) == 1
