"""``manage.py build_report``: a site analysis built here and now, without a worker."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command

from deployments.demo import ORGANISATION
from reports import demo
from reports.models import Report
from tests.factories import OrganisationFactory
from tests.reports.jobs_support import fold, lab_deployment, pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": None},
        },
    }


def test_build_report_writes_the_pdf_to_out_and_prints_path_pages_and_seconds(
    tmp_path, capsys
) -> None:
    deployment = lab_deployment()
    out = tmp_path / "x.pdf"

    call_command("build_report", str(deployment.pk), "--out", str(out))

    printed = capsys.readouterr().out
    report = Report.objects.get(deployment=deployment)
    assert report.state == "done"
    assert str(out) in printed
    assert f"Seiten: {report.page_count}" in printed
    assert re.search(r"Dauer: \d+,\d Sekunden", printed)
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    with report.file.open("rb") as stored:
        assert stored.read() == data
    assert "Boxhagener Platz" in pdf_text(data)


def test_build_report_in_english(tmp_path, capsys) -> None:
    deployment = lab_deployment()

    call_command("build_report", str(deployment.pk), "--lang", "en")

    report = Report.objects.get(deployment=deployment)
    assert (report.language, report.state) == ("en", "done")
    assert report.file.path in fold(capsys.readouterr().out)


def test_build_report_names_a_missing_deployment() -> None:
    with pytest.raises(CommandError, match="Einsatz 999 gibt es nicht"):
        call_command("build_report", "999")


def test_build_report_names_a_missing_folder(tmp_path) -> None:
    deployment = lab_deployment()
    with pytest.raises(CommandError, match="Ordner"):
        call_command("build_report", str(deployment.pk), "--out", str(tmp_path / "no" / "x.pdf"))


def test_the_demo_shows_one_finished_report_and_seeding_again_adds_none() -> None:
    demo_lab = OrganisationFactory(name=ORGANISATION[0], slug=ORGANISATION[1])
    quiet = lab_deployment(title="Kiezlabor am Leopoldplatz", organisation=demo_lab)
    quiet.contributions.all().delete()
    busy = lab_deployment(
        organisation=demo_lab, area_district=quiet.site.areas.get(kind="district")
    )

    assert demo.seed() == {"reports": 1}
    assert demo.seed() == {"reports": 1}

    [report] = Report.objects.all()
    assert (report.deployment, report.state) == (busy, "done")
    assert report.recommendations
