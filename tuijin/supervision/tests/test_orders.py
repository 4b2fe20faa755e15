"""Supervision orders: numbering, deadlines, rules, reminders and escalation, scope, .docx."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from tuijin.core.models import Notification
from tuijin.core.roles import Role
from tuijin.supervision import services
from tuijin.supervision.docx import order_docx
from tuijin.supervision.models import OrderEvent, OrderFile, SupervisionOrder

from .conftest import issue

pytestmark = pytest.mark.django_db
Status = SupervisionOrder.Status


class TestIssue:
    def test_numbers_run_per_region_and_year(self, county, other_county):
        first = issue(county)
        second = issue(county)
        next_year = issue(county, issued_on=dt.date(2027, 1, 5))
        elsewhere = issue(
            other_county,
            acting_user=other_county.users[Role.SUPERVISION],
            unit=other_county.township,
            person=other_county.people[Role.UNIT_STAFF],
        )
        assert (first.number, second.number, next_year.number, elsewhere.number) == (1, 2, 1, 1)
        assert second.code == "督办〔2026〕2号"
        assert next_year.code == "督办〔2027〕1号"

    def test_deadline_counts_working_days_across_national_day(self, county):
        # 2026-09-28 Mon; 10-01..10-07 are holidays; 10-10 (Sat) is a make-up working day.
        order = issue(county, deadline_days=5)
        assert order.deadline == dt.date(2026, 10, 10)
        assert not order.deadline_provisional

    def test_issue_notifies_the_persons_account(self, county):
        order = issue(county)
        note = Notification.objects.get(recipient=county.users[Role.UNIT_STAFF])
        assert order.code in note.title
        assert note.url == reverse("supervision:detail", args=[order.pk])

    @pytest.mark.parametrize("days", [0, -1, None])
    def test_a_deadline_before_or_on_the_issue_date_is_refused(self, county, days):
        with pytest.raises(services.OrderRuleError) as exc:
            issue(county, deadline_days=days)
        assert exc.value.field == "deadline_days"
        assert "不能早于下发日期" in exc.value.message
        assert not SupervisionOrder.objects.exists()

    def test_an_order_without_a_person_is_refused(self, county):
        with pytest.raises(services.OrderRuleError) as exc:
            services.order_issue(
                acting_user=county.users[Role.SUPERVISION],
                unit=county.township,
                person=None,
                title="督办",
                content="内容",
                deadline_days=5,
            )
        assert exc.value.field == "person"
        assert "责任人" in exc.value.message
        assert not SupervisionOrder.objects.exists()

    def test_a_person_of_another_unit_is_refused(self, county):
        with pytest.raises(services.OrderRuleError) as exc:
            issue(county, person=county.people["other_staff"])
        assert exc.value.field == "person"
        assert not SupervisionOrder.objects.exists()

    @pytest.mark.parametrize("role", [Role.UNIT_STAFF, Role.PROJECT_OFFICE, Role.LEADER])
    def test_only_the_supervision_office_issues(self, county, role):
        with pytest.raises(services.OrderRuleError):
            issue(county, acting_user=county.users[role])

    def test_issue_page_prefills_the_projects_unit_and_saves(self, county, project, client_for):
        client = client_for(county.users[Role.SUPERVISION])
        page = client.get(reverse("supervision:create") + f"?project={project.pk}")
        assert page.status_code == 200
        assert page.context["form"].initial["unit"] == county.township
        response = client.post(
            reverse("supervision:create"),
            {
                "title": "关于电力接入的督办",
                "content": "尽快完成",
                "project": project.pk,
                "unit": county.township.pk,
                "person": county.people[Role.UNIT_STAFF].pk,
                "issued_on": "2026-09-28",
                "deadline_days": "5",
            },
        )
        order = SupervisionOrder.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("supervision:detail", args=[order.pk])

    def test_issue_page_shows_the_rule_and_saves_nothing(self, county, client_for):
        client = client_for(county.users[Role.SUPERVISION])
        response = client.post(
            reverse("supervision:create"),
            {
                "title": "督办",
                "content": "内容",
                "unit": county.township.pk,
                "person": county.people["other_staff"].pk,
                "issued_on": "2026-09-28",
                "deadline_days": "0",
            },
        )
        assert response.status_code == 400
        assert "不能早于下发日期" in response.content.decode()
        assert not SupervisionOrder.objects.exists()


class TestFlow:
    def test_sign_respond_return_respond_accept(self, county, orders):
        order, staff = orders["own"], county.users[Role.UNIT_STAFF]
        office = county.users[Role.SUPERVISION]
        services.order_sign(order, acting_user=staff)
        report = io.BytesIO()
        Document().save(report)  # a real .docx: attachments are checked by content
        upload = SimpleUploadedFile("整改报告.docx", report.getvalue(), "application/msword")
        services.order_respond(order, acting_user=staff, text="已完成接入", files=[upload])
        services.order_return(order, acting_user=office, reason="缺少供电公司验收单")
        order.refresh_from_db()
        assert order.status == Status.RETURNED
        services.order_respond(order, acting_user=staff, text="补充验收单")
        services.order_accept(order, acting_user=office, today=dt.date(2026, 10, 9))
        order.refresh_from_db()
        assert order.status == Status.ACCEPTED
        assert order.accepted_on == dt.date(2026, 10, 9)
        kinds = list(order.events.values_list("kind", flat=True))
        assert kinds == ["issued", "signed", "responded", "returned", "responded", "accepted"]
        stored = OrderFile.objects.get()
        assert stored.name == "整改报告.docx"
        assert "整改报告" not in stored.file.name and stored.file.name.endswith(".docx")

    def test_a_response_to_another_units_order_is_refused(self, county, orders):
        order = orders["other"]
        services.order_sign(order, acting_user=county.users["other_staff"])
        with pytest.raises(services.OrderRuleError) as exc:
            services.order_respond(order, acting_user=county.users[Role.UNIT_STAFF], text="越权")
        assert "不是下发给本单位" in exc.value.message
        order.refresh_from_db()
        assert order.status == Status.SIGNED
        assert not order.events.filter(kind="responded").exists()

    def test_only_the_office_accepts_or_returns(self, county, orders):
        order, staff = orders["own"], county.users[Role.UNIT_STAFF]
        services.order_sign(order, acting_user=staff)
        services.order_respond(order, acting_user=staff, text="完成")
        with pytest.raises(services.OrderRuleError):
            services.order_accept(order, acting_user=staff)
        with pytest.raises(services.OrderRuleError):
            services.order_return(order, acting_user=county.users[Role.PRINCIPAL], reason="x")

    def test_files_of_the_wrong_type_or_too_big_are_refused(self, county, orders):
        order, staff = orders["own"], county.users[Role.UNIT_STAFF]
        services.order_sign(order, acting_user=staff)
        bad = SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream")
        with pytest.raises(services.OrderRuleError, match="类型不支持"):
            services.order_respond(order, acting_user=staff, text="完成", files=[bad])
        big = SimpleUploadedFile("big.pdf", b"0" * (services.MAX_FILE_BYTES + 1))
        with pytest.raises(services.OrderRuleError, match="10 MB"):
            services.order_respond(order, acting_user=staff, text="完成", files=[big])
        order.refresh_from_db()
        assert order.status == Status.SIGNED

    def test_pages_run_the_flow(self, county, orders, client_for):
        order = orders["own"]
        unit = client_for(county.users[Role.UNIT_STAFF])
        assert unit.post(reverse("supervision:sign", args=[order.pk])).status_code == 302
        response = unit.post(
            reverse("supervision:respond", args=[order.pk]),
            {"text": "已完成", "files": SimpleUploadedFile("说明.pdf", b"%PDF-1.4")},
        )
        assert response.status_code == 302
        file_url = reverse("supervision:file", args=[OrderFile.objects.get().pk])
        download = unit.get(file_url)
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        office = client_for(county.users[Role.SUPERVISION])
        office.post(reverse("supervision:accept", args=[order.pk]), {"text": "同意办结"})
        order.refresh_from_db()
        assert order.status == Status.ACCEPTED
        other = client_for(county.users["other_staff"])
        assert other.get(file_url).status_code == 404


def sweep(day):
    return services.run_sweep(day)


class TestSweep:
    """Order issued Mon 2026-09-28 with 5 working days: deadline Sat 2026-10-10 (调休)."""

    def test_reminder_three_working_days_before_across_the_holiday(self, county, orders):
        order = orders["own"]
        assert sweep(dt.date(2026, 9, 29)).reminded == 0  # 4 working days left
        assert sweep(dt.date(2026, 9, 30)).reminded == 2  # 10-08, 10-09, 10-10: both orders
        assert sweep(dt.date(2026, 10, 1)).reminded == 0  # National Day: no sweep work
        assert sweep(dt.date(2026, 10, 8)).reminded == 0  # already reminded before the deadline
        assert sweep(dt.date(2026, 10, 10)).reminded == 0
        dates = list(order.events.filter(kind="reminded").values_list("on_date", flat=True))
        assert dates == [dt.date(2026, 9, 30)]

    def test_reminders_every_working_day_after_the_deadline_once_a_day(self, county, orders):
        order = orders["own"]
        for day in (11, 12, 12, 13, 13, 17, 18):  # 11, 17, 18 are a Sunday and a weekend
            sweep(dt.date(2026, 10, day))
        dates = list(order.events.filter(kind="reminded").values_list("on_date", flat=True))
        assert dates == [dt.date(2026, 10, 12), dt.date(2026, 10, 13)]
        titles = Notification.objects.filter(
            recipient=county.users[Role.UNIT_STAFF], title__startswith="催办"
        ).values_list("title", flat=True)
        assert sorted(titles) == [
            f"催办（2026-10-12）：{order.code} 已逾期 1 个工作日",
            f"催办（2026-10-13）：{order.code} 已逾期 2 个工作日",
        ]

    def test_escalation_to_contact_leader_then_principals(self, county, orders):
        order = orders["own"]
        leader, principal = county.users[Role.LEADER], county.users[Role.PRINCIPAL]
        sweep(dt.date(2026, 10, 13))  # 2 overdue working days
        order.refresh_from_db()
        assert order.escalation == 0
        sweep(dt.date(2026, 10, 14))  # 3: to the contact leader
        sweep(dt.date(2026, 10, 14))
        order.refresh_from_db()
        assert order.escalation == 1
        assert (
            Notification.objects.filter(recipient=leader, title__contains=order.code).count() == 1
        )
        sweep(dt.date(2026, 10, 16))  # 5
        order.refresh_from_db()
        assert order.escalation == 1
        sweep(dt.date(2026, 10, 19))  # 6 (10-17, 10-18 weekend): to the principal leaders
        sweep(dt.date(2026, 10, 19))
        order.refresh_from_db()
        assert order.escalation == 2
        escalations = order.events.filter(kind="escalated")
        assert [e.on_date for e in escalations] == [dt.date(2026, 10, 14), dt.date(2026, 10, 19)]
        assert (
            Notification.objects.filter(recipient=principal, title__contains=order.code).count()
            == 1
        )

    def test_escalation_threshold_is_configurable(self, county, orders, settings):
        settings.TUIJIN_ORDER_ESCALATE_AFTER = 1
        sweep(dt.date(2026, 10, 12))
        orders["own"].refresh_from_db()
        assert orders["own"].escalation == 1

    def test_closed_orders_are_left_alone_and_the_step_reports_a_line(self, county, orders):
        order, staff = orders["own"], county.users[Role.UNIT_STAFF]
        services.order_sign(order, acting_user=staff)
        services.order_respond(order, acting_user=staff, text="完成")
        services.order_accept(order, acting_user=county.users[Role.SUPERVISION])
        line = services.sweep_orders(dt.date(2026, 10, 12))
        assert line == (
            "2026-10-12 督办单巡检：逾期或 3 个工作日内到期 1 件，发出催办 1 条，升级督办 0 次"
        )
        assert not order.events.filter(kind="reminded").exists()


class _Undo(Exception):
    pass


def _sweep_queries(day) -> tuple[services.SweepCount, int]:
    """The sweep of ``day`` and its number of queries, undone afterwards."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        try:
            with transaction.atomic():
                count = sweep(day)
                raise _Undo
        except _Undo:
            pass
    return count, len(queries)


