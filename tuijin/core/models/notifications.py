"""The in-app inbox: what the platform tells a person (a submitted report, a due date)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models

from ..scoping import Scope, ScopedQuerySet
from ..versioning import Versioned


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


# --- Delivery beyond the inbox: email and group-chat robots ---------------------------------


class WebhookChannelQuerySet(ScopedQuerySet):
    """Channels are system configuration: administrators only (the default rule)."""

    def active(self) -> models.QuerySet:
        return self.filter(active=True)


class WebhookChannel(Versioned):
    """A WeCom or DingTalk group robot that receives a county's notifications.

    The robot URL carries the robot's access key and the DingTalk signing secret is a key too:
    both are stored encrypted (``tuijin.core.delivery.seal``) and never shown back.
    """

    class Kind(models.TextChoices):
        WECOM = "wecom", "企业微信群机器人"
        DINGTALK = "dingtalk", "钉钉群机器人"

    region = models.ForeignKey(
        "core.Region", verbose_name="地区", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    url_sealed = models.TextField("机器人地址（加密）")
    url_hint = models.CharField("机器人地址（摘要）", max_length=120, blank=True)
    secret_sealed = models.TextField("加签密钥（加密）", blank=True)
    roles = models.JSONField(
        "转发范围",
        default=list,
        blank=True,
        help_text="收件人持有其中任一角色时转发；为空则转发本县全部消息",
    )
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = WebhookChannelQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "推送渠道"
        ordering = ["region", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_sealed)


class DeliveryQuerySet(ScopedQuerySet):
    """Delivery records are for administrators (the default rule)."""

    def due(self, now) -> models.QuerySet:
        return self.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)


class Delivery(models.Model):
    """One notification on its way to one email address or one robot, with its attempts."""

    class Target(models.TextChoices):
        EMAIL = "email", "邮件"
        WEBHOOK = "webhook", "群机器人"

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    notification = models.ForeignKey(
        Notification, verbose_name="消息", on_delete=models.CASCADE, related_name="deliveries"
    )
    target = models.CharField("方式", max_length=10, choices=Target.choices)
    channel = models.ForeignKey(
        WebhookChannel,
        verbose_name="推送渠道",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    address = models.CharField("邮箱", max_length=254, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True, db_index=True)
    last_error = models.CharField("最近错误", max_length=200, blank=True)
    response_code = models.PositiveSmallIntegerField("响应码", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "消息推送记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_target_display()} · {self.notification_id} · {self.get_status_display()}"

    @property
    def destination(self) -> str:
        return self.channel.name if self.channel_id else self.address


def notify(recipient, title: str, body: str = "", url: str = "") -> Notification | None:
    """Put a message in someone's inbox; a person without an account gets nothing.

    Email and group-robot copies are planned here and sent by a background task after the
    transaction commits (``tuijin.core.delivery``): the caller never waits on the network.
    """
    if recipient is None:
        return None
    return notify_many([(recipient, title, body, url)])[0]


def notify_many(messages: Iterable[tuple]) -> list[Notification]:
    """``notify`` for many messages at once: ``(recipient, title, body, url)`` each.

    The nightly sweep tells hundreds of people something: the messages go into the inboxes
    in one go (``core.bulk.insert_returning``), and their email and robot copies are planned together, the recipients'
    channels read once (``tuijin.core.delivery.plan_many``). Messages to ``None`` are left
    out; the rest are returned in the order given.
    """
    rows = [
        Notification(recipient=recipient, title=title[:120], body=body, url=url)
        for recipient, title, body, url in messages
        if recipient is not None
    ]
    if not rows:
        return []
    from ..bulk import insert_returning
    from ..delivery import plan_many

    insert_returning(Notification, rows)
    plan_many(rows)
    return rows
