"""The registry API: ``/api/enterprises/`` list and retrieve, scoped like the pages."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from tuijin.core.api import ScopedViewSetMixin
from tuijin.core.roles import GOVERNMENT

from .filters import EnterpriseFilterSet
from .models import Enterprise


class EnterpriseSerializer(serializers.ModelSerializer):
    host_unit_name = serializers.CharField(source="host_unit.name", read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "region",
            "credit_code",
            "name",
            "legal_representative",
            "industry",
            "host_unit",
            "host_unit_name",
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
            "updated_at",
            "version",
        ]


class EnterpriseViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Enterprises of the registry within the caller's scope (q, host_unit, above_scale, top100)."""

    base_queryset = Enterprise.objects.select_related("host_unit")
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    allowed_roles = GOVERNMENT
