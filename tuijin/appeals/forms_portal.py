"""Forms of the enterprise portal: plain words, big choices, the rules in ``portal``."""

from __future__ import annotations

from django import forms

from tuijin.supervision.forms import MultipleFileField

from .forms import FILES_HELP
from .models import Appeal

# What each class and topic means, in the words an enterprise would use.
KIND_HINTS = {
    Appeal.Kind.CONSULT: "想问问政策、办事流程",
    Appeal.Kind.HELP: "遇到困难，请政府帮忙解决",
    Appeal.Kind.COMPLAINT: "对某个部门办事不满意",
    Appeal.Kind.SUGGESTION: "给政府提意见、建议",
    Appeal.Kind.REPORT: "反映违法违规的事",
}
TOPIC_HINTS = {
    Appeal.Topic.FINANCING: "贷款、资金周转、担保",
    Appeal.Topic.LAND: "用地指标、土地手续、厂房",
    Appeal.Topic.APPROVAL: "办证、审批、项目报建",
    Appeal.Topic.LABOUR: "招工难、用工、社保",
    Appeal.Topic.POLICY: "奖补资金、优惠政策没兑现",
    Appeal.Topic.INFRASTRUCTURE: "道路、管网、网络等配套",
    Appeal.Topic.ENFORCEMENT: "检查太多、执法不规范",
    Appeal.Topic.UTILITIES: "用水、用电、用气",
    Appeal.Topic.OTHER: "以上都不是",
}
RATING_HINTS = {
    Appeal.Rating.SATISFIED: "问题解决了",
    Appeal.Rating.BASIC: "基本解决，还有小问题",
    Appeal.Rating.UNSATISFIED: "没解决，请重新办理",
}


def _choices(choices, hints) -> list[tuple[str, str, str]]:
    return [(value, label, hints.get(value, "")) for value, label in choices]


class RegisterForm(forms.Form):
    credit_code = forms.CharField(
        label="统一社会信用代码",
        max_length=30,
        help_text="营业执照上的 18 位代码",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    contact_name = forms.CharField(label="联系人姓名", max_length=40)
    contact_mobile = forms.CharField(
        label="联系人手机号",
        max_length=20,
        help_text="以后用这个手机号登录",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    password1 = forms.CharField(
        label="设置密码",
        strip=False,
        help_text="至少 10 位，不能全是数字",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="再输一次密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data.get("password1"):
            self.add_error("password2", "两次输入的密码不一致")
        return data


class ResubmitForm(forms.Form):
    credit_code = RegisterForm.base_fields["credit_code"]
    contact_name = RegisterForm.base_fields["contact_name"]


class FileAppealForm(forms.Form):
    """Filing a request: what it is about, how urgent, and the story in the owner's words."""

    kind = forms.ChoiceField(
        label="您想",
        choices=Appeal.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择您想做什么（咨询、求助……）"},
    )
    topic = forms.ChoiceField(
        label="是哪方面的事",
        choices=Appeal.Topic.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择是哪方面的事"},
    )
    urgency = forms.ChoiceField(
        label="急不急",
        choices=Appeal.Urgency.choices,
        initial=Appeal.Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label="一句话说明", max_length=80, error_messages={"required": "请用一句话说明是什么事"}
    )
    text = forms.CharField(
        label="详细情况",
        error_messages={"required": "请写一写详细情况"},
        help_text="什么事、什么时候开始、希望怎么解决",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    files = MultipleFileField(label="照片或材料（可不传）", help_text=FILES_HELP)

    kind_options = _choices(Appeal.Kind.choices, KIND_HINTS)
    topic_options = _choices(Appeal.Topic.choices, TOPIC_HINTS)


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        label="您对办理结果满意吗", choices=Appeal.Rating.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="还想说的话（可不填）",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    rating_options = _choices(Appeal.Rating.choices, RATING_HINTS)


class AnswerForm(forms.Form):
    text = forms.CharField(label="补充说明", widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label="补充材料（可不传）", help_text=FILES_HELP)


class RejectForm(forms.Form):
    reason = forms.CharField(label="不通过的理由", max_length=300)
