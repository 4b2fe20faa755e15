"""SQL floors of ``tuijin bench``: the aggregates of the cockpit, the league table and the drive
page, written by hand.

Each floor is the list of statements a careful person would write to get the same figures
straight from the tables (same rows, same filters, same groupings), with none of the ORM, the
view or the template around them; the page's time over its floor's time says what the
application costs on top of the database. The SQL is plain and portable (SQLite and
PostgreSQL): no date functions (rows are grouped by the stored period and folded in Python,
as the services do), booleans and enumerations passed as parameters, table and column names
read from the models so a renamed table cannot silently break a floor.

A floor is built (``cockpit_floor`` …) from the same inputs the page reads, then run as many
times as the page: ``run(statements)`` executes every statement and fetches every row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

Statement = tuple[str, list[Any]]


@dataclass
class Floor:
    """Statements to run; ``follow`` adds the statements that need the first results (the
    responsible persons of the lagging projects), as a page's second query would."""

    statements: list[Statement]
    follow: Any = None  # callable(list of result lists) -> list[Statement]


def run(floor: Floor) -> int:
    """Run the floor's statements and fetch every row; returns the number of statements."""
    results = []
    with connection.cursor() as cursor:
        for sql, params in floor.statements:
            cursor.execute(sql, params)
            results.append(cursor.fetchall())
        extra = floor.follow(results) if floor.follow else []
        for sql, params in extra:
            cursor.execute(sql, params)
            cursor.fetchall()
    return len(floor.statements) + len(extra)


# --- names -----------------------------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _t(model) -> str:
    return _q(model._meta.db_table)


def _c(model, field: str) -> str:
    return _q(model._meta.get_field(field).column)


def _in(values: Iterable[Any]) -> tuple[str, list[Any]]:
    """``IN (%s, %s…)`` and its parameters (never empty: an impossible id stands in)."""
    values = list(values) or [-1]
    return "(" + ", ".join(["%s"] * len(values)) + ")", values


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


# --- cockpit ---------------------------------------------------------------------------------


def _models():
    from tuijin.core.models import Person, Unit
    from tuijin.projects.models import AnnualPlan, Problem, ProgressReport, Project, ProjectPerson
    from tuijin.supervision.models import SupervisionOrder

    return (
        Person,
        Unit,
        AnnualPlan,
        Problem,
        ProgressReport,
        Project,
        ProjectPerson,
        SupervisionOrder,
    )


def _responsibles(project_ids: list[int]) -> list[Statement]:
    Person, _, _, _, _, _, ProjectPerson, _ = _models()
    ids_sql, ids = _in(project_ids)
    pp, pe = _t(ProjectPerson), _t(Person)
    return [
        (
            f"SELECT pp.{_c(ProjectPerson, 'project')}, pe.{_q('name')}, pe.{_c(Person, 'mobile')}"
            f" FROM {pp} pp JOIN {pe} pe ON pe.{_q('id')} = pp.{_c(ProjectPerson, 'person')}"
            f" WHERE pp.{_c(ProjectPerson, 'project')} IN {ids_sql}",
            ids,
        )
    ]


