"""Locust users for ``scripts/load/mixed.py`` (issue 8, point 12): a county's working day.

Run by mixed.py, which prepares the accounts and passes them in TUIJIN_MIXED_PLAN (a JSON
file). Four kinds of people, each signed in through the sign-in page with their own role:

- unit liaisons (单位联络员): look at their projects and due reports, raise problems (API),
  file late progress reports (API) and ask enterprises questions on requests (page, CSRF);
- the project office (项目办): project list and pages, the request list, the API project list;
- leaders: the principal (主要领导) on the cockpit, a contact leader (联系县领导) on his own
  projects, both on the project list and pages;
- enterprises (企业): their requests on the portal, and a new request now and then (page).

Request names are "read:…" or "write:…", so that mixed.py reports per kind. Every user stops
the run when TUIJIN_MIXED_CAP requests have been made in all.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import between
from locust.contrib.fasthttp import FastHttpUser

PLAN = json.loads(Path(os.environ["TUIJIN_MIXED_PLAN"]).read_text(encoding="utf-8"))
CAP = int(os.environ.get("TUIJIN_MIXED_CAP", "1000000"))
PASSWORD = PLAN["password"]
TAG = PLAN["tag"]
_liaisons = itertools.cycle(PLAN["liaisons"])
_made = itertools.count(1)


class _Person(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    role = ""  # a key of the plan: office, leader, principal, enterprise

    def on_start(self) -> None:
        self.rng = random.Random(id(self))
        if self.role:
            self.username = PLAN[self.role]["username"]
            self.projects = PLAN[self.role]["projects"]
        self.client.get("/accounts/login/", name="read:sign-in-page")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.csrf(),
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            allow_redirects=False,
            name="write:sign-in",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in as {self.username}: HTTP {response.status_code}")

    def csrf(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def _count(self) -> None:
        if next(_made) >= CAP:
            self.environment.runner.quit()

    def get(self, path: str, name: str) -> None:
        self._count()
        with self.client.get(
            path, name=f"read:{name}", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:  # a redirect to the sign-in page is no answer
                response.failure(f"HTTP {response.status_code} {path}")

    def send(self, method: str, path: str, name: str, expected: int, **kwargs):
        """A write with the CSRF token; the response when it had the expected status."""
        self._count()
        headers = {"X-CSRFToken": self.csrf(), "Referer": f"{self.host}/"}
        if "data" in kwargs:
            kwargs["data"] = {**kwargs["data"], "csrfmiddlewaretoken": self.csrf()}
        with self.client.request(
            method,
            path,
            name=f"write:{name}",
            headers=headers,
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            if response.status_code != expected:
                body = " ".join((response.text or "")[:200].split())
                response.failure(f"HTTP {response.status_code} {path} {body}")
                return None
            return response


# What several kinds of people do alike; each class weighs them in its ``tasks``.
def project_list(user: _Person) -> None:
    user.get("/projects/", "project-list")


def project_page(user: _Person) -> None:
    user.get(f"/projects/{user.rng.choice(user.projects)}/", "project-page")


class Liaison(_Person):
    weight = 20

    def on_start(self) -> None:
        self.job = next(_liaisons)
        self.username = self.job["username"]
        self.projects = self.job["pages"]
        self.slots = list(self.job["report_slots"])
        self.step = 0
        super().on_start()

    def project(self) -> int:
        return self.rng.choice(self.job["projects"])

    def due_reports(self) -> None:
        self.get("/projects/due/", "reports-due")

    def raise_problem(self) -> None:
        self.step += 1
        self.send(
            "POST",
            "/api/problems/",
            "problem-api",
            201,
            json={
                "project": self.project(),
                "description": f"{TAG} {self.username} 第{self.step}次：施工用电容量不足",
                "responsible_person": self.job["person"],
                "deadline_days": 10,
            },
        )

    def report_progress(self) -> None:
        if not self.slots:
            return project_page(self)
        project, period = self.slots.pop()
        self.send(
            "POST",
            "/api/reports/",
            "report-api",
            201,
            json={
                "project": project,
                "period": period,
                "progress_text": f"{TAG} {self.username}：补报本期形象进度",
                "invested": "0",
            },
        )

    def ask_question(self) -> None:
        if not self.job["appeals"]:
            return project_list(self)
        appeal = self.rng.choice(self.job["appeals"])
        self.send(
            "POST",
            f"/appeals/{appeal}/question/",
            "question-page",
            302,
            data={"text": f"{TAG} {self.username}：请补充用地红线图"},
        )

    tasks = {
        project_list: 3,
        project_page: 4,
        due_reports: 2,
        raise_problem: 3,
        report_progress: 2,
        ask_question: 1,
    }


class Office(_Person):
    weight = 14
    role = "office"

    def appeal_list(self) -> None:
        self.get("/appeals/", "appeal-list")

    def order_list(self) -> None:
        self.get("/supervision/", "order-list")

    def api_projects(self) -> None:
        self.get("/api/projects/", "api-projects")

    tasks = {project_list: 3, project_page: 3, appeal_list: 2, order_list: 1, api_projects: 2}


class Principal(_Person):
    weight = 4
    role = "principal"

    def cockpit(self) -> None:
        self.get("/cockpit/", "cockpit")

    tasks = {cockpit: 3, project_list: 2, project_page: 2}


class Leader(_Person):
    weight = 4
    role = "leader"

    def my_projects(self) -> None:
        self.get("/projects/mine/", "projects-mine")

    tasks = {my_projects: 3, project_list: 2, project_page: 2}


class Enterprise(_Person):
    weight = 8
    role = "enterprise"

    def my_requests(self) -> None:
        self.get("/portal/requests/", "portal-requests")

    def file_request(self) -> None:
        self.send(
            "POST",
            "/portal/new/",
            "portal-new",
            302,
            data={
                "kind": "help",
                "topic": "approval",
                "urgency": "normal",
                "title": f"{TAG} 施工许可办理咨询",
                "text": f"{TAG}：厂房扩建的施工许可需要哪些材料，希望告知办理时限。",
            },
        )

    tasks = {my_requests: 4, file_request: 1}
