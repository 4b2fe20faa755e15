"""Separation of duties (三权分立): system, security and audit administrators are distinct;
the auditor reads and changes nothing; nobody edits or deletes the trail from the application."""

import io

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tuijin.core.duties import DutyRuleError, assign_roles
from tuijin.core.models import AppendOnlyError, AuditSeal, SecurityEvent
from tuijin.core.roles import Role

pytestmark = pytest.mark.django_db


def roles_of(user):
    return set(user.groups.values_list("name", flat=True))


def menu_labels(client):
    page = client.get(reverse("home"))
    assert page.status_code == 200
    return {e["label"] for section in page.context["menu"] for e in section["entries"]}


class TestRoleAssignment:
    def test_the_security_administrator_assigns_roles_and_it_is_logged(self, county, client_for):
        security, target = county.users[Role.SECURITY_ADMIN], county.users[Role.LEADER]
        client = client_for(security)
        response = client.post(
            reverse("security:account", args=[target.pk]),
            {"action": "roles", "roles": [Role.LEADER, Role.PROJECT_OFFICE]},
            REMOTE_ADDR="10.9.8.7",
            follow=True,
        )
        assert "角色已更新" in response.content.decode()
        assert roles_of(target) == {"leader", "project_office"}
        event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PERMISSION_CHANGE).latest("id")
        assert event.user == security
        assert event.ip == "10.9.8.7"
        assert event.result == SecurityEvent.Result.SUCCESS
        assert "县领导 → 县领导、项目办" in event.detail

    def test_two_administrator_duties_on_one_account_are_refused(self, county, client_for):
        client = client_for(county.users[Role.SECURITY_ADMIN])
        auditor = county.users[Role.AUDIT_ADMIN]
        response = client.post(
            reverse("security:account", args=[auditor.pk]),
            {"action": "roles", "roles": [Role.AUDIT_ADMIN, Role.SECURITY_ADMIN]},
        )
        assert "三权分立" in response.content.decode()
        assert roles_of(auditor) == {"audit_admin"}

    def test_a_superuser_counts_as_system_administrator(self, county):
        with pytest.raises(DutyRuleError, match="不能由同一账号兼任"):
            assign_roles(
                county.users[Role.SECURITY_ADMIN], county.users[Role.ADMIN], [Role.AUDIT_ADMIN]
            )

    def test_nobody_changes_their_own_roles(self, county):
        security = county.users[Role.SECURITY_ADMIN]
        with pytest.raises(DutyRuleError, match="不能修改自己的角色"):
            assign_roles(security, security, [Role.SECURITY_ADMIN, Role.LEADER])
        assert roles_of(security) == {"security_admin"}

    @pytest.mark.parametrize("role", [Role.AUDIT_ADMIN, Role.ADMIN])
    def test_auditor_and_system_administrator_cannot_assign_roles(self, county, client_for, role):
        target = county.users[Role.LEADER]
        response = client_for(county.users[role]).post(
            reverse("security:account", args=[target.pk]),
            {"action": "roles", "roles": [Role.PRINCIPAL]},
        )
        assert response.status_code == 403
        assert roles_of(target) == {"leader"}
        with pytest.raises(DutyRuleError, match="只有安全管理员"):
            assign_roles(county.users[role], target, [Role.PRINCIPAL])

    def test_another_countys_account_is_not_found(self, county, other_county, client_for):
        client = client_for(county.users[Role.SECURITY_ADMIN])
        stranger = other_county.users[Role.LEADER]
        assert client.get(reverse("security:account", args=[stranger.pk])).status_code == 404
        page = client.get(reverse("security:accounts")).content.decode()
        assert county.users[Role.LEADER].username in page
        assert stranger.username not in page

    def test_the_system_administrator_cannot_change_roles_in_django_admin(self, county):
        admin, target = Client(), county.users[Role.LEADER]
        admin.force_login(county.users[Role.ADMIN])
        page = admin.get(f"/admin/core/user/{target.pk}/change/")
        assert page.status_code == 200
        assert 'name="groups"' not in page.content.decode()
        assert admin.get("/admin/auth/group/").status_code == 404

    def test_set_roles_command_follows_the_same_rules(self, county, capsys):
        call_command("set_roles", county.users[Role.LEADER].username, "security_admin")
        assert "安全管理员" in capsys.readouterr().out
        with pytest.raises(CommandError, match="三权分立"):
            call_command(
                "set_roles", county.users[Role.LEADER].username, "security_admin", "audit_admin"
            )
        assert roles_of(county.users[Role.LEADER]) == {"security_admin"}


class TestSecurityAdministrator:
    def test_unlocks_an_account_locked_by_failed_sign_ins(self, county, client, client_for):
        target = county.users[Role.LEADER]
        for _ in range(5):
            client.post(reverse("login"), {"username": target.username, "password": "wrong"})
        from axes.models import AccessAttempt

        assert AccessAttempt.objects.filter(username=target.username).exists()
        admin = client_for(county.users[Role.SECURITY_ADMIN])
        response = admin.post(
            reverse("security:account", args=[target.pk]), {"action": "unlock"}, follow=True
        )
        assert "已解除锁定" in response.content.decode()
        assert not AccessAttempt.objects.filter(username=target.username).exists()
        event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ADMIN_ACTION).latest("id")
        assert f"解除账号 {target.username} 的登录锁定" in event.detail

    def test_ends_a_users_sessions(self, county):
        leader, security = Client(), Client()
        leader.force_login(county.users[Role.LEADER])
        assert leader.get(reverse("home")).status_code == 200
        security.force_login(county.users[Role.SECURITY_ADMIN])
        response = security.post(
            reverse("security:account", args=[county.users[Role.LEADER].pk]),
            {"action": "end_sessions"},
            follow=True,
        )
        assert "已结束 1 个登录会话" in response.content.decode()
        assert leader.get(reverse("home")).status_code == 302

    def test_reads_the_security_log_but_not_the_audit_trail(self, county, client_for):
        client = client_for(county.users[Role.SECURITY_ADMIN])
        assert client.get(reverse("security:events")).status_code == 200
        assert client.get(reverse("audit:list")).status_code == 403
        assert {"账号与角色", "安全日志"} <= menu_labels(client)
        assert "审计日志" not in menu_labels(client)