def cockpit_statements(region_ids: Iterable[int], today: dt.date, year: int) -> Floor:
    """The cockpit's project figures, orders by status and open problems for the regions."""
    from tuijin.cockpit.services import year_share
    from tuijin.projects.models import Light, Stage

    _, Unit, AnnualPlan, Problem, Report, Project, _, Order = _models()
    regions_sql, regions = _in(region_ids)
    p, u, a, r = _t(Project), _t(Unit), _t(AnnualPlan), _t(Report)
    pid, region = _q("id"), _c(Project, "region")
    first, after = _year_bounds(year)
    share = year_share(today, year)
    in_regions = f"p.{region} IN {regions_sql}"
    light_rank = f"CASE p.{_q('light')} WHEN %s THEN 3 WHEN %s THEN 2 WHEN %s THEN 1 ELSE 0 END"
    statements: list[Statement] = [
        # Stages and lights: count and investment.
        (
            f"SELECT p.{_q('stage')}, p.{_q('light')}, COUNT(*),"
            f" SUM(p.{_c(Project, 'total_investment')}) FROM {p} p WHERE {in_regions}"
            f" GROUP BY p.{_q('stage')}, p.{_q('light')}",
            regions,
        ),
        # Lights of each host township and platform.
        (
            f"SELECT p.{_c(Project, 'host_unit')}, u.{_q('name')}, u.{_q('kind')},"
            f" u.{_q('order')}, p.{_q('light')}, COUNT(*) FROM {p} p"
            f" JOIN {u} u ON u.{pid} = p.{_c(Project, 'host_unit')}"
            f" WHERE {in_regions} AND p.{_q('stage')} <> %s AND u.{_q('kind')} IN (%s, %s)"
            f" GROUP BY p.{_c(Project, 'host_unit')}, u.{_q('name')}, u.{_q('kind')},"
            f" u.{_q('order')}, p.{_q('light')}",
            [*regions, Stage.DROPPED, Unit.Kind.TOWNSHIP, Unit.Kind.PLATFORM],
        ),
        # The year's plan.
        (
            f"SELECT SUM(a.{_c(AnnualPlan, 'planned_investment')}) FROM {a} a"
            f" JOIN {p} p ON p.{pid} = a.{_c(AnnualPlan, 'project')}"
            f" WHERE {in_regions} AND a.{_q('year')} = %s",
            [*regions, year],
        ),
        # Investment reported per period of the year (folded into months like the service).
        (
            f"SELECT r.{_q('period')}, SUM(r.{_c(Report, 'invested')}) FROM {r} r"
            f" JOIN {p} p ON p.{pid} = r.{_c(Report, 'project')}"
            f" WHERE {in_regions} AND r.{_q('period')} >= %s AND r.{_q('period')} < %s"
            f" GROUP BY r.{_q('period')}",
            [*regions, first, after],
        ),
        # Open problems and overdue ones.
        (
            f"SELECT COUNT(*), SUM(CASE WHEN pr.{_q('deadline')} < %s THEN 1 ELSE 0 END)"
            f" FROM {_t(Problem)} pr JOIN {p} p ON p.{pid} = pr.{_c(Problem, 'project')}"
            f" WHERE {in_regions} AND pr.{_q('status')} <> %s",
            [today, *regions, Problem.Status.RESOLVED],
        ),
        # Supervision orders per status, and the open ones overdue.
        (
            f"SELECT o.{_q('status')}, COUNT(*), SUM(CASE WHEN o.{_q('deadline')} < %s"
            f" AND o.{_q('status')} <> %s THEN 1 ELSE 0 END) FROM {_t(Order)} o"
            f" WHERE o.{_c(Order, 'region')} IN {regions_sql} GROUP BY o.{_q('status')}",
            [today, Order.Status.ACCEPTED, *regions],
        ),
    ]
    if share:
        # The started projects furthest behind the timeline this year, worst light first.
        done = (
            f"SELECT r.{_c(Report, 'project')} AS project_id, SUM(r.{_c(Report, 'invested')})"
            f" AS total FROM {r} r JOIN {p} p ON p.{pid} = r.{_c(Report, 'project')}"
            f" WHERE {in_regions} AND r.{_q('period')} >= %s AND r.{_q('period')} < %s"
            f" GROUP BY r.{_c(Report, 'project')}"
        )
        plan = f"a.{_c(AnnualPlan, 'planned_investment')}"
        statements.append(
            (
                f"SELECT p.{pid}, p.{_q('name')}, {plan}, COALESCE(d.total, 0) FROM {p} p"
                f" JOIN {a} a ON a.{_c(AnnualPlan, 'project')} = p.{pid} AND a.{_q('year')} = %s"
                f" LEFT JOIN ({done}) d ON d.project_id = p.{pid}"
                f" WHERE {in_regions} AND p.{_q('stage')} = %s AND {plan} > 0"
                f" AND COALESCE(d.total, 0) < {plan} * %s"
                f" ORDER BY {light_rank} DESC, COALESCE(d.total, 0) / {plan}, p.{pid} LIMIT 10",
                [
                    year,
                    *regions,
                    first,
                    after,
                    *regions,
                    Stage.STARTED,
                    Decimal(share),
                    Light.RED,
                    Light.YELLOW,
                    Light.GREEN,
                ],
            )
        )

    lagging = len(statements) - 1  # its place, whatever is run after it

    def follow(results: list[list]) -> list[Statement]:
        if not share or not results[lagging]:
            return []
        return _responsibles([row[0] for row in results[lagging]])

    return Floor(statements, follow)


