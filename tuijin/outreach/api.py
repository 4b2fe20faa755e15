"""The outreach API, read-only: trips, leads (with their source and project) and the weekly
project days, each within the caller's scope."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from tuijin.core.api import RolePermission, ScopedViewSetMixin
from tuijin.core.schema import MAX_ID, ObjectSchema
from tuijin.core.scoping import home_region_id, scope_of

from . import projectday
from .menu import OUTREACH_VIEWERS, PROJECT_DAY_VIEWERS
from .models import COUNTY_OUTREACH_ROLES, Lead, LeadEvent, OutreachTrip


class TripSerializer(serializers.ModelSerializer):
    leader_names = serializers.SerializerMethodField()
    days = serializers.SerializerMethodField()

    class Meta:
        model = OutreachTrip
        fields = [
            "id",
            "leaders",
            "leader_names",
            "start_date",
            "start_half",
            "end_date",
            "end_half",
            "days",
            "destination",
            "counterparts",
            "purpose",
            "outcome",
            "version",
        ]

    def get_leader_names(self, trip: OutreachTrip) -> list[str]:
        return [p.name for p in trip.leaders.all()]

    def get_days(self, trip: OutreachTrip) -> float:
        return trip.half_days / 2


class LeadEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = LeadEvent
        fields = [
            "kind",
            "kind_display",
            "from_status",
            "to_status",
            "text",
            "on_date",
            "actor_name",
        ]


class LeadSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    source_text = serializers.CharField(read_only=True)
    project_stage = serializers.CharField(
        source="project.stage", read_only=True, default=None, allow_null=True
    )
    events = LeadEventSerializer(many=True, read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "title",
            "company",
            "industry",
            "intended_investment",
            "status",
            "status_display",
            "next_step",
            "next_date",
            "owner",
            "owner_name",
            "trip",
            "source",
            "source_text",
            "project",
            "project_stage",
            "created_on",
            "converted_on",
            "events",
            "version",
        ]


class TripFilter(django_filters.FilterSet):
    leader = django_filters.NumberFilter(
        field_name="leaders", label="县领导", min_value=1, max_value=MAX_ID
    )
    year = django_filters.NumberFilter(
        field_name="start_date", lookup_expr="year", label="年度", min_value=1, max_value=9999
    )

    class Meta:
        model = OutreachTrip
        fields = ["leader", "year"]


class LeadFilter(django_filters.FilterSet):
    class Meta:
        model = Lead
        fields = ["status", "owner", "trip"]


class TripViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Outreach trips (外出招商): a county leader's own, the county's for the office."""

    base_queryset = OutreachTrip.objects.prefetch_related("leaders")
    serializer_class = TripSerializer
    filterset_class = TripFilter
    allowed_roles = OUTREACH_VIEWERS
    ordering_fields = ["start_date", "end_date"]


class LeadViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Project leads (项目线索) with their timeline; other leaders' leads are not listed."""

    base_queryset = Lead.objects.select_related("owner", "project", "trip").prefetch_related(
        "events"
    )
    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    allowed_roles = OUTREACH_VIEWERS
    ordering_fields = ["created_on", "next_date"]


class WeekSerializer(serializers.Serializer):
    start = serializers.DateField()
    label = serializers.CharField()
    workdays = serializers.IntegerField(source="workday_count")
    required = serializers.FloatField()


class CellSerializer(serializers.Serializer):
    days = serializers.FloatField()
    status = serializers.ChoiceField(choices=["met", "short", "running", "exempt"])
    dates = serializers.ListField(child=serializers.DateField())


class RowSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    name = serializers.CharField(source="person.name")
    cells = CellSerializer(many=True)


class ProjectDayTableSerializer(serializers.Serializer):
    days_per_week = serializers.FloatField(source="rule.days_per_week")
    weeks = WeekSerializer(many=True)
    rows = RowSerializer(many=True)


class ProjectDayViewSet(viewsets.ViewSet):
    """The weekly project days per county leader (``?weeks=`` 4–26, default 8): the principal
    leaders and the office get every county leader, a county leader their own row."""

    permission_classes = [RolePermission]
    allowed_roles = PROJECT_DAY_VIEWERS
    schema = ObjectSchema()  # ``list`` answers one table, not an array

    @extend_schema(
        parameters=[OpenApiParameter("weeks", int, description="周数（4–26，默认 8）")],
        responses=ProjectDayTableSerializer,
    )
    def list(self, request):
        region_id = home_region_id(request.user)
        if region_id is None:
            raise PermissionDenied("您的账号没有所属县")
        scope = scope_of(request.user)
        weeks = request.query_params.get("weeks", "8")
        weeks = min(max(int(weeks), 4), 26) if weeks.isdigit() else 8
        people = projectday.county_leaders(region_id)
        if not scope.has(*COUNTY_OUTREACH_ROLES):
            people = people.filter(pk=scope.person_id)
        table = projectday.compliance_table(region_id, timezone.localdate(), weeks, people)
        return Response(ProjectDayTableSerializer(table).data)
