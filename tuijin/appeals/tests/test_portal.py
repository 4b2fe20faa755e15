"""The enterprise portal: registration, verification by the office, filing, the timeline,
answering a question, rating, and isolation between enterprises."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image

from tuijin.appeals import portal, services
from tuijin.appeals.models import Appeal, AppealAttachment, AppealEvent, EnterpriseAccount
from tuijin.core.models import Notification, User
from tuijin.core.roles import Role
from tuijin.enterprises.tests.factories import make_code, make_enterprise

from .conftest import dispatched, replied

REGISTER = "/portal/register/"
PASSWORD = "Qiye-Portal-2026"


def _form(credit_code: str, mobile: str = "13912345678", **extra) -> dict:
    return {
        "credit_code": credit_code,
        "contact_name": "赵会计",
        "contact_mobile": mobile,
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }


@pytest.fixture
def newcomer(county):
    """An enterprise of the registry with no portal account yet."""
    return make_enterprise(
        county.region,
        county.township,
        7,
        name="清溪新材料有限公司",
        legal_representative="钱多多",
        contact_name="孙主任",
        contact_mobile="13800001111",
    )


@pytest.fixture
def pending(newcomer) -> EnterpriseAccount:
    return portal.account_register(
        credit_code=newcomer.credit_code,
        contact_name="赵会计",
        contact_mobile="13912345678",
        password=PASSWORD,
    )


# ---------------------------------------------------------------------------
# Registration


@pytest.mark.parametrize(
    "code, message",
    [
        (make_code(7)[:17] + ("0" if make_code(7)[17] != "0" else "1"), "校验位错误"),
        (make_code(8), "企业名录中没有这个统一社会信用代码"),
        ("91339901ABC", "应为 18 位"),
    ],
)
def test_registration_with_a_bad_or_unknown_code_is_refused(client, newcomer, code, message):
    users = User.objects.count()
    response = client.post(REGISTER, _form(code))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == users
    assert not EnterpriseAccount.objects.exists()


def test_unknown_code_sends_the_enterprise_to_the_office(client, newcomer):
    response = client.post(REGISTER, _form(make_code(8)))
    assert "请联系县企业服务办" in response.content.decode()


def test_registration_with_a_taken_mobile_is_refused(client, newcomer, pending):
    users = User.objects.count()
    response = client.post(REGISTER, _form(newcomer.credit_code, "13912345678"))
    assert "这个手机号已经注册过" in response.content.decode()
    assert User.objects.count() == users
    assert EnterpriseAccount.objects.count() == 1


def test_registration_refuses_a_bad_mobile_and_mismatched_passwords(client, newcomer):
    html = client.post(REGISTER, _form(newcomer.credit_code, "1391234")).content.decode()
    assert "请填写 11 位手机号码" in html
    html = client.post(
        REGISTER, _form(newcomer.credit_code, password2="Something-Else-99")
    ).content.decode()
    assert "两次输入的密码不一致" in html
    html = client.post(
        REGISTER, _form(newcomer.credit_code, password1="12345678", password2="12345678")
    ).content.decode()
    assert "密码太短，至少 10 位" in html and "密码不能全是数字" in html
    assert not User.objects.filter(mobile="13912345678").exists()


def test_registration_creates_an_unverified_account_and_tells_the_office(client, county, newcomer):
    response = client.post(REGISTER, _form(newcomer.credit_code.lower()), follow=True)
    html = response.content.decode()
    assert "您的注册正在核验中" in html
    assert "提交新诉求" not in html
    user = User.objects.get(mobile="13912345678")
    assert user.username.startswith("qy") and "13912345678" not in user.username
    assert user.region == county.region
    assert list(user.groups.values_list("name", flat=True)) == [Role.ENTERPRISE.value]
    account = user.enterprise_account
    assert (account.enterprise, account.verified, account.contact_mobile) == (
        newcomer,
        False,
        "13912345678",
    )
    office = county.users[Role.PROJECT_OFFICE]
    note = Notification.objects.get(recipient=office)
    assert note.title == "企业账号待核验：清溪新材料有限公司"
    assert note.url == reverse("portal:accounts")
    # Signing in later goes through the normal login page with the mobile.
    client.post(reverse("logout"))
    again = client.post(
        reverse("login"), {"username": "13912345678", "password": PASSWORD}, follow=True
    )
    assert "您的注册正在核验中" in again.content.decode()


# ---------------------------------------------------------------------------
# Before verification


def test_unverified_account_sees_only_the_waiting_notice(client_for, pending):
    client = client_for(pending.user)
    home = client.get("/", follow=True)
    assert "您的注册正在核验中" in home.content.decode()
    assert client.get("/portal/new/").status_code == 302
    response = client.post(
        "/portal/new/",
        {"kind": "help", "topic": "land", "urgency": "normal", "title": "用地", "text": "用地"},
        follow=True,
    )
    assert "核验通过后才能使用" in response.content.decode()
    assert not Appeal.objects.exists()


def test_unverified_account_cannot_read_its_enterprise_requests(client_for, world, county):
    appeal = dispatched(world)
    stranger = portal.account_register(
        credit_code=world.own.credit_code,
        contact_name="冒名者",
        contact_mobile="13700000000",
        password=PASSWORD,
    )
    client = client_for(stranger.user)
    assert client.get(f"/portal/requests/{appeal.pk}/").status_code == 302
    assert client.get(reverse("appeals:detail", args=[appeal.pk])).status_code == 404


# ---------------------------------------------------------------------------
# Verification by the service office


def test_office_sees_pending_accounts_with_the_registry_facts(client_for, county, pending):
    html = client_for(county.users[Role.PROJECT_OFFICE]).get("/portal/accounts/").content.decode()
    assert "清溪新材料有限公司" in html
    assert "钱多多" in html
    assert "13800001111" in html and "13912345678" in html
    assert "与名录手机号不一致" in html


def test_office_verifies_and_the_enterprise_can_file(client_for, county, pending):
    office = county.users[Role.PROJECT_OFFICE]
    response = client_for(office).post(f"/portal/accounts/{pending.pk}/verify/", follow=True)
    assert "已核验通过" in response.content.decode()
    pending.refresh_from_db()
    assert pending.verified and pending.verified_by == office and pending.verified_at
    assert Notification.objects.filter(
        recipient=pending.user, title="您的企业账号已通过核验"
    ).exists()
    html = client_for(pending.user).get("/portal/requests/").content.decode()
    assert "我的诉求" in html and "提交新诉求" in html


def test_office_rejects_with_a_reason_and_the_enterprise_reads_it(client_for, county, pending):
    office = client_for(county.users[Role.PROJECT_OFFICE])
    response = office.post(f"/portal/accounts/{pending.pk}/reject/", {"reason": ""}, follow=True)
    assert "请填写不通过的理由" in response.content.decode()
    assert EnterpriseAccount.objects.filter(pk=pending.pk).exists()
    office.post(f"/portal/accounts/{pending.pk}/reject/", {"reason": "联系人不是本企业员工"})
    assert not EnterpriseAccount.objects.filter(pk=pending.pk).exists()
    user = User.objects.get(mobile="13912345678")
    html = client_for(user).get("/portal/requests/").content.decode()
    assert "您的企业注册未通过核验" in html and "联系人不是本企业员工" in html


@pytest.mark.parametrize("role", [Role.UNIT_STAFF, Role.LEADER, Role.BANK, Role.ENTERPRISE])
def test_other_roles_cannot_open_the_verification_page(client_for, county, pending, role):
    client = client_for(county.users[role])
    assert client.get("/portal/accounts/").status_code == 403
    assert client.post(f"/portal/accounts/{pending.pk}/verify/").status_code == 403
    pending.refresh_from_db()
    assert not pending.verified


def test_unverified_enterprise_cannot_open_the_verification_page(client_for, pending):
    assert client_for(pending.user).get("/portal/accounts/").status_code == 403


def test_office_of_another_county_cannot_verify(client_for, other_county, pending):
    client = client_for(other_county.users[Role.PROJECT_OFFICE])
    assert "清溪新材料" not in client.get("/portal/accounts/").content.decode()
    assert client.post(f"/portal/accounts/{pending.pk}/verify/").status_code == 404
    pending.refresh_from_db()
    assert not pending.verified


# ---------------------------------------------------------------------------
# Filing


def _filing(**extra) -> dict:
    return {
        "kind": "help",
        "topic": "land",
        "urgency": "urgent",
        "title": "三期厂房用地指标未落实",
        "text": "三期厂房已签约，用地指标迟迟未落实，请帮忙协调自然资源局。",
        **extra,
    }


def _jpeg() -> bytes:
    """A real photo: attachments are checked by content and images re-encoded."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "JPEG")
    return out.getvalue()


