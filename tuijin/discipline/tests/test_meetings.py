"""The meetings register and its convening rule: refused, approved, allowed (issue 6 point 6)."""

import datetime as dt

import pytest

from tuijin.core.models import Notification
from tuijin.core.roles import Role
from tuijin.discipline import meetings
from tuijin.discipline.errors import DisciplineRuleError
from tuijin.discipline.models import Meeting
from tuijin.projects.models import ProjectPerson, Stage

DAY = dt.date(2026, 11, 18)  # a Wednesday


def register(county, *, by=Role.LEADER, convener=None, invitees=(), **fields):
    defaults = {
        "acting_user": county.users[by],
        "convener": convener or county.people[Role.LEADER],
        "held_on": DAY,
        "topic": "研究智能装备制造产业园用地问题",
        "invitees": list(invitees),
    }
    defaults.update(fields)
    return meetings.meeting_register(**defaults)


def form_data(county, convener, invitees, **extra):
    data = {
        "convener": convener.pk,
        "held_on": "2026-11-18",
        "topic": "听取城关镇重点项目推进情况汇报",
        "invitees": [p.pk for p in invitees],
    }
    data.update(extra)
    return data


class TestRule:
    def test_a_county_leader_may_convene_staff_who_are_no_principal_leaders(self, county, heads):
        meeting = register(county, invitees=[county.people[Role.UNIT_STAFF]])
        assert meeting.status == Meeting.Status.ALLOWED
        assert meeting.restricted is False

    def test_a_principal_leader_may_convene_township_heads(self, county, heads):
        meeting = register(
            county,
            by=Role.PRINCIPAL,
            convener=county.people[Role.PRINCIPAL],
            invitees=[heads["mayor"], heads["other"]],
        )
        assert (meeting.status, meeting.restricted) == (Meeting.Status.ALLOWED, True)
        assert Meeting.objects.convened().filter(pk=meeting.pk).exists()

    def test_a_county_leader_convening_a_township_head_is_refused_and_nothing_saved(
        self, county, heads
    ):
        with pytest.raises(meetings.MeetingRefused) as refused:
            register(county, invitees=[heads["mayor"], county.people[Role.UNIT_STAFF]])
        assert meetings.RULE_TEXT in refused.value.message
        assert f"{heads['mayor'].name}（城关镇主要负责人）" in refused.value.message
        assert not Meeting.objects.exists()

    def test_a_project_s_principal_leader_counts_while_the_project_runs(
        self, county, heads, project
    ):
        ProjectPerson.objects.create(project=project, person=heads["director"], role="责任人")
        found = meetings.restricted_invitees([heads["director"]])
        assert found == [(heads["director"], "智能装备制造产业园项目主要负责人")]
        project.stage = Stage.COMPLETED
        project.save()
        assert meetings.restricted_invitees([heads["director"]]) == []

    def test_the_page_quotes_the_rule_and_saves_nothing(self, county, heads, client_for):
        client = client_for(county.users[Role.LEADER])
        data = form_data(county, county.people[Role.LEADER], [heads["mayor"]])
        response = client.post("/discipline/meetings/new/", data)
        assert response.status_code == 200
        text = response.content.decode()
        assert "不予登记" in text and meetings.RULE_TEXT in text
        assert "提请主要领导批准" in text
        assert not Meeting.objects.exists()


