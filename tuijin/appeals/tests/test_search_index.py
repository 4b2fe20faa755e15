"""The request list's search (page and API) through the text index finds exactly what the
plain substring filter finds, for any length of text, after edits and deletes, in scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tuijin.appeals.models import Appeal
from tuijin.appeals.search import search_appeals
from tuijin.core import textsearch
from tuijin.core.models import User
from tuijin.core.roles import Role
from tuijin.testing import ids

ROWS = [
    # title, text, enterprise name, 12345 number
    (
        "新厂房用电报装进度慢",
        "新建二号厂房需增容800千伏安，请协调供电部门。",
        "清溪精密机械有限公司",
        "",
    ),
    ("咨询贴息贷款政策", "想了解技改项目贷款贴息的申请条件。", "河口食品有限公司", "12345-0001"),
    ("排污许可证延续", "排污许可证年底到期，申请延续办理。", "清溪河口物流有限公司", ""),
    ("用地指标", "新项目用地指标不足", "ABC新材料科技有限公司", "QX2026-77"),
    ("道路破损", "厂区门口道路破损严重，影响货车通行。盼", "abc贸易商行", ""),
    ("百分比%问题", "增值税留抵退税比例_多少", '"直引号"商店', ""),
    ("甲", "乙", "丙丁", ""),
]
QUERIES = [
    # one character: at the start, the middle and the very end of a column
    *["新", "慢", "盼", "。", "甲", "乙", "丁", "%", "_", '"', "a", "A", "Q"],
    # two
    *["用地", "指标", "贴息", "丙丁", "口河", "龘靐", "ab", "QX", "qx", "商店"],
    # three and more
    *["用电报装", "排污许可证", "清溪河口物流", "abc", "ABC新", "百分比%", "比例_多", '"直引'],
    *["千伏安，请", "有限公司", "12345-0001", "QX2026-77", "qx2026-77", "不存在的内容"],
]


def plain(text: str) -> Q:
    return (
        Q(title__icontains=text)
        | Q(text__icontains=text)
        | Q(enterprise_name__icontains=text)
        | Q(hotline_number=text)
    )


def make_appeal(region, n: int, title: str, text: str, name: str, hotline: str = "") -> Appeal:
    return Appeal.objects.create(
        region=region,
        year=2026,
        number=n,
        source=Appeal.Source.HOTLINE if hotline else Appeal.Source.LEADER,
        enterprise_name=name,
        hotline_number=hotline,
        kind=Appeal.Kind.HELP,
        topic=Appeal.Topic.UTILITIES,
        title=title,
        text=text,
        received_on=dt.date(2026, 9, n),
    )


@pytest.fixture
def pool(county, other_county):
    made = [make_appeal(county.region, n, *row) for n, row in enumerate(ROWS, start=1)]
    make_appeal(other_county.region, 1, "云岭用地指标", "用地指标不足", "云岭建材有限公司")
    return made


def assert_same(text: str, base=None) -> None:
    base = Appeal.objects.all() if base is None else base
    assert ids(search_appeals(base, text)) == ids(base.filter(plain(text))), text


def test_search_finds_exactly_the_substring_filter_rows(pool, search_plan):
    for text in QUERIES:
        assert_same(text)
    found = {a.title for a in search_appeals(Appeal.objects.all(), "用地指标")}
    assert found == {"用地指标", "云岭用地指标"}
    assert ids(search_appeals(Appeal.objects.all(), "龘靐")) == set()


def test_search_follows_edits_and_deletes(pool, search_plan):
    first, second = pool[0], pool[1]
    first.title = "新厂房消防验收"
    first.save()
    Appeal.objects.filter(pk=second.pk).update(text="企业融资需求对接", hotline_number="")
    pool[6].delete()
    textsearch.forget_decisions()
    for text in [*QUERIES, "消防验收", "融资", "融"]:
        assert_same(text)
    assert ids(search_appeals(Appeal.objects.all(), "用电报装")) == set()
    assert ids(search_appeals(Appeal.objects.all(), "融资需求")) == {second.pk}
    assert ids(search_appeals(Appeal.objects.all(), "12345-0001")) == set()
    assert ids(search_appeals(Appeal.objects.all(), "甲")) == set()


def test_search_stays_within_the_scope(county, pool, search_plan):
    visible = Appeal.objects.visible_to(county.users[Role.PROJECT_OFFICE])
    for text in QUERIES:
        assert_same(text, visible)
    assert {a.title for a in search_appeals(visible, "用地指标")} == {"用地指标"}


def test_the_api_searches_titles_and_enterprises_through_the_index(
    county, pool, search_plan, client_for
):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    for text in ["用地", "河口", "abc", "许可证延续", "贷款贴息", "申请延续办理"]:
        data = client.get(reverse("appeal-list"), {"q": text}).json()
        titles = {row["title"] for row in data["results"]}
        expected = Appeal.objects.filter(region=county.region).filter(
            Q(title__icontains=text) | Q(enterprise_name__icontains=text)
        )
        assert titles == {a.title for a in expected}, text
    data = client.get(reverse("appeal-list"), {"q": "贷款贴息"}).json()
    assert data["results"] == []  # the API's q reads titles and enterprises, not the text


def test_the_index_serves_the_search(pool, search_plan):
    if search_plan != "index":
        pytest.skip("the plan the search chooses may be the plain filter")
    for text in ["用", "用地", "用地指标"]:
        with CaptureQueriesContext(connection) as queries:
            list(search_appeals(Appeal.objects.all(), text))
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        used = "tuijin_search_grams" if connection.vendor == "postgresql" else "MATCH"
        assert used in sql, text


def test_the_list_page_finds_requests_of_every_county_for_an_administrator(
    county, other_county, pool, client_for
):
    url = reverse("appeals:list")
    admin = User.objects.create(username="province-admin", is_staff=True, is_superuser=True)
    page = client_for(admin).get(url, {"q": "用地指标"}).content.decode()
    assert "云岭用地指标<div" in page and "用地指标<div" in page.replace("云岭用地指标<div", "")
    assert "排污许可证延续" not in page
    page = client_for(county.users[Role.PROJECT_OFFICE]).get(url, {"q": "用地指标"})
    text = page.content.decode()
    assert "云岭用地指标" not in text and "用地指标<div" in text
    assert "排污许可证延续" not in text
