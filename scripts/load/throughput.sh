#!/usr/bin/env bash
# Throughput on loopback (issue 7, point 6): requests per second of the project list against
# the framework floor (/healthz through the whole middleware), same server, same run.
#
# Usage: bash scripts/load/throughput.sh [seconds]        (default 30 seconds per measure)
#
# Seeds a fresh data folder (`tuijin seed --scale $SCALE`, default county), starts
# `tuijin serve --workers $WORKERS` (default 2) on a free port of 127.0.0.1, runs locust
# headless twice for the given time with $USERS users (default 8) that never wait: first the
# floor, then the project list, both signed in as the project office ($ROUNDS > 1 alternates
# them that many times and averages, for a machine whose other load varies). Prints the table
# and the ratio; exits non-zero when the list serves less than 30% of the floor, when any
# request failed, or when the server could not start. The server is stopped by its own
# process id (and the process group it leads) on every exit.
#
# Environment:
#   SCALE=county|city|province   data to seed (default county)
#   WORKERS=2  USERS=8           application workers, locust users
#   ROUNDS=1                     floor/list pairs, alternated
#   DATABASE_URL=postgres://...  measure on PostgreSQL (an EMPTY database); default SQLite
#   TUIJIN_LOAD_DATA_DIR=DIR     reuse a data folder already seeded (nothing is seeded then)
set -euo pipefail

# shellcheck source=scripts/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../bootstrap.sh"
tuijin_bootstrap

SECONDS_EACH="${1:-30}"
SCALE="${SCALE:-county}"
WORKERS="${WORKERS:-2}"
USERS="${USERS:-8}"
ROUNDS="${ROUNDS:-1}"
case "$SECONDS_EACH" in '' | *[!0-9]*) echo "秒数应为正整数：$SECONDS_EACH" >&2; exit 2 ;; esac
[ "$SECONDS_EACH" -gt 0 ] || { echo "秒数应为正整数：$SECONDS_EACH" >&2; exit 2; }
case "$ROUNDS" in '' | *[!0-9]* | 0) echo "ROUNDS 应为正整数：$ROUNDS" >&2; exit 2 ;; esac

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tuijin-throughput.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 1; done
    fi
    [ -n "$SERVER_PID" ] && { kill -KILL -- "-$SERVER_PID" 2>/dev/null || true; }
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DB_NAME="SQLite"
[ -n "${DATABASE_URL:-}" ] && DB_NAME="PostgreSQL"
if [ -n "${TUIJIN_LOAD_DATA_DIR:-}" ]; then
    export TUIJIN_DATA_DIR="$TUIJIN_LOAD_DATA_DIR"
    echo "数据：沿用 $TUIJIN_DATA_DIR"
else
    export TUIJIN_DATA_DIR="$WORK/data"
    mkdir -p "$TUIJIN_DATA_DIR"
    echo "数据：tuijin seed --scale $SCALE（$DB_NAME）"  # not the URL: it may hold a password
    "$VENV/bin/tuijin" seed --scale "$SCALE" | tail -n 1
fi

PORT="$("$VENV/bin/python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')"
HOST="http://127.0.0.1:$PORT"
# Its own session (process group), so that it and its children are stopped by its id alone.
setsid "$VENV/bin/tuijin" serve --host 127.0.0.1 --port "$PORT" --workers "$WORKERS" \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
    curl -fs -o /dev/null "$HOST/accounts/login/" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.5
done
curl -fs -o /dev/null "$HOST/accounts/login/" || { echo "服务未就绪" >&2; exit 1; }

run_locust() {  # run_locust CLASS PREFIX
    "$VENV/bin/locust" -f "$TUIJIN_ROOT/scripts/load/locustfile.py" --headless \
        -u "$USERS" -r "$USERS" --run-time "${SECONDS_EACH}s" --stop-timeout 5 \
        --host "$HOST" --csv "$WORK/$2" --only-summary --loglevel WARNING "$1" \
        >"$WORK/$2.out" 2>&1 || true  # failures are read from the figures below
}
"$VENV/bin/python" -c 'import os, platform, sqlite3
os_name = next((l.split("=", 1)[1].strip().strip("\"") for l in open("/etc/os-release")
                if l.startswith("PRETTY_NAME=")), platform.platform())
db = "PostgreSQL" if os.environ.get("DATABASE_URL") else f"SQLite {sqlite3.sqlite_version}"
print(f"机器：{os.cpu_count()} 核，{os_name}，Python {platform.python_version()}，{db}")'
echo "负载：locust，$USERS 个用户不间断请求，各测 $SECONDS_EACH 秒 × $ROUNDS 轮；服务 $WORKERS 个进程（$DB_NAME）"
for round in $(seq 1 "$ROUNDS"); do
    run_locust FloorUser "floor-$round"
    run_locust ProjectListUser "list-$round"
done

"$VENV/bin/python" - "$WORK" "$ROUNDS" <<'EOF'
import csv, statistics, sys
from pathlib import Path

work, rounds = Path(sys.argv[1]), int(sys.argv[2])
rows = {"floor": [], "list": []}
for prefix, name in (("floor", "healthz"), ("list", "project-list")):
    for n in range(1, rounds + 1):
        path, out = work / f"{prefix}-{n}_stats.csv", work / f"{prefix}-{n}.out"
        found = [r for r in csv.DictReader(path.open()) if r["Name"] == name] if path.exists() else []
        if not found:
            sys.exit(f"locust 未产出 {name} 的结果：{out.read_text()[-2000:]}")
        rows[prefix].append(found[0])
print(f"{'测量':<22}{'请求数':>8}{'失败':>6}{'次/秒':>9}{'中位 ms':>9}{'p95 ms':>8}")
rps = {}
for prefix, label in (("floor", "框架下限 /healthz"), ("list", "项目列表 /projects/")):
    rps[prefix] = statistics.mean(float(r["Requests/s"]) for r in rows[prefix])
    print(
        f"{label:<22}{sum(int(r['Request Count']) for r in rows[prefix]):>8}"
        f"{sum(int(r['Failure Count']) for r in rows[prefix]):>6}{rps[prefix]:>9.1f}"
        f"{statistics.median(float(r['50%']) for r in rows[prefix]):>9.0f}"
        f"{max(float(r['95%']) for r in rows[prefix]):>8.0f}"
    )
floor, page = rps["floor"], rps["list"]
failures = sum(int(r["Failure Count"]) for p in rows for r in rows[p])
ratio = page / floor if floor else 0.0
good = ratio >= 0.30 and failures == 0 and page > 0
print(
    f"{'通过' if good else '未通过'}：项目列表 {page:.1f} 次/秒，框架下限 {floor:.1f} 次/秒，"
    f"比值 {ratio:.0%}（要求 ≥ 30%）；失败 {failures} 次"
)
sys.exit(0 if good else 1)
EOF