class TestSweepInBulk:
    def test_the_same_queries_for_2_or_6_orders(self, county, orders, project):
        few, few_queries = _sweep_queries(dt.date(2026, 10, 19))
        for _ in range(2):
            issue(county, project=project)
            issue(county, unit=county.other_township, person=county.people["other_staff"])
        many, many_queries = _sweep_queries(dt.date(2026, 10, 19))
        # 6 overdue working days: reminded, and escalated twice (contact leader, principals).
        assert (few.reminded, few.escalated) == (2, 4)
        assert (many.reminded, many.escalated) == (6, 12)
        assert many_queries == few_queries

    def test_two_escalations_in_one_night_read_as_two_steps(self, county, orders):
        from auditlog.models import LogEntry

        order = orders["own"]
        sweep(dt.date(2026, 10, 19))  # first sweep after the deadline: 6 overdue working days
        order.refresh_from_db()
        assert order.escalation == 2
        trail = list(order.events.filter(on_date=dt.date(2026, 10, 19)).order_by("id"))
        assert [(e.kind, e.text) for e in trail] == [
            ("reminded", "系统催办：已逾期 6 个工作日"),
            ("escalated", f"逾期 6 个工作日，升级报联系县领导{county.people[Role.LEADER].name}"),
            ("escalated", f"逾期 6 个工作日，升级报主要领导{county.people[Role.PRINCIPAL].name}"),
        ]
        changes = [
            entry.changes_dict["escalation"]
            for entry in LogEntry.objects.get_for_object(order).order_by("id")
            if entry.action == LogEntry.Action.UPDATE and "escalation" in entry.changes_dict
        ]
        assert changes == [["0", "1"], ["1", "2"]]
        leader = Notification.objects.get(recipient=county.users[Role.LEADER])
        assert leader.title == f"督办单逾期升级：{order.code} {order.title}"
        assert leader.url == f"/supervision/{order.pk}/"
        assert leader.body.endswith("已逾期 6 个工作日，状态：已下发")
        assert Notification.objects.filter(
            recipient=county.users[Role.PRINCIPAL], title=leader.title
        ).exists()
        # The other order has no project, so no contact leader: straight to the principals.
        other = orders["other"]
        assert other.events.filter(kind="escalated").count() == 2
        assert (
            "该督办单未关联有联系县领导的项目" in other.events.filter(kind="escalated").first().text
        )


