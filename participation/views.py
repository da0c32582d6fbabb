"""Residents' pages: the kiosk app on the tablet and the same flow on residents' own phones.

The app itself is static JavaScript (``static/kiosk/``); these views only hand it its
configuration, the translations of all five languages at once (the tablet switches language
offline) and the service worker that keeps it running without a network.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import DjangoTranslation
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe
from django.views.i18n import JavaScriptCatalog

from deployments.models import Deployment
from deployments.selectors.programme import public_deployment

APP_VERSION = "1"
# The JavaScript modules of the app. Modules import each other by relative path, so the
# browser asks for their unhashed names even when the entry point is a hashed static file.
APP_MODULES = (
    "kiosk/app.js",
    "kiosk/api.js",
    "kiosk/dom.js",
    "kiosk/flow.js",
    "kiosk/i18n.js",
    "kiosk/idle.js",
    "kiosk/map.js",
    "kiosk/outbox.js",
    "kiosk/screens.js",
    "kiosk/staff.js",
    "kiosk/store.js",
    "kiosk/system.js",
    "kiosk/widgets.js",
)
APP_ASSETS = (
    "kiosk/kiosk.css",
    "kiosk/icons.svg",
    "kiosk/icon.svg",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
)
# Enough numbers to cover every plural rule of the five languages: the rules only look at
# n itself below 3 and at n % 10 and n % 100 above, so 100 + n % 100 stands in for large n.
PLURAL_TABLE_SIZE = 200


@require_safe
@never_cache
def kiosk_app(request: HttpRequest) -> HttpResponse:
    """The tablet app: pairing screen until the tablet holds a device token."""
    return _render_app(request, mode="kiosk", api=_kiosk_api())


@require_safe
@never_cache
def online_app(request: HttpRequest, slug: str) -> HttpResponse:
    """The same flow on residents' own phones, for a deployment that is public."""
    try:
        deployment = public_deployment(slug=slug)
    except Deployment.DoesNotExist:
        raise Http404(
            _("Diesen Einsatz gibt es nicht oder er ist noch nicht veröffentlicht.")
        ) from None
    return _render_app(request, mode="online", api=_public_api(deployment.slug))


@require_safe
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that keeps the app shell, translations and data on the tablet."""
    response = render(
        request,
        "kiosk/sw.js",
        {
            "config_json": json.dumps(
                {
                    "version": f"{APP_VERSION}-{_assets_fingerprint()}",
                    "shell": reverse("participation:kiosk"),
                    "precache": _precache_urls(),
                    "networkFirst": [
                        reverse("participation:kiosk-catalog"),
                        _kiosk_api()["bootstrap"],
                    ],
                }
            )
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("participation:kiosk")
    return response


@require_safe
@cache_control(max_age=300)
def catalog(request: HttpRequest) -> JsonResponse:
    """The app's texts in all resident languages, so that switching language needs no network."""
    return JsonResponse(
        {code: _language_catalog(code) for code, _name in settings.LANGUAGES},
        json_dumps_params={"ensure_ascii": False, "sort_keys": True},
    )


@require_safe
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    """Web app manifest: the tablet can run the kiosk full screen from its home screen."""
    return JsonResponse(
        {
            "name": "Kiezlabor",
            "short_name": "Kiezlabor",
            "lang": settings.LANGUAGE_CODE,
            "start_url": reverse("participation:kiosk"),
            "scope": reverse("participation:kiosk"),
            "display": "fullscreen",
            "orientation": "any",
            "background_color": "#f7f6f2",
            "theme_color": "#0b5d4b",
            "icons": [
                {"src": static("kiosk/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            ],
        },
        content_type="application/manifest+json",
    )


def _render_app(request: HttpRequest, *, mode: str, api: dict[str, str]) -> HttpResponse:
    config = {
        "mode": mode,
        "version": APP_VERSION,
        "api": api,
        "catalog": reverse("participation:kiosk-catalog"),
        "icons": static("kiosk/icons.svg"),
        "serviceWorker": reverse("participation:kiosk-sw") if mode == "kiosk" else "",
        "scope": reverse("participation:kiosk"),
        "languages": [code for code, _name in settings.LANGUAGES],
    }
    return render(request, "kiosk/app.html", {"config": config, "mode": mode})


def _kiosk_api() -> dict[str, str]:
    base = f"{get_script_prefix()}api/kiosk/"
    return {
        "pair": f"{base}pair/",
        "bootstrap": f"{base}bootstrap/",
        "contributions": f"{base}contributions/",
        "pollResponses": f"{base}poll-responses/",
        "heartbeat": f"{base}heartbeat/",
    }


def _public_api(slug: str) -> dict[str, str]:
    base = f"{get_script_prefix()}api/public/deployments/{slug}/"
    return {
        "bootstrap": f"{base}bootstrap/",
        "contributions": f"{base}contributions/",
        "pollResponses": f"{base}poll-responses/",
    }


def _language_catalog(language: str) -> dict[str, object]:
    view = JavaScriptCatalog()
    view.translation = DjangoTranslation(
        language, domain="djangojs", localedirs=[str(path) for path in settings.LOCALE_PATHS]
    )
    plural = view.translation.plural
    return {
        "catalog": view.get_catalog(),
        "plural": [plural(n) for n in range(PLURAL_TABLE_SIZE)],
    }


def _precache_urls() -> list[str]:
    urls = [
        reverse("participation:kiosk"),
        reverse("participation:kiosk-catalog"),
        reverse("participation:kiosk-manifest"),
    ]
    for name in (*APP_MODULES, *APP_ASSETS):
        urls.append(static(name))
        urls.append(f"{settings.STATIC_URL}{name}")
    return list(dict.fromkeys(urls))


def _assets_fingerprint() -> str:
    if settings.DEBUG:
        return _hash_assets()
    return _cached_hash_assets()


@cache
def _cached_hash_assets() -> str:
    return _hash_assets()


def _hash_assets() -> str:
    digest = hashlib.sha256()
    for name in (*APP_MODULES, *APP_ASSETS):
        path = finders.find(name)
        if path:
            with open(path, "rb") as file:
                digest.update(file.read())
    digest.update(json.dumps(_precache_urls()).encode())
    return digest.hexdigest()[:12]
