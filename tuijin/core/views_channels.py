"""「消息推送」: administrators set up group robots and see, and retry, failed deliveries.

Robot addresses and signing secrets are never shown back (only a hint and 「已设置」); changes
go through ``tuijin.core.delivery``.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from . import delivery as service
from .models import Delivery, Region, WebhookChannel
from .permissions import role_required
from .roles import Role
from .scoping import get_visible_or_404, home_region_id
from .versioning import StaleWrite, VersionedFormMixin

ADMINS = ()  # administrators only
RECENT_FAILURES = 50
ROLE_CHOICES = [(r.value, r.label) for r in Role if r != Role.ADMIN]


class ChannelForm(VersionedFormMixin, forms.Form):
    name = forms.CharField(label="名称", max_length=60)
    kind = forms.ChoiceField(label="类型", choices=WebhookChannel.Kind.choices)
    region = forms.ModelChoiceField(label="地区", queryset=Region.objects.none(), empty_label=None)
    url = forms.CharField(
        label="机器人地址（Webhook）",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    secret = forms.CharField(
        label="加签密钥",
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="钉钉机器人安全设置选择「加签」时填写（以 SEC 开头）；企业微信留空。",
    )
    clear_secret = forms.BooleanField(label="清除已设置的加签密钥", required=False)
    roles = forms.MultipleChoiceField(
        label="转发范围",
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="收件人持有所选任一角色时转发；不选则转发本地区全部消息。",
    )
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.visible_to(user)


def _channel(request: HttpRequest, pk: int) -> WebhookChannel:
    return get_visible_or_404(WebhookChannel.objects.select_related("region"), request.user, pk=pk)


@role_required(ADMINS)
def channel_list(request: HttpRequest) -> HttpResponse:
    deliveries = Delivery.objects.visible_to(request.user)
    since = timezone.now() - dt.timedelta(days=7)
    failures = (
        deliveries.filter(status=Delivery.Status.FAILED)
        .select_related("channel", "notification__recipient")
        .order_by("-created_at", "-id")[:RECENT_FAILURES]
    )
    context = {
        "channels": WebhookChannel.objects.visible_to(request.user).select_related("region"),
        "failures": failures,
        "counts": {
            "pending": deliveries.filter(status=Delivery.Status.PENDING).count(),
            "sent": deliveries.filter(status=Delivery.Status.SENT, sent_at__gte=since).count(),
            "failed": deliveries.filter(status=Delivery.Status.FAILED).count(),
        },
        "role_labels": dict(Role.choices),
        "email_enabled": service.email_enabled(),
        "max_attempts": service.MAX_ATTEMPTS,
    }
    return render(request, "core/channels.html", context)


def _edit(request: HttpRequest, channel: WebhookChannel | None) -> HttpResponse:
    if channel is None:
        initial = {"region": home_region_id(request.user), "active": True}
    else:
        initial = {
            "name": channel.name,
            "kind": channel.kind,
            "region": channel.region_id,
            "roles": channel.roles,
            "active": channel.active,
        }
    form = ChannelForm(request.POST or None, initial=initial, user=request.user, versioned=channel)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if channel is not None:
            form.arm(channel)  # saved only if nobody changed the channel since the form was read
        try:
            saved = service.channel_save(
                acting_user=request.user,
                channel=channel,
                region=data["region"],
                name=data["name"],
                kind=data["kind"],
                url=data["url"],
                secret=data["secret"],
                clear_secret=data["clear_secret"],
                roles=data["roles"],
                active=data["active"],
            )
        except service.ChannelRuleError as error:
            form.add_error(None, str(error))
        except StaleWrite as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, f"推送渠道「{saved.name}」已保存")
            return redirect("channels:list")
    return render(request, "core/channels_form.html", {"form": form, "channel": channel})


@role_required(ADMINS)
@require_http_methods(["GET", "POST"])
def channel_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@role_required(ADMINS)
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, _channel(request, pk))


@role_required(ADMINS)
@require_POST
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Sent while the administrator waits (5 s at most): they are checking the robot now."""
    channel = _channel(request, pk)
    result = service.channel_test(channel)
    if result.ok:
        messages.success(request, f"测试消息已发送到「{channel.name}」，请在群里查看")
    else:
        messages.error(request, f"「{channel.name}」测试发送失败：{result.error}")
    return redirect("channels:list")


@role_required(ADMINS)
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible_or_404(Delivery.objects.all(), request.user, pk=pk)
    try:
        service.delivery_retry(acting_user=request.user, delivery=item)
    except service.ChannelRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "已重新排队发送，稍后刷新查看结果")
    return redirect("channels:list")
