from __future__ import annotations

from django import forms

from tuijin.core.models import Unit
from tuijin.core.versioning import VersionedFormMixin

from .models import HOST_KINDS, Enterprise
from .validators import normalise_credit_code


class EnterpriseForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = [
            "credit_code",
            "name",
            "legal_representative",
            "industry",
            "host_unit",
            "address",
            "contact_name",
            "contact_mobile",
            "employees",
            "above_scale",
            "above_scale_year",
            "top100_rank",
            "top100_year",
            "revenue",
            "tax",
            "finance_year",
            "struggling",
            "struggling_reason",
        ]

    def __init__(self, *args, region_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_id = region_id
        self.fields["host_unit"].queryset = Unit.objects.filter(
            region_id=region_id, kind__in=HOST_KINDS
        )

    def clean_credit_code(self) -> str:
        return normalise_credit_code(self.cleaned_data["credit_code"])

    def _post_clean(self) -> None:
        if self.region_id and not self.instance.region_id:
            self.instance.region_id = self.region_id
        super()._post_clean()
