"""Idempotency wherever clients retry: kiosk submissions, imports, report builds.

Hypothesis plays random orders of replays; every example runs in a savepoint that is rolled
back, so examples do not see each other's rows.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reports.rendering
from participation.models import Contribution, ImportProfile, JobState
from participation.services.imports import (
    import_apply,
    import_job_confirm,
    import_job_create,
    import_preview,
)
from reports import services as report_services
from reports.models import Report
from tests.factories import DeploymentFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.participation.kiosk_factories import idea_body, paired_device, running_deployment
from tests.reports.jobs_support import FakeRenderer, lab_deployment

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextmanager
def rolled_back():
    """One Hypothesis example: everything it writes to the database is undone afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": None},
        },
    }


# --- Kiosk submissions ----------------------------------------------------------------------


@pytest.fixture
def tablet(settings):
    settings.KIEZLABOR_KIOSK_THROTTLE_RATES = {
        "kiosk_device": None,
        "kiosk_address": None,
        "kiosk_pairing": None,
    }
    deployment = running_deployment()
    _device, token = paired_device(deployment)
    return Client(HTTP_AUTHORIZATION=f"Device {token}")


SUBMISSIONS = 4
# A send: which of the tablet's inputs, and whether its content is the original (0) or another
# content under the same UUID (1) — a buggy or tampered client.
SENDS = st.lists(
    st.tuples(st.integers(0, SUBMISSIONS - 1), st.integers(0, 1)), min_size=1, max_size=14
)


@PROPERTY
@given(sends=SENDS)
def test_kiosk_replays_in_any_order_store_each_uuid_once(tablet, sends) -> None:
    uuids = [str(uuid.uuid4()) for _ in range(SUBMISSIONS)]
    bodies = {
        (index, variant): idea_body(
            client_uuid=uuids[index], text=f"Idee {index}: mehr Bänke, Fassung {variant}."
        )
        for index in range(SUBMISSIONS)
        for variant in (0, 1)
    }
    stored: dict[int, int] = {}
    with rolled_back():
        for index, variant in sends:
            response = tablet.post(
                "/api/kiosk/contributions/", bodies[index, variant], content_type="application/json"
            )
            if index not in stored:
                expected = 201
                stored[index] = variant
            else:
                expected = 200 if stored[index] == variant else 409
            assert response.status_code == expected, response.content
            if expected != 409:
                assert response.json()["client_uuid"] == uuids[index]

        rows = Contribution.objects.filter(client_uuid__in=uuids)
        assert rows.count() == len(stored) == len({index for index, _ in sends})
        for index, variant in stored.items():
            assert rows.get(client_uuid=uuids[index]).text == bodies[index, variant]["text"]


# --- Imports ----------------------------------------------------------------------------------


@pytest.fixture
def lab():
    organisation = OrganisationFactory(name="Kiezlabor Berlin")
    user = MembershipFactory(organisation=organisation, user=UserFactory(username="jana")).user
    deployment = DeploymentFactory(organisation=organisation, title="Boxhagener Platz")
    profile = ImportProfile.objects.create(
        organisation=organisation,
        name="Papierbögen",
        target=ImportProfile.Target.PAPER_FORMS,
        mapping={"date": "Datum", "kind": "Art", "text": "Ihre Idee / Ihre Rückmeldung"},
        value_maps={},
    )
    return {"user": user, "deployment": deployment, "profile": profile}


POOL = [f"Paperbogen {number}: ein Trinkbrunnen am Platz wäre schön." for number in range(6)]
FILES = st.lists(
    st.lists(st.sampled_from(range(len(POOL))), min_size=1, max_size=4, unique=True),
    min_size=1,
    max_size=3,
)


def paper_file(rows: list[int]) -> bytes:
    header = ["Datum", "Art", "Ihre Idee / Ihre Rückmeldung"]
    lines = [";".join(header), *(f"06.05.2026;Idee;{POOL[row]}" for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def import_file(lab, name: str, content: bytes):
    job = import_job_create(
        deployment=lab["deployment"],
        profile=lab["profile"],
        uploaded_file=SimpleUploadedFile(name, content),
        by=lab["user"],
    )
    job = import_preview(job=job)
    assert job.state == JobState.PREVIEWED, (job.error, job.row_errors)
    return import_apply(job=import_job_confirm(job=job, by=lab["user"]))


@settings(PROPERTY, max_examples=12)
@given(files=FILES, data=st.data())
def test_importing_files_again_in_any_order_adds_only_new_rows(lab, files, data) -> None:
    order = data.draw(
        st.lists(st.sampled_from(range(len(files))), min_size=1, max_size=5), label="order"
    )
    with rolled_back():
        imported: set[int] = set()
        for position, index in enumerate(order):
            job = import_file(lab, f"boegen-{position}.csv", paper_file(files[index]))
            assert job.state == JobState.DONE, job.error
            assert job.rows_new == len(set(files[index]) - imported)
            imported |= set(files[index])

        texts = list(
            Contribution.objects.filter(deployment=lab["deployment"]).values_list("text", flat=True)
        )
        assert sorted(texts) == sorted(POOL[row] for row in imported)


# --- Report builds ----------------------------------------------------------------------------


@pytest.fixture
def renderer(monkeypatch) -> FakeRenderer:
    fake = FakeRenderer()
    monkeypatch.setattr(reports.rendering, "render_report", fake)
    return fake


@pytest.fixture
def held_deployment():
    return lab_deployment()


def report_files(report: Report) -> list[str]:
    if not default_storage.exists("reports"):
        return []
    _folders, files = default_storage.listdir("reports")
    return sorted(name for name in files if name.startswith(f"ortsanalyse-{report.pk}."))


# Builds of two reports in a random order; a report may start as if its first worker died
# mid-build (left "running"), which the next build takes over.
BUILDS = st.lists(st.integers(0, 1), min_size=1, max_size=6)


@settings(PROPERTY, max_examples=10)
@given(builds=BUILDS, interrupted=st.tuples(st.booleans(), st.booleans()))
def test_report_builds_replayed_in_any_order_end_done_with_one_file(
    held_deployment, renderer, builds, interrupted
) -> None:
    with rolled_back():
        reports = [
            report_services.report_create(deployment=held_deployment, language="de", by=None)
            for _ in range(2)
        ]
        for report, was_interrupted in zip(reports, interrupted, strict=True):
            if was_interrupted:
                Report.objects.filter(pk=report.pk).update(state="running", attempts=1)
        calls_before = len(renderer.calls)

        built = [
            report_services.report_build(report_id=reports[index].pk) is not None
            for index in builds
        ]

        for index, report in enumerate(reports):
            report.refresh_from_db()
            if index in builds:
                assert report.state == Report.State.DONE, report.error
                assert report_files(report) == [f"ortsanalyse-{report.pk}.pdf"]
                assert report.file.name == f"reports/ortsanalyse-{report.pk}.pdf"
                # The first build of the report made the file; every replay left it alone.
                replays = [built[i] for i, b in enumerate(builds) if b == index]
                assert replays == [True] + [False] * (len(replays) - 1)
            else:
                assert report.state != Report.State.DONE
                assert report_files(report) == []
        assert len(renderer.calls) - calls_before == len(set(builds))
        for report in reports:
            for name in report_files(report):
                default_storage.delete(f"reports/{name}")