class TestAuditAdministrator:
    def test_reads_filters_exports_and_verifies_the_trail(self, county, client_for):
        client = client_for(county.users[Role.AUDIT_ADMIN])
        trail = client.get(reverse("audit:list"), {"model": ""})
        assert trail.status_code == 200
        assert len(trail.context["page"].object_list) == min(30, LogEntry.objects.count())
        assert not client.get(reverse("audit:list"), {"until": "2000-01-01"}).context["page"]
        export = client.get(reverse("audit:export"))
        assert export.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
        assert [c.value for c in sheet[1]][:4] == ["时间", "操作人", "地址", "操作"]
        assert sheet.max_row == LogEntry.objects.count() + 1
        verdict = client.post(reverse("audit:verify-run")).content.decode()
        assert "哈希链完整" in verdict
        assert f"{AuditSeal.objects.count()} 条审计记录" in verdict
        assert {"审计日志", "审计链校验", "安全日志"} <= menu_labels(client)
        assert "账号与角色" not in menu_labels(client)

    def test_reads_the_security_log_and_exports_it(self, county, client_for):
        client = client_for(county.users[Role.AUDIT_ADMIN])
        page = client.get(reverse("security:events"), {"kind": "permission_change"})
        assert "权限变更" in page.content.decode()
        export = client.get(reverse("security:events-export"))
        sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
        assert [c.value for c in sheet[1]] == [
            "时间",
            "事件",
            "结果",
            "用户名",
            "地址",
            "路径",
            "内容",
        ]
        assert sheet.max_row > 1


class TestSystemAdministrator:
    @pytest.mark.parametrize(
        "url",
        ["audit:list", "audit:export", "audit:verify", "security:events", "security:accounts"],
    )
    def test_does_not_reach_the_trail_or_the_security_pages(self, county, client_for, url):
        client = client_for(county.users[Role.ADMIN])
        assert client.get(reverse(url)).status_code == 403

    def test_menu_has_none_of_them(self, county, client_for):
        labels = menu_labels(client_for(county.users[Role.ADMIN]))
        assert not labels & {"审计日志", "审计链校验", "安全日志", "账号与角色"}

    def test_django_admin_neither_shows_nor_deletes_the_trail(self, county):
        admin = Client()
        admin.force_login(county.users[Role.ADMIN])
        entry = LogEntry.objects.first()
        assert admin.get("/admin/auditlog/logentry/").status_code == 403
        response = admin.post(f"/admin/auditlog/logentry/{entry.pk}/delete/", {"post": "yes"})
        assert response.status_code == 403
        assert admin.get("/admin/core/securityevent/").status_code == 403
        assert LogEntry.objects.filter(pk=entry.pk).exists()

    def test_opening_and_disabling_accounts_is_logged(self, county):
        admin = Client()
        admin.force_login(county.users[Role.ADMIN])
        admin.post(
            "/admin/core/user/add/",
            {
                "username": "newcomer",
                "password1": "Xk9#qLm2!vTw",
                "password2": "Xk9#qLm2!vTw",
                "usable_password": "true",
            },
            REMOTE_ADDR="10.0.0.5",
        )
        event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ADMIN_ACTION).latest("id")
        assert event.detail == "开通账号 newcomer"
        assert event.user == county.users[Role.ADMIN]
        assert event.ip == "10.0.0.5"


class TestAppendOnly:
    def test_audit_entries_and_seals_refuse_change_and_delete(self, county):
        entry = LogEntry.objects.first()
        entry.object_repr = "篡改"
        with pytest.raises(AppendOnlyError), transaction.atomic():
            entry.save()
        with pytest.raises((AppendOnlyError, ProtectedError)), transaction.atomic():
            LogEntry.objects.filter(pk=entry.pk).delete()  # refused either way
        with pytest.raises(AppendOnlyError), transaction.atomic():
            AuditSeal.objects.first().delete()
        assert LogEntry.objects.get(pk=entry.pk).object_repr != "篡改"
        assert LogEntry.objects.count() == AuditSeal.objects.count() > 0

    def test_security_events_refuse_change_and_delete(self, county):
        event = SecurityEvent.objects.first()
        event.username = "someone_else"
        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            event.delete()
        with pytest.raises(AppendOnlyError):
            SecurityEvent.objects.all().update(username="x")
        with pytest.raises(AppendOnlyError):
            SecurityEvent.objects.all().delete()
        assert SecurityEvent.objects.filter(pk=event.pk).exists()

    def test_roles_have_their_groups(self, county):
        assert Group.objects.filter(name__in=["security_admin", "audit_admin"]).count() == 2
