"""The key-projects API: scoped like the pages, writes through the same services."""

from __future__ import annotations

from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from tuijin.core.api import ScopedViewSetMixin
from tuijin.core.scoping import home_region_id, scope_of

from . import services
from .filters import ProjectFilterSet
from .models import Milestone, Problem, ProgressReport, Project
from .permissions import rights


def _rule_error(exc: services.ProjectRuleError) -> ValidationError:
    return ValidationError({exc.field or "non_field_errors": [exc.message]})


class ProjectSerializer(serializers.ModelSerializer):
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    light_display = serializers.CharField(source="get_light_display", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "name",
            "nature",
            "level",
            "category",
            "industry",
            "content",
            "address",
            "latitude",
            "longitude",
            "start_year",
            "end_year",
            "total_investment",
            "investor_name",
            "investor_credit_code",
            "is_major",
            "stage",
            "stage_display",
            "signed_on",
            "contract_amount",
            "planned_start",
            "actual_start",
            "completed_on",
            "dropped_reason",
            "contact_leader",
            "lead_department",
            "host_unit",
            "registered_in_stats",
            "registered_on",
            "light",
            "light_display",
            "light_reasons",
            "invested_total",
            "last_report_period",
            "updated_at",
            "version",
        ]
        read_only_fields = [
            "stage",
            "signed_on",
            "contract_amount",
            "actual_start",
            "completed_on",
            "dropped_reason",
            "light",
            "light_reasons",
            "invested_total",
            "last_report_period",
        ]

    def validate(self, attrs: dict) -> dict:
        """One name per host unit in a county: the database's constraint, told in words
        (``region`` is not a field here, so DRF does not check it by itself)."""
        project = self.instance
        request = self.context.get("request")
        region_id = project.region_id if project else home_region_id(request.user)
        name = attrs.get("name", getattr(project, "name", None))
        host_unit = attrs.get("host_unit", getattr(project, "host_unit", None))
        clash = Project.objects.filter(region_id=region_id, name=name, host_unit=host_unit)
        if project is not None:
            clash = clash.exclude(pk=project.pk)
        if clash.exists():
            raise ValidationError({"name": ["该单位已有同名项目"]})
        return attrs


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = [
            "id",
            "project",
            "name",
            "order",
            "planned_date",
            "actual_date",
            "responsible_unit",
            "version",
        ]
        read_only_fields = ["project", "name", "order", "responsible_unit"]


class ReportSerializer(serializers.ModelSerializer):
    invested = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "project",
            "period",
            "period_kind",
            "progress_text",
            "invested",
            "cumulative_invested",
            "ytd_invested",
            "problems_text",
            "coordination_text",
            "unchanged",
            "submitted_at",
        ]
        read_only_fields = [
            "period_kind",
            "cumulative_invested",
            "ytd_invested",
            "unchanged",
            "submitted_at",
        ]


class ProblemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Problem
        fields = [
            "id",
            "project",
            "source",
            "description",
            "responsible_unit",
            "responsible_person",
            "raised_on",
            "deadline_days",
            "deadline",
            "deadline_provisional",
            "status",
            "measure",
            "resolved_on",
            "version",
        ]
        read_only_fields = [
            "source",
            "responsible_unit",
            "raised_on",
            "deadline",
            "deadline_provisional",
            "resolved_on",
        ]


class ProjectViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Key projects within the caller's scope; the project office keeps the registry."""

    base_queryset = Project.objects.select_related("host_unit", "lead_department", "contact_leader")
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    ordering_fields = ["name", "total_investment", "updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        if not rights_for_office(request):
            raise NotFound()
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        region_id = home_region_id(self.request.user)
        project = serializer.save(region_id=region_id)
        services.create_milestones(project)


def rights_for_office(request) -> bool:
    from tuijin.core.roles import Role

    return scope_of(request.user).has(Role.PROJECT_OFFICE)


class _ChildViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    filterset_fields = ["project"]

    def _project_for(self, project_id, right: str) -> Project:
        project = Project.objects.visible_to(self.request.user).filter(pk=project_id).first()
        if project is None or not getattr(rights(scope_of(self.request.user), project), right):
            raise NotFound("项目不存在或无权操作")
        return project

    def get_queryset(self):  # children are read in the project's scope, written by rights
        return self.base_queryset.all().visible_to(self.request.user)


class MilestoneViewSet(mixins.UpdateModelMixin, _ChildViewSet):
    base_queryset = Milestone.objects.all()
    serializer_class = MilestoneSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def perform_update(self, serializer):
        self._project_for(serializer.instance.project_id, "propose_stage")
        serializer.save()


class ReportViewSet(mixins.CreateModelMixin, _ChildViewSet):
    base_queryset = ProgressReport.objects.all()
    serializer_class = ReportSerializer
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = self._project_for(data["project"].pk, "report")
        try:
            report = services.report_submit(
                project,
                data["period"],
                acting_user=request.user,
                progress_text=data["progress_text"],
                invested=data["invested"],
                problems_text=data.get("problems_text", ""),
                coordination_text=data.get("coordination_text", ""),
            )
        except services.ProjectRuleError as exc:
            raise _rule_error(exc) from exc
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)


class ProblemViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _ChildViewSet):
    base_queryset = Problem.objects.all()
    serializer_class = ProblemSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = self._project_for(data["project"].pk, "raise_problem")
        person = data["responsible_person"]
        try:
            problem = services.problem_create(
                project,
                description=data["description"],
                responsible_unit=person.unit,
                responsible_person=person,
                deadline_days=data.get("deadline_days", 10),
            )
        except services.ProjectRuleError as exc:
            raise _rule_error(exc) from exc
        return Response(self.get_serializer(problem).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        problem = self.get_object()
        scope = scope_of(request.user)
        if not (
            rights(scope, problem.project).edit or scope.unit_id == problem.responsible_unit_id
        ):
            raise NotFound("问题不存在或无权操作")
        try:
            services.problem_update(
                problem,
                status=request.data.get("status", problem.status),
                measure=request.data.get("measure", ""),
            )
        except services.ProjectRuleError as exc:
            raise _rule_error(exc) from exc
        return Response(self.get_serializer(problem).data)
