"""Faults (issue 8, point 8): a killed import, a lost database connection, a full disk.

- ``kill -9`` during a 10,000-row ledger import: a real ``tuijin import-ledger`` process on
  a seeded SQLite data folder is killed once it has started writing; every table keeps its
  row count and the file passes ``PRAGMA integrity_check``. SQLite only (the embedded default,
  where a killed writer is the real risk); on PostgreSQL the same holds by the transaction the
  import runs in.
- the database connection lost in the middle of a request (SQLite: the statement after the
  first write is aborted by the engine; PostgreSQL: the backend is terminated from another
  connection): the Chinese 500 page with no trace or SQL, the write rolled back, an ERROR
  record of django.request.
- the disk full during an upload (the process's file size limit, RLIMIT_FSIZE, makes the
  write fail with EFBIG as a full disk fails with ENOSPC): a clear Chinese message, no file
  left in MEDIA_ROOT, no row pointing at a missing file.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from tuijin.core.roles import Role
from tuijin.core.storage import MESSAGE as STORAGE_FULL
from tuijin.projects.models import Problem
from tuijin.projects.services import problem_create
from tuijin.projects.tests.conftest import make_project
from tuijin.supervision import services as orders
from tuijin.supervision.models import OrderEvent, OrderFile, SupervisionOrder
from tuijin.supervision.tests.conftest import issue

ROOT = Path(__file__).resolve().parents[3]
LEDGER_ROWS = 10_000
ERROR_500 = "系统出错了"


# --- kill -9 during an import -------------------------------------------------------------


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "TUIJIN_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": ""}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _tuijin(data_dir: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tuijin.cli", *args],
        env=_env(data_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


MAKE_LEDGER = """
import datetime as dt, sys
from pathlib import Path
import django
django.setup()
from tuijin.core.bench import _ledger_file
from tuijin.core.models import Region
folder = Path(sys.argv[1])
path, _ = _ledger_file(Region.objects.get(), folder, int(sys.argv[2]), dt.date.today())
print(path)
"""


def table_counts(db_path: Path) -> dict[str, int]:
    db = sqlite3.connect(db_path)
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"  # full-text indexes: their own
                # shadow tables are counted
            )
        ]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        db.close()


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="kill -9 of an SQLite writer; on PostgreSQL the import's transaction does the same",
)
def test_kill_9_during_a_10000_row_ledger_import_leaves_no_partial_data(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    _tuijin(data_dir, "seed", "--scale", "county")
    made = subprocess.run(
        [sys.executable, "-c", MAKE_LEDGER, str(tmp_path), str(LEDGER_ROWS)],
        env={**_env(data_dir), "DJANGO_SETTINGS_MODULE": "tuijin.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    ledger = Path(made.stdout.strip().splitlines()[-1])
    db_path = data_dir / "tuijin.sqlite3"
    wal = db_path.with_name(db_path.name + "-wal")
    before = table_counts(db_path)
    assert before["projects_project"] == 400

    importer = subprocess.Popen(
        [sys.executable, "-m", "tuijin.cli", "import-ledger", str(ledger)],
        env=_env(data_dir),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Writing has started once the write-ahead log grows by a few pages beyond what the
        # import's own reads leave there (it is written before anything is committed).
        start = wal.stat().st_size if wal.exists() else 0
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and importer.poll() is None:
            if wal.exists() and wal.stat().st_size > start + 512 * 1024:
                break
            time.sleep(0.02)
        grown = (wal.stat().st_size if wal.exists() else 0) - start
        importer.send_signal(signal.SIGKILL)
        importer.wait(timeout=30)
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.wait()
    assert importer.returncode == -signal.SIGKILL, (
        f"the import ended by itself before it was killed: {importer.stderr.read()[-500:]!r}"
    )
    assert grown > 512 * 1024  # it was killed while writing, not before

    after = table_counts(db_path)
    assert after == before
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        db.execute("BEGIN IMMEDIATE")  # no lock is left behind: the next writer goes ahead
        db.execute("ROLLBACK")
    finally:
        db.close()


# --- the database connection lost mid-request ---------------------------------------------


class DropAfterFirstWrite:
    """A database execute wrapper: lets the request's first UPDATE of ``table`` through, then
    cuts the connection from under it, as a server restart or a network fault does."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.dropped = False

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not self.dropped and sql.lstrip().upper().startswith("UPDATE") and self.table in sql:
            self.dropped = True
            self.drop(context["connection"])
        return result

    @staticmethod
    def drop(conn) -> None:
        if conn.vendor == "postgresql":
            import psycopg

            pid = conn.connection.info.backend_pid
            params = conn.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            with psycopg.connect(**params, autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
        else:
            # Every statement from now on is aborted by the engine (SQLITE_INTERRUPT): for this
            # connection the database is gone; an aborted write rolls its transaction back.
            conn.connection.set_progress_handler(lambda: 1, 1)

    @staticmethod
    def restore(conn) -> None:
        """Give the next test a working connection in autocommit, as it would find it."""
        if conn.vendor == "postgresql":
            conn.close()  # the server ended it: the next query opens a new one
            return
        # SQLite's in-memory test database cannot be closed and opened again: undo the fault,
        # and the state the interrupted transaction left (out of autocommit) on the same one.
        if conn.connection is not None:
            conn.connection.set_progress_handler(None, 1)
            if conn.connection.in_transaction:
                conn.connection.rollback()
        conn.needs_rollback = False
        if not conn.in_atomic_block and not conn.get_autocommit():
            conn.set_autocommit(True)


@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_mid_request_gives_the_chinese_500_page_and_rolls_back(caplog):
    from tuijin.testing import build_county

    county = build_county()
    project = make_project(county)
    problem = problem_create(
        project,
        description="施工用电容量不足",
        responsible_unit=county.township,
        responsible_person=county.people[Role.UNIT_STAFF],
        today=dt.date(2026, 10, 9),
    )
    client = Client(raise_request_exception=False)
    client.force_login(county.users[Role.UNIT_STAFF])
    fault = DropAfterFirstWrite(Problem._meta.db_table)
    request_log = logging.getLogger("django.request")  # it does not propagate to the root
    request_log.addHandler(caplog.handler)
    try:
        with connection.execute_wrapper(fault):
            response = client.post(
                reverse("projects:problem-update", args=[problem.pk]),
                {"status": "resolved", "measure": "已协调供电公司增容"},
            )
    finally:
        request_log.removeHandler(caplog.handler)
        DropAfterFirstWrite.restore(connection)
    assert fault.dropped
    assert response.status_code == 500
    body = response.content.decode()
    assert ERROR_500 in body
    assert "数据未被修改" in body
    for leak in ("Traceback", "UPDATE", "SELECT", "OperationalError", "interrupted", ".py"):
        assert leak not in body
    problem.refresh_from_db()
    assert problem.status != Problem.Status.RESOLVED
    assert problem.measure == ""
    errors = [r for r in caplog.records if r.name == "django.request" and r.levelno >= 40]
    assert errors and errors[0].exc_info is not None  # the trace is in the log, for the operator
    assert connection.get_autocommit()  # and the connection is left as the next test needs it


# --- a full disk during an upload ---------------------------------------------------------


@pytest.fixture
def file_size_limit():
    """Limits the size of any file this process writes; a write beyond it fails with EFBIG
    (SIGXFSZ ignored), as a full disk fails with ENOSPC. Restored afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    def limit(size: int) -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))

    try:
        yield limit
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@pytest.fixture
def signed_order(county, settings, tmp_path):
    """An order its unit has signed for and may now answer with evidence files; uploads go
    to a media folder of the test's own. Gives (order, the unit's liaison, its page)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    order = issue(county, project=make_project(county))
    staff = county.users[Role.UNIT_STAFF]
    orders.order_sign(order, acting_user=staff)
    return order, staff, reverse("supervision:detail", args=[order.pk])


