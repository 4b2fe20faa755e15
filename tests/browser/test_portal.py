"""The enterprise portal in the browser: an enterprise files a request on a phone, the
township accepts and replies, the enterprise rates it 不满意 and sees it reopened."""

import pytest
from playwright.sync_api import expect

from tuijin.appeals import services
from tuijin.appeals.models import Appeal, EnterpriseAccount
from tuijin.core.demo import seed_demo
from tuijin.core.models import Unit, User
from tuijin.enterprises.models import Enterprise
from tuijin.enterprises.tests.factories import make_code

from .test_roles import sign_in


@pytest.fixture
def verified(transactional_db, monkeypatch, settings, tmp_path):
    """The demo directory, and the demo ``enterprise`` account verified for one enterprise."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [])
    seed_demo()
    township = Unit.objects.get(name="城关镇")
    enterprise = Enterprise.objects.create(
        region=township.region,
        host_unit=township,
        credit_code=make_code(3),
        name="清溪瑞丰电子科技有限公司",
    )
    EnterpriseAccount.objects.create(
        user=User.objects.get(username="enterprise"),
        enterprise=enterprise,
        contact_name="周经理",
        contact_mobile="13912340000",
        verified=True,
    )
    return enterprise


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_enterprise_files_on_a_phone_and_reopens_an_unsatisfying_reply(
    verified, live_server, phone_page, page
):
    # The enterprise files a request on its phone.
    sign_in(phone_page, live_server.url, "enterprise")
    expect(phone_page.get_by_role("heading", name="我的诉求")).to_be_visible()
    _fits(phone_page)
    phone_page.get_by_test_id("portal-new").click()
    phone_page.get_by_test_id("kind-help").click()
    phone_page.get_by_test_id("topic-utilities").click()
    phone_page.locator("#id_title").fill("新车间用电报装一个月没接通")
    phone_page.locator("#id_text").fill("新车间需增容 400 千伏安，报装一个月还没接电，请帮忙协调。")
    _fits(phone_page)
    phone_page.get_by_test_id("portal-file-submit").click()
    expect(phone_page.get_by_text("已提交，编号")).to_be_visible()
    expect(phone_page.get_by_test_id("portal-timeline")).to_contain_text("诉求已提交")
    appeal = Appeal.objects.get()
    assert (appeal.source, appeal.enterprise_id, appeal.kind) == ("portal", verified.pk, "help")

    # The office dispatches it to 城关镇 (the office's page is tested with the pool).
    services.appeal_dispatch(
        User.objects.get(username="projectoffice"), appeal, Unit.objects.get(name="城关镇")
    )

    # The township liaison accepts and replies in the browser.
    sign_in(page, live_server.url, "township")
    page.goto(f"{live_server.url}/appeals/{appeal.pk}/")
    page.get_by_role("button", name="签收").click()
    expect(page.get_by_text("已签收")).to_be_visible()
    page.get_by_label("答复内容（采取的措施和结果）").fill("已联系供电所，排期下月接电。")
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_text("已答复，等待企业评价")).to_be_visible()

    # The enterprise sees the reply, rates it 不满意 on the phone, and sees it reopened.
    phone_page.goto(f"{live_server.url}/portal/requests/")
    expect(phone_page.get_by_test_id(f"portal-appeal-{appeal.pk}")).to_contain_text("待评价")
    phone_page.get_by_test_id(f"portal-appeal-{appeal.pk}").click()
    expect(phone_page.get_by_test_id("portal-timeline")).to_contain_text("排期下月接电")
    _fits(phone_page)
    phone_page.get_by_test_id("rating-unsatisfied").click()
    phone_page.locator("#id_comment").fill("等不到下月，希望本周内接电")
    phone_page.get_by_test_id("portal-rate-submit").click()
    expect(phone_page.get_by_text("诉求已重新办理")).to_be_visible()
    expect(phone_page.get_by_test_id("reopened")).to_have_text("已重新办理")
    expect(phone_page.get_by_test_id("portal-status")).to_have_text("办理中")
    expect(phone_page.get_by_test_id("portal-timeline")).to_contain_text("已重新办理")
    _fits(phone_page)
    appeal.refresh_from_db()
    assert (appeal.status, appeal.rating, appeal.reopen_count) == ("accepted", "unsatisfied", 1)


def test_an_enterprise_registers_with_its_mobile_and_signs_in_with_it(
    transactional_db, monkeypatch, live_server, phone_page
):
    """A refused registration shows its message (answered 400); once the office verifies,
    the login page takes the mobile; the account's own name is not the number."""
    from tuijin.appeals import portal

    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [])
    seed_demo()
    township = Unit.objects.get(name="城关镇")
    enterprise = Enterprise.objects.create(
        region=township.region,
        host_unit=township,
        credit_code=make_code(4),
        name="清溪恒远机械有限公司",
    )
    mobile, password = "13712345678", "Hengyuan-Jixie-2026"

    phone_page.goto(f"{live_server.url}/portal/register/")
    phone_page.get_by_label("统一社会信用代码").fill(make_code(9))  # not in the registry
    phone_page.get_by_label("联系人姓名").fill("钱会计")
    phone_page.get_by_label("联系人手机号").fill(mobile)
    phone_page.get_by_label("设置密码").fill(password)
    phone_page.get_by_label("再输一次密码").fill(password)
    with phone_page.expect_response(lambda r: r.request.method == "POST") as posted:
        phone_page.get_by_role("button", name="提交注册").click()
    assert posted.value.status == 400
    expect(phone_page.get_by_text("企业名录中没有这个统一社会信用代码")).to_be_visible()
    _fits(phone_page)

    phone_page.get_by_label("统一社会信用代码").fill(enterprise.credit_code)
    phone_page.get_by_label("设置密码").fill(password)
    phone_page.get_by_label("再输一次密码").fill(password)
    phone_page.get_by_role("button", name="提交注册").click()
    expect(phone_page.get_by_text("您的注册正在核验中")).to_be_visible()
    account = EnterpriseAccount.objects.get(enterprise=enterprise)
    assert account.user.username.startswith("qy") and mobile not in account.user.username

    portal.account_verify(User.objects.get(username="projectoffice"), account)
    phone_page.context.clear_cookies()
    phone_page.goto(f"{live_server.url}/accounts/login/")
    phone_page.get_by_label("用户名").fill(mobile)
    phone_page.get_by_label("密码").fill(password)
    phone_page.get_by_role("button", name="登录").click()
    expect(phone_page.get_by_role("heading", name="我的诉求")).to_be_visible()
    expect(phone_page.get_by_test_id("portal-new")).to_be_visible()
