"""Each demo role signs in, sees its own menu, and searches the directory as far as it may."""

import pytest
from playwright.sync_api import expect

from tuijin.core.demo import DEMO_PASSWORD, seed_demo
from tuijin.core.models import Person

GOV_MENU = ["首页", "消息", "重点项目", "督办单", "比学赶超", "企业名录", "单位通讯录", "人员查询"]
GOV_MENU += ["工作日历", "接口文档", "包联走访", "督查", "调度会", "自问自查"]
GOV_MENU += ["会议管理", "请假", "接待陪访", "企业诉求", "诉求统计"]
OUTREACH = ["外出招商", "项目线索", "项目日"]
DRIVES = ["集中推进行动", "全年目标"]
COUNTY_VIEW = ["驾驶舱", "通报", "走访覆盖"]
OFFICE_EXTRA = ["台账导入", "项目设置", "企业导入", "12345工单导入", "诉求时限", "企业账号核验"]
OFFICE_EXTRA += [*COUNTY_VIEW, *OUTREACH, *DRIVES]
MENUS = {
    "admin": [*GOV_MENU, *OFFICE_EXTRA, "我的项目", "待填报", "通讯录导入"]
    + ["消息推送", "后台管理"],
    "principal": [*GOV_MENU, "我的项目", *COUNTY_VIEW, *OUTREACH, *DRIVES],
    "leader": [*GOV_MENU, "我的项目", *OUTREACH, *DRIVES],
    "supervision": [*GOV_MENU, "审计日志", *COUNTY_VIEW, *DRIVES],
    "projectoffice": [*GOV_MENU, *OFFICE_EXTRA],
    "township": [*GOV_MENU, "待填报"],
    "department": [*GOV_MENU, "待填报"],
    "enterprise": ["首页", "消息", "我的诉求", "提交诉求"],
    "bank": ["首页", "消息"],
    # Separation of duties: security and audit administrators see only their own pages.
    "security": ["首页", "消息", "安全日志", "账号与角色"],
    "auditor": ["首页", "消息", "审计日志", "审计链校验", "安全日志"],
}


@pytest.fixture
def demo(transactional_db, monkeypatch):
    """The demo directory and accounts; modules' demo data is left out to keep this fast."""
    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [])
    seed_demo()


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("您好")).to_be_visible()


@pytest.mark.parametrize("username", list(MENUS))
def test_role_signs_in_and_sees_its_menu(demo, live_server, page, username):
    sign_in(page, live_server.url, username)
    menu = page.get_by_test_id("menu")
    labels = [text.strip() for text in menu.get_by_role("link").all_inner_texts()]
    assert sorted(labels) == sorted(MENUS[username])


@pytest.mark.parametrize("username", ["principal", "leader", "supervision", "projectoffice"])
def test_county_roles_find_anyone_in_the_county(demo, live_server, page, username):
    target = Person.objects.filter(unit__name="马渡镇").first()
    sign_in(page, live_server.url, username)
    page.get_by_test_id("menu").get_by_role("link", name="人员查询").click()
    page.get_by_test_id("person-search").fill(target.name)
    results = page.get_by_test_id("person-results")
    expect(results.get_by_role("link", name=target.name)).to_be_visible()
    expect(results.locator("tbody tr")).to_have_count(1)


def test_township_liaison_finds_own_colleagues_but_not_other_units(demo, live_server, page):
    colleague = Person.objects.filter(unit__name="城关镇", title="镇长").get()
    outsider = Person.objects.filter(unit__name="马渡镇", title="镇长").get()
    sign_in(page, live_server.url, "township")
    page.get_by_test_id("menu").get_by_role("link", name="人员查询").click()
    search = page.get_by_test_id("person-search")
    search.fill(colleague.name)
    expect(
        page.get_by_test_id("person-results").get_by_role("link", name=colleague.name)
    ).to_be_visible()
    search.fill(outsider.name)
    expect(page.get_by_text("没有找到符合条件的人员")).to_be_visible()
    page.goto(f"{live_server.url}/directory/people/{outsider.pk}/")
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()


def test_search_by_pinyin_initials_in_the_browser(demo, live_server, page):
    sign_in(page, live_server.url, "principal")
    target = Person.objects.filter(unit__name="临港物流园").first()
    page.goto(live_server.url + "/directory/people/")
    page.get_by_test_id("person-search").fill(target.pinyin_initials)
    expect(
        page.get_by_test_id("person-results").get_by_role("link", name=target.name)
    ).to_be_visible()


def test_enterprise_is_refused_the_directory(demo, live_server, page):
    sign_in(page, live_server.url, "enterprise")
    page.goto(live_server.url + "/directory/people/")
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()


def test_phone_menu_opens_from_the_toggler(demo, live_server, phone_page, tmp_path):
    sign_in(phone_page, live_server.url, "township")
    menu = phone_page.get_by_test_id("menu")
    expect(menu.get_by_role("link", name="人员查询")).to_be_hidden()
    phone_page.get_by_role("button", name="打开菜单").click()
    expect(menu.get_by_role("link", name="人员查询")).to_be_visible()
    menu.get_by_role("link", name="人员查询").click()
    expect(phone_page.get_by_role("heading", name="人员查询")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    phone_page.screenshot(path=tmp_path / "phone.png", full_page=True)


def test_calendar_computes_with_htmx(demo, live_server, page):
    sign_in(page, live_server.url, "department")
    page.get_by_test_id("menu").get_by_role("link", name="工作日历").click()
    page.get_by_label("收到日期").fill("2026-09-30")
    page.get_by_label("工作日数").fill("3")
    page.get_by_role("button", name="计算到期日").click()
    expect(page.get_by_test_id("workday-result")).to_contain_text("2026年10月10日")