def _xlsx() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def test_enterprise_files_a_request_from_the_portal(client_for, world, county):
    client = client_for(world.own_account)
    photo = SimpleUploadedFile("现场.jpg", _jpeg(), content_type="image/jpeg")
    response = client.post("/portal/new/", _filing(files=[photo]), follow=True)
    appeal = Appeal.objects.get()
    assert (appeal.source, appeal.enterprise, appeal.status) == ("portal", world.own, "new")
    assert (appeal.contact_name, appeal.contact_mobile) == ("王经理", "13900000001")
    assert appeal.urgency == "urgent" and appeal.created_by == world.own_account
    assert appeal.attachments.get().name == "现场.jpg"
    html = response.content.decode()
    assert f"已提交，编号{appeal.code}" in html
    assert "诉求已提交" in html and "现场.jpg" in html
    assert Notification.objects.filter(
        recipient=county.users[Role.PROJECT_OFFICE], title__startswith="新的企业诉求"
    ).exists()


def test_filing_with_a_forbidden_attachment_saves_nothing(client_for, world):
    client = client_for(world.own_account)
    page = SimpleUploadedFile("说明.html", b"<script>alert(1)</script>", content_type="text/html")
    response = client.post("/portal/new/", _filing(files=[page]))
    assert response.status_code == 200
    assert "附件「说明.html」的类型不支持" in response.content.decode()
    assert not Appeal.objects.exists()
    assert not AppealAttachment.objects.exists()


