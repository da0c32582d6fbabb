"""The settings module: embedded defaults, environment overrides, production safety."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BASE_DIR

pytestmark = pytest.mark.smoke

PRINT_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
from kiezlabor.celery import app
names = {names!r}
values = {{name: getattr(settings, name) for name in names}}
values["celery_task_serializer"] = app.conf.task_serializer
print(json.dumps(values, default=str))
"""


def _clean_environment(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "LEAFLET_", "KIEZLABOR_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "kiezlabor.settings"
    return env | overrides


def settings_with(env: dict[str, str], *names: str) -> dict:
    """Import the settings in a fresh interpreter with exactly this environment."""
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS.format(names=names)],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_defaults_need_no_services(tmp_path: Path) -> None:
    values = settings_with(
        _clean_environment(KIEZLABOR_VAR_DIR=str(tmp_path)),
        "DATABASES", "DEBUG", "LANGUAGE_CODE", "LANGUAGES", "TIME_ZONE", "USE_TZ",
        "LOCALE_PATHS", "CELERY_BROKER_URL", "CELERY_TASK_ACKS_LATE",
        "CELERY_TASK_REJECT_ON_WORKER_LOST", "CELERY_ACCEPT_CONTENT",
        "CELERY_TASK_TIME_LIMIT", "CELERY_TASK_SOFT_TIME_LIMIT",
    )  # fmt: skip
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.contrib.gis.db.backends.spatialite"
    assert database["NAME"] == str(tmp_path / "kiezlabor.sqlite3")
    assert values["DEBUG"] is True
    assert values["LANGUAGE_CODE"] == "de"
    assert [code for code, _ in values["LANGUAGES"]] == ["de", "en", "tr", "ar", "uk"]
    assert values["TIME_ZONE"] == "Europe/Berlin"
    assert values["USE_TZ"] is True
    assert values["LOCALE_PATHS"] == [str(BASE_DIR / "locale")]
    assert values["CELERY_BROKER_URL"] == "filesystem://"
    assert values["CELERY_ACCEPT_CONTENT"] == ["json"]
    assert values["celery_task_serializer"] == "json"
    assert values["CELERY_TASK_ACKS_LATE"] is True
    assert values["CELERY_TASK_REJECT_ON_WORKER_LOST"] is True
    assert 0 < values["CELERY_TASK_SOFT_TIME_LIMIT"] < values["CELERY_TASK_TIME_LIMIT"]


def test_environment_overrides_database_broker_and_tiles(tmp_path: Path) -> None:
    env = _clean_environment(
        KIEZLABOR_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://lab:secret@db.example:6543/kiez",
        CELERY_BROKER_URL="redis://broker.example:6379/0",
        LEAFLET_TILE_URL="https://tiles.example/{z}/{x}/{y}.png",
        LEAFLET_TILE_ATTRIBUTION="Beispielkarten",
    )
    values = settings_with(env, "DATABASES", "CELERY_RESULT_BACKEND", "LEAFLET_CONFIG")
    database = values["DATABASES"]["default"]
    # A plain postgres:// URL still gets the spatial backend.
    assert database["ENGINE"] == "django.contrib.gis.db.backends.postgis"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.example", 6543, "kiez")
    assert values["CELERY_RESULT_BACKEND"] == "redis://broker.example:6379/0"
    _label, url, options = values["LEAFLET_CONFIG"]["TILES"][0]
    assert url == "https://tiles.example/{z}/{x}/{y}.png"
    assert options["attribution"] == "Beispielkarten"


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    env = _clean_environment(
        KIEZLABOR_VAR_DIR=str(tmp_path), DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="lab.example"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def _example_production_environment(tmp_path: Path) -> dict[str, str]:
    env = _clean_environment()
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    env["KIEZLABOR_VAR_DIR"] = str(tmp_path)
    return env


def test_example_production_environment_passes_deploy_checks(tmp_path: Path) -> None:
    env = _example_production_environment(tmp_path)
    assert env["DJANGO_DEBUG"] == "false"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_settings_harden_cookies_and_transport(tmp_path: Path) -> None:
    values = settings_with(
        _example_production_environment(tmp_path),
        "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT", "X_FRAME_OPTIONS", "STORAGES", "CSRF_TRUSTED_ORIGINS",
    )  # fmt: skip
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["CSRF_TRUSTED_ORIGINS"]
    assert "whitenoise" in values["STORAGES"]["staticfiles"]["BACKEND"]