class TestIssueMany:
    def test_each_order_by_the_rules_of_one_numbered_in_turn(self, county):
        office = county.users[Role.SUPERVISION]
        first = issue(county)

        def request(**fields):
            values = {
                "acting_user": office,
                "unit": county.township,
                "person": county.people[Role.UNIT_STAFF],
                "title": "关于诉求办理的督办",
                "content": "请抓紧办理。",
                "deadline_days": 5,
                "issued_on": dt.date(2026, 9, 28),
            }
            values.update(fields)
            return services.OrderRequest(**values)

        results = services.orders_issue(
            [
                request(),
                request(person=county.people["other_staff"]),
                request(acting_user=county.users[Role.UNIT_STAFF]),
                request(title="  "),
                request(),
            ]
        )
        assert [r.number for r in (results[0], results[4])] == [first.number + 1, first.number + 2]
        assert [str(r) for r in results[1:4]] == [
            f"责任人{county.people['other_staff'].name}不是城关镇的人员",
            "只有督查室可以执行此操作",
            "请填写督办事由",
        ]
        assert results[0].deadline == first.deadline  # 10-10, the make-up Saturday
        assert results[0].events.get().text == (
            f"下发给城关镇，责任人{county.people[Role.UNIT_STAFF].name}"
        )
        assert Notification.objects.filter(
            recipient=county.users[Role.UNIT_STAFF],
            title=f"督办单：{results[4].code} 关于诉求办理的督办",
        ).exists()
        assert SupervisionOrder.objects.count() == 3


