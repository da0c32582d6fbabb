"""Liveness checks of the services the platform depends on."""

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from kombu import Connection

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class HealthReport:
    """The state of each dependency: ``"ok"`` or a short error description."""

    database: str
    broker: str
    storage: str

    @property
    def healthy(self) -> bool:
        return all(state == "ok" for state in (self.database, self.broker, self.storage))


def _describe(error: Exception) -> str:
    return f"error: {type(error).__name__}"


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "down"; it is reported
        logger.warning("Health check: database unreachable: %s", error)
        return _describe(error)
    return "ok"


def broker_state() -> str:
    url = settings.CELERY_BROKER_URL
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    try:
        with Connection(
            url, connect_timeout=BROKER_TIMEOUT_SECONDS, transport_options=options
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 - any failure means "down"; it is reported
        logger.warning("Health check: broker unreachable: %s", error)
        return _describe(error)
    return "ok"


def storage_state() -> str:
    name = f"healthz/{uuid.uuid4().hex}.txt"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        default_storage.delete(saved)
    except Exception as error:  # noqa: BLE001 - any failure means "down"; it is reported
        logger.warning("Health check: storage not writable: %s", error)
        return _describe(error)
    return "ok"


def check_health() -> HealthReport:
    """Check database, Celery broker and file storage once each."""
    return HealthReport(database=database_state(), broker=broker_state(), storage=storage_state())
