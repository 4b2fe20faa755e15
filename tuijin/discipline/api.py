"""The work-discipline API: read-only, scoped viewsets over ``visible_to``.

/api/meetings-register/ (the meetings register; /api/meetings/ is supervision's 调度会),
/api/leaves/, /api/receptions/.
"""

from __future__ import annotations

from rest_framework import serializers, viewsets

from tuijin.core.api import ScopedViewSetMixin

from .menu import DISCIPLINE_VIEWERS
from .models import Leave, Meeting, ReceptionLog


class RegisterMeetingSerializer(serializers.ModelSerializer):
    convener_name = serializers.CharField(source="convener.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    approved_by_name = serializers.CharField(
        source="approved_by.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "convener",
            "convener_name",
            "held_on",
            "topic",
            "invitees",
            "project",
            "about_projects",
            "restricted",
            "status",
            "status_display",
            "approved_by",
            "approved_by_name",
            "approved_at",
            "approval_note",
            "version",
        ]


class RegisterMeetingViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The meetings register (会议登记): the county's for county roles, else your unit's."""

    base_queryset = Meeting.objects.select_related("convener", "approved_by").prefetch_related(
        "invitees"
    )
    serializer_class = RegisterMeetingSerializer
    allowed_roles = DISCIPLINE_VIEWERS
    filterset_fields = ["status", "restricted", "about_projects", "held_on"]
    ordering_fields = ["held_on"]


class LeaveSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    project_name = serializers.CharField(
        source="project.name", read_only=True, default=None, allow_null=True
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    days = serializers.DecimalField(max_digits=6, decimal_places=1, read_only=True)

    class Meta:
        model = Leave
        fields = [
            "id",
            "person",
            "person_name",
            "start_date",
            "start_half",
            "end_date",
            "end_half",
            "days",
            "reason_kind",
            "reason",
            "project",
            "project_name",
            "site_check",
            "trip",
            "status",
            "status_display",
            "approver",
            "decided_by",
            "decided_at",
            "decision_note",
            "version",
        ]


class LeaveViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Leave (请假): the county's for county roles, your unit's people's, or your own."""

    base_queryset = Leave.objects.select_related("person", "project")
    serializer_class = LeaveSerializer
    allowed_roles = DISCIPLINE_VIEWERS
    filterset_fields = ["status", "reason_kind", "person", "project"]
    ordering_fields = ["start_date"]


class ReceptionSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit_name = serializers.CharField(
        source="person.unit.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ReceptionLog
        fields = [
            "id",
            "person",
            "person_name",
            "unit_name",
            "on_date",
            "minutes",
            "kind",
            "guest",
            "note",
        ]


class ReceptionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Reception and accompaniment time (接待陪访) of township and platform heads."""

    base_queryset = ReceptionLog.objects.select_related("person__unit")
    serializer_class = ReceptionSerializer
    allowed_roles = DISCIPLINE_VIEWERS
    filterset_fields = ["person", "kind", "on_date"]
    ordering_fields = ["on_date"]
