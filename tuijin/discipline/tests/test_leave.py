"""Leave for project work (issue 6 point 7): 「为了项目，任何事都可以请假」."""

import datetime as dt
from decimal import Decimal

import pytest

from tuijin.core.models import Notification
from tuijin.core.roles import Role
from tuijin.discipline import leave as rules
from tuijin.discipline.errors import DisciplineRuleError
from tuijin.discipline.models import Leave
from tuijin.outreach.models import OutreachTrip
from tuijin.projects.models import SiteCheck


def request_leave(county, *, by=Role.UNIT_STAFF, person=None, **fields):
    defaults = {
        "acting_user": county.users[by],
        "person": person or county.people[by],
        "start_date": dt.date(2026, 11, 23),
        "end_date": dt.date(2026, 11, 24),
        "reason_kind": Leave.Reason.PERSONAL,
        "reason": "家中有事",
    }
    defaults.update(fields)
    return rules.leave_request(**defaults)


class TestProjectWork:
    def test_project_work_is_approved_at_once_and_shows_who_was_away(
        self, county, heads, project, client_for
    ):
        client = client_for(county.users[Role.UNIT_STAFF])
        response = client.post(
            "/discipline/leave/new/",
            {
                "person": county.people[Role.UNIT_STAFF].pk,
                "start_date": "2026-11-23",
                "start_half": "am",
                "end_date": "2026-11-24",
                "end_half": "am",
                "reason_kind": "project_work",
                "project": project.pk,
                "reason": "陪同企业踏勘项目用地",
            },
        )
        assert response.status_code == 302
        leave = Leave.objects.get()
        assert leave.status == Leave.Status.AUTO_APPROVED
        assert leave.approver is None and leave.decided_at is not None
        assert leave.days == Decimal("1.5")
        client.get(response["Location"])  # the success message is shown once
        page = client.get("/discipline/leave/?days=365").content.decode()
        assert "智能装备制造产业园" in page and county.people[Role.UNIT_STAFF].name in page

    def test_a_site_check_links_its_project(self, county, project):
        check = SiteCheck.objects.create(
            project=project,
            checker=county.people[Role.LEADER],
            visited_on=dt.date(2026, 11, 20),
            findings="主体完工",
        )
        leave = request_leave(
            county, by=Role.LEADER, reason_kind=Leave.Reason.PROJECT_WORK, site_check=check
        )
        assert (leave.status, leave.project) == (Leave.Status.AUTO_APPROVED, project)

    def test_an_outreach_trip_counts_as_project_work(self, county, client_for):
        trip = OutreachTrip.objects.create(
            region=county.region,
            start_date=dt.date(2026, 11, 25),
            end_date=dt.date(2026, 11, 27),
            destination="深圳",
            counterparts="深圳某新能源公司",
            purpose="洽谈储能电池项目",
        )
        trip.leaders.add(county.people[Role.LEADER])
        leave = request_leave(
            county,
            by=Role.LEADER,
            reason_kind=Leave.Reason.PROJECT_WORK,
            trip=trip,
            start_date=trip.start_date,
            end_date=trip.end_date,
        )
        assert (leave.status, leave.trip, leave.days) == (
            Leave.Status.AUTO_APPROVED,
            trip,
            Decimal("3"),
        )
        page = client_for(county.users[Role.PRINCIPAL]).get("/discipline/leave/").content.decode()
        assert "外出招商：深圳" in page

    def test_project_work_without_a_project_is_refused_and_nothing_saved(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        response = client.post(
            "/discipline/leave/new/",
            {
                "person": county.people[Role.UNIT_STAFF].pk,
                "start_date": "2026-11-23",
                "start_half": "am",
                "end_date": "2026-11-23",
                "end_half": "pm",
                "reason_kind": "project_work",
            },
        )
        assert "项目工作请假须关联项目、现场察看或外出招商" in response.content.decode()
        assert not Leave.objects.exists()


class TestUsualApprover:
    def test_unit_staff_ask_their_unit_head_who_approves(self, county, heads, client_for):
        leave = request_leave(county)
        assert leave.status == Leave.Status.PENDING
        assert leave.approver == heads["mayor"]
        mayor = client_for(heads["mayor"].user)
        assert mayor.get("/discipline/leave/").content.decode().count("待我审批") == 1
        response = mayor.post(
            f"/discipline/leave/{leave.pk}/decide/", {"decision": "approve", "note": "同意"}
        )
        assert response.status_code == 302
        leave.refresh_from_db()
        assert (leave.status, leave.decided_by) == (Leave.Status.APPROVED, heads["mayor"])
        assert Notification.objects.filter(recipient=county.users[Role.UNIT_STAFF]).exists()

    def test_a_county_leader_asks_a_principal_leader(self, county):
        leave = request_leave(county, by=Role.LEADER)
        assert leave.approver == county.people[Role.PRINCIPAL]

    def test_someone_else_cannot_decide(self, county, heads, client_for):
        leave = request_leave(county)
        client = client_for(county.users[Role.SUPERVISION])
        response = client.post(f"/discipline/leave/{leave.pk}/decide/", {"decision": "approve"})
        assert response.status_code == 400
        leave.refresh_from_db()
        assert leave.status == Leave.Status.PENDING

    def test_refusing_needs_a_note(self, county, heads):
        leave = request_leave(county)
        with pytest.raises(DisciplineRuleError, match="请写明意见"):
            rules.leave_decide(acting_user=heads["mayor"].user, leave=leave, approve=False)


class TestDates:
    def test_half_days_count(self, county):
        leave = request_leave(
            county,
            start_date=dt.date(2026, 11, 23),
            start_half="pm",
            end_date=dt.date(2026, 11, 24),
            end_half="am",
        )
        assert leave.days == Decimal("1") and "2026-11-23下午 至 2026-11-24上午" in (
            leave.period_text
        )

    def test_an_end_before_the_start_is_refused(self, county):
        with pytest.raises(DisciplineRuleError, match="结束时间不能早于开始时间"):
            request_leave(
                county,
                start_date=dt.date(2026, 11, 23),
                start_half="pm",
                end_date=dt.date(2026, 11, 23),
                end_half="am",
            )
        assert not Leave.objects.exists()

    def test_overlapping_leave_is_refused(self, county):
        request_leave(county)
        with pytest.raises(DisciplineRuleError, match="时间不能重叠"):
            request_leave(county, start_date=dt.date(2026, 11, 24), end_date=dt.date(2026, 11, 25))
        assert Leave.objects.count() == 1


class TestScope:
    def test_a_unit_sees_its_people_s_leave_only(self, county, client_for):
        ours = request_leave(county)
        theirs = request_leave(county, by="other_staff")
        client = client_for(county.users[Role.UNIT_STAFF])
        assert client.get(f"/discipline/leave/{theirs.pk}/").status_code == 404
        assert client.get(f"/discipline/leave/{ours.pk}/").status_code == 200
        rows = client.get("/api/leaves/").json()["results"]
        assert [r["id"] for r in rows] == [ours.pk]
        county_rows = client_for(county.users[Role.PRINCIPAL]).get("/api/leaves/").json()
        assert len(county_rows["results"]) == 2

    def test_nobody_files_for_another_unit(self, county):
        with pytest.raises(DisciplineRuleError, match="本人或本单位"):
            request_leave(county, person=county.people["other_staff"])
