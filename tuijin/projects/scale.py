"""Key projects at scale (part 10): about 400 projects per county with years of weekly reports.

Per county: a stage mix (about 10% in talks, 12% signed, 58% started, 15% completed, 5%
dropped, varying from county to county like the number of projects and the share in trouble),
names, figures and places in the demo's vocabulary, contact leaders, lead departments, host
townships and platforms, responsible persons, annual plans, milestones from the templates,
weekly progress reports since each start (the county reports weekly: about 40,000 reports),
problems (most closed, some open and overdue), a few site checks and the light history.

Like the demo, each project not yet finished is given a target light and a cause (behind the
time-elapsed schedule, missing reports, a milestone overdue or due in days, not registered in
the statistics, late to start) and its figures and dates are drawn to produce it; then
``lights.recompute`` (bulk) sets the light and its reasons by the ordinary rules. About 10%
red, 20% yellow.

Reports, milestones and the light history are written with ``insert_rows`` (one prepared
INSERT, no model instances): at province scale they are millions of rows.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.utils import timezone

from tuijin.core.models import Person, Unit
from tuijin.core.roles import DirectoryRole
from tuijin.core.scale import (
    BATCH,
    ScaleContext,
    add_workdays,
    insert_rows,
    moments,
    prep,
    register,
)

from . import lights, services
from .demo import (
    BRANDS,
    CATEGORY_WEIGHTS,
    CITY_ROADS,
    CLUSTERS,
    DROP_REASONS,
    FAMILIES,
    FLOORS,
    IN_PROGRESS_MEASURES,
    MATERIALS,
    PARTS,
    PHASES,
    POST_START,
    PROBLEMS,
    PRODUCTS,
    PROGRESS,
    PROGRESS_KIND,
    RED_CAUSES,
    SITE_FINDINGS,
    STREETS,
    VILLAGES,
    YELLOW_CAUSES,
    Family,
    project_content,
    project_investor,
)
from .models import (
    AnnualPlan,
    Category,
    Level,
    Light,
    LightChange,
    Milestone,
    MilestoneTemplate,
    Nature,
    PeriodKind,
    Problem,
    ProgressReport,
    Project,
    ProjectPerson,
    ProjectRules,
    SiteCheck,
    Stage,
)
from .periods import period_start

PROJECTS_PER_COUNTY = 400  # on average: each county draws 85% to 115% of it
STAGE_SHARES = [
    (Stage.NEGOTIATING, 0.10),
    (Stage.SIGNED, 0.12),
    (Stage.STARTED, 0.58),
    (Stage.COMPLETED, 0.15),
    (Stage.DROPPED, 0.05),
]
STARTED_LIGHTS = {"green": 0.60, "yellow": 0.26, "red": 0.14}
WAITING_LIGHTS = {"green": 0.63, "yellow": 0.25, "red": 0.12}
RECENT_PROBLEMS = 90  # raised in the last weeks' reports, per county
OLD_PROBLEMS = 40  # raised earlier, nearly all closed
SITE_CHECKS = 10
WEEK = dt.timedelta(days=7)
# Open milestones are planned at least this far ahead unless a light is to come from one.
CLEAR_DAYS = 24


class _Plan:
    """One project being drawn, with what its records need."""

    __slots__ = (
        "project",
        "family",
        "spec",
        "light",
        "cause",
        "duration",
        "periods",
        "amounts",
        "plans",
        "problems",
        "people",
        "milestones",
        "history",
    )

    def __init__(self, project: Project, family: Family, spec: dict) -> None:
        self.project, self.family, self.spec = project, family, spec
        self.light, self.cause, self.duration = "green", "", 24
        self.periods: list[dt.date] = []  # reported weeks, oldest first
        self.amounts: list[int] = []  # 万元 reported for each of ``periods``
        self.plans: dict[int, int] = {}
        self.problems: dict[dt.date, int] = {}  # reported week -> index in PROBLEMS
        self.people: list[tuple[Person, str]] = []
        self.milestones: list[list] = []  # [name, order, planned, actual]
        self.history: list[tuple[dt.date, str, str]] = []  # (day, light, previous)


def _months(day: dt.date, months: int, dom: int = 1) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(dom, 28))


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` whole 万元 spread over ``weights``, summing exactly."""
    if not weights:
        return []
    scale = sum(weights)
    if scale <= 0:
        weights, scale = [1.0] * len(weights), float(len(weights))
    parts = [int(total * w / scale) for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -weights[i])
    for i in range(total - sum(parts)):
        parts[order[i % len(order)]] += 1
    return parts


@register(10, "重点项目")
def seed_projects(ctx: ScaleContext) -> None:
    services.ensure_milestone_templates()
    templates: dict[str, list[MilestoneTemplate]] = {}
    for template in MilestoneTemplate.objects.order_by("category", "order"):
        templates.setdefault(template.category, []).append(template)
    ctx.ids.setdefault("projects", {})
    # Converters shared by all counties: the same dates and moments recur in every county.
    shared = {
        "date": _memo(prep(ProgressReport, "period")),
        "moment": _memo(moments(ProgressReport, "submitted_at"), key=True),
    }
    for county in ctx.counties:
        _County(ctx, county, templates, shared).run()


