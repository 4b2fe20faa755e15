"""Locust users for ``scripts/load/throughput.sh``: the framework floor and the project list.

Run one class per run, headless and bounded, e.g.
    locust -f scripts/load/locustfile.py --headless -u 8 -r 8 --run-time 30s \
        --host http://127.0.0.1:8000 --csv /tmp/floor FloorUser

Both users sign in first as the project office (项目办, which sees every project; the account
is TUIJIN_LOAD_USER, default ``office`` as ``tuijin seed`` makes it), so the floor pays for the
same session and user lookups as the page. ``FloorUser`` then asks for /healthz (a trivial view
through the whole middleware: no page can be faster); ``ProjectListUser`` asks for the project
list (first page, default order). No waiting between requests: the figure is what the server
can do. FastHttpUser keeps the client's own cost low, so that the client is not the limit.
"""

from __future__ import annotations

import os

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

USERNAME = os.environ.get("TUIJIN_LOAD_USER", "office")
PASSWORD = os.environ.get("TUIJIN_LOAD_PASSWORD", "Qingxi@2026")


class _SignedIn(FastHttpUser):
    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        self.client.get("/accounts/login/", name="sign-in")
        token = next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")
        with self.client.post(
            "/accounts/login/",
            data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            allow_redirects=False,
            name="sign-in",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in as {USERNAME}: HTTP {response.status_code}")
                raise RuntimeError(f"sign-in as {USERNAME} failed: HTTP {response.status_code}")

    def page(self, path: str, name: str) -> None:
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:  # a redirect to the sign-in page is no answer
                response.failure(f"HTTP {response.status_code}")


class FloorUser(_SignedIn):
    @task
    def healthz(self) -> None:
        self.page("/healthz", "healthz")


class ProjectListUser(_SignedIn):
    @task
    def project_list(self) -> None:
        self.page("/projects/", "project-list")
