"""Forms of the meetings register, leave and reception time (Chinese labels and errors)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone

from tuijin.core.models import Person
from tuijin.core.scoping import home_region_id
from tuijin.outreach.models import OutreachTrip
from tuijin.projects.models import Project, SiteCheck

from .leave import fileable_people
from .models import Half, Leave, ReceptionLog
from .reception import loggable_people

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, person: Person) -> str:
        where = person.unit.name if person.unit_id else "县领导"
        title = f"（{person.title}）" if person.title else ""
        return f"{where} · {person.name}{title}"


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person: Person) -> str:
        return PersonField.label_from_instance(self, person)


def _county_people(user):
    region_id = home_region_id(user)
    return (
        Person.objects.filter(region_id=region_id)
        .select_related("unit")
        .order_by("unit__order", "unit_id", "order", "id")
    )


class MeetingForm(forms.Form):
    convener = PersonField(label="召集人", queryset=Person.objects.none())
    held_on = forms.DateField(label="会议日期", widget=DATE)
    topic = forms.CharField(label="会议议题", max_length=120)
    invitees = PeopleField(
        label="参会人员",
        queryset=Person.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="从通讯录中选择，按住 Ctrl 可多选",
        error_messages={"required": "请从通讯录中选择参会人员"},
    )
    project = forms.ModelChoiceField(
        label="关于项目", queryset=Project.objects.none(), required=False
    )
    about_projects = forms.BooleanField(label="项目会议（谈项目、推项目）", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.visible_to(user).select_related("unit")
        self.fields["convener"].queryset = people.order_by("unit__order", "unit_id", "order", "id")
        # Invitees come from the whole county's directory: that is what the rule looks at.
        self.fields["invitees"].queryset = _county_people(user)
        self.fields["project"].queryset = Project.objects.visible_to(user).active().order_by("name")
        self.fields["held_on"].initial = timezone.localdate()
        if user is not None:
            own = Person.objects.filter(user=user).first()
            if own is not None:
                self.fields["convener"].initial = own.pk


class DecisionForm(forms.Form):
    note = forms.CharField(label="审批意见", max_length=200, required=False)


class LeaveForm(forms.Form):
    person = PersonField(label="请假人", queryset=Person.objects.none())
    start_date = forms.DateField(label="开始日期", widget=DATE)
    start_half = forms.ChoiceField(label="开始", choices=Half.choices, initial=Half.AM)
    end_date = forms.DateField(label="结束日期", widget=DATE)
    end_half = forms.ChoiceField(label="结束", choices=Half.choices, initial=Half.PM)
    reason_kind = forms.ChoiceField(label="请假事由", choices=Leave.Reason.choices)
    project = forms.ModelChoiceField(
        label="项目",
        queryset=Project.objects.none(),
        required=False,
        help_text="项目工作请假须关联项目、现场察看或外出招商，提交即自动批准",
    )
    site_check = forms.ModelChoiceField(
        label="现场察看", queryset=SiteCheck.objects.none(), required=False
    )
    trip = forms.ModelChoiceField(
        label="外出招商", queryset=OutreachTrip.objects.none(), required=False
    )
    reason = forms.CharField(label="具体说明", max_length=200, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = fileable_people(user)
        self.fields["trip"].queryset = (
            OutreachTrip.objects.visible_to(user)
            .filter(end_date__gte=timezone.localdate() - dt.timedelta(days=366))
            .order_by("-start_date")
        )
        self.fields["trip"].label_from_instance = lambda t: (
            f"{t.start_date:%Y-%m-%d} {t.destination}"
        )
        own = Person.objects.filter(user=user).first() if user is not None else None
        if own is not None:
            self.fields["person"].initial = own.pk
        self.fields["project"].queryset = Project.objects.visible_to(user).active().order_by("name")
        self.fields["site_check"].queryset = (
            SiteCheck.objects.visible_to(user)
            .filter(visited_on__gte=timezone.localdate() - dt.timedelta(days=366))
            .select_related("project")
            .order_by("-visited_on")
        )
        self.fields["site_check"].label_from_instance = lambda c: (
            f"{c.visited_on:%Y-%m-%d} {c.project.name}"
        )
        today = timezone.localdate()
        self.fields["start_date"].initial = today
        self.fields["end_date"].initial = today


class ReceptionForm(forms.Form):
    person = PersonField(label="领导", queryset=Person.objects.none())
    on_date = forms.DateField(label="日期", widget=DATE)
    kind = forms.ChoiceField(
        label="类型", choices=ReceptionLog.Kind.choices, widget=forms.RadioSelect
    )
    hours = forms.DecimalField(
        label="时长（小时）",
        min_value=Decimal("0.1"),
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        error_messages={"min_value": "时长应大于 0", "invalid": "请输入小时数，如 1.5"},
    )
    guest = forms.CharField(label="来访单位/对象", max_length=120)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = loggable_people(user)
        self.fields["person"].queryset = people
        if people.count() == 1:
            self.fields["person"].initial = people.first().pk
        self.fields["on_date"].initial = timezone.localdate()
        self.fields["kind"].initial = ReceptionLog.Kind.RECEPTION


class TargetForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    reduction_percent = forms.DecimalField(
        label="压减比例（%）",
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal("99.9"),
        error_messages={
            "min_value": "压减比例应大于 0 且小于 100",
            "max_value": "压减比例应大于 0 且小于 100",
        },
    )
