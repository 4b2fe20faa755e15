"""Forms of the supervision pages: the issue form and the action forms of an order."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from tuijin.core.models import Person, Unit
from tuijin.projects.models import Problem, Project

from .models import SupervisionOrder


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; types and sizes are checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person: Person) -> str:
        title = f"（{person.title}）" if person.title else ""
        return f"{person.unit.name} · {person.name}{title}"


class IssueForm(forms.Form):
    """What the office types once: the rest (number, deadline date) is derived."""

    title = forms.CharField(label="督办事由", max_length=120)
    content = forms.CharField(label="督办事项", widget=forms.Textarea(attrs={"rows": 5}))
    project = forms.ModelChoiceField(
        label="关于项目", queryset=Project.objects.none(), required=False
    )
    problem = forms.ModelChoiceField(
        queryset=Problem.objects.none(), required=False, widget=forms.HiddenInput
    )
    unit = forms.ModelChoiceField(
        label="承办单位",
        queryset=Unit.objects.none(),
        # Choosing the unit narrows the person list to its people (htmx, no inline script).
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("supervision:people"),
                "hx-target": "#id_person",
                "hx-trigger": "change",
            }
        ),
    )
    person = PersonChoiceField(
        label="责任人",
        queryset=Person.objects.none(),
        help_text="须为承办单位的人员，从通讯录选择",
    )
    issued_on = forms.DateField(
        label="下发日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    deadline_days = forms.IntegerField(
        label="办理时限（工作日）",
        min_value=1,
        max_value=365,
        initial=10,
        help_text="按法定工作日计算，含调休；至少 1 个工作日",
        error_messages={"min_value": "办理时限至少为 1 个工作日：办结期限不能早于下发日期"},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        self.fields["problem"].queryset = Problem.objects.visible_to(user)
        self.fields["unit"].queryset = Unit.objects.visible_to(user)
        self.fields["person"].queryset = (
            Person.objects.visible_to(user).filter(unit__isnull=False).select_related("unit")
        ).order_by("unit__order", "unit_id", "order", "id")
        self.fields["issued_on"].initial = timezone.localdate()


class RespondForm(forms.Form):
    text = forms.CharField(label="办理情况", widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(
        label="附件", help_text="办公文档、PDF、图片或压缩包，每个不超过 10 MB"
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", widget=forms.Textarea(attrs={"rows": 3}))


class AcceptForm(forms.Form):
    text = forms.CharField(label="办结意见", required=False, max_length=500)


class OrderFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="类别",
        required=False,
        choices=[("", "督办和交办"), *SupervisionOrder.Kind.choices],
    )
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部状态"), *SupervisionOrder.Status.choices],
    )
    unit = forms.ModelChoiceField(
        label="承办单位", required=False, queryset=Unit.objects.none(), empty_label="全部单位"
    )
    overdue = forms.BooleanField(label="仅逾期", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user)
