"""What a user may do to one project they can see: one place for pages, API and tests.

Seeing a project is decided by ``Project.objects.visible_to``; this answers the next question,
which actions the page offers and the views accept.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuijin.core.roles import Role
from tuijin.core.scoping import Scope

from .models import Project, Stage


@dataclass(frozen=True)
class ProjectRights:
    edit: bool  # the registry entry itself
    report: bool  # progress reports, milestone dates
    propose_stage: bool
    decide_stage: bool
    site_check: bool
    raise_problem: bool

    @property
    def any(self) -> bool:
        return any(vars(self).values())


def rights(scope: Scope, project: Project) -> ProjectRights:
    office = scope.has(Role.PROJECT_OFFICE)
    own_unit = bool(
        scope.unit_id
        and scope.has(Role.UNIT_STAFF)
        and scope.unit_id in (project.host_unit_id, project.lead_department_id)
    )
    open_ = project.stage not in (Stage.DROPPED, Stage.COMPLETED)
    contact = bool(scope.person_id and project.contact_leader_id == scope.person_id)
    checker = scope.has(Role.PRINCIPAL, Role.SUPERVISION) or (scope.has(Role.LEADER) and contact)
    return ProjectRights(
        edit=office,
        report=(office or own_unit) and project.stage == Stage.STARTED,
        propose_stage=(office or own_unit) and open_,
        decide_stage=office,
        site_check=checker and bool(scope.person_id),
        raise_problem=office or own_unit or scope.has(Role.SUPERVISION) or checker,
    )
