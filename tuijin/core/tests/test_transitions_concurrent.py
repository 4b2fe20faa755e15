"""Two people making the same transition at the same moment (issue 8, point 7).

Each case starts two threads, each with its own database connection, released together by a
barrier into the same service (accepting a supervision order, confirming a stage change,
approving a leave, converting a lead, resolving a problem, signing for a request). Exactly
one makes the transition, with one trail entry; the other gets the service's Chinese
refusal. The services lock the row (``select_for_update``; on SQLite the write transaction
is taken at BEGIN, ``transaction_mode=IMMEDIATE``) and check the state inside the lock.
The suite runs these on SQLite and, in CI, again on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import OperationalError, connection, connections

from tuijin.core.accounts import create_account
from tuijin.core.roles import DirectoryRole, Role
from tuijin.projects.tests.conftest import make_project
from tuijin.testing import PASSWORD, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def second_account(county, role: DirectoryRole):
    """A colleague of the same office (or the same township, for a liaison)."""
    unit = county.township if role == DirectoryRole.UNIT_LIAISON else county.department
    person = PersonFactory(unit=unit, title="同事", roles=[role])
    return create_account(person, f"colleague-{role}", PASSWORD)


def race(call: Callable[[int], object]) -> tuple[list[object], list[Exception]]:
    """Run ``call(0)`` and ``call(1)`` in two threads released at once; their results and
    their errors."""
    barrier = threading.Barrier(2)
    results: list[object] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def attempt(who: int) -> object:
        for _ in range(500):
            try:
                return call(who)
            except OperationalError as exc:
                # The test database is SQLite in memory with a shared cache, where a writer
                # finds the other's lock at once instead of waiting in the busy handler (20 s
                # in settings, for the data folder's file): wait here the same way. The
                # service's transaction was rolled back whole, so trying again is what the
                # busy handler would have done.
                if connection.vendor != "sqlite" or "locked" not in str(exc):
                    raise
                time.sleep(0.01)
        raise AssertionError("the other writer never released its lock")

    def run(who: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcome = attempt(who)
        except Exception as exc:  # the refusal under test, or a failure the test shows
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(outcome)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(who,)) for who in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def one_and_one_refusal(results, errors, refusal: type[Exception]) -> None:
    assert len(results) == 1, (results, errors)
    assert len(errors) == 1, errors
    assert isinstance(errors[0], refusal), repr(errors[0])
    assert getattr(errors[0], "message", str(errors[0])), "the refusal says why"


def updates_of(obj) -> int:
    return LogEntry.objects.get_for_object(obj).filter(action=LogEntry.Action.UPDATE).count()


def test_two_offices_accepting_one_order(county):
    from tuijin.supervision import services
    from tuijin.supervision.models import OrderEvent, SupervisionOrder
    from tuijin.supervision.tests.conftest import issue

    order = issue(county)
    staff = county.users[Role.UNIT_STAFF]
    services.order_sign(order, acting_user=staff)
    services.order_respond(order, acting_user=staff, text="电力接入已完成")
    others = [county.users[Role.SUPERVISION], second_account(county, DirectoryRole.SUPERVISION)]

    def accept(who: int):
        fresh = SupervisionOrder.objects.get(pk=order.pk)
        return services.order_accept(fresh, acting_user=others[who], text="同意办结")

    before = updates_of(order)
    results, errors = race(accept)
    one_and_one_refusal(results, errors, services.OrderRuleError)
    assert "只有已反馈的" in errors[0].message
    accepted = OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.ACCEPTED)
    assert accepted.count() == 1
    assert SupervisionOrder.objects.get(pk=order.pk).status == SupervisionOrder.Status.ACCEPTED
    assert updates_of(order) == before + 1


def test_one_liaison_signing_one_order_from_two_devices(county):
    from tuijin.supervision import services
    from tuijin.supervision.models import OrderEvent, SupervisionOrder
    from tuijin.supervision.tests.conftest import issue

    order = issue(county)
    staff = county.users[Role.UNIT_STAFF]

    def sign(_: int):
        return services.order_sign(SupervisionOrder.objects.get(pk=order.pk), acting_user=staff)

    results, errors = race(sign)
    one_and_one_refusal(results, errors, services.OrderRuleError)
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.SIGNED).count() == 1


def test_two_confirmations_of_one_stage_change(county):
    from tuijin.projects import services
    from tuijin.projects.models import Project, Stage, StageChange

    project = make_project(county, stage=Stage.NEGOTIATING, actual_start=None)
    change = services.stage_propose(
        project,
        Stage.SIGNED,
        dt.date.today(),
        acting_user=county.users[Role.UNIT_STAFF],
        contract_amount=Decimal("50000"),
        reason="",
    )
    assert change.status == StageChange.Status.PROPOSED
    office = [
        county.users[Role.PROJECT_OFFICE],
        second_account(county, DirectoryRole.PROJECT_OFFICE),
    ]

    def confirm(who: int):
        return services.stage_decide(
            StageChange.objects.get(pk=change.pk), confirm=True, acting_user=office[who]
        )

    before = updates_of(project)
    results, errors = race(confirm)
    one_and_one_refusal(results, errors, services.ProjectRuleError)
    assert errors[0].message == "该阶段变更已处理"
    assert Project.objects.get(pk=project.pk).stage == Stage.SIGNED
    assert StageChange.objects.filter(status=StageChange.Status.CONFIRMED).count() == 1
    assert updates_of(project) == before + 1


def test_two_approvals_of_one_leave(county):
    from tuijin.discipline import leave as rules
    from tuijin.discipline.errors import DisciplineRuleError
    from tuijin.discipline.models import Leave

    leave = rules.leave_request(
        acting_user=county.users[Role.UNIT_STAFF],
        person=county.people[Role.UNIT_STAFF],
        start_date=dt.date(2026, 11, 23),
        end_date=dt.date(2026, 11, 24),
        reason_kind=Leave.Reason.PERSONAL,
        reason="家中有事",
    )
    assert leave.status == Leave.Status.PENDING
    principal = county.users[Role.PRINCIPAL]

    def approve(_: int):
        return rules.leave_decide(
            acting_user=principal, leave=Leave.objects.get(pk=leave.pk), approve=True
        )

    before = updates_of(leave)
    results, errors = race(approve)
    one_and_one_refusal(results, errors, DisciplineRuleError)
    assert "无需再审批" in errors[0].message
    assert Leave.objects.get(pk=leave.pk).status == Leave.Status.APPROVED
    assert updates_of(leave) == before + 1


def test_two_conversions_of_one_lead(county):
    from tuijin.outreach import services
    from tuijin.outreach.models import Lead
    from tuijin.outreach.tests.conftest import make_lead
    from tuijin.projects.models import Project

    lead = make_lead(county)
    leader = county.users[Role.LEADER]

    def convert(_: int):
        return services.lead_convert(Lead.objects.get(pk=lead.pk), acting_user=leader)

    results, errors = race(convert)
    one_and_one_refusal(results, errors, services.OutreachRuleError)
    assert Project.objects.filter(region=county.region, name=lead.title).count() == 1
    assert Lead.objects.get(pk=lead.pk).project_id is not None


def test_two_resolutions_of_one_problem(county):
    from tuijin.projects import services
    from tuijin.projects.models import Problem

    project = make_project(county)
    problem = services.problem_create(
        project,
        description="用地指标未落实",
        responsible_unit=county.township,
        responsible_person=county.people[Role.UNIT_STAFF],
        deadline_days=10,
    )

    def resolve(_: int):
        return services.problem_update(
            Problem.objects.get(pk=problem.pk),
            status=Problem.Status.RESOLVED,
            measure="协调国土部门调剂指标",
        )

    before = updates_of(problem)
    results, errors = race(resolve)
    one_and_one_refusal(results, errors, services.ProjectRuleError)
    assert errors[0].message == "该问题已标记解决，无需重复办理"
    assert updates_of(problem) == before + 1


def test_two_signatures_for_one_enterprise_request(county):
    from tuijin.appeals import services
    from tuijin.appeals.models import Appeal, AppealEvent
    from tuijin.appeals.tests.conftest import World, dispatched
    from tuijin.enterprises.tests.factories import make_enterprise

    own = make_enterprise(county.region, county.township, 1, name="清溪精密机械有限公司")
    world = World(county, own, own, county.users[Role.ENTERPRISE], county.users[Role.ENTERPRISE])
    appeal = dispatched(world)
    staff = [county.users[Role.UNIT_STAFF], second_account(county, DirectoryRole.UNIT_LIAISON)]

    def accept(who: int):
        return services.appeal_accept(staff[who], Appeal.objects.get(pk=appeal.pk))

    results, errors = race(accept)
    one_and_one_refusal(results, errors, services.AppealRuleError)
    accepted = AppealEvent.objects.filter(appeal=appeal, kind=AppealEvent.Kind.ACCEPTED)
    assert accepted.count() == 1


def test_the_race_helper_runs_each_thread_on_its_own_connection(county):
    """The test is only worth something if the two calls really are two connections."""
    seen = []

    def who(_: int):
        seen.append(id(connection.connection) if connection.connection else None)
        connection.ensure_connection()
        return id(connection.connection)

    results, errors = race(who)
    assert not errors
    assert len(set(results)) == 2


def test_two_requests_filed_at_once_get_two_numbers(county):
    """Numbering is the county's highest of the year plus one: two filings at the same
    moment both succeed, one after the other, with consecutive numbers (no 500)."""
    from tuijin.appeals.models import Appeal
    from tuijin.appeals.tests.conftest import World, receive
    from tuijin.enterprises.tests.factories import make_enterprise

    own = make_enterprise(county.region, county.township, 1, name="清溪精密机械有限公司")
    world = World(county, own, own, county.users[Role.ENTERPRISE], county.users[Role.ENTERPRISE])

    def file(who: int):
        return receive(world, title=f"同时提交的诉求{who}").number

    results, errors = race(file)
    assert errors == [], errors
    assert sorted(results) == [1, 2]
    assert Appeal.objects.filter(region=county.region).count() == 2
