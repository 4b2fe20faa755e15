"""The API of scheduling meetings, their assignments and self-checks: read-only and scoped.

Meetings, rounds and answers come through their models' ``visible_to``; assignments through
``meetings.assignments_visible_to`` (county roles: the county's; a unit: its own), the same
selector the meeting page uses.
"""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets

from tuijin.core.api import ScopedViewSetMixin
from tuijin.core.scoping import scope_of

from .api import OrderFilter, OrderSerializer
from .meetings import assignments_visible_to
from .menu import ORDER_VIEWERS
from .models import COUNTY_SUPERVISION_ROLES, Meeting, SelfCheck, SelfCheckAnswer, SupervisionOrder


class MeetingSerializer(serializers.ModelSerializer):
    chair_name = serializers.CharField(
        source="chair.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "held_on",
            "place",
            "chair",
            "chair_name",
            "attendees",
            "summary",
            "version",
        ]


class MeetingViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Scheduling meetings (调度会): the county's, or those that assigned work to your unit."""

    base_queryset = Meeting.objects.select_related("chair").prefetch_related("attendees")
    serializer_class = MeetingSerializer
    allowed_roles = ORDER_VIEWERS
    filterset_fields = ["held_on"]
    ordering_fields = ["held_on"]


class AssignmentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Assignments (交办事项) of meetings: orders of kind ``assignment``."""

    base_queryset = SupervisionOrder.objects.filter(kind=SupervisionOrder.Kind.ASSIGNMENT)
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    allowed_roles = ORDER_VIEWERS
    ordering_fields = ["deadline", "issued_on", "number"]

    def get_queryset(self):
        return assignments_visible_to(self.request.user).select_related("unit", "person")


class SelfCheckSerializer(serializers.ModelSerializer):
    units = serializers.SerializerMethodField()

    class Meta:
        model = SelfCheck
        fields = ["id", "title", "questions", "due_on", "units", "published_at", "version"]

    def get_units(self, self_check: SelfCheck) -> list[int]:
        """All addressed units for the county roles; a unit sees only itself."""
        scope = scope_of(self.context["request"].user)
        ids = [unit.pk for unit in self_check.units.all()]
        if scope.has(*COUNTY_SUPERVISION_ROLES):
            return ids
        return [pk for pk in ids if pk == scope.unit_id]


class SelfCheckViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Self-check rounds (自问自查): the county's, or those addressed to your unit."""

    base_queryset = SelfCheck.objects.prefetch_related("units")
    serializer_class = SelfCheckSerializer
    allowed_roles = ORDER_VIEWERS
    ordering_fields = ["due_on"]


class SelfCheckAnswerSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    items = serializers.SerializerMethodField()

    class Meta:
        model = SelfCheckAnswer
        fields = [
            "id",
            "self_check",
            "unit",
            "unit_name",
            "items",
            "submitted_at",
            "comment",
            "commented_at",
        ]

    def get_items(self, answer: SelfCheckAnswer) -> list[dict[str, str]]:
        """Each question of the round with the unit's answer."""
        answers = list(answer.answers or [])
        return [
            {"question": q, "answer": answers[i] if i < len(answers) else ""}
            for i, q in enumerate(answer.self_check.questions)
        ]


class SelfCheckAnswerFilter(django_filters.FilterSet):
    class Meta:
        model = SelfCheckAnswer
        fields = ["self_check", "unit"]


class SelfCheckAnswerViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Units' answers to self-check rounds, with the office's comments."""

    base_queryset = SelfCheckAnswer.objects.select_related("self_check", "unit")
    serializer_class = SelfCheckAnswerSerializer
    filterset_class = SelfCheckAnswerFilter
    allowed_roles = ORDER_VIEWERS
    ordering_fields = ["submitted_at"]
