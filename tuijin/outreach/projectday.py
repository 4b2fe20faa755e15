"""The weekly project day (每周项目日): days each county leader spent on project work.

「一周要安排一天以上的时间谈项目」: nobody checks in. The days are read from what is recorded
anyway: outreach trips, on-site checks (SiteCheck), enterprise visits (Visit), scheduling
meetings (supervision Meeting: chair or attendee) and project meetings of the discipline
register (convener or invitee; only meetings allowed or approved under the convening rule
count: refused or still pending ones do not).

How a day counts (per leader, per ISO week, working days only):
- each working day counts at most once, whatever the number of records that day;
- a site check, a visit or a meeting fills the day (1);
- a trip fills the days between its start and end; its first day counts only the afternoon
  when it left in the afternoon, its last day only the morning when it came back in the
  morning (0.5 each); a morning and an afternoon of two half-day trips make a whole day,
  and any other record on a half day fills it;
- weekends and holidays are not counted (the rule is about the working week); a make-up
  working day (调休) is.
The week's requirement is the county's rule (1 day by default) but never more than the
week's working days; a week without working days (Spring Festival) has none.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from tuijin.core.models import Person, notify_many
from tuijin.core.roles import DirectoryRole
from tuijin.core.workdays import WorkCalendar

from .models import Half, OutreachTrip, ProjectDayReminder, ProjectDayRule

ONE_DAY = dt.timedelta(days=1)
FULL = frozenset({Half.AM, Half.PM})


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week of ``day``."""
    return day - dt.timedelta(days=day.weekday())


def county_leaders(region_id: int) -> QuerySet[Person]:
    """The leaders the rule applies to: the county leaders (县领导), not the principals."""
    return (
        Person.objects.filter(region_id=region_id, roles__role=DirectoryRole.LEADER)
        .distinct()
        .order_by("order", "id")
    )


# --- Reading the records ------------------------------------------------------------------


def _mark(halves, person_id: int, day: dt.date, parts) -> None:
    halves[(person_id, day)] |= parts


def _trip_halves(halves, person_ids, start: dt.date, end: dt.date) -> None:
    trips = OutreachTrip.leaders.through.objects.filter(
        person_id__in=person_ids,
        outreachtrip__start_date__lte=end,
        outreachtrip__end_date__gte=start,
    ).values_list(
        "person_id",
        "outreachtrip__start_date",
        "outreachtrip__start_half",
        "outreachtrip__end_date",
        "outreachtrip__end_half",
    )
    for person_id, s_date, s_half, e_date, e_half in trips:
        day = max(s_date, start)
        while day <= min(e_date, end):
            parts = set(FULL)
            if day == s_date and s_half == Half.PM:
                parts.discard(Half.AM)
            if day == e_date and e_half == Half.AM:
                parts.discard(Half.PM)
            _mark(halves, person_id, day, parts)
            day += ONE_DAY


def _full_days(person_ids, start: dt.date, end: dt.date):
    """(person, day) of the records that fill a day: checks, visits, meetings; read in one
    statement (UNION ALL of every kind of record), whatever the number of kinds."""
    from tuijin.enterprises.models import Visit
    from tuijin.projects.models import SiteCheck
    from tuijin.supervision.models import Meeting as SchedulingMeeting

    meetings = SchedulingMeeting.objects.filter(held_on__range=(start, end))
    parts = [
        SiteCheck.objects.filter(
            checker_id__in=person_ids, visited_on__range=(start, end)
        ).values_list("checker_id", "visited_on"),
        Visit.visitors.through.objects.filter(
            person_id__in=person_ids, visit__visited_on__range=(start, end)
        ).values_list("person_id", "visit__visited_on"),
        meetings.filter(chair_id__in=person_ids).values_list("chair_id", "held_on"),
        SchedulingMeeting.attendees.through.objects.filter(
            person_id__in=person_ids, meeting__held_on__range=(start, end)
        ).values_list("person_id", "meeting__held_on"),
        *_discipline_meetings(person_ids, start, end),
    ]
    first, *others = [part.order_by() for part in parts]  # no ORDER BY inside a UNION
    return first.union(*others, all=True)


