"""The periodic sweep of import and export jobs (``kiezlabor.jobs``)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from participation.services.exports import export_jobs_sweep
from participation.services.imports import import_jobs_sweep


@shared_task(name="participation.sweep_jobs", soft_time_limit=60, time_limit=120)
def sweep_jobs() -> dict[str, dict[str, int]]:
    """Send again import and export tasks that were lost, requeue those whose worker died."""
    now = timezone.now()
    return {"imports": import_jobs_sweep(now=now), "exports": export_jobs_sweep(now=now)}
