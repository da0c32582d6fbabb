"""Placeholder: filled in by the imports work."""

from celery import shared_task


@shared_task
def import_run(import_job_id: int) -> None:
    raise NotImplementedError
