"""The directory API: scoped viewsets over ``visible_to``, and the structured error shape."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from . import security
from .models import Person, Region, SecurityEvent, Unit
from .roles import GOVERNMENT
from .scoping import CHANGE, scope_of
from .versioning import StaleWrite
from .versioning_api import PreconditionFailed, VersionedViewMixin, precondition_failed


def exception_handler(exc, context):
    """DRF's handler, plus a log entry for every refusal and a stable error shape."""
    if isinstance(exc, StaleWrite):  # a lost race or a stale If-Match: 412, what changed
        exc = precondition_failed(exc, context)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    if isinstance(exc, PermissionDenied | DjangoPermissionDenied) and request is not None:
        security.record(SecurityEvent.Kind.DENIED, request, user=request.user)
    detail = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, ValidationError):
        response.data = {"error": "invalid", "message": "提交的数据有误", "fields": detail}
    elif isinstance(exc, PreconditionFailed):
        response.data = {"error": "stale", "message": str(exc.detail), "current": exc.current}
    else:
        message = detail.get("detail", detail) if isinstance(detail, dict) else detail
        response.data = {"error": code, "message": str(message)}
    return response


class RolePermission(permissions.IsAuthenticated):
    """The viewset's ``allowed_roles`` may call it at all (administrators always)."""

    message = "您的角色无权使用此接口"

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return scope_of(request.user).has(*view.allowed_roles)


class ScopedViewSetMixin(VersionedViewMixin):
    """Every read goes through the model's ``visible_to``; writes through ``CHANGE`` scope;
    versioned records carry an ETag and refuse a stale If-Match (``versioning_api``)."""

    base_queryset = None
    allowed_roles: tuple[str, ...] = GOVERNMENT
    permission_classes = [RolePermission]

    def get_queryset(self):
        action = CHANGE if self.request.method not in ("GET", "HEAD", "OPTIONS") else "view"
        return self.base_queryset.all().visible_to(self.request.user, action)


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "name", "code", "level", "parent"]


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "region", "name", "short_name", "kind", "kind_display", "order", "version"]


class PersonSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, default=None, allow_null=True
    )
    roles = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "region",
            "unit",
            "unit_name",
            "name",
            "title",
            "mobile",
            "roles",
            "version",
        ]
        read_only_fields = ["region", "unit", "name"]

    def get_roles(self, person: Person) -> list[str]:
        return [r.role for r in person.roles.all()]

    def validate_mobile(self, mobile: str) -> str:
        if self.instance and (message := self.instance.mobile_taken_message(mobile)):
            raise serializers.ValidationError(message)
        return mobile


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="名称包含")

    class Meta:
        model = Unit
        fields = ["kind", "region"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value[:50])


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="姓名、拼音首字母或单位")
    role = django_filters.CharFilter(field_name="roles__role", label="角色")

    class Meta:
        model = Person
        fields = ["unit", "region"]

    def search(self, queryset, name, value):
        return queryset.search(value)


class RegionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Regions the caller belongs to."""

    base_queryset = Region.objects.all()
    serializer_class = RegionSerializer


class UnitViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Units of the directory within the caller's scope."""

    base_queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["order", "name"]


class PersonViewSet(
    ScopedViewSetMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """People of the directory within the caller's scope; a unit may update its own people."""

    base_queryset = Person.objects.select_related("unit").prefetch_related("roles")
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    ordering_fields = ["order", "name"]
    http_method_names = ["get", "patch", "put", "head", "options"]
