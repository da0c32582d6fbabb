"""Report jobs: request a site analysis, build its PDF, requeue what got stuck, notify.

A build takes the analysis snapshot and the curated recommendations on its first run and keeps
them in the report's row; every later run of the same report (a redelivery after a lost worker,
a rebuild staff ask for) renders from the stored values, so its figures never drift. The PDF is
stored under a name derived from the report's id and replaces its own file on every run.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from analysis.models import Recommendation
from deployments.models import Deployment
from deployments.services.audit import audit_record
from kiezlabor import jobs
from reports.models import Report

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from analysis.snapshot import Snapshot

logger = logging.getLogger(__name__)

# A report of a large deployment renders in well under a minute; ten minutes means trouble.
SOFT_TIME_LIMIT = 10 * 60
TIME_LIMIT = SOFT_TIME_LIMIT + 60
# Runs of one request (first run, redeliveries after a lost worker, requeues of a stuck
# report): a report that kills its worker every time must end as failed, not loop forever.
MAX_ATTEMPTS = 3

STEP_ANALYSIS = "Analyse"
PROGRESS_STARTED = 5
PROGRESS_ANALYSED = 25
PROGRESS_LAST_STEP = 99

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
IN_PROGRESS = (Report.State.QUEUED, Report.State.RUNNING)


def report_file_name(report: Report) -> str:
    """The report's PDF in the storage: one name per report, ``reports/ortsanalyse-<id>.pdf``."""
    return f"reports/ortsanalyse-{report.pk}.pdf"


# --- Requesting ------------------------------------------------------------------------------


@transaction.atomic
def report_create(*, deployment: Deployment, language: str, by: AbstractBaseUser | None) -> Report:
    """Create a queued report of ``deployment`` in ``language`` without starting a build."""
    report = Report(deployment=deployment, language=language, created_by=by)
    report.full_clean()
    report.save()
    audit_record(actor=by, action="report.request", target=report, data={"language": language})
    return report


@transaction.atomic
def report_request(*, deployment: Deployment, language: str, by: AbstractBaseUser) -> Report:
    """Request a site analysis of ``deployment``: a report that a worker builds after commit."""
    report = report_create(deployment=deployment, language=language, by=by)
    _queue(report)
    return report


@transaction.atomic
def report_rebuild(*, report: Report, by: AbstractBaseUser) -> Report:
    """Build a finished or failed report again, from its stored snapshot (same figures).

    A report whose build is queued or running is refused: it is being built already.
    """
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.state in IN_PROGRESS:
        raise ValidationError(
            gettext("Diese Ortsanalyse wird gerade erstellt. Bitte warten, bis sie fertig ist.")
        )
    report.state, report.progress, report.step = Report.State.QUEUED, 0, ""
    report.attempts, report.error, report.task_id = 0, "", ""
    report.queued_at, report.started_at, report.finished_at = timezone.now(), None, None
    report.full_clean()
    report.save()
    audit_record(actor=by, action="report.rebuild", target=report)
    _queue(report)
    return report


@transaction.atomic
def report_delete(*, report: Report, by: AbstractBaseUser) -> None:
    """Delete the report and, once that is committed, its file."""
    storage, name = report.file.storage, report.file.name
    audit_record(actor=by, action="report.delete", target=report)
    report.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _queue(report: Report) -> None:
    """Send the build once committed; if the broker is down, the periodic sweep sends it."""
    from reports.tasks import build_report  # the tasks module imports this one

    jobs.send_on_commit(build_report, report.pk)


# --- Building --------------------------------------------------------------------------------


