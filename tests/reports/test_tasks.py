"""The report task: declared for lost workers and transient errors, safe to run twice — and,
with a real worker on Redis, a build that survives SIGKILL."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import re
import signal
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import InterfaceError, OperationalError
from django.utils import timezone

import reports.rendering
from analysis.formatting import number, percent
from deployments.models import Deployment
from kiezlabor.celery import app as celery_app
from reports import services
from reports.models import Report
from reports.tasks import REPORT_STACK, build_report, report_stack_frozen, requeue_stuck_reports
from tests.conftest import BASE_DIR, WorkerProcess, database_url
from tests.factories import MembershipFactory, UserFactory
from tests.reports.jobs_support import FakeRenderer, lab_deployment, pdf_pages


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": None},
        },
    }
    return tmp_path


@pytest.fixture
def renderer(monkeypatch) -> FakeRenderer:
    fake = FakeRenderer()
    monkeypatch.setattr(reports.rendering, "render_report", fake)
    return fake


@pytest.fixture
def queued(db):
    deployment = lab_deployment()
    staff = MembershipFactory(
        organisation=deployment.organisation, user=UserFactory(username="sofia")
    ).user
    return services.report_create(deployment=deployment, language="de", by=staff)


# --- The task in this process -----------------------------------------------------------------


@pytest.mark.smoke
def test_the_task_is_acknowledged_late_and_retries_only_transient_errors() -> None:
    assert build_report.acks_late is True
    assert build_report.reject_on_worker_lost is True
    assert build_report.soft_time_limit == services.SOFT_TIME_LIMIT
    assert build_report.time_limit == services.TIME_LIMIT > services.SOFT_TIME_LIMIT
    assert set(build_report.autoretry_for) == {OperationalError, InterfaceError}
    assert (build_report.max_retries, build_report.retry_backoff) == (3, True)
    # The broker must not hand a running build to a second worker.
    visibility = celery_app.conf.broker_transport_options.get("visibility_timeout")
    assert visibility is None or visibility > services.TIME_LIMIT


@pytest.mark.smoke
@pytest.mark.django_db
def test_a_worker_process_loads_and_freezes_the_report_stack_before_its_first_report(
    queued, media, renderer, monkeypatch
) -> None:
    report_stack_frozen.cache_clear()
    gc.unfreeze()
    loaded_before_rendering = []

    def render(**kwargs):
        loaded_before_rendering.append(all(name in sys.modules for name in REPORT_STACK))
        return renderer(**kwargs)

    monkeypatch.setattr(reports.rendering, "render_report", render)
    build_report.apply(args=[queued.pk])
    frozen = gc.get_freeze_count()
    build_report.apply(args=[queued.pk])

    assert loaded_before_rendering == [True]
    assert frozen > 0
    assert gc.get_freeze_count() == frozen  # once per process, not per report


@pytest.mark.smoke
@pytest.mark.django_db
def test_the_task_builds_and_announces_the_report_once(queued, media, renderer, mailoutbox) -> None:
    first = build_report.apply(args=[queued.pk])
    second = build_report.apply(args=[queued.pk])

    report = Report.objects.get(pk=queued.pk)
    assert first.successful()
    assert second.successful()
    assert first.result == {"report": report.pk, "pages": 12, "sha256": report.file_hash}
    assert second.result is None
    assert report.state == "done"
    assert len(mailoutbox) == 1
    assert len(renderer.calls) == 1


@pytest.mark.smoke
@pytest.mark.django_db
def test_a_lost_database_connection_is_retried_and_the_build_ends_done(
    queued, media, renderer, monkeypatch, mailoutbox
) -> None:
    real_build = services.report_build
    failures = [OperationalError("server closed the connection unexpectedly")]

    def flaky(*, report_id, task_id):
        if failures:  # the first run had started the build when its connection broke
            Report.objects.filter(pk=report_id).update(state="running", attempts=1, task_id=task_id)
            raise failures.pop()
        return real_build(report_id=report_id, task_id=task_id)

    monkeypatch.setattr(services, "report_build", flaky)

    result = build_report.apply(args=[queued.pk])

    report = Report.objects.get(pk=queued.pk)
    assert result.successful()
    assert (report.state, report.attempts) == ("done", 2)


@pytest.mark.smoke
@pytest.mark.django_db
def test_the_periodic_job_requeues_a_report_whose_worker_vanished(
    queued, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    sent = []
    monkeypatch.setattr(build_report, "apply_async", lambda args, **options: sent.extend(args))
    Report.objects.filter(pk=queued.pk).update(
        state="running",
        attempts=1,
        started_at=timezone.now() - dt.timedelta(seconds=services.TIME_LIMIT + 5),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stuck_reports() == {"resent": 0, "requeued": 1, "failed": 0}

    assert sent == [queued.pk]


# --- A real worker on Redis -------------------------------------------------------------------

KILL_QUEUE = "reports-kill-test"


def wait_for(report: Report, done, timeout: float = 150, what: str = "") -> Report:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if done(report):
            return report
        time.sleep(0.1)
    raise AssertionError(
        f"report {report.pk} {what or 'not finished'}: {report.state} at {report.progress} % "
        f"({report.step}) {report.error}"
    )


def finished(report: Report) -> bool:
    return report.state in (Report.State.DONE, Report.State.FAILED)


def at_pdf_step(report: Report) -> bool:
    return report.state == Report.State.RUNNING and report.step == "PDF"


def children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def sigkill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone with its parent
        os.kill(pid, signal.SIGKILL)


class SlowWorker(WorkerProcess):
    """A real worker (``tests.reports.slow_worker``) whose builds pause at the PDF step,
    consuming the kill-test queue besides the default one."""

    def start(self) -> None:
        env = os.environ | {"DATABASE_URL": database_url(), "KIEZLABOR_TEST_PDF_PAUSE": "6"}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "tests.reports.slow_worker",
                    "worker",
                    "--hostname",
                    self.name,
                    "--queues",
                    f"{KILL_QUEUE},celery",
                    "--concurrency",
                    "1",
                    "--loglevel",
                    "INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early; see {self.log_path}")
            if celery_app.control.ping(destination=[self.name], timeout=0.5):
                return
        raise RuntimeError(f"worker did not answer within 60 s; see {self.log_path}")


@pytest.fixture
def slow_worker(django_db_setup, tmp_path):
    worker = SlowWorker(tmp_path / "slow-worker.log")
    worker.start()
    yield worker
    worker.stop()


def report_files(report: Report) -> list[str]:
    _folders, files = default_storage.listdir("reports")
    return sorted(name for name in files if name.startswith(f"ortsanalyse-{report.pk}"))


def folded(text: str) -> str:
    """For comparing running text: no whitespace, no hyphens (WeasyPrint hyphenates)."""
    return re.sub(r"[\s\u00ad\u2010-]+", "", text)


def assert_pdf_says_what_the_snapshot_says(report: Report) -> None:
    """The site name, the key figures as formatted from the snapshot, every recommendation."""
    with report.file.open("rb") as file:
        pages = pdf_pages(file.read())
    text = " ".join(pages)
    figures = report.snapshot["figures"]
    assert report.snapshot["deployment"]["site_name"] in text
    summary = next(page for page in pages if "Befunde" in page)
    tokens = summary.split()
    values = [figures["visitors"], figures["inputs"], figures["events_held"], figures["attendance"]]
    if figures["participation_rate"] is not None:
        values.append(figures["participation_rate"] * 100)
    for value in map(number, values):
        assert value in tokens, (value, summary)
    if figures["own_share"] is not None:
        assert percent(figures["own_share"]) in summary
    assert report.recommendations
    for recommendation in report.recommendations:
        assert folded(recommendation["finding"]) in folded(text), recommendation["finding"]
        assert folded(recommendation["action"]) in folded(text), recommendation["action"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_every_demo_deployment_gets_its_report_through_redis_and_a_real_worker(
    celery_worker_process,
) -> None:
    """Acceptance 1: on the demo data, each deployment's report builds through the worker."""
    # Earlier transactional tests flushed the rows the data migrations created.
    import_module("deployments.migrations.0002_target_groups").create_target_groups(apps, None)
    call_command("load_berlin_areas", verbosity=0)
    call_command("seed_demo", verbosity=0)
    lead = UserFactory(username="jonas", is_superuser=True)
    requested = [
        services.report_request(deployment=deployment, language="de", by=lead)
        for deployment in Deployment.objects.order_by("starts_on")
    ]
    assert len(requested) == 7

    for report in requested:
        report = wait_for(report, finished, timeout=240)
        assert report.state == "done", report.error
        assert_pdf_says_what_the_snapshot_says(report)

    log = celery_worker_process.log_path
    last = requested[-1].deployment
    deadline = time.monotonic() + 20
    while f"Ortsanalyse fertig: {last}" not in log.read_text():
        assert time.monotonic() < deadline, "no e-mail in the worker's console"
        time.sleep(0.2)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_build_whose_worker_process_is_killed_runs_again_and_ends_done(slow_worker) -> None:
    """Acceptance 2: SIGKILL of the process running the build; the worker restarts it."""
    report = services.report_create(deployment=lab_deployment(), language="de", by=None)
    build_report.apply_async((report.pk,), queue=KILL_QUEUE)
    wait_for(report, at_pdf_step, timeout=120, what="never reached the PDF step")

    [pool_process] = children_of(slow_worker.process.pid)
    sigkill(pool_process)

    report = wait_for(report, finished, timeout=360)
    assert report.state == "done", report.error
    assert report.attempts == 2
    assert report_files(report) == [f"ortsanalyse-{report.pk}.pdf"]
    assert "signal 9" in slow_worker.log_path.read_text()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(600)  # two builds and a worker restart; slow on a shared, busy machine
def test_a_build_whose_whole_worker_is_killed_ends_done_after_a_restart(slow_worker) -> None:
    """Acceptance 2: SIGKILL of the worker and its pool; after a restart the periodic job
    gives the build back to a worker, and it ends done — not stuck in "running"."""
    report = services.report_create(deployment=lab_deployment(), language="de", by=None)
    build_report.apply_async((report.pk,), queue=KILL_QUEUE)
    wait_for(report, at_pdf_step, timeout=120, what="never reached the PDF step")

    pool = children_of(slow_worker.process.pid)
    sigkill(slow_worker.process.pid)
    for pid in pool:
        sigkill(pid)
    slow_worker.process.wait(timeout=10)
    time.sleep(1)
    report.refresh_from_db()
    assert (report.state, report.step) == ("running", "PDF")  # stuck, as after a power cut

    slow_worker.start()
    later = timezone.now() + dt.timedelta(seconds=services.TIME_LIMIT + 1)
    assert services.reports_requeue_stuck(now=later) == {"resent": 0, "requeued": 1, "failed": 0}

    report = wait_for(report, finished, timeout=360)
    assert report.state == "done", report.error
    assert report.attempts == 2
    assert report_files(report) == [f"ortsanalyse-{report.pk}.pdf"]
