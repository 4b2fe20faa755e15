"""Pages of the key projects: registry, 「我的项目」, 「待填报」, the project page and its forms.

Views read through ``Project.objects.visible_to``, ask ``permissions.rights`` what the user may
do, and hand every change to the services.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import DateField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_POST

from tuijin.core import stamps
from tuijin.core.models import Person, Unit
from tuijin.core.paging import capped_options, page_for
from tuijin.core.panels import project_panels
from tuijin.core.permissions import role_required
from tuijin.core.roles import GOVERNMENT, Role
from tuijin.core.scoping import get_visible_or_404, home_region_id, scope_of
from tuijin.core.versioning import StaleWrite, check_posted_version, refuse_stale_formset

from . import services
from .detail import due_soon_ids, read_project, timeline
from .filters import SORTS, ProjectFilterSet
from .forms import (
    MilestoneFormSet,
    ProblemForm,
    ProblemUpdateForm,
    ProjectForm,
    ReportForm,
    SiteCheckForm,
    StageForm,
)
from .models import (
    AnnualPlan,
    Light,
    Problem,
    Project,
    ProjectPerson,
    ProjectRules,
    Stage,
    StageChange,
)
from .periods import period_label, period_start
from .permissions import rights
from .rows import make_rows, row_values

PAGE_SIZE = 25


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _in_scope_choices(request: HttpRequest, filterset: ProjectFilterSet) -> None:
    """The unit and leader filters offer the user's own region's, not every county's."""
    scope = scope_of(request.user)
    fields = filterset.form.fields
    units = Unit.objects.only("id", "name")
    leaders = Person.objects.filter(unit__isnull=True).only("id", "name")
    if not (scope.is_admin and not scope.region_ids):
        units = units.filter(region_id__in=scope.region_ids)
        leaders = leaders.filter(region_id__in=scope.region_ids)
    fields["unit"].queryset = units
    fields["contact_leader"].queryset = leaders


def _list_queryset(request: HttpRequest, base=None):
    projects = base if base is not None else Project.objects.visible_to(request.user)
    filterset = ProjectFilterSet(request.GET or None, queryset=projects)
    _in_scope_choices(request, filterset)
    sort = request.GET.get("sort", "light")
    projects = filterset.qs.order_by(SORTS.get(sort, "-light_severity"), "id")
    return filterset, projects


def _choice_options(form, name: str) -> list[tuple[str, str, bool]]:
    """A filter's select options as (value, label, selected): its value is read once, not
    once per option."""
    chosen = form[name].value()
    return [(value, label, chosen == value) for value, label in form.fields[name].choices]


# The kinds of data the list shows (rows, lights, completion, units and leaders in the filters).
LIST_STAMPS = ("projects", "directory")


@role_required(GOVERNMENT)
def project_list(request: HttpRequest) -> HttpResponse:
    """The project list. Its content is cached under the change stamps of what it shows, per
    scope and query: the default list, opened by every official many times a day, costs the
    shell and a cache read until a project, report or directory entry changes."""
    scope = scope_of(request.user)
    htmx = _is_htmx(request)
    query = sorted(request.GET.lists())
    key = f"projects.list|{scope.cache_key}|{dt.date.today()}|{htmx}|{query}"
    html = stamps.cached(LIST_STAMPS, key, lambda: _list_content(request, htmx))
    if htmx:  # the filter bar stays as it is: only the rows and the pager
        return HttpResponse(html)
    return render(request, "projects/project_list.html", {"content": html, "title": "重点项目"})


def _list_content(request: HttpRequest, htmx: bool) -> str:
    filterset, projects = _list_queryset(request)
    page = page_for(request, row_values(projects), PAGE_SIZE)
    page.object_list = make_rows(page.object_list, dt.date.today().year)
    if htmx:
        return render_to_string("projects/project_list.html#results", {"page": page})
    query = request.GET.copy()
    query.pop("cursor", None)
    form = filterset.form
    fields = form.fields
    context = {
        "filterset": filterset,
        "options": {
            name: _choice_options(form, name) for name in ("stage", "light", "level", "category")
        },
        "unit_options": capped_options(
            fields["unit"].queryset, request.GET.get("unit"), fields["unit"].empty_label
        ),
        "leader_options": capped_options(
            fields["contact_leader"].queryset,
            request.GET.get("contact_leader"),
            fields["contact_leader"].empty_label,
        ),
        "page": page,
        "query": query.urlencode(),
        "sort": request.GET.get("sort", "light"),
        "can_create": scope_of(request.user).has(Role.PROJECT_OFFICE),
        "title": "重点项目",
    }
    # Rendered without the request: the shell's context (menu, unread count) belongs to the
    # page around the cached content, not to it.
    return render_to_string("projects/project_list.html#content", context)


