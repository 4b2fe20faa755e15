"""Notifications beyond the inbox: email copies and WeCom/DingTalk group robots.

``notify()`` (or ``notify_many()``, for a batch) puts the message in the inbox and calls
``plan_many``, which writes one ``Delivery`` per target (the recipient's email when email is
on; every active robot channel of the recipient's county that forwards to the recipient's
roles). The channels and the recipients' regions and roles are read once per batch, or once
for a whole sweep (``routing()``). After the transaction commits,
a background task (``tuijin.core.tasks.send_deliveries``) sends them, so no page ever waits
on a mail server or a chat platform.

A failed attempt is tried again after 1, 2, 4 and 8 minutes (``MAX_ATTEMPTS`` in all), then
the delivery is marked failed and shows on the administrator's 「消息推送」 page, which can
retry it. Retries run both as deferred tasks (where the task backend can defer: the database
backend can) and from the sweep step ``retry_due_deliveries``, which also picks up anything a
lost worker left behind. Every attempt first claims its row with a conditional update, so the
task and the sweep never send the same delivery twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote_plus, urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .bulk import insert_returning
from .models import Delivery, Notification, Person, Region, User, WebhookChannel
from .roles import Role

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
TIMEOUT_SECONDS = 5
# An attempt holds its row this long; a worker that dies mid-send frees it after that.
CLAIM_SECONDS = 60
SWEEP_BATCH = 200
BODY_LIMIT = 1500  # robots cap a message at about 4 KB; the inbox keeps the full text

Status = Delivery.Status
Target = Delivery.Target
Kind = WebhookChannel.Kind


class ChannelRuleError(Exception):
    """A channel or delivery change that breaks a rule; the message is for the user."""


@dataclass(frozen=True)
class SendResult:
    ok: bool
    code: int | None = None
    error: str = ""
    final: bool = False  # retrying cannot help (channel switched off, key lost)


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failure: 1, 2, 4, 8 minutes."""
    return dt.timedelta(minutes=2 ** (attempts - 1))


# --- Secrets at rest ------------------------------------------------------------------------


def _fernet() -> Fernet:
    """Fernet keyed by a hash of SECRET_KEY: a database copy alone does not reveal the keys."""
    digest = hashlib.sha256(b"tuijin.webhook-channel:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode() if text else ""


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ChannelRuleError(
            "无法解密机器人地址或密钥（系统密钥 SECRET_KEY 已更换？），请重新填写"
        ) from None


def url_hint(url: str) -> str:
    """What the page shows of a robot URL: host and path, never the access key."""
    parts = urlsplit(url)
    hint = f"{parts.scheme}://{parts.netloc}{parts.path}"
    if parts.query:
        hint += "?…" + parts.query[-4:]
    return hint[:120]


# --- Message formats ------------------------------------------------------------------------


def absolute_link(url: str) -> str:
    """A notification's link as a full address (``TUIJIN_BASE_URL``); none without a base."""
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    base = getattr(settings, "TUIJIN_BASE_URL", "")
    return f"{base}{url}" if base else ""


def robot_payload(kind: str, title: str, body: str = "", link: str = "", to: str = "") -> dict:
    """The robot's markdown message: WeCom ``content``; DingTalk ``title`` and ``text``."""
    lines = [f"**{title}**"]
    if to:
        lines.append(f"> 收件人：{to}")
    if body:
        lines.append(body if len(body) <= BODY_LIMIT else body[:BODY_LIMIT] + "…")
    if link:
        lines.append(f"[查看详情]({link})")
    if kind == Kind.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}
    # DingTalk's markdown needs a blank line to break a line.
    return {"msgtype": "markdown", "markdown": {"title": title, "text": "\n\n".join(lines)}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, base64, URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def post_json(url: str, payload: dict) -> SendResult:
    """POST to a robot; success is HTTP 200 with ``{"errcode": 0}`` (both platforms)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            code, raw = response.status, response.read(64 * 1024)
    except urllib.error.HTTPError as error:
        return SendResult(False, error.code, f"HTTP {error.code}")
    except TimeoutError:
        return SendResult(False, None, f"超时（{TIMEOUT_SECONDS} 秒无响应）")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return SendResult(False, None, f"连接失败：{reason}"[:200])
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return SendResult(False, code, "返回内容不是 JSON")
    errcode = answer.get("errcode") if isinstance(answer, dict) else None
    if code != 200 or errcode != 0:
        message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        return SendResult(False, code, f"errcode {errcode}：{message}"[:200])
    return SendResult(True, code)


# --- Planning (inside notify) ---------------------------------------------------------------


class ChannelRouter:
    """Which robot channels forward each recipient's messages, read once for many messages.

    A channel forwards the messages of its region's people (the region and every region below
    it) that hold one of its roles (any role when it names none). The active channels are read
    when the router is made; each recipient's region and roles are read once, for all the
    recipients of a batch in one query each, and kept for the router's life (a sweep).
    """

    def __init__(self) -> None:
        self.channels = list(WebhookChannel.objects.active())
        self._regions = _subtrees({c.region_id for c in self.channels})
        self._chosen: dict[int, list[WebhookChannel]] = {}

    def for_users(self, users: Iterable[User]) -> dict[int, list[WebhookChannel]]:
        """The channels of each user, by user id."""
        users = {user.pk: user for user in users}
        missing = [user for pk, user in users.items() if pk not in self._chosen]
        if missing:
            self._learn(missing)
        return {pk: self._chosen[pk] for pk in users}

    def _learn(self, users: list[User]) -> None:
        if not self.channels:
            self._chosen.update((user.pk, []) for user in users)
            return
        regions = {user.pk: user.region_id for user in users}
        without = [pk for pk, region_id in regions.items() if region_id is None]
        if without:
            for user_id, region_id in Person.objects.filter(user_id__in=without).values_list(
                "user_id", "region_id"
            ):
                regions[user_id] = region_id
        roles: dict[int, set[str]] = {user.pk: set() for user in users}
        if any(channel.roles for channel in self.channels):
            for user_id, name in User.groups.through.objects.filter(
                user_id__in=list(roles)
            ).values_list("user_id", "group__name"):
                roles[user_id].add(name)
        for user in users:
            region_id = regions[user.pk]
            self._chosen[user.pk] = [
                channel
                for channel in self.channels
                if region_id is not None
                and region_id in self._regions[channel.region_id]
                and (not channel.roles or roles[user.pk].intersection(channel.roles))
            ]


def _subtrees(region_ids: set[int]) -> dict[int, set[int]]:
    """Each region and every region below it (``Region.subtree_ids``), for many regions from
    one read of the region table (a few hundred rows even for a province)."""
    if not region_ids:
        return {}
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Region.objects.order_by("code").values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found = {}
    for region_id in region_ids:
        ids, frontier = {region_id}, [region_id]
        while frontier:
            frontier = [child for parent in frontier for child in children.get(parent, ())]
            ids.update(frontier)
        found[region_id] = ids
    return found


_ROUTER: ContextVar[ChannelRouter | None] = ContextVar("tuijin_channel_router", default=None)


@contextmanager
def routing() -> Iterator[ChannelRouter]:
    """Inside the block every notification uses one router: channels and recipients are read
    once for the whole block (the sweep), however many messages its steps send."""
    router = ChannelRouter()
    token = _ROUTER.set(router)
    try:
        yield router
    finally:
        _ROUTER.reset(token)


def channels_for(user: User) -> list[WebhookChannel]:
    """Active channels of the user's county (or a region above it) that forward to them."""
    router = _ROUTER.get() or ChannelRouter()
    return router.for_users([user])[user.pk]


