"""The in-app inbox: what the platform tells a person (a submitted report, a due date)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ..scoping import Scope, ScopedQuerySet


class NotificationQuerySet(ScopedQuerySet):
    def restrict(self, scope: Scope, action: str) -> models.QuerySet:
        """Everyone reads only their own inbox, administrators included."""
        return self.filter(recipient_id=scope.user_id)

    def unread(self) -> models.QuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="收件人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField("标题", max_length=120)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "消息"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


def notify(recipient, title: str, body: str = "", url: str = "") -> Notification | None:
    """Put a message in someone's inbox; a person without an account gets nothing."""
    if recipient is None:
        return None
    return Notification.objects.create(recipient=recipient, title=title[:120], body=body, url=url)