@role_required((Role.LEADER, Role.PRINCIPAL))
def my_projects(request: HttpRequest) -> HttpResponse:
    """A county leader's own projects (联系县领导), worst light first, each with its reasons."""
    scope = scope_of(request.user)
    projects = (
        Project.objects.visible_to(request.user)
        .filter(contact_leader_id=scope.person_id)
        .order_by("-light_severity", "id")
    )
    counts = {light: 0 for light in Light.values}
    for light in projects.values_list("light", flat=True):
        counts[light] += 1
    page = page_for(request, row_values(projects, "lead_department__name"), PAGE_SIZE)
    page.object_list = make_rows(page.object_list, dt.date.today().year)
    pending = StageChange.objects.filter(project__in=projects, status=StageChange.Status.PROPOSED)
    return render(
        request,
        "projects/my_projects.html",
        {"page": page, "counts": counts, "pending": pending.count()},
    )


@role_required((Role.UNIT_STAFF,))
def due_reports(request: HttpRequest) -> HttpResponse:
    """A unit's reports due this period and overdue from earlier ones, and its problems."""
    scope = scope_of(request.user)
    today = dt.date.today()
    projects = list(
        Project.objects.visible_to(request.user)
        .filter(stage=Stage.STARTED)
        .select_related("host_unit", "lead_department")
    )
    rows = []
    if projects:
        kind = ProjectRules.for_region(projects[0].region_id).period_kind
        current = period_start(today, kind)
        due_by_project = services.due_periods_of(projects, today, kind)
        for project in projects:
            due = due_by_project.get(project.pk)
            if due:
                rows.append(
                    {
                        "project": project,
                        "periods": [(p, period_label(p, kind), p < current) for p in due],
                        "overdue": any(p < current for p in due),
                    }
                )
    rows.sort(key=lambda r: (not r["overdue"], r["project"].name))
    problems = services.problems_due_soon(
        Problem.objects.visible_to(request.user)
        .filter(responsible_unit_id=scope.unit_id)
        .select_related("project", "responsible_person"),
        today,
    )
    return render(
        request, "projects/due_reports.html", {"rows": rows, "problems": problems, "today": today}
    )


@role_required(GOVERNMENT)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project, history = read_project(request, pk)
    today = dt.date.today()
    problems = list(project.problems.all())
    context = {
        "project": project,
        "rights": rights(scope_of(request.user), project),
        "problems": problems,
        "soon": due_soon_ids(problems, today),
        "today": today,
        "pending": next(  # from the loaded changes, newest first as .first() would give
            (c for c in project.stage_changes.all() if c.status == StageChange.Status.PROPOSED),
            None,
        ),
        "timeline": timeline(project, history),
        "stage_form": StageForm(),
        "can_issue_order": scope_of(request.user).has(Role.SUPERVISION),
        "panels": project_panels(request, project),
    }
    return render(request, "projects/project_detail.html", context)


def _project_for_action(request, pk: int, right: str) -> Project:
    project = get_visible_or_404(Project.objects.all(), request.user, pk=pk)
    if not getattr(rights(scope_of(request.user), project), right):
        raise PermissionDenied("您无权对该项目执行此操作")
    return project


def _save_responsibles(project: Project, people) -> None:
    wanted = {p.pk for p in people}
    project.responsibles.filter(role="责任人").exclude(person_id__in=wanted).delete()
    have = set(project.responsibles.values_list("person_id", flat=True))
    for person in people:
        if person.pk not in have:
            ProjectPerson.objects.create(project=project, person=person, role="责任人")


