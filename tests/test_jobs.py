"""Background jobs (``kiezlabor.jobs``): a task lost to a broker outage is sent again by the
sweep, a second message for the same job does nothing, and a job whose worker died is requeued
or, after its last attempt, failed. The same with real services: ``tests/security/test_faults``.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from kiezlabor import jobs
from participation.models import ExportJob, JobState
from participation.services import exports as export_services
from participation.services.imports import import_jobs_sweep
from participation.tasks.exports import export_build
from participation.tasks.imports import import_run
from participation.tasks.sweep import sweep_jobs
from reports import services as report_services
from reports.models import Report
from reports.tasks import build_report, requeue_stuck_reports
from tests.factories import DeploymentFactory, MembershipFactory, UserFactory
from tests.participation.test_imports import create, profile_for

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def deployment():
    return DeploymentFactory(title="Kiezlabor am Boxi")


@pytest.fixture
def staff(deployment):
    return MembershipFactory(
        organisation=deployment.organisation, user=UserFactory(username="murat")
    ).user


@pytest.fixture
def broker(monkeypatch):
    """The broker as the tasks see it: ``down`` makes every send fail; ``sent`` lists the rest."""

    class Broker:
        down = False
        sent: list[tuple[str, int]] = []

    Broker.sent = []
    for task in (build_report, export_build):
        monkeypatch.setattr(task, "apply_async", broker_send(Broker, task))
    return Broker


def broker_send(broker, task):
    """A stand-in for ``task.apply_async`` that fails while ``broker.down``."""

    def send(args, **options):
        if broker.down:
            raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        broker.sent.append((task.name, *args))

    return send


def test_a_report_asked_for_while_the_broker_is_down_is_saved_and_sent_by_the_sweep(
    deployment, staff, broker, caplog, django_capture_on_commit_callbacks
) -> None:
    broker.down = True
    client = Client()
    client.force_login(staff)

    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/reports/", {"deployment": deployment.pk}, content_type="application/json"
        )

    assert response.status_code == 201  # the request is saved; the build waits for the broker
    report = Report.objects.get(pk=response.json()["id"])
    assert report.state == "queued"
    assert "the broker is unreachable" in caplog.text
    broker.down = False

    asked = report.queued_at
    with django_capture_on_commit_callbacks(execute=True):
        too_early = requeue_stuck_reports.apply().get()  # within the grace: maybe only slow
        after_grace = report_services.reports_requeue_stuck(now=asked + jobs.SEND_GRACE * 1.01)
        right_after = report_services.reports_requeue_stuck(now=asked + jobs.SEND_GRACE * 1.02)

    assert too_early == {"resent": 0, "requeued": 0, "failed": 0}
    assert after_grace == {"resent": 1, "requeued": 0, "failed": 0}
    assert right_after["resent"] == 0  # sent again once per grace period, not on every sweep
    assert broker.sent == [("reports.build_report", report.pk)]


def test_only_one_of_two_messages_for_a_report_builds_it_and_its_redelivery_takes_over(
    deployment,
) -> None:
    report = report_services.report_create(deployment=deployment, language="de", by=None)
    now = timezone.now()

    def take(task_id):
        return jobs.claim(Report.objects, pk=report.pk, task_id=task_id, now=now)

    assert take("first") is True
    assert take("second") is False  # the sweep's copy arrives while the first one builds
    assert take("first") is True  # the first message again: its worker died, it takes over
    report.refresh_from_db()
    assert (report.state, report.task_id, report.attempts) == ("running", "first", 2)

    Report.objects.filter(pk=report.pk).update(state="failed")
    assert take("first") is False  # finished (failed or done) is final for every message


def test_an_export_message_arriving_while_another_writes_the_file_does_nothing(
    deployment, staff, broker, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = export_services.export_job_create(deployment=deployment, format="csv", by=staff)
    assert broker.sent == [("participation.tasks.exports.export_build", job.pk)]
    writes = []
    monkeypatch.setattr(export_services, "export_write", lambda *, job: writes.append(job.pk))
    ExportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, task_id="first")

    export_build.apply(args=[job.pk], task_id="second")
    assert writes == []
    export_build.apply(args=[job.pk], task_id="first")  # redelivered after its worker died
    assert writes == [job.pk]


def test_the_sweep_sends_lost_exports_requeues_interrupted_ones_and_fails_hopeless_ones(
    deployment, staff, broker, django_capture_on_commit_callbacks
) -> None:
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        lost, stuck, hopeless, busy = (
            export_services.export_job_create(deployment=deployment, format="csv", by=staff)
            for _ in range(4)
        )
    broker.down = False
    now = timezone.now() + jobs.SEND_GRACE * 2
    long_ago = now - dt.timedelta(hours=1)
    ExportJob.objects.filter(pk=stuck.pk).update(state="running", started_at=long_ago, attempts=1)
    ExportJob.objects.filter(pk=hopeless.pk).update(
        state="running", started_at=long_ago, attempts=export_services.MAX_ATTEMPTS
    )
    ExportJob.objects.filter(pk=busy.pk).update(
        state="running", started_at=now - dt.timedelta(minutes=3), attempts=1
    )

    with django_capture_on_commit_callbacks(execute=True):
        counts = export_services.export_jobs_sweep(now=now)

    assert counts == {"resent": 1, "requeued": 1, "failed": 1}
    assert sorted(broker.sent) == sorted(
        ("participation.tasks.exports.export_build", pk) for pk in (lost.pk, stuck.pk)
    )
    states = dict(ExportJob.objects.values_list("pk", "state"))
    assert states == {
        lost.pk: "queued",
        stuck.pk: "queued",
        hopeless.pk: "failed",
        busy.pk: "running",
    }
    hopeless.refresh_from_db()
    assert "3-mal unterbrochen" in hopeless.error


def test_the_periodic_task_sends_imports_and_exports_lost_to_a_broker_outage(
    deployment, staff, broker, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr(import_run, "apply_async", broker_send(broker, import_run))
    lab = {"organisation": deployment.organisation, "deployment": deployment, "user": staff}
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):
        imported = create(lab, profile_for(lab), "paper_utf8_comma.csv")
        exported = export_services.export_job_create(deployment=deployment, format="csv", by=staff)
    broker.down = False
    assert broker.sent == []
    # Time travel: both have waited longer than the grace when the beat runs the sweep.
    for job in (imported, exported):
        type(job).objects.filter(pk=job.pk).update(queued_at=job.queued_at - jobs.SEND_GRACE * 2)

    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep_jobs.apply().get()

    assert counts["imports"]["resent"] == counts["exports"]["resent"] == 1
    assert sorted(broker.sent) == sorted(
        [
            ("participation.tasks.imports.import_run", imported.pk),
            ("participation.tasks.exports.export_build", exported.pk),
        ]
    )
    assert import_jobs_sweep(now=timezone.now())["resent"] == 0  # not again right away
