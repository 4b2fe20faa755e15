"""Supervision at scale (part 20): per county about 30 orders, 4 inspections, 6 meetings.

Orders go to the host units of red and yellow projects (the lights are set by the projects
part) and to findings of the inspections; they run through signing, responding, returning and
accepting with their events on their own dates, and the open ones past their deadline carry
the reminders and escalations the nightly sweep would have made. Meetings assign work
(交办事项, numbered in their own series). Each county gets the default league weights.
"""

from __future__ import annotations

import datetime as dt

from tuijin.core.roles import DirectoryRole
from tuijin.core.scale import BATCH, ScaleContext, add_workdays, aware, register
from tuijin.projects.models import Light, Project, Stage

from .demo_inspections import FINDINGS, NOTES, TOPICS
from .demo_meetings import DECISIONS
from .models import (
    Finding,
    Inspection,
    LeagueWeights,
    Meeting,
    OrderEvent,
    SupervisionOrder,
)

PROJECT_ORDERS = 24
INSPECTIONS = 4
MEETINGS = 6
Status, Kind = SupervisionOrder.Status, OrderEvent.Kind
RESPONSES = (
    "已召开专题会研究，倒排工期，已协调相关部门解决。",
    "已按要求完成整改，佐证材料已报送督查室。",
    "已明确专人负责，相关手续已办结，项目恢复正常推进。",
)
RETURN_REASONS = (
    "反馈内容过于笼统，请补充具体措施和完成时间。",
    "整改佐证材料不全，请补充现场照片。",
)


@register(20, "督查督办")
def seed_supervision(ctx: ScaleContext) -> None:
    for county in ctx.counties:
        _County(ctx, county).run()


def _workday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


