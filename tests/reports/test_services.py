"""Report jobs: requested after commit, built once from a kept snapshot, safe to run again,
stuck ones requeued, the requester told by e-mail."""

from __future__ import annotations

import datetime as dt
import gc

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import timezone

import reports.rendering
from deployments.models import AuditEntry
from reports import services
from reports.models import Report
from reports.tasks import build_report
from tests.factories import MembershipFactory, UserFactory
from tests.reports.jobs_support import (
    FakeRenderer,
    add_inputs,
    lab_deployment,
    pdf_text,
    sha256,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture(autouse=True)
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
    monkeypatch.setattr(reports.rendering, "render_report", fake, raising=False)
    return fake


@pytest.fixture
def deployment():
    return lab_deployment()


@pytest.fixture
def staff(deployment):
    return MembershipFactory(
        organisation=deployment.organisation, user=UserFactory(username="lena")
    ).user


@pytest.fixture
def queued(deployment, staff) -> Report:
    return services.report_create(deployment=deployment, language="de", by=staff)


def pdf_files(media) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*.pdf"))


def test_a_request_creates_a_queued_report_and_queues_the_build_after_commit(
    deployment, staff, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    queued_ids = []
    monkeypatch.setattr(
        build_report, "apply_async", lambda args, **options: queued_ids.extend(args)
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = services.report_request(deployment=deployment, language="en", by=staff)
        assert queued_ids == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()

    assert queued_ids == [report.pk]
    assert (report.state, report.language, report.created_by) == ("queued", "en", staff)
    assert AuditEntry.objects.filter(action="report.request", target_id=str(report.pk)).exists()


def test_a_build_stores_the_pdf_under_its_own_name_with_hash_and_pages(
    queued, renderer, media
) -> None:
    built = services.report_build(report_id=queued.pk)

    report = Report.objects.get(pk=queued.pk)
    assert built is not None
    assert (report.state, report.progress, report.step) == ("done", 100, "")
    assert report.file.name == f"reports/ortsanalyse-{report.pk}.pdf"
    data = (media / report.file.name).read_bytes()
    assert report.file_hash == sha256(data)
    assert report.page_count == 12
    assert report.attempts == 1
    assert report.started_at <= report.finished_at
    assert report.snapshot_version == report.snapshot["version"]
    assert report.snapshot["deployment"]["site_name"] == "Boxhagener Platz"


def test_progress_is_visible_to_pollers_while_the_build_runs(queued, renderer) -> None:
    services.report_build(report_id=queued.pk)

    # What a poller reading the row saw at each step the renderer announced.
    assert renderer.steps_seen == [
        ("Diagramme", "Diagramme", 30),
        ("Karten", "Karten", 45),
        ("Seiten", "Seiten", 55),
        ("PDF", "PDF", 65),
    ]


def test_the_curated_recommendations_are_copied_in_staff_order(queued, renderer) -> None:
    curated = list(
        queued.deployment.recommendations.filter(is_dropped=False).order_by("position", "pk")
    )
    assert curated, "the analysis of the lab deployment proposes recommendations"

    services.report_build(report_id=queued.pk)

    stored = Report.objects.get(pk=queued.pk).recommendations
    assert [item["finding"] for item in stored] == [r.finding for r in curated]
    assert [item["position"] for item in stored] == list(range(1, len(curated) + 1))
    assert {"action", "addressee", "priority", "priority_label", "evidence"} <= set(stored[0])
    assert renderer.calls[0]["recommendations"] == stored


def test_a_deployment_nobody_curated_gets_the_analysis_proposals(queued, renderer) -> None:
    queued.deployment.recommendations.all().delete()

    services.report_build(report_id=queued.pk)

    stored = Report.objects.get(pk=queued.pk).recommendations
    proposals = Report.objects.get(pk=queued.pk).snapshot["proposals"]
    assert proposals, "the analysis of the lab deployment proposes recommendations"
    assert {item["finding"] for item in stored} == {p["finding"] for p in proposals}


def test_running_the_build_twice_leaves_one_file_and_a_done_report(queued, renderer, media) -> None:
    services.report_build(report_id=queued.pk)
    first = Report.objects.get(pk=queued.pk)

    assert services.report_build(report_id=queued.pk) is None

    again = Report.objects.get(pk=queued.pk)
    assert (again.state, again.file_hash, again.attempts) == ("done", first.file_hash, 1)
    assert pdf_files(media) == [f"reports/ortsanalyse-{queued.pk}.pdf"]
    assert len(renderer.calls) == 1


def test_a_build_interrupted_mid_way_runs_again_and_overwrites_its_own_file(
    queued, renderer, media
) -> None:
    services.report_build(report_id=queued.pk)
    # The worker died after writing the file but before the row said "done".
    Report.objects.filter(pk=queued.pk).update(state="running", progress=80, step="PDF")

    services.report_build(report_id=queued.pk)

    report = Report.objects.get(pk=queued.pk)
    assert (report.state, report.attempts) == ("done", 2)
    assert pdf_files(media) == [f"reports/ortsanalyse-{queued.pk}.pdf"]
    assert report.file_hash == sha256((media / report.file.name).read_bytes())


def test_a_rebuild_renders_the_kept_snapshot_while_a_new_report_shows_new_data(
    queued, deployment, staff, renderer, django_capture_on_commit_callbacks
) -> None:
    services.report_build(report_id=queued.pk)
    first = renderer.calls[-1]["snapshot"]
    add_inputs(deployment, 5)

    with django_capture_on_commit_callbacks(execute=False):
        services.report_rebuild(report=queued, by=staff)
    services.report_build(report_id=queued.pk)
    again = renderer.calls[-1]["snapshot"]

    fresh = services.report_create(deployment=deployment, language="de", by=staff)
    services.report_build(report_id=fresh.pk)
    new = renderer.calls[-1]["snapshot"]

    assert again == first
    assert again.figures.inputs == first.figures.inputs
    assert new.figures.inputs == first.figures.inputs + 5
    assert Report.objects.get(pk=queued.pk).state == "done"


def test_a_rebuild_of_a_report_being_built_is_refused(queued, staff) -> None:
    Report.objects.filter(pk=queued.pk).update(state="running")
    queued.refresh_from_db()

    with pytest.raises(ValidationError, match="gerade erstellt"):
        services.report_rebuild(report=queued, by=staff)


def test_a_failure_is_recorded_with_its_message_and_not_retried_by_itself(
    queued, monkeypatch
) -> None:
    def broken(**kwargs):
        raise ValueError("Schrift „Noto Sans“ fehlt")

    monkeypatch.setattr(reports.rendering, "render_report", broken, raising=False)

    with pytest.raises(ValueError, match="Noto Sans"):
        services.report_build(report_id=queued.pk)

    report = Report.objects.get(pk=queued.pk)
    assert report.state == "failed"
    assert "Noto Sans" in report.error
    assert report.error.startswith("Die Erstellung ist fehlgeschlagen")
    assert services.report_build(report_id=queued.pk) is None  # failed stays failed


@pytest.mark.parametrize("fails", [False, True], ids=["done", "failed"])
def test_garbage_collection_pauses_only_while_the_pdf_is_made(queued, monkeypatch, fails) -> None:
    # Left paused, reference cycles would never be collected again: every report would leak.
    collecting_while_rendering = []
    fake = FakeRenderer()

    def render(**kwargs):
        collecting_while_rendering.append(gc.isenabled())
        if fails:
            raise ValueError("kaputt")
        return fake(**kwargs)

    monkeypatch.setattr(reports.rendering, "render_report", render, raising=False)
    assert gc.isenabled()

    try:
        services.report_build(report_id=queued.pk)
    except ValueError:
        assert fails

    assert collecting_while_rendering == [False]
    assert gc.isenabled()
    assert Report.objects.get(pk=queued.pk).state == ("failed" if fails else "done")


def test_a_failed_report_built_again_on_request_ends_done(
    queued, staff, monkeypatch, renderer, django_capture_on_commit_callbacks
) -> None:
    Report.objects.filter(pk=queued.pk).update(state="failed", error="kaputt", attempts=3)
    queued.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.report_rebuild(report=queued, by=staff)
    assert len(callbacks) == 1
    services.report_build(report_id=queued.pk)

    report = Report.objects.get(pk=queued.pk)
    assert (report.state, report.error, report.attempts) == ("done", "", 1)


def test_a_lost_database_connection_leaves_the_report_running_for_the_retry(
    queued, monkeypatch
) -> None:
    def flaky(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(reports.rendering, "render_report", flaky, raising=False)

    with pytest.raises(OperationalError):
        services.report_build(report_id=queued.pk)

    assert Report.objects.get(pk=queued.pk).state == "running"


def test_a_report_that_kills_its_worker_every_time_ends_failed(queued, renderer) -> None:
    Report.objects.filter(pk=queued.pk).update(state="running", attempts=services.MAX_ATTEMPTS)

    assert services.report_build(report_id=queued.pk) is None

    report = Report.objects.get(pk=queued.pk)
    assert report.state == "failed"
    assert "nach 3 Versuchen" in report.error
    assert renderer.calls == []


def test_a_snapshot_of_an_older_analysis_fails_with_a_hint_to_a_new_report(
    queued, renderer
) -> None:
    services.report_build(report_id=queued.pk)
    snapshot = Report.objects.get(pk=queued.pk).snapshot | {"version": 0}
    Report.objects.filter(pk=queued.pk).update(state="queued", snapshot=snapshot)

    with pytest.raises(ValueError, match="version"):
        services.report_build(report_id=queued.pk)

    report = Report.objects.get(pk=queued.pk)
    assert report.state == "failed"
    assert "neue Ortsanalyse erstellen" in report.error


def test_reports_stuck_past_the_hard_limit_are_requeued_or_failed(
    deployment, staff, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    queued_ids = []
    monkeypatch.setattr(
        build_report, "apply_async", lambda args, **options: queued_ids.extend(args)
    )
    now = timezone.now()
    long_ago = now - dt.timedelta(seconds=services.TIME_LIMIT + 60)
    reports = {
        name: services.report_create(deployment=deployment, language="de", by=staff)
        for name in ("stuck", "hopeless", "busy")
    }
    Report.objects.filter(pk=reports["stuck"].pk).update(
        state="running", started_at=long_ago, attempts=1
    )
    Report.objects.filter(pk=reports["hopeless"].pk).update(
        state="running", started_at=long_ago, attempts=services.MAX_ATTEMPTS
    )
    Report.objects.filter(pk=reports["busy"].pk).update(
        state="running", started_at=now - dt.timedelta(minutes=2), attempts=1
    )

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.reports_requeue_stuck(now=now)

    assert counts == {"resent": 0, "requeued": 1, "failed": 1}
    assert queued_ids == [reports["stuck"].pk]
    states = dict(Report.objects.values_list("pk", "state"))
    assert states[reports["stuck"].pk] == "queued"
    assert states[reports["hopeless"].pk] == "failed"
    assert states[reports["busy"].pk] == "running"
    assert "Versuchen" in Report.objects.get(pk=reports["hopeless"].pk).error


def test_the_requester_gets_an_e_mail_when_the_report_is_done(queued, renderer, mailoutbox) -> None:
    report = services.report_build(report_id=queued.pk)

    assert services.report_notify(report=report) is True

    [mail] = mailoutbox
    assert mail.to == ["lena@example.org"]
    assert mail.subject == "Ortsanalyse fertig: Kiezlabor am Boxi"
    assert "12 Seiten" in mail.body
    assert "/portal/" in mail.body


def test_no_e_mail_without_an_address_or_before_the_report_is_done(
    queued, staff, renderer, mailoutbox
) -> None:
    assert services.report_notify(report=queued) is False  # still queued
    staff.email = ""
    staff.save()
    report = services.report_build(report_id=queued.pk)

    assert services.report_notify(report=report) is False
    assert mailoutbox == []


def test_deleting_a_report_deletes_its_file_after_commit(
    queued, staff, renderer, media, django_capture_on_commit_callbacks
) -> None:
    report = services.report_build(report_id=queued.pk)
    assert pdf_files(media)

    with django_capture_on_commit_callbacks(execute=True):
        services.report_delete(report=report, by=staff)

    assert pdf_files(media) == []
    assert not Report.objects.filter(pk=queued.pk).exists()


def test_the_rebuilt_pdf_reads_the_same_and_a_new_report_counts_the_new_inputs(
    queued, deployment, staff, django_capture_on_commit_callbacks
) -> None:
    """Acceptance 4, on the real PDF: what people read does not drift."""
    services.report_build(report_id=queued.pk)
    first = Report.objects.get(pk=queued.pk)
    first_text = pdf_text(first.file.read())
    first.file.close()
    inputs = first.snapshot["figures"]["inputs"]
    add_inputs(deployment, 7)

    with django_capture_on_commit_callbacks(execute=False):
        services.report_rebuild(report=queued, by=staff)
    services.report_build(report_id=queued.pk)
    fresh = services.report_create(deployment=deployment, language="de", by=staff)
    services.report_build(report_id=fresh.pk)

    rebuilt, new = Report.objects.get(pk=queued.pk), Report.objects.get(pk=fresh.pk)
    with rebuilt.file.open("rb") as rebuilt_file, new.file.open("rb") as new_file:
        rebuilt_text, new_text = pdf_text(rebuilt_file.read()), pdf_text(new_file.read())
    assert rebuilt_text == first_text
    assert new.snapshot["figures"]["inputs"] == inputs + 7
    assert f"{inputs + 7} Beiträge" in new_text
    assert f"{inputs + 7} Beiträge" not in rebuilt_text
