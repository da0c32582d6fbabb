"""Settings for the Kiezlabor platform: one module, driven by the environment.

Every value has an embedded default that runs the platform on a laptop without any services
(SQLite + SpatiaLite, a file-system Celery broker). Production sets ``DJANGO_DEBUG=false`` and
then must name a secret key and its hosts; see ``.env.example`` and the README.
"""

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from kiezlabor.sqlite import use_extension_capable_sqlite

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# Local state of a laptop installation: database file, broker queue, generated files.
VAR_DIR = Path(env.str("KIEZLABOR_VAR_DIR", default=str(BASE_DIR / "var")))

if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="django-insecure-kiezlabor-development-only")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "leaflet",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "deployments",
    "participation",
    "analysis",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it turns a refused login anywhere into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kiezlabor.urls"
WSGI_APPLICATION = "kiezlabor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

_GIS_ENGINES = {
    "django.db.backends.postgresql": "django.contrib.gis.db.backends.postgis",
    "django.db.backends.sqlite3": "django.contrib.gis.db.backends.spatialite",
}

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"spatialite:///{VAR_DIR / 'kiezlabor.sqlite3'}"),
}
# Every geometry needs a spatial backend: a plain postgres:// or sqlite:// URL gets one.
DATABASES["default"]["ENGINE"] = _GIS_ENGINES.get(
    DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"]
)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

if DATABASES["default"]["ENGINE"].endswith("spatialite"):
    use_extension_capable_sqlite()
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
    SPATIALITE_LIBRARY_PATH = env.str("SPATIALITE_LIBRARY_PATH", default="mod_spatialite")
else:
    # PostgreSQL's JIT compiles a query whose estimated cost is high (e.g. a spatial lookup per
    # row) for up to a second, longer than the query runs: the report's data loading at 100,000
    # inputs took 0.8 s instead of 0.03 s. The platform's queries are short; JIT never pays.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# GDAL before 3.9 cannot block file and network access while parsing spatial references
# (Debian 12 ships 3.6). The platform never parses spatial reference definitions from outside:
# geometries arrive as GeoJSON in WGS 84 and are stored in fixed SRIDs.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Authentication -------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # First: refuses logins of a locked-out username and address before any password check.
    "axes.backends.AxesStandaloneBackend",
    "kiezlabor.auth.RulesBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "admin:login"

# Login throttling (django-axes) for the admin and the portal: 5 failed attempts for one
# username from one address lock that pair out for 15 minutes; a success resets the count.
AXES_FAILURE_LIMIT = env.int("KIEZLABOR_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("KIEZLABOR_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kiezlabor.security.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password"]
# X-Forwarded-For is trusted only when the operator says how many proxies set it; otherwise
# anyone could rotate it to dodge the lockout.
AXES_IPWARE_PROXY_COUNT = env.int("KIEZLABOR_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "de"
LANGUAGES = [
    ("de", _("Deutsch")),
    ("en", _("Englisch")),
    ("tr", _("Türkisch")),
    ("ar", _("Arabisch")),
    ("uk", _("Ukrainisch")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

# --- Static and generated files -------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    # WhiteNoise warns about a missing root; production fills it with collectstatic.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Generated files (reports, exports) are never served under a public URL: downloads go through
# views that check permissions.
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security (production) ------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# --- E-mail ---------------------------------------------------------------------------------

_EMAIL = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _EMAIL.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _EMAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _EMAIL.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Kiezlabor <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the platform is reached from outside: links in e-mails (e.g. "your report is done").
KIEZLABOR_BASE_URL = env.str("KIEZLABOR_BASE_URL", default="http://127.0.0.1:8000")

# --- Cache ----------------------------------------------------------------------------------

# The kiosk's rate limits count in the cache. In production it must be shared by all web
# workers (Redis, CACHE_URL=redis://…): in each process's memory, "60 per minute per tablet"
# would be per worker. "local" is each process's own memory, for values every worker can keep
# for a short while without asking anyone (the kiosk's submission rules).
CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://"),
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"},
}

# --- Celery ---------------------------------------------------------------------------------

# Without a broker URL the platform uses Kombu's file-system transport, so a laptop runs a
# real worker (and long jobs stay out of requests) without Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _BROKER_DIR = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        # Broadcasts (e.g. ``celery inspect``) keep their tables here, not in the working folder.
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
    _RESULTS_DIR = VAR_DIR / "celery-results"
    _RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=f"file://{_RESULTS_DIR}")
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 5,
        # Longer than the longest task's hard limit, so acks_late never re-delivers a task
        # that is still running.
        "visibility_timeout": 2 * 60 * 60,
    }
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)