# --- league table ----------------------------------------------------------------------------


def _league_period(region_id: int, start: dt.date, end: dt.date, today: dt.date, grace: int):
    from tuijin.projects.models import Light, Stage

    _, Unit, AnnualPlan, Problem, Report, Project, _, Order = _models()
    p, u, a, r = _t(Project), _t(Unit), _t(AnnualPlan), _t(Report)
    pid, host = _q("id"), _c(Project, "host_unit")
    year_start = dt.date(end.year, 1, 1)
    hosted = (
        f" JOIN {u} u ON u.{pid} = p.{host} AND u.{_q('kind')} IN (%s, %s)"
        f" WHERE p.{_c(Project, 'region')} = %s AND p.{_q('stage')} <> %s"
    )
    hosted_params = [Unit.Kind.TOWNSHIP, Unit.Kind.PLATFORM, region_id, Stage.DROPPED]
    own_units = (
        f"SELECT {pid} FROM {u} WHERE {_c(Unit, 'region')} = %s AND {_q('kind')} IN (%s, %s)"
    )
    own_params = [region_id, Unit.Kind.TOWNSHIP, Unit.Kind.PLATFORM]
    # A report is on time when submitted within the grace days after its period ended.
    on_time = timezone.make_aware(
        dt.datetime.combine(end + dt.timedelta(days=grace + 1), dt.time.min)
    )
    problem_done = (
        f"pr.{_q('status')} = %s AND pr.{_c(Problem, 'resolved_on')} <= pr.{_q('deadline')}"
    )
    order_done = f"o.{_q('status')} = %s AND o.{_c(Order, 'accepted_on')} <= o.{_q('deadline')}"
    return [
        # 1. The year's plan per unit.
        (
            f"SELECT p.{host}, SUM(a.{_c(AnnualPlan, 'planned_investment')}) FROM {a} a"
            f" JOIN {p} p ON p.{pid} = a.{_c(AnnualPlan, 'project')}{hosted}"
            f" AND a.{_q('year')} = %s GROUP BY p.{host}",
            [*hosted_params, end.year],
        ),
        # 2. Investment reported this year up to the end of the period, per unit.
        (
            f"SELECT p.{host}, SUM(r.{_c(Report, 'invested')}) FROM {r} r"
            f" JOIN {p} p ON p.{pid} = r.{_c(Report, 'project')}{hosted}"
            f" AND r.{_q('period')} >= %s AND r.{_q('period')} <= %s GROUP BY p.{host}",
            [*hosted_params, year_start, end],
        ),
        # 3. Current lights of the projects under way, per unit.
        (
            f"SELECT p.{host}, COUNT(*), SUM(CASE WHEN p.{_q('light')} = %s THEN 1 ELSE 0 END)"
            f" FROM {p} p{hosted} AND p.{_q('stage')} <> %s AND p.{_q('light')} <> %s"
            f" GROUP BY p.{host}",
            [Light.GREEN, *hosted_params, Stage.COMPLETED, Light.NONE],
        ),
        # 4 and 5. Started projects and their reports of the period, on time or not.
        (
            f"SELECT p.{host}, COUNT(DISTINCT p.{pid}), COUNT(r.{pid}),"
            f" SUM(CASE WHEN r.{_c(Report, 'submitted_at')} < %s THEN 1 ELSE 0 END)"
            f" FROM {p} p LEFT JOIN {r} r ON r.{_c(Report, 'project')} = p.{pid}"
            f" AND r.{_q('period')} >= %s AND r.{_q('period')} <= %s{hosted}"
            f" AND p.{_q('stage')} = %s AND p.{_c(Project, 'actual_start')} <= %s"
            f" GROUP BY p.{host}",
            [on_time, start, end, *hosted_params, Stage.STARTED, end],
        ),
        # 6. Problems and orders due in the period, closed on time.
        (
            f"SELECT pr.{_c(Problem, 'responsible_unit')},"
            f" SUM(CASE WHEN pr.{_q('deadline')} < %s OR ({problem_done}) THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {problem_done} THEN 1 ELSE 0 END)"
            f" FROM {_t(Problem)} pr JOIN {p} p ON p.{pid} = pr.{_c(Problem, 'project')}"
            f" WHERE p.{_c(Project, 'region')} = %s"
            f" AND pr.{_q('deadline')} >= %s AND pr.{_q('deadline')} <= %s"
            f" AND pr.{_c(Problem, 'responsible_unit')} IN ({own_units})"
            f" GROUP BY pr.{_c(Problem, 'responsible_unit')}",
            [
                today,
                Problem.Status.RESOLVED,
                Problem.Status.RESOLVED,
                region_id,
                start,
                end,
                *own_params,
            ],
        ),
        (
            f"SELECT o.{_c(Order, 'unit')},"
            f" SUM(CASE WHEN o.{_q('deadline')} < %s OR ({order_done}) THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {order_done} THEN 1 ELSE 0 END) FROM {_t(Order)} o"
            f" WHERE o.{_c(Order, 'region')} = %s"
            f" AND o.{_q('deadline')} >= %s AND o.{_q('deadline')} <= %s"
            f" AND o.{_c(Order, 'unit')} IN ({own_units}) GROUP BY o.{_c(Order, 'unit')}",
            [
                today,
                Order.Status.ACCEPTED,
                Order.Status.ACCEPTED,
                region_id,
                start,
                end,
                *own_params,
            ],
        ),
    ]


