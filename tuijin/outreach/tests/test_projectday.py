"""The weekly project day: computed from trips, site checks, visits and meetings already
recorded; a day counts once; holidays are not working days; a reminder on the last working
day of a short week, once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tuijin.core import workdays
from tuijin.core.models import Notification
from tuijin.core.roles import Role
from tuijin.core.sweeps import SWEEP_STEPS
from tuijin.discipline.models import Meeting as RegisterMeeting
from tuijin.enterprises.models import Visit
from tuijin.enterprises.tests.factories import make_enterprise
from tuijin.outreach import projectday
from tuijin.outreach.models import Half, ProjectDayRule
from tuijin.projects.models import SiteCheck
from tuijin.projects.tests.conftest import make_project
from tuijin.supervision.models import Meeting as SchedulingMeeting

from .conftest import log_trip

pytestmark = pytest.mark.django_db

# 2026's National Day: 1–7 October off; the week of 5 October works Thu 8, Fri 9 and Saturday
# 10 (调休); the week of 28 September works Monday to Wednesday only.
NATIONAL_DAY_WEEK = dt.date(2026, 10, 5)
BEFORE_HOLIDAY_WEEK = dt.date(2026, 9, 28)


def _cells(county, today, weeks=3, people=None):
    table = projectday.compliance_table(county.region.pk, today, weeks, people)
    return {row.person.pk: row.cells for row in table.rows}, table


def _visit(county, person, day, serial=1):
    enterprise = make_enterprise(county.region, county.township, serial)
    visit = Visit.objects.create(enterprise=enterprise, visited_on=day, situation="生产正常")
    visit.visitors.add(person)
    return visit


def test_project_days_across_a_holiday_week(county):
    leader = county.people[Role.LEADER]
    office = county.users[Role.PROJECT_OFFICE]
    # A trip over the holiday itself is not a working day of project work.
    log_trip(
        county,
        user=office,
        start_date=dt.date(2026, 10, 5),
        end_date=dt.date(2026, 10, 6),
        today=dt.date(2026, 10, 6),
    )
    cells, table = _cells(county, dt.date(2026, 10, 16))
    weeks = {w.start: w for w in table.weeks}
    assert [d.isoformat() for d in weeks[NATIONAL_DAY_WEEK].workdays] == [
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
    ]
    holiday = cells[leader.pk][1]
    assert table.weeks[1].start == NATIONAL_DAY_WEEK
    assert (holiday.days, holiday.status) == (Decimal("0"), "short")
    # The week before: three working days, also short.
    assert [w.start for w in table.weeks] == [
        BEFORE_HOLIDAY_WEEK,
        NATIONAL_DAY_WEEK,
        dt.date(2026, 10, 12),
    ]
    assert len(table.weeks[0].workdays) == 3
    # A visit on the make-up Saturday counts: the week is met.
    _visit(county, leader, dt.date(2026, 10, 10))
    cells, _ = _cells(county, dt.date(2026, 10, 16))
    assert (cells[leader.pk][1].days, cells[leader.pk][1].status) == (Decimal("1"), "met")


def test_a_week_without_working_days_is_exempt(county):
    spring_festival = dt.date(2026, 2, 22)
    cells, table = _cells(county, spring_festival, weeks=1)
    assert table.weeks[0].workdays == []
    assert cells[county.people[Role.LEADER].pk][0].status == "exempt"


def test_requirement_never_exceeds_the_weeks_working_days(county):
    ProjectDayRule.objects.create(region=county.region, days_per_week=Decimal("4"))
    _, table = _cells(county, dt.date(2026, 10, 2), weeks=1)
    assert table.weeks[0].start == BEFORE_HOLIDAY_WEEK
    assert table.weeks[0].required == Decimal("3")


def test_a_day_counts_once_and_half_days_add_up(county):
    leader = county.people[Role.LEADER]
    project = make_project(county)
    monday, tuesday, wednesday = (dt.date(2026, 10, 12) + dt.timedelta(days=i) for i in range(3))
    # Monday: a morning trip and an afternoon trip make one day.
    log_trip(county, start_date=monday, end_date=monday, end_half=Half.AM)
    log_trip(county, start_date=monday, start_half=Half.PM, end_date=monday)
    # Tuesday: a site check, a visit and a scheduling meeting are still one day.
    SiteCheck.objects.create(project=project, checker=leader, visited_on=tuesday, findings="在建")
    _visit(county, leader, tuesday)
    SchedulingMeeting.objects.create(
        region=county.region, title="项目调度会", held_on=tuesday, chair=leader
    )
    # Wednesday: a morning only.
    log_trip(county, start_date=wednesday, end_date=wednesday, end_half=Half.AM)
    credits = projectday.day_credits([leader.pk], monday, wednesday)
    assert credits == {
        (leader.pk, monday): Decimal("1"),
        (leader.pk, tuesday): Decimal("1"),
        (leader.pk, wednesday): Decimal("0.5"),
    }
    # Another record on a half day fills it.
    attended = SchedulingMeeting.objects.create(
        region=county.region, title="专题调度会", held_on=wednesday
    )
    attended.attendees.add(leader)
    assert projectday.day_credits([leader.pk], wednesday, wednesday)[
        (leader.pk, wednesday)
    ] == Decimal("1")


def test_discipline_project_meetings_count_unless_refused(county):
    leader = county.people[Role.LEADER]
    principal = county.people[Role.PRINCIPAL]
    thursday, friday = dt.date(2026, 10, 15), dt.date(2026, 10, 16)
    refused = RegisterMeeting.objects.create(
        region=county.region,
        convener=leader,
        held_on=thursday,
        topic="项目推进会",
        about_projects=True,
        status=RegisterMeeting.Status.REFUSED,
    )
    refused.invitees.add(principal)
    allowed = RegisterMeeting.objects.create(
        region=county.region,
        convener=principal,
        held_on=friday,
        topic="重点项目推进会",
        about_projects=True,
    )
    allowed.invitees.add(leader)
    RegisterMeeting.objects.create(
        region=county.region, convener=leader, held_on=thursday, topic="安全生产会"
    )
    assert projectday.day_credits([leader.pk], thursday, friday) == {
        (leader.pk, friday): Decimal("1")
    }


def test_reminder_on_the_last_working_day_once(county, second_leader):
    leader = county.people[Role.LEADER]
    _visit(county, second_leader, dt.date(2026, 9, 29))
    assert projectday.sweep_project_days in SWEEP_STEPS
    # Not before the week's last working day (Wednesday 30 September here).
    assert projectday.sweep_project_days(dt.date(2026, 9, 29)) == "项目日：提醒未达标县领导 0 人次"
    assert projectday.sweep_project_days(dt.date(2026, 9, 30)) == "项目日：提醒未达标县领导 1 人次"
    assert projectday.sweep_project_days(dt.date(2026, 9, 30)) == "项目日：提醒未达标县领导 0 人次"
    (note,) = Notification.objects.all()
    assert note.recipient == leader.user
    assert "本周项目日未达标：已计 0 天，应不少于 1 天" in note.title
    assert note.url == reverse("outreach:project-days")
    # The principal leaders are not held to the county leaders' rule.
    assert not Notification.objects.filter(recipient=county.users[Role.PRINCIPAL]).exists()


def test_the_sweep_reads_every_county_at_once(county, other_county, second_leader):
    """Each county by its own rule, in the same queries for two counties or three."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tuijin.testing import build_county

    ProjectDayRule.objects.create(region=county.region, days_per_week=Decimal("1.5"))
    _visit(county, second_leader, dt.date(2026, 10, 12))
    with CaptureQueriesContext(connection) as two:
        line = projectday.sweep_project_days(dt.date(2026, 10, 16))
    assert line == "项目日：提醒未达标县领导 3 人次"
    titles = dict(Notification.objects.values_list("recipient_id", "title"))
    assert titles == {
        county.users[Role.LEADER].pk: "本周项目日未达标：已计 0 天，应不少于 1.5 天",
        second_leader.user_id: "本周项目日未达标：已计 1 天，应不少于 1.5 天",
        other_county.users[Role.LEADER].pk: "本周项目日未达标：已计 0 天，应不少于 1 天",
    }
    build_county("339903", "青山县", prefix="青山")
    with CaptureQueriesContext(connection) as three:
        line = projectday.sweep_project_days(dt.date(2026, 10, 23))
    assert line == "项目日：提醒未达标县领导 4 人次"
    assert len(three) == len(two)


