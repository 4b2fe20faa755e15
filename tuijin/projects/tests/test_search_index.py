"""The project list's search through the text index finds exactly what the plain filter finds
(name or investor contains the text, or the code is it), for any length of text, after edits
and deletes, within the user's scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tuijin.core import textsearch
from tuijin.core.models import User
from tuijin.core.roles import Role
from tuijin.projects.models import Project
from tuijin.projects.search import search_projects
from tuijin.projects.tests.conftest import make_project
from tuijin.testing import ids

ROWS = [
    # name, investor, code
    ("智能装备制造产业园", "清溪智造投资有限公司", "2026-339901-34-01-000001"),
    ("河口镇污水处理厂", "", None),
    ("清溪大道改造提升工程", "县城投集团", "2025-339901-48-01-000002"),
    ("ABC新材料项目", "abc Holdings", None),
    ("年产10万吨饲料%扩建", "河口_农业", None),
    ("甲", "乙", None),
]
QUERIES = [
    *["智", "园", "厂", "甲", "乙", "%", "_", "a", "A", "1"],
    *["产业", "清溪", "口镇", "龘靐", "ab", "10"],
    *["智能装备", "污水处理厂", "河口_农", "饲料%扩", "abc hold", "ABC新材料项目", "县城投集团"],
    *["2026-339901-34-01-000001", "2025-339901-48-01-000002", "2026-339901", "不存在的项目"],
]


def plain(text: str) -> Q:
    return Q(name__icontains=text) | Q(code__iexact=text) | Q(investor_name__icontains=text)


@pytest.fixture
def listed(county, other_county):
    made = [
        make_project(county, name=name, investor_name=investor, code=code)
        for name, investor, code in ROWS
    ]
    make_project(
        other_county,
        name="云岭智能装备产业园",
        host_unit=other_county.township,
        lead_department=other_county.department,
        contact_leader=other_county.people[Role.LEADER],
    )
    return made


def assert_same(text: str, base=None) -> None:
    base = Project.objects.all() if base is None else base
    assert ids(search_projects(base, text)) == ids(base.filter(plain(text))), text


def test_search_finds_exactly_the_plain_filter_rows(listed, search_plan):
    for text in QUERIES:
        assert_same(text)
    assert {p.name for p in search_projects(Project.objects.all(), "智能装备")} == {
        "智能装备制造产业园",
        "云岭智能装备产业园",
    }
    # A code is found whole, not by a part of it.
    assert {p.name for p in search_projects(Project.objects.all(), "2025-339901-48-01-000002")} == {
        "清溪大道改造提升工程"
    }
    assert ids(search_projects(Project.objects.all(), "2026-339901")) == set()


def test_search_follows_edits_and_deletes(listed, search_plan):
    first, second = listed[0], listed[1]
    first.name = "高端装备零部件产业园"
    first.save()
    Project.objects.filter(pk=second.pk).update(investor_name="河口水务有限公司")
    listed[5].delete()
    textsearch.forget_decisions()
    for text in [*QUERIES, "零部件", "水务", "零"]:
        assert_same(text)
    names = {p.name for p in search_projects(Project.objects.all(), "智能装备")}
    assert names == {"云岭智能装备产业园"}
    assert ids(search_projects(Project.objects.all(), "河口水务")) == {second.pk}
    assert ids(search_projects(Project.objects.all(), "甲")) == set()


def test_search_stays_within_the_scope(county, listed, search_plan):
    visible = Project.objects.visible_to(county.users[Role.PROJECT_OFFICE])
    for text in QUERIES:
        assert_same(text, visible)
    assert {p.name for p in search_projects(visible, "智能装备")} == {"智能装备制造产业园"}


def test_the_index_serves_the_search(listed, search_plan):
    if search_plan != "index":
        pytest.skip("the plan the search chooses may be the plain filter")
    for text in ["智", "智能", "智能装备"]:
        with CaptureQueriesContext(connection) as queries:
            list(search_projects(Project.objects.all(), text))
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        used = "tuijin_search_grams" if connection.vendor == "postgresql" else "MATCH"
        assert used in sql, text


def test_the_list_page_finds_projects_of_every_county_for_an_administrator(
    county, other_county, listed, client_for
):
    url = reverse("projects:list")
    admin = User.objects.create(username="province-admin", is_staff=True, is_superuser=True)
    page = client_for(admin).get(url, {"q": "智能装备"}).content.decode()
    assert "智能装备制造产业园" in page and "云岭智能装备产业园" in page
    assert "河口镇污水处理厂" not in page
    page = client_for(county.users[Role.PROJECT_OFFICE]).get(url, {"q": "智能装备"})
    text = page.content.decode()
    assert "智能装备制造产业园" in text and "云岭智能装备产业园" not in text
