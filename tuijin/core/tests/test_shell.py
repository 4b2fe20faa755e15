"""The product shell: a role-aware menu, Chinese error pages, offline assets, admin."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tuijin.core.models import WorkdayOverride
from tuijin.core.roles import Role

STATIC = Path(__file__).resolve().parents[1] / "static" / "vendor"


def menu_labels(response) -> set[str]:
    return {entry["label"] for section in response.context["menu"] for entry in section["entries"]}


GOV_MENU = {
    "首页",
    "消息",
    "单位通讯录",
    "人员查询",
    "工作日历",
    "接口文档",
    "重点项目",
    "督办单",
    "比学赶超",
    "督查",
    "调度会",
    "自问自查",
    "会议管理",
    "请假",
    "接待陪访",
    "企业名录",
    "包联走访",
    "企业诉求",
    "诉求统计",
}
OUTREACH = {"外出招商", "项目线索", "项目日"}
DRIVES = {"集中推进行动", "全年目标"}
COUNTY_VIEW = {"驾驶舱", "通报", "走访覆盖"}
EXPECTED_MENUS = {
    Role.PRINCIPAL: GOV_MENU | {"我的项目"} | COUNTY_VIEW | OUTREACH | DRIVES,
    Role.LEADER: GOV_MENU | {"我的项目"} | OUTREACH | DRIVES,
    Role.SUPERVISION: GOV_MENU | {"审计日志"} | COUNTY_VIEW | DRIVES,
    Role.PROJECT_OFFICE: GOV_MENU
    | {"台账导入", "项目设置", "企业导入", "12345工单导入", "诉求时限", "企业账号核验"}
    | COUNTY_VIEW
    | OUTREACH
    | DRIVES,
    Role.UNIT_STAFF: GOV_MENU | {"待填报"},
    Role.ENTERPRISE: {"首页", "消息", "我的诉求", "提交诉求"},
    Role.BANK: {"首页", "消息"},
    Role.ADMIN: GOV_MENU
    | {"通讯录导入", "后台管理", "消息推送", "我的项目", "待填报", "台账导入"}
    | {"项目设置", "企业导入", "12345工单导入", "诉求时限", "企业账号核验"}
    | COUNTY_VIEW
    | OUTREACH
    | DRIVES,
    # Separation of duties: the security and audit administrators see only their own pages.
    Role.SECURITY_ADMIN: {"首页", "消息", "安全日志", "账号与角色"},
    Role.AUDIT_ADMIN: {"首页", "消息", "审计日志", "审计链校验", "安全日志"},
}


@pytest.mark.django_db
class TestMenu:
    @pytest.mark.parametrize("role", list(EXPECTED_MENUS))
    def test_each_role_sees_its_menu(self, county, client_for, role):
        response = client_for(county.users[role]).get(reverse("home"), follow=True)
        assert menu_labels(response) == EXPECTED_MENUS[role]

    @pytest.mark.parametrize("role", list(EXPECTED_MENUS))
    def test_every_menu_entry_opens_for_that_role(self, county, client_for, role):
        client = client_for(county.users[role])
        response = client.get(reverse("home"), follow=True)
        for section in response.context["menu"]:
            for entry in section["entries"]:
                if entry["url"].startswith("/admin/") and role != Role.ADMIN:
                    continue
                # An entry may lead on (the portal sends an unverified enterprise to its
                # waiting page) but must end on a page of the product, never the sign-in.
                page = client.get(entry["url"], follow=True)
                assert page.status_code == 200, entry
                assert "/accounts/login/" not in page.request["PATH_INFO"], entry

    def test_only_the_best_matching_entry_is_active(self, county, client_for):
        client = client_for(county.users[Role.SUPERVISION])
        response = client.get(reverse("supervision:meetings"))
        active = [e["label"] for s in response.context["menu"] for e in s["entries"] if e["active"]]
        assert active == ["调度会"]  # not 督办单, whose URL /supervision/ is a prefix
        response = client.get(reverse("supervision:list"))
        active = [e["label"] for s in response.context["menu"] for e in s["entries"] if e["active"]]
        assert active == ["督办单"]

    def test_admin_site_needs_staff(self, county, client_for):
        client = client_for(county.users[Role.PRINCIPAL])
        assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
class TestErrorPages:
    def test_404_is_chinese(self, county, client_for, settings):
        settings.DEBUG = False
        page = client_for(county.users[Role.LEADER]).get("/no-such-page/")
        assert page.status_code == 404
        assert "页面不存在" in page.content.decode()

    def test_403_is_chinese(self, county, client_for):
        page = client_for(county.users[Role.LEADER]).get(reverse("directory:import"))
        assert page.status_code == 403
        assert "无权访问" in page.content.decode()

    def test_500_is_chinese_and_shows_no_trace(self, county, settings, monkeypatch):
        settings.DEBUG = False
        monkeypatch.setattr(
            "tuijin.core.views.Unit.objects.visible_to",
            lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")),
        )
        client = Client(raise_request_exception=False)
        client.force_login(county.users[Role.LEADER])
        page = client.get(reverse("home"))
        assert page.status_code == 500
        text = page.content.decode()
        assert "系统出错了" in text and "boom" not in text and "Traceback" not in text


class TestOffline:
    def test_vendored_assets_carry_their_licences(self):
        for name, asset in [
            ("bootstrap", "bootstrap.min.css"),
            ("bootstrap-icons", "bootstrap-icons.min.css"),
            ("htmx", "htmx.min.js"),
            ("echarts", "echarts.min.js"),
        ]:
            assert (STATIC / name / asset).stat().st_size > 1000
            assert (STATIC / name / "LICENSE").exists()

    def test_no_template_loads_anything_from_the_internet(self):
        root = Path(__file__).resolve().parents[2]
        pattern = re.compile(r"""(src|href)=["']?(https?:)?//""")
        offenders = [
            str(path)
            for path in root.rglob("*.html")
            if pattern.search(path.read_text(encoding="utf-8"))
        ]
        assert offenders == []

    @pytest.mark.django_db
    def test_pages_are_made_for_phones(self, client):
        page = client.get(reverse("login")).content.decode()
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in page


@pytest.mark.django_db
class TestCalendarPage:
    def test_computes_a_deadline_in_place(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        response = client.get(
            reverse("calendar"), {"start": "2026-09-30", "days": "3"}, HTTP_HX_REQUEST="true"
        )
        text = response.content.decode()
        assert "2026年10月10日" in text
        assert "<html" not in text  # only the result partial comes back

    def test_provisional_year_is_flagged(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        text = client.get(reverse("calendar"), {"start": "2027-01-04", "days": "5"}).content
        assert "暂定" in text.decode()

    def test_bad_input_gets_a_chinese_message(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        text = client.get(reverse("calendar"), {"start": "2026-10-01", "end": "2026-09-01"})
        assert "结束日期不能早于起始日期" in text.content.decode()

    def test_admin_is_warned_of_a_missing_notice_until_it_is_entered(
        self, county, client_for, settings
    ):
        client = client_for(county.users[Role.ADMIN])
        years = [y for y in (2026, 2027, 2028) if y >= 2027]
        warning = client.get(reverse("calendar")).context["notice_years"]
        assert set(warning) <= set(years)
        if warning:
            for year in warning:
                WorkdayOverride.objects.create(date=f"{year}-01-01", is_workday=False, note="元旦")
            assert client.get(reverse("calendar")).context["notice_years"] == []


def test_healthz_answers_anyone_and_home_still_asks_to_sign_in(db):
    """Monitoring reads /healthz without an account; every page still needs one."""
    client = Client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert reverse("login") in home["Location"]
