"""The scheduled sweep (``tuijin sweep``): lights, and reminders of problems coming due.

Idempotent, so it can run every hour or be run again by hand: the lights of the active
projects are recomputed (``lights.recompute`` changes nothing a second time the same day),
and each open problem that is overdue or due within 3 working days reminds its responsible
person once per problem and per day of the sweep. A reminder is recognised by its recipient,
its link (the problem's page) and the sweep's day at the head of its title, so no model
field is needed and a second run the same day finds the first run's reminders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tuijin.core.models import Notification, notify_many
from tuijin.core.sweeps import link_to

from . import lights
from .models import Problem, Project, Stage
from .services import problems_due_soon

REMIND_WORKDAYS = 3  # see services.problems_due_soon


@dataclass
class SweepReport:
    on_date: dt.date
    projects: int = 0
    lights_changed: int = 0
    problems_due: int = 0
    reminders_sent: int = 0
    without_account: int = 0

    def summary(self) -> str:
        """One line in Chinese for the command line and the logs."""
        line = (
            f"{self.on_date:%Y-%m-%d} 巡检完成：重算 {self.projects} 个项目的红黄绿灯，"
            f"{self.lights_changed} 个有变化；逾期或 {REMIND_WORKDAYS} 个工作日内到期的问题 "
            f"{self.problems_due} 个，发出提醒 {self.reminders_sent} 条"
        )
        if self.without_account:
            line += f"（{self.without_account} 个问题的责任人没有账号，未能提醒）"
        return line


def reminder_prefix(day: dt.date) -> str:
    """The head of a reminder's title; it carries the sweep's day, the key of idempotence."""
    return f"催办（{day:%Y-%m-%d}）："


def _state(problem: Problem, today: dt.date) -> str:
    if problem.deadline < today:
        return f"已逾期（办结期限 {problem.deadline:%Y-%m-%d}）"
    if problem.deadline == today:
        return "今天到期"
    return f"将于 {problem.deadline:%Y-%m-%d} 到期"


@transaction.atomic
def remind_problems(today: dt.date) -> tuple[int, int, int]:
    """Remind the responsible person of each problem due soon; (due, sent, without account)."""
    due = list(
        problems_due_soon(Problem.objects.exclude(project__stage=Stage.DROPPED), today)
        .select_related("project", "responsible_person__user", "responsible_unit")
        .order_by("deadline", "id")
    )
    prefix = reminder_prefix(today)
    link_of = link_to("projects:problem-update")
    links = {problem.pk: link_of(problem.pk) for problem in due}
    # Read through the recipients' inboxes (an indexed column), not the whole message table.
    recipients = {p.responsible_person.user_id for p in due} - {None}
    already = set(
        Notification.objects.filter(
            recipient_id__in=recipients, title__startswith=prefix, url__in=list(links.values())
        ).values_list("recipient_id", "url")
    )
    sent = without_account = 0
    messages = []
    for problem in due:
        person = problem.responsible_person
        if person.user_id is None:
            without_account += 1
            continue
        link = links[problem.pk]
        if (person.user_id, link) in already:
            continue
        lines = [
            f"问题：{problem.description}",
            f"责任单位：{problem.responsible_unit}，责任人：{person.name}",
            f"办结期限：{problem.deadline:%Y-%m-%d}"
            + ("（暂定，待录入当年放假安排）" if problem.deadline_provisional else ""),
            "请尽快办理，解决后在平台填写采取的措施。",
        ]
        messages.append(
            (
                person.user,
                f"{prefix}{problem.project.name} 的问题{_state(problem, today)}",
                "\n".join(lines),
                link,
            )
        )
        already.add((person.user_id, link))
        sent += 1
    notify_many(messages)
    return len(due), sent, without_account


def run_sweep(today: dt.date | None = None) -> SweepReport:
    """Recompute every active project's light and send the day's problem reminders."""
    today = today or timezone.localdate()
    active = Project.objects.active()
    report = SweepReport(on_date=today, projects=active.count())
    report.lights_changed = lights.recompute(active, today)
    report.problems_due, report.reminders_sent, report.without_account = remind_problems(today)
    return report


def sweep_step(today: dt.date) -> str:
    """The projects' part of ``tuijin sweep``."""
    return run_sweep(today).summary()
