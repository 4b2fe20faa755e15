"""The nightly sweep: reminders before and after each deadline, one escalation, follow-up
call tasks. Literal dates from ``tuijin workdays`` on the 2026 calendar (Mid-Autumn Sep 25,
National Day Oct 1–7 with Oct 10 worked; Spring Festival Feb 15–23 with Feb 14 worked)."""

from __future__ import annotations

import datetime as dt

import pytest

from tuijin.appeals import services
from tuijin.appeals.models import Appeal, AppealEvent
from tuijin.appeals.sweep import run_sweep, sweep_appeals
from tuijin.core.models import Notification
from tuijin.core.roles import Role
from tuijin.core.sweeps import SWEEP_STEPS
from tuijin.supervision.models import SupervisionOrder

from .conftest import dispatched, receive

pytestmark = pytest.mark.django_db
D = dt.date
Kind = AppealEvent.Kind


def reminders(appeal, stage=None):
    qs = appeal.events.filter(kind=Kind.REMINDED)
    if stage:
        qs = qs.filter(stage=stage)
    return sorted(qs.values_list("on_date", flat=True))


@pytest.fixture
def in_hand(world):
    """A 求助 dispatched on 2026-09-24 and accepted: reply due 2026-09-30, resolve due
    2026-10-09 (Mid-Autumn and National Day in between)."""
    appeal = dispatched(world, on=D(2026, 9, 24), received_on=D(2026, 9, 24))
    services.appeal_accept(world.township_staff, appeal, on_date=D(2026, 9, 24))
    appeal.refresh_from_db()
    assert (appeal.reply_due, appeal.resolve_due) == (D(2026, 9, 30), D(2026, 10, 9))
    return appeal


def test_the_sweep_is_registered():
    assert sweep_appeals in SWEEP_STEPS


def test_reminder_the_working_day_before_and_every_working_day_after(world, in_hand):
    for day in range(24, 31):
        run_sweep(D(2026, 9, day))
    # Reply due Wed 9-30: reminded on Tue 9-29 (the working day before), nothing on 9-30.
    assert reminders(in_hand, "reply") == [D(2026, 9, 29)]
    for day in range(1, 10):
        run_sweep(D(2026, 10, day))
    # Nothing during the holiday; on 10-08 the resolve date of 10-09 is announced, on 10-09
    # the reply is 2 working days late (10-08, 10-09).
    assert reminders(in_hand, "reply") == [D(2026, 9, 29), D(2026, 10, 9)]
    assert reminders(in_hand, "resolve") == [D(2026, 10, 8)]
    assert Notification.objects.filter(
        recipient=world.township_staff, title__contains="诉求催办"
    ).exists()


def test_reminders_are_idempotent(world, in_hand):
    run_sweep(D(2026, 10, 12))
    run_sweep(D(2026, 10, 12))
    assert reminders(in_hand, "resolve") == [D(2026, 10, 12)]
    event = in_hand.events.get(kind=Kind.REMINDED)
    assert event.text == "办结已逾期 2 个工作日（期限 2026-10-09）"


def test_escalation_issues_one_supervision_order_after_three_overdue_workdays(world, in_hand):
    for day in (10, 11, 12):  # 10-10 (make-up Saturday) and 10-12 are 2 overdue workdays
        run_sweep(D(2026, 10, day))
    assert SupervisionOrder.objects.count() == 0
    run_sweep(D(2026, 10, 13))  # the 3rd overdue working day
    run_sweep(D(2026, 10, 13))
    run_sweep(D(2026, 10, 14))
    order = SupervisionOrder.objects.get()
    assert order.unit == world.county.township
    assert order.person == world.county.people[Role.UNIT_STAFF]
    assert order.issued_by == world.county.users[Role.SUPERVISION]
    assert in_hand.code in order.title
    escalated = in_hand.events.get(kind=Kind.ESCALATED)
    assert escalated.on_date == D(2026, 10, 13)
    assert order.code in escalated.text
    in_hand.refresh_from_db()
    assert in_hand.escalated is True


def test_without_a_supervision_office_the_paired_leader_is_told(world, in_hand):
    world.county.users[Role.SUPERVISION].groups.clear()
    run_sweep(D(2026, 10, 13))
    assert SupervisionOrder.objects.count() == 0
    leader = world.county.users[Role.LEADER]
    assert Notification.objects.filter(recipient=leader, title__contains=in_hand.code).exists()
    escalated = in_hand.events.get(kind=Kind.ESCALATED)
    assert "包联领导" in escalated.text


