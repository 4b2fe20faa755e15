"""Email and group-robot copies of notifications, against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tuijin.core import delivery as service
from tuijin.core.models import Delivery, Notification, WebhookChannel, notify
from tuijin.core.roles import Role
from tuijin.core.sweeps import SWEEP_STEPS

BASE_URL = "https://tuijin.qingxi.gov.cn"
SECRET = "SEC0123456789abcdef-test"


class Receiver:
    """A robot endpoint: records each request; answers from a script, then succeeds."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                parts = urlsplit(self.path)
                receiver.requests.append(
                    {
                        "path": parts.path,
                        "query": parse_qs(parts.query),
                        "content_type": self.headers["Content-Type"],
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                status, answer = (
                    receiver.script.pop(0) if receiver.script else (200, {"errcode": 0})
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def fail(self, times: int, status: int = 500, answer: dict | None = None) -> None:
        self.script.extend([(status, answer or {"errcode": -1, "errmsg": "busy"})] * times)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.TUIJIN_BASE_URL = BASE_URL
    settings.TUIJIN_EMAIL_NOTIFICATIONS = False


@pytest.fixture
def immediate_tasks(settings):
    """Run tasks as they are enqueued, to follow one message end to end in a test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def make_channel(county, receiver, kind, path="/robot/send?access_token=tok42", **extra):
    return service.channel_save(
        acting_user=county.users[Role.ADMIN],
        channel=None,
        region=county.region,
        name=extra.pop("name", "县重点项目工作群"),
        kind=kind,
        url=receiver.url(path),
        **extra,
    )


def notify_leader(county, capture, title="项目进度已填报"):
    with capture(execute=True):
        return notify(county.users[Role.LEADER], title, "城关镇填报了本月进度", "/projects/7/")


def expected_sign(timestamp: str) -> str:
    digest = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- The inbox stays as it was --------------------------------------------------------------


def test_notify_without_channels_fills_the_inbox_and_sends_nothing(
    county, receiver, django_capture_on_commit_callbacks
):
    n = notify_leader(county, django_capture_on_commit_callbacks)
    assert Notification.objects.get(pk=n.pk).recipient == county.users[Role.LEADER]
    assert Delivery.objects.count() == 0
    assert receiver.requests == []
    assert notify(None, "无人接收") is None


# --- Robots ----------------------------------------------------------------------------------


def test_dingtalk_message_is_signed_and_in_markdown(
    county, receiver, immediate_tasks, django_capture_on_commit_callbacks
):
    make_channel(county, receiver, "dingtalk", secret=SECRET)
    notify_leader(county, django_capture_on_commit_callbacks)

    [request] = receiver.requests
    assert request["path"] == "/robot/send"
    assert request["query"]["access_token"] == ["tok42"]
    [timestamp], [sign] = request["query"]["timestamp"], request["query"]["sign"]
    assert sign == expected_sign(timestamp)  # parse_qs undoes the URL encoding
    assert abs(int(timestamp) / 1000 - timezone.now().timestamp()) < 60
    assert request["content_type"] == "application/json; charset=utf-8"
    markdown = request["json"]["markdown"]
    assert request["json"]["msgtype"] == "markdown"
    assert markdown["title"] == "项目进度已填报"
    assert "城关镇填报了本月进度" in markdown["text"]
    assert f"[查看详情]({BASE_URL}/projects/7/)" in markdown["text"]
    assert str(county.users[Role.LEADER]) in markdown["text"]
    d = Delivery.objects.get()
    assert (d.status, d.attempts, d.response_code) == (Delivery.Status.SENT, 1, 200)


def test_wecom_message_has_content_and_no_signature(
    county, receiver, immediate_tasks, django_capture_on_commit_callbacks
):
    make_channel(county, receiver, "wecom", path="/cgi-bin/webhook/send?key=k-77")
    notify_leader(county, django_capture_on_commit_callbacks)

    [request] = receiver.requests
    assert request["query"] == {"key": ["k-77"]}
    body = request["json"]
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"content"}
    assert body["markdown"]["content"].startswith("**项目进度已填报**\n")
    assert f"[查看详情]({BASE_URL}/projects/7/)" in body["markdown"]["content"]


# The worker opens and closes its own database connections, as it does in production: the
# test's data must be committed for it (and PostgreSQL must not lose the test's connection).
@pytest.mark.django_db(transaction=True)
def test_notify_inside_a_request_only_queues_the_send(
    county, receiver, django_capture_on_commit_callbacks
):
    """Production backend: notify() writes a task row; the worker does the network call."""
    make_channel(county, receiver, "wecom")
    notify_leader(county, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    assert DBTaskResult.objects.filter(task_path__endswith="send_deliveries").count() == 1

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_channel_forwards_only_its_county_and_chosen_roles(county, other_county, receiver):
    make_channel(county, receiver, "wecom", roles=[Role.LEADER, Role.PRINCIPAL])
    notify(county.users[Role.LEADER], "联系项目有新进展")
    notify(county.users[Role.UNIT_STAFF], "请填报进度")
    notify(other_county.users[Role.LEADER], "云岭县的消息")
    delivered = Delivery.objects.values_list("notification__title", flat=True)
    assert list(delivered) == ["联系项目有新进展"]


def test_many_messages_at_once_route_as_one_by_one(county, other_county, receiver, settings):
    """notify_many: the same inboxes and copies as notify for each, in a fixed number of
    queries whatever the number of messages and recipients."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tuijin.core.models import notify_many

    settings.TUIJIN_EMAIL_NOTIFICATIONS = True
    make_channel(county, receiver, "wecom", name="领导群", roles=[Role.LEADER, Role.PRINCIPAL])
    make_channel(county, receiver, "wecom", name="全县群")
    staff = county.users[Role.UNIT_STAFF]
    staff.email = "staff@qingxi.gov.cn"
    staff.save()
    people = [county.users[r] for r in (Role.LEADER, Role.UNIT_STAFF, Role.PRINCIPAL)]
    people.append(other_county.users[Role.LEADER])

    def send(users):
        with CaptureQueriesContext(connection) as queries:
            sent = notify_many(
                [(u, f"消息{i}", "正文", f"/projects/{i}/") for i, u in enumerate(users)]
                + [(None, "无人接收", "", "")]
            )
        return sent, len(queries)

    few, few_queries = send(people[:2])
    many, many_queries = send(people * 3)
    assert many_queries == few_queries
    assert [n.recipient for n in many] == people * 3
    assert [n.title for n in few] == ["消息0", "消息1"]
    routed = {
        (d.notification.recipient.username, d.target, d.channel.name if d.channel else d.address)
        for d in Delivery.objects.filter(notification__in=many)
    }
    leader, principal = county.users[Role.LEADER].username, county.users[Role.PRINCIPAL].username
    assert routed == {
        (leader, "webhook", "领导群"),
        (leader, "webhook", "全县群"),
        (principal, "webhook", "领导群"),
        (principal, "webhook", "全县群"),
        (staff.username, "webhook", "全县群"),
        (staff.username, "email", "staff@qingxi.gov.cn"),
    }
    # One by one, the same copies.
    single = notify(staff, "单条消息")
    assert sorted(single.deliveries.values_list("target", flat=True)) == ["email", "webhook"]


def test_a_citys_channel_forwards_its_counties_messages(county, other_county, receiver):
    from tuijin.core.models import Region, notify_many

    city = Region.objects.create(code="339900", name="青州市", level=Region.Level.CITY)
    Region.objects.filter(pk=county.region.pk).update(parent=city)
    service.channel_save(
        acting_user=county.users[Role.ADMIN],
        channel=None,
        region=city,
        name="市重点项目群",
        kind="wecom",
        url=receiver.url("/robot/send?access_token=city"),
    )
    notify_many(
        [
            (county.users[Role.UNIT_STAFF], "清溪县的消息", "", ""),
            (other_county.users[Role.UNIT_STAFF], "不在本市的消息", "", ""),
        ]
    )
    delivered = Delivery.objects.values_list("notification__title", "channel__name")
    assert list(delivered) == [("清溪县的消息", "市重点项目群")]


def test_a_sweep_reads_the_channels_once(county, receiver):
    """Inside routing() (the sweep), a second batch reads no channel nor recipient again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tuijin.core.models import notify_many

    make_channel(county, receiver, "wecom", roles=[Role.LEADER])
    leader = county.users[Role.LEADER]
    with service.routing():
        notify_many([(leader, "第一批", "", "")])
        with CaptureQueriesContext(connection) as queries:
            notify_many([(leader, "第二批", "", "")])
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "core_webhookchannel" not in tables and "auth_group" not in tables
    assert Delivery.objects.filter(notification__title="第二批").count() == 1


def test_failure_is_retried_after_back_off(county, receiver):
    make_channel(county, receiver, "dingtalk", secret=SECRET)
    receiver.fail(1, status=502)
    notify(county.users[Role.LEADER], "督办单即将到期")
    t0 = timezone.now()

    d = service.attempt(Delivery.objects.get().pk, now=t0)
    assert (d.status, d.attempts, d.last_error, d.response_code) == ("pending", 1, "HTTP 502", 502)
    assert d.next_attempt_at == t0 + dt.timedelta(minutes=1)

    assert service.retry_due_deliveries(t0 + dt.timedelta(seconds=30)) == (0, 0)
    assert len(receiver.requests) == 1

    assert service.retry_due_deliveries(t0 + dt.timedelta(minutes=1)) == (1, 1)
    assert len(receiver.requests) == 2
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_error) == ("sent", 2, "")
    timestamp = receiver.requests[1]["query"]["timestamp"][0]
    assert receiver.requests[1]["query"]["sign"] == [expected_sign(timestamp)]


def test_nonzero_errcode_is_a_failure(county, receiver):
    make_channel(county, receiver, "dingtalk", secret=SECRET)
    receiver.fail(1, status=200, answer={"errcode": 310000, "errmsg": "sign not match"})
    notify(county.users[Role.LEADER], "督办单即将到期")
    d = service.attempt(Delivery.objects.get().pk)
    assert d.status == "pending"
    assert d.last_error == "errcode 310000：sign not match"


def test_sweep_command_sends_due_deliveries(county, receiver):
    assert service.sweep_step in SWEEP_STEPS
    make_channel(county, receiver, "wecom")
    notify(county.users[Role.LEADER], "请参加项目调度会")
    out = []

    class Sink:
        def write(self, text):
            out.append(text)

        def flush(self):
            pass

    call_command("sweep", stdout=Sink())
    assert "消息推送：到期重试 1 条，发送成功 1 条" in "".join(out)
    assert len(receiver.requests) == 1


# --- Failures the administrator sees ---------------------------------------------------------


def test_five_failures_mark_failed_show_on_page_and_retry_sends(
    county, receiver, client_for, django_capture_on_commit_callbacks, immediate_tasks
):
    make_channel(county, receiver, "wecom", name="县督查工作群")
    receiver.fail(5)
    notify(county.users[Role.LEADER], "督办单已逾期")
    pk = Delivery.objects.get().pk
    now = timezone.now()
    for minutes in (0, 1, 2, 4, 8):
        now += dt.timedelta(minutes=minutes)
        assert service.retry_due_deliveries(now) == (1, 0)
    d = Delivery.objects.get(pk=pk)
    assert (d.status, d.attempts, d.next_attempt_at) == ("failed", 5, None)
    assert service.retry_due_deliveries(now + dt.timedelta(days=1)) == (0, 0)
    assert len(receiver.requests) == 5

    page = client_for(county.users[Role.ADMIN]).get(reverse("channels:list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "督办单已逾期" in html and "县督查工作群" in html
    assert "5 次" in html and "HTTP 500" in html

    client = client_for(county.users[Role.ADMIN])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("channels:retry", args=[pk]))
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("sent", 1)
    assert len(receiver.requests) == 6
    assert "没有发送失败的推送" in client.get(reverse("channels:list")).content.decode()


def test_only_failed_deliveries_can_be_retried(county, receiver, client_for):
    make_channel(county, receiver, "wecom")
    notify(county.users[Role.LEADER], "督办单已逾期")
    d = Delivery.objects.get()
    client = client_for(county.users[Role.ADMIN])
    response = client.post(reverse("channels:retry", args=[d.pk]), follow=True)
    assert "只有发送失败的推送可以重试" in response.content.decode()
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("pending", 0)


def test_non_admins_are_refused(county, receiver, client_for):
    channel = make_channel(county, receiver, "wecom")
    for role in (Role.PRINCIPAL, Role.SUPERVISION, Role.UNIT_STAFF):
        client = client_for(county.users[role])
        assert client.get(reverse("channels:list")).status_code == 403
        assert client.get(reverse("channels:edit", args=[channel.pk])).status_code == 403
        assert client.post(reverse("channels:test", args=[channel.pk])).status_code == 403
    assert receiver.requests == []


# --- Channel setup ---------------------------------------------------------------------------


def test_admin_sets_up_a_robot_whose_keys_are_never_shown(county, receiver, client_for):
    client = client_for(county.users[Role.ADMIN])
    url = receiver.url("/robot/send?access_token=tok-secret-9f3c")
    response = client.post(
        reverse("channels:create"),
        {
            "name": "县项目推进群",
            "kind": "dingtalk",
            "region": county.region.pk,
            "url": url,
            "secret": SECRET,
            "roles": [Role.LEADER],
            "active": "on",
        },
    )
    assert response.status_code == 302
    channel = WebhookChannel.objects.get()
    assert "tok-secret" not in channel.url_sealed and SECRET not in channel.secret_sealed
    assert service.unseal(channel.url_sealed) == url

    page = client.get(reverse("channels:list")).content.decode()
    edit = client.get(reverse("channels:edit", args=[channel.pk])).content.decode()
    for html in (page, edit):
        assert "tok-secret-9f3c" not in html and SECRET not in html
    assert "已设置" in page and "县领导" in page

    # A blank address and secret keep the stored ones; the robot still gets signed messages.
    client.post(
        reverse("channels:edit", args=[channel.pk]),
        {
            "name": "县项目推进群（新）",
            "kind": "dingtalk",
            "region": county.region.pk,
            "active": "on",
        },
    )
    response = client.post(reverse("channels:test", args=[channel.pk]), follow=True)
    assert "测试消息已发送到「县项目推进群（新）」" in response.content.decode()
    [request] = receiver.requests
    assert request["query"]["access_token"] == ["tok-secret-9f3c"]
    assert request["query"]["sign"] == [expected_sign(request["query"]["timestamp"][0])]
    assert request["json"]["markdown"]["title"] == "推进平台测试消息"


def test_test_send_reports_the_robots_error(county, receiver, client_for):
    channel = make_channel(county, receiver, "wecom")
    receiver.fail(1, status=200, answer={"errcode": 93000, "errmsg": "invalid webhook url"})
    response = client_for(county.users[Role.ADMIN]).post(
        reverse("channels:test", args=[channel.pk]), follow=True
    )
    assert "测试发送失败：errcode 93000：invalid webhook url" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "wecom", "url": "https://qyapi.weixin.qq.com/x?key=1", "secret": "SEC1"},
            "企业微信群机器人不使用加签密钥",
        ),
        (
            {"kind": "dingtalk", "url": "ftp://oapi.dingtalk.com/robot"},
            "机器人地址应以 http:// 或 https:// 开头",
        ),
        ({"kind": "dingtalk", "url": ""}, "请填写机器人地址"),
    ],
)
def test_bad_channel_input_is_refused_with_a_message(county, client_for, data, message):
    response = client_for(county.users[Role.ADMIN]).post(
        reverse("channels:create"), {"name": "工作群", "region": county.region.pk, **data}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert WebhookChannel.objects.count() == 0


def test_switched_off_channel_gets_nothing_and_pending_ones_fail(county, receiver):
    channel = make_channel(county, receiver, "wecom")
    notify(county.users[Role.LEADER], "第一条")
    channel.active = False
    channel.save()
    notify(county.users[Role.LEADER], "第二条")
    d = Delivery.objects.get()
    assert d.notification.title == "第一条"
    assert service.attempt(d.pk).status == "failed"
    assert Delivery.objects.get().last_error == "推送渠道已停用"
    assert receiver.requests == []


# --- Email ----------------------------------------------------------------------------------


def test_email_goes_to_the_recipient_when_enabled(
    county, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.TUIJIN_EMAIL_NOTIFICATIONS = True
    leader = county.users[Role.LEADER]
    leader.email = "leader@qingxi.gov.cn"
    leader.save()
    notify_leader(county, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["leader@qingxi.gov.cn"]
    assert message.subject == "[推进] 项目进度已填报"
    assert "城关镇填报了本月进度" in message.body
    assert f"{BASE_URL}/projects/7/" in message.body
    d = Delivery.objects.get()
    assert (d.target, d.status, d.address) == ("email", "sent", "leader@qingxi.gov.cn")


def test_no_email_when_disabled_or_without_address(
    county, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    leader = county.users[Role.LEADER]
    leader.email = "leader@qingxi.gov.cn"
    leader.save()
    notify_leader(county, django_capture_on_commit_callbacks)
    settings.TUIJIN_EMAIL_NOTIFICATIONS = True
    with django_capture_on_commit_callbacks(execute=True):
        notify(county.users[Role.UNIT_STAFF], "请填报进度")  # no address on file
    assert mail.outbox == []
    assert Delivery.objects.count() == 0
    assert Notification.objects.count() == 2