def test_filing_with_too_large_an_attachment_saves_nothing(client_for, world):
    big = SimpleUploadedFile("大图.jpg", b"0" * (10 * 1024 * 1024 + 1), content_type="image/jpeg")
    response = client_for(world.own_account).post("/portal/new/", _filing(files=[big]))
    assert "超过 10 MB" in response.content.decode()
    assert not Appeal.objects.exists()


def test_filing_without_a_class_or_text_says_what_is_missing(client_for, world):
    response = client_for(world.own_account).post("/portal/new/", _filing(kind="", text=""))
    html = response.content.decode()
    assert "请选择您想做什么" in html and "请写一写详细情况" in html
    assert not Appeal.objects.exists()


# ---------------------------------------------------------------------------
# Isolation


def test_home_and_list_show_only_the_own_enterprise(client_for, world):
    own = dispatched(world, title="本企业的诉求")
    other = dispatched(world, enterprise=world.other, title="别家企业的诉求")
    client = client_for(world.own_account)
    assert client.get("/").url == "/portal/requests/"
    html = client.get("/portal/requests/").content.decode()
    assert own.title in html and other.title not in html


def test_enterprise_asking_for_another_enterprise_request_gets_404(client_for, world):
    other = dispatched(world, enterprise=world.other)
    client = client_for(world.own_account)
    assert client.get(f"/portal/requests/{other.pk}/").status_code == 404
    assert client.get(reverse("appeals:detail", args=[other.pk])).status_code == 404
    assert client.get("/portal/requests/999999/").status_code == 404


