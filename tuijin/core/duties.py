"""Separation of duties (三权分立) and the security administrator's work.

The system administrator runs accounts, the directory, configuration and channels; the
security administrator assigns roles, unlocks accounts and ends sessions; the audit
administrator reads the audit trail and the security log and verifies the chain. No account
holds two of these duties (a superuser counts as a system administrator), and only the
security administrator changes roles: ``assign_roles`` is the one place that does, for the
pages and for the ``tuijin set-roles`` command (the install's first security administrator).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest

from . import security
from .accounts import role_names
from .models import User
from .roles import ADMIN_DUTIES, Role
from .scoping import scope_of
from .sessions import end_sessions


class DutyRuleError(Exception):
    """A duty rule refused the change; the message is for the user (Chinese)."""


def duties_of(user: User, roles: Iterable[str]) -> set[str]:
    """Which of the three administrator duties ``user`` would hold with ``roles``."""
    held = set(roles) & {r.value for r in ADMIN_DUTIES}
    if user.is_superuser:
        held.add(Role.ADMIN.value)
    return held


def _require_security_admin(actor: User | None) -> None:
    """``None`` is the command line (an operator on the server)."""
    if actor is not None and Role.SECURITY_ADMIN not in scope_of(actor).roles:
        raise DutyRuleError("只有安全管理员可以分配角色、解除锁定或结束会话")


@transaction.atomic
def assign_roles(
    actor: User | None, target: User, roles: Iterable[str], request: HttpRequest | None = None
) -> set[str]:
    """Give ``target`` exactly ``roles``. Refused: an actor who is not the security
    administrator, a change of one's own roles, an unknown role, two administrator duties."""
    _require_security_admin(actor)
    wanted = {str(code) for code in roles}
    unknown = wanted - set(Role.values)
    if unknown:
        raise DutyRuleError(f"未知角色：{'、'.join(sorted(unknown))[:100]}")
    if actor is not None and actor.pk == target.pk:
        raise DutyRuleError("不能修改自己的角色，请由另一位安全管理员办理")
    duties = duties_of(target, wanted)
    if len(duties) > 1:
        raise DutyRuleError(
            f"三权分立：系统管理员、安全管理员、审计管理员不能由同一账号兼任"
            f"（{target.get_username()} 将兼任 {role_names(duties)}）"
        )
    before = set(target.groups.values_list("name", flat=True))
    if before == wanted:
        return wanted
    target.groups.set(Group.objects.filter(name__in=wanted))
    security.record_permission_change(
        f"账号 {target.get_username()} 的角色：{role_names(before)} → {role_names(wanted)}",
        request,
        user=actor,
    )
    return wanted


def unlock_account(actor: User | None, target: User, request: HttpRequest | None = None) -> int:
    """Clear the sign-in failures that locked ``target`` out; returns how many were cleared."""
    from axes.utils import reset

    _require_security_admin(actor)
    cleared = reset(username=target.get_username())
    security.record_admin(
        f"解除账号 {target.get_username()} 的登录锁定（清除 {cleared} 条失败记录）",
        request,
        user=actor,
    )
    return cleared


def end_user_sessions(actor: User | None, target: User, request: HttpRequest | None = None) -> int:
    """End every session of ``target`` now (a lost phone, a person leaving the post)."""
    _require_security_admin(actor)
    ended = end_sessions(target)
    security.record_admin(
        f"结束账号 {target.get_username()} 的 {ended} 个登录会话", request, user=actor
    )
    return ended