def email_enabled() -> bool:
    return bool(getattr(settings, "TUIJIN_EMAIL_NOTIFICATIONS", False))


def plan_deliveries(notification: Notification) -> list[Delivery]:
    """Write the deliveries of a new notification; they are sent after the commit."""
    return plan_many([notification])


def plan_many(notifications: list[Notification]) -> list[Delivery]:
    """Write the deliveries of new notifications in one go; they are sent after the commit.

    One email copy when email is on and the recipient has an active address, and one copy to
    each robot channel that forwards to the recipient.
    """
    if not notifications:
        return []
    router = _ROUTER.get() or ChannelRouter()
    channels = router.for_users(n.recipient for n in notifications)
    email = email_enabled()
    now = timezone.now()
    rows = []
    for notification in notifications:
        user = notification.recipient
        if email and user.email and user.is_active:
            rows.append(
                Delivery(
                    notification=notification,
                    target=Target.EMAIL,
                    address=user.email,
                    next_attempt_at=now,
                )
            )
        rows.extend(
            Delivery(
                notification=notification, target=Target.WEBHOOK, channel=c, next_attempt_at=now
            )
            for c in channels[user.pk]
        )
    if not rows:
        return []
    ids = insert_returning(Delivery, rows)
    transaction.on_commit(partial(enqueue, ids))
    return rows


def enqueue(delivery_ids: list[int], run_after: dt.datetime | None = None) -> None:
    """Hand deliveries to the task queue; if the queue is down, the sweep sends them later."""
    from .tasks import send_deliveries

    task = send_deliveries
    try:
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return  # the sweep retries it when due
            task = task.using(run_after=run_after)
        task.enqueue(delivery_ids)
    except Exception:  # the queue is an optimisation; the rows are the truth
        logger.exception("could not enqueue deliveries %s", delivery_ids)


# --- Sending --------------------------------------------------------------------------------


def _send(delivery: Delivery) -> SendResult:
    notification = delivery.notification
    if delivery.target == Target.EMAIL:
        link = absolute_link(notification.url)
        text = notification.body + (f"\n\n查看详情：{link}" if link else "")
        try:
            send_mail(f"[推进] {notification.title}", text, None, [delivery.address])
        except (smtplib.SMTPException, OSError) as error:
            return SendResult(False, None, f"邮件发送失败：{error}"[:200])
        return SendResult(True)
    channel = delivery.channel
    if not channel.active:
        return SendResult(False, None, "推送渠道已停用", final=True)
    try:
        url, secret = unseal(channel.url_sealed), unseal(channel.secret_sealed)
    except ChannelRuleError as error:
        return SendResult(False, None, str(error)[:200], final=True)
    payload = robot_payload(
        channel.kind,
        notification.title,
        notification.body,
        absolute_link(notification.url),
        to=str(notification.recipient),
    )
    return post_json(signed_url(url, secret) if channel.kind == Kind.DINGTALK else url, payload)