def codes(response) -> set[str]:
    return {o.code for o in response.context["page"].object_list}


class TestScope:
    @pytest.mark.parametrize("role", [Role.SUPERVISION, Role.PRINCIPAL, Role.ADMIN])
    def test_office_and_principals_see_every_order(self, county, orders, client_for, role):
        response = client_for(county.users[role]).get(reverse("supervision:list"))
        assert codes(response) == {"督办〔2026〕1号", "督办〔2026〕2号"}

    def test_project_office_and_contact_leader_see_orders_about_projects(
        self, county, orders, client_for
    ):
        for role in (Role.PROJECT_OFFICE, Role.LEADER):
            response = client_for(county.users[role]).get(reverse("supervision:list"))
            assert codes(response) == {orders["own"].code}

    def test_a_unit_sees_only_its_own_orders(self, county, orders, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        assert codes(client.get(reverse("supervision:list"))) == {orders["own"].code}
        own = client.get(reverse("supervision:detail", args=[orders["own"].pk]))
        other = client.get(reverse("supervision:detail", args=[orders["other"].pk]))
        assert own.status_code == 200
        assert other.status_code == 404
        assert client.get(reverse("supervision:docx", args=[orders["other"].pk])).status_code == 404
        api_other = client.get(f"/api/orders/{orders['other'].pk}/")
        assert api_other.status_code == 404
        listed = client.get("/api/orders/").json()
        rows = listed["results"] if isinstance(listed, dict) else listed
        assert [row["code"] for row in rows] == [orders["own"].code]

    def test_a_unit_cannot_sign_another_units_order_through_the_page(
        self, county, orders, client_for
    ):
        client = client_for(county.users[Role.UNIT_STAFF])
        response = client.post(reverse("supervision:sign", args=[orders["other"].pk]))
        assert response.status_code == 404
        orders["other"].refresh_from_db()
        assert orders["other"].status == Status.ISSUED

    def test_another_countys_order_is_404(self, county, other_county, orders, client_for):
        client = client_for(other_county.users[Role.SUPERVISION])
        assert client.get(reverse("supervision:detail", args=[orders["own"].pk])).status_code == 404
        assert client.get(f"/api/orders/{orders['own'].pk}/").status_code == 404
        assert codes(client.get(reverse("supervision:list"))) == set()

    @pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.BANK])
    def test_enterprises_and_banks_are_refused(self, county, orders, client_for, role):
        client = client_for(county.users[role])
        assert client.get(reverse("supervision:list")).status_code == 403
        assert client.get(reverse("supervision:detail", args=[orders["own"].pk])).status_code == 403
        assert client.get("/api/orders/").status_code == 403

    def test_list_filters(self, county, orders, client_for):
        client = client_for(county.users[Role.SUPERVISION])
        by_unit = client.get(reverse("supervision:list"), {"unit": county.other_township.pk})
        assert codes(by_unit) == {orders["other"].code}
        signed = client.get(reverse("supervision:list"), {"status": "signed"})
        assert codes(signed) == set()
        overdue = client.get(reverse("supervision:list"), {"overdue": "on"})
        assert codes(overdue) == {orders["own"].code, orders["other"].code}  # 2026-10-10 passed

    def test_detail_shows_the_history_and_the_actions_of_the_role(self, county, orders, client_for):
        order = orders["own"]
        unit_page = client_for(county.users[Role.UNIT_STAFF]).get(
            reverse("supervision:detail", args=[order.pk])
        )
        assert unit_page.context["rights"].sign
        assert "下发给城关镇" in unit_page.content.decode()
        office_page = client_for(county.users[Role.SUPERVISION]).get(
            reverse("supervision:detail", args=[order.pk])
        )
        assert not office_page.context["rights"].sign


