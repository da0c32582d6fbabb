"""Hardening that needs code: the Content-Security-Policy's admin exception, the lockout page."""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

LOCKOUT_MESSAGE = _(
    "Zu viele fehlgeschlagene Anmeldungen. Aus Sicherheitsgründen ist die Anmeldung für "
    "dieses Konto von Ihrem Gerät aus für %(minutes)d Minuten gesperrt. Bitte warten Sie "
    "und versuchen Sie es dann erneut, oder bitten Sie die technische Betreuung um Hilfe."
)


class KiezlaborCSPMiddleware(CSPMiddleware):
    """The site-wide policy, relaxed only where third-party pages need inline code.

    The Django admin and its map widget (django-leaflet) and the Swagger page of the API write
    inline ``<script>`` and ``style`` attributes; on those prefixes only (staff pages behind a
    login) scripts and styles may be inline. Residents' and the portal's pages never.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        prefixes = settings.KIEZLABOR_CSP_INLINE_PREFIXES
        prefix = next((p for p in prefixes if request.path_info.startswith(p)), None)
        if not report_only and prefix is not None:
            extra = [SELF, *prefixes[prefix]]
            parts.update = {
                **(parts.update or {}),
                "script-src": [UNSAFE_INLINE, *extra],
                "style-src": [UNSAFE_INLINE, *extra],
                "img-src": extra,
            }
        return parts


def lockout_response(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """The answer to a login attempt while its username and address are locked out (429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = str(LOCKOUT_MESSAGE) % {"minutes": minutes}
    body = format_html(
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{}</title></head>'
        "<body><h1>{}</h1><p>{}</p></body></html>",
        gettext("Anmeldung gesperrt"),
        gettext("Anmeldung gesperrt"),
        message,
    )
    return HttpResponse(body, status=429)