def test_enterprise_cannot_rate_another_enterprise_request(client_for, world):
    other = replied(world, enterprise=world.other)
    response = client_for(world.own_account).post(
        f"/portal/requests/{other.pk}/rate/", {"rating": "unsatisfied"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert (other.status, other.rating, other.reopen_count) == ("replied", "", 0)
    assert not other.events.filter(kind=AppealEvent.Kind.RATED).exists()


# ---------------------------------------------------------------------------
# Timeline, rating, answering


def test_rating_unsatisfied_reopens_and_the_page_says_so(client_for, world, county):
    appeal = replied(world)
    client = client_for(world.own_account)
    page = client.get(f"/portal/requests/{appeal.pk}/").content.decode()
    assert "请评价办理结果" in page and "已协调供电公司" in page
    assert "待评价" in client.get("/portal/requests/").content.decode()
    response = client.post(
        f"/portal/requests/{appeal.pk}/rate/",
        {"rating": "unsatisfied", "comment": "还是没通电"},
        follow=True,
    )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.rating, appeal.reopen_count) == ("accepted", "unsatisfied", 1)
    html = response.content.decode()
    assert "诉求已重新办理" in html
    assert "已重新办理" in html and "办理中" in html
    assert "还是没通电" in html
    assert "请评价办理结果" not in html
    assert Notification.objects.filter(
        recipient=county.users[Role.UNIT_STAFF], title__startswith="企业不满意"
    ).exists()


def test_rating_satisfied_closes_the_request(client_for, world):
    appeal = replied(world)
    response = client_for(world.own_account).post(
        f"/portal/requests/{appeal.pk}/rate/", {"rating": "satisfied"}, follow=True
    )
    appeal.refresh_from_db()
    assert appeal.status == "resolved"
    assert "感谢您的评价，诉求已办结" in response.content.decode()


def test_rating_before_a_reply_is_refused_and_changes_nothing(client_for, world):
    appeal = dispatched(world)
    response = client_for(world.own_account).post(
        f"/portal/requests/{appeal.pk}/rate/", {"rating": "satisfied"}, follow=True
    )
    assert "不能评价" in response.content.decode()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.rating) == ("dispatched", "")


def test_timeline_hides_internal_steps(client_for, world):
    appeal = dispatched(world)
    services.appeal_dispatch(
        world.office, appeal, world.county.township, note="内部备注：该企业去年已有类似诉求"
    )
    AppealEvent.objects.create(
        appeal=appeal,
        kind=AppealEvent.Kind.REMINDED,
        on_date=dt.date(2026, 10, 2),
        text="签收逾期催办",
        stage="accept",
    )
    html = client_for(world.own_account).get(f"/portal/requests/{appeal.pk}/").content.decode()
    assert f"已交给{world.county.township.name}办理" in html
    assert "签收逾期催办" not in html
    assert "内部备注" not in html


def test_enterprise_answers_a_question_of_the_unit(client_for, world, county):
    appeal = dispatched(world)
    services.appeal_accept(world.township_staff, appeal, on_date=dt.date(2026, 9, 30))
    client = client_for(world.own_account)
    refused = client.post(f"/portal/requests/{appeal.pk}/answer/", {"text": "补充"}, follow=True)
    assert "办理单位没有需要您补充的问题" in refused.content.decode()
    staff = Client()
    staff.force_login(world.township_staff)
    asked = staff.post(
        f"/appeals/{appeal.pk}/question/", {"text": "请提供二号厂房的用电负荷表"}, follow=True
    )
    assert "已向企业发出询问" in asked.content.decode()
    note = Notification.objects.get(recipient=world.own_account, title__startswith="办理单位需要")
    assert note.url == f"/portal/requests/{appeal.pk}/"  # the enterprise's own page
    assert "待补充" in client.get("/portal/requests/").content.decode()
    page = client.get(f"/portal/requests/{appeal.pk}/").content.decode()
    assert "请您补充" in page and "请提供二号厂房的用电负荷表" in page
    sheet = SimpleUploadedFile("负荷表.xlsx", _xlsx())
    response = client.post(
        f"/portal/requests/{appeal.pk}/answer/",
        {"text": "负荷表见附件", "files": [sheet]},
        follow=True,
    )
    answer = appeal.events.get(kind=AppealEvent.Kind.ANSWER)
    assert (answer.text, answer.actor) == ("负荷表见附件", world.own_account)
    assert answer.files.get().name == "负荷表.xlsx"
    html = response.content.decode()
    assert "已补充，办理单位会收到提醒" in html and "您补充了" in html
    assert Notification.objects.filter(
        recipient=world.township_staff, title__startswith="企业已补充材料"
    ).exists()


def test_another_enterprise_cannot_answer_a_question(client_for, world, county):
    appeal = dispatched(world)
    AppealEvent.objects.create(
        appeal=appeal,
        kind=AppealEvent.Kind.QUESTION,
        unit=county.township,
        on_date=dt.date(2026, 10, 8),
        text="请补充",
    )
    response = client_for(world.other_account).post(
        f"/portal/requests/{appeal.pk}/answer/", {"text": "不是我的"}
    )
    assert response.status_code == 404
    assert not appeal.events.filter(kind=AppealEvent.Kind.ANSWER).exists()


