"""Pages of the account's sign-in: two-step verification (「两步验证」) and the password."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import otp, security, sessions
from .models import SecurityEvent


class CodeForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=24,
        error_messages={"required": "请输入验证码"},
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autofocus": True,
            }
        ),
    )


class NewPasswordForm(PasswordChangeForm):
    """Django's form, refusing the old password as the new one (the point of rotation)."""

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password2")
        if new and "new_password2" not in self.errors and self.user.check_password(new):
            self.add_error("new_password2", "新密码不能与原密码相同")
        return cleaned


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return "/"


def _codes_page(request: HttpRequest, codes: list[str], first: bool) -> HttpResponse:
    return render(
        request,
        "core/otp_codes.html",
        {"codes": codes, "first": first, "signin_pending": False},
    )


@never_cache
@login_required
def otp_settings(request: HttpRequest) -> HttpResponse:
    """「两步验证」: whether it is on, the recovery codes left, and turning it off."""
    user = request.user
    return render(
        request,
        "core/otp_settings.html",
        {
            "device": otp.confirmed_device(user),
            "codes_left": otp.recovery_codes_left(user),
            "required": otp.required_for(user),
            "remove_form": CodeForm(auto_id="remove_%s"),
        },
    )


@never_cache
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the secret), confirm with the first code, keep the codes."""
    user = request.user
    if otp.confirmed_device(user) is not None:
        messages.info(request, "两步验证已开启；更换手机请先关闭两步验证，再重新设置")
        return redirect("otp")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp.confirm_setup(request, user, form.cleaned_data["code"])
        except otp.OtpRuleError as error:
            form.add_error("code", str(error))
        else:
            sessions.refresh_hold(request)
            return _codes_page(request, codes, first=True)
    pending = request.session.get(sessions.HOLD) == sessions.SETUP
    return render(
        request,
        "core/otp_setup.html",
        {"setup": otp.start_setup(user), "form": form, "signin_pending": pending},
    )


@never_cache
@login_required
@require_POST
def otp_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes; the old ones stop working."""
    try:
        codes = otp.regenerate_codes(request, request.user)
    except otp.OtpRuleError as error:
        messages.error(request, str(error))
        return redirect("otp")
    return _codes_page(request, codes, first=False)


@never_cache
@login_required
@require_POST
def otp_remove(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = CodeForm(request.POST, auto_id="remove_%s")
    if form.is_valid():
        try:
            otp.remove(request, user, form.cleaned_data["code"])
        except otp.OtpRuleError as error:
            form.add_error("code", str(error))
        else:
            sessions.refresh_hold(request)
            messages.success(request, "已关闭两步验证，恢复码已全部作废")
            return redirect("otp")
    return render(
        request,
        "core/otp_settings.html",
        {
            "device": otp.confirmed_device(user),
            "codes_left": otp.recovery_codes_left(user),
            "required": otp.required_for(user),
            "remove_form": form,
        },
    )


@never_cache
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The step after the password for an account with an authenticator."""
    if not request.user.is_authenticated:
        return redirect("login")
    if request.session.get(sessions.HOLD) != sessions.VERIFY:
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            otp.verify(request, request.user, form.cleaned_data["code"])
        except otp.OtpRuleError as error:
            form.add_error("code", str(error))
        else:
            sessions.refresh_hold(request)
            return redirect(_next_url(request))
    return render(
        request,
        "registration/otp_verify.html",
        {"form": form, "next": _next_url(request), "signin_pending": True},
    )


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, logged, releasing a session held for an expired password."""

    form_class = NewPasswordForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.session.get(sessions.HOLD) == sessions.PASSWORD
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        security.record(SecurityEvent.Kind.PASSWORD_CHANGED, self.request, user=self.request.user)
        sessions.refresh_hold(self.request)
        return response
