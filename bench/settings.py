"""Benchmark settings: the project's settings plus the ceiling endpoint, which exists only here.

The environment (database, broker, DEBUG off) is set by ``python -m bench`` before this loads.
"""

from kiezlabor.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Throttles stay on (their cache work is part of the real endpoint's cost) but never refuse.
KIEZLABOR_KIOSK_THROTTLE_RATES = {
    "kiosk_device": "100000000/min",
    "kiosk_address": "100000000/min",
}
LOGGING_CONFIG = None  # warnings and errors only, no per-request or per-page log lines
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# No collectstatic for a benchmark run: plain static URLs (the manifest only renames files).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