def test_a_full_disk_during_an_upload_gives_a_clear_error_and_no_half_written_file(
    signed_order, client_for, tmp_path, file_size_limit
):
    order, staff, detail = signed_order
    client = client_for(staff)
    evidence = SimpleUploadedFile("整改说明.pdf", b"%PDF-1.4\n" + b"0" * 300_000)
    events = OrderEvent.objects.count()

    file_size_limit(100_000)
    response = client.post(
        reverse("supervision:respond", args=[order.pk]),
        {"text": "已完成电力接入", "files": evidence},
        HTTP_REFERER=f"http://testserver{detail}",
    )
    file_size_limit(resource.RLIM_INFINITY)

    assert response.status_code == 302
    assert response["Location"].endswith(detail)
    page = client.get(detail)
    assert STORAGE_FULL in page.content.decode()
    assert "存储空间不足，文件未保存" in STORAGE_FULL
    stored = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert stored == []  # not even the first 100 KB of it
    assert OrderFile.objects.count() == 0
    assert OrderEvent.objects.count() == events
    order.refresh_from_db()
    assert (
        order.status == SupervisionOrder.Status.SIGNED
    )  # the response may be sent again once there is room


def test_when_the_second_file_of_an_upload_does_not_fit_the_first_is_removed_too(
    signed_order, client_for, tmp_path, file_size_limit
):
    order, staff, detail = signed_order
    small = SimpleUploadedFile("现场照片说明.pdf", b"%PDF-1.4\n" + b"0" * 20_000)
    large = SimpleUploadedFile("整改说明.pdf", b"%PDF-1.4\n" + b"0" * 300_000)

    file_size_limit(100_000)
    response = client_for(staff).post(
        reverse("supervision:respond", args=[order.pk]),
        {"text": "已完成电力接入", "files": [small, large]},
        HTTP_REFERER=f"http://testserver{detail}",
    )
    file_size_limit(resource.RLIM_INFINITY)

    assert response.status_code == 302
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []
    assert OrderFile.objects.count() == 0
    # Files of an upload that went through stay where their rows point.
    orders.order_respond(
        order,
        acting_user=staff,
        text="已完成电力接入",
        files=[SimpleUploadedFile("整改说明.pdf", b"%PDF-1.4\n" + b"0" * 2_000)],
    )
    assert [f.file.path for f in OrderFile.objects.all()] == [
        str(p) for p in (tmp_path / "media").rglob("*") if p.is_file()
    ]


