from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kiezlabor import views

admin.site.site_header = _("Kiezlabor – Verwaltung")
admin.site.site_title = _("Kiezlabor")
admin.site.index_title = _("Planung, Beteiligung und Ortsanalysen")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("deployments.api_urls")),
    path("api/", include("participation.api.urls")),
    path("api/", include("reports.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("portal/", include("reports.urls")),
    path("", include("participation.urls")),
    path("", include("deployments.urls")),
]