def test_accept_overdue_is_reminded_across_spring_festival(world):
    appeal = dispatched(world, on=D(2026, 2, 13), received_on=D(2026, 2, 13))
    assert appeal.accept_due == D(2026, 2, 14)
    for day in range(13, 26):
        run_sweep(D(2026, 2, day))
    # Before on 2-13, then 2-24 and 2-25 (the first working days after the festival).
    assert reminders(appeal, "accept") == [D(2026, 2, 13), D(2026, 2, 24), D(2026, 2, 25)]


def test_follow_up_due_five_working_days_after_an_unrated_reply(world):
    appeal = dispatched(world, on=D(2026, 2, 12), received_on=D(2026, 2, 12))
    staff = world.township_staff
    services.appeal_accept(staff, appeal, on_date=D(2026, 2, 12))
    services.appeal_reply(staff, appeal, "已办理", on_date=D(2026, 2, 13))
    run_sweep(D(2026, 2, 26))
    assert not appeal.events.filter(kind=Kind.FOLLOW_UP_DUE).exists()
    run_sweep(D(2026, 2, 27))
    run_sweep(D(2026, 3, 2))
    due = appeal.events.get(kind=Kind.FOLLOW_UP_DUE)
    assert due.on_date == D(2026, 2, 27)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REPLIED  # a call task, never an automatic close
    assert Notification.objects.filter(
        recipient=world.office, title=f"待回访：{appeal.code}"
    ).exists()


def test_new_and_resolved_requests_are_left_alone(world):
    receive(world)
    run_sweep(D(2026, 10, 13))
    assert not AppealEvent.objects.filter(kind=Kind.REMINDED).exists()


class _Undo(Exception):
    pass


def _sweep_rolled_back(day):
    """The sweep of ``day`` and its queries, undone afterwards."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        try:
            with transaction.atomic():
                counts = run_sweep(day)
                raise _Undo
        except _Undo:
            pass
    return counts, len(queries)


def _in_hand(world, n):
    appeals = []
    for i in range(n):
        appeal = dispatched(world, on=D(2026, 9, 24), received_on=D(2026, 9, 24), title=f"诉求{i}")
        services.appeal_accept(world.township_staff, appeal, on_date=D(2026, 9, 24))
        appeals.append(appeal)
    return appeals


def test_the_sweep_writes_in_bulk_whatever_the_number_of_requests(world):
    """Reminders, escalation orders and their messages: the same queries for 2 or 6."""
    _in_hand(world, 2)
    few, few_queries = _sweep_rolled_back(D(2026, 10, 13))
    _in_hand(world, 4)
    many, many_queries = _sweep_rolled_back(D(2026, 10, 13))
    assert (few.reminded, few.escalated) == (2, 2)
    assert (many.reminded, many.escalated) == (6, 6)
    assert many_queries == few_queries


def test_escalations_of_one_night_each_get_their_own_order_and_messages(world):
    appeals = _in_hand(world, 3)
    run_sweep(D(2026, 10, 13))
    orders = list(SupervisionOrder.objects.order_by("number"))
    assert [o.number for o in orders] == [1, 2, 3]
    staff = world.township_staff
    for appeal in appeals:
        escalated = appeal.events.get(kind=Kind.ESCALATED)
        order = next(o for o in orders if appeal.code in o.title)
        assert escalated.text == f"逾期 3 个工作日，已下发督办单{order.code}给{order.unit.name}"
        # The reminder comes first in the request's trail, then the escalation.
        trail = list(appeal.events.filter(on_date=D(2026, 10, 13)).values_list("kind", flat=True))
        assert trail == [Kind.REMINDED, Kind.ESCALATED]
        assert Notification.objects.filter(
            recipient=staff,
            title=f"诉求催办：{appeal.code} 办结已逾期 3 个工作日（期限 2026-10-09）",
            body=f"{appeal.enterprise_name}：{appeal.title}",
            url=f"/appeals/{appeal.pk}/",
        ).exists()
        assert Notification.objects.filter(
            recipient=staff, title=f"督办单：{order.code} {order.title}"
        ).exists()
