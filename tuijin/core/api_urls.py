from rest_framework.routers import DefaultRouter

from .api import PersonViewSet, RegionViewSet, UnitViewSet

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("units", UnitViewSet, basename="unit")
router.register("people", PersonViewSet, basename="person")

urlpatterns = router.urls
