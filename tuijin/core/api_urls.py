"""The API's router: every module's endpoints under ``/api/``, in the order of the menu.

A module plugs in by adding its viewsets here; each viewset reads through ``visible_to``
(``tuijin.core.api.ScopedViewSetMixin``), so the router needs to know nothing of scope.
"""

from rest_framework.routers import DefaultRouter

from tuijin.appeals.api import AppealEventViewSet, AppealViewSet
from tuijin.discipline.api import LeaveViewSet, ReceptionViewSet, RegisterMeetingViewSet
from tuijin.drives.api import (
    AnnualTargetViewSet,
    CampaignViewSet,
    TargetViewSet,
    TaskForceViewSet,
)
from tuijin.enterprises.api import EnterpriseViewSet
from tuijin.enterprises.api_pairing import PairingViewSet, VisitViewSet
from tuijin.outreach.api import LeadViewSet, ProjectDayViewSet, TripViewSet
from tuijin.projects.api import MilestoneViewSet, ProblemViewSet, ProjectViewSet, ReportViewSet
from tuijin.supervision.api import OrderViewSet
from tuijin.supervision.api_inspections import FindingViewSet, InspectionViewSet
from tuijin.supervision.api_league import BulletinViewSet, LeagueViewSet
from tuijin.supervision.api_meetings import (
    AssignmentViewSet,
    MeetingViewSet,
    SelfCheckAnswerViewSet,
    SelfCheckViewSet,
)

from .api import PersonViewSet, RegionViewSet, UnitViewSet

ENDPOINTS = [
    # The directory
    ("regions", RegionViewSet, "region"),
    ("units", UnitViewSet, "unit"),
    ("people", PersonViewSet, "person"),
    # Key projects
    ("projects", ProjectViewSet, "project"),
    ("milestones", MilestoneViewSet, "milestone"),
    ("reports", ReportViewSet, "report"),
    ("problems", ProblemViewSet, "problem"),
    # Supervision
    ("orders", OrderViewSet, "order"),
    ("inspections", InspectionViewSet, "inspection"),
    ("findings", FindingViewSet, "finding"),
    ("meetings", MeetingViewSet, "meeting"),
    ("assignments", AssignmentViewSet, "assignment"),
    ("self-checks", SelfCheckViewSet, "self-check"),
    ("self-check-answers", SelfCheckAnswerViewSet, "self-check-answer"),
    ("league", LeagueViewSet, "league"),
    ("bulletins", BulletinViewSet, "bulletin"),
    # Drives and annual targets
    ("drives", CampaignViewSet, "drive"),
    ("task-forces", TaskForceViewSet, "task-force"),
    ("targets", TargetViewSet, "target"),
    ("annual-targets", AnnualTargetViewSet, "annual-target"),
    # Going out, and work discipline
    ("trips", TripViewSet, "trip"),
    ("leads", LeadViewSet, "lead"),
    ("project-days", ProjectDayViewSet, "project-day"),
    ("meetings-register", RegisterMeetingViewSet, "meetings-register"),
    ("leaves", LeaveViewSet, "leave"),
    ("receptions", ReceptionViewSet, "reception"),
    # Enterprises and their requests
    ("enterprises", EnterpriseViewSet, "enterprise"),
    ("pairings", PairingViewSet, "pairing"),
    ("visits", VisitViewSet, "visit"),
    ("appeals", AppealViewSet, "appeal"),
    ("appeal-events", AppealEventViewSet, "appeal-event"),
]

router = DefaultRouter()
for prefix, viewset, basename in ENDPOINTS:
    router.register(prefix, viewset, basename=basename)

urlpatterns = router.urls
