"""The launch form (one page: the drive, its task forces, its targets), the custom actual form
and the annual target form. Forms check shapes; the rules are in ``services``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone

from tuijin.core.formchoices import SharedRows
from tuijin.core.models import Person, PersonRole, Unit
from tuijin.core.roles import DirectoryRole
from tuijin.core.versioning import VersionedFormMixin
from tuijin.projects.models import Project, Stage

from . import trajectories as tj
from .measures import DRIVE_MEASURES
from .models import Measure, Trajectory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_TASK_FORCES = 12
COUNTY_PEOPLE = [DirectoryRole.PRINCIPAL, DirectoryRole.LEADER]


def _people(region_id: int | None):
    return (
        Person.objects.filter(region_id=region_id)
        .select_related("unit")
        .order_by("unit__order", "order", "id")
    )


class LaunchChoices:
    """The choice lists of the launch page, each table read once: the drive's form, every task
    force row and the blank row kept for 「添加专项小组」 offer the same people, units and
    projects, and a query per list per row grew with the rows. Each field keeps its own
    queryset (the same rows), which still checks what is posted."""

    def __init__(self, region_id: int | None) -> None:
        county = PersonRole.objects.filter(person=OuterRef("pk"), role__in=COUNTY_PEOPLE)
        # The county's people, each marked whether a principal or county leader.
        self.people = SharedRows(_people(region_id).annotate(county=Exists(county)))
        self.units = SharedRows(units_queryset(region_id))
        self.projects = SharedRows(projects_queryset(region_id))


def _every(row) -> bool:
    return True


def _county(person: Person) -> bool:
    return person.county


def county_people_queryset(region_id: int | None):
    return _people(region_id).filter(roles__role__in=COUNTY_PEOPLE).distinct()


def units_queryset(region_id: int | None):
    return Unit.objects.filter(region_id=region_id)


def projects_queryset(region_id: int | None):
    return (
        Project.objects.filter(region_id=region_id, is_major=True)
        .exclude(stage=Stage.DROPPED)
        .order_by("name")
    )


class PersonChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person: Person) -> str:
        where = person.unit.name if person.unit_id else ""
        return f"{person.name}（{where}{person.title}）"


class HeadChoice(forms.ModelChoiceField):
    def label_from_instance(self, person: Person) -> str:
        return f"{person.name}（{person.title}）"


class CampaignForm(forms.Form):
    name = forms.CharField(label="行动名称", max_length=80)
    start_date = forms.DateField(label="开始日期", widget=DATE)
    end_date = forms.DateField(
        label="结束日期", widget=DATE, required=False, help_text="不填则按 100 天计算"
    )
    leading_group = PersonChoice(
        label="领导小组成员",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    office = forms.ModelChoiceField(
        label="领导小组办公室（设在）", queryset=Unit.objects.none(), required=False
    )
    description = forms.CharField(
        label="行动说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args,
        region_id: int | None = None,
        choices: LaunchChoices | None = None,
        **kwargs,
    ) -> None:
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        choices = choices or LaunchChoices(region_id)
        self.fields["leading_group"].queryset = county_people_queryset(region_id)
        choices.people.offer(self.fields["leading_group"], _county)
        self.fields["office"].queryset = units_queryset(region_id)
        choices.units.offer(self.fields["office"], _every)


class TaskForceForm(forms.Form):
    name = forms.CharField(label="专项小组名称", max_length=60)
    head = HeadChoice(label="组长", queryset=Person.objects.none(), required=False)
    members = PersonChoice(
        label="成员",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    projects = forms.ModelMultipleChoiceField(
        label="负责的重大项目",
        queryset=Project.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    def __init__(
        self,
        *args,
        region_id: int | None = None,
        choices: LaunchChoices | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = choices or LaunchChoices(region_id)
        self.fields["head"].queryset = county_people_queryset(region_id)
        choices.people.offer(self.fields["head"], _county)
        self.fields["members"].queryset = _people(region_id)
        choices.people.offer(self.fields["members"], _every)
        self.fields["projects"].queryset = projects_queryset(region_id)
        choices.projects.offer(self.fields["projects"], _every)


class TargetForm(forms.Form):
    name = forms.CharField(label="目标名称", max_length=60)
    task_force = forms.TypedChoiceField(
        label="目标归属",
        choices=[("", "全县（行动总目标）")]
        + [(str(i), f"第 {i + 1} 个专项小组") for i in range(MAX_TASK_FORCES)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    measure = forms.ChoiceField(
        label="计算口径",
        # A blank first choice, so that a row left empty posts nothing that looks typed.
        choices=[("", "请选择")] + [(m.value, m.label) for m in DRIVE_MEASURES],
    )
    value = forms.DecimalField(
        label="目标值", max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    unit_label = forms.CharField(
        label="计量单位", max_length=10, required=False, help_text="自定义目标填写，如“个”"
    )
    trajectory = forms.ChoiceField(
        label="计划轨迹", choices=Trajectory.choices, initial=Trajectory.LINEAR
    )
    weekly_plan = forms.CharField(
        label="逐周计划（每周末累计值）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 1, "placeholder": "如：5, 12, 20 …（可从表格粘贴）"}),
    )

    def clean_weekly_plan(self) -> list[Decimal]:
        try:
            return tj.parse_weekly_plan(self.cleaned_data.get("weekly_plan") or "")
        except tj.TrajectoryError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean(self) -> dict:
        data = super().clean()
        if data.get("trajectory") == Trajectory.WEEKLY and not data.get("weekly_plan"):
            self.add_error("weekly_plan", "选择逐周计划时，请填写每周末的累计计划值")
        return data


class BaseRowFormSet(forms.BaseFormSet):
    """Rows left blank are ignored; the region narrows every choice list, read once for all
    the rows (``choices``, shared with the drive's form)."""

    def __init__(
        self,
        *args,
        region_id: int | None = None,
        choices: LaunchChoices | None = None,
        **kwargs,
    ) -> None:
        self.region_id = region_id
        self.choices = choices or LaunchChoices(region_id)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        if self.form is TaskForceForm:
            return {"region_id": self.region_id, "choices": self.choices}
        return {}

    @property
    def filled(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.has_changed() and f.cleaned_data]


TaskForceFormSet = forms.formset_factory(
    TaskForceForm, formset=BaseRowFormSet, extra=3, max_num=MAX_TASK_FORCES, validate_max=True
)
TargetFormSet = forms.formset_factory(
    TargetForm, formset=BaseRowFormSet, extra=5, max_num=40, validate_max=True
)


class MonthlyActualForm(forms.Form):
    month = forms.DateField(
        label="月份",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    value = forms.DecimalField(
        label="当月完成", max_digits=14, decimal_places=2, min_value=Decimal("0")
    )


class AnnualTargetForm(VersionedFormMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    name = forms.CharField(label="目标名称", max_length=60)
    measure = forms.ChoiceField(label="计算口径", choices=Measure.choices)
    value = forms.DecimalField(
        label="全年目标值", max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    unit_label = forms.CharField(label="计量单位", max_length=10, required=False)
    manual_actual = forms.DecimalField(
        label="当前完成（仅自定义口径）",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"year": dt.date.today().year})
        super().__init__(*args, **kwargs)
