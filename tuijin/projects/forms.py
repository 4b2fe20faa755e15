"""Forms of the key-project pages: each asks only what cannot be derived."""

from __future__ import annotations

import datetime as dt

from django import forms

from tuijin.core.formchoices import SharedRows
from tuijin.core.models import Person, Unit
from tuijin.core.versioning import VersionedFormMixin

from .models import Milestone, Problem, Project, Stage


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; contents are checked by the photo service, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class ProjectForm(VersionedFormMixin, forms.ModelForm):
    """The registry entry, kept by the project office."""

    responsible_people = forms.ModelMultipleChoiceField(
        label="责任人",
        queryset=Person.objects.none(),
        required=False,
        help_text="从通讯录选择；手机号码随通讯录更新",
    )
    plan_this_year = forms.DecimalField(
        label="本年计划投资（万元）", min_value=0, max_digits=14, decimal_places=2, required=False
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "code",
            "nature",
            "level",
            "category",
            "industry",
            "content",
            "is_major",
            "total_investment",
            "start_year",
            "end_year",
            "planned_start",
            "investor_name",
            "investor_credit_code",
            "host_unit",
            "address",
            "latitude",
            "longitude",
            "lead_department",
            "contact_leader",
            "registered_in_stats",
            "registered_on",
        ]
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}),
            "registered_on": forms.DateInput(attrs={"type": "date"}),
            "content": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Each list from one query of its table; each field's queryset validates the choice.
        units = Unit.objects.filter(region=region)
        self.fields["host_unit"].queryset = units.exclude(kind=Unit.Kind.DEPARTMENT)
        self.fields["lead_department"].queryset = units.filter(kind=Unit.Kind.DEPARTMENT)
        shared_units = SharedRows(units)
        shared_units.offer(self.fields["host_unit"], lambda u: u.kind != Unit.Kind.DEPARTMENT)
        shared_units.offer(self.fields["lead_department"], lambda u: u.kind == Unit.Kind.DEPARTMENT)
        people = Person.objects.filter(region=region)
        self.fields["contact_leader"].queryset = people.filter(unit__isnull=True)
        self.fields["responsible_people"].queryset = people.filter(
            unit__isnull=False
        ).select_related("unit")
        shared_people = SharedRows(people.select_related("unit"))
        shared_people.offer(self.fields["contact_leader"], lambda p: p.unit_id is None)
        shared_people.offer(self.fields["responsible_people"], lambda p: p.unit_id is not None)
        self.fields["responsible_people"].label_from_instance = lambda p: (
            f"{p.name}（{p.unit.short_name or p.unit.name}，{p.title}）"
        )
        for name in ("host_unit", "lead_department", "contact_leader"):
            self.fields[name].required = True
        if self.instance.pk:
            self.fields["responsible_people"].initial = [
                r.person_id for r in self.instance.responsibles.all()
            ]
            plan = self.instance.plans.filter(year=dt.date.today().year).first()
            self.fields["plan_this_year"].initial = plan.planned_investment if plan else None

    def clean_code(self):
        return self.cleaned_data["code"] or None

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", "结束年份不能早于开始年份")
        if data.get("registered_in_stats") and not data.get("registered_on"):
            self.add_error("registered_on", "已入库纳统的项目请填写入库时间")
        return data


class StageForm(forms.Form):
    to_stage = forms.ChoiceField(label="新阶段", choices=Stage.choices)
    on_date = forms.DateField(
        label="发生日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="签约日期、实际开工日期、竣工/投产日期或终止日期",
    )
    contract_amount = forms.DecimalField(
        label="合同金额（万元）",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="签约时必填",
    )
    reason = forms.CharField(
        label="说明/终止原因", required=False, max_length=200, help_text="终止时必填"
    )


