"""The project page's reading: the project, every kind of child it shows and the sections other
modules add, in one query (tuijin/core/childrows.py), then its timeline.

The page shows a dozen kinds of rows; read one query each, it ran 30 queries. Here each kind is
a JSON array of the project's own SELECT, loaded back into the instances the template reads
(``project.milestones.all()`` and the like serve them).
"""

from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Q

from tuijin.core.childrows import ChildRows, annotate, attach, loaded
from tuijin.core.panels import project_rows
from tuijin.core.scoping import get_visible_or_404
from tuijin.core.templatetags.tuijin import preload_audit

from .models import (
    AnnualPlan,
    LightChange,
    Milestone,
    Photo,
    Problem,
    ProgressReport,
    Project,
    ProjectPerson,
    SiteCheck,
    StageChange,
)

# How much of each kind the timeline shows, newest first.
TIMELINE_REPORTS = 36
TIMELINE_OTHERS = 20


def _children() -> dict[str, ChildRows]:
    """Reverse relations of the project read whole, served as ``project.<name>.all()``."""
    of = OuterRef("pk")
    return {
        "responsibles": ChildRows(ProjectPerson.objects.filter(project=of), "person__unit"),
        "milestones": ChildRows(Milestone.objects.filter(project=of), "responsible_unit"),
        "plans": ChildRows(AnnualPlan.objects.filter(project=of)),
        # All of them: the pending one is the newest proposed, however old.
        "stage_changes": ChildRows(StageChange.objects.filter(project=of), "proposed_by"),
        "problems": ChildRows(
            Problem.objects.filter(project=of), "responsible_unit", "responsible_person"
        ),
    }


def _newest() -> dict[str, ChildRows]:
    """The newest of the timeline's kinds, as attributes (``project.report_rows``): not the
    whole relation, so ``project.reports`` is left to read them all."""
    of = OuterRef("pk")
    return {
        "report_rows": ChildRows(ProgressReport.objects.filter(project=of), limit=TIMELINE_REPORTS),
        "light_rows": ChildRows(LightChange.objects.filter(project=of), limit=TIMELINE_OTHERS),
        "check_rows": ChildRows(
            SiteCheck.objects.filter(project=of), "checker", limit=TIMELINE_OTHERS
        ),
    }


def _photos() -> ChildRows:
    """The photos of the reports and site checks the timeline shows."""
    project = OuterRef(OuterRef("pk"))
    reports = ProgressReport.objects.filter(project=project).values("pk")[:TIMELINE_REPORTS]
    checks = SiteCheck.objects.filter(project=project).values("pk")[:TIMELINE_OTHERS]
    return ChildRows(Photo.objects.filter(Q(report__in=reports) | Q(site_check__in=checks)))


def _history() -> ChildRows:
    """The project's own audit entries (its registry entry created and changed)."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Project), object_id=OuterRef("pk")
    ).order_by("-timestamp")
    return ChildRows(entries, "actor", "content_type", limit=TIMELINE_OTHERS)


def read_project(request, pk: int) -> tuple[Project, list[LogEntry]]:
    """The project with its children attached and its panels' rows as attributes, and its
    history: one query (404 out of scope, as ``get_visible_or_404``)."""
    children = _children()
    rows = {
        **{f"{name}_rows": spec for name, spec in children.items()},
        **_newest(),
        "photo_rows": _photos(),
        "history_rows": _history(),
        **project_rows(request),
    }
    base = Project.objects.select_related(
        "region", "host_unit", "lead_department", "contact_leader"
    )
    project = loaded(get_visible_or_404(annotate(base, rows), request.user, pk=pk), rows)
    for name in children:
        attach(project, name, getattr(project, f"{name}_rows"))
    for records, key in ((project.report_rows, "report_id"), (project.check_rows, "site_check_id")):
        for record in records:
            record.project = project  # as a reverse relation leaves its rows
            attach(
                record, "photos", [p for p in project.photo_rows if getattr(p, key) == record.pk]
            )
    return project, project.history_rows


def timeline(project: Project, history: list[LogEntry]) -> list[dict]:
    """Reports, stage changes, lights, checks and audit entries, newest first."""
    events = []
    for report in project.report_rows:
        events.append(
            {
                "at": report.submitted_at,
                "icon": "clipboard-check",
                "kind": "进度填报",
                "title": f"{report.period:%Y年%m月} 本期完成投资 {report.invested} 万元",
                "body": report.progress_text,
                "report": report,
            }
        )
    for change in project.stage_changes.all()[:TIMELINE_OTHERS]:
        events.append(
            {
                "at": change.proposed_at,
                "icon": "signpost-split",
                "kind": "阶段变更",
                "title": f"{change.get_from_stage_display()} → {change.get_to_stage_display()}"
                f"（{change.get_status_display()}）",
                "body": change.reason,
            }
        )
    for light in project.light_rows:
        events.append(
            {
                "at": light.changed_at,
                "icon": "circle-fill",
                "kind": "亮灯",
                "title": f"{light.get_previous_display() or '—'} → {light.get_light_display()}",
                "body": "；".join(light.reasons),
                "light": light.light,
            }
        )
    for check in project.check_rows:
        events.append(
            {
                "at": check.recorded_at,
                "icon": "geo-alt",
                "kind": "现场察看",
                "title": f"{check.checker.name} {check.visited_on:%Y-%m-%d} 现场察看",
                "body": check.findings,
                "check": check,
            }
        )
    # Only changes show their fields: their foreign keys are named, those the page has read
    # already as they are, the others in one query.
    changed = [e for e in history if e.action != LogEntry.Action.CREATE]
    known = [project.region, project.host_unit, project.lead_department, project.contact_leader]
    preload_audit(changed, known=known)
    for entry in history:
        created = entry.action == LogEntry.Action.CREATE
        events.append(
            {
                "at": entry.timestamp,
                "icon": "journal-text",
                "kind": "项目档案",
                "title": f"{entry.actor or '系统'} {'登记了项目' if created else '修改了项目档案'}",
                "entry": None if created else entry,
            }
        )
    events.sort(key=lambda e: e["at"], reverse=True)
    return events


def due_soon_ids(problems, today: dt.date) -> set[int]:
    """Of the project's problems, those open and overdue or due within 3 working days (as
    ``services.problems_due_soon`` selects them), without a query of their own."""
    from .services import due_soon_horizon

    open_ = [p for p in problems if p.status != Problem.Status.RESOLVED]
    if not open_:
        return set()
    horizon = due_soon_horizon(today)
    return {p.pk for p in open_ if p.deadline is not None and p.deadline <= horizon}