CELERY_IMPORTS = ["kiezlabor.tasks"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TRACK_STARTED = True
CELERY_BEAT_SCHEDULE = {
    # Builds, imports and exports whose task was lost (broker down when it was sent) are sent
    # again; those whose worker was killed are requeued, or failed after 3 runs (kiezlabor.jobs).
    "reports-requeue-stuck": {"task": "reports.requeue_stuck_reports", "schedule": 5 * 60},
    "participation-sweep-jobs": {"task": "participation.sweep_jobs", "schedule": 5 * 60},
    # Personal data past its retention period (docs/privacy.md): nightly is soon enough.
    "participation-delete-expired-data": {
        "task": "participation.delete_expired_data",
        "schedule": crontab(hour=3, minute=15),
    },
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- REST API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "EXCEPTION_HANDLER": "kiezlabor.api.exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Kiezlabor API",
    "DESCRIPTION": "Planning, participation and site-analysis reports of mobile city labs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "DeploymentStatusEnum": "deployments.models.Deployment.Status",
        "SiteStatusEnum": "deployments.models.Site.Status",
    },
}

# --- Maps -----------------------------------------------------------------------------------

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (52.515, 13.40),
    "DEFAULT_ZOOM": 11,
    "MIN_ZOOM": 9,
    "MAX_ZOOM": 19,
    "SPATIAL_EXTENT": (13.05, 52.32, 13.80, 52.70),
    "RESET_VIEW": False,
    "TILES": [
        (
            _("Stadtplan"),
            env.str("LEAFLET_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            {
                "attribution": env.str(
                    "LEAFLET_TILE_ATTRIBUTION",
                    default="&copy; OpenStreetMap-Mitwirkende",
                ),
                "maxZoom": 19,
            },
        ),
    ],
}

# --- Content-Security-Policy (django-csp) ---------------------------------------------------

# No inline scripts or styles anywhere, the admin included. A page may run an inline script only
# with the request's nonce (django-leaflet's map widget in the admin writes `csp_nonce`); the
# nonce appears in the header only on pages that used it. The API's Swagger page adds its CDN
# in kiezlabor/urls.py.
_TILE_ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(LEAFLET_CONFIG["TILES"][0][1]))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", _TILE_ORIGIN],
        "connect-src": [SELF, _TILE_ORIGIN],
        "font-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Retention of personal data (participation.services.retention) --------------------------

KIEZLABOR_EXPORT_RETENTION_DAYS = env.int("KIEZLABOR_EXPORT_RETENTION_DAYS", default=30)
KIEZLABOR_IMPORT_ROWS_RETENTION_DAYS = env.int("KIEZLABOR_IMPORT_ROWS_RETENTION_DAYS", default=30)
KIEZLABOR_REVOKED_DEVICE_RETENTION_DAYS = env.int(
    "KIEZLABOR_REVOKED_DEVICE_RETENTION_DAYS", default=30
)
KIEZLABOR_LOGIN_LOG_RETENTION_DAYS = env.int("KIEZLABOR_LOGIN_LOG_RETENTION_DAYS", default=90)
KIEZLABOR_AUDIT_RETENTION_DAYS = env.int("KIEZLABOR_AUDIT_RETENTION_DAYS", default=730)  # 2 years

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools log every layout step and font subset at INFO: a hundred lines
    # per report in the worker's log and in `build_report`'s output.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