def league_statements(region_id: int, today: dt.date) -> Floor:
    """The league table of the last complete month and of the month before (movement)."""
    from tuijin.supervision import league

    _, Unit, *_ = _models()
    period = league.parse_period(None, today)
    previous = period.previous()
    units = (
        f"SELECT {_q('id')}, {_q('name')}, {_q('kind')} FROM {_t(Unit)}"
        f" WHERE {_c(Unit, 'region')} = %s AND {_q('kind')} IN (%s, %s)"
        f" ORDER BY {_q('kind')}, {_q('order')}, {_q('id')}",
        [region_id, Unit.Kind.TOWNSHIP, Unit.Kind.PLATFORM],
    )
    grace = league.REPORT_GRACE_DAYS
    return Floor(
        [
            units,
            *_league_period(region_id, period.start, period.end, today, grace),
            *_league_period(region_id, previous.start, previous.end, today, grace),
        ]
    )


# --- drive page ------------------------------------------------------------------------------


def measure_statement(
    measure: str,
    region_id: int,
    start: dt.date,
    end: dt.date,
    project_ids: list[int] | None = None,
    person_ids: list[int] | None = None,
    target_id: int | None = None,
) -> Statement | None:
    """The dated amounts of one target's measure (see tuijin.drives.measures), in SQL."""
    from tuijin.drives.models import Measure, MonthlyActual
    from tuijin.projects.models import ProgressReport, Project, Stage

    p, pid = _t(Project), _q("id")
    only = ""
    only_params: list[Any] = []
    if project_ids is not None:
        ids_sql, only_params = _in(project_ids)
        only = f" AND p.{pid} IN {ids_sql}"
    region = f"p.{_c(Project, 'region')} = %s"
    if measure in (Measure.PROJECTS_SIGNED, Measure.PROJECTS_STARTED):
        day = "signed_on" if measure == Measure.PROJECTS_SIGNED else "actual_start"
        stages = [Stage.STARTED, Stage.COMPLETED]
        if measure == Measure.PROJECTS_SIGNED:
            stages = [Stage.SIGNED, *stages]
        stages_sql, stages = _in(stages)
        return (
            f"SELECT p.{_q(day)} FROM {p} p WHERE {region}{only}"
            f" AND p.{_q(day)} >= %s AND p.{_q(day)} <= %s AND p.{_q('stage')} IN {stages_sql}",
            [region_id, *only_params, start, end, *stages],
        )
    if measure == Measure.INVESTMENT:
        r = _t(ProgressReport)
        return (
            f"SELECT r.{_q('period')}, SUM(r.{_c(ProgressReport, 'invested')}) FROM {r} r"
            f" JOIN {p} p ON p.{pid} = r.{_c(ProgressReport, 'project')} WHERE {region}{only}"
            f" AND r.{_q('period')} >= %s AND r.{_q('period')} <= %s"
            f" GROUP BY r.{_q('period')} ORDER BY r.{_q('period')}",
            [region_id, *only_params, start, end],
        )
    if measure == Measure.ENTERPRISES_VISITED:
        from tuijin.enterprises.models import Enterprise, Visit

        v, e = _t(Visit), _t(Enterprise)
        through = Visit.visitors.through
        by = ""
        by_params: list[Any] = []
        if person_ids is not None:
            people_sql, by_params = _in(person_ids)
            by = (
                f" AND v.{pid} IN (SELECT vp.{_c(through, 'visit')} FROM {_t(through)} vp"
                f" WHERE vp.{_c(through, 'person')} IN {people_sql})"
            )
        return (
            f"SELECT v.{_c(Visit, 'enterprise')}, MIN(v.{_q('visited_on')}) FROM {v} v"
            f" JOIN {e} e ON e.{pid} = v.{_c(Visit, 'enterprise')}"
            f" WHERE e.{_c(Enterprise, 'region')} = %s"
            f" AND v.{_q('visited_on')} >= %s AND v.{_q('visited_on')} <= %s{by}"
            f" GROUP BY v.{_c(Visit, 'enterprise')}",
            [region_id, start, end, *by_params],
        )
    if measure == Measure.REQUESTS_RESOLVED:
        from tuijin.appeals.models import Appeal

        return (
            f"SELECT {_c(Appeal, 'resolved_on')} FROM {_t(Appeal)}"
            f" WHERE {_c(Appeal, 'region')} = %s AND {_q('status')} = %s"
            f" AND {_c(Appeal, 'resolved_on')} >= %s AND {_c(Appeal, 'resolved_on')} <= %s",
            [region_id, Appeal.Status.RESOLVED, start, end],
        )
    if measure == Measure.LEADS_SIGNED:
        from django.apps import apps

        if not apps.is_installed("tuijin.outreach"):
            return None
        Lead = apps.get_model("outreach", "Lead")
        return (
            f"SELECT {_c(Lead, 'converted_on')} FROM {_t(Lead)}"
            f" WHERE {_c(Lead, 'region')} = %s"
            f" AND {_c(Lead, 'converted_on')} >= %s AND {_c(Lead, 'converted_on')} <= %s",
            [region_id, start, end],
        )
    if measure == Measure.NEW_ABOVE_SCALE:
        from tuijin.enterprises.models import Enterprise

        years_sql, years = _in(range(start.year, end.year + 1))
        return (
            f"SELECT COUNT(*) FROM {_t(Enterprise)} WHERE {_c(Enterprise, 'region')} = %s"
            f" AND {_c(Enterprise, 'above_scale')} = %s"
            f" AND {_c(Enterprise, 'above_scale_year')} IN {years_sql}",
            [region_id, True, *years],
        )
    if measure == Measure.CUSTOM and target_id is not None:
        return (
            f"SELECT {_q('month')}, {_q('value')} FROM {_t(MonthlyActual)}"
            f" WHERE {_c(MonthlyActual, 'target')} = %s AND {_q('month')} >= %s"
            f" AND {_q('month')} <= %s",
            [target_id, start.replace(day=1), end],
        )
    return None


