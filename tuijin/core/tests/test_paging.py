"""Lists page by cursor: following 「下一页」 visits every row once, in the list's order, with
its filters kept; a forged cursor is the first page; the count stops at a cap."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
from decimal import Decimal

import pytest

from tuijin.appeals.models import Appeal
from tuijin.core import paging
from tuijin.core.roles import Role
from tuijin.enterprises.models import Enterprise
from tuijin.projects.models import Light, Project, Stage

pytestmark = pytest.mark.django_db

LIGHTS = [Light.GREEN, Light.RED, Light.YELLOW, Light.NONE, Light.RED]
SEVERITY = {Light.RED: 3, Light.YELLOW: 2, Light.GREEN: 1, Light.NONE: 0}
NEXT = re.compile(r'<a class="page-link" rel="next" href="\?([^"]*)"')
PREVIOUS = re.compile(r'<a class="page-link" rel="prev" href="\?([^"]*)"')


def make_projects(county, n: int) -> list[Project]:
    stages = [Stage.STARTED, Stage.SIGNED, Stage.NEGOTIATING]
    return Project.objects.bulk_create(
        Project(
            region=county.region,
            name=f"测试项目{i:03d}",
            light=LIGHTS[i % len(LIGHTS)],
            stage=stages[i % len(stages)],
            # ties on purpose: the id decides between equal amounts
            total_investment=Decimal(1000 * (i % 7)),
            host_unit=county.township,
        )
        for i in range(n)
    )


def make_enterprises(county, n: int) -> list[Enterprise]:
    return Enterprise.objects.bulk_create(
        Enterprise(
            region=county.region,
            credit_code=f"91339901MA{i:08d}",
            # pairs of equal names: the id decides between them
            name=f"清溪测试企业{i // 2:03d}有限公司",
            pinyin_initials="qxcsqy",  # as save() would compute it
            host_unit=county.township,
        )
        for i in range(n)
    )


def make_appeals(county, n: int) -> list[Appeal]:
    start = dt.date(2026, 3, 2)
    return Appeal.objects.bulk_create(
        Appeal(
            region=county.region,
            year=2026,
            number=i + 1,
            source=Appeal.Source.HOTLINE,
            enterprise_name="清溪测试企业",
            kind=Appeal.Kind.values[0],
            topic=Appeal.Topic.values[0],
            title=f"诉求{i:03d}",
            text="用电报装慢",
            # five requests a day: the id decides within a day
            received_on=start + dt.timedelta(days=i // 5),
            # every third one without a deadline: nulls sort last both ways
            resolve_due=None if i % 3 == 0 else start + dt.timedelta(days=(i * 7) % 11),
        )
        for i in range(n)
    )


def walk_pages(client, url: str, query: str = "") -> tuple[list[int], list[str]]:
    """Follow 「下一页」 from the first page; the ids listed and the query strings visited."""
    ids, queries, seen = [], [query], set()
    while True:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200
        ids += [row.pk for row in response.context["page"].object_list]
        found = NEXT.search(response.content.decode())
        if not found:
            return ids, queries
        query = html.unescape(found.group(1))
        assert query not in seen, "a next link loops"
        seen.add(query)
        queries.append(query)


def walk_api(client, url: str) -> tuple[list[dict], dict]:
    rows, first = [], None
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        data = response.json()
        first = first or data
        rows += data["results"]
        url = data["next"]
    return rows, first


class TestProjectList:
    @pytest.fixture(autouse=True)
    def no_cache(self, settings):
        """These tests read the page from each response's context: every view computes it.
        (The list's cache under change stamps is tested in projects/tests/test_list_rows.py.)"""
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    def test_default_order_worst_light_first_visits_every_project_once(self, county, client_for):
        projects = make_projects(county, 60)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        ids, queries = walk_pages(client, "/projects/")
        expected = sorted(projects, key=lambda p: (-SEVERITY[p.light], p.pk))
        assert ids == [p.pk for p in expected]
        assert len(queries) == 3  # 60 rows at 25 a page

    def test_investment_order_with_ties_and_filters_kept(self, county, client_for):
        projects = make_projects(county, 90)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        ids, queries = walk_pages(client, "/projects/", "sort=-investment&stage=started")
        started = [p for p in projects if p.stage == Stage.STARTED]
        expected = sorted(started, key=lambda p: (-p.total_investment, p.pk))
        assert ids == [p.pk for p in expected]
        assert len(queries) == 2
        assert all("stage=started" in q and "sort=-investment" in q for q in queries[1:])

    def test_unit_select_keeps_the_choice_and_stops_at_the_cap(
        self, county, client_for, monkeypatch
    ):
        make_projects(county, 3)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        unit = county.township.pk
        text = client.get(f"/projects/?unit={unit}").content.decode()
        assert f'<option value="{unit}" selected>城关镇</option>' in text
        assert "河口镇</option>" in text
        monkeypatch.setattr(paging, "OPTIONS_CAP", 1)  # a province's thousands of units
        response = client.get(f"/projects/?unit={unit}")
        text = response.content.decode()
        assert f'<option value="{unit}" selected>城关镇</option>' in text
        assert "河口镇</option>" not in text
        assert len(response.context["page"].object_list) == 3  # the filter still applies

    def test_light_order_follows_a_changed_light(self, county, client_for):
        projects = make_projects(county, 3)
        green = projects[0]
        green.light = Light.RED
        green.save()
        client = client_for(county.users[Role.PROJECT_OFFICE])
        listed = client.get("/projects/").context["page"].object_list
        assert [p.light for p in listed] == [Light.RED, Light.RED, Light.YELLOW]
        assert listed[0].pk == green.pk

    def test_previous_goes_back_to_the_same_rows(self, county, client_for):
        make_projects(county, 80)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        pages, query = [], "sort=name"
        for _ in range(3):
            response = client.get(f"/projects/?{query}")
            pages.append([p.pk for p in response.context["page"].object_list])
            query = html.unescape(NEXT.search(response.content.decode()).group(1))
        text = client.get(f"/projects/?{query}").content.decode()
        assert "第 4 页" in text
        for number in (3, 2, 1):
            response = client.get(f"/projects/?{html.unescape(PREVIOUS.search(text).group(1))}")
            assert [p.pk for p in response.context["page"].object_list] == pages[number - 1]
            text = response.content.decode()
            if number > 1:
                assert f"第 {number} 页" in text
        assert not PREVIOUS.search(text)  # the first page has nowhere to go back to

    @pytest.mark.parametrize(
        "cursor",
        [
            "garbage",
            "eyJzIjoiMTIzIn0",  # valid base64 and JSON, for another order
            "!!!",
            "eyJ2IjpbMSwyXSwicyI6Inh4In0" * 90,  # far too long
        ],
    )
    def test_a_forged_cursor_gives_the_first_page(self, county, client_for, cursor):
        make_projects(county, 30)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        first = [p.pk for p in client.get("/projects/").context["page"].object_list]
        response = client.get("/projects/", {"cursor": cursor})
        assert response.status_code == 200
        assert [p.pk for p in response.context["page"].object_list] == first

    def test_a_cursor_of_another_sort_or_with_wrong_values_gives_the_first_page(
        self, county, client_for
    ):
        make_projects(county, 30)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        by_name = client.get("/projects/?sort=name")
        cursor = by_name.context["page"].next_cursor
        first = [p.pk for p in client.get("/projects/").context["page"].object_list]
        stale = client.get("/projects/", {"cursor": cursor})  # the default sort, not by name
        assert [p.pk for p in stale.context["page"].object_list] == first
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        data["v"] = ["x", "not a number"]
        forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
        response = client.get("/projects/", {"sort": "name", "cursor": forged})
        assert response.status_code == 200
        assert response.context["page"].number == 1

    def test_an_old_numbered_page_link_is_the_first_page(self, county, client_for):
        make_projects(county, 30)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        response = client.get("/projects/?page=7")
        assert response.status_code == 200
        assert response.context["page"].number == 1
        assert "page=" not in NEXT.search(response.content.decode()).group(1)

    def test_htmx_refresh_pages_within_the_results(self, county, client_for):
        make_projects(county, 30)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        response = client.get("/projects/?level=county&sort=name", HTTP_HX_REQUEST="true")
        text = response.content.decode()
        assert "<form" not in text  # only the results part
        assert "共 30 条，第 1 页" in text
        link = html.unescape(NEXT.search(text).group(1))
        assert f'hx-get="?{link}" hx-target="#results"' in html.unescape(text)
        assert "level=county" in link and "sort=name" in link
        second = client.get(f"/projects/?{link}", HTTP_HX_REQUEST="true")
        assert "<form" not in second.content.decode()
        assert len(second.context["page"].object_list) == 5

    def test_the_count_stops_at_the_cap(self, county, client_for, settings):
        make_projects(county, 30)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        settings.TUIJIN_LIST_COUNT_CAP = 20
        assert "共 20+ 条，第 1 页" in client.get("/projects/").content.decode()
        assert "共 10 条" in client.get("/projects/?stage=signed").content.decode()
        settings.TUIJIN_LIST_COUNT_CAP = 1000
        assert "共 30 条，第 1 页" in client.get("/projects/").content.decode()

    def test_my_projects_pages_too(self, county, client_for):
        projects = make_projects(county, 40)
        leader = county.people[Role.LEADER]
        Project.objects.filter(pk__in=[p.pk for p in projects]).update(contact_leader=leader)
        client = client_for(county.users[Role.LEADER])
        ids, queries = walk_pages(client, "/projects/mine/")
        assert ids == [p.pk for p in sorted(projects, key=lambda p: (-SEVERITY[p.light], p.pk))]
        assert len(queries) == 2


class TestRequestAndEnterpriseLists:
    def test_request_list_newest_first_visits_every_request_once(self, county, client_for):
        appeals = make_appeals(county, 70)
        client = client_for(county.users[Role.PRINCIPAL])
        ids, queries = walk_pages(client, "/appeals/")
        expected = sorted(appeals, key=lambda a: (a.received_on, a.pk), reverse=True)
        assert ids == [a.pk for a in expected]
        assert len(queries) == 3

    def test_request_list_keeps_its_search(self, county, client_for):
        appeals = make_appeals(county, 70)
        client = client_for(county.users[Role.PRINCIPAL])
        ids, queries = walk_pages(client, "/appeals/", "q=%E8%AF%89%E6%B1%820")
        expected = [a for a in appeals if a.title.startswith("诉求0")]
        assert ids == [a.pk for a in sorted(expected, key=lambda a: (a.received_on, a.pk))[::-1]]
        assert all("q=" in q for q in queries[1:])

    def test_request_tabs_count_up_to_the_cap(self, county, client_for, settings):
        make_appeals(county, 30)
        client = client_for(county.users[Role.PRINCIPAL])
        settings.TUIJIN_LIST_COUNT_CAP = 20
        text = client.get("/appeals/").content.decode()
        assert '全部 <span class="badge text-bg-light">20+</span>' in text
        assert "共 20+ 条，第 1 页" in text
        settings.TUIJIN_LIST_COUNT_CAP = 1000
        text = client.get("/appeals/").content.decode()
        assert '全部 <span class="badge text-bg-light">30</span>' in text
        assert "共 30 条，第 1 页" in text

    def test_enterprise_list_by_name_visits_every_enterprise_once(self, county, client_for):
        enterprises = make_enterprises(county, 70)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        ids, queries = walk_pages(client, "/enterprises/")
        assert ids == [e.pk for e in sorted(enterprises, key=lambda e: (e.name, e.pk))]
        assert len(queries) == 3

    def test_enterprise_search_is_kept_across_pages(self, county, client_for):
        enterprises = make_enterprises(county, 70)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        ids, queries = walk_pages(client, "/enterprises/", "q=qxcs")  # pinyin initials
        assert ids == [e.pk for e in sorted(enterprises, key=lambda e: (e.name, e.pk))]
        assert all("q=qxcs" in q for q in queries)


class TestApiLists:
    def test_projects_api_follows_next_through_every_row(self, county, client_for):
        projects = make_projects(county, 120)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        rows, first = walk_api(client, "/api/projects/?ordering=-total_investment")
        expected = sorted(projects, key=lambda p: (-p.total_investment, p.pk))
        assert [r["id"] for r in rows] == [p.pk for p in expected]
        assert (first["count"], first["count_capped"], first["previous"]) == (120, False, None)

    def test_previous_link_of_the_api(self, county, client_for):
        make_projects(county, 120)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        first = client.get("/api/projects/").json()
        second = client.get(first["next"]).json()
        third = client.get(second["next"]).json()
        assert third["next"] is None and len(third["results"]) == 20
        back = client.get(third["previous"]).json()
        assert [r["id"] for r in back["results"]] == [r["id"] for r in second["results"]]
        assert "cursor" not in back["previous"]  # page 2 goes back to the plain first page

    def test_nullable_order_puts_missing_deadlines_last_both_ways(self, county, client_for):
        appeals = make_appeals(county, 130)
        client = client_for(county.users[Role.PRINCIPAL])
        for ordering, reverse in (("resolve_due", False), ("-resolve_due", True)):
            rows, _ = walk_api(client, f"/api/appeals/?ordering={ordering}")
            dated = sorted(
                (a for a in appeals if a.resolve_due),
                key=lambda a: (a.resolve_due, -a.pk if reverse else a.pk),
                reverse=reverse,
            )
            undated = [a for a in appeals if a.resolve_due is None]
            assert [r["id"] for r in rows] == [a.pk for a in dated + undated]

    def test_api_forged_cursor_and_capped_count(self, county, client_for, settings):
        make_enterprises(county, 60)
        client = client_for(county.users[Role.PROJECT_OFFICE])
        first = client.get("/api/enterprises/").json()
        forged = client.get("/api/enterprises/?cursor=bm90IGEgY3Vyc29y").json()
        assert forged["results"] == first["results"]
        settings.TUIJIN_LIST_COUNT_CAP = 40
        capped = client.get("/api/enterprises/").json()
        assert (capped["count"], capped["count_capped"]) == (40, True)
        rows, _ = walk_api(client, "/api/enterprises/")
        assert len({r["id"] for r in rows}) == len(rows) == 60

    def test_schema_documents_the_cursor_and_the_bounded_count(self, county, client_for):
        client = client_for(county.users[Role.LEADER])
        schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
        listing = schema["paths"]["/api/projects/"]["get"]
        assert "cursor" in {p["name"] for p in listing["parameters"]}
        assert "page" not in {p["name"] for p in listing["parameters"]}
        ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert {"count", "count_capped", "next", "previous", "results"} <= set(page["properties"])


def test_the_nightly_sweep_refreshes_the_planner_statistics(county):
    """SQLite plans a province's lists from these statistics (see tuijin.core.planner)."""
    from django.db import connection

    from tuijin.core.sweeps import SWEEP_STEPS

    make_projects(county, 5)
    step = next(s for s in SWEEP_STEPS if s.__module__ == "tuijin.core.planner")
    assert step(dt.date(2026, 6, 1)) == "数据库查询统计已更新"
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'projects_project'")
            assert cursor.fetchone()[0] > 0


def test_applied_migrations_leave_the_tables_analysed(county):
    """SQLite drops a table's statistics when a migration rebuilds it; the lists would sort a
    province's rows until the night. After migrations are applied, the statistics are back."""
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    make_projects(county, 5)
    if connection.vendor != "sqlite":
        pytest.skip("a rebuilt table losing its statistics is SQLite's way of altering it")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'projects_project'")
        applied = MigrationLoader(connection).graph.leaf_nodes()[:1]
        emit_post_migrate_signal(0, False, "default", plan=[(applied, False)])
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'projects_project'")
        assert cursor.fetchone()[0] > 0
