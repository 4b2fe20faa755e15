"""Project pages and API: each role sees exactly its projects and may do only its part."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tuijin.core.models import Notification
from tuijin.core.roles import Role
from tuijin.projects.models import ProgressReport, Project, Stage, StageChange

pytestmark = pytest.mark.django_db

SEES_ALL = [Role.PRINCIPAL, Role.SUPERVISION, Role.PROJECT_OFFICE, Role.ADMIN]


def names(response) -> set[str]:
    return {p.name for p in response.context["page"].object_list}


class TestWhoSeesWhat:
    @pytest.mark.parametrize("role", SEES_ALL)
    def test_county_roles_see_every_project(self, county, projects, client_for, role):
        response = client_for(county.users[role]).get(reverse("projects:list"))
        assert names(response) == {"智能装备制造产业园", "河口镇污水处理厂"}

    def test_a_county_leader_sees_only_the_projects_they_lead(self, county, projects, client_for):
        response = client_for(county.users[Role.LEADER]).get(reverse("projects:list"))
        assert names(response) == {"智能装备制造产业园"}

    def test_a_unit_sees_the_projects_it_hosts_or_leads(self, county, projects, client_for):
        township = client_for(county.users[Role.UNIT_STAFF]).get(reverse("projects:list"))
        assert names(township) == {"智能装备制造产业园"}

    def test_another_units_project_is_404(self, county, projects, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        response = client.get(reverse("projects:detail", args=[projects["other"].pk]))
        assert response.status_code == 404

    def test_another_countys_project_is_404(self, county, other_county, projects, client_for):
        client = client_for(other_county.users[Role.PROJECT_OFFICE])
        response = client.get(reverse("projects:detail", args=[projects["own"].pk]))
        assert response.status_code == 404

    @pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.BANK])
    def test_enterprises_and_banks_have_no_projects(self, county, projects, client_for, role):
        assert client_for(county.users[role]).get(reverse("projects:list")).status_code == 403

    def test_api_lists_follow_the_same_scope(self, county, projects, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        data = client.get("/api/projects/").json()
        assert [p["name"] for p in data["results"]] == ["智能装备制造产业园"]
        assert client.get(f"/api/projects/{projects['other'].pk}/").status_code == 404
        reports = client.get("/api/reports/", {"project": projects["other"].pk}).json()
        assert reports["results"] == []

    def test_list_filters_and_search(self, county, projects, client_for):
        client = client_for(county.users[Role.PROJECT_OFFICE])
        assert names(client.get(reverse("projects:list"), {"q": "污水"})) == {"河口镇污水处理厂"}
        assert names(client.get(reverse("projects:list"), {"unit": county.other_township.pk})) == {
            "河口镇污水处理厂"
        }
        assert names(client.get(reverse("projects:list"), {"stage": "negotiating"})) == set()


class TestReporting:
    def test_liaison_reports_and_the_contact_leader_gets_it(self, county, projects, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        project = projects["own"]
        period = dt.date.today().replace(day=1)
        response = client.post(
            reverse("projects:report", args=[project.pk]),
            {
                "period": period.isoformat(),
                "progress_text": "主体结构封顶",
                "invested": "1200.50",
                "problems_text": "",
                "coordination_text": "需协调电力接入",
            },
        )
        assert response.status_code == 302
        report = ProgressReport.objects.get(project=project)
        assert report.cumulative_invested == Decimal("1200.50")
        project.refresh_from_db()
        assert project.invested_total == Decimal("1200.50")
        message = Notification.objects.get(recipient=county.users[Role.LEADER])
        assert "需协调电力接入" in message.body

    def test_bad_money_gets_a_chinese_message_and_saves_nothing(self, county, projects, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        for bad, words in (("-5", "不能为负数"), ("abc", "应为数字"), ("99999999", "超过总投资")):
            response = client.post(
                reverse("projects:report", args=[projects["own"].pk]),
                {
                    "period": dt.date.today().replace(day=1).isoformat(),
                    "progress_text": "x",
                    "invested": bad,
                },
            )
            assert words in response.content.decode()
        assert not ProgressReport.objects.exists()

    def test_another_unit_cannot_report(self, county, projects, client_for):
        client = client_for(county.users["other_staff"])
        response = client.get(reverse("projects:report", args=[projects["own"].pk]))
        assert response.status_code == 404

    def test_leader_may_read_but_not_report(self, county, projects, client_for):
        client = client_for(county.users[Role.LEADER])
        response = client.get(reverse("projects:report", args=[projects["own"].pk]))
        assert response.status_code == 403

    def test_due_page_lists_the_units_unreported_project(self, county, projects, client_for):
        response = client_for(county.users[Role.UNIT_STAFF]).get(reverse("projects:due"))
        assert [row["project"].name for row in response.context["rows"]] == ["智能装备制造产业园"]

    def test_my_projects_shows_the_leaders_projects_with_reasons(
        self, county, projects, client_for
    ):
        response = client_for(county.users[Role.LEADER]).get(reverse("projects:mine"))
        assert names(response) == {"智能装备制造产业园"}


class TestStages:
    def test_unit_proposes_and_the_office_confirms(self, county, client_for):
        from .conftest import make_project

        project = make_project(
            county, stage=Stage.NEGOTIATING, actual_start=None, planned_start=None
        )
        unit = client_for(county.users[Role.UNIT_STAFF])
        unit.post(
            reverse("projects:stage", args=[project.pk]),
            {"to_stage": "signed", "on_date": "2026-05-01", "contract_amount": "30000"},
        )
        change = StageChange.objects.get(project=project)
        project.refresh_from_db()
        assert (change.status, project.stage) == ("proposed", Stage.NEGOTIATING)
        office = client_for(county.users[Role.PROJECT_OFFICE])
        office.post(reverse("projects:stage-decide", args=[change.pk]), {"decision": "confirm"})
        project.refresh_from_db()
        assert (project.stage, project.contract_amount) == (Stage.SIGNED, Decimal("30000"))

    def test_signing_without_an_amount_is_refused(self, county, client_for):
        from .conftest import make_project

        project = make_project(county, stage=Stage.NEGOTIATING, actual_start=None)
        office = client_for(county.users[Role.PROJECT_OFFICE])
        response = office.post(
            reverse("projects:stage", args=[project.pk]),
            {"to_stage": "signed", "on_date": "2026-05-01"},
            follow=True,
        )
        assert "合同金额" in response.content.decode()
        project.refresh_from_db()
        assert project.stage == Stage.NEGOTIATING

    def test_leader_cannot_confirm(self, county, projects, client_for):
        change = StageChange.objects.create(
            project=projects["own"],
            from_stage=Stage.STARTED,
            to_stage=Stage.COMPLETED,
            on_date=dt.date(2026, 10, 1),
            proposed_by=county.users[Role.UNIT_STAFF],
        )
        client = client_for(county.users[Role.LEADER])
        response = client.post(
            reverse("projects:stage-decide", args=[change.pk]), {"decision": "confirm"}
        )
        assert response.status_code == 403
        assert Project.objects.get(pk=projects["own"].pk).stage == Stage.STARTED


class TestRegistry:
    def test_office_registers_a_project_with_standard_milestones(self, county, client_for):
        client = client_for(county.users[Role.PROJECT_OFFICE])
        response = client.post(
            reverse("projects:create"),
            {
                "name": "新材料产业园",
                "nature": "new",
                "level": "county",
                "category": "industry",
                "total_investment": "8000",
                "host_unit": county.township.pk,
                "lead_department": county.department.pk,
                "contact_leader": county.people[Role.LEADER].pk,
                "responsible_people": [county.people[Role.UNIT_STAFF].pk],
                "planned_start": "2027-03-01",
                "plan_this_year": "1000",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        project = Project.objects.get(name="新材料产业园")
        assert project.milestones.count() >= 5
        assert project.responsibles.get().person == county.people[Role.UNIT_STAFF]

    def test_bad_project_code_is_refused(self, county, client_for):
        client = client_for(county.users[Role.PROJECT_OFFICE])
        response = client.post(
            reverse("projects:create"),
            {
                "name": "x",
                "code": "123",
                "nature": "new",
                "level": "county",
                "category": "industry",
                "total_investment": "-1",
                "host_unit": county.township.pk,
                "lead_department": county.department.pk,
                "contact_leader": county.people[Role.LEADER].pk,
            },
        )
        text = response.content.decode()
        assert "项目代码应为 24 位" in text and not Project.objects.filter(name="x").exists()

    @pytest.mark.parametrize("role", [Role.LEADER, Role.UNIT_STAFF, Role.SUPERVISION])
    def test_only_the_office_registers(self, county, client_for, role):
        assert client_for(county.users[role]).get(reverse("projects:create")).status_code == 403

    def test_project_page_shows_light_reasons_and_timeline(self, county, projects, client_for):
        client = client_for(county.users[Role.PRINCIPAL])
        page = client.get(reverse("projects:detail", args=[projects["own"].pk]))
        assert page.status_code == 200
        assert "责任链" in page.content.decode()


class TestSettings:
    def test_office_tunes_a_threshold_and_lights_follow(self, county, projects, client_for):
        from tuijin.projects.models import Milestone, ProjectRules

        from .conftest import make_project

        project = make_project(
            county,
            name="签约项目",
            stage=Stage.SIGNED,
            actual_start=None,
            planned_start=dt.date.today() + dt.timedelta(days=90),
        )
        Milestone.objects.create(
            project=project, name="主体完工", planned_date=dt.date.today() - dt.timedelta(days=5)
        )
        from tuijin.projects import lights

        lights.recompute(Project.objects.filter(pk=project.pk))
        project.refresh_from_db()
        assert project.light == "red"  # five days late, red from the first day by default
        client = client_for(county.users[Role.PROJECT_OFFICE])
        data = {
            "part": "rules",
            "period_kind": "month",
            "start_red_months": 3,
            "progress_yellow_gap": 10,
            "progress_red_gap": 30,
            "milestone_warn_workdays": 3,
            "milestone_red_days": 30,
            "missing_yellow": 1,
            "missing_red": 2,
            "stats_yellow_months": 1,
            "stats_red_months": 2,
            "photo_max_mb": 10,
        }
        response = client.post(reverse("projects:settings"), data)
        assert response.status_code == 302
        assert ProjectRules.objects.get(region=county.region).milestone_red_days == 30
        project.refresh_from_db()
        assert project.light == "yellow"
        assert any("主体完工" in r and "已逾期 5 天" in r for r in project.light_reasons)

    def test_inconsistent_thresholds_are_refused(self, county, client_for):
        client = client_for(county.users[Role.PROJECT_OFFICE])
        response = client.post(
            reverse("projects:settings"),
            {
                "part": "rules",
                "period_kind": "month",
                "start_red_months": 3,
                "progress_yellow_gap": 30,
                "progress_red_gap": 10,
                "milestone_warn_workdays": 3,
                "milestone_red_days": 0,
                "missing_yellow": 1,
                "missing_red": 2,
                "stats_yellow_months": 1,
                "stats_red_months": 2,
                "photo_max_mb": 10,
            },
        )
        assert "红灯阈值应大于黄灯阈值" in response.content.decode()

    def test_office_adds_a_milestone_template(self, county, client_for):
        from tuijin.projects.models import MilestoneTemplate
        from tuijin.projects.services import ensure_milestone_templates

        ensure_milestone_templates()
        count = MilestoneTemplate.objects.count()
        client = client_for(county.users[Role.PROJECT_OFFICE])
        formset = client.get(reverse("projects:settings")).context["formset"]
        data = {
            "part": "templates",
            "t-TOTAL_FORMS": count + 1,
            "t-INITIAL_FORMS": count,
            "t-MIN_NUM_FORMS": 0,
            "t-MAX_NUM_FORMS": 1000,
        }
        for i, form in enumerate(formset.forms[:count]):
            for name in ("category", "name", "order", "offset_months"):
                data[f"t-{i}-{name}"] = form.initial[name]
            data[f"t-{i}-id"] = form.instance.pk
        data.update(
            {
                f"t-{count}-category": "industry",
                f"t-{count}-name": "消防验收",
                f"t-{count}-order": 10,
                f"t-{count}-offset_months": 21,
            }
        )
        assert client.post(reverse("projects:settings"), data).status_code == 302
        assert MilestoneTemplate.objects.filter(name="消防验收").exists()

    @pytest.mark.parametrize("role", [Role.LEADER, Role.UNIT_STAFF, Role.PRINCIPAL])
    def test_only_the_office_tunes(self, county, client_for, role):
        assert client_for(county.users[role]).get(reverse("projects:settings")).status_code == 403


class TestUnitPage:
    def test_unit_page_shows_its_projects_and_problems_due(self, county, projects, client_for):
        from tuijin.projects.services import problem_create

        problem_create(
            projects["own"],
            description="电网接入批复未取得",
            responsible_unit=county.township,
            responsible_person=county.people[Role.UNIT_STAFF],
            deadline_days=2,
        )
        client = client_for(county.users[Role.UNIT_STAFF])
        page = client.get(reverse("directory:unit-detail", args=[county.township.pk]))
        text = page.content.decode()
        assert "重点项目" in text and "电网接入批复未取得" in text

    def test_a_leader_sees_only_their_projects_on_a_unit_page(self, county, projects, client_for):
        client = client_for(county.users[Role.LEADER])
        page = client.get(reverse("directory:unit-detail", args=[county.other_township.pk]))
        assert page.status_code == 200
        assert "unit-projects" not in page.content.decode()  # the leader leads none there


PROJECT_PAGES = [
    ("projects:detail", "get"),
    ("projects:report", "get"),
    ("projects:milestones", "get"),
    ("projects:problem-create", "get"),
    ("projects:stage", "post"),
    ("projects:edit", "get"),
    ("projects:site-check", "get"),
]


class TestEveryPageKeepsItsScope:
    @pytest.mark.parametrize(("name", "method"), PROJECT_PAGES)
    def test_another_units_project_is_404_on_every_page(
        self, county, projects, client_for, name, method
    ):
        client = client_for(county.users[Role.UNIT_STAFF])
        url = reverse(name, args=[projects["other"].pk])
        response = getattr(client, method)(url)
        assert response.status_code in (403, 404)
        assert "河口镇污水处理厂" not in response.content.decode()

    @pytest.mark.parametrize(("name", "method"), PROJECT_PAGES)
    def test_enterprise_is_refused_every_page(self, county, projects, client_for, name, method):
        client = client_for(county.users[Role.ENTERPRISE])
        response = getattr(client, method)(reverse(name, args=[projects["own"].pk]))
        assert response.status_code == 403

    def test_problems_of_another_unit_cannot_be_updated(self, county, projects, client_for):
        from tuijin.projects.models import Problem
        from tuijin.projects.services import problem_create

        problem = problem_create(
            projects["other"],
            description="征地未完成",
            responsible_unit=county.other_township,
            responsible_person=county.people["other_staff"],
        )
        client = client_for(county.users[Role.UNIT_STAFF])
        page = client.post(
            reverse("projects:problem-update", args=[problem.pk]),
            {"status": "resolved", "measure": "篡改"},
        )
        api = client.patch(
            f"/api/problems/{problem.pk}/", {"status": "resolved"}, content_type="application/json"
        )
        assert (page.status_code, api.status_code) == (404, 404)
        assert Problem.objects.get(pk=problem.pk).status == "open"

    def test_api_milestones_of_another_unit_are_hidden(self, county, projects, client_for):
        from tuijin.projects.models import Milestone

        milestone = Milestone.objects.create(project=projects["other"], name="开工")
        client = client_for(county.users[Role.UNIT_STAFF])
        assert client.get(f"/api/milestones/{milestone.pk}/").status_code == 404
        response = client.patch(
            f"/api/milestones/{milestone.pk}/",
            {"actual_date": "2026-01-01"},
            content_type="application/json",
        )
        assert response.status_code == 404

    def test_api_report_by_the_unit_and_refused_for_another(self, county, projects, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        period = dt.date.today().replace(day=1).isoformat()
        ok = client.post(
            "/api/reports/",
            {
                "project": projects["own"].pk,
                "period": period,
                "progress_text": "桩基施工",
                "invested": "100",
            },
            content_type="application/json",
        )
        refused = client.post(
            "/api/reports/",
            {
                "project": projects["other"].pk,
                "period": period,
                "progress_text": "x",
                "invested": "1",
            },
            content_type="application/json",
        )
        future = client.post(
            "/api/reports/",
            {
                "project": projects["own"].pk,
                "period": "2099-01-01",
                "progress_text": "x",
                "invested": "1",
            },
            content_type="application/json",
        )
        assert ok.status_code == 201 and ok.json()["cumulative_invested"] == "100.00"
        assert refused.status_code in (400, 404)
        assert future.status_code == 400 and "period" in future.json()["fields"]

    def test_api_project_create_is_for_the_office(self, county, client_for):
        body = {"name": "API 项目", "total_investment": "100", "host_unit": county.township.pk}
        unit = client_for(county.users[Role.UNIT_STAFF]).post(
            "/api/projects/", body, content_type="application/json"
        )
        assert unit.status_code in (403, 404)
        office = client_for(county.users[Role.PROJECT_OFFICE]).post(
            "/api/projects/", body, content_type="application/json"
        )
        assert office.status_code == 201
        assert Project.objects.get(name="API 项目").milestones.exists()


def test_green_project_confirmed_unchanged_in_one_tap(county, projects, client_for):
    from tuijin.projects.services import report_submit

    project = projects["own"]
    this_month = dt.date.today().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    report_submit(
        project,
        last_month,
        acting_user=county.users[Role.UNIT_STAFF],
        progress_text="设备安装调试中",
        invested="300",
        today=dt.date.today(),
    )
    Project.objects.filter(pk=project.pk).update(light="green")
    client = client_for(county.users[Role.UNIT_STAFF])
    response = client.post(
        reverse("projects:report", args=[project.pk]),
        {"unchanged": "1", "period": this_month.isoformat()},
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(project=project, period=this_month)
    assert (report.unchanged, report.invested, report.progress_text) == (
        True,
        Decimal("0"),
        "设备安装调试中",
    )


@pytest.mark.parametrize("url_name", ["projects:list", "projects:due", "projects:mine"])
def test_list_pages_query_count_does_not_grow_with_projects(county, client_for, url_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import make_project

    user = {
        "projects:due": Role.UNIT_STAFF,
        "projects:mine": Role.LEADER,
    }.get(url_name, Role.PROJECT_OFFICE)
    client = client_for(county.users[user])
    counts = []
    for total in (3, 30):
        while Project.objects.count() < total:
            make_project(county, name=f"项目{Project.objects.count()}")
        client.get(reverse(url_name))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
