"""The import task: a thin wrapper around the import services, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.utils.translation import gettext

from participation.services.imports import (
    import_apply,
    import_job_claim,
    import_job_fail,
    import_preview,
)

logger = logging.getLogger(__name__)

# A 20 MB file of short rows is a few hundred thousand rows; checking them takes minutes.
SOFT_TIME_LIMIT = 20 * 60
TIME_LIMIT = 25 * 60
MAX_RETRIES = 3


@shared_task(
    bind=True,
    ignore_result=True,  # the row holds the outcome; sending needs only the broker
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    max_retries=MAX_RETRIES,
    acks_late=True,
)
def import_run(self, import_job_id: int) -> str | None:
    """Preview (dry run) or import the file of a queued import job; returns the job's state.

    Only a queued job is taken, or one this same message ran before (its worker died, or it
    lost its database connection and retries), so a second message for the job does no harm
    (``kiezlabor.jobs.claim``). Files with errors are a result, not a failure of the task: they
    are never retried. A lost database connection is retried a few times.
    """
    job = import_job_claim(job_id=import_job_id, task_id=self.request.id)
    if job is None:
        logger.info("Import job %s is done or run by another delivery.", import_job_id)
        return None
    try:
        job = import_preview(job=job) if job.dry_run else import_apply(job=job)
    except SoftTimeLimitExceeded:
        import_job_fail(
            job_id=import_job_id,
            message=gettext(
                "Der Import hat zu lange gedauert und wurde abgebrochen; es wurde nichts "
                "importiert. Bitte teilen Sie die Datei auf."
            ),
        )
        raise
    except OperationalError as error:
        if self.request.retries >= MAX_RETRIES:
            _fail_unexpectedly(import_job_id)
            raise
        raise self.retry(exc=error, countdown=30 * (self.request.retries + 1)) from error
    except Exception:
        logger.exception("Import job %s broke off.", import_job_id)
        _fail_unexpectedly(import_job_id)
        raise
    return job.state


def _fail_unexpectedly(import_job_id: int) -> None:
    import_job_fail(
        job_id=import_job_id,
        message=gettext(
            "Beim Import ist ein technischer Fehler aufgetreten; es wurde nichts importiert. "
            "Bitte versuchen Sie es später noch einmal oder wenden Sie sich an die Technik."
        ),
    )
