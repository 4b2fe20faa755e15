#!/usr/bin/env python
"""Backup and restore drill (issue 8, point 9): back up the demo county while people write,
restore it into an empty install, and prove the copy.

Usage: .venv/bin/python scripts/backup_drill.py [--pg postgres://superuser@127.0.0.1:PORT/db]

1. a fresh data folder with the demo county (``tuijin demo --no-serve``); on PostgreSQL
   (``--pg``: a server where this user may create databases) in a new database of its own;
2. a writer process raises problems on the county's projects (audited, so the audit chain
   grows) and stores an uploaded file now and then, without pause, until told to stop;
3. ``tuijin backup`` runs while the writer writes (the drill checks that writes landed both
   before and during the backup);
4. the writer stops; ``tuijin restore`` into a second, empty data folder (and database), which
   itself compares every table's row count and checksum with the backup's manifest, every
   file's hash, and the audit chain;
5. the drill checks again from outside: ``tuijin verify-audit`` on the copy, and the copy holds
   exactly the problems written before the snapshot (between the counts seen before and after
   the backup), while the source holds more.

Prints one line and exits 0 when all holds; exits 1 with the reason otherwise. Everything is
removed at the end (the temporary folders and the two databases).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUIJIN = [str(Path(sys.executable).parent / "tuijin")]  # the command beside this interpreter


def _writer(stop: Path, counter: Path) -> None:
    """Write problems (and now and then a file) until ``stop`` exists; count them in
    ``counter`` after each commit."""
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from tuijin.projects.models import Project
    from tuijin.projects.services import problem_create

    projects = list(
        Project.objects.filter(host_unit__isnull=False)
        .select_related("host_unit")
        .prefetch_related("responsibles__person")
        .order_by("pk")[:50]
    )
    written, deadline = 0, time.monotonic() + 300
    while not stop.exists() and time.monotonic() < deadline:
        project = projects[written % len(projects)]
        holder = next(iter(project.responsibles.all()), None)
        problem_create(
            project,
            description=f"演练问题 {written + 1}：备份期间写入",
            responsible_unit=project.host_unit,
            responsible_person=holder.person if holder else None,
        )
        if written % 10 == 0:
            default_storage.save(
                f"drill/{written:05d}.txt", ContentFile(f"演练 {written}".encode())
            )
        written += 1
        staged = counter.with_suffix(".new")
        staged.write_text(str(written))
        os.replace(staged, counter)  # the drill never reads a half-written count


def _tuijin(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*TUIJIN, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=900
    )


def _count(env: dict[str, str], text: str) -> int:
    code = (
        "import django; django.setup(); from tuijin.projects.models import Problem; "
        f"print(Problem.objects.filter(description__startswith={text!r}).count())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"演练失败：无法读取问题数：{done.stderr.strip()[-300:]}")
    return int(done.stdout.strip())


def _pg_databases(url: str, names: list[str], *, create: bool) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        for name in names:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                db.execute(f'CREATE DATABASE "{name}"')


def _fail(message: str, done: subprocess.CompletedProcess | None = None) -> None:
    detail = ""
    if done is not None:
        detail = " | " + (done.stderr.strip() or done.stdout.strip()).splitlines()[-1][:300]
    raise SystemExit(f"演练失败：{message}{detail}")


def drill(pg: str | None) -> str:
    work = Path(tempfile.mkdtemp(prefix="tuijin-drill-"))
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    base.update({"DJANGO_SETTINGS_MODULE": "tuijin.settings", "PYTHONPATH": str(ROOT)})
    src = dict(base, TUIJIN_DATA_DIR=str(work / "source"))
    dst = dict(base, TUIJIN_DATA_DIR=str(work / "copy"))
    names = [f"tuijin_drill_src_{os.getpid()}", f"tuijin_drill_dst_{os.getpid()}"]
    if pg:
        _pg_databases(pg, names, create=True)
        prefix = pg.rsplit("/", 1)[0]
        src["DATABASE_URL"], dst["DATABASE_URL"] = (f"{prefix}/{n}" for n in names)
    writer = None
    try:
        done = _tuijin(src, "demo", "--no-serve")
        if done.returncode != 0:
            _fail("tuijin demo 未成功", done)
        stop, counter = work / "stop", work / "written"
        writer = subprocess.Popen(
            [sys.executable, __file__, "--writer", str(stop), str(counter)],
            env=src,
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )

        def written() -> int:
            return int(counter.read_text() or 0) if counter.exists() else 0

        for _ in range(600):  # the writer is under way: 10 commits at least
            if written() >= 10 or writer.poll() is not None:
                break
            time.sleep(0.1)
        if writer.poll() is not None:
            _fail(f"写入进程提前退出：{writer.stderr.read()[-300:]}")
        before = written()
        backup = work / "backup.tar.gz"
        done = _tuijin(src, "backup", str(backup))
        during = written()
        if done.returncode != 0:
            _fail("tuijin backup 未成功", done)
        if during <= before:
            _fail("备份期间没有写入：这不是带写入负载的演练")
        time.sleep(0.5)
        stop.touch()
        writer.wait(timeout=60)
        total = written()
        done = _tuijin(dst, "restore", str(backup))
        if done.returncode != 0:
            _fail("tuijin restore 未通过核对", done)
        proof = done.stdout.strip().splitlines()[0]
        audit = _tuijin(dst, "verify-audit")
        if audit.returncode != 0:
            _fail("恢复后的审计链校验未通过", audit)
        copied, source_now = _count(dst, "演练问题"), _count(src, "演练问题")
        if not before <= copied <= during:
            _fail(f"副本中的演练问题 {copied} 条，应在 {before} 到 {during} 之间")
        if source_now != total:
            _fail(f"源库中的演练问题 {source_now} 条，写入进程报告 {total} 条")
        return (
            f"备份恢复演练通过（{'PostgreSQL' if pg else 'SQLite'}）：{proof}；"
            f"备份开始前已写 {before} 条、备份期间又写 {during - before} 条，"
            f"副本含 {copied} 条（快照时刻），源库最终 {total} 条；{audit.stdout.strip()}"
        )
    finally:
        if writer is not None and writer.poll() is None:
            writer.kill()
            writer.wait()
        if pg:
            _pg_databases(pg, names, create=False)
        subprocess.run(["rm", "-rf", str(work)], check=False)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--writer":
        _writer(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="PostgreSQL URL of a user who may create databases")
    args = parser.parse_args()
    print(drill(args.pg))


if __name__ == "__main__":
    main()
