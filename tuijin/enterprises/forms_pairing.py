"""The phone-first visit form: date, visitors, situation, measures and a few opinion rows."""

from __future__ import annotations

import datetime as dt

from django import forms

from tuijin.core.models import Person

OPINION_ROWS = 3


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label="走访日期",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
    )
    visitors = forms.ModelMultipleChoiceField(
        label="走访人",
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    situation = forms.CharField(
        label="企业情况",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    measures = forms.CharField(
        label="现场商定的总体措施",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, *args, people, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visitors"].queryset = people
        self.fields["visited_on"].widget.attrs["max"] = today.isoformat()
        self.opinion_rows = []
        for i in range(1, OPINION_ROWS + 1):
            text = f"opinion_{i}"
            measure = f"measure_{i}"
            self.fields[text] = forms.CharField(
                label=f"意见 {i}",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )
            self.fields[measure] = forms.CharField(
                label=f"意见 {i} 的现场措施",
                required=False,
                max_length=2000,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
            self.opinion_rows.append((i, self[text], self[measure]))

    def opinions(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            (data.get(f"opinion_{i}", ""), data.get(f"measure_{i}", ""))
            for i in range(1, OPINION_ROWS + 1)
        ]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person: Person) -> str:
        where = person.unit.name if person.unit_id else "县领导"
        return f"{person.name}（{where} {person.title}）".replace(" ）", "）")


class PairingForm(forms.Form):
    """The project office pairs a leader or official with an enterprise."""

    person = PersonChoiceField(label="包联人", queryset=Person.objects.none())
    frequency_days = forms.TypedChoiceField(
        label="走访频次",
        coerce=int,
        choices=[("", "按企业类型（百强每月，其他每季度）")],
        required=False,
        empty_value=None,
    )
    started_on = forms.DateField(
        label="包联开始日期",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args, region_id: int, **kwargs):
        from .models import Pairing

        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Person.objects.filter(region_id=region_id, user__isnull=False, user__is_active=True)
            .select_related("unit")
            .order_by("unit__order", "order", "id")
        )
        self.fields["frequency_days"].choices += list(Pairing.Frequency.choices)
