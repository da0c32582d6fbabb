from urllib.parse import urlsplit

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from kiezlabor import views

admin.site.site_header = _("Kiezlabor – Verwaltung")
admin.site.site_title = _("Kiezlabor")
admin.site.index_title = _("Planung, Beteiligung und Ortsanalysen")

# The Swagger page under the site's strict policy: the split view serves its init script from
# its own URL instead of inline; Swagger UI's scripts, styles and icon come from its CDN, which
# only this page may load from.
_SWAGGER_UI_ORIGIN = "{0.scheme}://{0.netloc}".format(
    urlsplit(spectacular_settings.SWAGGER_UI_DIST)
)
api_docs = csp_update(
    {directive: [_SWAGGER_UI_ORIGIN] for directive in ("script-src", "style-src", "img-src")}
)(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("deployments.api_urls")),
    path("api/", include("participation.api.urls")),
    path("api/", include("reports.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("portal/", include("reports.urls")),
    path("", include("participation.urls")),
    path("", include("deployments.urls")),
]
