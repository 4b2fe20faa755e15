"""``tuijin set-roles USERNAME ROLE [ROLE ...]``: an operator on the server gives an account
its roles, through the same rules as the security administrator's page (三权分立). The way
to appoint the installation's first security administrator."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tuijin.core.duties import DutyRuleError, assign_roles, role_names
from tuijin.core.models import User
from tuijin.core.roles import Role


class Command(BaseCommand):
    help = (
        "设置账号的角色（如 security_admin、audit_admin），与安全管理员页面规则相同："
        "系统管理员、安全管理员、审计管理员不能兼任。可选角色："
        + "、".join(f"{r.value}（{r.label}）" for r in Role)
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="账号的用户名")
        parser.add_argument("roles", nargs="*", help="角色代码；不写则清空角色")

    def handle(self, *args, username: str, roles: list[str], **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"账号不存在：{username[:50]}")
        try:
            held = assign_roles(None, user, roles)
        except DutyRuleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"账号 {user.get_username()} 的角色：{role_names(held)}")