class _County:
    def __init__(self, ctx: ScaleContext, county) -> None:
        self.ctx, self.county = ctx, county
        self.rng = ctx.rng_for("supervision", county)
        self.today = ctx.today
        people = ctx.people[county.pk]
        self.inspectors = [p for p in people if DirectoryRole.SUPERVISION in p.directory_roles]
        self.office_user = next((p.user_id for p in self.inspectors if p.user_id), None)
        self.leaders = ctx.leaders[county.pk]
        self.principal = self.leaders[0]
        self.by_unit: dict[int, dict[str, list]] = {}
        for person in people:
            roles = self.by_unit.setdefault(person.unit_id, {})
            for role in person.directory_roles:
                roles.setdefault(role, []).append(person)
        self.units = {u.pk: u for u in ctx.units[county.pk]}
        self.orders: list[tuple[SupervisionOrder, str]] = []

    def person_of(self, unit_id: int):
        roles = self.by_unit.get(unit_id, {})
        for role in (
            DirectoryRole.UNIT_LIAISON,
            DirectoryRole.UNIT_DEPUTY,
            DirectoryRole.UNIT_HEAD,
        ):
            if roles.get(role):
                return roles[role][0]
        return None

    def run(self) -> None:
        rng, today = self.rng, self.today
        LeagueWeights.objects.create(region=self.county)
        projects = list(
            Project.objects.filter(region=self.county)
            .exclude(stage=Stage.DROPPED)
            .order_by("id")
            .values("id", "name", "light", "light_reasons", "host_unit_id", "lead_department_id")
        )
        lagging = [p for p in projects if p["light"] in (Light.RED, Light.YELLOW)]
        rng.shuffle(lagging)
        for project in lagging[:PROJECT_ORDERS]:
            reason = "；".join(project["light_reasons"][:2]) or "推进滞后"
            self.order(
                today - dt.timedelta(days=rng.randint(3, 150)),
                project["host_unit_id"],
                f"关于加快推进{project['name']}的督办"[:120],
                f"经督查，{reason}。请于期限内拿出整改措施、明确完成时间，并书面反馈办理情况。",
                project_id=project["id"],
            )
        self.inspections(projects)
        self.meetings(lagging)
        self.write()

    def order(self, issued_on, unit_id, title, content, **links) -> None:
        person = self.person_of(unit_id)
        if person is None:
            return
        days = self.rng.choice([5, 10, 10, 15])
        deadline, provisional = add_workdays(issued_on, days)
        kind = (
            SupervisionOrder.Kind.ASSIGNMENT if "meeting" in links else SupervisionOrder.Kind.ORDER
        )
        order = SupervisionOrder(
            region=self.county,
            kind=kind,
            year=issued_on.year,
            number=0,
            title=title,
            content=content,
            unit_id=unit_id,
            person=person,
            issued_on=issued_on,
            deadline_days=days,
            deadline=deadline,
            deadline_provisional=provisional,
            issued_by_id=self.office_user,
            **links,
        )
        self.orders.append(order)

    def inspections(self, projects: list[dict]) -> None:
        rng, today = self.rng, self.today
        hosted = [p for p in projects if p["host_unit_id"]]
        self.found: list[tuple[Inspection, list[dict], list[Finding]]] = []
        for index in range(INSPECTIONS):
            day = _workday_on_or_before(
                today - dt.timedelta(days=15 + index * 40 + rng.randint(0, 20))
            )
            visited = rng.sample(hosted, min(len(hosted), rng.randint(3, 6)))
            inspection = Inspection(
                region=self.county,
                topic=rng.choice(TOPICS),
                inspected_on=day,
                notes=rng.choice(NOTES),
                created_by_id=self.office_user,
            )
            findings = []
            for project in visited[: rng.randint(1, 3)]:
                text, requirement = rng.choice(FINDINGS)
                person = self.person_of(project["host_unit_id"])
                days = rng.choice([5, 10, 10, 15, 20])
                deadline, provisional = add_workdays(day, days)
                findings.append(
                    Finding(
                        inspection=inspection,
                        project_id=project["id"],
                        unit_id=project["host_unit_id"],
                        text=text,
                        responsible_person=person,
                        requirement=requirement,
                        deadline_days=days,
                        deadline=deadline,
                        deadline_provisional=provisional,
                    )
                )
            self.found.append((inspection, visited, findings))

    def meetings(self, lagging: list[dict]) -> None:
        rng, today = self.rng, self.today
        heads = [
            people[0]
            for unit_id, roles in self.by_unit.items()
            if self.units[unit_id].kind != "department"
            and (people := roles.get(DirectoryRole.UNIT_HEAD))
        ]
        self.held: list[tuple[Meeting, list]] = []
        for index in range(MEETINGS):
            held_on = _workday_on_or_before(today - dt.timedelta(days=6 + index * 30))
            meeting = Meeting(
                region=self.county,
                title=f"{held_on.year}年{held_on.month}月重点项目调度会",
                held_on=held_on,
                place=f"{self.county.name}政府三楼会议室",
                chair=self.principal,
                summary="会议听取了各乡镇（平台）重点项目推进情况汇报，对红灯项目逐一研究，"
                "明确了交办事项和完成时限。",
                created_by_id=self.office_user,
            )
            self.held.append((meeting, [*self.leaders, *heads]))
            for _ in range(rng.randint(0, 3)):
                if not lagging:
                    break
                project = rng.choice(lagging)
                title, content = DECISIONS[rng.randrange(len(DECISIONS))]
                self.order(
                    held_on,
                    project["host_unit_id"],
                    title.format(p=project["name"])[:120],
                    content,
                    project_id=project["id"],
                    meeting=meeting,
                )

    def write(self) -> None:
        ctx = self.ctx
        inspections = Inspection.objects.bulk_create([i for i, _, _ in self.found])
        Finding.objects.bulk_create([f for _, _, found in self.found for f in found])
        Inspection.projects.through.objects.bulk_create(
            Inspection.projects.through(inspection_id=i.pk, project_id=p["id"])
            for i, visited, _ in self.found
            for p in visited
        )
        Inspection.inspectors.through.objects.bulk_create(
            Inspection.inspectors.through(inspection_id=i.pk, person_id=p.pk)
            for i in inspections
            for p in self.inspectors
        )
        Inspection.units.through.objects.bulk_create(
            Inspection.units.through(inspection_id=i.pk, unit_id=unit_id)
            for i, visited, _ in self.found
            for unit_id in sorted({p["host_unit_id"] for p in visited})
        )
        ctx.add("督查", len(inspections))
        meetings = Meeting.objects.bulk_create([m for m, _ in self.held])
        Meeting.attendees.through.objects.bulk_create(
            Meeting.attendees.through(meeting_id=m.pk, person_id=p.pk)
            for m, attendees in self.held
            for p in attendees
        )
        ctx.add("调度会", len(meetings))
        # Findings past their deadline became orders, as the office does.
        for inspection, _, findings in self.found:
            for finding in findings:
                if finding.deadline < self.today and self.rng.random() < 0.6:
                    self.order(
                        add_workdays(finding.deadline, 1)[0],
                        finding.unit_id,
                        f"关于督查发现问题整改的督办（{inspection.inspected_on:%m月%d日}督查）",
                        f"{finding.text}整改要求：{finding.requirement}",
                        project_id=finding.project_id,
                        finding=finding,
                    )
        self.orders.sort(key=lambda o: (o.kind, o.issued_on, o.title))
        numbers: dict[tuple[str, int], int] = {}
        for order in self.orders:
            key = (order.kind, order.year)
            numbers[key] = numbers.get(key, 0) + 1
            order.number = numbers[key]
        events = [event for order in self.orders for event in self.life(order)]
        SupervisionOrder.objects.bulk_create(self.orders, batch_size=BATCH)
        OrderEvent.objects.bulk_create(events, batch_size=BATCH)
        ctx.add("督办单", len(self.orders))
        ctx.add("督办记录", len(events))

    def life(self, order: SupervisionOrder) -> list[OrderEvent]:
        """The order's steps up to today; it ends in the status the steps reached."""
        rng, today = self.rng, self.today
        unit_user = order.person.user_id
        events = []

        def step(kind: str, day: dt.date, text: str = "", actor=None) -> None:
            day = min(day, today)
            events.append(
                OrderEvent(
                    order=order,
                    kind=kind,
                    on_date=day,
                    at=aware(day, 9 + len(events) % 8, rng.randint(0, 59)),
                    actor_id=actor,
                    text=text,
                )
            )

        step(
            Kind.ISSUED,
            order.issued_on,
            f"下发给{self.units[order.unit_id].name}，责任人{order.person.name}",
            self.office_user,
        )
        age = (today - order.issued_on).days
        roll = rng.random()
        reach = (
            "issued"
            if roll < (0.5 if age < 5 else 0.1)
            else "signed"
            if roll < (0.8 if age < 10 else 0.25)
            else "responded"
            if roll < 0.4
            else "returned"
            if roll < 0.48
            else "accepted"
        )
        status = Status.ISSUED
        if reach != "issued":
            signed = order.issued_on + dt.timedelta(days=rng.randint(0, 2))
            step(Kind.SIGNED, signed, actor=unit_user)
            status = Status.SIGNED
            if reach != "signed":
                late = rng.random() < 0.2
                responded = (
                    order.deadline + dt.timedelta(days=rng.randint(1, 6))
                    if late
                    else max(signed, order.deadline - dt.timedelta(days=rng.randint(0, 4)))
                )
                step(Kind.RESPONDED, responded, rng.choice(RESPONSES), unit_user)
                status = Status.RESPONDED
                if reach == "returned":
                    step(
                        Kind.RETURNED,
                        responded + dt.timedelta(days=1),
                        rng.choice(RETURN_REASONS),
                        self.office_user,
                    )
                    status = Status.RETURNED
                elif reach == "accepted":
                    accepted = min(responded + dt.timedelta(days=rng.randint(0, 3)), today)
                    step(Kind.ACCEPTED, accepted, "同意办结", self.office_user)
                    status, order.accepted_on = Status.ACCEPTED, accepted
        if status != Status.ACCEPTED and order.deadline < today:
            step(Kind.REMINDED, order.deadline, "系统催办：今日到期")
            overdue = (today - order.deadline).days
            if overdue > 4:
                step(
                    Kind.ESCALATED,
                    order.deadline + dt.timedelta(days=5),
                    "逾期 3 个工作日，升级报联系县领导",
                )
                order.escalation = SupervisionOrder.Escalation.CONTACT_LEADER
            if overdue > 12:
                step(
                    Kind.ESCALATED,
                    order.deadline + dt.timedelta(days=13),
                    "逾期 8 个工作日，升级报主要领导",
                )
                order.escalation = SupervisionOrder.Escalation.PRINCIPAL
        order.status = status
        return events
