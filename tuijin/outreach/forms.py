"""Forms of the outreach pages: a trip in a minute (with an optional lead), leads, the rule."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from tuijin.core.models import Person
from tuijin.core.versioning import VersionedFormMixin

from .models import Half, LeadStatus, OutreachTrip, ProjectDayRule

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
OPEN_CHOICES = [
    (s.value, s.label) for s in (LeadStatus.CONTACT, LeadStatus.TALKING, LeadStatus.INTENT)
]
UPDATE_CHOICES = OPEN_CHOICES + [(LeadStatus.DROPPED.value, LeadStatus.DROPPED.label)]


class LeaderChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person: Person) -> str:
        return f"{person.name}（{person.title}）" if person.title else person.name


class LeaderChoice(forms.ModelChoiceField):
    def label_from_instance(self, person: Person) -> str:
        return f"{person.name}（{person.title}）" if person.title else person.name


class TripForm(forms.Form):
    """One screen on a phone: who, when, where, whom, why; a lead found there if any."""

    leaders = LeaderChoices(
        label="带队县领导",
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    start_date = forms.DateField(label="出发日期", **DATE)
    start_half = forms.ChoiceField(label="出发时段", choices=Half.choices, initial=Half.AM)
    end_date = forms.DateField(label="返回日期", **DATE)
    end_half = forms.ChoiceField(label="返回时段", choices=Half.choices, initial=Half.PM)
    destination = forms.CharField(label="目的地城市", max_length=60)
    counterparts = forms.CharField(
        label="对接企业",
        required=False,
        help_text="每行一家",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    purpose = forms.CharField(label="外出目的", widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.CharField(
        label="成效", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # An optional lead found on the trip: filled in, it is recorded with the trip.
    lead_company = forms.CharField(label="线索企业", max_length=120, required=False)
    lead_title = forms.CharField(label="线索项目名称", max_length=120, required=False)
    lead_industry = forms.CharField(label="所属行业", max_length=40, required=False)
    lead_investment = forms.DecimalField(
        label="意向投资（万元）", required=False, min_value=Decimal("0"), decimal_places=2
    )
    lead_next_step = forms.CharField(label="下一步工作", max_length=200, required=False)

    LEAD_FIELDS = (
        "lead_company",
        "lead_title",
        "lead_industry",
        "lead_investment",
        "lead_next_step",
    )

    def __init__(self, *args, leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leaders"].queryset = leaders if leaders is not None else Person.objects.none()
        today = timezone.localdate()
        self.fields["start_date"].initial = today
        self.fields["end_date"].initial = today

    def trip_fields(self):
        return [self[name] for name in self.fields if name not in self.LEAD_FIELDS]

    def lead_fields(self):
        return [self[name] for name in self.LEAD_FIELDS]

    def clean(self):
        data = super().clean()
        lead_given = any(data.get(n) for n in ("lead_title", "lead_industry", "lead_next_step"))
        lead_given = lead_given or data.get("lead_investment") is not None
        if lead_given and not data.get("lead_company"):
            self.add_error("lead_company", "登记线索请填写企业名称")
        return data


class LeadForm(forms.Form):
    title = forms.CharField(label="项目名称", max_length=120)
    company = forms.CharField(label="企业名称", max_length=120)
    industry = forms.CharField(label="所属行业", max_length=40, required=False)
    intended_investment = forms.DecimalField(
        label="意向投资（万元）", required=False, min_value=Decimal("0"), decimal_places=2
    )
    status = forms.ChoiceField(label="洽谈阶段", choices=OPEN_CHOICES)
    next_step = forms.CharField(label="下一步工作", max_length=200, required=False)
    next_date = forms.DateField(label="下一步时间", required=False, **DATE)
    owner = LeaderChoice(label="负责县领导", queryset=Person.objects.none(), empty_label=None)
    trip = forms.ModelChoiceField(
        label="来源外出",
        queryset=OutreachTrip.objects.none(),
        required=False,
        empty_label="（非外出所得）",
    )
    source = forms.CharField(
        label="其他来源", max_length=60, required=False, help_text="如：以商招商、商会推介"
    )
    notes = forms.CharField(
        label="项目情况", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, leaders=None, trips=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = leaders if leaders is not None else Person.objects.none()
        self.fields["trip"].queryset = trips if trips is not None else OutreachTrip.objects.none()


class LeadUpdateForm(forms.Form):
    status = forms.ChoiceField(label="洽谈阶段", choices=UPDATE_CHOICES)
    next_step = forms.CharField(label="下一步工作", max_length=200, required=False)
    next_date = forms.DateField(label="下一步时间", required=False, **DATE)
    note = forms.CharField(label="进展说明", max_length=300, required=False)


class ConvertForm(forms.Form):
    name = forms.CharField(label="项目名称", max_length=120)
    total_investment = forms.DecimalField(
        label="总投资（万元）", min_value=Decimal("0"), decimal_places=2
    )


class RuleForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = ProjectDayRule
        fields = ["days_per_week", "remind"]

    def clean_days_per_week(self):
        value = self.cleaned_data["days_per_week"]
        if value is not None and (value * 2) % 1:
            raise forms.ValidationError("项目日按半天计，请填写 0.5 的整数倍")
        return value