def report_build(*, report_id: int, task_id: str | None = None) -> Report | None:
    """Build the PDF of one report; safe to run twice. Returns the report if this run built it.

    A done report is left alone, and so is a failed one (``report_rebuild`` queues it again).
    ``task_id`` is the Celery delivery's id (``kiezlabor.jobs.claim``): a report running under
    another task's id is being built and is left alone; one running under this id was
    interrupted (its worker died, the broker delivered it again) and is built anew, at most
    ``MAX_ATTEMPTS`` runs in all. Progress goes into the row as each
    step starts. Lost database connections are left to the task's retries with the report
    still running; any other error fails the report with a message and is re-raised.
    """
    from analysis.snapshot import SnapshotVersionError  # pandas, SciPy, scikit-learn: as below
    from reports import rendering  # WeasyPrint and matplotlib load only where reports are built

    report = _report_start(report_id=report_id, task_id=task_id)
    if report is None:
        return None
    try:
        snapshot = _report_snapshot(report)
        with translation.override(report.language), _collector_paused():
            rendered = rendering.render_report(
                snapshot=snapshot,
                recommendations=report.recommendations,
                language=report.language,
                on_step=lambda name, progress: report_progress(
                    report_id=report.pk, step=name, progress=progress
                ),
            )
        return _report_store(report, pdf=rendered.pdf, page_count=rendered.page_count)
    except TRANSIENT_ERRORS:
        raise
    except SnapshotVersionError:
        report_fail(
            report_id=report.pk,
            message=gettext(
                "Die gespeicherte Analyse stammt aus einer älteren Version und kann nicht mehr "
                "dargestellt werden. Bitte eine neue Ortsanalyse erstellen."
            ),
        )
        raise
    except SoftTimeLimitExceeded:
        report_fail(
            report_id=report.pk,
            message=gettext(
                "Die Erstellung hat länger als %(minutes)d Minuten gedauert und wurde "
                "abgebrochen. Bitte später erneut versuchen."
            )
            % {"minutes": SOFT_TIME_LIMIT // 60},
        )
        raise
    except Exception as error:
        logger.exception("report %s failed", report_id)
        report_fail(
            report_id=report.pk,
            message=gettext("Die Erstellung ist fehlgeschlagen: %(error)s")
            % {"error": str(error) or type(error).__name__},
        )
        raise


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while charts and PDF are made; the analysis's garbage goes first.

    Drawing and setting the PDF create millions of short-lived objects, and the collections
    they set off would walk everything in memory again and again: at 100,000 inputs a fifth of
    WeasyPrint's time. Objects are still freed as soon as nothing refers to them; the cycles
    among the PDF's own objects wait until it is made. (A worker process freezes the libraries
    before its first report, see ``reports.tasks``, so the collection before is short.)
    """
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _report_start(*, report_id: int, task_id: str | None) -> Report | None:
    started = jobs.claim(
        Report.objects,
        pk=report_id,
        task_id=task_id,
        now=timezone.now(),
        finished_at=None,
        progress=PROGRESS_STARTED,
        step=STEP_ANALYSIS,
        error="",
    )
    if not started:
        return None
    report = Report.objects.select_related("deployment__site", "deployment__organisation").get(
        pk=report_id
    )
    if report.attempts > MAX_ATTEMPTS:
        _fail_after_attempts(report)
        return None
    return report


def _report_snapshot(report: Report) -> Snapshot:
    """The report's snapshot, taken with the recommendations on the first run and kept."""
    # The analysis brings pandas, SciPy and scikit-learn: loaded only where reports are built.
    from analysis.services import (
        analysis_compute,
        recommendations_for_report,
        recommendations_refresh,
    )
    from analysis.snapshot import Snapshot

    if report.snapshot is None:
        with translation.override(report.language):
            snapshot = analysis_compute(deployment=report.deployment)
            # New findings join the list; what staff edited, added or dropped stays as it is.
            recommendations_refresh(deployment=report.deployment, proposals=snapshot.proposals)
            recommendations = [
                _recommendation_dict(position, recommendation)
                for position, recommendation in enumerate(
                    recommendations_for_report(deployment=report.deployment), start=1
                )
            ]
        Report.objects.filter(pk=report.pk).update(
            snapshot=snapshot.to_dict(),
            snapshot_version=snapshot.version,
            recommendations=recommendations,
        )
        # Render from what the database gives back, exactly as every later run will.
        report.refresh_from_db(fields=["snapshot", "snapshot_version", "recommendations"])
    report_progress(report_id=report.pk, step=STEP_ANALYSIS, progress=PROGRESS_ANALYSED)
    return Snapshot.from_dict(report.snapshot)


def _recommendation_dict(position: int, recommendation: Recommendation) -> dict:
    return {
        "id": recommendation.pk,
        "position": position,
        "finding": recommendation.finding,
        "action": recommendation.action,
        "addressee": recommendation.addressee,
        "priority": recommendation.priority,
        "priority_label": str(Recommendation.Priority(recommendation.priority).label),
        "evidence": recommendation.evidence,
        "rule": recommendation.rule,
        "edited": recommendation.edited_at is not None,
    }