class TestApproval:
    def test_asking_for_approval_stores_a_pending_meeting_and_tells_the_principals(
        self, county, heads, client_for
    ):
        client = client_for(county.users[Role.LEADER])
        data = form_data(county, county.people[Role.LEADER], [heads["mayor"]], request_approval="1")
        response = client.post("/discipline/meetings/new/", data)
        meeting = Meeting.objects.get()
        assert response.status_code == 302
        assert meeting.status == Meeting.Status.PENDING
        assert not Meeting.objects.convened().exists()
        assert Notification.objects.filter(
            recipient=county.users[Role.PRINCIPAL], title="会议召集待您批准"
        ).exists()

    def test_a_principal_approves_and_the_approval_is_recorded(self, county, heads, client_for):
        meeting = register(county, invitees=[heads["mayor"]], request_approval=True)
        client = client_for(county.users[Role.PRINCIPAL])
        page = client.get(f"/discipline/meetings/{meeting.pk}/").content.decode()
        assert "批准召开" in page
        response = client.post(
            f"/discipline/meetings/{meeting.pk}/decide/",
            {"decision": "approve", "note": "项目用地问题紧急，同意召开"},
        )
        assert response.status_code == 302
        meeting.refresh_from_db()
        assert meeting.status == Meeting.Status.APPROVED
        assert meeting.approved_by == county.people[Role.PRINCIPAL]
        assert meeting.approval_note == "项目用地问题紧急，同意召开"
        assert Meeting.objects.convened().filter(pk=meeting.pk).exists()
        assert Notification.objects.filter(recipient=county.users[Role.LEADER]).exists()

    def test_a_principal_refuses_and_the_attempt_stays_on_record(self, county, heads, client_for):
        meeting = register(county, invitees=[heads["mayor"]], request_approval=True)
        client = client_for(county.users[Role.PRINCIPAL])
        url = f"/discipline/meetings/{meeting.pk}/decide/"
        response = client.post(url, {"decision": "refuse", "note": ""})
        assert response.status_code == 400
        assert "不予召开时请写明意见" in response.content.decode()
        meeting.refresh_from_db()
        assert meeting.status == Meeting.Status.PENDING
        client.post(url, {"decision": "refuse", "note": "可书面汇报，不必开会"})
        meeting.refresh_from_db()
        assert meeting.status == Meeting.Status.REFUSED
        assert not Meeting.objects.convened().filter(pk=meeting.pk).exists()

    def test_a_county_leader_cannot_approve(self, county, heads, client_for):
        meeting = register(county, invitees=[heads["mayor"]], request_approval=True)
        client = client_for(county.users[Role.LEADER])
        assert "批准召开" not in client.get(f"/discipline/meetings/{meeting.pk}/").content.decode()
        response = client.post(
            f"/discipline/meetings/{meeting.pk}/decide/", {"decision": "approve"}
        )
        assert response.status_code == 400
        meeting.refresh_from_db()
        assert meeting.status == Meeting.Status.PENDING
        with pytest.raises(DisciplineRuleError):
            meetings.meeting_decide(
                acting_user=county.users[Role.LEADER], meeting=meeting, approve=True
            )

    def test_a_principal_registering_a_leader_s_meeting_records_the_approval(self, county, heads):
        meeting = register(county, by=Role.PRINCIPAL, invitees=[heads["mayor"]])
        assert meeting.status == Meeting.Status.APPROVED
        assert meeting.approved_by == county.people[Role.PRINCIPAL]


class TestRegister:
    def test_weekly_count_shows_held_and_refused_meetings(self, county, heads, client_for):
        principal = county.people[Role.PRINCIPAL]
        register(county, by=Role.PRINCIPAL, convener=principal, invitees=[heads["mayor"]])
        approved = register(county, invitees=[heads["other"]], request_approval=True)
        meetings.meeting_decide(
            acting_user=county.users[Role.PRINCIPAL], meeting=approved, approve=True
        )
        refused = register(county, invitees=[heads["mayor"]], request_approval=True, held_on=DAY)
        meetings.meeting_decide(
            acting_user=county.users[Role.PRINCIPAL], meeting=refused, approve=False, note="不必"
        )
        register(county, invitees=[county.people[Role.UNIT_STAFF]])  # not restricted
        weeks = meetings.weekly_counts(Meeting.objects.all(), today=dt.date(2026, 11, 20))
        this_week = weeks[-1]
        assert (this_week.by_principal, this_week.approved, this_week.refused) == (1, 1, 1)
        assert this_week.held == 2 and this_week.label == "2026年第47周"
        assert sum(w.held for w in weeks[:-1]) == 0

    def test_the_register_is_scoped(self, county, heads, client_for):
        ours = register(county, invitees=[county.people[Role.UNIT_STAFF]], topic="城关镇项目会")
        theirs = register(county, invitees=[county.people["other_staff"]], topic="河口镇项目会")
        client = client_for(county.users[Role.UNIT_STAFF])
        page = client.get("/discipline/meetings/").content.decode()
        assert "城关镇项目会" in page and "河口镇项目会" not in page
        assert client.get(f"/discipline/meetings/{theirs.pk}/").status_code == 404
        assert client.get(f"/discipline/meetings/{ours.pk}/").status_code == 200
        rows = client.get("/api/meetings-register/").json()["results"]
        assert [r["topic"] for r in rows] == ["城关镇项目会"]
        office = client_for(county.users[Role.SUPERVISION])
        assert len(office.get("/api/meetings-register/").json()["results"]) == 2

    def test_another_county_sees_nothing(self, county, other_county, heads, client_for):
        meeting = register(county, invitees=[county.people[Role.UNIT_STAFF]])
        client = client_for(other_county.users[Role.PRINCIPAL])
        assert client.get(f"/discipline/meetings/{meeting.pk}/").status_code == 404
        assert client.get("/api/meetings-register/").json()["results"] == []

    def test_bad_input_is_refused_with_a_message(self, county, heads, client_for):
        client = client_for(county.users[Role.LEADER])
        response = client.post(
            "/discipline/meetings/new/",
            {"convener": county.people[Role.LEADER].pk, "held_on": "", "topic": ""},
        )
        text = response.content.decode()
        assert "请从通讯录中选择参会人员" in text
        assert not Meeting.objects.exists()

    def test_project_meetings_are_marked_for_the_weekly_project_day(self, county, project):
        meeting = register(county, invitees=[county.people[Role.UNIT_STAFF]], project=project)
        assert meeting.about_projects is True
        assert Meeting.objects.about_projects().convened().filter(pk=meeting.pk).exists()
