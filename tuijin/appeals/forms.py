"""Forms of the request pages: the pool's filters, intake, the action forms, deadline rules."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy

from tuijin.core.formchoices import SharedRows
from tuijin.core.models import Unit
from tuijin.enterprises.models import Enterprise
from tuijin.supervision.forms import MultipleFileField

from . import deadlines
from .models import Appeal

FILES_HELP = "办公文档、PDF、图片或压缩包，每个不超过 10 MB"


def county_units(user) -> forms.QuerySet:
    """The units of the user's county, as dispatch targets and filter options."""
    return Unit.objects.visible_to(user).order_by("order", "id")


class AppealFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=50)
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *Appeal.Status.choices]
    )
    source = forms.ChoiceField(
        label="来源", required=False, choices=[("", "全部来源"), *Appeal.Source.choices]
    )
    kind = forms.ChoiceField(
        label="类别", required=False, choices=[("", "全部类别"), *Appeal.Kind.choices]
    )
    topic = forms.ChoiceField(
        label="领域", required=False, choices=[("", "全部领域"), *Appeal.Topic.choices]
    )
    unit = forms.ModelChoiceField(
        label="主办单位", required=False, queryset=Unit.objects.none(), empty_label="全部单位"
    )
    overdue = forms.BooleanField(label="仅逾期", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = county_units(user)


class IntakeForm(forms.Form):
    """What the office or a leader types once when an enterprise raises something."""

    source = forms.ChoiceField(
        label="来源",
        choices=[
            (Appeal.Source.LEADER, Appeal.Source.LEADER.label),
            (Appeal.Source.VISIT, Appeal.Source.VISIT.label),
            (Appeal.Source.HOTLINE, Appeal.Source.HOTLINE.label),
            (Appeal.Source.PORTAL, "企业来电来访"),
        ],
    )
    enterprise_q = forms.CharField(
        label="查找企业",
        required=False,
        help_text="输入企业名称、信用代码或拼音首字母",
        widget=forms.TextInput(
            attrs={
                "hx-get": reverse_lazy("appeals:enterprise-options"),
                "hx-target": "#id_enterprise",
                "hx-trigger": "input changed delay:300ms",
                "autocomplete": "off",
            }
        ),
    )
    enterprise = forms.ModelChoiceField(
        label="企业（名录）", queryset=Enterprise.objects.none(), required=False
    )
    enterprise_name = forms.CharField(
        label="企业名称（不在名录中时填写）", max_length=120, required=False
    )
    contact_name = forms.CharField(label="联系人", max_length=40, required=False)
    contact_mobile = forms.CharField(label="联系电话", max_length=20, required=False)
    hotline_number = forms.CharField(label="12345工单编号", max_length=40, required=False)
    kind = forms.ChoiceField(label="诉求类别", choices=Appeal.Kind.choices)
    topic = forms.ChoiceField(label="诉求领域", choices=Appeal.Topic.choices)
    urgency = forms.ChoiceField(label="紧急程度", choices=Appeal.Urgency.choices)
    title = forms.CharField(label="标题", max_length=80)
    text = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 5}))
    received_on = forms.DateField(
        label="受理日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    files = MultipleFileField(label="附件", help_text=FILES_HELP)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["enterprise"]
        field.queryset = Enterprise.objects.visible_to(user)
        chosen = self.data.get("enterprise") if self.is_bound else self.initial.get("enterprise")
        options = [("", "—— 请先查找企业 ——")]
        if chosen:
            pk = getattr(chosen, "pk", chosen)
            enterprise = field.queryset.filter(pk=pk).first() if str(pk).isdigit() else None
            if enterprise is not None:
                options.append((enterprise.pk, enterprise.name))
        field.widget.choices = options


class DispatchForm(forms.Form):
    lead_unit = forms.ModelChoiceField(label="主办单位", queryset=Unit.objects.none())
    co_units = forms.ModelMultipleChoiceField(
        label="协办单位",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    note = forms.CharField(label="分派意见", required=False, max_length=300)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = county_units(user)
        self.fields["lead_unit"].queryset = units
        self.fields["co_units"].queryset = units
        shared = SharedRows(units)  # both lists from one query
        shared.offer(self.fields["lead_unit"], lambda unit: True)
        shared.offer(self.fields["co_units"], lambda unit: True)


class SendBackForm(forms.Form):
    reason = forms.CharField(label="退回理由", widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="答复内容（采取的措施和结果）", widget=forms.Textarea(attrs={"rows": 4})
    )
    files = MultipleFileField(label="附件", help_text=FILES_HELP)


class QuestionForm(forms.Form):
    text = forms.CharField(
        label="需要企业补充的情况", widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class ExtensionAskForm(forms.Form):
    days = forms.IntegerField(label="延期（工作日）", min_value=1, max_value=30)
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审批意见",
        choices=[("1", "同意延期"), ("0", "不同意延期")],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label="说明", required=False, max_length=300)


class FollowUpForm(forms.Form):
    rating = forms.ChoiceField(label="企业评价", choices=Appeal.Rating.choices)
    note = forms.CharField(
        label="回访记录", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RateForm(forms.Form):
    rating = forms.ChoiceField(label="满意度", choices=Appeal.Rating.choices)
    comment = forms.CharField(
        label="评价意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConvertOpinionForm(forms.Form):
    kind = forms.ChoiceField(label="诉求类别", choices=Appeal.Kind.choices)
    topic = forms.ChoiceField(label="诉求领域", choices=Appeal.Topic.choices)
    urgency = forms.ChoiceField(
        label="紧急程度", choices=Appeal.Urgency.choices, initial=Appeal.Urgency.NORMAL
    )


def rule_field_name(kind: str, urgency: str, part: str) -> str:
    return f"{kind}__{urgency}__{part}"


PARTS = ("accept_days", "reply_days", "resolve_days")
PART_LABELS = {"accept_days": "签收", "reply_days": "首次答复", "resolve_days": "办结"}


class DeadlineRulesForm(forms.Form):
    """The county's table of class × urgency, three numbers a row, each 0–60 working days."""

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for rule in deadlines.rules_table(region):
            names = []
            for part in PARTS:
                name = rule_field_name(rule.kind, rule.urgency, part)
                self.fields[name] = forms.IntegerField(
                    min_value=0,
                    max_value=deadlines.MAX_DAYS,
                    initial=getattr(rule, part),
                    error_messages={
                        "required": "请填写天数",
                        "invalid": "请填写整数",
                        "min_value": "不能小于 0",
                        "max_value": f"不能超过 {deadlines.MAX_DAYS}",
                    },
                    widget=forms.NumberInput(
                        attrs={
                            "style": "max-width:6rem",
                            "aria-label": f"{rule.get_kind_display()}·"
                            f"{rule.get_urgency_display()}·{PART_LABELS[part]}",
                        }
                    ),
                )
                names.append(name)
            self.rows.append((rule, [self[n] for n in names]))

    def clean(self):
        data = super().clean()
        for rule, bound in self.rows:
            values = [data.get(b.name) for b in bound]
            if None in values:
                continue
            message = deadlines.validate_days(*values)
            if message:
                self.add_error(
                    None,
                    f"{rule.get_kind_display()}·{rule.get_urgency_display()}：{message}",
                )
        return data

    def values(self) -> dict[tuple[str, str], tuple[int, int, int]]:
        return {
            (rule.kind, rule.urgency): tuple(self.cleaned_data[b.name] for b in bound)
            for rule, bound in self.rows
        }
