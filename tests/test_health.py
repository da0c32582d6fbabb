"""/healthz tells operators whether database, broker and storage are up."""

import pytest
from django.test import Client

from kiezlabor.devtools.services import free_port


@pytest.mark.smoke
@pytest.mark.django_db
def test_healthz_is_200_when_everything_is_up(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "storage": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.smoke
@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client: Client, settings) -> None:
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["broker"].startswith("error")
    assert body["checks"]["database"] == "ok"


@pytest.mark.smoke
@pytest.mark.django_db
def test_healthz_is_503_when_storage_is_not_writable(client: Client, settings, tmp_path) -> None:
    read_only = tmp_path / "read-only"
    read_only.write_text("a file where a directory should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": read_only},
        },
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"].startswith("error")
