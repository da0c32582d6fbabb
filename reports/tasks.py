"""Report tasks: thin wrappers around ``reports.services`` that are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from reports import services


@shared_task(
    name="reports.build_report",
    ignore_result=True,  # the row holds the outcome; sending needs only the broker
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=services.SOFT_TIME_LIMIT,
    time_limit=services.TIME_LIMIT,
    autoretry_for=services.TRANSIENT_ERRORS,
    max_retries=3,
    retry_backoff=True,
)
def build_report(self, report_id: int) -> dict[str, object] | None:
    """Build the PDF of one report and tell the person who asked for it.

    The message is acknowledged only after the build, and given back to the broker if the
    worker process dies, so a killed build runs again (``report_build`` picks it up where the
    row says). A report already done is not built nor announced twice.
    """
    report = services.report_build(report_id=report_id, task_id=self.request.id)
    if report is None:
        return None
    services.report_notify(report=report)
    return {"report": report.pk, "pages": report.page_count, "sha256": report.file_hash}


@shared_task(name="reports.requeue_stuck_reports", soft_time_limit=60, time_limit=120)
def requeue_stuck_reports() -> dict[str, int]:
    """Periodic: send lost builds again, requeue (or finally fail) those whose worker died."""
    return services.reports_requeue_stuck(now=timezone.now())
