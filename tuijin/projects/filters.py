"""The project list's filters, shared by the page, its Excel export and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from tuijin.core.models import Person, Region, Unit

from .models import Category, Level, Light, Project, Stage
from .search import search_projects

SORTS = {
    "name": "name",
    "-investment": "-total_investment",
    "investment": "total_investment",
    "light": "-light_severity",
    "-updated": "-updated_at",
}


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="搜索")
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label="阶段", empty_label="全部阶段")
    light = django_filters.ChoiceFilter(choices=Light.choices, label="灯", empty_label="全部灯色")
    level = django_filters.ChoiceFilter(choices=Level.choices, label="级别", empty_label="全部级别")
    category = django_filters.ChoiceFilter(
        choices=Category.choices, label="类别", empty_label="全部类别"
    )
    # The unit's id (its lead department or host township): not a Project field, so the API
    # schema is told its type.
    unit = extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(
            queryset=Unit.objects.all(), method="by_unit", label="单位", empty_label="全部单位"
        )
    )
    contact_leader = django_filters.ModelChoiceFilter(
        queryset=Person.objects.filter(unit__isnull=True),
        label="联系县领导",
        empty_label="全部县领导",
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), method="by_region", label="地区", empty_label="全部地区"
    )
    is_major = django_filters.BooleanFilter(label="重大项目")
    year = django_filters.NumberFilter(method="by_year", label="年度", min_value=1, max_value=9999)

    class Meta:
        model = Project
        fields = [
            "q",
            "stage",
            "light",
            "level",
            "category",
            "unit",
            "contact_leader",
            "region",
            "is_major",
            "year",
        ]

    def search(self, queryset, name, value):
        return search_projects(queryset, value)

    def by_unit(self, queryset, name, unit):
        return queryset.filter(Q(lead_department=unit) | Q(host_unit=unit))

    def by_region(self, queryset, name, region):
        """A city's or county's projects: the region and every region below it."""
        return queryset.filter(region_id__in=Region.subtree_ids(region.pk))

    def by_year(self, queryset, name, year):
        """Projects under construction in ``year``: started by then, not finished before."""
        return queryset.filter(
            Q(start_year__lte=year) | Q(start_year__isnull=True),
            Q(end_year__gte=year) | Q(end_year__isnull=True),
        )
