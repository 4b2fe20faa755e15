"""``tuijin bench``: its JSON, its refusals, and that measuring changes nothing.

The demo county is seeded once for the module (rolled back at the end); each test runs the
command on it with ``--runs`` 1 or 2 and a few measures, so the figures are real but few.
Times are never asserted against targets here: they depend on the machine (docs/performance.md).
"""

from __future__ import annotations

import json
import warnings
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from tuijin.core import bench, budgets
from tuijin.core.demo import DEMO_REGION_CODE, seed_demo
from tuijin.core.models import Region, User
from tuijin.enterprises.models import Enterprise
from tuijin.projects.models import Project

pytestmark = pytest.mark.django_db

MEASURE_KEYS = {
    "name",
    "median_ms",
    "p95_ms",
    "queries",
    "floor_name",
    "floor_median_ms",
    "ratio",
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county, seeded once for the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        yield Region.objects.get(code=DEMO_REGION_CODE)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def raise_on_n_plus_one():
    """Replaces tuijin/conftest.py's fixture of the same name, which watches a whole command
    as one operation: a bench run is hundreds of operations (the session of each request is
    read once per request, rightly). zeal's middleware still watches every request it makes,
    so an N+1 in a page still fails the run."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"N\+1 detected", category=UserWarning)
        yield


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("bench", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> str:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("bench", *args, stdout=out, stderr=err)
    assert caught.value.returncode == 1
    message = str(caught.value)
    assert "\n" not in message
    assert out.getvalue() == ""  # refused before measuring anything
    return message


def test_an_empty_database_is_refused_in_one_line(county):
    # First in the file: it runs before the module's demo county is seeded. The county
    # fixture has a directory and accounts but no projects.
    assert refused() == "数据库中没有数据，请先运行 tuijin seed --scale county"


def test_json_has_exactly_the_promised_keys_and_plausible_figures(demo, tmp_path):
    path = tmp_path / "bench.json"
    out, _ = run(
        "--runs", "2", "--only", "projects.list,cockpit,api.projects", "--json", str(path),
        "--db", connection.vendor, "--scale", "county",
    )  # fmt: skip
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"scale", "database", "counts", "measures"}
    assert data["scale"] == "county"
    assert data["database"] == connection.vendor
    assert data["counts"]["projects"] == Project.objects.count() > 0
    assert data["counts"]["counties"] == 1
    for key in ("progress_reports", "enterprises", "requests"):
        assert data["counts"][key] > 0
    measures = {m["name"]: m for m in data["measures"]}
    assert set(measures) == {"healthz@office", "sql.cockpit", "projects.list", "cockpit"} | {
        "api.projects"
    }
    for measure in data["measures"]:
        assert set(measure) == MEASURE_KEYS
        assert measure["queries"] > 0
        assert 0 < measure["median_ms"] <= measure["p95_ms"]
    assert measures["cockpit"]["floor_name"] == "sql.cockpit"
    assert measures["projects.list"]["floor_name"] == "healthz@office"
    assert measures["api.projects"]["floor_name"] == "healthz@office"
    for name in ("projects.list", "cockpit", "api.projects"):
        page = measures[name]
        floor = measures[page["floor_name"]]
        assert page["floor_median_ms"] == floor["median_ms"]
        # The JSON gives the ratio to two decimals: a cached page can be 0.0087 of its floor.
        expected = page["median_ms"] / floor["median_ms"]
        assert page["ratio"] == pytest.approx(expected, rel=0.01, abs=0.005)
    assert measures["healthz@office"]["floor_name"] is None
    assert measures["healthz@office"]["ratio"] is None
    # The table shows the same figures.
    assert "cockpit" in out and "sql.cockpit" in out
    assert f"{measures['cockpit']['median_ms']:.2f}" in out


def test_another_database_than_the_one_connected_is_refused(demo):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    message = refused("--db", other)
    assert f"--db {other}" in message and connection.vendor in message


def test_data_of_another_scale_is_refused(demo):
    message = refused("--scale", "province")
    assert "1 个县" in message and "county" in message


def test_an_unknown_measure_or_scale_is_refused(demo):
    assert "projects.lsit" in refused("--only", "projects.list,projects.lsit")
    assert "galaxy" in refused("--scale", "galaxy")


def test_check_budget_lists_each_page_over_the_budget(demo, monkeypatch):
    monkeypatch.setattr(budgets, "QUERY_BUDGET", 2)
    monkeypatch.setattr(budgets, "OVER_BUDGET", {})
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="超出查询预算"):
        call_command(
                "bench", "--runs", "1", "--only", "projects.list,enterprises.list", "--check-budget",
            stdout=out, stderr=err,
        )  # fmt: skip
    assert "超出查询预算：projects.list" in err.getvalue()
    assert "超出查询预算：enterprises.list" in err.getvalue()
    # Floors are not pages: /healthz is never reported.
    assert "healthz" not in err.getvalue()
    # Without --check-budget the same run succeeds.
    run("--runs", "1", "--only", "projects.list,enterprises.list")


def test_a_page_that_does_not_answer_200_is_an_error(demo):
    office = bench.find_samples().users["office"]
    session = bench.Session(office)
    try:
        with pytest.raises(bench.PageFailed, match="返回 404"):
            bench.time_page(session.client, "/projects/999999999/", 1)
    finally:
        session.close()


def _snapshot() -> dict:
    counts = {model._meta.label: model._default_manager.count() for model in apps.get_models()}
    projects = list(
        Project.objects.order_by("id").values_list("id", "light", "updated_at", "invested_total")
    )
    logins = list(User.objects.order_by("id").values_list("id", "last_login"))
    return {"counts": counts, "projects": projects, "logins": logins}


def test_bench_changes_nothing_even_its_import_and_sweep(demo, monkeypatch):
    # More rows than the demo has projects, so the import creates projects as well as
    # matching the existing ones; the real bench imports 10,000.
    monkeypatch.setattr(bench, "IMPORT_ROWS", Project.objects.count() + 40)
    before = _snapshot()
    out, err = run(
        "--runs", "1", "--only",
        "sweep,import.ledger,export.ledger,export.enterprises,bulletin,projects.list,"
        "projects.mine,api.appeals",
    )  # fmt: skip
    assert err == ""
    enterprises = f"export.enterprises.{Enterprise.objects.count()}(全部数据，不足100000行)"
    for name in ("sweep", f"import.ledger.{bench.IMPORT_ROWS}", "export.ledger", "bulletin"):
        assert name in out
    assert enterprises in out
    assert f"{enterprises}：峰值内存" in out
    assert "projects.mine" in out and "api.appeals" in out
    after = _snapshot()
    assert after["counts"] == before["counts"]
    assert after["projects"] == before["projects"]
    assert after["logins"] == before["logins"]


def test_the_administrators_searches_are_measured_found_and_not_found(demo, tmp_path):
    families = ("projects", "appeals", "enterprises")
    names = [f"{f}.search{k}@admin" for f in families for k in ("", ".none")]
    path = tmp_path / "bench.json"
    run("--runs", "1", "--only", ",".join(names), "--json", str(path))
    measured = {m["name"] for m in json.loads(path.read_text())["measures"]}
    assert measured == set(names) | {"healthz@admin"}
    # The second search is for two Chinese characters found in no searched column.
    absent = bench.absent_query(bench.find_samples())
    assert len(absent) == 2 and all("\u4e00" <= c <= "\u9fff" for c in absent)
    for model, columns in bench._searched():
        for column in columns:
            assert not model.objects.filter(**{f"{column}__icontains": absent}).exists()
