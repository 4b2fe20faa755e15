"""The request pool's API: requests and their timelines within the caller's scope, and the
enterprise's rating of a reply (the portal's one write)."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tuijin.core.api import ScopedViewSetMixin
from tuijin.core.scoping import scope_of

from . import services
from .menu import APPEAL_VIEWERS
from .models import Appeal, AppealEvent, enterprise_only
from .search import search_appeals
from .views import overdue_q


class AppealSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    topic_display = serializers.CharField(source="get_topic_display", read_only=True)
    lead_unit_name = serializers.CharField(
        source="lead_unit.name", read_only=True, default=None, allow_null=True
    )
    rating_display = serializers.CharField(source="get_rating_display", read_only=True)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "code",
            "year",
            "number",
            "source",
            "source_display",
            "enterprise",
            "enterprise_name",
            "hotline_number",
            "kind",
            "kind_display",
            "topic",
            "topic_display",
            "urgency",
            "title",
            "text",
            "status",
            "status_display",
            "lead_unit",
            "lead_unit_name",
            "co_units",
            "received_on",
            "dispatched_on",
            "accept_due",
            "reply_due",
            "resolve_due",
            "due_provisional",
            "extended",
            "accepted_on",
            "first_reply_on",
            "replied_on",
            "resolved_on",
            "rating",
            "rating_display",
            "reopen_count",
            "escalated",
            "version",
        ]


class AppealFilter(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="逾期")
    q = django_filters.CharFilter(method="filter_text", label="搜索")

    class Meta:
        model = Appeal
        fields = ["status", "source", "kind", "topic", "urgency", "lead_unit", "year", "enterprise"]

    def filter_overdue(self, queryset, name, value):
        q = overdue_q(timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)

    def filter_text(self, queryset, name, value):
        return search_appeals(queryset, value, with_text=False)


class RateSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Appeal.Rating.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AppealViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Enterprise requests (企业诉求): a unit sees those dispatched to it, an enterprise its
    own, a leader those of paired enterprises, the county offices all of the county."""

    base_queryset = Appeal.objects.select_related("lead_unit").prefetch_related("co_units")
    serializer_class = AppealSerializer
    filterset_class = AppealFilter
    allowed_roles = APPEAL_VIEWERS
    ordering_fields = ["received_on", "resolve_due", "number"]

    def get_queryset(self):
        # Rating is a read-scope action of the enterprise; the service checks the rest.
        return self.base_queryset.all().visible_to(self.request.user)

    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        """The enterprise rates the reply: 满意/基本满意 close it, 不满意 reopens it."""
        appeal = self.get_object()
        body = RateSerializer(data=request.data)
        if not body.is_valid():
            return Response(
                {"error": "invalid", "message": "请选择满意度：满意、基本满意或不满意"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            appeal = services.appeal_rate(
                request.user,
                appeal,
                body.validated_data["rating"],
                body.validated_data["comment"],
            )
        except services.AppealRuleError as exc:
            return Response(
                {"error": "rule", "message": exc.message, "field": exc.field},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(AppealSerializer(appeal).data)


class AppealEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, default=None, allow_null=True
    )
    actor_name = serializers.CharField(
        source="actor.__str__", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = AppealEvent
        fields = [
            "id",
            "appeal",
            "kind",
            "kind_display",
            "at",
            "on_date",
            "actor_name",
            "unit",
            "unit_name",
            "stage",
            "days",
            "text",
        ]


class PortalEventSerializer(AppealEventSerializer):
    """An enterprise's view of a step: the words its portal page uses, no staff names and no
    internal notes."""

    def to_representation(self, event: AppealEvent) -> dict:
        from .views_portal import portal_step

        data = super().to_representation(event)
        step = portal_step(event)
        data.update(kind_display=step.title, text=step.text, actor_name=None)
        return data


class AppealEventViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The timeline of requests the caller can see."""

    base_queryset = AppealEvent.objects.select_related("unit", "actor")
    serializer_class = AppealEventSerializer
    filterset_fields = ["appeal", "kind"]
    allowed_roles = APPEAL_VIEWERS

    def get_serializer_class(self):
        if enterprise_only(scope_of(self.request.user)):
            return PortalEventSerializer
        return AppealEventSerializer
