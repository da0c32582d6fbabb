"""Placeholder: filled in by the exports work."""

from celery import shared_task


@shared_task
def export_build(export_job_id: int) -> None:
    raise NotImplementedError
