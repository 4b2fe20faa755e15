"""Forms of the inspection pages: plan an inspection, record a finding, filter the list.

Choices come from the county directory through ``visible_to``; the rules (a named person of
the responsible unit, working-day deadlines, photos) are checked by ``inspections``.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from tuijin.core.models import Person, Unit
from tuijin.projects.models import Project

from .forms import MultipleFileField
from .inspections import MAX_DEADLINE_DAYS, MAX_PHOTOS
from .models import Inspection

MULTI_SIZE = 8


def person_label(person: Person) -> str:
    """「城关镇 · 张三（副镇长）」, 「县领导 · 李四（副县长）」."""
    title = f"（{person.title}）" if person.title else ""
    where = person.unit.name if person.unit_id else "县领导"
    return f"{where} · {person.name}{title}"


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person: Person) -> str:
        return person_label(person)


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, person: Person) -> str:
        return person_label(person)


def county_people(user):
    return (
        Person.objects.visible_to(user)
        .select_related("unit")
        .order_by("unit__order", "unit_id", "order", "id")
    )


def responsible_people(user):
    """Who may answer for a finding: people of a unit (the order goes to that unit)."""
    return county_people(user).filter(unit__isnull=False)


class InspectionForm(forms.Form):
    """What the office plans: topic, day, who inspects and what (projects and/or units)."""

    topic = forms.CharField(
        label="督查主题", max_length=120, error_messages={"required": "请填写督查主题"}
    )
    inspected_on = forms.DateField(
        label="督查日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写督查日期"},
    )
    inspectors = PeopleField(
        label="督查人员",
        queryset=Person.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": MULTI_SIZE}),
        help_text="从本县通讯录选择，按住 Ctrl（苹果电脑 ⌘）可多选",
        error_messages={"required": "请至少选择一名督查人员"},
    )
    projects = forms.ModelMultipleChoiceField(
        label="督查项目",
        queryset=Project.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": MULTI_SIZE}),
        help_text="可多选；项目和单位至少选择一项",
    )
    units = forms.ModelMultipleChoiceField(
        label="督查单位",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": MULTI_SIZE}),
        help_text="部门、乡镇或平台，可多选",
    )
    notes = forms.CharField(
        label="督查情况", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = county_people(user)
        self.fields["projects"].queryset = (
            Project.objects.visible_to(user).active().select_related("host_unit").order_by("name")
        )
        self.fields["units"].queryset = Unit.objects.visible_to(user)
        self.fields["inspected_on"].initial = timezone.localdate()


class FindingForm(forms.Form):
    """One finding: where, what, who answers for it, what to do and by when."""

    project = forms.ModelChoiceField(
        label="项目",
        queryset=Project.objects.none(),
        required=False,
        empty_label="（不针对具体项目）",
    )
    unit = forms.ModelChoiceField(
        label="责任单位",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="（默认：项目的责任乡镇/平台）",
        help_text="选择项目时可不填，默认为项目的责任乡镇/平台（没有时为领办部门）",
    )
    responsible_person = PersonField(
        label="责任人",
        queryset=Person.objects.none(),
        required=False,  # refused by the service, with the same message on the API
        help_text="须为责任单位的人员，从通讯录选择；必填",
    )
    text = forms.CharField(
        label="发现问题",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写发现的问题"},
    )
    requirement = forms.CharField(
        label="整改要求",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写整改要求"},
    )
    deadline_days = forms.IntegerField(
        label="整改时限（工作日）",
        min_value=1,
        max_value=MAX_DEADLINE_DAYS,
        initial=10,
        help_text="从督查日期起按法定工作日计算，含调休",
        error_messages={"min_value": "整改时限至少为 1 个工作日：整改期限不能早于督查日期"},
    )
    photos = MultipleFileField(
        label="照片",
        help_text=f"JPG、PNG 或 WebP，最多 {MAX_PHOTOS} 张；保存时去除位置等元数据",
    )

    def __init__(self, *args, inspection: Inspection, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"
        people_url = reverse_lazy("supervision:inspection-people")
        for name in ("project", "unit"):
            # Choosing the project or unit narrows the person list (htmx, no inline script).
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": people_url,
                    "hx-target": "#id_responsible_person",
                    "hx-trigger": "change",
                    "hx-include": "#id_project, #id_unit",
                }
            )
        projects = Project.objects.visible_to(user).select_related("host_unit")
        if inspection.projects.exists():
            projects = projects.filter(inspections=inspection)
        self.fields["project"].queryset = projects.order_by("name")
        self.fields["unit"].queryset = Unit.objects.visible_to(user)
        self.fields["responsible_person"].queryset = responsible_people(user)


class InspectionFilterForm(forms.Form):
    date_from = forms.DateField(
        label="督查日期从",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label="至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    unit = forms.ModelChoiceField(
        label="单位", required=False, queryset=Unit.objects.none(), empty_label="全部单位"
    )
    q = forms.CharField(label="督查主题", required=False, max_length=50)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("开始日期不能晚于结束日期")
        return data
