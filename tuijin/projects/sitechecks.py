"""Site checks (现场察看): a leader or supervisor records a visit with findings and photos.

The photos are evidence only (see ``photos``): their EXIF time and position are shown
beside the project and the visit date; nothing is scored, ranked or counted from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from tuijin.core.models import Person, User

from .models import Project, ProjectRules, SiteCheck
from .photos import attach_photos, photo_summary
from .services import ProjectRuleError

__all__ = ["photo_summary", "site_check_record"]


def _visit_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ProjectRuleError("察看日期格式不正确，应为 2026-06-10", "visited_on") from exc
    raise ProjectRuleError("请填写察看日期", "visited_on")


@transaction.atomic
def site_check_record(
    project: Project,
    *,
    checker: Person | None,
    visited_on,
    findings: str,
    photos: Iterable = (),
    acting_user: User | None,
    today: dt.date | None = None,
) -> SiteCheck:
    """Record one visit with its photos, all or nothing; the checker is a named person."""
    today = today or timezone.localdate()
    if not isinstance(checker, Person):
        raise ProjectRuleError("请从通讯录中选择察看人", "checker")
    if checker.region_id != project.region_id:
        raise ProjectRuleError("察看人不在本县通讯录中", "checker")
    visited_on = _visit_date(visited_on)
    if visited_on > today:
        raise ProjectRuleError("察看日期不能晚于今天", "visited_on")
    findings = (findings or "").strip()
    if not findings:
        raise ProjectRuleError("请填写察看情况", "findings")
    site_check = SiteCheck.objects.create(
        project=project,
        checker=checker,
        visited_on=visited_on,
        findings=findings,
        recorded_by=acting_user,
    )
    attach_photos(
        photos,
        site_check=site_check,
        project=project,
        reference_date=visited_on,
        max_mb=ProjectRules.for_region(project.region_id).photo_max_mb,
    )
    return site_check