def test_the_storage_leaves_nothing_of_a_file_that_did_not_fit_and_works_again_after(
    tmp_path, file_size_limit
):
    from tuijin.core.storage import Storage, StorageFullError

    storage = Storage(location=tmp_path / "media")
    file_size_limit(50_000)
    with pytest.raises(StorageFullError) as caught:
        storage.save("orders/大文件.pdf", SimpleUploadedFile("x.pdf", b"%PDF-" + b"1" * 200_000))
    file_size_limit(resource.RLIM_INFINITY)
    assert caught.value.message == STORAGE_FULL
    assert not any(p.is_file() for p in (tmp_path / "media").rglob("*"))
    # The same storage writes normally once there is room again.
    name = storage.save("orders/小文件.pdf", SimpleUploadedFile("y.pdf", b"%PDF-1.4"))
    assert (tmp_path / "media" / name).read_bytes() == b"%PDF-1.4"


def test_a_full_disk_under_the_api_answers_507_with_the_message(rf):
    from tuijin.core.storage import StorageFullError, StorageFullMiddleware

    middleware = StorageFullMiddleware(lambda request: None)
    response = middleware.process_exception(rf.post("/api/orders/1/"), StorageFullError("x"))
    assert response.status_code == 507
    assert json.loads(response.content) == {"error": "storage_full", "message": STORAGE_FULL}
    assert middleware.process_exception(rf.post("/api/orders/1/"), ValueError("x")) is None
