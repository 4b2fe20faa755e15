"""The security log: sign-in, failure, refusal, export, permission change and administrator
actions, each with time, account, address, event and result; log lines resist injection."""

import logging

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tuijin.core import security
from tuijin.core.accounts import sync_account
from tuijin.core.models import PersonRole, SecurityEvent
from tuijin.core.roles import DirectoryRole, Role
from tuijin.testing import PASSWORD

pytestmark = pytest.mark.django_db
Kind, Result = SecurityEvent.Kind, SecurityEvent.Result


def sign_in(client, username, password, ip="10.0.0.8"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def last(kind):
    return SecurityEvent.objects.filter(kind=kind).latest("id")


class TestWhatIsLogged:
    def test_sign_in_has_time_user_address_event_and_result(self, client, county):
        before = timezone.now()
        sign_in(client, county.users[Role.LEADER].username, PASSWORD, ip="10.1.1.1")
        event = last(Kind.LOGIN)
        assert event.at >= before
        assert event.user == county.users[Role.LEADER]
        assert event.ip == "10.1.1.1"
        assert event.get_result_display() == "成功"

    def test_failed_sign_in_and_lockout_are_failure_and_refusal(self, client, county):
        for _ in range(5):
            sign_in(client, county.users[Role.LEADER].username, "wrong")
        assert last(Kind.LOGIN_FAILED).get_result_display() == "失败"
        assert last(Kind.LOGIN_FAILED).username == county.users[Role.LEADER].username
        assert last(Kind.LOCKED_OUT).get_result_display() == "拒绝"

    def test_a_refused_page_is_logged_as_refused(self, county, client_for):
        client = client_for(county.users[Role.UNIT_STAFF])
        assert client.get(reverse("audit:list"), REMOTE_ADDR="10.2.2.2").status_code == 403
        event = last(Kind.DENIED)
        assert (event.user, event.ip, event.path) == (
            county.users[Role.UNIT_STAFF],
            "10.2.2.2",
            "/audit/",
        )
        assert event.result == Result.DENIED

    def test_an_export_from_a_page_names_the_file_and_the_rows(self, county, client_for):
        client = client_for(county.users[Role.PROJECT_OFFICE])
        response = client.get(reverse("projects:ledger-export"), REMOTE_ADDR="10.3.3.3")
        assert response.status_code == 200
        event = last(Kind.EXPORT)
        assert event.user == county.users[Role.PROJECT_OFFICE]
        assert event.ip == "10.3.3.3"
        assert "重点项目台账" in event.detail
        assert "（0 行）" in event.detail
        assert event.result == Result.SUCCESS

    def test_an_export_by_command_is_logged(self, county, tmp_path):
        call_command("export_ledger", str(tmp_path / "ledger.xlsx"), region=county.region.code)
        event = last(Kind.EXPORT)
        assert event.user is None
        assert "ledger.xlsx（命令行" in event.detail

    def test_a_role_change_through_the_directory_is_a_permission_change(self, county):
        person = county.people[Role.LEADER]
        PersonRole.objects.create(person=person, role=DirectoryRole.PROJECT_OFFICE)
        sync_account(person)
        assert last(Kind.PERMISSION_CHANGE).detail.endswith("县领导 → 县领导、项目办")

    def test_removing_a_two_step_device_in_the_django_admin_is_an_admin_action(
        self, county, client
    ):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        leader = county.users[Role.LEADER]
        device = TOTPDevice.objects.create(user=leader, name="手机验证器", confirmed=True)
        admin = county.users[Role.ADMIN]
        client.force_login(admin)
        url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
        response = client.post(url, {"post": "yes"}, REMOTE_ADDR="10.0.0.9")
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(pk=device.pk).exists()
        event = last(Kind.ADMIN_ACTION)
        assert (event.user, event.ip, event.result) == (admin, "10.0.0.9", Result.SUCCESS)
        assert event.detail.startswith("后台删除") and "手机验证器" in event.detail


class TestLogInjection:
    def test_a_username_with_newline_and_ansi_escapes_is_one_escaped_line(
        self, client, county, caplog
    ):
        evil = 'eve\nevent=login result=success user="admin"\x1b[31m\u2028x'
        with caplog.at_level(logging.INFO, logger="tuijin.security"):
            sign_in(client, evil, "wrong")
        lines = [r.getMessage() for r in caplog.records if r.name == "tuijin.security"]
        line = next(text for text in lines if text.startswith("event=login_failed"))
        assert "\n" not in line and "\x1b" not in line and "\u2028" not in line
        assert 'user="eve\\nevent=login result=success user=\\"admin\\"\\u001b[31m\\u2028x"' in line
        # The table keeps what was typed, for the auditor.
        assert last(Kind.LOGIN_FAILED).username == evil

    def test_encode_leaves_chinese_readable(self):
        assert security.encode("河口镇\t联络员") == '"河口镇\\t联络员"'


class TestWhoReadsIt:
    def test_each_county_reads_its_own_events(self, client, county, other_county, client_for):
        sign_in(client, other_county.users[Role.LEADER].username, PASSWORD)
        theirs = last(Kind.LOGIN)
        reader = client_for(county.users[Role.AUDIT_ADMIN])
        shown = list(reader.get(reverse("security:events")).context["page"].object_list)
        assert shown
        assert theirs not in shown
        assert all(e.user is None or e.user.region_id == county.region.pk for e in shown)

    def test_filters_by_result_and_user(self, client, county, client_for):
        sign_in(client, county.users[Role.LEADER].username, "wrong")
        reader = client_for(county.users[Role.SECURITY_ADMIN])
        page = reader.get(
            reverse("security:events"),
            {"result": "failed", "user": county.users[Role.LEADER].username},
        )
        shown = list(page.context["page"].object_list)
        assert [e.kind for e in shown] == [Kind.LOGIN_FAILED]

    def test_a_bad_date_is_a_chinese_message(self, county, client_for):
        reader = client_for(county.users[Role.SECURITY_ADMIN])
        page = reader.get(reverse("security:events"), {"since": "2026-13-45"})
        assert "日期格式不正确" in page.content.decode()

    @pytest.mark.parametrize("role", [Role.SUPERVISION, Role.PRINCIPAL, Role.ADMIN])
    def test_others_do_not_read_it(self, county, client_for, role):
        assert client_for(county.users[role]).get(reverse("security:events")).status_code == 403
