"""The league table (比学赶超) and issued bulletins (通报) through the API.

The league endpoint computes the same table as its page, for the caller's county; bulletins are
listed within the caller's scope and downloaded through the page's own view.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tuijin.core.api import RolePermission, ScopedViewSetMixin
from tuijin.core.models import Region
from tuijin.core.roles import GOVERNMENT
from tuijin.core.schema import ObjectSchema
from tuijin.core.scoping import home_region_id

from . import league
from .models import BULLETIN_ROLES, Bulletin


class ComponentSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.IntegerField()
    numerator = serializers.DecimalField(max_digits=18, decimal_places=2)
    denominator = serializers.DecimalField(max_digits=18, decimal_places=2)
    value = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class LeagueRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    rank = serializers.IntegerField(allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    previous_rank = serializers.IntegerField(allow_null=True)
    previous_score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    rank_change = serializers.IntegerField(allow_null=True)
    components = ComponentSerializer(many=True)


class LeagueSerializer(serializers.Serializer):
    period = serializers.CharField()
    label = serializers.CharField()
    weights = serializers.DictField(child=serializers.IntegerField())
    rows = LeagueRowSerializer(many=True)


class LeagueViewSet(viewsets.ViewSet):
    """The ranked townships and platforms of the caller's county for a month or a quarter."""

    permission_classes = [RolePermission]
    allowed_roles = GOVERNMENT
    schema = ObjectSchema()  # ``list`` answers one table, not an array

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                OpenApiTypes.STR,
                description="2026-10（月）或 2026-Q3（季度）；缺省为上一个完整月份",
            )
        ],
        responses=LeagueSerializer,
    )
    def list(self, request):
        today = timezone.localdate()
        try:
            period = league.parse_period(request.query_params.get("period"), today)
        except league.LeagueError as exc:
            raise ValidationError({"period": [str(exc)]}) from exc
        region = Region.objects.filter(pk=home_region_id(request.user)).first()
        rows, weights = [], dict(league.DEFAULT_WEIGHTS)
        if region is not None:
            table = league.table_for(region, period, today)
            rows, weights = table.rows, table.weights
        data = {"period": period.code, "label": period.label, "weights": weights, "rows": rows}
        return Response(LeagueSerializer(data).data)


class BulletinSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Bulletin
        fields = ["id", "code", "year", "number", "period", "label", "created_at", "download"]

    def get_download(self, bulletin: Bulletin) -> str:
        return reverse("supervision:bulletin-download", args=[bulletin.pk])


class BulletinViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Issued bulletins (通报) of the caller's county; the file comes from ``download``."""

    base_queryset = Bulletin.objects.all()
    serializer_class = BulletinSerializer
    allowed_roles = BULLETIN_ROLES
    filterset_fields = ["year", "period"]
    ordering_fields = ["year", "number", "created_at"]
