"""Sign-in accounts and the security log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """An account. Its access roles are groups; its directory entry is ``user.person``."""

    region = models.ForeignKey(
        "core.Region",
        verbose_name="所属地区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    display_name = models.CharField("显示名称", max_length=60, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = verbose_name_plural = "账号"

    def __str__(self) -> str:
        return self.display_name or self.username


class SecurityEvent(models.Model):
    """Sign-ins, failed sign-ins, lockouts and refusals, for the security auditor."""

    class Kind(models.TextChoices):
        LOGIN = "login", "登录成功"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOCKED_OUT = "locked_out", "账号锁定"
        LOGOUT = "logout", "退出登录"
        DENIED = "denied", "越权访问被拒"
        PASSWORD_CHANGED = "password_changed", "修改密码"

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

    class Meta:
        verbose_name = verbose_name_plural = "安全事件"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"
