"""What the load scripts share: the environment of a data folder, a free port, ``tuijin serve``
started and stopped by its own process id, and the "database is locked" pattern.

``writers.py`` (SQLite only) and ``mixed.py`` (SQLite or PostgreSQL) import it; both run as
scripts, so this folder is first on ``sys.path``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Qingxi@2026"
LOCKED = re.compile(r"database is locked", re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of a run: the data folder, and PostgreSQL only when a URL is given."""
    env = {**os.environ, "TUIJIN_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    env.pop("TUIJIN_DEBUG", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def start_server(
    data_dir: Path, port: int, workers: int, log, database_url: str | None = None
) -> subprocess.Popen:
    """``tuijin serve`` in its own process group, once /healthz answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tuijin.cli", "serve", "--port", str(port)]
        + ["--workers", str(workers)],
        env=server_env(data_dir, database_url),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped by its id, nothing else
    )
    started = time.monotonic()
    while time.monotonic() - started < 300:  # many workers boot slowly on 2 cores
        if server.poll() is not None:
            raise SystemExit(f"服务未能启动（状态 {server.returncode}），见 {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"服务 300 秒内未就绪，见 {log.name}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # gunicorn and the worker, if they outlive it
        os.killpg(server.pid, signal.SIGTERM)


def locked_lines(log_path: Path) -> list[str]:
    """The server log's lines that mention a locked database."""
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return [line for line in text.splitlines() if LOCKED.search(line)]
