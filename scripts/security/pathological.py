"""Time Tuijin's refusal of pathological input (issue 8 point 13) and fail over one second.

Each case (a 1 MB search string, a 10,000-character name, 10,000 levels of nested JSON, bytes
that are not UTF-8, a date in year 99999) must come back as a 4xx, never a 5xx, in under a
second. Two ways to run it:

    # in-process, Django's test client on the database of TUIJIN_DATA_DIR / DATABASE_URL,
    # signed in as USER (default: the first superuser; the demo's is ``admin``):
    .venv/bin/python scripts/security/pathological.py [--user admin]

    # against a running server; API cases need a token (an account's API token):
    .venv/bin/python scripts/security/pathological.py --url http://127.0.0.1:8000 --token T

Prints one line per case (status, milliseconds) and exits 1 if any case fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
LIMIT_SECONDS = 1.0
MEGABYTE = quote("搜" * (1024 * 1024 // 9))
LONG_NAME = "名" * 10_000
DEEP_JSON = ("[" * 10_000 + "]" * 10_000).encode()

# (label, method, path, body, content type)
CASES: list[tuple[str, str, str, bytes | None, str | None]] = [
    ("项目列表 1 MB 搜索", "GET", f"/projects/?q={MEGABYTE}", None, None),
    ("企业名录 1 MB 搜索", "GET", f"/enterprises/?q={MEGABYTE}", None, None),
    ("企业诉求 1 MB 搜索", "GET", f"/appeals/?q={MEGABYTE}", None, None),
    ("项目列表 非 UTF-8 查询", "GET", "/projects/?q=%FF%FE", None, None),
    ("接口 1 MB 搜索", "GET", f"/api/projects/?search={MEGABYTE}", None, None),
    ("接口 非 UTF-8 查询", "GET", "/api/enterprises/?search=%C3%28", None, None),
    ("接口 嵌套 10000 层 JSON", "POST", "/api/projects/", DEEP_JSON, "application/json"),
    ("接口 非 UTF-8 JSON", "POST", "/api/projects/", b'{"name": "\xff\xfe"}', "application/json"),
    (
        "接口 10000 字名称",
        "POST",
        "/api/projects/",
        json.dumps({"name": LONG_NAME, "start_year": 2026}).encode(),
        "application/json",
    ),
    (
        "接口 99999 年日期",
        "POST",
        "/api/projects/",
        json.dumps({"name": "某项目", "planned_start": "99999-01-01"}).encode(),
        "application/json",
    ),
    (
        "表单 非 UTF-8 提交",
        "POST",
        "/projects/new/",
        b"name=%FF%FE&start_year=2026",
        "application/x-www-form-urlencoded",
    ),
]

Send = Callable[[str, str, bytes | None, str | None], tuple[int, bytes]]


def over_http(base: str, token: str | None) -> Send:
    def send(method: str, path: str, body: bytes | None, content_type: str | None):
        request = urllib.request.Request(base.rstrip("/") + path, data=body, method=method)
        if content_type:
            request.add_header("Content-Type", content_type)
        if token and path.startswith("/api/"):
            request.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    return send


def in_process(username: str | None) -> Send:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # What is timed is the refusal of the input, past sign-in: no second step in-process.
    settings.TUIJIN_OTP_REQUIRED_ROLES = ()

    users = get_user_model().objects
    user = users.get(username=username) if username else users.filter(is_superuser=True).first()
    if user is None:
        sys.exit("没有可用的账号：请先运行 tuijin demo，或用 --user 指定用户名")
    client = Client(raise_request_exception=False)
    client.force_login(user)

    def send(method: str, path: str, body: bytes | None, content_type: str | None):
        if method == "GET":
            response = client.get(path)
        else:
            response = client.generic(method, path, body or b"", content_type or "")
        return response.status_code, response.content

    return send


def _why(content: bytes) -> str:
    """The refusal's message: the API's ``message``, or the page's text, shortened."""
    try:
        return str(json.loads(content).get("message", ""))[:40]
    except (ValueError, AttributeError):
        text = content.decode("utf-8", "replace")
        marker = 'data-testid="bad-request">'
        return text.split(marker, 1)[1].split("<", 1)[0][:40] if marker in text else ""


def run(send: Send) -> int:
    send("GET", "/healthz", None, None)  # a running server has loaded its code already
    failures = 0
    for label, method, path, body, content_type in CASES:
        start = time.perf_counter()
        status, content = send(method, path, body, content_type)
        seconds = time.perf_counter() - start
        ok = 400 <= status < 500 and seconds < LIMIT_SECONDS
        failures += not ok
        verdict = "通过" if ok else "失败"
        print(f"{verdict}  {status}  {seconds * 1000:7.1f} ms  {label}  {_why(content)}")
    print(f"{len(CASES) - failures}/{len(CASES)} 通过（每项须 4xx 且不超过 {LIMIT_SECONDS:g} 秒）")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description="病态输入的拒绝时间：每项须 4xx 且不超过 1 秒")
    parser.add_argument(
        "--url", help="运行中的服务地址，如 http://127.0.0.1:8000；不给则在进程内测试"
    )
    parser.add_argument("--token", help="接口令牌（--url 时用于 /api/ 各项）")
    parser.add_argument("--user", help="进程内测试时登录的用户名（默认第一个超级管理员）")
    args = parser.parse_args()
    send = over_http(args.url, args.token) if args.url else in_process(args.user)
    return run(send)


if __name__ == "__main__":
    sys.exit(main())