class ReportForm(forms.Form):
    period = forms.DateField(label="填报期", widget=forms.HiddenInput)
    progress_text = forms.CharField(
        label="形象进度", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    invested = forms.CharField(
        label="本期完成投资（万元）",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    problems_text = forms.CharField(
        label="存在问题", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    coordination_text = forms.CharField(
        label="需协调事项（报联系县领导）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = MultiplePhotoField(label="现场照片")


class ProblemForm(forms.Form):
    description = forms.CharField(
        label="问题描述", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    responsible_person = forms.ModelChoiceField(label="责任人", queryset=Person.objects.none())
    deadline_days = forms.IntegerField(
        label="办理时限（工作日）", min_value=1, max_value=365, initial=10
    )

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_person"].queryset = Person.objects.filter(
            region=region, unit__isnull=False
        ).select_related("unit")
        self.fields["responsible_person"].label_from_instance = lambda p: (
            f"{p.name}（{p.unit.short_name or p.unit.name}，{p.title}）"
        )


class ProblemUpdateForm(VersionedFormMixin, forms.Form):
    status = forms.ChoiceField(label="状态", choices=Problem.Status.choices)
    measure = forms.CharField(
        label="采取的措施",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MilestoneForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["planned_date", "actual_date"]
        widgets = {
            "planned_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "actual_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_actual_date(self):
        actual = self.cleaned_data.get("actual_date")
        if actual and actual > dt.date.today():
            raise forms.ValidationError("实际完成日期不能晚于今天")
        return actual


MilestoneFormSet = forms.modelformset_factory(Milestone, form=MilestoneForm, extra=0)


class SiteCheckForm(forms.Form):
    visited_on = forms.DateField(label="察看日期", widget=forms.DateInput(attrs={"type": "date"}))
    findings = forms.CharField(
        label="察看情况", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    photos = MultiplePhotoField(label="现场照片")


class RulesForm(VersionedFormMixin, forms.ModelForm):
    """The county's reporting period and light thresholds."""

    class Meta:
        from .models import ProjectRules

        model = ProjectRules
        fields = [
            "period_kind",
            "start_red_months",
            "progress_yellow_gap",
            "progress_red_gap",
            "milestone_warn_workdays",
            "milestone_red_days",
            "missing_yellow",
            "missing_red",
            "stats_yellow_months",
            "stats_red_months",
            "photo_max_mb",
        ]

    def clean(self):
        data = super().clean()
        if (data.get("progress_red_gap") or 0) <= (data.get("progress_yellow_gap") or 0):
            self.add_error("progress_red_gap", "红灯阈值应大于黄灯阈值")
        if (data.get("missing_red") or 0) and data.get("missing_red") < data.get(
            "missing_yellow", 0
        ):
            self.add_error("missing_red", "红灯期数不能少于黄灯期数")
        if (data.get("stats_red_months") or 0) < (data.get("stats_yellow_months") or 0):
            self.add_error("stats_red_months", "红灯月数不能少于黄灯月数")
        return data


class TemplateForm(forms.ModelForm):
    class Meta:
        from .models import MilestoneTemplate

        model = MilestoneTemplate
        fields = ["category", "name", "order", "offset_months"]


class _RowIdField(forms.ModelChoiceField):
    """A formset row's id, found among the rows the formset read: Django's own field asks
    the database once per row."""

    def __init__(self, formset, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.formset = formset

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            row = self.formset._existing_object(int(value))
        except (TypeError, ValueError):
            row = None
        if row is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return row


class RowsFormSet(forms.BaseModelFormSet):
    """A model formset that checks its rows' ids without a query per row."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name = self._pk_field.name
        old = form.fields[name]
        form.fields[name] = _RowIdField(
            self, old.queryset, initial=old.initial, required=False, widget=old.widget
        )


def template_formset():
    from .models import MilestoneTemplate

    return forms.modelformset_factory(
        MilestoneTemplate, form=TemplateForm, formset=RowsFormSet, extra=2, can_delete=True
    )