def report_progress(*, report_id: int, step: str, progress: int) -> None:
    """Record the step the build is in, visible at once to everyone polling the report."""
    Report.objects.filter(pk=report_id, state=Report.State.RUNNING).update(
        step=step[:100], progress=max(0, min(int(progress), PROGRESS_LAST_STEP))
    )


@transaction.atomic
def _report_store(report: Report, *, pdf: bytes, page_count: int) -> Report | None:
    still_building = Report.objects.select_for_update().filter(
        pk=report.pk, state=Report.State.RUNNING
    )
    if not still_building.exists():
        return None  # deleted, or failed by the stuck-report job, while this run rendered
    storage = report.file.storage
    name = report_file_name(report)
    for old in {report.file.name, name} - {""}:
        storage.delete(old)
    report.file.name = storage.save(name, ContentFile(pdf))
    report.file_hash = hashlib.sha256(pdf).hexdigest()
    report.page_count = page_count
    report.state, report.progress, report.step = Report.State.DONE, 100, ""
    report.finished_at = timezone.now()
    report.full_clean()
    report.save(
        update_fields=[
            "file",
            "file_hash",
            "page_count",
            "state",
            "progress",
            "step",
            "finished_at",
        ]
    )
    audit_record(actor=None, action="report.done", target=report, data={"pages": page_count})
    return report


@transaction.atomic
def report_fail(*, report_id: int, message: str) -> None:
    """Record that the build failed, with a message staff can act on.

    The failure is recorded even if its audit entry cannot be written (logged instead): a
    report left running would wait for the sweep, and whoever asked for it with it.
    """
    failed = Report.objects.filter(pk=report_id).update(
        state=Report.State.FAILED, error=message, finished_at=timezone.now()
    )
    if not failed:
        return
    report = Report.objects.only("pk", "deployment").get(pk=report_id)
    try:
        with transaction.atomic():
            audit_record(
                actor=None, action="report.fail", target=report, data={"error": message[:500]}
            )
    except DatabaseError:
        logger.exception("report %s failed; its audit entry could not be written", report_id)


def _fail_after_attempts(report: Report) -> None:
    report_fail(
        report_id=report.pk,
        message=gettext(
            "Die Erstellung wurde nach %(attempts)d Versuchen abgebrochen, weil sie jedes Mal "
            "unterbrochen wurde. Bitte die technische Betreuung informieren und danach neu "
            "erstellen."
        )
        % {"attempts": MAX_ATTEMPTS},
    )


# --- Stuck reports ---------------------------------------------------------------------------


def reports_requeue_stuck(*, now: dt.datetime) -> dict[str, int]:
    """Send again builds that never started, requeue (or finally fail) those whose worker died.

    A report queued for longer than ``kiezlabor.jobs.SEND_GRACE`` had its task lost (e.g. the
    broker was down when it was requested). A report running longer than the hard time limit
    lost its worker without the broker giving the task back (e.g. the whole worker was killed).
    Returns how many were sent again, requeued and failed.
    """
    from reports.tasks import build_report  # the tasks module imports this one

    return jobs.sweep(
        Report,
        build_report,
        now=now,
        time_limit=dt.timedelta(seconds=TIME_LIMIT),
        max_attempts=MAX_ATTEMPTS,
        fail=_fail_after_attempts,
        reset={"progress": 0, "step": ""},
    )


# --- Notice ----------------------------------------------------------------------------------


def report_notify(*, report: Report) -> bool:
    """E-mail the person who requested the report that it is done. Returns whether one was sent."""
    user = report.created_by
    if report.state != Report.State.DONE or user is None or not user.email:
        return False
    deployment = report.deployment
    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("Ortsanalyse fertig: %(deployment)s") % {"deployment": deployment}
        body = gettext(
            "Guten Tag,\n\n"
            "die Ortsanalyse für „%(deployment)s“ (%(site)s) ist fertig: %(pages)d Seiten, "
            "erstellt am %(date)s.\n\n"
            "Sie können sie im Portal herunterladen:\n%(url)s\n\n"
            "Ihr Kiezlabor"
        ) % {
            "deployment": deployment,
            "site": deployment.site,
            "pages": report.page_count or 0,
            "date": date_format(timezone.localtime(report.finished_at), "SHORT_DATETIME_FORMAT"),
            "url": _absolute(reverse("reports:index")),
        }
    send_mail(subject, body, None, [user.email])
    return True


def _absolute(path: str) -> str:
    return settings.KIEZLABOR_BASE_URL.rstrip("/") + path
