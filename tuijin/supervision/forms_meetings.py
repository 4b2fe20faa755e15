"""Forms of scheduling meetings, their assignments and self-check rounds."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from tuijin.core.models import Person, Unit
from tuijin.projects.models import Project

from .forms import PersonChoiceField
from .models import DEFAULT_SELF_CHECK_QUESTIONS
from .selfchecks import SELF_CHECK_KINDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AttendeeField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person: Person) -> str:
        where = person.unit.name if person.unit_id else "县领导"
        title = f"（{person.title}）" if person.title else ""
        return f"{where} · {person.name}{title}"


class MeetingForm(forms.Form):
    title = forms.CharField(label="会议名称", max_length=120, initial="重点项目调度会")
    held_on = forms.DateField(label="会议日期", widget=DATE)
    place = forms.CharField(label="地点", max_length=120, required=False)
    chair = PersonChoiceField(label="主持人", queryset=Person.objects.none(), required=False)
    attendees = AttendeeField(
        label="参会人员",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="按住 Ctrl 可多选；有账号的参会人员会收到会议通知",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.visible_to(user).select_related("unit")
        ordered = people.order_by("unit__order", "unit_id", "order", "id")
        # Leaders (no unit) first: they chair and attend; then the units' people.
        self.fields["chair"].queryset = people.filter(unit__isnull=True).order_by("order", "id")
        self.fields["chair"].label_from_instance = lambda p: f"{p.name}（{p.title}）"
        self.fields["attendees"].queryset = ordered
        self.fields["held_on"].initial = timezone.localdate()


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label="会议纪要", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


class AssignmentForm(forms.Form):
    """One decision of the meeting: what, to which unit and person, in how many working days."""

    title = forms.CharField(label="交办事由", max_length=120)
    content = forms.CharField(label="交办事项", widget=forms.Textarea(attrs={"rows": 4}))
    project = forms.ModelChoiceField(
        label="关于项目", queryset=Project.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(
        label="承办单位",
        queryset=Unit.objects.none(),
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("supervision:people"),
                "hx-target": "#id_person",
                "hx-trigger": "change",
            }
        ),
    )
    person = PersonChoiceField(
        label="责任人", queryset=Person.objects.none(), help_text="须为承办单位的人员"
    )
    issued_on = forms.DateField(
        label="交办日期", widget=DATE, help_text="默认为会议日期；不能早于会议日期"
    )
    deadline_days = forms.IntegerField(
        label="办理时限（工作日）",
        min_value=1,
        max_value=365,
        initial=10,
        error_messages={"min_value": "办理时限至少为 1 个工作日：办结期限不能早于交办日期"},
    )

    def __init__(self, *args, user=None, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        self.fields["unit"].queryset = Unit.objects.visible_to(user)
        self.fields["person"].queryset = (
            Person.objects.visible_to(user).filter(unit__isnull=False).select_related("unit")
        ).order_by("unit__order", "unit_id", "order", "id")
        if meeting is not None:
            self.fields["issued_on"].initial = meeting.held_on


class UnitCheckboxes(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        return f"{unit.name}（{unit.get_kind_display()}）"


class PublishForm(forms.Form):
    title = forms.CharField(label="自查主题", max_length=120)
    defaults = forms.MultipleChoiceField(
        label="讲话中的问题",
        required=False,
        choices=[(q, q) for q in DEFAULT_SELF_CHECK_QUESTIONS],
        initial=list(DEFAULT_SELF_CHECK_QUESTIONS),
        widget=forms.CheckboxSelectMultiple,
    )
    extra = forms.CharField(
        label="补充问题",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一个问题",
    )
    due_on = forms.DateField(label="截止日期", widget=DATE)
    units = UnitCheckboxes(
        label="自查单位",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="乡镇和平台",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.visible_to(user).filter(kind__in=SELF_CHECK_KINDS)
        self.fields["units"].queryset = units
        self.fields["units"].initial = list(units.values_list("pk", flat=True))
        self.fields["due_on"].initial = timezone.localdate() + dt.timedelta(days=14)
