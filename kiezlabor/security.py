"""Hardening that needs code: the lockout page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

LOCKOUT_MESSAGE = _(
    "Zu viele fehlgeschlagene Anmeldungen. Aus Sicherheitsgründen ist die Anmeldung für "
    "dieses Konto von Ihrem Gerät aus für %(minutes)d Minuten gesperrt. Bitte warten Sie "
    "und versuchen Sie es dann erneut, oder bitten Sie die technische Betreuung um Hilfe."
)


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
