"""Notifications beyond the inbox: email copies and WeCom/DingTalk group robots.

``notify()`` puts the message in the inbox and calls ``plan_deliveries``, which writes one
``Delivery`` per target (the recipient's email when email is on; every active robot channel of
the recipient's county that forwards to the recipient's roles). After the transaction commits,
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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote_plus, urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

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


def _region_of(user: User) -> int | None:
    if user.region_id:
        return user.region_id
    return Person.objects.filter(user=user).values_list("region_id", flat=True).first()


def channels_for(user: User) -> list[WebhookChannel]:
    """Active channels of the user's county (or a region above it) that forward to them."""
    channels = list(WebhookChannel.objects.active())
    if not channels:
        return []
    region_id = _region_of(user)
    if region_id is None:
        return []
    roles: set[str] | None = None
    chosen = []
    for channel in channels:
        if region_id not in Region.subtree_ids(channel.region_id):
            continue
        if channel.roles:
            if roles is None:
                roles = set(user.groups.values_list("name", flat=True))
            if not roles.intersection(channel.roles):
                continue
        chosen.append(channel)
    return chosen


def email_enabled() -> bool:
    return bool(getattr(settings, "TUIJIN_EMAIL_NOTIFICATIONS", False))


def plan_deliveries(notification: Notification) -> list[Delivery]:
    """Write the deliveries of a new notification; they are sent after the commit."""
    user = notification.recipient
    now = timezone.now()
    rows = []
    if email_enabled() and user.email and user.is_active:
        rows.append(Delivery(target=Target.EMAIL, address=user.email))
    rows.extend(Delivery(target=Target.WEBHOOK, channel=c) for c in channels_for(user))
    if not rows:
        return []
    for row in rows:
        row.notification = notification
        row.next_attempt_at = now
    created = Delivery.objects.bulk_create(rows)
    transaction.on_commit(partial(enqueue, [d.pk for d in created]))
    return created


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
