"""The reports API (included at ``api/``)."""

from rest_framework.routers import SimpleRouter

from reports import api

router = SimpleRouter()
router.register("reports", api.ReportViewSet, basename="report")

urlpatterns = router.urls
