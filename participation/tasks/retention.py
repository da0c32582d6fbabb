"""The nightly deletion of personal data past its retention period (docs/privacy.md)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from participation.services import retention

logger = logging.getLogger(__name__)


@shared_task(
    name="participation.delete_expired_data",
    acks_late=True,
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
)
def delete_expired_data() -> dict[str, int]:
    """Delete what has expired; safe to run twice (a second run finds nothing left)."""
    deleted = retention.expired_data_delete(now=timezone.now())
    logger.info("retention: %s", deleted)
    return deleted