@role_required((Role.PROJECT_OFFICE,))
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    region_id = home_region_id(request.user)
    form = ProjectForm(request.POST or None, region=region_id)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            project = form.save(commit=False)
            project.region_id = region_id
            project.save()
            _save_responsibles(project, form.cleaned_data["responsible_people"])
            if form.cleaned_data["plan_this_year"] is not None:
                AnnualPlan.objects.create(
                    project=project,
                    year=dt.date.today().year,
                    planned_investment=form.cleaned_data["plan_this_year"],
                )
            services.create_milestones(project)
            from . import lights

            lights.recompute(Project.objects.filter(pk=project.pk))
        messages.success(request, f"已登记项目「{project.name}」，并按类别生成了标准节点")
        return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "title": "登记重点项目"})


@role_required((Role.PROJECT_OFFICE,))
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_for_action(request, pk, "edit")
    form = ProjectForm(request.POST or None, instance=project, region=project.region_id)
    title = f"编辑：{project.name}"
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                project = form.save()  # refused if the project changed since the form was read
                _save_responsibles(project, form.cleaned_data["responsible_people"])
                plan = form.cleaned_data["plan_this_year"]
                if plan is not None:
                    AnnualPlan.objects.update_or_create(
                        project=project,
                        year=dt.date.today().year,
                        defaults={"planned_investment": plan},
                    )
                from . import lights

                lights.recompute(Project.objects.filter(pk=project.pk))
        except StaleWrite as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, "已保存项目档案")
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": project, "title": title},
    )


@role_required(GOVERNMENT)
@require_POST
def stage_propose(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_for_action(request, pk, "propose_stage")
    form = StageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            check_posted_version(request, project)  # proposed on the page as it is now
            change = services.stage_propose(
                project,
                data["to_stage"],
                data["on_date"],
                acting_user=request.user,
                contract_amount=data["contract_amount"],
                reason=data["reason"],
            )
        except (services.ProjectRuleError, StaleWrite) as exc:
            messages.error(request, exc.message)
        else:
            if change.status == StageChange.Status.CONFIRMED:
                messages.success(request, f"项目阶段已变更为「{change.get_to_stage_display()}」")
            else:
                messages.success(request, "已提交阶段变更，待项目办确认")
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("projects:detail", pk=project.pk)


@role_required((Role.PROJECT_OFFICE,))
@require_POST
def stage_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_visible_or_404(StageChange.objects.select_related("project"), request.user, pk=pk)
    confirm = request.POST.get("decision") == "confirm"
    try:
        check_posted_version(request, change)  # decided on the page as it is now
        services.stage_decide(change, confirm=confirm, acting_user=request.user)
    except (services.ProjectRuleError, StaleWrite) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已确认阶段变更" if confirm else "已退回阶段变更")
    return redirect("projects:detail", pk=change.project_id)


@role_required(GOVERNMENT)
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The liaison's one-minute report, made for a phone: only what cannot be derived."""
    project = _project_for_action(request, pk, "report")
    today = dt.date.today()
    kind = services.report_period_kind(project)
    due = services.due_periods(project, today, kind)
    last = project.reports.order_by("-period").first()
    period_default = due[-1] if due else period_start(today, kind)
    form = ReportForm(
        request.POST or None, request.FILES or None, initial={"period": period_default}
    )
    if request.method == "POST" and request.POST.get("unchanged") == "1":
        try:
            period = DateField(required=False).clean(request.POST.get("period")) or period_default
            services.report_unchanged(project, period, acting_user=request.user)
        except ValidationError:
            messages.error(request, "填报期无效")
        except services.ProjectRuleError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已确认本期无变化")
            return redirect("projects:detail", pk=project.pk)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_file(
                project,
                data["period"],
                acting_user=request.user,
                progress_text=data["progress_text"],
                invested=data["invested"],
                problems_text=data["problems_text"],
                coordination_text=data["coordination_text"],
                photos=data["photos"],
            )
        except services.ProjectRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "进度已报送，联系县领导已收到")
            return redirect("projects:detail", pk=project.pk)
    context = {
        "project": project,
        "form": form,
        "due": [(p, period_label(p, kind)) for p in due],
        "period_label": period_label(period_default, kind),
        "last": last,
        "can_unchanged": last is not None and project.light == Light.GREEN,
    }
    return render(request, "projects/report_form.html", context)