def _discipline_meetings(person_ids, start: dt.date, end: dt.date) -> list[QuerySet]:
    """Project meetings of the discipline register (convener, invitees), when that module is
    installed."""
    if not apps.is_installed("tuijin.discipline"):
        return []
    Meeting = apps.get_model("discipline", "Meeting")
    meetings = Meeting.objects.filter(held_on__range=(start, end)).filter(
        Q(about_projects=True) | Q(project__isnull=False)
    )
    convened = getattr(Meeting, "CONVENED", None)  # allowed or approved: held by the rules
    if convened:
        meetings = meetings.filter(status__in=list(convened))
    else:
        meetings = meetings.exclude(status="refused")
    return [
        meetings.filter(convener_id__in=person_ids).values_list("convener_id", "held_on"),
        meetings.filter(invitees__in=person_ids).values_list("invitees", "held_on"),
    ]


def day_credits(
    person_ids, start: dt.date, end: dt.date, calendar: WorkCalendar | None = None
) -> dict[tuple[int, dt.date], Decimal]:
    """Project-day credit (0.5 or 1) per (person, working day) between start and end."""
    person_ids = set(person_ids)
    calendar = calendar or WorkCalendar()
    halves: dict[tuple[int, dt.date], set] = defaultdict(set)
    _trip_halves(halves, person_ids, start, end)
    for person_id, day in _full_days(person_ids, start, end):
        if person_id in person_ids:
            _mark(halves, person_id, day, FULL)
    return {
        key: Decimal(len(parts)) / 2
        for key, parts in halves.items()
        if parts and calendar.is_workday(key[1])
    }


# --- Weeks --------------------------------------------------------------------------------


@dataclass
class Week:
    start: dt.date
    workdays: list[dt.date]
    required: Decimal
    finished: bool  # the week's last working day is over (or today is it)

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)

    @property
    def workday_count(self) -> int:
        return len(self.workdays)

    @property
    def last_workday(self) -> dt.date | None:
        return self.workdays[-1] if self.workdays else None

    @property
    def label(self) -> str:
        iso = self.start.isocalendar()
        return f"{iso.year}年第{iso.week}周"

    @property
    def span(self) -> str:
        return f"{self.start:%m.%d}–{self.end:%m.%d}"


@dataclass
class Cell:
    days: Decimal
    status: str  # met / short / running / exempt
    dates: list[dt.date] = field(default_factory=list)

    @property
    def status_display(self) -> str:
        return {
            "met": "达标",
            "short": "未达标",
            "running": "本周进行中",
            "exempt": "节假日",
        }[self.status]


@dataclass
class Row:
    person: Person
    cells: list[Cell]

    @property
    def short_weeks(self) -> int:
        return sum(c.status == "short" for c in self.cells)

    @property
    def total(self) -> Decimal:
        return sum((c.days for c in self.cells), Decimal("0"))


@dataclass
class Table:
    weeks: list[Week]
    rows: list[Row]
    rule: ProjectDayRule


def weeks_ending(today: dt.date, count: int, rule: ProjectDayRule, calendar) -> list[Week]:
    """The ``count`` ISO weeks up to the one of ``today``, oldest first."""
    this_monday = week_start(today)
    weeks = []
    for back in range(count - 1, -1, -1):
        monday = this_monday - dt.timedelta(weeks=back)
        days = [monday + ONE_DAY * i for i in range(7)]
        workdays = [d for d in days if calendar.is_workday(d)]
        required = min(Decimal(rule.days_per_week), Decimal(len(workdays)))
        finished = bool(workdays) and workdays[-1] <= today
        weeks.append(Week(monday, workdays, required, finished or not workdays))
    return weeks


def _cell(week: Week, credits: dict, person_id: int) -> Cell:
    dates = [d for d in week.workdays if (person_id, d) in credits]
    days = sum((credits[(person_id, d)] for d in dates), Decimal("0"))
    if not week.workdays:
        status = "exempt"
    elif days >= week.required:
        status = "met"
    else:
        status = "short" if week.finished else "running"
    return Cell(days, status, dates)


