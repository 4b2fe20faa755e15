#!/usr/bin/env python
"""Concurrent writers against a real ``tuijin serve``: no user may ever see "database is locked".

Usage: .venv/bin/python scripts/load/writers.py [--writers 20] [--seconds 60]
       [--server-workers 2] [--data-dir DIR] [--port PORT]

What it does, all on 127.0.0.1 and bounded in time:
1. a fresh data folder (a temporary one unless --data-dir names an empty or prepared one) with
   one county of ``tuijin seed --scale county`` (``--data demo``: the demo county), SQLite
   whatever DATABASE_URL says; a folder that already holds a database is used as it is;
2. one sign-in account per writer: the liaison (单位联络员) of a different unit that hosts or
   leads open projects, with the demo password;
3. ``tuijin serve --workers N`` on a free port, its output in ``server.log`` of the data folder;
4. every writer signs in through the sign-in page and, until the time is up, writes in a loop
   through pages and the API as that liaison would: raises a problem (API and page), takes it
   in hand (API), resolves it (page), files a late progress report (API), asks an enterprise
   a question on a request its unit handles (page);
5. stops the server by its own process id, checks in the database that every write a writer
   was told succeeded is stored, and scans the server log for "database is locked".

Prints one line and exits 0 when every response was a success (2xx/3xx), every write is
stored and the log is clean; exits 1 otherwise (the first failures are printed before it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from common import LOCKED, PASSWORD, ROOT, free_port, server_env, start_server, stop_server

# --- the Django side (run in a subprocess with the data folder's settings) ---------------------


def _django(data_dir: Path) -> None:
    os.environ["TUIJIN_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(data_dir: Path, writers: int, tag: str) -> dict:
    """Accounts and the work of each writer: its projects, late periods and open requests."""
    _django(data_dir)
    import datetime as dt

    from django.db.models import Q

    from tuijin.appeals.models import Appeal
    from tuijin.core.accounts import create_account
    from tuijin.core.models import Person, Unit
    from tuijin.core.roles import DirectoryRole
    from tuijin.projects import services
    from tuijin.projects.models import ProgressReport, Project, Stage
    from tuijin.projects.periods import next_period, period_start

    today = dt.date.today()
    plan = []
    claimed: set[int] = set()  # a project led by one unit and hosted by another reports once
    for unit in Unit.objects.order_by("region_id", "order", "pk"):
        if len(plan) == writers:
            break
        person = (
            Person.objects.filter(unit=unit, roles__role=DirectoryRole.UNIT_LIAISON)
            .order_by("order", "pk")
            .first()
        )
        projects = list(
            Project.objects.filter(Q(host_unit=unit) | Q(lead_department=unit))
            .exclude(stage__in=[Stage.DROPPED, Stage.COMPLETED])
            .order_by("pk")[:30]
        )
        if person is None or not projects:
            continue
        username = person.user.username if person.user_id else f"load{len(plan) + 1:02d}"
        create_account(person, username, PASSWORD)
        slots = []
        for project in projects:
            if project.stage != Stage.STARTED or project.actual_start is None:
                continue
            if project.pk in claimed:
                continue
            claimed.add(project.pk)
            kind = services.report_period_kind(project)
            reported = set(project.reports.values_list("period", flat=True))
            period, current = period_start(project.actual_start, kind), period_start(today, kind)
            while period <= current:
                if period not in reported:
                    slots.append([project.pk, period.isoformat()])
                period = next_period(period, kind)
        appeals = list(
            Appeal.objects.filter(lead_unit=unit, status=Appeal.Status.ACCEPTED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        plan.append(
            {
                "username": username,
                "unit": unit.name,
                "person": person.pk,
                "projects": [p.pk for p in projects],
                "report_slots": slots,
                "appeals": appeals,
            }
        )
    baseline = ProgressReport.objects.filter(progress_text__contains=tag).count()
    return {"writers": plan, "baseline_reports": baseline}


def verify(data_dir: Path, tag: str) -> dict:
    """What the writers' tag left in the database, counted by kind of write."""
    _django(data_dir)
    from tuijin.appeals.models import AppealEvent
    from tuijin.projects.models import Problem, ProgressReport

    problems = Problem.objects.filter(description__contains=tag)
    return {
        "problem_created": problems.count(),
        "problem_resolved": problems.filter(
            status=Problem.Status.RESOLVED, measure__contains=f"{tag} 已解决"
        ).count(),
        "report": ProgressReport.objects.filter(progress_text__contains=tag).count(),
        "question": AppealEvent.objects.filter(
            kind=AppealEvent.Kind.QUESTION, text__contains=tag
        ).count(),
    }


