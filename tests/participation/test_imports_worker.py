"""An import through Redis and a real Celery worker process, queued after the upload commits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from participation.models import Contribution, ImportJob, ImportProfile, JobState
from participation.services.imports import import_job_confirm, import_job_create
from tests.factories import DeploymentFactory, MembershipFactory, ThemeFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

FILE = Path(__file__).parent / "files" / "imports" / "paper_cp1252_semicolon.csv"


def wait_for(job: ImportJob, states: set[str], timeout: float = 60) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in states:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job stayed {job.state} (progress {job.progress} %)")


def test_a_real_worker_previews_and_imports_after_commit(celery_worker_process) -> None:
    deployment = DeploymentFactory()
    user = MembershipFactory(
        organisation=deployment.organisation, user=UserFactory(username="jana")
    ).user
    for name in ("Grünflächen", "Verkehr"):
        ThemeFactory(organisation=deployment.organisation, name=name)
    profile = ImportProfile.objects.create(
        organisation=deployment.organisation,
        name="Papierbögen",
        target=ImportProfile.Target.PAPER_FORMS,
        mapping={
            "text": "Ihre Idee / Ihre Rückmeldung",
            "kind": "Art",
            "theme": "Thema",
            "rating": "Bewertung (1–5)",
        },
    )
    job = import_job_create(
        deployment=deployment,
        profile=profile,
        uploaded_file=SimpleUploadedFile(FILE.name, FILE.read_bytes()),
        by=user,
    )
    try:
        job = wait_for(job, {JobState.PREVIEWED, JobState.FAILED})
        assert (job.state, job.rows_new) == (JobState.PREVIEWED, 5), job.error

        import_job_confirm(job=job, by=user)
        job = wait_for(job, {JobState.DONE, JobState.FAILED})
        assert job.state == JobState.DONE, job.error
        assert Contribution.objects.filter(import_job=job).count() == 5
    finally:
        job.file.delete(save=False)
