"""Read-only API of drives, task forces, targets (with plan and actual computed today) and
annual targets; scoped like the pages."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers, viewsets

from tuijin.core.api import ScopedViewSetMixin

from . import services
from .measures import MeasureReader
from .models import DRIVE_ROLES, AnnualTarget, Campaign, Target, TaskForce


class CampaignSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "region",
            "name",
            "start_date",
            "end_date",
            "leading_group",
            "office",
            "description",
            "status",
            "version",
        ]

    def get_status(self, campaign: Campaign) -> dict:
        return services.drive_status(campaign, timezone.localdate())


class TaskForceSerializer(serializers.ModelSerializer):
    projects = serializers.SerializerMethodField()

    class Meta:
        model = TaskForce
        fields = ["id", "campaign", "name", "head", "members", "projects", "version"]

    def get_projects(self, task_force: TaskForce) -> list[int]:
        return [o.project_id for o in task_force.owned.all()]


class TargetSerializer(serializers.ModelSerializer):
    figures = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id",
            "campaign",
            "task_force",
            "name",
            "measure",
            "value",
            "unit_label",
            "trajectory",
            "weekly_plan",
            "figures",
            "version",
        ]

    def get_figures(self, target: Target) -> dict:
        """Plan and actual today, the gap in points, the forecast and the weekly series."""
        # One reader for the whole list: a query per measure, not per target.
        reader = self.context.setdefault("measures", MeasureReader())
        return services.target_figures(target, timezone.localdate(), reader).as_dict()


class AnnualTargetSerializer(serializers.ModelSerializer):
    figures = serializers.SerializerMethodField()

    class Meta:
        model = AnnualTarget
        fields = [
            "id",
            "region",
            "year",
            "name",
            "measure",
            "value",
            "unit_label",
            "manual_actual",
            "figures",
            "version",
        ]

    def get_figures(self, target: AnnualTarget) -> dict:
        reader = self.context.setdefault("measures", MeasureReader())
        row = services.annual_figures([target], timezone.localdate(), reader)[0]
        return {
            "actual": float(row["actual"]),
            "percent": float(row["percent"]),
            "elapsed_percent": float(row["elapsed"]),
            "gap_points": float(row["gap"]),
        }


class CampaignViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Drives of the caller's county."""

    base_queryset = Campaign.objects.prefetch_related("leading_group")
    serializer_class = CampaignSerializer
    allowed_roles = DRIVE_ROLES


class TaskForceViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Task forces of the visible drives, with the projects they own."""

    base_queryset = TaskForce.objects.prefetch_related("members", "owned")
    serializer_class = TaskForceSerializer
    allowed_roles = DRIVE_ROLES
    filterset_fields = ["campaign"]


class TargetViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Targets of the visible drives, with plan and actual computed from the records."""

    base_queryset = Target.objects.select_related("campaign", "task_force").prefetch_related(
        "task_force__owned", "task_force__members"
    )
    serializer_class = TargetSerializer
    allowed_roles = DRIVE_ROLES
    filterset_fields = ["campaign", "task_force"]


class AnnualTargetViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The county's yearly targets with progress against the time elapsed."""

    base_queryset = AnnualTarget.objects.all()
    serializer_class = AnnualTargetSerializer
    allowed_roles = DRIVE_ROLES
    filterset_fields = ["year"]
