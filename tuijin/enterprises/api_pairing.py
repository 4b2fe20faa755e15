"""Pairings (包联) and visits (走访) through the API, scoped like their pages."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from rest_framework import serializers, viewsets

from tuijin.core.api import ScopedViewSetMixin
from tuijin.core.roles import GOVERNMENT

from .models import Pairing, Visit, VisitOpinion
from .pairing import state_of


class PairingSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    frequency_display = serializers.CharField(source="get_frequency_days_display", read_only=True)
    last_visit = serializers.DateField(read_only=True, allow_null=True)
    next_due = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = Pairing
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "person",
            "person_name",
            "frequency_days",
            "frequency_display",
            "active",
            "started_on",
            "last_visit",
            "next_due",
            "state",
            "version",
        ]

    def _due(self, pairing: Pairing) -> dt.date:
        start = pairing.last_visit or pairing.started_on
        return start + dt.timedelta(days=pairing.frequency_days)

    def get_next_due(self, pairing: Pairing) -> str:
        return self._due(pairing).isoformat()

    def get_state(self, pairing: Pairing) -> str:
        """ok / due / overdue / never, as the coverage page's badges."""
        return state_of(pairing.last_visit, self._due(pairing), timezone.localdate())


class PairingFilter(django_filters.FilterSet):
    class Meta:
        model = Pairing
        fields = ["enterprise", "person", "active"]


class PairingViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Pairings within the caller's scope, each with its last visit and coverage state."""

    serializer_class = PairingSerializer
    filterset_class = PairingFilter
    allowed_roles = GOVERNMENT
    ordering_fields = ["started_on", "id"]

    @property
    def base_queryset(self):
        last = (
            Visit.objects.filter(
                enterprise_id=OuterRef("enterprise_id"),
                visitors=OuterRef("person_id"),
                visited_on__lte=timezone.localdate(),
            )
            .order_by("-visited_on")
            .values("visited_on")[:1]
        )
        return Pairing.objects.select_related("enterprise", "person").annotate(
            last_visit=Subquery(last)
        )


class OpinionSerializer(serializers.ModelSerializer):
    appeal = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = VisitOpinion
        fields = ["id", "text", "measure", "appeal"]


class VisitSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    visitor_names = serializers.SlugRelatedField(
        source="visitors", slug_field="name", many=True, read_only=True
    )
    opinions = OpinionSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "visited_on",
            "visitors",
            "visitor_names",
            "situation",
            "measures",
            "opinions",
            "version",
        ]


class VisitFilter(django_filters.FilterSet):
    since = django_filters.DateFilter(field_name="visited_on", lookup_expr="gte", label="起始日期")
    until = django_filters.DateFilter(field_name="visited_on", lookup_expr="lte", label="截止日期")

    class Meta:
        model = Visit
        fields = ["enterprise", "visitors"]


class VisitViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Visits within the caller's scope, with the opinions heard and the request each became."""

    base_queryset = Visit.objects.select_related("enterprise").prefetch_related(
        "visitors", "opinions__appeal"
    )
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    allowed_roles = GOVERNMENT
    ordering_fields = ["visited_on", "id"]