def test_docx_reads_back_with_number_unit_and_deadline(county, orders, client_for):
    order = orders["own"]
    document = Document(io.BytesIO(order_docx(order)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "清溪县重点项目督办单" in text
    assert "督办〔2026〕1号" in text
    assert "城关镇" in text
    assert "2026年10月10日前（5个工作日）" in text
    assert county.people[Role.UNIT_STAFF].name in text
    fonts = document.paragraphs[0].runs[0]._element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    response = client_for(county.users[Role.UNIT_STAFF]).get(
        reverse("supervision:docx", args=[order.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_events_are_scoped_with_their_order(county, orders):
    staff = county.users[Role.UNIT_STAFF]
    visible = OrderEvent.objects.visible_to(staff)
    assert set(visible.values_list("order_id", flat=True)) == {orders["own"].pk}


def test_an_order_about_a_problem_prefills_from_the_problem(county, project, client_for):
    from tuijin.projects.services import problem_create

    problem = problem_create(
        project,
        description="10kV 电力接入滞后",
        responsible_unit=county.township,
        responsible_person=county.people[Role.UNIT_STAFF],
    )
    client = client_for(county.users[Role.SUPERVISION])
    url = reverse("supervision:create") + f"?project={project.pk}&problem={problem.pk}"
    initial = client.get(url).context["form"].initial
    assert initial["person"] == county.people[Role.UNIT_STAFF]
    assert initial["content"] == "10kV 电力接入滞后"
    order = issue(county, problem=problem)
    assert order.project == project


@pytest.mark.parametrize("role", [Role.UNIT_STAFF, Role.PROJECT_OFFICE, Role.ENTERPRISE])
def test_only_the_office_opens_the_issue_form(county, client_for, role):
    assert client_for(county.users[role]).get(reverse("supervision:create")).status_code == 403


def test_the_sweep_step_and_the_unit_panel_are_registered(county, orders, client_for):
    from tuijin.core.panels import UNIT_PANELS
    from tuijin.core.sweeps import SWEEP_STEPS
    from tuijin.supervision.panels import unit_orders_panel

    assert services.sweep_orders in SWEEP_STEPS
    assert unit_orders_panel in UNIT_PANELS
    page = client_for(county.users[Role.UNIT_STAFF]).get(
        reverse("directory:unit-detail", args=[county.township.pk])
    )
    assert orders["own"].code in page.content.decode()
    assert orders["other"].code not in page.content.decode()


def test_list_queries_do_not_grow_with_orders(
    county, orders, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(county.users[Role.SUPERVISION])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("supervision:list"))
    for _ in range(6):
        issue(county)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("supervision:list"))


def test_choosing_a_unit_lists_its_people_only(county, client_for):
    client = client_for(county.users[Role.SUPERVISION])
    response = client.get(reverse("supervision:people"), {"unit": county.township.pk})
    text = response.content.decode()
    assert county.people[Role.UNIT_STAFF].name in text
    assert county.people["other_staff"].name not in text
    refused = client_for(county.users[Role.UNIT_STAFF]).get(reverse("supervision:people"))
    assert refused.status_code == 403