def test_the_rule_is_tunable(county, second_leader):
    _visit(county, second_leader, dt.date(2026, 10, 12))
    _visit(county, county.people[Role.LEADER], dt.date(2026, 10, 12), serial=2)
    ProjectDayRule.objects.create(region=county.region, days_per_week=Decimal("1.5"))
    assert projectday.remind_short_leaders(county.region.pk, dt.date(2026, 10, 16)) == 2
    ProjectDayRule.objects.filter(region=county.region).update(remind=False)
    assert projectday.remind_short_leaders(county.region.pk, dt.date(2026, 10, 23)) == 0


def test_compliance_table_page(county, second_leader, client_for):
    leader = county.people[Role.LEADER]
    worked = dt.date.today()
    while not workdays.is_workday(worked).value:  # a visit on the last working day so far
        worked -= dt.timedelta(days=1)
    _visit(county, leader, worked)
    page = client_for(county.users[Role.PRINCIPAL]).get(reverse("outreach:project-days"))
    text = page.content.decode()
    assert page.status_code == 200
    assert leader.name in text and second_leader.name in text
    assert "保存规则" in text
    own = client_for(county.users[Role.LEADER]).get(reverse("outreach:project-days"))
    text = own.content.decode()
    assert leader.name in text and second_leader.name not in text and "保存规则" not in text
    office = client_for(county.users[Role.PROJECT_OFFICE])
    assert office.get(reverse("outreach:project-days")).status_code == 200
    assert (
        client_for(county.users[Role.UNIT_STAFF]).get(reverse("outreach:project-days")).status_code
        == 403
    )
    api = client_for(county.users[Role.LEADER]).get("/api/project-days/?weeks=4").json()
    assert [row["name"] for row in api["rows"]] == [leader.name]
    assert len(api["weeks"]) == 4 and sum(c["days"] for c in api["rows"][0]["cells"]) == 1.0


def test_rule_form_refuses_bad_values(county, client_for):
    client = client_for(county.users[Role.PROJECT_OFFICE])
    url = reverse("outreach:project-day-rule")
    response = client.post(url, {"days_per_week": "0.3", "remind": "on"}, follow=True)
    assert "项目日按半天计" in response.content.decode()
    assert not ProjectDayRule.objects.exists()
    response = client.post(url, {"days_per_week": "1.5", "remind": "on"}, follow=True)
    assert "每周项目日不少于 1.5 天" in response.content.decode()
    assert ProjectDayRule.for_region(county.region.pk).days_per_week == Decimal("1.5")
    leader = client_for(county.users[Role.LEADER])
    assert leader.post(url, {"days_per_week": "0.5"}).status_code == 403