@role_required(GOVERNMENT)
@require_http_methods(["GET", "POST"])
def problem_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_for_action(request, pk, "raise_problem")
    form = ProblemForm(request.POST or None, region=project.region_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = data["responsible_person"]
        try:
            services.problem_create(
                project,
                description=data["description"],
                responsible_unit=person.unit,
                responsible_person=person,
                deadline_days=data["deadline_days"],
            )
        except services.ProjectRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已登记问题并明确责任人和办结期限")
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/simple_form.html",
        {"project": project, "form": form, "title": "登记存在问题"},
    )


@role_required(GOVERNMENT)
@require_POST
def problem_update(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_visible_or_404(Problem.objects.select_related("project"), request.user, pk=pk)
    scope = scope_of(request.user)
    allowed = rights(scope, problem.project).edit or scope.unit_id == problem.responsible_unit_id
    if not allowed:
        raise PermissionDenied("只有责任单位或项目办可以更新问题")
    form = ProblemUpdateForm(request.POST, versioned=problem)
    if form.is_valid():
        form.arm(problem)  # saved only if nobody updated the problem since the page was read
        try:
            services.problem_update(
                problem, status=form.cleaned_data["status"], measure=form.cleaned_data["measure"]
            )
        except services.ProjectRuleError as exc:
            messages.error(request, exc.message)
        except StaleWrite as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已更新问题办理情况")
    return redirect("projects:detail", pk=problem.project_id)


@role_required(GOVERNMENT)
@require_http_methods(["GET", "POST"])
def milestones_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_for_action(request, pk, "propose_stage")
    formset = MilestoneFormSet(request.POST or None, queryset=project.milestones.all(), prefix="m")
    if request.method == "POST" and formset.is_valid():
        try:
            with transaction.atomic():
                formset.save()  # each row refused if its milestone changed meanwhile
                from . import lights

                lights.recompute(Project.objects.filter(pk=project.pk))
        except StaleWrite as exc:
            refuse_stale_formset(formset, exc)
        else:
            messages.success(request, "已保存项目节点")
            return redirect("projects:detail", pk=project.pk)
    return render(
        request, "projects/milestones_form.html", {"project": project, "formset": formset}
    )


@role_required((Role.PRINCIPAL, Role.LEADER, Role.SUPERVISION))
@require_http_methods(["GET", "POST"])
def site_check_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_for_action(request, pk, "site_check")
    form = SiteCheckForm(
        request.POST or None, request.FILES or None, initial={"visited_on": dt.date.today()}
    )
    if request.method == "POST" and form.is_valid():
        from .sitechecks import site_check_record

        checker = Person.objects.get(pk=scope_of(request.user).person_id)
        try:
            site_check_record(
                project,
                checker=checker,
                visited_on=form.cleaned_data["visited_on"],
                findings=form.cleaned_data["findings"],
                photos=form.cleaned_data["photos"],
                acting_user=request.user,
            )
        except services.ProjectRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已记录现场察看")
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/simple_form.html",
        {"project": project, "form": form, "title": "记录现场察看", "multipart": True},
    )


@role_required((Role.PROJECT_OFFICE,))
@require_http_methods(["GET", "POST"])
def project_settings(request: HttpRequest) -> HttpResponse:
    """The office tunes the period, the light rules and the milestone templates."""
    from . import lights
    from .forms import RulesForm, template_formset
    from .models import MilestoneTemplate

    region_id = home_region_id(request.user)
    rules = ProjectRules.for_region(region_id)
    services.ensure_milestone_templates()
    Formset = template_formset()
    saving_rules = request.POST.get("part") == "rules"
    saving_templates = request.POST.get("part") == "templates"
    form = RulesForm(request.POST if saving_rules else None, instance=rules)
    formset = Formset(
        request.POST if saving_templates else None,
        queryset=MilestoneTemplate.objects.all(),
        prefix="t",
    )
    if saving_rules and form.is_valid():
        try:
            form.save()
        except StaleWrite as exc:
            form.refuse_stale(exc)
        else:
            changed = lights.recompute(Project.objects.filter(region_id=region_id))
            messages.success(request, f"已保存项目规则，{changed} 个项目的亮灯随之更新")
            return redirect("projects:settings")
    if saving_templates and formset.is_valid():
        formset.save()
        messages.success(request, "已保存节点模板，新登记的项目将按新模板生成节点")
        return redirect("projects:settings")
    return render(request, "projects/settings.html", {"form": form, "formset": formset})
