"""The inspection API: inspections and their findings within the caller's scope, read-only.

Findings are written through the pages (photos, directory choices); machines read them here,
with the responsible person, the unit, the deadline and the order a finding became.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from rest_framework import serializers, viewsets

from tuijin.core.api import ScopedViewSetMixin
from tuijin.core.schema import MAX_ID

from .inspections import finding_status
from .menu import INSPECTION_VIEWERS
from .models import Finding, Inspection


class InspectionSerializer(serializers.ModelSerializer):
    inspector_names = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "topic",
            "inspected_on",
            "inspectors",
            "inspector_names",
            "projects",
            "units",
            "notes",
            "version",
        ]

    def get_inspector_names(self, inspection: Inspection) -> list[str]:
        return [person.name for person in inspection.inspectors.all()]


class FindingSerializer(serializers.ModelSerializer):
    inspection_topic = serializers.CharField(source="inspection.topic", read_only=True)
    inspected_on = serializers.DateField(source="inspection.inspected_on", read_only=True)
    project_name = serializers.CharField(
        source="project.name", read_only=True, default=None, allow_null=True
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    responsible_person_name = serializers.CharField(
        source="responsible_person.name", read_only=True
    )
    responsible_person_mobile = serializers.CharField(
        source="responsible_person.mobile", read_only=True
    )
    order = serializers.SerializerMethodField()
    order_code = serializers.SerializerMethodField()
    closed = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "inspection",
            "inspection_topic",
            "inspected_on",
            "project",
            "project_name",
            "unit",
            "unit_name",
            "text",
            "responsible_person",
            "responsible_person_name",
            "responsible_person_mobile",
            "requirement",
            "deadline_days",
            "deadline",
            "deadline_provisional",
            "order",
            "order_code",
            "closed",
            "overdue",
            "version",
        ]

    def _status(self, finding: Finding) -> dict:
        cache = self.context.setdefault("finding_status", {})
        if finding.pk not in cache:
            cache[finding.pk] = finding_status(finding, timezone.localdate())
        return cache[finding.pk]

    def get_order(self, finding: Finding) -> int | None:
        order = self._status(finding)["order"]
        return order.pk if order else None

    def get_order_code(self, finding: Finding) -> str | None:
        order = self._status(finding)["order"]
        return order.code if order else None

    def get_closed(self, finding: Finding) -> bool:
        return self._status(finding)["closed"]

    def get_overdue(self, finding: Finding) -> bool:
        return self._status(finding)["overdue"]


class InspectionFilter(django_filters.FilterSet):
    unit = django_filters.NumberFilter(
        method="by_unit", label="单位（督查单位或发现问题的单位）", min_value=1, max_value=MAX_ID
    )
    project = django_filters.NumberFilter(
        field_name="projects", label="项目", min_value=1, max_value=MAX_ID
    )
    since = django_filters.DateFilter(field_name="inspected_on", lookup_expr="gte", label="起")
    until = django_filters.DateFilter(field_name="inspected_on", lookup_expr="lte", label="止")

    class Meta:
        model = Inspection
        fields = ["unit", "project", "since", "until"]

    def by_unit(self, queryset, name, value):
        return queryset.filter(
            Q(pk__in=Inspection.objects.filter(units=value).values("pk"))
            | Q(pk__in=Finding.objects.filter(unit=value).values("inspection_id"))
        )


class FindingFilter(django_filters.FilterSet):
    class Meta:
        model = Finding
        fields = ["inspection", "unit", "project"]


class InspectionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Inspections (督查) within the caller's scope."""

    base_queryset = Inspection.objects.prefetch_related("inspectors", "projects", "units")
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    allowed_roles = INSPECTION_VIEWERS
    ordering_fields = ["inspected_on", "id"]


class FindingViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Findings (督查发现) within the caller's scope: a unit sees its own."""

    base_queryset = Finding.objects.select_related(
        "inspection", "project", "unit", "responsible_person"
    ).prefetch_related("orders")
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    allowed_roles = INSPECTION_VIEWERS
    ordering_fields = ["deadline", "id"]
