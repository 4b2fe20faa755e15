"""The supervision API: orders within the caller's scope, read-only for now."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets

from tuijin.core.api import ScopedViewSetMixin

from .menu import ORDER_VIEWERS
from .models import SupervisionOrder


class OrderSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = SupervisionOrder
        fields = [
            "id",
            "kind",
            "code",
            "year",
            "number",
            "title",
            "content",
            "project",
            "problem",
            "meeting",
            "unit",
            "unit_name",
            "person",
            "person_name",
            "issued_on",
            "deadline_days",
            "deadline",
            "deadline_provisional",
            "status",
            "status_display",
            "escalation",
            "accepted_on",
            "version",
        ]


class OrderFilter(django_filters.FilterSet):
    class Meta:
        model = SupervisionOrder
        fields = ["kind", "status", "unit", "project", "meeting", "year"]


class OrderViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Supervision orders (督办单) within the caller's scope."""

    base_queryset = SupervisionOrder.objects.select_related("unit", "person")
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    allowed_roles = ORDER_VIEWERS
    ordering_fields = ["deadline", "issued_on", "number"]