def attempt(delivery_id: int, now: dt.datetime | None = None) -> Delivery | None:
    """Try one delivery if it is due; None when it is not due or another worker holds it."""
    now = now or timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id)
        .due(now)
        .update(next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("notification__recipient", "channel").get(
        pk=delivery_id
    )
    result = _send(delivery)
    delivery.attempts += 1
    delivery.response_code = result.code
    if result.ok:
        delivery.status, delivery.sent_at = Status.SENT, now
        delivery.next_attempt_at, delivery.last_error = None, ""
    elif result.final or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = Status.FAILED, None
        delivery.last_error = result.error
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        delivery.last_error = result.error
    delivery.save(
        update_fields=[
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "response_code",
            "sent_at",
        ]
    )
    if delivery.status == Status.PENDING:
        enqueue([delivery.pk], run_after=delivery.next_attempt_at)
    return delivery


def send_deliveries(delivery_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Try each due delivery once; returns how many were sent."""
    sent = 0
    for pk in delivery_ids:
        delivery = attempt(pk, now)
        sent += bool(delivery and delivery.status == Status.SENT)
    return sent


def retry_due_deliveries(now: dt.datetime | None = None) -> tuple[int, int]:
    """Send every delivery whose time has come; returns (tried, sent)."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.due(now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return len(due), send_deliveries(due, now)


def sweep_step(today: dt.date) -> str:
    """Sweep step: retries run on the clock, whatever day the sweep is run for."""
    tried, sent = retry_due_deliveries()
    failed = Delivery.objects.filter(status=Status.FAILED).count()
    line = f"消息推送：到期重试 {tried} 条，发送成功 {sent} 条"
    return line + (f"，累计失败 {failed} 条（见「消息推送」页面）" if failed else "")


# --- Administration -------------------------------------------------------------------------


def delivery_retry(*, acting_user: User, delivery: Delivery) -> Delivery:
    """The administrator sends a failed delivery again: a fresh round of attempts."""
    if delivery.status != Status.FAILED:
        raise ChannelRuleError("只有发送失败的推送可以重试")
    delivery.status, delivery.attempts = Status.PENDING, 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(partial(enqueue, [delivery.pk]))
    return delivery


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ChannelRuleError(
            "机器人地址应以 http:// 或 https:// 开头，例如群机器人设置中的 Webhook 地址"
        )
    if len(url) > 500:
        raise ChannelRuleError("机器人地址过长（最多 500 个字符）")
    return url


@transaction.atomic
def channel_save(
    *,
    acting_user: User,
    channel: WebhookChannel | None,
    region: Region,
    name: str,
    kind: str,
    url: str = "",
    secret: str = "",
    clear_secret: bool = False,
    roles: Iterable[str] = (),
    active: bool = True,
) -> WebhookChannel:
    """Create or change a robot channel; a blank URL or secret keeps the stored one."""
    name = name.strip()
    if not name:
        raise ChannelRuleError("请填写渠道名称")
    if kind not in Kind.values:
        raise ChannelRuleError("请选择机器人类型：企业微信或钉钉")
    roles = sorted(set(roles))
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ChannelRuleError(f"未知的角色：{'、'.join(sorted(unknown))}")
    secret = secret.strip()
    if kind == Kind.WECOM and secret:
        raise ChannelRuleError("企业微信群机器人不使用加签密钥，请将「加签密钥」留空")
    if channel is None:
        if not url.strip():
            raise ChannelRuleError("请填写机器人地址（Webhook）")
        channel = WebhookChannel()
    if url.strip():
        url = _check_url(url)
        channel.url_sealed, channel.url_hint = seal(url), url_hint(url)
    if secret:
        channel.secret_sealed = seal(secret)
    elif clear_secret or kind == Kind.WECOM:
        channel.secret_sealed = ""
    channel.region, channel.name, channel.kind = region, name[:60], kind
    channel.roles, channel.active = roles, active
    channel.save()
    return channel


def channel_test(channel: WebhookChannel) -> SendResult:
    """Send a test message now, for the administrator who is setting the robot up."""
    try:
        url, secret = unseal(channel.url_sealed), unseal(channel.secret_sealed)
    except ChannelRuleError as error:
        return SendResult(False, None, str(error))
    payload = robot_payload(
        channel.kind,
        "推进平台测试消息",
        f"「{channel.name}」配置正确：本群将收到推进平台的消息提醒。",
        absolute_link("/"),
    )
    return post_json(signed_url(url, secret) if channel.kind == Kind.DINGTALK else url, payload)
