"""Report tasks: thin wrappers around ``reports.services`` that are safe to run twice."""

from __future__ import annotations

import functools
import gc
import importlib
import logging

from celery import shared_task
from django.utils import timezone

from reports import services

logger = logging.getLogger(__name__)

# What building a report loads. Web processes import most of it only when first needed.
REPORT_STACK = (
    "analysis.services",
    "analysis.topics",
    "reports.rendering",
    "scipy.sparse",
    "sklearn.decomposition",
    "sklearn.feature_extraction.text",
)


@functools.cache
def report_stack_frozen() -> None:
    """Load the report stack and freeze what is in memory for the garbage collector, once per
    worker process, before its first report.

    Frozen (``gc.freeze``, made for long-lived objects), the libraries' objects are no longer
    walked by every full collection, and a report sets off many: at 100,000 inputs they took a
    fifth of its time. Frozen objects are still freed when nothing refers to them. Done here,
    not when the worker starts, so processes that only import or export stay small.
    """
    for module in REPORT_STACK:
        importlib.import_module(module)
    gc.collect()
    gc.freeze()
    logger.info("report stack loaded; %d objects frozen", gc.get_freeze_count())


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
    report_stack_frozen()
    report = services.report_build(report_id=report_id, task_id=self.request.id)
    if report is None:
        return None
    services.report_notify(report=report)
    return {"report": report.pk, "pages": report.page_count, "sha256": report.file_hash}


@shared_task(name="reports.requeue_stuck_reports", soft_time_limit=60, time_limit=120)
def requeue_stuck_reports() -> dict[str, int]:
    """Periodic: send lost builds again, requeue (or finally fail) those whose worker died."""
    return services.reports_requeue_stuck(now=timezone.now())
