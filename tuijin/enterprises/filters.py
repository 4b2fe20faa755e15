"""The registry's list filters, shared by the page, its Excel export and the API."""

from __future__ import annotations

import django_filters

from tuijin.core.models import Unit

from .models import HOST_KINDS, Enterprise

SORTS = {"name": "name", "top100": "top100_rank", "-revenue": "-revenue", "-updated": "-updated_at"}


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    host_unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.filter(kind__in=HOST_KINDS),
        label="乡镇（平台）",
        empty_label="全部乡镇（平台）",
    )
    above_scale = django_filters.BooleanFilter(label="规上企业")
    top100 = django_filters.BooleanFilter(method="by_top100", label="百强企业")
    struggling = django_filters.BooleanFilter(label="困难企业")
    industry = django_filters.CharFilter(label="所属行业")

    class Meta:
        model = Enterprise
        fields = ["q", "host_unit", "above_scale", "top100", "struggling", "industry"]

    def search(self, queryset, name, value):
        return queryset.search(value)

    def by_top100(self, queryset, name, value):
        if value is None:
            return queryset
        if value:  # the top-100 list reads best first
            return queryset.filter(top100_rank__isnull=False).order_by("top100_rank", "id")
        return queryset.filter(top100_rank__isnull=True)