# --- the client side ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What all writers did; threads add to it under the lock."""

    ok: Counter = field(default_factory=Counter)
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str, response, expected: tuple[int, ...], note: str = "") -> bool:
        good = response is not None and response.status_code in expected
        with self.lock:
            self.requests += 1
            if good:
                self.ok[action] += 1
            else:
                self.failed += 1
                if len(self.failures) < 20:
                    if response is None:
                        self.failures.append(f"{action}: {note}")
                    else:
                        body = " ".join(response.text[:300].split())
                        self.failures.append(
                            f"{action}: HTTP {response.status_code} {response.url} {body}"
                        )
        return good


def _writer(base: str, job: dict, tag: str, deadline: float, tally: Tally) -> None:
    import requests

    session = requests.Session()
    timeout = 60

    def call(action, method, path, expected, **kwargs):
        try:
            response = session.request(
                method, base + path, timeout=timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            tally.record(action, None, expected, f"{type(exc).__name__}: {exc}")
            return None
        return response if tally.record(action, response, expected) else None

    def csrf() -> dict:
        return {"X-CSRFToken": session.cookies.get("csrftoken", ""), "Referer": base + "/"}

    if call("login_page", "GET", "/accounts/login/", (200,)) is None:
        return
    login = call(
        "login",
        "POST",
        "/accounts/login/",
        (302,),
        data={
            "username": job["username"],
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        },
        headers={"Referer": base + "/accounts/login/"},
    )
    if login is None:
        return
    projects, slots, appeals = job["projects"], list(job["report_slots"]), job["appeals"]
    step = 0
    while time.monotonic() < deadline:
        step += 1
        project = projects[step % len(projects)]
        note = f"{tag} {job['username']} 第{step}轮"
        # A problem raised through the API, taken in hand through the API, resolved on the page.
        created = call(
            "problem_api",
            "POST",
            "/api/problems/",
            (201,),
            json={
                "project": project,
                "description": f"{note}：施工用电容量不足",
                "responsible_person": job["person"],
                "deadline_days": 10,
            },
            headers=csrf(),
        )
        if created is not None:
            problem, version = created.json()["id"], created.json()["version"]
            taken = call(
                "problem_take",
                "PATCH",
                f"/api/problems/{problem}/",
                (200,),
                json={"status": "in_progress", "measure": f"{note} 已协调供电公司"},
                headers={**csrf(), "If-Match": f'"{version}"'},
            )
            if taken is not None and taken.json().get("status") != "in_progress":
                tally.record("problem_take", None, (200,), f"问题 {problem} 状态未变")
            call(
                "problem_resolve",
                "POST",
                f"/projects/problems/{problem}/",
                (302,),
                data={"status": "resolved", "measure": f"{tag} 已解决：增容完成"},
                headers=csrf(),
            )
        if slots:
            slot_project, period = slots.pop()
            call(
                "report",
                "POST",
                "/api/reports/",
                (201,),
                json={
                    "project": slot_project,
                    "period": period,
                    "progress_text": f"{note}：补报本期形象进度",
                    "invested": "0",
                },
                headers=csrf(),
            )
        if appeals:
            call(
                "question",
                "POST",
                f"/appeals/{appeals[step % len(appeals)]}/question/",
                (302,),
                data={"text": f"{note}：请补充用地红线图"},
                headers=csrf(),
            )
        page = call(
            "problem_page",
            "POST",
            f"/projects/{project}/problems/new/",
            (302,),
            data={
                "description": f"{note}：手续办理滞后",
                "responsible_person": job["person"],
                "deadline_days": 15,
            },
            headers=csrf(),
        )
        if page is not None and not page.headers.get("Location", "").endswith(f"/{project}/"):
            tally.record("problem_page", None, (302,), f"跳转到 {page.headers.get('Location')}")


# --- orchestration -----------------------------------------------------------------------------


def _env(data_dir: Path) -> dict:
    return server_env(data_dir)  # this is the embedded SQLite's test: no DATABASE_URL


def _sub(data_dir: Path, *args: str) -> str:
    """Run this script's Django side (or a tuijin command) in the data folder; its stdout."""
    done = subprocess.run(
        [sys.executable, *args],
        env=_env(data_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise SystemExit(f"失败：{' '.join(args)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def sweep_until(data_dir: Path, deadline: float, tally: Tally) -> None:
    """The nightly sweep run again and again beside the writers; each run must succeed."""
    while time.monotonic() < deadline:
        done = subprocess.run(
            [sys.executable, "-m", "tuijin.cli", "sweep"],
            env=_env(data_dir),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        with tally.lock:
            tally.requests += 1
            if done.returncode == 0:
                tally.ok["sweep"] += 1
            else:
                tally.failed += 1
                tally.failures.append(f"sweep: 状态 {done.returncode} {done.stderr[-300:]}")


def hold_write_lock(data_dir: Path, seconds: float) -> None:
    """A foreign writer that keeps the lock longer than the busy timeout: the check of the check."""
    import sqlite3

    time.sleep(1)
    db = sqlite3.connect(data_dir / "tuijin.sqlite3", isolation_level=None, timeout=60)
    try:
        db.execute("BEGIN IMMEDIATE")
        time.sleep(seconds)
        db.execute("ROLLBACK")
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, help="数据目录（默认新建临时目录，结束后删除）")
    parser.add_argument(
        "--data",
        choices=["seed", "demo"],
        default="seed",
        help="新数据目录灌入的数据：seed（tuijin seed --scale county，默认）或 demo（演示县）",
    )
    parser.add_argument("--port", type=int, default=0, help="端口（默认自动选空闲端口）")
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="同时反复运行 tuijin sweep（巡检重算红黄绿灯、提醒），如白天手工或定时巡检",
    )
    parser.add_argument(
        "--lock-for",
        type=float,
        default=0,
        metavar="SECONDS",
        help="检验本检查：开始 1 秒后另占写锁这么多秒（超过 20 秒的忙等待即应报错）",
    )
    parser.add_argument("--_prepare", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--_verify", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._prepare:
        print(json.dumps(prepare(Path(args._prepare[0]), int(args._prepare[1]), args._prepare[2])))
        return 0
    if args._verify:
        print(json.dumps(verify(Path(args._verify[0]), args._verify[1])))
        return 0
    if args.writers < 1 or args.seconds <= 0 or args.server_workers < 1:
        parser.error("--writers、--server-workers 至少为 1，--seconds 须大于 0")

    temporary = None
    if args.data_dir is None:
        temporary = tempfile.TemporaryDirectory(prefix="tuijin-writers-")
        data_dir = Path(temporary.name)
    else:
        data_dir = args.data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, data_dir)
    finally:
        if temporary is not None:
            temporary.cleanup()


def run(args, data_dir: Path) -> int:
    script = str(Path(__file__).resolve())
    if not (data_dir / "tuijin.sqlite3").exists():  # a folder already seeded is used as it is
        if args.data == "demo":
            _sub(data_dir, "-m", "tuijin.cli", "demo", "--no-serve")
        else:
            _sub(data_dir, "-m", "tuijin.cli", "seed", "--scale", "county")
    tag = f"压测{uuid.uuid4().hex[:8]}"
    plan = json.loads(_sub(data_dir, script, "--_prepare", str(data_dir), str(args.writers), tag))
    jobs = plan["writers"]
    if len(jobs) < args.writers:
        print(f"数据中只有 {len(jobs)} 个单位有联络员和在建项目，不够 {args.writers} 个写入者")
        return 1
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = data_dir / "server.log"
    tally = Tally()
    with open(log_path, "w") as log:
        server = start_server(data_dir, port, args.server_workers, log)
        try:
            deadline = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=_writer, args=(base, job, tag, deadline, tally))
                for job in jobs
            ]
            if args.sweep:
                threads.append(
                    threading.Thread(target=sweep_until, args=(data_dir, deadline, tally))
                )
            if args.lock_for:
                threads.append(
                    threading.Thread(target=hold_write_lock, args=(data_dir, args.lock_for))
                )
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.seconds + 120)
            elapsed = time.monotonic() - started
        finally:
            stop_server(server)
    stored = json.loads(_sub(data_dir, script, "--_verify", str(data_dir), tag))
    locked = [
        line for line in log_path.read_text(errors="replace").splitlines() if LOCKED.search(line)
    ]
    expected = {
        "problem_created": tally.ok["problem_api"] + tally.ok["problem_page"],
        "problem_resolved": tally.ok["problem_resolve"],
        "report": tally.ok["report"],
        "question": tally.ok["question"],
    }
    missing = {k: (expected[k], stored[k]) for k in expected if expected[k] != stored[k]}
    writes = sum(v for k, v in tally.ok.items() if k not in ("login_page",))
    for failure in tally.failures:
        print("失败：" + failure)
    for line in locked[:5]:
        print("服务日志：" + line.strip())
    for kind, (said, found) in missing.items():
        print(f"写入不符：{kind} 应有 {said} 条，库中 {found} 条")
    good = not tally.failed and not locked and not missing and writes > 0
    print(
        f"{'通过' if good else '失败'}：{len(jobs)} 个写入者 {elapsed:.0f} 秒，"
        f"服务 {args.server_workers} 个进程（SQLite），请求 {tally.requests} 次，"
        f"成功写入 {writes} 次（{writes / elapsed:.1f} 次/秒；"
        + "、".join(f"{k} {v}" for k, v in sorted(tally.ok.items()))
        + f"），失败 {tally.failed} 次，日志中 database is locked {len(locked)} 处"
        + (f"，库中写入不符 {len(missing)} 类" if missing else "")
    )
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
