"""The command line: help, the demo county seeded once, the data folder, serve's checks."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from tuijin.core.demo import demo_accounts, seed_demo
from tuijin.core.models import Person, Unit, User
from tuijin.core.roles import Role

ROOT = Path(__file__).resolve().parents[3]


def run_tuijin(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUIJIN_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "tuijin.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_help_lists_the_projects_commands(tmp_path):
    result = run_tuijin("--help", data_dir=tmp_path)
    assert result.returncode == 0
    for command in ("demo", "serve", "import-directory", "workdays", "verify-audit"):
        assert command in result.stdout


def test_first_run_creates_the_data_folder_and_a_private_secret_key(tmp_path):
    data = tmp_path / "data"
    result = run_tuijin("check", data_dir=data)
    assert result.returncode == 0, result.stderr
    key = data / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_text()) >= 50
    again = run_tuijin("check", data_dir=data)
    assert again.returncode == 0 and key.read_text() == key.read_text()


def test_serve_refuses_an_uninitialised_database_in_one_line(tmp_path):
    result = run_tuijin("serve", "--port", "8999", data_dir=tmp_path)
    assert result.returncode != 0
    assert "请先运行 tuijin migrate" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
class TestDemoCounty:
    def test_demo_county_is_believable(self):
        assert seed_demo() is True
        kinds = {k: Unit.objects.filter(kind=k).count() for k in Unit.Kind.values}
        assert kinds == {"department": 30, "township": 12, "platform": 3}
        leaders = Person.objects.filter(unit=None)
        assert leaders.count() == 10
        assert leaders.filter(roles__role="主要领导").count() == 2
        assert not Unit.objects.filter(people=None).exists()  # staff for each unit

    def test_every_role_has_a_demo_account(self):
        seed_demo()
        for role in Role:
            group = Group.objects.get(name=role.value)
            assert User.objects.filter(groups=group).exists(), role
        assert len(demo_accounts()) == len(Role) + 1  # two unit-staff accounts

    def test_second_run_duplicates_nothing(self):
        seed_demo()
        counts = (Unit.objects.count(), Person.objects.count(), User.objects.count())
        assert seed_demo() is False
        assert (Unit.objects.count(), Person.objects.count(), User.objects.count()) == counts


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_with_gunicorn_whitenoise_and_the_worker(tmp_path):
    import time
    import urllib.request

    assert run_tuijin("migrate", "-v", "0", data_dir=tmp_path).returncode == 0
    port = _free_port()
    env = {**os.environ, "TUIJIN_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "tuijin.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                page = urllib.request.urlopen(base + "/accounts/login/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("serve did not answer")
        assert "登录" in page.decode()
        css = urllib.request.urlopen(base + "/static/vendor/bootstrap/bootstrap.min.css")
        assert css.headers["Content-Type"].startswith("text/css")
        time.sleep(2)  # the task worker starts beside gunicorn; let it announce itself
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Listening at: http://127.0.0.1" in output  # gunicorn
    assert "queues=default" in output  # django-tasks-db's db_worker
