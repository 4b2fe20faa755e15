"""The registry's search box through the text index finds exactly what the plain substring
filter finds, for any length of text, after edits and deletes, within the user's scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tuijin.core import textsearch
from tuijin.core.models import User
from tuijin.core.roles import Role
from tuijin.enterprises.models import Enterprise
from tuijin.enterprises.search import search_enterprises
from tuijin.enterprises.tests.factories import make_enterprise
from tuijin.testing import ids

NAMES = [
    "清溪精密机械有限公司",
    "河口食品有限公司",
    "清溪河口物流有限公司",
    "ABC新材料科技有限公司",
    "abc贸易商行",
    "Ａｌｐｈａ电子（清溪）有限公司",
    "百分之百%服务部",
    "下划线_五金店",
    '"直引号"商店',
    "甲",
    "乙丙",
    "丁戊己",
]
QUERIES = [
    # one character: at the start, the middle and the very end of a name
    *["清", "司", "甲", "丙", "己", "%", "_", '"', "a", "A", "ａ", "Ａ", "店"],
    # two
    *["清溪", "乙丙", "戊己", "有限", "口河", "龘靐", "ab", "AB", "店$", "商店"],
    # three and more
    *["有限公司", "精密机械", "河口物流有限公司", "abc", "ABC新", "ａｌｐ", "Ａｌｐｈａ"],
    *["溪河口", "%服务", "_五金", '"直引', "丁戊己", "乙丙丁"],
    # codes and pinyin initials
    *["9133", "qxjm", "QXJM"],
]


def plain(text: str) -> Q:
    q = Q(name__icontains=text)
    if text.isascii():
        q |= Q(credit_code__startswith=text.upper()) | Q(pinyin_initials__startswith=text.lower())
    return q


@pytest.fixture
def registry(county, other_county):
    made = [
        make_enterprise(county.region, county.township, n, name=name)
        for n, name in enumerate(NAMES, start=1)
    ]
    make_enterprise(other_county.region, other_county.township, 90, name="清溪精密机械分公司")
    return made


def assert_same(text: str, base=None) -> None:
    base = Enterprise.objects.all() if base is None else base
    found = ids(search_enterprises(base, text))
    assert found == ids(base.filter(plain(text.strip()))), text


def test_search_finds_exactly_the_substring_filter_rows(registry, search_plan):
    for text in QUERIES:
        assert_same(text)
    assert ids(search_enterprises(Enterprise.objects.all(), "清溪精密")) == {
        registry[0].pk,
        Enterprise.objects.get(name="清溪精密机械分公司").pk,
    }
    assert ids(search_enterprises(Enterprise.objects.all(), "龘靐")) == set()


def test_search_follows_edits_and_deletes(registry, search_plan):
    first, second = registry[0], registry[1]
    before = ids(search_enterprises(Enterprise.objects.all(), "精密机械"))
    first.name = "清溪智能装备有限公司"
    first.save()
    Enterprise.objects.filter(pk=second.pk).update(name="河口粮油有限公司")
    registry[9].delete()
    textsearch.forget_decisions()
    for text in [*QUERIES, "智能装备", "智能", "粮油", "精密"]:
        assert_same(text)
    after = ids(search_enterprises(Enterprise.objects.all(), "精密机械"))
    assert first.pk in before and first.pk not in after
    assert ids(search_enterprises(Enterprise.objects.all(), "粮油")) == {second.pk}
    assert ids(search_enterprises(Enterprise.objects.all(), "甲")) == set()


def test_search_stays_within_the_scope(county, other_county, registry, search_plan):
    office = county.users[Role.PROJECT_OFFICE]
    visible = Enterprise.objects.visible_to(office)
    for text in QUERIES:
        assert_same(text, visible)
    assert "清溪精密机械分公司" not in {e.name for e in search_enterprises(visible, "精密机械")}


def test_the_index_serves_the_search(registry, search_plan):
    if search_plan != "index":
        pytest.skip("the plan the search chooses may be the plain filter")
    for text in ["清", "清溪", "精密机械"]:
        with CaptureQueriesContext(connection) as queries:
            list(search_enterprises(Enterprise.objects.all(), text))
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        used = "tuijin_search_grams" if connection.vendor == "postgresql" else "MATCH"
        assert used in sql, text


def test_common_text_is_searched_plainly_on_sqlite(registry, monkeypatch):
    """SQLite has no statistics of the index: a text found in many rows (for the table's
    size) is searched with the plain filter, which fills a page at once."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's planner chooses with the index's statistics")
    textsearch.forget_decisions()
    monkeypatch.setattr(textsearch, "_threshold", lambda rows: 2)
    with CaptureQueriesContext(connection) as queries:
        common = ids(search_enterprises(Enterprise.objects.all(), "有限公司"))
    assert len(common) == 5
    assert "MATCH" not in queries.captured_queries[-1]["sql"]
    with CaptureQueriesContext(connection) as queries:
        rare = ids(search_enterprises(Enterprise.objects.all(), "精密机械"))
    assert len(rare) == 2
    assert "MATCH" in queries.captured_queries[-1]["sql"]
    textsearch.forget_decisions()


def test_the_list_page_searches_through_the_index(county, other_county, registry, client_for):
    admin = User.objects.create(username="province-admin", is_staff=True, is_superuser=True)
    url = reverse("enterprises:list")
    page = client_for(admin).get(url, {"q": "精密机械"}).content.decode()
    assert "清溪精密机械有限公司" in page and "清溪精密机械分公司" in page
    assert "河口食品有限公司" not in page
    page = client_for(county.users[Role.PROJECT_OFFICE]).get(url, {"q": "精密机械"})
    text = page.content.decode()
    assert "清溪精密机械有限公司" in text and "清溪精密机械分公司" not in text