def compliance_table(
    region_id: int,
    today: dt.date,
    weeks: int = 8,
    people: QuerySet[Person] | None = None,
) -> Table:
    """Leaders × the last ``weeks`` ISO weeks: days, and whether the rule was met."""
    rule = ProjectDayRule.for_region(region_id)
    calendar = WorkCalendar()
    week_list = weeks_ending(today, weeks, rule, calendar)
    people = list(people if people is not None else county_leaders(region_id))
    credits = day_credits(
        [p.pk for p in people], week_list[0].start, min(week_list[-1].end, today), calendar
    )
    rows = [Row(p, [_cell(w, credits, p.pk) for w in week_list]) for p in people]
    return Table(week_list, rows, rule)


# --- The sweep's reminder -----------------------------------------------------------------


def remind_short_leaders(region_id: int, today: dt.date) -> int:
    """On the last working day of a week, remind each county leader still short, once."""
    return _remind_short([region_id], today)


def _remind_short(region_ids, today: dt.date) -> int:
    """The reminders of the counties ``region_ids`` (None: every county), in a few queries
    whatever their number: the rules, the leaders and the week's records read once for all,
    the reminders written in one INSERT and their messages sent in one go."""
    calendar = WorkCalendar()
    (week,) = weeks_ending(today, 1, ProjectDayRule(), calendar)
    if week.last_workday != today:
        return 0  # the calendar is the same in every county: nothing to read
    rules = ProjectDayRule.objects.all()
    leaders = Person.objects.filter(roles__role=DirectoryRole.LEADER)
    if region_ids is not None:
        rules, leaders = (
            rules.filter(region_id__in=region_ids),
            leaders.filter(region_id__in=region_ids),
        )
    saved = {rule.region_id: rule for rule in rules}
    people = [
        person
        for person in leaders.distinct().select_related("user").order_by("region_id", "order", "id")
        if saved.get(person.region_id, ProjectDayRule()).remind
    ]
    if not people:
        return 0
    credits = day_credits([p.pk for p in people], week.start, today, calendar)
    short = []
    for person in people:
        rule = saved.get(person.region_id) or ProjectDayRule(region_id=person.region_id)
        (region_week,) = weeks_ending(today, 1, rule, calendar)
        cell = _cell(region_week, credits, person.pk)
        if cell.status == "short":
            short.append((person, region_week, cell))
    already = set(
        ProjectDayReminder.objects.filter(
            week_start=week.start, person_id__in=[person.pk for person, _, _ in short]
        ).values_list("person_id", flat=True)
    )
    short = [item for item in short if item[0].pk not in already]
    if not short:
        return 0
    try:
        with transaction.atomic():
            ProjectDayReminder.objects.bulk_create(
                ProjectDayReminder(person=person, week_start=week.start, days=cell.days)
                for person, _, cell in short
            )
    except IntegrityError:  # another sweep is reminding the same week: one at a time then
        short = [item for item in short if _record_once(item[0], week.start, item[2].days)]
    link = reverse("outreach:project-days")
    notify_many(
        (
            person.user,
            f"本周项目日未达标：已计 {cell.days:g} 天，应不少于 {region_week.required:g} 天",
            "按照「一周要安排一天以上的时间谈项目」的要求，本周外出招商、现场察看、走访企业、"
            "项目会议记录合计未达到项目日要求。如有未登记的外出，请及时补登。",
            link,
        )
        for person, region_week, cell in short
    )
    return len(short)


def _record_once(person: Person, week: dt.date, days: Decimal) -> bool:
    try:
        with transaction.atomic():
            ProjectDayReminder.objects.create(person=person, week_start=week, days=days)
    except IntegrityError:
        return False  # already reminded this week
    return True


def sweep_project_days(today: dt.date) -> str:
    """Nightly step: on a week's last working day, remind the county leaders who are short."""
    return f"项目日：提醒未达标县领导 {_remind_short(None, today)} 人次"
