#!/usr/bin/env python
"""Mixed load (issue 8, point 12): 50 people reading and writing through pages and the API.

Usage: .venv/bin/python scripts/load/mixed.py [--users 50] [--seconds 300] [--max-requests N]
       [--server-workers 2] [--pg postgres://superuser@127.0.0.1:PORT/db] [--data-dir DIR]

All on 127.0.0.1, bounded in time (--seconds, plus at most a minute to start and stop) and in
requests (--max-requests):
1. a fresh data folder with ``tuijin seed --scale county``; on PostgreSQL (``--pg``: a server
   where this user may create databases) in a new database of its own, dropped at the end;
2. accounts: 20 unit liaisons of units with open projects (as writers.py chooses them), the
   project office, the principal leader, a county leader and the enterprise persona, all with
   the demo password;
3. ``tuijin serve --workers N`` on a free port, its output in ``server.log``;
4. locust (scripts/load/mixed_locust.py) with the users split 40% liaisons, 28% office, 8%
   principal leaders (cockpit), 8% contact leaders, 16% enterprises, each waiting 0.5–2 s between requests; about four requests in
   five read (pages, cockpit, API lists), one writes (problems and reports through the API,
   questions and new requests through pages with the CSRF token);
5. stops the server by its own process id and scans its log for "database is locked".

Prints the table (requests, failures, p50/p95 per request kind) and one line; exits 0 when
the failure ratio is below 0.1% and no "database is locked" appeared, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import PASSWORD, ROOT, free_port, locked_lines, server_env, start_server, stop_server

LOCUSTFILE = Path(__file__).with_name("mixed_locust.py")
LOCUST = Path(sys.executable).parent / "locust"
MAX_FAILURE_RATIO = 0.001


def prepare(data_dir: Path, liaisons: int, tag: str) -> dict:
    """The accounts of the run (in a subprocess with the run's database)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")
    django.setup()  # with the run's DATABASE_URL; writers.prepare's own setup is then a no-op
    import writers

    from tuijin.core.models import Person, User
    from tuijin.core.roles import DirectoryRole
    from tuijin.projects.models import Project

    plan = writers.prepare(data_dir, liaisons, tag)
    principal = (
        Person.objects.filter(roles__role=DirectoryRole.PRINCIPAL, user__isnull=False)
        .order_by("order", "pk")
        .first()
        .user.username
    )
    readers = {}
    for username in ("office", "leader", principal, "enterprise"):
        user = User.objects.get(username=username)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        visible = Project.objects.visible_to(user).order_by("pk").values_list("pk", flat=True)
        readers[username] = list(visible[:200])
    for job in plan["writers"]:  # the pages a liaison opens: projects it may see
        user = User.objects.get(username=job["username"])
        seen = set(Project.objects.visible_to(user).values_list("pk", flat=True))
        job["pages"] = [pk for pk in job["projects"] if pk in seen] or job["projects"]
    return {
        "password": PASSWORD,
        "tag": tag,
        "liaisons": plan["writers"],
        "office": {"username": "office", "projects": readers["office"]},
        "leader": {"username": "leader", "projects": readers["leader"]},
        "principal": {"username": principal, "projects": readers[principal]},
        "enterprise": {"username": "enterprise", "projects": []},
    }


def _run(env: dict[str, str], *args: str, timeout: int = 900) -> str:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise SystemExit(f"失败：{' '.join(args)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def _pg_database(url: str, name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            db.execute(f'CREATE DATABASE "{name}"')


def machine(pg: bool) -> str:
    import sqlite3

    os_name = platform.platform()
    with open("/etc/os-release", encoding="utf-8") as release:
        for line in release:
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip().strip('"')
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    db = "PostgreSQL" if pg else f"SQLite {sqlite3.sqlite_version}"
    return (
        f"{os.cpu_count()} 核，{os_name}，Python {platform.python_version()}，{db}；"
        f"开始时负载 {load}"
    )


def report(stats_csv: Path, failures_csv: Path) -> tuple[int, int, list[str]]:
    """Requests, failures, and the lines of the table (one per request kind, reads first)."""
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    kinds = sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: r["Name"])
    lines = [f"{'请求':<28}{'次数':>7}{'失败':>6}{'p50 ms':>8}{'p95 ms':>8}"]
    for part in ("read:", "write:"):
        mine = [r for r in kinds if r["Name"].startswith(part)]
        for r in mine:
            lines.append(
                f"{r['Name']:<28}{int(r['Request Count']):>7}{int(r['Failure Count']):>6}"
                f"{float(r['50%']):>8.0f}{float(r['95%']):>8.0f}"
            )
        count = sum(int(r["Request Count"]) for r in mine)
        lines.append(f"{'  小计 ' + part.rstrip(':'):<28}{count:>7}")
    work = [r for r in kinds if "sign-in" not in r["Name"]]
    writes = sum(int(r["Request Count"]) for r in work if r["Name"].startswith("write:"))
    reads = sum(int(r["Request Count"]) for r in work if r["Name"].startswith("read:"))
    share = writes / (reads + writes) if reads + writes else 0.0
    lines.append(f"登录之外：读 {reads} 次，写 {writes} 次（写占 {share:.0%}）")
    lines.append(
        f"{'合计':<28}{int(total['Request Count']):>7}{int(total['Failure Count']):>6}"
        f"{float(total['50%']):>8.0f}{float(total['95%']):>8.0f}"
    )
    if failures_csv.exists():
        for r in list(csv.DictReader(failures_csv.open(encoding="utf-8")))[:10]:
            lines.append(f"失败：{r['Method']} {r['Name']} ×{r['Occurrences']}：{r['Error']}")
    return int(total["Request Count"]), int(total["Failure Count"]), lines


def run(args, data_dir: Path, database_url: str | None) -> int:
    # Two-step sign-in off for the run, as in the demo: the simulated principal has no
    # authenticator app (the sign-in with it is tested in tuijin/core/tests).
    os.environ["TUIJIN_OTP_REQUIRED_ROLES"] = ""
    env = server_env(data_dir, database_url)
    if database_url or not (data_dir / "seeded").exists():  # a new database is always empty
        _run(env, "-m", "tuijin.cli", "seed", "--scale", "county")
        (data_dir / "seeded").touch()
    tag = f"混合{uuid.uuid4().hex[:8]}"
    liaisons = max(1, round(args.users * 0.4))
    plan = json.loads(
        _run(env, str(Path(__file__).resolve()), "--_prepare", str(data_dir), str(liaisons), tag)
    )
    plan_path = data_dir / "mixed-plan.json"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    port = args.port or free_port()
    log_path = data_dir / "server.log"
    print(f"机器：{machine(bool(database_url))}")
    print(
        f"负载：{args.users} 个用户（联络员 {len(plan['liaisons'])} 个账号），{args.seconds} 秒，"
        f"服务 {args.server_workers} 个进程（{'PostgreSQL' if database_url else 'SQLite'}）"
    )
    with open(log_path, "w") as log:
        server = start_server(data_dir, port, args.server_workers, log, database_url)
        try:
            started = time.monotonic()
            subprocess.run(
                [
                    str(LOCUST),
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    "-u",
                    str(args.users),
                    "-r",
                    str(max(1, args.users // 10)),
                    "--run-time",
                    f"{args.seconds}s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--csv",
                    str(data_dir / "mixed"),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                env={
                    **os.environ,
                    "TUIJIN_MIXED_PLAN": str(plan_path),
                    "TUIJIN_MIXED_CAP": str(args.max_requests),
                },
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=open(data_dir / "locust.log", "w"),  # noqa: SIM115
                timeout=args.seconds + 120,
                check=False,  # failures are read from the figures below
            )
            elapsed = time.monotonic() - started
        finally:
            stop_server(server)
    stats = data_dir / "mixed_stats.csv"
    if not stats.exists():
        print((data_dir / "locust.log").read_text()[-2000:])
        print("失败：locust 未产出结果")
        return 1
    requests, failed, lines = report(stats, data_dir / "mixed_failures.csv")
    locked = locked_lines(log_path)
    print("\n".join(lines))
    for line in locked[:5]:
        print("服务日志：" + line.strip())
    ratio = failed / requests if requests else 1.0
    good = requests > 0 and ratio < MAX_FAILURE_RATIO and not locked
    print(
        f"{'通过' if good else '失败'}：{args.users} 个用户 {elapsed:.0f} 秒，"
        f"请求 {requests} 次（{requests / elapsed:.1f} 次/秒），失败 {failed} 次"
        f"（{ratio:.3%}，要求 < 0.1%），日志中 database is locked {len(locked)} 处"
    )
    return 0 if good else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--max-requests", type=int, default=100_000, help="请求总数上限")
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--pg", help="PostgreSQL 地址（可建库的用户）；默认 SQLite")
    parser.add_argument("--data-dir", type=Path, help="数据目录（默认新建临时目录，结束后删除）")
    parser.add_argument("--port", type=int, default=0, help="端口（默认自动选空闲端口）")
    parser.add_argument("--_prepare", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._prepare:
        data_dir, liaisons, tag = args._prepare
        print(json.dumps(prepare(Path(data_dir), int(liaisons), tag), ensure_ascii=False))
        return 0
    if args.users < 1 or args.seconds < 1 or args.server_workers < 1 or args.max_requests < 1:
        parser.error("--users、--seconds、--server-workers、--max-requests 至少为 1")

    temporary = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="tuijin-mixed-")) if temporary else args.data_dir
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url, name = None, f"tuijin_mixed_{os.getpid()}"
    if args.pg:
        _pg_database(args.pg, name, create=True)
        database_url = f"{args.pg.rsplit('/', 1)[0]}/{name}"
    try:
        return run(args, data_dir, database_url)
    finally:
        if args.pg:
            _pg_database(args.pg, name, create=False)
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
