"""The business rules of key projects: stages, progress reports, problems.

Every refusal is a ``ProjectRuleError`` naming the field and changes nothing. Every call
passes ``today`` explicitly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from tuijin.core.models import Notification
from tuijin.core.roles import Role
from tuijin.core.workdays import add_workdays
from tuijin.projects.models import (
    Light,
    Problem,
    ProgressReport,
    Project,
    ProjectPerson,
    Stage,
    StageChange,
)
from tuijin.projects.services import (
    ProjectRuleError,
    problem_create,
    problem_update,
    problems_due_soon,
    report_submit,
    report_unchanged,
    stage_decide,
    stage_propose,
)
from tuijin.testing import PersonFactory

TODAY = dt.date(2026, 4, 20)


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def make_project(county, name: str = "智能装备产业园项目", **fields) -> Project:
    defaults = {
        "region": county.region,
        "host_unit": county.township,
        "lead_department": county.department,
        "contact_leader": county.people[Role.LEADER],
        "total_investment": Decimal("10000"),
    }
    return Project.objects.create(name=name, **{**defaults, **fields})


def started(county, name: str = "智能装备产业园项目", start: str = "2025-11-03") -> Project:
    return make_project(
        county, name, stage=Stage.STARTED, actual_start=D(start), registered_in_stats=True
    )


def refused(field: str, call, *args, **kwargs) -> ProjectRuleError:
    with pytest.raises(ProjectRuleError) as error:
        call(*args, **kwargs)
    assert error.value.field == field, error.value.message
    assert error.value.message
    return error.value


# --- Stages ---------------------------------------------------------------------------------


@pytest.fixture
def staff(county):
    return county.users[Role.UNIT_STAFF]


@pytest.fixture
def office(county):
    return county.users[Role.PROJECT_OFFICE]


def test_signing_needs_a_date_and_a_contract_amount(county, office):
    project = make_project(county)
    refused(
        "on_date",
        stage_propose,
        project,
        Stage.SIGNED,
        None,
        acting_user=office,
        contract_amount=Decimal("5000"),
        today=TODAY,
    )
    error = refused(
        "contract_amount",
        stage_propose,
        project,
        Stage.SIGNED,
        TODAY,
        acting_user=office,
        today=TODAY,
    )
    assert "合同金额" in error.message
    refused(
        "contract_amount",
        stage_propose,
        project,
        Stage.SIGNED,
        TODAY,
        acting_user=office,
        contract_amount=Decimal("0"),
        today=TODAY,
    )
    assert not StageChange.objects.exists()
    project.refresh_from_db()
    assert project.stage == Stage.NEGOTIATING


def test_starting_needs_a_date_not_in_the_future(county, office):
    project = make_project(county, stage=Stage.SIGNED)
    refused("on_date", stage_propose, project, Stage.STARTED, None, acting_user=office, today=TODAY)
    refused(
        "on_date",
        stage_propose,
        project,
        Stage.STARTED,
        TODAY + dt.timedelta(days=1),
        acting_user=office,
        today=TODAY,
    )
    assert not StageChange.objects.exists()


def test_dropping_needs_a_reason(county, office):
    project = make_project(county)
    for reason in ("", "   "):
        error = refused(
            "reason",
            stage_propose,
            project,
            Stage.DROPPED,
            TODAY,
            acting_user=office,
            reason=reason,
            today=TODAY,
        )
        assert "终止原因" in error.message
    stage_propose(
        project, Stage.DROPPED, TODAY, acting_user=office, reason="投资方撤资", today=TODAY
    )
    project.refresh_from_db()
    assert (project.stage, project.dropped_reason) == (Stage.DROPPED, "投资方撤资")
    assert (project.light, project.light_reasons) == (Light.NONE, ["项目已终止"])


def test_stages_never_go_backwards(county, office):
    project = started(county)
    error = refused(
        "to_stage",
        stage_propose,
        project,
        Stage.SIGNED,
        TODAY,
        acting_user=office,
        contract_amount=Decimal("100"),
        today=TODAY,
    )
    assert "向前" in error.message
    refused(
        "to_stage", stage_propose, project, Stage.STARTED, TODAY, acting_user=office, today=TODAY
    )
    project.refresh_from_db()
    assert project.stage == Stage.STARTED


def test_a_unit_proposes_and_the_project_office_confirms(county, staff, office):
    project = make_project(county)
    change = stage_propose(
        project,
        Stage.SIGNED,
        D("2026-04-18"),
        acting_user=staff,
        contract_amount=Decimal("8000"),
        today=TODAY,
    )
    assert change.status == StageChange.Status.PROPOSED
    assert change.proposed_by == staff
    project.refresh_from_db()
    assert (project.stage, project.signed_on, project.contract_amount) == (
        Stage.NEGOTIATING,
        None,
        None,
    )

    refused("status", stage_decide, change, confirm=True, acting_user=staff, today=TODAY)

    decided = stage_decide(change, confirm=True, acting_user=office, today=TODAY)
    assert decided.status == StageChange.Status.CONFIRMED
    assert decided.decided_by == office
    project.refresh_from_db()
    assert (project.stage, project.signed_on, project.contract_amount) == (
        Stage.SIGNED,
        D("2026-04-18"),
        Decimal("8000"),
    )
    entries = LogEntry.objects.get_for_object(project).filter(action=LogEntry.Action.UPDATE)
    assert [entry.changes_dict["stage"] for entry in entries] == [["negotiating", "signed"]]
    assert LogEntry.objects.get_for_object(decided).exists()

    refused("status", stage_decide, change, confirm=True, acting_user=office, today=TODAY)


def test_confirming_a_start_records_the_date(county, staff, office):
    project = make_project(county, stage=Stage.SIGNED)
    change = stage_propose(project, Stage.STARTED, D("2026-04-08"), acting_user=staff, today=TODAY)
    stage_decide(change, confirm=True, acting_user=office, today=TODAY)
    project.refresh_from_db()
    assert (project.stage, project.actual_start) == (Stage.STARTED, D("2026-04-08"))


def test_the_project_offices_own_proposal_takes_effect_at_once(county, office):
    project = make_project(county, stage=Stage.SIGNED)
    change = stage_propose(project, Stage.STARTED, D("2026-04-08"), acting_user=office, today=TODAY)
    project.refresh_from_db()
    assert (project.stage, project.actual_start) == (Stage.STARTED, D("2026-04-08"))
    change.refresh_from_db()
    assert change.status == StageChange.Status.CONFIRMED
    assert change.decided_by == office


def test_the_project_offices_proposal_is_returned_confirmed(county, office):
    project = make_project(county, stage=Stage.SIGNED)
    change = stage_propose(project, Stage.STARTED, D("2026-04-08"), acting_user=office, today=TODAY)
    assert change.status == StageChange.Status.CONFIRMED


def test_a_second_proposal_waits_for_the_first(county, staff):
    project = make_project(county, stage=Stage.SIGNED)
    stage_propose(project, Stage.STARTED, D("2026-04-08"), acting_user=staff, today=TODAY)
    error = refused(
        "to_stage",
        stage_propose,
        project,
        Stage.DROPPED,
        TODAY,
        acting_user=staff,
        reason="企业撤资",
        today=TODAY,
    )
    assert "待确认" in error.message
    assert StageChange.objects.filter(project=project).count() == 1


def test_a_rejected_proposal_leaves_the_project_as_it_is(county, staff, office):
    project = make_project(county, stage=Stage.SIGNED)
    change = stage_propose(project, Stage.STARTED, D("2026-04-08"), acting_user=staff, today=TODAY)
    rejected = stage_decide(change, confirm=False, acting_user=office, today=TODAY)
    assert rejected.status == StageChange.Status.REJECTED
    project.refresh_from_db()
    assert (project.stage, project.actual_start) == (Stage.SIGNED, None)
    # Once rejected, a new proposal may be made.
    again = stage_propose(project, Stage.STARTED, D("2026-04-09"), acting_user=staff, today=TODAY)
    assert again.status == StageChange.Status.PROPOSED


# --- Reports --------------------------------------------------------------------------------


def submit(project, period: str, invested, *, user, today=TODAY, **fields) -> ProgressReport:
    return report_submit(
        project,
        D(period),
        acting_user=user,
        progress_text=fields.pop("progress_text", "主体施工中"),
        invested=invested,
        today=today,
        **fields,
    )


@pytest.mark.parametrize("bad", ["-1", "abc", "", "1.234", "NaN", None])
def test_bad_money_is_refused_naming_the_field(county, staff, bad):
    project = started(county)
    error = refused("invested", submit, project, "2026-03-01", bad, user=staff)
    assert "本期完成投资" in error.message
    assert not ProgressReport.objects.exists()


def test_investment_above_the_total_is_refused(county, staff):
    project = started(county)
    submit(project, "2026-02-01", "6000", user=staff)
    error = refused("invested", submit, project, "2026-03-01", "4000.01", user=staff)
    assert "总投资" in error.message
    assert ProgressReport.objects.count() == 1
    project.refresh_from_db()
    assert project.invested_total == Decimal("6000")
    submit(project, "2026-03-01", "4000", user=staff)  # exactly the total is fine


def test_a_future_period_is_refused(county, staff):
    project = started(county)
    refused("period", submit, project, "2026-05-01", "1", user=staff)
    assert not ProgressReport.objects.exists()
    submit(project, "2026-04-01", "1", user=staff)  # the current period is allowed


def test_a_period_is_reported_once(county, staff):
    project = started(county)
    submit(project, "2026-03-01", "100", user=staff)
    error = refused("period", submit, project, "2026-03-15", "50", user=staff)
    assert "2026年3月" in error.message
    assert ProgressReport.objects.count() == 1


def test_the_progress_text_is_required(county, staff):
    project = started(county)
    refused("progress_text", submit, project, "2026-03-01", "1", user=staff, progress_text="  ")
    assert not ProgressReport.objects.exists()


def test_a_negotiating_project_does_not_report(county, staff):
    project = make_project(county)
    refused("period", submit, project, "2026-03-01", "1", user=staff)


def test_cumulative_and_year_to_date_are_computed(county, staff):
    project = started(county)
    reports = [
        submit(project, "2025-11-01", "100", user=staff),
        submit(project, "2025-12-20", "200", user=staff),  # any day of the month: its month
        submit(project, "2026-01-01", "300", user=staff),
        submit(project, "2026-02-01", "400.50", user=staff),
    ]
    assert [r.period for r in reports] == [
        D("2025-11-01"),
        D("2025-12-01"),
        D("2026-01-01"),
        D("2026-02-01"),
    ]
    assert [r.cumulative_invested for r in reports] == [100, 300, 600, Decimal("1000.50")]
    assert [r.ytd_invested for r in reports] == [100, 300, 300, Decimal("700.50")]
    project.refresh_from_db()
    assert project.invested_total == Decimal("1000.50")
    assert project.last_report_period == D("2026-02-01")


def test_a_late_report_shifts_the_later_running_totals(county, staff):
    project = started(county)
    submit(project, "2025-11-01", "100", user=staff)
    submit(project, "2026-01-01", "300", user=staff)
    submit(project, "2026-03-01", "500", user=staff)
    submit(project, "2025-12-01", "200", user=staff)  # late, last year
    submit(project, "2026-02-01", "400", user=staff)  # late, this year
    rows = {
        r.period: (r.cumulative_invested, r.ytd_invested)
        for r in ProgressReport.objects.filter(project=project)
    }
    assert rows == {
        D("2025-11-01"): (100, 100),
        D("2025-12-01"): (300, 300),
        D("2026-01-01"): (600, 300),
        D("2026-02-01"): (1000, 700),
        D("2026-03-01"): (1500, 1200),
    }
    project.refresh_from_db()
    assert project.invested_total == 1500
    assert project.last_report_period == D("2026-03-01")  # a late report does not move it back


def test_a_late_report_cannot_push_later_totals_above_the_total(county, staff):
    project = started(county)
    submit(project, "2026-03-01", "9000", user=staff)
    refused("invested", submit, project, "2026-02-01", "1000.01", user=staff)


def test_unchanged_needs_a_previous_report(county, staff):
    project = started(county, start="2026-03-02")
    refused("unchanged", report_unchanged, project, D("2026-04-01"), acting_user=staff, today=TODAY)


def test_unchanged_is_one_tap_for_a_green_project(county, staff):
    project = started(county, start="2026-03-02")
    submit(project, "2026-03-01", "100", user=staff, progress_text="桩基施工完成 60%")
    project.refresh_from_db()
    assert project.light == Light.GREEN
    report = report_unchanged(project, D("2026-04-01"), acting_user=staff, today=TODAY)
    assert (report.progress_text, report.invested, report.unchanged) == (
        "桩基施工完成 60%",
        0,
        True,
    )
    assert report.cumulative_invested == 100


@pytest.mark.parametrize("light", [Light.YELLOW, Light.RED])
def test_unchanged_is_refused_unless_green(county, staff, light):
    project = started(county, start="2026-03-02")
    submit(project, "2026-03-01", "100", user=staff)
    Project.objects.filter(pk=project.pk).update(light=light)
    project.refresh_from_db()
    refused("unchanged", report_unchanged, project, D("2026-04-01"), acting_user=staff, today=TODAY)
    assert ProgressReport.objects.count() == 1


def test_the_contact_leader_is_told(county, staff):
    project = started(county)
    submit(
        project,
        "2026-03-01",
        "120",
        user=staff,
        progress_text="厂房封顶",
        coordination_text="协调电力增容",
    )
    leader_user = county.users[Role.LEADER]
    note = Notification.objects.get(recipient=leader_user)
    assert note.title == "智能装备产业园项目 · 2026年3月进度"
    assert "厂房封顶" in note.body and "120" in note.body and "协调电力增容" in note.body
    assert note.url == f"/projects/{project.pk}/"


def test_a_contact_leader_without_an_account_gets_nothing(county, staff):
    nobody = PersonFactory(unit=None, region=county.region, title="副县长")
    project = started(county)
    Project.objects.filter(pk=project.pk).update(contact_leader=nobody)
    project.refresh_from_db()
    submit(project, "2026-03-01", "120", user=staff)
    assert not Notification.objects.exists()


def test_reported_problems_get_a_named_person_and_a_working_day_deadline(county, staff):
    project = started(county)
    engineer = PersonFactory(unit=county.township, region=county.region, name="王工")
    ProjectPerson.objects.create(project=project, person=engineer)
    # Ten working days from 2026-04-28 cross Labour Day (05-01..05) and its make-up Saturday.
    report = submit(
        project,
        "2026-04-01",
        "50",
        user=staff,
        problems_text="施工用电未接入",
        today=D("2026-04-28"),
    )
    problem = Problem.objects.get()
    assert problem.description == "施工用电未接入"
    assert problem.report == report
    assert problem.source == Problem.Source.REPORT
    assert problem.responsible_person == engineer
    assert problem.responsible_unit == county.township
    assert problem.raised_on == D("2026-04-28")
    assert problem.deadline == D("2026-05-14") == add_workdays(D("2026-04-28"), 10).value
    assert problem.deadline_provisional is False
    note = Notification.objects.get(recipient=county.users[Role.LEADER])
    assert "施工用电未接入" in note.body


def test_without_a_named_responsible_the_reporter_answers(county, staff):
    project = started(county)
    submit(project, "2026-03-01", "50", user=staff, problems_text="征地补偿未到位")
    assert Problem.objects.get().responsible_person == county.people[Role.UNIT_STAFF]


def test_a_report_without_problems_creates_none(county, staff):
    project = started(county)
    submit(project, "2026-03-01", "50", user=staff, problems_text="  ")
    assert not Problem.objects.exists()


# --- Problems -------------------------------------------------------------------------------


def test_a_problem_needs_a_person_and_a_description(county):
    project = started(county)
    refused(
        "responsible_person",
        problem_create,
        project,
        description="资金缺口",
        responsible_unit=county.township,
        responsible_person=None,
        today=TODAY,
    )
    refused(
        "description",
        problem_create,
        project,
        description=" ",
        responsible_unit=county.township,
        responsible_person=county.people[Role.UNIT_STAFF],
        today=TODAY,
    )
    refused(
        "deadline_days",
        problem_create,
        project,
        description="资金缺口",
        responsible_unit=county.township,
        responsible_person=county.people[Role.UNIT_STAFF],
        deadline_days=0,
        today=TODAY,
    )
    assert not Problem.objects.exists()


def test_resolving_a_problem_needs_a_measure(county):
    project = started(county)
    problem = problem_create(
        project,
        description="资金缺口",
        responsible_unit=county.township,
        responsible_person=county.people[Role.UNIT_STAFF],
        deadline_days=5,
        today=TODAY,
    )
    assert problem.deadline == D("2026-04-27")
    for measure in ("", "  "):
        refused(
            "measure",
            problem_update,
            problem,
            status=Problem.Status.RESOLVED,
            measure=measure,
            today=D("2026-04-22"),
        )
    problem.refresh_from_db()
    assert (problem.status, problem.resolved_on) == (Problem.Status.OPEN, None)
    refused("status", problem_update, problem, status="closed", today=D("2026-04-22"))

    problem_update(problem, status=Problem.Status.IN_PROGRESS, today=D("2026-04-21"))
    problem.refresh_from_db()
    assert problem.status == Problem.Status.IN_PROGRESS

    problem_update(
        problem, status=Problem.Status.RESOLVED, measure="协调专项资金到位", today=D("2026-04-22")
    )
    problem.refresh_from_db()
    assert (problem.status, problem.measure, problem.resolved_on) == (
        Problem.Status.RESOLVED,
        "协调专项资金到位",
        D("2026-04-22"),
    )


def test_problems_due_soon(county):
    project = started(county)
    person = county.people[Role.UNIT_STAFF]

    def problem(days: int) -> Problem:
        return problem_create(
            project,
            description=f"{days} 个工作日",
            responsible_unit=county.township,
            responsible_person=person,
            deadline_days=days,
            today=D("2026-04-01"),
        )

    three, four = problem(3), problem(4)
    assert (three.deadline, four.deadline) == (D("2026-04-07"), D("2026-04-08"))  # 清明 04-06
    # On 04-01 the third working day ahead is 04-07; on 04-02 it is 04-08.
    assert list(problems_due_soon(Problem.objects.all(), D("2026-04-01"))) == [three]
    assert set(problems_due_soon(Problem.objects.all(), D("2026-04-02"))) == {three, four}
    problem_update(three, status=Problem.Status.RESOLVED, measure="已办结", today=D("2026-04-02"))
    assert list(problems_due_soon(Problem.objects.all(), D("2026-04-02"))) == [four]
