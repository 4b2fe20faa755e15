"""SQLite as a real embedded default: concurrent writers through a real server (issue 7, point 7).

Both tests drive ``scripts/load/writers.py``: it seeds the demo county into its own data folder,
starts ``tuijin serve`` (gunicorn, 2 workers, and the task worker) on a free port of 127.0.0.1,
signs in one liaison per writer and writes through pages and the API until the time is up,
then checks the database and the server log. The first test is the promise; the second shows
that the check catches a locked database when there is one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "load" / "writers.py"

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="the embedded SQLite's promise; the PostgreSQL pass has no SQLite file to lock",
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """One seeded demo county for both runs (seeding is most of the time)."""
    return tmp_path_factory.mktemp("writers") / "data"


def run_writers(data_dir: Path, *args: str) -> tuple[int, list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=env,
    )
    lines = done.stdout.strip().splitlines() or [done.stderr[-2000:]]
    return done.returncode, lines


def test_twenty_writers_for_fifteen_seconds_never_see_a_locked_database(data_dir):
    # With the nightly sweep run again and again beside them, as an operator might by day.
    code, lines = run_writers(data_dir, "--writers", "20", "--seconds", "15", "--sweep")

    result = lines[-1]
    assert code == 0, "\n".join(lines)
    assert result.startswith("通过：20 个写入者"), result
    assert "服务 2 个进程（SQLite）" in result
    assert "失败 0 次" in result
    assert "database is locked 0 处" in result
    # Every kind of write happened, and each one the server acknowledged is in the database
    # (the script compares them and would print 「写入不符」).
    for kind in ("login 20", "problem_api", "problem_take", "problem_resolve", "problem_page"):
        assert kind in result, result
    assert "sweep " in result, result
    assert not [line for line in lines if line.startswith(("失败：", "写入不符", "服务日志"))]


def test_a_lock_held_past_the_busy_timeout_is_reported_as_a_failure(data_dir):
    # Another process keeps the write lock for 25 s, past the 20 s busy timeout of settings:
    # the writers waiting behind it get errors, and the script must say so and exit non-zero.
    code, lines = run_writers(data_dir, "--writers", "4", "--seconds", "6", "--lock-for", "25")

    result = lines[-1]
    assert code == 1, "\n".join(lines)
    assert result.startswith("失败：4 个写入者"), result
    assert "database is locked 0 处" not in result
    assert any(line.startswith("服务日志：") and "database is locked" in line for line in lines)
    assert any("HTTP 500" in line for line in lines if line.startswith("失败："))