class _County:
    def __init__(self, ctx: ScaleContext, county, templates, shared: dict) -> None:
        self.ctx, self.county, self.templates, self.shared = ctx, county, templates, shared
        self.rng = ctx.rng_for("projects", county)
        self.today = ctx.today
        units = ctx.units[county.pk]
        self.units = {u.name: u for u in units}
        self.townships = [u for u in units if u.kind == Unit.Kind.TOWNSHIP]
        self.platforms = [u for u in units if u.kind == Unit.Kind.PLATFORM]
        self.staff: dict[int, dict[str, list[Person]]] = {}
        self.users: dict[int, int] = {}  # unit id -> the liaison's account
        for person in ctx.people[county.pk]:
            by_role = self.staff.setdefault(person.unit_id, {})
            for role in person.directory_roles:
                by_role.setdefault(role, []).append(person)
                if role == DirectoryRole.UNIT_LIAISON and person.user_id:
                    self.users[person.unit_id] = person.user_id
        leaders = ctx.leaders[county.pk]
        self.principals = [p for p in leaders if DirectoryRole.PRINCIPAL in p.directory_roles]
        self.leaders = [p for p in leaders if DirectoryRole.PRINCIPAL not in p.directory_roles]
        self.this_week = period_start(self.today, PeriodKind.WEEK)
        self.last_week = self.this_week - WEEK
        self.elapsed = float(lights.elapsed_share(self.today)) * 100
        self.short = county.name.removesuffix("县")
        self.names: set[str] = set()
        lat, lon = self.rng.uniform(24, 32), self.rng.uniform(105, 117)
        self.centres = {
            u.pk: (lat + self.rng.uniform(-0.2, 0.2), lon + self.rng.uniform(-0.25, 0.25))
            for u in units
        }

    # --- Helpers -----------------------------------------------------------------------

    def _pick(self, weighted):
        items, weights = zip(*weighted, strict=True)
        return self.rng.choices(items, weights=weights)[0]

    def _person(self, unit: Unit | None, *roles: str) -> Person | None:
        if unit is None:
            return None
        by_role = self.staff.get(unit.pk, {})
        for role in roles:
            if by_role.get(role):
                return self.rng.choice(by_role[role])
        return None

    # --- Drawing -----------------------------------------------------------------------

    def run(self) -> None:
        ProjectRules.objects.create(region=self.county, period_kind=PeriodKind.WEEK)
        rng = self.rng
        # Counties differ: how many projects, how far along, how well they go.
        count = round(PROJECTS_PER_COUNTY * rng.uniform(0.85, 1.15))
        shares = [(stage, share * rng.uniform(0.8, 1.2)) for stage, share in STAGE_SHARES]
        scale = sum(share for _, share in shares)
        stages: list[str] = []
        for stage, share in shares:
            stages += [stage] * round(count * share / scale)
        rng.shuffle(stages)
        self.trouble = {"red": rng.uniform(0.6, 1.4), "yellow": rng.uniform(0.75, 1.25)}
        plans = [self.draw(stage) for stage in stages]
        self.rank(plans)
        self.assign_lights(plans)
        for plan in plans:
            self.timeline(plan)
            self.milestones(plan)
        self.codes(plans)
        self.choose_problems(plans)
        self.write(plans)
        lights.recompute(Project.objects.filter(region=self.county), self.today)

    def draw(self, stage: str) -> _Plan:
        rng = self.rng
        category = self._pick(CATEGORY_WEIGHTS)
        for attempt in range(40):
            family = self._pick([(f, f.weight) for f in FAMILIES[category]])
            host = self.host_for(family)
            name, spec = self.name_for(family, host)
            if name not in self.names:
                break
            if attempt == 39:
                name = f"{name}（{PHASES[3]}期·{len(self.names)}）"
        self.names.add(name)
        total = 10 ** rng.triangular(2.7, 5.3, 3.9)
        if name.startswith("县") or family.kind in ("road", "power"):
            total *= 1.6
        total = min(max(total, 500), 200000)
        step = 10 if total < 2000 else 100 if total < 20000 else 500
        total = int(round(total / step) * step)
        department = self.units[rng.choice(family.departments)]
        lat, lon = self.centres[host.pk]
        project = Project(
            region=self.county,
            name=name,
            stage=stage,
            category=category,
            industry=family.industry,
            content=self.content_for(family, spec, total),
            address=f"{host.name}{rng.choice(STREETS)}"
            if host.kind == Unit.Kind.PLATFORM
            else f"{host.name}{rng.choice(VILLAGES)}村",
            latitude=Decimal(f"{lat + rng.uniform(-0.03, 0.03):.6f}"),
            longitude=Decimal(f"{lon + rng.uniform(-0.03, 0.03):.6f}"),
            total_investment=Decimal(total),
            investor_name=self.investor_for(family, department),
            host_unit=host,
            lead_department=department,
        )
        plan = _Plan(project, family, spec)
        first = self._person(host, DirectoryRole.UNIT_DEPUTY, DirectoryRole.UNIT_LIAISON)
        if rng.random() < 0.3:
            first = self._person(host, DirectoryRole.UNIT_LIAISON) or first
        plan.people.append((first, "责任人"))
        if rng.random() < 0.55:
            second = self._person(department, DirectoryRole.UNIT_DEPUTY, DirectoryRole.UNIT_HEAD)
            if second and second != first:
                plan.people.append((second, "责任人"))
        return plan

    def host_for(self, family: Family) -> Unit:
        rng = self.rng
        chengguan = self.townships[0]
        if family.host == "county":
            return chengguan
        if family.host == "platform" or (family.host == "any" and rng.random() < 0.6):
            return rng.choice(self.platforms)
        weights = [2.5 if u == chengguan else 1 for u in self.townships]
        return rng.choices(self.townships, weights=weights)[0]

    def name_for(self, family: Family, host: Unit) -> tuple[str, dict]:
        rng = self.rng
        if host.kind == Unit.Kind.PLATFORM:
            short = host.name.replace("经济开发区", "经开区").replace("高新技术产业园", "高新区")
        else:
            short = host.name[:-1]
        pattern = rng.choice(family.names)
        if "{scenic}" in pattern:
            pattern = "{A}文旅综合体项目"
        values = {
            "A": short,
            "B": rng.choice([t.name[:-1] for t in self.townships if t != host]),
            "H": host.name,
            "P": rng.choice(PHASES[:3]),
            "n": rng.choice([1, 2, 3, 5, 8, 10, 20, 30, 50]),
            "g": rng.choice([235, 320, 528, 206, 316]),
            "k": rng.choice(["二", "三", "四"]),
            "road": rng.choice(CITY_ROADS).replace("清溪", self.short),
            "year": self.today.year + rng.choice([-1, 0, 0, 1]),
            "material": rng.choice(MATERIALS),
            "part": rng.choice(PARTS),
            "cluster": rng.choice(CLUSTERS),
            "brand": rng.choice(BRANDS) if rng.random() < 0.5 else "",
            "product": rng.choice(PRODUCTS),
        }
        spec = {
            "length": round(rng.uniform(2, 25), 1),
            "floors": rng.randint(*FLOORS.get(family.kind, (4, 12))),
            "count": rng.randint(2, 12),
        }
        return pattern.format(**values), spec

    def content_for(self, family: Family, spec: dict, total: int) -> str:
        return project_content(family, spec, total, self.rng)

    def investor_for(self, family: Family, department: Unit) -> str:
        return project_investor(family, department, self.county.name, self.rng)

    def rank(self, plans: list[_Plan]) -> None:
        """Levels and majors mostly to the largest; principals lead many of the majors."""
        rng, n = self.rng, len(plans)
        by_size = sorted(
            plans, key=lambda p: -(math.log(float(p.project.total_investment)) + rng.gauss(0, 0.6))
        )
        for index, plan in enumerate(by_size):
            plan.project.level = (
                Level.PROVINCE
                if index < n * 0.1
                else Level.CITY
                if index < n * 0.35
                else Level.COUNTY
            )
            plan.project.is_major = index < n * 0.1
        for plan in plans:
            share = 0.45 if plan.project.is_major else 0.05
            pool = self.principals if rng.random() < share else self.leaders
            plan.project.contact_leader = rng.choice(pool or self.leaders or self.principals)

    def assign_lights(self, plans: list[_Plan]) -> None:
        rng = self.rng
        started = [p for p in plans if p.project.stage == Stage.STARTED]
        waiting = [p for p in plans if p.project.stage in (Stage.NEGOTIATING, Stage.SIGNED)]
        for group, shares in ((started, STARTED_LIGHTS), (waiting, WAITING_LIGHTS)):
            targets = ["yellow"] * round(len(group) * shares["yellow"] * self.trouble["yellow"])
            targets += ["red"] * round(len(group) * shares["red"] * self.trouble["red"])
            targets += ["green"] * (len(group) - len(targets))
            rng.shuffle(targets)
            for plan, light in zip(group, targets, strict=True):
                plan.light = light
        for plan in started:
            if plan.light == "yellow":
                plan.cause = self._pick(YELLOW_CAUSES)
            elif plan.light == "red":
                plan.cause = self._pick(RED_CAUSES)
            if plan.cause == "progress" and self.elapsed < (50 if plan.light == "red" else 35):
                plan.cause = "missing"
        for plan in waiting:
            if plan.light == "yellow":
                plan.cause = self._pick([("late", 60), ("soon", 40)])
            elif plan.light == "red":
                plan.cause = "late"
        for plan in plans:
            if plan.project.stage == Stage.DROPPED:
                plan.light = Light.NONE

    # --- Timelines and money -----------------------------------------------------------

    def timeline(self, plan: _Plan) -> None:
        stage, project = plan.project.stage, plan.project
        if stage == Stage.STARTED:
            self.started(plan)
        elif stage == Stage.COMPLETED:
            self.completed(plan)
        elif stage == Stage.DROPPED:
            self.dropped(plan)
        else:
            self.waiting(plan)
        start = project.actual_start or project.planned_start
        if start:
            project.start_year = start.year
            project.end_year = _months(start, plan.duration).year
        if plan.periods:
            project.invested_total = Decimal(sum(plan.amounts))
            project.last_report_period = plan.periods[-1]
        project.light = plan.light

    def _weeks(self, first: dt.date, last: dt.date, keep: set | None = None) -> list[dt.date]:
        """Reported weeks from ``first`` to ``last``; an old week now and then was never
        reported (a gap followed by reports is history, not a light)."""
        rng, weeks = self.rng, []
        week = period_start(first, PeriodKind.WEEK)
        old = self.this_week - 6 * WEEK
        while week <= last:
            if week >= old or rng.random() >= 0.015 or not weeks:
                weeks.append(week)
            week += WEEK
        return weeks

    def _pace(self, week: dt.date, index: int) -> float:
        """A week's share of the normal pace: slow first weeks, Spring Festival, idle weeks."""
        rng = self.rng
        if index > 1 and rng.random() < 0.04:
            return 0.0
        weight = rng.uniform(0.5, 1.5)
        if index < 2:
            weight *= 0.4
        if (week.month == 1 and week.day >= 20) or (week.month == 2 and week.day <= 20):
            weight *= 0.4
        return weight

    def started(self, plan: _Plan) -> None:
        rng, today, project = self.rng, self.today, plan.project
        total = int(project.total_investment)
        if plan.cause == "stats" and plan.light == "yellow":
            start = today - dt.timedelta(days=rng.randint(35, 50))
            back = 2
        else:
            low = {"missing": 4, "stats": 3}.get(plan.cause, 2)
            # Left out of the statistics for a few months, not for years.
            high = 12 if plan.cause == "stats" else 60
            back = low + int(rng.random() ** 0.8 * (high - low))
            start = _months(today, -back, rng.randint(1, 28))
        project.actual_start = start
        project.planned_start = _months(start, -rng.choice([0, 0, 0, 1, 1, 2, 3]))
        project.nature = Nature.NEW if start.year == today.year else Nature.CONTINUING
        project.registered_in_stats = plan.cause != "stats"
        if project.registered_in_stats:
            project.registered_on = min(start + dt.timedelta(days=rng.randint(5, 35)), today)
        if project.category == Category.INDUSTRY:
            project.signed_on = start - dt.timedelta(days=rng.randint(60, 300))
            project.contract_amount = Decimal(int(total * rng.uniform(0.8, 1.0)))
        large = 8 if total > 50000 else 0
        plan.duration = max(back + rng.randint(4, 18), rng.randint(12, 40) + large)

        if plan.cause == "progress":
            gap = (
                rng.uniform(13, 27)
                if plan.light == "yellow"
                else rng.uniform(36, min(60, self.elapsed - 4))
            )
        elif plan.light == "red" and rng.random() < 0.35 and self.elapsed > 30:
            gap = rng.uniform(12, 26)
        else:
            gap = rng.uniform(-14, 5)
        missing = set()
        if plan.cause == "missing":
            missing = {self.last_week}
            if plan.light == "red":
                missing.add(self.last_week - WEEK)
        weeks = [w for w in self._weeks(start, self.last_week) if w not in missing]
        pace = total / (plan.duration * 4.35)
        before = [w for w in weeks if w.year < today.year]
        this_year = [w for w in weeks if w.year == today.year]
        amounts = [round(self._pace(w, i) * pace) for i, w in enumerate(before)]
        if sum(amounts) > total * 0.75:
            amounts = _split(int(total * 0.75), [a + 0.01 for a in amounts])
        done_before = sum(amounts)

        completion = max(0.0, self.elapsed - gap) / 100
        year_start = dt.date(today.year, 1, 1)
        active_weeks = (
            52 if start < year_start else max(1, (dt.date(today.year, 12, 31) - start).days // 7)
        )
        room = total - done_before
        wanted = pace * active_weeks * rng.uniform(0.85, 1.2)
        planned = min(wanted, room / max(1.0, completion) * 0.98)
        planned = max(1, int(round(planned / 10) * 10) if planned >= 200 else int(planned))
        plan.plans[today.year] = planned
        ytd = min(int(round(completion * planned)), room) if this_year else 0
        offset = len(before)
        weights = [self._pace(w, offset + i) + 0.01 for i, w in enumerate(this_year)]
        plan.periods = before + this_year
        plan.amounts = amounts + _split(ytd, weights)
        last_year = sum(a for w, a in zip(before, amounts, strict=True) if w.year == today.year - 1)
        if last_year:
            plan.plans[today.year - 1] = max(1, int(last_year / rng.uniform(0.85, 1.1)))

    def completed(self, plan: _Plan) -> None:
        rng, today, project = self.rng, self.today, plan.project
        total = int(project.total_investment)
        done = today - dt.timedelta(days=rng.randint(20, 700))
        plan.duration = rng.randint(12, 40)
        start = _months(done, -plan.duration, rng.randint(1, 28))
        project.actual_start, project.completed_on = start, done
        project.planned_start = _months(start, -rng.choice([0, 0, 1, 2]))
        project.nature = Nature.FINISHING
        project.registered_in_stats = True
        project.registered_on = start + dt.timedelta(days=rng.randint(5, 35))
        if project.category == Category.INDUSTRY:
            project.signed_on = start - dt.timedelta(days=rng.randint(60, 300))
            project.contract_amount = Decimal(int(total * rng.uniform(0.8, 1.0)))
        weeks = self._weeks(start, done)
        n = len(weeks)
        weights = [
            (math.sin(math.pi * (i + 0.5) / n) + 0.3) * rng.uniform(0.6, 1.4) for i in range(n)
        ]
        plan.periods = weeks
        plan.amounts = _split(int(total * rng.uniform(0.93, 1.0)), weights)
        for year in (today.year - 1, today.year):
            in_year = sum(a for w, a in zip(weeks, plan.amounts, strict=True) if w.year == year)
            if in_year:
                plan.plans[year] = max(1, int(in_year / rng.uniform(0.92, 1.08)))

    def waiting(self, plan: _Plan) -> None:
        rng, today, project = self.rng, self.today, plan.project
        project.nature = Nature.PREPARATORY
        if plan.cause == "late":
            ahead = -rng.randint(1, 3) if plan.light == "yellow" else -rng.randint(5, 10)
        else:
            ahead = rng.randint(1, 12)
        project.planned_start = _months(today, ahead)
        plan.duration = rng.randint(14, 36)
        if project.stage == Stage.SIGNED:
            signed = today - dt.timedelta(days=rng.randint(10, 300))
            if project.planned_start < today:
                signed = min(
                    signed, project.planned_start - dt.timedelta(days=rng.randint(20, 120))
                )
            project.signed_on = signed
            total = int(project.total_investment)
            project.contract_amount = Decimal(int(total * rng.uniform(0.7, 1.0)))
            if project.planned_start.year == today.year:
                plan.plans[today.year] = max(1, int(total * rng.uniform(0.1, 0.3)))

    def dropped(self, plan: _Plan) -> None:
        rng, project = self.rng, plan.project
        project.nature = Nature.PREPARATORY
        project.dropped_reason = rng.choice(DROP_REASONS).replace("清溪", self.short)
        project.planned_start = _months(self.today, rng.randint(-14, 4))
        if rng.random() < 0.5:
            project.signed_on = self.today - dt.timedelta(days=rng.randint(120, 600))
            total = int(project.total_investment)
            project.contract_amount = Decimal(int(total * rng.uniform(0.7, 1.0)))
        plan.history.append(
            (self.today - dt.timedelta(days=rng.randint(20, 400)), Light.NONE, Light.GREEN)
        )

    # --- Milestones ----------------------------------------------------------------------

    def milestones(self, plan: _Plan) -> None:
        """The category's milestones: done up to the project's progress, the rest ahead."""
        rng, today, project = self.rng, self.today, plan.project
        templates = self.templates.get(project.category, [])
        if project.stage == Stage.DROPPED or not templates:
            return
        start = project.actual_start or project.planned_start
        rows = []
        for template in templates:
            if template.name in POST_START:
                months = round(plan.duration * POST_START[template.name])
                planned = _months(start, months, rng.randint(5, 28))
            elif template.name == "开工":
                planned = project.planned_start
            else:
                planned = _months(project.planned_start, template.offset_months, 20)
            rows.append([template.name, template.order, planned, None])
        names = [row[0] for row in rows]
        begun = names.index("开工") if "开工" in names else len(rows)
        if project.stage in (Stage.STARTED, Stage.COMPLETED):
            first = (project.signed_on or start - dt.timedelta(days=240)) + dt.timedelta(days=5)
            span = max(1, (project.actual_start - first).days - 5)
            days = sorted(first + dt.timedelta(days=rng.randint(0, span)) for _ in rows[:begun])
            for row, day in zip(rows[:begun], days, strict=True):
                row[3] = project.signed_on if row[0] == "签约" and project.signed_on else day
            if begun < len(rows):
                rows[begun][3] = project.actual_start
            share = sum(plan.amounts) / float(project.total_investment) if plan.amounts else 0
            for row in rows[begun + 1 :]:
                if project.completed_on:
                    offset = 0 if row[0] == "竣工验收" else rng.randint(3, 20)
                    if row[0] == "主体完工":
                        offset = -rng.randint(60, 150)
                    row[3] = min(project.completed_on + dt.timedelta(days=offset), today)
                elif (
                    row[0] == "主体完工"
                    and share >= 0.65
                    and row[2] < today
                    and plan.cause not in ("overdue", "soon")
                ):
                    row[3] = row[2] - dt.timedelta(days=rng.randint(0, 20))
        elif project.stage == Stage.SIGNED:
            for row in rows[:begun]:
                if row[0] == "签约":
                    row[3] = project.signed_on
                elif row[2] <= today - dt.timedelta(days=10) and rng.random() < 0.8:
                    late = row[2] + dt.timedelta(days=rng.randint(-10, 15))
                    row[3] = min(late, today - dt.timedelta(days=1))
        elif project.category != Category.INDUSTRY:
            for row in rows[:begun]:
                if row[0] == "立项/备案" and row[2] < today:
                    row[3] = row[2] + dt.timedelta(days=rng.randint(-10, 5))
        self._schedule_open(plan, [row for row in rows if row[3] is None])
        plan.milestones = rows

    def _schedule_open(self, plan: _Plan, open_rows: list[list]) -> None:
        rng, today = self.rng, self.today
        if not open_rows:
            return
        forced = None
        if plan.cause == "overdue":
            forced = open_rows[0]
            forced[2] = today - dt.timedelta(days=rng.randint(3, 40))
        elif plan.cause == "soon":
            forced = open_rows[0]
            forced[2] = add_workdays(today, rng.randint(1, 3))[0]
        elif plan.cause == "late" and plan.light == "red":
            forced = next((row for row in open_rows if row[0] == "开工"), None)
        floor = today + dt.timedelta(days=CLEAR_DAYS)
        previous = forced[2] if forced and forced[2] > floor else floor
        for row in open_rows:
            if row is forced:
                continue
            if row[2] < max(floor, previous):
                row[2] = max(floor, previous) + dt.timedelta(days=rng.randint(5, 40))
            previous = row[2]

    # --- Codes, problems, history --------------------------------------------------------

    def codes(self, plans: list[_Plan]) -> None:
        """A national project code (24 characters) for about half of them."""
        share = {
            Stage.STARTED: 0.7,
            Stage.COMPLETED: 0.8,
            Stage.SIGNED: 0.4,
            Stage.DROPPED: 0.2,
            Stage.NEGOTIATING: 0.05,
        }
        serials = iter(self.rng.sample(range(1, 999999), len(plans)))
        for plan in plans:
            project = plan.project
            serial = next(serials)
            if self.rng.random() >= share[project.stage]:
                continue
            filed = min(_months(project.actual_start or project.planned_start, -3), self.today)
            kind = "03" if project.category == Category.INDUSTRY else "01"
            project.code = (
                f"{filed.year}-{self.county.code}-{plan.family.code_industry}-{kind}-{serial:06d}"
            )

    def choose_problems(self, plans: list[_Plan]) -> None:
        """Which reports raise a problem: recent ones of projects in trouble, and older ones."""
        rng = self.rng
        pool = [p for p in plans if p.project.stage == Stage.STARTED and p.periods]
        history = [p for p in plans if p.periods]
        weight = {"green": 1, "yellow": 2.5, "red": 3.5}
        for count, recent in ((RECENT_PROBLEMS, True), (OLD_PROBLEMS, False)):
            chosen = 0
            for _ in range(count * 20):
                if chosen >= count or not pool:
                    break
                if recent:
                    plan = rng.choices(pool, weights=[weight[p.light] for p in pool])[0]
                    weeks = plan.periods[-12:]
                    period = rng.choices(weeks, weights=[(i + 1) ** 2 for i in range(len(weeks))])[
                        0
                    ]
                else:
                    plan = rng.choice(history)
                    if len(plan.periods) < 20:
                        continue
                    period = rng.choice(plan.periods[:-16])
                if period in plan.problems or len(plan.problems) >= 3:
                    continue
                kinds = [
                    i
                    for i, kind in enumerate(PROBLEMS)
                    if not kind.kinds or plan.family.kind in kind.kinds
                ]
                plan.problems[period] = rng.choice(kinds)
                chosen += 1

    def light_history(self, plan: _Plan) -> None:
        """Past changes of the light that end in the light the project has now."""
        rng, today = self.rng, self.today
        if plan.project.stage == Stage.DROPPED:
            return
        if plan.light == "green":
            if plan.project.stage == Stage.STARTED and rng.random() < 0.25:
                turned = today - dt.timedelta(days=rng.randint(40, 300))
                back = turned + dt.timedelta(days=rng.randint(7, 35))
                plan.history += [
                    (turned, Light.YELLOW, Light.GREEN),
                    (back, Light.GREEN, Light.YELLOW),
                ]
            return
        came = today - dt.timedelta(days=rng.randint(1, 40))
        if plan.light == "red" and rng.random() < 0.5:
            earlier = came - dt.timedelta(days=rng.randint(7, 60))
            plan.history += [(earlier, Light.YELLOW, Light.GREEN), (came, Light.RED, Light.YELLOW)]
        else:
            plan.history.append((came, plan.light, Light.GREEN))

    # --- Writing -------------------------------------------------------------------------

    def write(self, plans: list[_Plan]) -> None:
        ctx = self.ctx
        projects = Project.objects.bulk_create([p.project for p in plans], batch_size=BATCH)
        ctx.ids["projects"][self.county.pk] = [p.pk for p in projects]
        ctx.add("项目", len(projects))
        people = ProjectPerson.objects.bulk_create(
            (
                ProjectPerson(project=plan.project, person=person, role=role)
                for plan in plans
                for person, role in plan.people
                if person is not None
            ),
            batch_size=BATCH,
        )
        ctx.add("项目责任人", len(people))
        annual = AnnualPlan.objects.bulk_create(
            (
                AnnualPlan(project=plan.project, year=year, planned_investment=Decimal(amount))
                for plan in plans
                for year, amount in sorted(plan.plans.items())
            ),
            batch_size=BATCH,
        )
        ctx.add("年度计划", len(annual))
        date = self.shared["date"]
        ctx.add(
            "项目节点",
            insert_rows(
                Milestone,
                ["project", "name", "order", "planned_date", "actual_date", "responsible_unit"],
                (
                    (
                        plan.project.pk,
                        name,
                        order,
                        date(planned),
                        date(actual) if actual else None,
                        plan.project.lead_department_id,
                    )
                    for plan in plans
                    for name, order, planned, actual in plan.milestones
                ),
            ),
        )
        ctx.add("进度填报", insert_rows(ProgressReport, REPORT_FIELDS, self.report_rows(plans)))
        self.problems(plans)
        self.site_checks(plans)
        moment = moments(LightChange, "changed_at")
        reasons = prep(LightChange, "reasons")([])
        for plan in plans:
            self.light_history(plan)
        ctx.add(
            "亮灯记录",
            insert_rows(
                LightChange,
                ["project", "on_date", "light", "previous", "reasons", "changed_at"],
                (
                    (
                        plan.project.pk,
                        date(day),
                        str(light),
                        str(previous),
                        reasons,
                        moment(day, 2, 0),
                    )
                    for plan in plans
                    for day, light, previous in sorted(plan.history)
                ),
            ),
        )

    def report_rows(self, plans: list[_Plan]):
        """One tuple per report, built cheaply: millions of them at province scale."""
        rng, now_day = self.rng, self.today
        date, moment = self.shared["date"], self.shared["moment"]
        week_kind = str(PeriodKind.WEEK)
        for plan in plans:
            if not plan.periods:
                continue
            project = plan.project
            total = float(project.total_investment)
            user = self.users.get(project.host_unit_id) or self.users.get(
                project.lead_department_id
            )
            phases = PROGRESS[PROGRESS_KIND.get(plan.family.kind, plan.family.kind)]
            spec = plan.spec
            completed_week = (
                period_start(project.completed_on, PeriodKind.WEEK)
                if project.completed_on
                else None
            )
            cumulative, ytd, year, text = 0, 0, None, ""
            texts: dict[int, str] = {}  # progress text by 2% steps of the total done
            for period, amount in zip(plan.periods, plan.amounts, strict=True):
                if period.year != year:
                    year, ytd = period.year, 0
                ytd += amount
                cumulative += amount
                unchanged = amount == 0 and bool(text)
                if period == completed_week:
                    text = (
                        "已竣工投产" if project.category == Category.INDUSTRY else "已完成竣工验收"
                    )
                elif not unchanged:
                    bucket = int(cumulative * 50 / total)
                    text = texts.get(bucket) or texts.setdefault(
                        bucket, _progress_text(phases, cumulative / total, spec)
                    )
                problem = PROBLEMS[plan.problems[period]] if period in plan.problems else None
                roll = rng.random()
                delay = (
                    0
                    if roll < 0.55
                    else 1
                    if roll < 0.8
                    else 2
                    if roll < 0.92
                    else rng.randint(3, 14)
                )
                day = min(period + WEEK + dt.timedelta(days=delay), now_day)
                yield (
                    project.pk,
                    date(period),
                    week_kind,
                    text,
                    amount,
                    cumulative,
                    ytd,
                    problem.text.format(n=3 + len(text) % 9) if problem else "",
                    problem.coordination if problem else "",
                    unchanged,
                    user,
                    moment(day, 8 + int(roll * 97) % 10, int(roll * 6007) % 12 * 5),
                )

    def problems(self, plans: list[_Plan]) -> None:
        rng, today = self.rng, self.today
        wanted = {
            (plan.project.pk, period): (plan, index)
            for plan in plans
            for period, index in plan.problems.items()
        }
        if not wanted:
            return
        found = ProgressReport.objects.filter(
            project_id__in={key[0] for key in wanted},
            period__in={key[1] for key in wanted},
        ).values_list("id", "project_id", "period", "submitted_at", "problems_text")
        rows = []
        for report_id, project_id, period, submitted_at, text in found:
            if (project_id, period) not in wanted:
                continue
            plan, index = wanted[(project_id, period)]
            kind = PROBLEMS[index]
            project = plan.project
            unit = project.host_unit if kind.unit == "host" else self.units[kind.unit]
            person = self._person(
                unit, DirectoryRole.UNIT_DEPUTY, DirectoryRole.UNIT_HEAD
            ) or self._person(unit, DirectoryRole.UNIT_LIAISON)
            raised = timezone.localdate(submitted_at)
            age = (today - raised).days
            if age > 45:
                status = self._pick([("resolved", 82), ("in_progress", 11), ("open", 7)])
            else:
                status = self._pick([("resolved", 25), ("in_progress", 40), ("open", 35)])
            days = rng.choice([5, 10, 10, 15, 20])
            deadline, provisional = add_workdays(raised, days)
            problem = Problem(
                project=project,
                source=Problem.Source.REPORT,
                report_id=report_id,
                description=text,
                responsible_unit=unit,
                responsible_person=person,
                raised_on=raised,
                deadline_days=days,
                deadline=deadline,
                deadline_provisional=provisional,
                status=status,
            )
            if status == "resolved":
                span = max(3, (deadline - raised).days + 8)
                resolved = raised + dt.timedelta(days=rng.randint(2, span))
                problem.resolved_on = min(resolved, today - dt.timedelta(days=1))
                problem.measure = kind.measure
            elif status == "in_progress":
                problem.measure = rng.choice(IN_PROGRESS_MEASURES)
            rows.append(problem)
        rows.sort(key=lambda p: (p.raised_on, p.project.pk))
        Problem.objects.bulk_create(rows, batch_size=BATCH)
        self.ctx.add("存在问题", len(rows))

    def site_checks(self, plans: list[_Plan]) -> None:
        rng, today = self.rng, self.today
        pool = [p for p in plans if p.project.stage == Stage.STARTED]
        weight = {"green": 1, "yellow": 2, "red": 3}
        chosen: list[_Plan] = []
        for _ in range(SITE_CHECKS * 10):
            if len(chosen) >= min(SITE_CHECKS, len(pool)):
                break
            plan = rng.choices(
                pool, weights=[weight[p.light] * (1 + p.project.is_major) for p in pool]
            )[0]
            if plan not in chosen:
                chosen.append(plan)
        checks = []
        for plan in chosen:
            project = plan.project
            checker = project.contact_leader
            if rng.random() < 0.3 and self.principals:
                checker = rng.choice(self.principals)
            visited = today - dt.timedelta(days=rng.randint(1, 75))
            while visited.weekday() >= 5:
                visited -= dt.timedelta(days=1)
            checks.append(
                SiteCheck(
                    project=project,
                    checker=checker,
                    visited_on=visited,
                    findings=rng.choice(SITE_FINDINGS).format(
                        name=project.name, where=rng.choice(["施工现场", "建设现场"])
                    ),
                    recorded_by_id=checker.user_id,
                )
            )
        SiteCheck.objects.bulk_create(checks)
        self.ctx.add("现场察看", len(checks))


REPORT_FIELDS = [
    "project",
    "period",
    "period_kind",
    "progress_text",
    "invested",
    "cumulative_invested",
    "ytd_invested",
    "problems_text",
    "coordination_text",
    "unchanged",
    "submitted_by",
    "submitted_at",
]


def _memo(convert, key: bool = False):
    """``convert`` remembering its answers: dates and moments repeat a lot (``key``: it
    takes several arguments)."""
    cache: dict = {}

    if key:

        def memo_args(*args):
            value = cache.get(args)
            if value is None:
                value = cache[args] = convert(*args)
            return value

        return memo_args

    def memo(value):
        if value not in cache:
            cache[value] = convert(value)
        return cache[value]

    return memo


def _progress_text(phases, share: float, spec: dict) -> str:
    low = 0.0
    last = phases[-1][0]
    for high, pattern in phases:
        if share < high or high == last:
            within = min(1.0, max(0.0, (share - low) / (high - low)))
            return pattern.format(
                p=min(98, max(5, round(within * 100))),
                x=max(0.1, round(spec["length"] * within, 1)),
                L=spec["length"],
                n=max(1, round(spec["floors"] * within)),
            )
        low = high
    return ""
