"""No loss on faults, with real services: 200 kiosk submissions through the API while

(a) Redis (the broker) is stopped — a submission needs only the database; reports, exports
    and imports asked for meanwhile are saved, and the sweep sends their tasks once it is back;
(b) the whole Celery worker is SIGKILLed in the middle of a report build — the inputs arrive
    meanwhile, and after a restart the periodic sweep hands the build to the new worker,
    which finishes it (the build-only variants are in ``tests/reports/test_tasks.py``);
(c) PostgreSQL crashes and restarts right after acknowledged writes — every acknowledged input
    is there afterwards, and the tablet's replays of unacknowledged ones store none twice
    (on a dedicated server, driven by ``db_crash_drill`` in a process of its own).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from kiezlabor import jobs
from kiezlabor.celery import app as celery_app
from kiezlabor.devtools.services import PostgresServer, RedisServer
from participation.models import Contribution, ExportJob, ImportJob
from participation.services.exports import export_jobs_sweep
from participation.services.imports import import_jobs_sweep
from reports import services as report_services
from reports.models import Report
from reports.tasks import build_report
from tests.conftest import BASE_DIR
from tests.factories import MembershipFactory, UserFactory
from tests.participation.kiosk_factories import idea_body, paired_device, running_deployment
from tests.participation.test_imports import profile_for, upload
from tests.reports.jobs_support import lab_deployment
from tests.reports.test_tasks import (
    KILL_QUEUE,
    SlowWorker,
    at_pdf_step,
    children_of,
    finished,
    report_files,
    sigkill,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SUBMISSIONS = 200
SENDERS = 8  # tablets sending their queues at the same time


@pytest.fixture
def tablet(settings):
    settings.KIEZLABOR_KIOSK_THROTTLE_RATES = {"kiosk_device": None, "kiosk_address": None}
    deployment = running_deployment()
    _device, token = paired_device(deployment)
    return {"deployment": deployment, "headers": {"Authorization": f"Device {token}"}}


def send(tablet, bodies: list[dict]) -> list[int]:
    """Post the bodies through the real API from ``SENDERS`` threads; the status codes."""

    def post(chunk: list[dict]) -> list[int]:
        client = Client(headers=tablet["headers"], raise_request_exception=False)
        try:
            return [
                client.post(
                    "/api/kiosk/contributions/", body, content_type="application/json"
                ).status_code
                for body in chunk
            ]
        finally:
            connections.close_all()

    chunks = [bodies[index::SENDERS] for index in range(SENDERS)]
    with ThreadPoolExecutor(SENDERS) as pool:
        results = list(pool.map(post, chunks))
    by_body = {}
    for chunk, codes in zip(chunks, results, strict=True):
        for body, code in zip(chunk, codes, strict=True):
            by_body[body["client_uuid"]] = code
    return [by_body[body["client_uuid"]] for body in bodies]


def ideas(count: int) -> list[dict]:
    return [
        idea_body(client_uuid=str(uuid.uuid4()), text=f"Idee Nummer {number}: mehr Schatten.")
        for number in range(count)
    ]


def stored(bodies: list[dict]) -> list[str]:
    uuids = [body["client_uuid"] for body in bodies]
    return sorted(
        str(value)
        for value in Contribution.objects.filter(client_uuid__in=uuids).values_list(
            "client_uuid", flat=True
        )
    )


# --- (a) Redis stopped ------------------------------------------------------------------------


def publish_to(monkeypatch: pytest.MonkeyPatch, broker_url: str) -> None:
    """Make this process send tasks to ``broker_url`` (the worker keeps listening on its own).

    The environment variable wins over the app's configuration, and the producers already
    connected are kept in a pool: both are replaced.
    """
    monkeypatch.setenv("CELERY_BROKER_URL", broker_url)
    monkeypatch.setattr(celery_app.conf, "broker_url", broker_url)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    assert celery_app.connection_for_write().as_uri().endswith(broker_url.rsplit(":", 1)[1])


def test_submissions_do_not_need_the_broker(tablet, tmp_path, monkeypatch) -> None:
    redis = RedisServer(tmp_path / "redis").start()
    publish_to(monkeypatch, f"{redis.url}/0")
    redis.stop()  # the broker is down for the whole burst

    bodies = ideas(SUBMISSIONS)
    codes = send(tablet, bodies)

    assert codes == [201] * SUBMISSIONS
    assert stored(bodies) == sorted(body["client_uuid"] for body in bodies)


def test_jobs_asked_for_while_the_broker_is_down_are_done_once_it_is_back(
    celery_worker_process, tmp_path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    deployment = lab_deployment()
    staff = MembershipFactory(organisation=deployment.organisation, user=UserFactory()).user
    lab = {"organisation": deployment.organisation, "deployment": deployment, "user": staff}
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    dead = RedisServer(tmp_path / "redis").start()
    dead.stop()

    with pytest.MonkeyPatch.context() as outage:
        publish_to(outage, f"{dead.url}/0")
        responses = [
            client.post(
                "/api/reports/", {"deployment": deployment.pk}, content_type="application/json"
            ),
            client.post(
                "/api/exports/",
                {"deployment": deployment.pk, "format": "csv"},
                content_type="application/json",
            ),
            client.post(
                "/api/imports/",
                {
                    "deployment": deployment.pk,
                    "profile": profile_for(lab).pk,
                    "file": upload("paper_utf8_bom_semicolon.csv"),
                },
            ),
        ]
    assert [response.status_code for response in responses] == [201, 201, 201]
    report, export, imported = (
        model.objects.get(pk=response.json()["id"])
        for model, response in zip((Report, ExportJob, ImportJob), responses, strict=True)
    )
    assert {report.state, export.state, imported.state} == {"queued"}
    time.sleep(2)
    states = {type(job).__name__: job.state for job in refreshed(report, export, imported)}
    assert set(states.values()) == {"queued"}, states  # their tasks were lost

    # The broker is back; the beat's next sweep after the grace sends the lost tasks again.
    later = timezone.now() + jobs.SEND_GRACE + dt.timedelta(seconds=1)
    assert report_services.reports_requeue_stuck(now=later)["resent"] == 1
    assert import_jobs_sweep(now=later)["resent"] == 1
    assert export_jobs_sweep(now=later)["resent"] == 1

    report, export, imported = settled(report, export, imported, timeout=240)
    assert report.state == "done", report.error
    assert report_files(report) == [f"ortsanalyse-{report.pk}.pdf"]
    assert (export.state, export.error) == ("done", "")
    assert (imported.state, imported.rows_total) == ("previewed", 5)  # every row checked
    assert [report.attempts, export.attempts, imported.attempts] == [1, 1, 1]  # each ran once


def refreshed(*jobs_):
    for job in jobs_:
        job.refresh_from_db()
    return jobs_


def settled(*jobs_, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(job.state not in ("queued", "running") for job in refreshed(*jobs_)):
            return jobs_
        time.sleep(0.2)
    raise AssertionError(f"not finished: {[(type(job).__name__, job.state) for job in jobs_]}")


# --- (b) The worker killed mid-task -----------------------------------------------------------


@pytest.fixture
def slow_worker(django_db_setup, tmp_path):
    worker = SlowWorker(tmp_path / "slow-worker.log")
    worker.start()
    yield worker
    worker.stop()


def test_inputs_arrive_and_a_build_ends_done_though_the_worker_was_killed(
    tablet, slow_worker
) -> None:
    report = report_services.report_create(deployment=lab_deployment(), language="de", by=None)
    build_report.apply_async((report.pk,), queue=KILL_QUEUE)
    wait_for(report, at_pdf_step, timeout=120, what="never reached the PDF step")

    pool = children_of(slow_worker.process.pid)
    sigkill(slow_worker.process.pid)
    for pid in pool:
        sigkill(pid)
    slow_worker.process.wait(timeout=10)

    bodies = ideas(SUBMISSIONS)
    assert send(tablet, bodies) == [201] * SUBMISSIONS  # no worker alive meanwhile
    report.refresh_from_db()
    assert report.state == "running"  # stuck, until the sweep

    slow_worker.start()
    later = timezone.now() + dt.timedelta(seconds=report_services.TIME_LIMIT + 1)
    assert report_services.reports_requeue_stuck(now=later) == {
        "resent": 0,
        "requeued": 1,
        "failed": 0,
    }

    report = wait_for(report, finished, timeout=120)
    assert report.state == "done", report.error
    assert report_files(report) == [f"ortsanalyse-{report.pk}.pdf"]
    assert stored(bodies) == sorted(body["client_uuid"] for body in bodies)


# --- (c) PostgreSQL restarts ------------------------------------------------------------------


@pytest.fixture
def dedicated_postgres():
    """A PostgreSQL server of this test's own: crashing the suite's server would break the
    connections of every later test in this process."""
    workdir = Path(tempfile.mkdtemp(prefix="kiezlabor-crash-"))
    os.chmod(workdir, 0o755)  # noqa: S103 (the postgres user must reach its data directory)
    try:
        with PostgresServer(workdir / "postgres") as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_acknowledged_inputs_survive_a_database_crash_and_replays_store_none_twice(
    dedicated_postgres,
) -> None:
    # -m immediate is a crash: no shutdown checkpoint; restart keeps the start options.
    restart = dedicated_postgres.pg_ctl("-m", "immediate", "-w", "restart")
    env = os.environ | {"DATABASE_URL": dedicated_postgres.url}
    drill = subprocess.run(
        [sys.executable, "-m", "tests.security.db_crash_drill", json.dumps(restart)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert drill.returncode == 0, drill.stderr[-3000:]
    outcome = json.loads(drill.stdout.strip().splitlines()[-1])

    assert outcome["first"] == [201] * 120
    assert outcome["started_after"] > outcome["started_before"]  # it really crashed
    assert outcome["replayed"] == [200] * 40
    assert outcome["rest"] == [201] * 80
    assert outcome["all_again"] == [200] * SUBMISSIONS
    assert outcome["stored"] == outcome["rows"] == SUBMISSIONS
