"""A Celery app for the worker-loss tests: the real app, whose builds pause at the PDF step.

Started as ``celery -A tests.reports.slow_worker worker``. The pause gives the test time to
kill the worker while a build is in its last step; nothing in production code waits.
"""

import os
import time

from celery.signals import worker_process_init

from kiezlabor.celery import app

PAUSE_SECONDS = float(os.environ.get("KIEZLABOR_TEST_PDF_PAUSE", "5"))

__all__ = ["app"]


@worker_process_init.connect
def pause_at_the_pdf_step(**kwargs) -> None:
    from reports import services

    record = services.report_progress

    def record_and_pause(*, report_id: int, step: str, progress: int) -> None:
        record(report_id=report_id, step=step, progress=progress)
        if step == "PDF":
            time.sleep(PAUSE_SECONDS)

    services.report_progress = record_and_pause
