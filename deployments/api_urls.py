from rest_framework.routers import DefaultRouter

from deployments import api

router = DefaultRouter()
router.register("areas", api.AreaViewSet, basename="area")
router.register("sites", api.SiteViewSet, basename="site")
router.register("deployments", api.DeploymentViewSet, basename="deployment")
router.register("events", api.EventViewSet, basename="event")
router.register("partners", api.PartnerViewSet, basename="partner")
router.register("shifts", api.ShiftViewSet, basename="shift")

urlpatterns = router.urls