def drive_statements(campaign) -> Floor:
    """The drive page's figures: each target's measure, and the task forces' lagging projects."""
    from tuijin.drives.models import Target, TaskForce, TaskForceProject
    from tuijin.projects.models import Light, Project

    pid = _q("id")
    statements: list[Statement] = [
        (
            f"SELECT {pid}, {_q('name')}, {_q('measure')}, {_q('value')},"
            f" {_c(Target, 'task_force')} FROM {_t(Target)} WHERE {_c(Target, 'campaign')} = %s",
            [campaign.pk],
        ),
        (
            f"SELECT {pid}, {_q('name')}, {_c(TaskForce, 'head')} FROM {_t(TaskForce)}"
            f" WHERE {_c(TaskForce, 'campaign')} = %s",
            [campaign.pk],
        ),
    ]
    owned: dict[int, list[int]] = {}
    for task_force_id, project_id in TaskForceProject.objects.filter(campaign=campaign).values_list(
        "task_force_id", "project_id"
    ):
        owned.setdefault(task_force_id, []).append(project_id)
    members: dict[int, list[int]] = {}
    for task_force in TaskForce.objects.filter(campaign=campaign).prefetch_related("members"):
        people = [m.pk for m in task_force.members.all()]
        if task_force.head_id:
            people.append(task_force.head_id)
        members[task_force.pk] = people
    for target in Target.objects.filter(campaign=campaign):
        task_force = target.task_force_id
        statement = measure_statement(
            target.measure,
            campaign.region_id,
            campaign.start_date,
            campaign.end_date,
            project_ids=owned.get(task_force, []) if task_force else None,
            person_ids=members.get(task_force, []) if task_force else None,
            target_id=target.pk,
        )
        if statement is not None:
            statements.append(statement)
    tfp, p = _t(TaskForceProject), _t(Project)
    statements.append(
        (
            f"SELECT t.{_c(TaskForceProject, 'task_force')}, p.{pid}, p.{_q('name')},"
            f" p.{_q('light')}, p.{_c(Project, 'light_reasons')} FROM {tfp} t"
            f" JOIN {p} p ON p.{pid} = t.{_c(TaskForceProject, 'project')}"
            f" WHERE t.{_c(TaskForceProject, 'campaign')} = %s AND p.{_q('light')} IN (%s, %s)",
            [campaign.pk, Light.RED, Light.YELLOW],
        )
    )

    first = -len(statements)  # the drive's results are the last ones, when run with others
    lagging_at = len(statements) - 1

    def follow(results: list[list]) -> list[Statement]:
        lagging = [row[1] for row in results[first:][lagging_at]]
        return _responsibles(lagging) if lagging else []

    return Floor(statements, follow)


def annual_statements(region_id: int, year: int) -> list[Statement]:
    """The year's targets of the cockpit, each its measure over the year."""
    from tuijin.drives.models import AnnualTarget

    statements = []
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for target in AnnualTarget.objects.filter(region_id=region_id, year=year):
        statement = measure_statement(target.measure, region_id, start, end)
        if statement is not None:
            statements.append(statement)
    return statements
