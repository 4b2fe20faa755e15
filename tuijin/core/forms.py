"""Forms of the shell and the directory."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .accounts import sign_in_name
from .models import Person, Unit
from .versioning import VersionedFormMixin


class LoginForm(AuthenticationForm):
    """Sign in with the account name, or (enterprises) with the mobile number registered."""

    error_messages = {
        "invalid_login": "用户名或密码不正确。连续多次输错将暂时锁定账号。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    def clean_username(self) -> str:
        # Before authenticate(): the lockout and the security log see the account's name.
        return sign_in_name(self.cleaned_data.get("username", ""))


class PersonForm(VersionedFormMixin, forms.ModelForm):
    """What a unit may keep current about its own people."""

    class Meta:
        model = Person
        fields = ["title", "mobile"]

    def clean_mobile(self) -> str:
        mobile = self.cleaned_data["mobile"]
        if message := self.instance.mobile_taken_message(mobile):
            raise forms.ValidationError(message)
        return mobile


class UnitFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=50)
    kind = forms.ChoiceField(
        label="类型", required=False, choices=[("", "全部类型"), *Unit.Kind.choices]
    )


class PersonFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=50)
    unit = forms.IntegerField(label="单位", required=False)


class WorkdayForm(forms.Form):
    start = forms.DateField(label="收到日期")
    days = forms.IntegerField(label="工作日数", min_value=0, max_value=3650)


class WorkdayCountForm(forms.Form):
    start = forms.DateField(label="起始日期")
    end = forms.DateField(label="结束日期")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("结束日期不能早于起始日期")
        return data