def test_enterprise_downloads_the_reply_attachment(client_for, world):
    appeal = dispatched(world)
    staff = world.township_staff
    services.appeal_accept(staff, appeal, on_date=dt.date(2026, 9, 30))
    services.appeal_reply(
        staff,
        appeal,
        "接电方案见附件",
        [SimpleUploadedFile("接电方案.pdf", b"%PDF-1.4 plan")],
        on_date=dt.date(2026, 10, 9),
    )
    attached = AppealAttachment.objects.get()
    client = client_for(world.own_account)
    assert "接电方案.pdf" in client.get(f"/portal/requests/{appeal.pk}/").content.decode()
    assert client.get(reverse("appeals:file", args=[attached.pk])).status_code == 200
    other = client_for(world.other_account)
    assert other.get(reverse("appeals:file", args=[attached.pk])).status_code == 404


# ---------------------------------------------------------------------------
# Demo


def test_demo_gives_the_enterprise_account_requests_in_every_state(db, monkeypatch):
    from tuijin.appeals.demo_portal import seed_portal
    from tuijin.core.demo import seed_demo
    from tuijin.enterprises.demo import seed_enterprises

    monkeypatch.setattr("tuijin.core.demo.SEEDERS", [seed_enterprises, seed_portal])
    seed_demo()
    account = EnterpriseAccount.objects.get(user__username="enterprise")
    assert account.verified and account.enterprise.region.name == "清溪县"
    appeals = Appeal.objects.filter(enterprise=account.enterprise)
    statuses = sorted(appeals.values_list("status", flat=True))
    assert statuses == ["accepted", "accepted", "dispatched", "new", "replied", "resolved"]
    assert appeals.filter(reopen_count=1, status="accepted").count() == 1
    assert set(appeals.values_list("source", flat=True)) == {"portal"}
    assert EnterpriseAccount.objects.filter(verified=False).count() == 2


def test_unit_cannot_ask_before_accepting_or_for_another_unit(client_for, world, county):
    appeal = dispatched(world)
    with pytest.raises(services.AppealRuleError, match="待签收，不能询问企业"):
        services.appeal_ask_question(world.township_staff, appeal, "请补充材料")
    services.appeal_accept(world.township_staff, appeal, on_date=dt.date(2026, 9, 30))
    with pytest.raises(services.AppealRuleError, match="不是分派给本单位主办的"):
        services.appeal_ask_question(county.users["other_staff"], appeal, "请补充材料")
    assert not appeal.events.filter(kind=AppealEvent.Kind.QUESTION).exists()


def test_enterprise_opening_the_officials_pages_lands_on_the_portal(client_for, world):
    appeal = dispatched(world)
    client = client_for(world.own_account)
    assert client.get(f"/appeals/{appeal.pk}/").url == f"/portal/requests/{appeal.pk}/"
    assert client.get("/appeals/").url == "/portal/requests/"
    other = client_for(world.other_account)
    assert other.get(f"/appeals/{appeal.pk}/").status_code == 404


def test_api_gives_the_enterprise_only_its_portal_timeline(client_for, world, county):
    appeal = dispatched(world)
    services.appeal_accept(world.township_staff, appeal, on_date=dt.date(2026, 9, 30))
    AppealEvent.objects.create(
        appeal=appeal,
        kind=AppealEvent.Kind.REMINDED,
        on_date=dt.date(2026, 10, 8),
        text="系统催办：已逾期 2 个工作日",
        stage="reply",
    )
    events = client_for(world.own_account).get(f"/api/appeal-events/?appeal={appeal.pk}").json()
    kinds = [e["kind"] for e in events["results"]]
    assert kinds == ["received", "dispatched", "accepted"]  # no reminder
    assert all(e["actor_name"] is None for e in events["results"])
    assert events["results"][1]["kind_display"] == "已交给城关镇办理"
    office = client_for(world.office).get(f"/api/appeal-events/?appeal={appeal.pk}").json()
    assert "reminded" in [e["kind"] for e in office["results"]]
