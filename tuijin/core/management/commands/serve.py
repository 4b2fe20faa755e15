"""``tuijin serve``: gunicorn (static files through WhiteNoise) with the task worker beside it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def pending_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def run_servers(host: str, port: int, workers: int, stdout) -> int:
    """Start gunicorn and the task worker; stop both when either ends or on a signal."""
    env = {**os.environ, "TUIJIN_DATA_DIR": str(settings.DATA_DIR)}
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tuijin.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            # gunicorn's control socket (one fixed path per system user) is not used here, and
            # two servers on one host (a second county, a load test) would take it from each other.
            "--no-control-socket",
        ],
        env=env,
    )
    worker = subprocess.Popen([sys.executable, "-m", "tuijin.cli", "db_worker"], env=env)
    children = [web, worker]

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    stdout.write("服务已停止")
    return web.returncode or 0


class Command(BaseCommand):
    help = "生产服务：gunicorn（静态文件经 WhiteNoise）与后台任务进程"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn 进程数（默认 2）")

    def handle(self, *args, host, port, workers, **options):
        if not 0 < port < 65536:
            raise CommandError(f"端口无效：{port}")
        if workers < 1:
            raise CommandError("进程数至少为 1")
        if pending_migrations():
            raise CommandError("数据库尚未初始化或需要升级：请先运行 tuijin migrate")
        self.stdout.write(
            f"推进 正在 http://{host}:{port}/ 提供服务（{workers} 个进程，按 Ctrl+C 停止）"
        )
        code = run_servers(host, port, workers, self.stdout)
        if code not in (0, -signal.SIGTERM, -signal.SIGINT):
            raise CommandError(f"服务异常退出（状态 {code}）")
