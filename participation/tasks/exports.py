"""The export task: a thin wrapper around ``export_write`` that is safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils.translation import gettext

from participation.services import exports as export_services

logger = logging.getLogger(__name__)

# A million contributions take well under a minute as CSV and a few minutes as XLSX.
SOFT_TIME_LIMIT = 30 * 60
TIME_LIMIT = SOFT_TIME_LIMIT + 2 * 60
MAX_RETRIES = 3


@shared_task(
    bind=True,
    ignore_result=True,  # the row holds the outcome; sending needs only the broker
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    max_retries=MAX_RETRIES,
)
def export_build(self, export_job_id: int) -> None:
    """Write the file of one export job.

    A finished job is left alone, and so is one another delivery is writing; a job this same
    message ran before (its worker died, the broker delivered it again) is written anew and
    replaces its own file (``kiezlabor.jobs.claim``). Lost database connections and full or
    unreachable disks are retried a few times with growing pauses; everything else fails the job
    with a message for staff and is re-raised for the logs.
    """
    job = export_services.export_job_claim(job_id=export_job_id, task_id=self.request.id)
    if job is None:
        return
    try:
        export_services.export_write(job=job)
    except ValidationError as refusal:
        export_services.export_job_fail(job=job, message=" ".join(refusal.messages))
    except (OperationalError, OSError) as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
        export_services.export_job_fail(job=job, message=_failed_message())
        raise
    except SoftTimeLimitExceeded:
        export_services.export_job_fail(
            job=job,
            message=gettext(
                "Der Export hat zu lange gedauert und wurde abgebrochen. Bitte später noch "
                "einmal versuchen oder „CSV für Excel“ statt Excel wählen (geht schneller)."
            ),
        )
        raise
    except Exception:
        logger.exception("export %s failed", export_job_id)
        export_services.export_job_fail(job=job, message=_failed_message())
        raise


def _failed_message() -> str:
    return gettext(
        "Der Export ist fehlgeschlagen. Bitte noch einmal starten; wenn es wieder nicht klappt, "
        "der technischen Betreuung Bescheid geben."
    )
