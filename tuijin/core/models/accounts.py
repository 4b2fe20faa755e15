"""Sign-in accounts and the security log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..fields import EncryptedCharField, KeyedHashField
from ..roles import Role
from ..scoping import VIEW, ScopedQuerySet


class UserQuerySet(ScopedQuerySet):
    def restrict(self, scope, action):
        """Accounts are the security administrator's to manage (separation of duties): those
        of their county, and the county-less ones such as the installation's first
        superuser. Nobody else lists accounts; people are read through the directory."""
        if Role.SECURITY_ADMIN not in scope.roles:
            return self.none()
        return self.filter(Q(region_id__in=scope.region_ids) | Q(region__isnull=True))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """An account. Its access roles are groups; its directory entry is ``user.person``."""

    objects = UserManager()

    region = models.ForeignKey(
        "core.Region",
        verbose_name="所属地区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    display_name = models.CharField("显示名称", max_length=60, blank=True)
    # When the password was last set; the rotation rule (TUIJIN_PASSWORD_MAX_DAYS) reads it.
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    # An enterprise signs in to the portal with its mobile: kept here encrypted and found by
    # its keyed hash, so the sign-in name (``username``) never has to be the number.
    mobile = EncryptedCharField("登录手机号", max_length=11, blank=True, default="")
    mobile_hash = KeyedHashField("登录手机号", source="mobile")

    class Meta(AbstractUser.Meta):
        verbose_name = verbose_name_plural = "账号"
        constraints = [
            models.UniqueConstraint(
                fields=["mobile_hash"], condition=~Q(mobile_hash=""), name="user_unique_mobile"
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def set_password(self, raw_password) -> None:
        """Every way of setting a password (change page, admin, commands) dates it."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def save(self, *args, **kwargs):
        # create_user() stores the hash without set_password(): date a new account's too.
        if self._state.adding and self.password_changed_at is None and self.has_usable_password():
            self.password_changed_at = timezone.now()
        super().save(*args, **kwargs)


class AppendOnlyError(Exception):
    """A trail record (security event, audit entry or seal) was to be changed or deleted."""

    def __init__(self, what: str = "安全事件") -> None:
        super().__init__(f"{what}只能追加，不能修改或删除")


# Who reads the security log: the two administrators whose duty it is, county-wide.
SECURITY_LOG_READERS = frozenset({Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class SecurityEventQuerySet(ScopedQuerySet):
    """Append-only from the application: no update, no delete but the retention purge."""

    def restrict(self, scope, action):
        """Read only, by the security and audit administrators, for accounts of their county
        (and events with no known account: failed sign-ins under unknown names). The system
        administrator does not read it: that is the separation of duties."""
        if action != VIEW or not scope.roles & SECURITY_LOG_READERS:
            return self.none()
        return self.filter(Q(user__region_id__in=scope.region_ids) | Q(user__isnull=True))

    def update(self, **kwargs):
        raise AppendOnlyError()

    def delete(self):
        raise AppendOnlyError()

    def purge(self) -> int:
        """Delete these events for good: for ``tuijin audit-retention`` alone."""
        return self._raw_delete(self.db)


class SecurityEvent(models.Model):
    """Sign-ins, failed sign-ins, lockouts, refusals, exports, permission changes and
    administrator actions, for the security and audit administrators."""

    class Kind(models.TextChoices):
        LOGIN = "login", "登录成功"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOCKED_OUT = "locked_out", "账号锁定"
        LOGOUT = "logout", "退出登录"
        DENIED = "denied", "越权访问被拒"
        PASSWORD_CHANGED = "password_changed", "修改密码"
        OTP_FAILED = "otp_failed", "两步验证失败"
        OTP_ENABLED = "otp_enabled", "开启两步验证"
        OTP_DISABLED = "otp_disabled", "关闭两步验证"
        EXPORT = "export", "数据导出"
        PERMISSION_CHANGE = "permission_change", "权限变更"
        ADMIN_ACTION = "admin_action", "管理操作"

    class Result(models.TextChoices):
        SUCCESS = "success", "成功"
        DENIED = "denied", "拒绝"
        FAILED = "failed", "失败"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    kind = models.CharField("事件", max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    ip = models.GenericIPAddressField("地址", null=True, blank=True)
    path = models.CharField("路径", max_length=300, blank=True)
    result = models.CharField("结果", max_length=10, choices=Result.choices, default=Result.SUCCESS)
    detail = models.CharField("内容", max_length=500, blank=True)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "安全事件"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError()
