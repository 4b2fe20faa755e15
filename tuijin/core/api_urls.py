from rest_framework.routers import DefaultRouter

from .api import PersonViewSet, RegionViewSet, UnitViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("units", UnitViewSet, basename="unit")
router.register("people", PersonViewSet, basename="person")

urlpatterns = router.urls

from tuijin.projects.api import (  # noqa: E402  (modules register their endpoints here)
    MilestoneViewSet,
    ProblemViewSet,
    ProjectViewSet,
    ReportViewSet,
)

router.register("projects", ProjectViewSet, basename="project")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("reports", ReportViewSet, basename="report")
router.register("problems", ProblemViewSet, basename="problem")

from tuijin.supervision.api import OrderViewSet  # noqa: E402

router.register("orders", OrderViewSet, basename="order")
from tuijin.enterprises.api import EnterpriseViewSet  # noqa: E402

router.register("enterprises", EnterpriseViewSet, basename="enterprise")
urlpatterns = router.urls
