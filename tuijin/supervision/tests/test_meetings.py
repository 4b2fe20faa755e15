"""Scheduling meetings (调度会): assignments numbered apart, the memo read back from its .docx,
scope of meetings and assignments, and who may create them.

Fixture: 城关镇's red project (「施工用电未接入」) and 河口镇's yellow one; an order to 城关镇
issued 2026-09-28 due 2026-10-10, still open on 2026-11-20: overdue. Meetings on 2026-10-12
(earlier) and 2026-11-09 (later).
"""

import datetime as dt
import io

import pytest
from django.urls import reverse
from docx import Document

from tuijin.core.models import Unit
from tuijin.core.roles import Role
from tuijin.projects.models import Light, Problem, ProgressReport, Stage
from tuijin.projects.tests.conftest import make_project
from tuijin.supervision import meetings, services
from tuijin.supervision.docx import order_docx
from tuijin.supervision.models import Meeting, SupervisionOrder

from .conftest import issue

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)
EARLIER, LATER = dt.date(2026, 10, 12), dt.date(2026, 11, 9)


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a .docx, one per line."""
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def meeting(county, held_on=LATER, title="2026年第十一次重点项目调度会", **fields):
    return meetings.meeting_create(
        acting_user=county.users[Role.SUPERVISION],
        title=title,
        held_on=held_on,
        place="县政府三楼会议室",
        chair=county.people[Role.PRINCIPAL],
        attendees=[county.people[Role.LEADER]],
        **fields,
    )


def assign(county, on_meeting, unit=None, person=None, **fields):
    defaults = {
        "acting_user": county.users[Role.SUPERVISION],
        "meeting": on_meeting,
        "unit": unit or county.township,
        "person": person or county.people[Role.UNIT_STAFF],
        "title": "协调解决施工用电接入问题",
        "content": "会议议定：由城关镇牵头，会同供电公司制定接入方案。",
        "deadline_days": 10,
        "today": TODAY,
    }
    defaults.update(fields)
    return meetings.assignment_add(**defaults)


class TestAssignments:
    def test_assignments_are_numbered_apart_from_orders(self, county):
        first_order = issue(county)
        on = meeting(county)
        first = assign(county, on)
        second_order = issue(county)
        second = assign(county, on, title="加快用地报批")
        assert first.code == "交办〔2026〕1号"
        assert second.code == "交办〔2026〕2号"
        assert (first_order.code, second_order.code) == ("督办〔2026〕1号", "督办〔2026〕2号")
        assert first.kind == SupervisionOrder.Kind.ASSIGNMENT
        assert first.meeting == on

    def test_issued_on_the_meeting_day_and_never_before(self, county):
        on = meeting(county)
        order = assign(county, on)
        assert order.issued_on == LATER
        # 10 working days from Monday 2026-11-09.
        assert order.deadline == dt.date(2026, 11, 23)
        with pytest.raises(services.OrderRuleError) as exc:
            assign(county, on, issued_on=LATER - dt.timedelta(days=1))
        assert "不能早于会议日期" in exc.value.message
        assert SupervisionOrder.objects.count() == 1

    def test_a_meeting_not_yet_held_assigns_nothing(self, county):
        upcoming = meeting(county, held_on=TODAY + dt.timedelta(days=3))
        with pytest.raises(meetings.MeetingRuleError) as exc:
            assign(county, upcoming)
        assert "尚未召开" in exc.value.message
        assert not SupervisionOrder.objects.exists()

    def test_an_assignment_still_needs_a_person_of_the_unit(self, county):
        on = meeting(county)
        with pytest.raises(services.OrderRuleError) as exc:
            assign(county, on, person=county.people["other_staff"])
        assert exc.value.field == "person"
        assert not SupervisionOrder.objects.exists()

    def test_the_printed_assignment_says_jiaoban(self, county):
        on = meeting(county)
        text = docx_text(order_docx(assign(county, on)))
        assert "清溪县重点项目调度会交办单" in text
        assert "交办〔2026〕1号" in text
        assert "交办会议：2026年第十一次重点项目调度会（2026年11月9日）" in text
        assert "交办事项：" in text
        assert "督办单" not in text


@pytest.fixture
def lagging(county):
    red = make_project(
        county, name="智能装备制造产业园", light=Light.RED, light_reasons=["施工用电未接入"]
    )
    yellow = make_project(
        county,
        name="河口镇污水处理厂",
        host_unit=county.other_township,
        light=Light.YELLOW,
        light_reasons=["2026年10月未填报进度"],
    )
    make_project(county, name="城南物流园", light=Light.GREEN)
    make_project(county, name="老城改造", light=Light.RED, stage=Stage.DROPPED)
    return {"red": red, "yellow": yellow}


class TestMemo:
    def test_memo_lists_lagging_projects_overdue_orders_and_coordination(self, county, lagging):
        overdue = issue(county, project=lagging["red"])  # due 2026-10-10
        issue(county, title="新下发的督办", issued_on=dt.date(2026, 11, 18))
        Problem.objects.create(
            project=lagging["yellow"],
            description="污水管网穿越国道需交通部门审批",
            responsible_unit=county.other_township,
            responsible_person=county.people["other_staff"],
            raised_on=dt.date(2026, 11, 2),
            deadline=dt.date(2026, 11, 16),
        )
        for period, text in ((dt.date(2026, 9, 1), "旧的协调事项"), (dt.date(2026, 10, 1), "")):
            ProgressReport.objects.create(
                project=lagging["yellow"],
                period=period,
                progress_text="管网铺设",
                invested=10,
                coordination_text=text,
            )
        ProgressReport.objects.create(
            project=lagging["red"],
            period=dt.date(2026, 10, 1),
            progress_text="主体封顶",
            invested=100,
            coordination_text="请县供电公司加快10kV线路架设",
        )
        text = docx_text(meetings.memo_docx(meeting(county), TODAY))
        assert "清溪县重点项目调度会汇报材料" in text
        assert "智能装备制造产业园 | 红灯 | 城关镇" in text
        assert "施工用电未接入" in text
        assert "河口镇污水处理厂 | 黄灯 | 河口镇" in text
        assert "城南物流园" not in text and "老城改造" not in text
        # Due Saturday 2026-10-10 (a make-up working day): six full weeks to 2026-11-20.
        assert f"{overdue.code} | " in text
        row = next(line for line in text.splitlines() if line.startswith(overdue.code))
        assert row.endswith("| 30")
        assert "新下发的督办" not in text
        assert "污水管网穿越国道需交通部门审批" in text
        assert "请县供电公司加快10kV线路架设" in text
        assert "旧的协调事项" not in text  # the latest report has none any more

    def test_open_assignments_of_earlier_meetings_stay_until_accepted(self, county):
        first = meeting(county, held_on=EARLIER, title="第十次调度会")
        old = assign(county, first, title="协调解决施工用电接入问题")
        second = meeting(county, held_on=LATER, title="第十一次调度会")
        assign(county, second, title="本次会议新交办的事项")
        text = docx_text(meetings.memo_docx(second, TODAY))
        assert "四、前次会议交办事项办理情况" in text
        row = next(line for line in text.splitlines() if line.startswith(old.code))
        assert "第十次调度会 | 协调解决施工用电接入问题 | 城关镇" in row
        assert "已下发，逾期" in row
        assert "本次会议新交办的事项" not in text
        services.order_sign(old, acting_user=county.users[Role.UNIT_STAFF])
        assert old.code in docx_text(meetings.memo_docx(second, TODAY))
        services.order_respond(old, acting_user=county.users[Role.UNIT_STAFF], text="已完成。")
        assert old.code in docx_text(meetings.memo_docx(second, TODAY))
        services.order_accept(old, acting_user=county.users[Role.SUPERVISION], today=TODAY)
        text = docx_text(meetings.memo_docx(second, TODAY))
        assert old.code not in text
        assert "前次会议交办事项均已办结" in text

    def test_the_memo_download_is_for_county_roles(self, county, client_for):
        on = meeting(county, held_on=dt.date.today() - dt.timedelta(days=1))
        assign(county, on, today=dt.date.today())
        url = reverse("supervision:meeting-memo", args=[on.pk])
        page = client_for(county.users[Role.SUPERVISION]).get(
            reverse("supervision:meeting", args=[on.pk])
        )
        assert "下载汇报材料" in page.content.decode()
        response = client_for(county.users[Role.LEADER]).get(url)
        assert response.status_code == 200
        assert "调度会汇报材料" in docx_text(response.content)
        staff = client_for(county.users[Role.UNIT_STAFF])
        assert (
            "下载汇报材料"
            not in staff.get(reverse("supervision:meeting", args=[on.pk])).content.decode()
        )
        assert staff.get(url).status_code == 403


class TestScope:
    @pytest.fixture
    def held(self, county):
        on = meeting(county, held_on=dt.date.today() - dt.timedelta(days=2))
        own = assign(county, on, title="城关镇的交办事项", today=dt.date.today())
        other = assign(
            county,
            on,
            unit=county.other_township,
            person=county.people["other_staff"],
            title="河口镇的交办事项",
            today=dt.date.today(),
        )
        return {"meeting": on, "own": own, "other": other}

    def test_a_unit_sees_its_own_assignment_only(self, county, client_for, held):
        client = client_for(county.users[Role.UNIT_STAFF])
        page = client.get(reverse("supervision:meeting", args=[held["meeting"].pk]))
        assert page.status_code == 200
        body = page.content.decode()
        assert "城关镇的交办事项" in body and "河口镇的交办事项" not in body
        detail = client.get(reverse("supervision:detail", args=[held["own"].pk]))
        assert detail.status_code == 200
        assert "交办会议" in detail.content.decode()
        assert "打印交办单" in detail.content.decode()
        assert client.get(reverse("supervision:detail", args=[held["other"].pk])).status_code == 404
        listed = client.get(reverse("supervision:meetings")).content.decode()
        assert held["meeting"].title in listed

    def test_a_unit_without_assignments_does_not_see_the_meeting(self, county, client_for):
        on = meeting(county, held_on=dt.date.today() - dt.timedelta(days=2))
        assign(
            county,
            on,
            unit=county.other_township,
            person=county.people["other_staff"],
            today=dt.date.today(),
        )
        client = client_for(county.users[Role.UNIT_STAFF])
        assert client.get(reverse("supervision:meeting", args=[on.pk])).status_code == 404

    def test_another_countys_meeting_is_not_found(self, county, other_county, client_for, held):
        elsewhere = meeting(other_county, title="云岭县调度会")
        client = client_for(county.users[Role.SUPERVISION])
        assert client.get(reverse("supervision:meeting", args=[elsewhere.pk])).status_code == 404
        assert "云岭县调度会" not in client.get(reverse("supervision:meetings")).content.decode()

    def test_county_leaders_see_every_assignment_of_the_meeting(self, county, client_for, held):
        body = (
            client_for(county.users[Role.LEADER])
            .get(reverse("supervision:meeting", args=[held["meeting"].pk]))
            .content.decode()
        )
        assert "城关镇的交办事项" in body and "河口镇的交办事项" in body

    def test_api_scopes_meetings_and_assignments(self, county, client_for, held):
        client = client_for(county.users[Role.UNIT_STAFF])
        rows = client.get("/api/assignments/").json()["results"]
        assert [r["title"] for r in rows] == ["城关镇的交办事项"]
        assert rows[0]["kind"] == "assignment"
        assert rows[0]["code"] == held["own"].code
        assert len(client.get("/api/meetings/").json()["results"]) == 1
        office = client_for(county.users[Role.SUPERVISION])
        issue(county, title="普通督办")
        kinds = {r["kind"] for r in office.get("/api/orders/").json()["results"]}
        assert kinds == {"order", "assignment"}
        only = office.get("/api/orders/?kind=assignment").json()["results"]
        assert {r["title"] for r in only} == {"城关镇的交办事项", "河口镇的交办事项"}
        leader = client_for(county.users[Role.LEADER]).get("/api/assignments/").json()
        assert leader["count"] == 2


class TestOffice:
    def test_only_the_office_creates_meetings(self, county, client_for):
        data = {"title": "调度会", "held_on": "2026-11-09", "place": "会议室"}
        for role in (Role.UNIT_STAFF, Role.LEADER):
            response = client_for(county.users[role]).post(
                reverse("supervision:meeting-create"), data
            )
            assert response.status_code == 403
        assert not Meeting.objects.exists()
        with pytest.raises(meetings.MeetingRuleError):
            meetings.meeting_create(
                acting_user=county.users[Role.UNIT_STAFF], title="调度会", held_on=LATER
            )
        assert not Meeting.objects.exists()

    def test_only_the_office_assigns(self, county, client_for):
        on = meeting(county, held_on=dt.date.today() - dt.timedelta(days=1))
        data = {
            "title": "交办",
            "content": "内容",
            "unit": county.township.pk,
            "person": county.people[Role.UNIT_STAFF].pk,
            "issued_on": on.held_on.isoformat(),
            "deadline_days": 5,
        }
        url = reverse("supervision:meeting-assign", args=[on.pk])
        assert client_for(county.users[Role.UNIT_STAFF]).post(url, data).status_code == 403
        assert not SupervisionOrder.objects.exists()
        response = client_for(county.users[Role.SUPERVISION]).post(url, data)
        assert response.status_code == 302
        order = SupervisionOrder.objects.get()
        assert order.code.startswith("交办〔") and order.meeting == on

    def test_the_office_creates_a_meeting_and_bad_input_changes_nothing(self, county, client_for):
        client = client_for(county.users[Role.SUPERVISION])
        url = reverse("supervision:meeting-create")
        bad = client.post(url, {"title": "", "held_on": "2026-11-09"})
        assert bad.status_code == 400
        assert "会议名称" in bad.content.decode() and "该字段是必填项" in bad.content.decode()
        assert not Meeting.objects.exists()
        response = client.post(
            url,
            {
                "title": "第十二次重点项目调度会",
                "held_on": "2026-12-07",
                "place": "县政府三楼会议室",
                "chair": county.people[Role.PRINCIPAL].pk,
                "attendees": [county.people[Role.LEADER].pk],
            },
        )
        created = Meeting.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("supervision:meeting", args=[created.pk])
        assert created.region == county.region and created.held_on == dt.date(2026, 12, 7)
        assert list(created.attendees.all()) == [county.people[Role.LEADER]]

    def test_the_meeting_list_counts_open_assignments(self, county, client_for):
        on = meeting(county, held_on=dt.date.today() - dt.timedelta(days=1))
        assign(county, on, today=dt.date.today())
        assign(county, on, title="第二件", today=dt.date.today())
        client = client_for(county.users[Role.SUPERVISION])
        body = client.get(reverse("supervision:meetings")).content.decode()
        assert on.title in body and "2 件" in body and "在办 2" in body
        form = client.get(reverse("supervision:meeting-create"))
        assert form.status_code == 200 and "参会人员" in form.content.decode()

    def test_a_bad_assignment_re_renders_with_the_message(self, county, client_for):
        on = meeting(county, held_on=dt.date.today() - dt.timedelta(days=1))
        response = client_for(county.users[Role.SUPERVISION]).post(
            reverse("supervision:meeting-assign", args=[on.pk]),
            {
                "title": "交办",
                "content": "内容",
                "unit": county.township.pk,
                "person": county.people["other_staff"].pk,
                "issued_on": on.held_on.isoformat(),
                "deadline_days": 5,
            },
        )
        assert response.status_code == 400
        assert "不是城关镇的人员" in response.content.decode()
        assert not SupervisionOrder.objects.exists()

    def test_the_summary_is_kept(self, county, client_for):
        on = meeting(county)
        client = client_for(county.users[Role.SUPERVISION])
        client.post(
            reverse("supervision:meeting-summary", args=[on.pk]), {"summary": "会议议定三件事。"}
        )
        on.refresh_from_db()
        assert on.summary == "会议议定三件事。"
        staff = client_for(county.users[Role.UNIT_STAFF])
        assert (
            staff.post(
                reverse("supervision:meeting-summary", args=[on.pk]), {"summary": "改"}
            ).status_code
            == 403
        )
        on.refresh_from_db()
        assert on.summary == "会议议定三件事。"


def test_demo_county_has_meetings_assignments_and_a_self_check_round():
    from django.utils import timezone

    from tuijin.core.demo import seed_demo
    from tuijin.supervision.models import SelfCheck

    seed_demo()
    today = timezone.localdate()
    earlier, later = Meeting.objects.order_by("held_on")
    assert 28 <= (later.held_on - earlier.held_on).days <= 35 and later.held_on < today
    old = list(earlier.assignments.all())
    assert {o.status for o in old} >= {"accepted"} and any(o.is_open for o in old)
    new = list(later.assignments.all())
    assert 3 <= len(new) <= 5 and all(o.is_open for o in new)
    assert sum(o.is_overdue(today) for o in new) >= 1
    assert all(o.code.startswith("交办〔") and o.project_id for o in old + new)
    text = docx_text(meetings.memo_docx(later, today))
    assert all(o.code in text for o in old if o.is_open)
    round_ = SelfCheck.objects.get()
    total, answered = round_.units.count(), round_.answers.count()
    assert (
        total == Unit.objects.exclude(kind="department").count() and 0.5 <= answered / total <= 0.85
    )
    assert 0 < round_.answers.exclude(comment="").count() < answered
