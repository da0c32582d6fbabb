"""Exports: what staff get in CSV, XLSX and GeoJSON, who may download them, and at what cost."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deployments.models import AuditEntry, Membership
from participation.models import Code, Contribution, ExportJob, JobState
from participation.services import exports as export_services
from participation.tasks.exports import MAX_RETRIES, export_build
from tests.factories import (
    BOXHAGENER_PLATZ,
    ContributionFactory,
    DeploymentFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UMLAUTS = "Größere Bäume für die Straße – „Öko-Kiez“ statt Übermüdung"
# 22 November 2026, 14:04 UTC is 15:04 in Berlin (winter time).
RECEIVED = dt.datetime(2026, 11, 22, 14, 4, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": None},
        },
    }


@pytest.fixture
def lab():
    organisation = OrganisationFactory(name="Kiezlabor Berlin")
    deployment = DeploymentFactory(organisation=organisation, slug="boxi")
    staff = MembershipFactory(organisation=organisation, user=UserFactory(username="tea")).user
    moderator = MembershipFactory(
        organisation=organisation,
        user=UserFactory(username="mo"),
        role=Membership.Role.MODERATOR,
    ).user
    return {"deployment": deployment, "staff": staff, "moderator": moderator}


def approved(**kwargs) -> Contribution:
    contribution = ContributionFactory(**kwargs)
    set_status(contribution, "approved")
    return contribution


def set_status(contribution: Contribution, status: str, reason: str = "") -> None:
    Contribution.objects.filter(pk=contribution.pk).update(
        moderation_status=status, rejection_reason=reason
    )


def export(deployment, user, format: str) -> ExportJob:
    job = export_services.export_job_create(deployment=deployment, format=format, by=user)
    export_services.export_write(job=job)
    job.refresh_from_db()
    assert job.state == JobState.DONE
    return job


def read_csv(job: ExportJob, **options) -> pd.DataFrame:
    return pd.read_csv(job.file.path, sep=";", encoding="utf-8-sig", **options)


def content_of(job: ExportJob) -> bytes:
    with job.file.open("rb") as file:
        return file.read()


def streamed(response) -> bytes:
    content = b"".join(response.streaming_content)
    response.close()
    return content


def all_text(job: ExportJob) -> str:
    """Everything readable in the file, whatever its format."""
    if job.format != "xlsx":
        return content_of(job).decode("utf-8-sig")
    workbook = openpyxl.load_workbook(job.file.path)
    return "\n".join(
        str(value)
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def texts_of(job: ExportJob) -> set[str]:
    return set(read_csv(job)["Text"].dropna())


@pytest.fixture
def pinned_idea(lab):
    deployment = lab["deployment"]
    theme = ThemeFactory(organisation=deployment.organisation, name="Grünflächen")
    event = EventFactory(deployment=deployment, title="Werkstatt „Grün im Kiez“")
    idea = approved(
        deployment=deployment,
        text=UMLAUTS,
        theme=theme,
        event=event,
        location=Point(BOXHAGENER_PLATZ.x, BOXHAGENER_PLATZ.y, srid=4326),
        received_at=RECEIVED,
        age_band="65_plus",
    )
    mobility = Code.objects.create(organisation=deployment.organisation, name="Mobilität")
    cycling = Code.objects.create(
        organisation=deployment.organisation, parent=mobility, name="Radverkehr"
    )
    green = Code.objects.create(organisation=deployment.organisation, name="Stadtgrün")
    idea.codes.set([cycling, green])
    return idea


# --- Formats ----------------------------------------------------------------------------------


@pytest.mark.smoke
def test_csv_reads_back_in_pandas_with_umlauts_and_coordinates(lab, pinned_idea) -> None:
    approved(deployment=lab["deployment"], text="Ohne Ort auf der Karte.", received_at=RECEIVED)

    job = export(lab["deployment"], lab["staff"], "csv")

    raw = content_of(job)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    assert b"\r\n" in raw
    frame = read_csv(job)
    assert job.row_count == len(frame) == 2
    row = frame[frame["Nr."] == pinned_idea.pk].iloc[0]
    assert row["Text"] == UMLAUTS
    assert row["Thema"] == "Grünflächen"
    assert row["Veranstaltung"] == "Werkstatt „Grün im Kiez“"
    assert row["Eingegangen"] == "22.11.2026 15:04"
    assert row["Art"] == "Idee oder Anliegen"
    assert row["Moderation"] == "freigegeben"
    assert row["Sprache"] == "Deutsch"
    assert set(row["Codes"].split(" | ")) == {"Mobilität › Radverkehr", "Stadtgrün"}
    # Decimal comma, so that German Excel reads the coordinates as numbers.
    assert row["Breitengrad"] == "52,510500"
    assert row["Längengrad"] == "13,459400"
    unpinned = frame[frame["Text"] == "Ohne Ort auf der Karte."].iloc[0]
    assert pd.isna(unpinned["Breitengrad"])
    assert pd.isna(unpinned["Längengrad"])

    numbers = read_csv(job, decimal=",")
    assert numbers["Breitengrad"].max() == pytest.approx(BOXHAGENER_PLATZ.y)
    assert numbers["Längengrad"].max() == pytest.approx(BOXHAGENER_PLATZ.x)


@pytest.mark.smoke
def test_xlsx_opens_with_the_rows_as_numbers_and_dates(lab, pinned_idea) -> None:
    for index in range(3):
        approved(deployment=lab["deployment"], text=f"Idee {index}", received_at=RECEIVED)

    job = export(lab["deployment"], lab["staff"], "xlsx")

    workbook = openpyxl.load_workbook(job.file.path)
    sheet = workbook["Beiträge"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == job.row_count == 4
    columns = dict(zip(header, rows[0], strict=True))
    assert columns["Text"] == UMLAUTS
    assert columns["Eingegangen"] == dt.datetime(2026, 11, 22, 15, 4)  # noqa: DTZ001 (Excel has no time zones)
    assert columns["Breitengrad"] == pytest.approx(BOXHAGENER_PLATZ.y)
    assert columns["Längengrad"] == pytest.approx(BOXHAGENER_PLATZ.x)


@pytest.mark.smoke
def test_geojson_holds_only_pinned_contributions(lab, pinned_idea) -> None:
    approved(deployment=lab["deployment"], text="Ohne Ort auf der Karte.")

    job = export(lab["deployment"], lab["staff"], "geojson")

    with job.file.open("rb") as file:
        collection = json.load(file)
    assert collection["type"] == "FeatureCollection"
    assert job.row_count == len(collection["features"]) == 1
    (feature,) = collection["features"]
    assert feature["id"] == pinned_idea.pk
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [BOXHAGENER_PLATZ.x, BOXHAGENER_PLATZ.y],
    }
    assert feature["properties"]["Text"] == UMLAUTS
    assert feature["properties"]["Eingegangen"] == "2026-11-22T15:04:00+01:00"
    assert "Breitengrad" not in feature["properties"]


@pytest.mark.smoke
def test_an_empty_export_has_headers_only(lab) -> None:
    job = export(lab["deployment"], lab["staff"], "csv")

    assert job.row_count == 0
    assert list(read_csv(job).columns)[:3] == ["Nr.", "Eingegangen", "Art"]


@pytest.mark.smoke
def test_formulas_are_neutralised_in_csv_and_xlsx(lab) -> None:
    formulas = ['=HYPERLINK("https://example.org")', "+49 30 1234", "-1+1", "@SUMME(A1)"]
    for text in formulas:
        approved(deployment=lab["deployment"], text=text)
    approved(deployment=lab["deployment"], text="Eine ganz normale Idee.")

    csv_texts = texts_of(export(lab["deployment"], lab["staff"], "csv"))
    workbook = openpyxl.load_workbook(export(lab["deployment"], lab["staff"], "xlsx").file.path)
    header, *rows = list(workbook["Beiträge"].iter_rows())
    text_column = [cell.value for cell in header].index("Text")
    xlsx_cells = [row[text_column] for row in rows]

    expected = {"'" + text for text in formulas} | {"Eine ganz normale Idee."}
    assert csv_texts == expected
    assert {cell.value for cell in xlsx_cells} == expected
    assert all(cell.data_type == "s" for cell in xlsx_cells)


@pytest.mark.smoke
def test_duplicates_count_at_the_original_and_point_to_it(lab) -> None:
    original = approved(deployment=lab["deployment"], text="Mehr Bänke am Platz.")
    for _index in range(2):
        duplicate = ContributionFactory(deployment=lab["deployment"], text="Bänke bitte!")
        Contribution.objects.filter(pk=duplicate.pk).update(
            moderation_status="rejected", rejection_reason="duplicate", duplicate_of=original
        )

    for_staff = read_csv(export(lab["deployment"], lab["staff"], "csv"))
    for_moderator = read_csv(export(lab["deployment"], lab["moderator"], "csv"))

    assert list(for_staff["Nennungen"]) == [3]
    assert len(for_moderator) == 3
    duplicates = for_moderator[for_moderator["Doppelt zu"].notna()]
    assert list(duplicates["Doppelt zu"].astype(int)) == [original.pk, original.pk]
    assert duplicates["Nennungen"].isna().all()
    assert for_moderator["Nennungen"].sum() == 3


# --- Who sees what ----------------------------------------------------------------------------


@pytest.fixture
def moderated(lab):
    deployment = lab["deployment"]
    approved(deployment=deployment, text="Freigegeben")
    set_status(ContributionFactory(deployment=deployment, text="Abgelehnt"), "rejected", "insult")
    set_status(ContributionFactory(deployment=deployment, text="Ausgeblendet"), "hidden")
    ContributionFactory(deployment=deployment, text="Neu")
    return deployment


@pytest.mark.smoke
@pytest.mark.parametrize("format", ["csv", "xlsx", "geojson"])
def test_staff_without_moderation_rights_export_approved_contributions_only(
    lab, moderated, format
) -> None:
    Contribution.objects.update(location=Point(13.46, 52.51, srid=4326))

    job = export(moderated, lab["staff"], format)

    assert job.include_unapproved is False
    assert job.row_count == 1
    text = all_text(job)
    assert "Freigegeben" in text
    for hidden in ("Abgelehnt", "Ausgeblendet", "Neu"):
        assert hidden not in text


@pytest.mark.smoke
def test_moderators_export_every_contribution_with_its_moderation_status(lab, moderated) -> None:
    job = export(moderated, lab["moderator"], "csv")

    frame = read_csv(job)
    assert job.include_unapproved is True
    assert dict(zip(frame["Text"], frame["Moderation"], strict=True)) == {
        "Freigegeben": "freigegeben",
        "Abgelehnt": "abgelehnt",
        "Ausgeblendet": "ausgeblendet",
        "Neu": "neu",
    }


def _person_sheet(job: ExportJob) -> dict[str, object]:
    sheet = openpyxl.load_workbook(job.file.path)["Angaben zur Person"]
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}


@pytest.mark.smoke
def test_staff_get_people_s_answers_only_aggregated_in_groups_of_five(lab) -> None:
    deployment = lab["deployment"]
    for _index in range(5):
        approved(deployment=deployment, age_band="27_44", relation="lives_here")
    for _index in range(3):
        approved(deployment=deployment, age_band="65_plus", relation="newcomer")
    for _index in range(6):  # rejected: counted nowhere in the staff's export
        set_status(ContributionFactory(deployment=deployment, age_band="15_17"), "rejected", "spam")

    csv_job = export(deployment, lab["staff"], "csv")
    xlsx_job = export(deployment, lab["staff"], "xlsx")

    assert csv_job.include_demographics is False
    assert "Altersgruppe" not in read_csv(csv_job).columns
    header = next(
        openpyxl.load_workbook(xlsx_job.file.path)["Beiträge"].iter_rows(values_only=True)
    )
    assert "Altersgruppe" not in header
    groups = _person_sheet(xlsx_job)
    assert groups["27 bis 44 Jahre"] == 5
    assert groups["65 Jahre und älter"] == "< 5"
    assert groups["15 bis 17 Jahre"] == "< 5"
    assert groups["wohnt hier"] == 5
    assert groups["vor weniger als zwei Jahren hergezogen"] == "< 5"


@pytest.mark.smoke
def test_moderators_get_people_s_answers_per_row(lab) -> None:
    approved(
        deployment=lab["deployment"],
        text="Mit Angaben",
        age_band="65_plus",
        relation="lives_here",
        heard_via="poster",
        demographics_estimated=True,
    )

    csv_job = export(lab["deployment"], lab["moderator"], "csv")
    xlsx_job = export(lab["deployment"], lab["moderator"], "xlsx")

    row = read_csv(csv_job).iloc[0]
    assert csv_job.include_demographics is True
    assert row["Altersgruppe"] == "65 Jahre und älter"
    assert row["Bezug zum Kiez"] == "wohnt hier"
    assert row["Vom Labor erfahren durch"] == "Plakat oder Handzettel"
    assert row["Angaben geschätzt"] == "ja"
    assert openpyxl.load_workbook(xlsx_job.file.path).sheetnames == ["Beiträge"]


@pytest.mark.smoke
def test_starting_an_export_is_audited(lab) -> None:
    job = export_services.export_job_create(
        deployment=lab["deployment"], format="csv", by=lab["moderator"]
    )

    entry = AuditEntry.objects.get(action="export.create")
    assert entry.actor == lab["moderator"]
    assert entry.target_id == str(job.pk)
    assert entry.data["include_demographics"] is True


@pytest.mark.smoke
def test_xlsx_beyond_the_sheet_limit_is_refused_with_a_hint_to_csv(lab, monkeypatch) -> None:
    monkeypatch.setattr(export_services, "XLSX_MAX_ROWS", 2)
    for _index in range(3):
        approved(deployment=lab["deployment"])

    with pytest.raises(ValidationError, match="CSV für Excel"):
        export_services.export_job_create(
            deployment=lab["deployment"], format="xlsx", by=lab["staff"]
        )
    assert not ExportJob.objects.exists()


# --- Cost -------------------------------------------------------------------------------------


def _fill(deployment, rows: int) -> None:
    """Rows with everything an export joins: theme, event, codes, pins, duplicates."""
    theme = ThemeFactory(organisation=deployment.organisation, name="Verkehr")
    event = EventFactory(deployment=deployment)
    start = Contribution.objects.count()
    created = Contribution.objects.bulk_create(
        Contribution(
            deployment=deployment,
            kind="idea",
            channel="kiosk",
            text=f"Idee Nummer {start + index} für den Kiez",
            theme=theme,
            event=event,
            location=Point(13.45 + index / 10_000, 52.51, srid=4326) if index % 2 else None,
            moderation_status="approved",
            age_band="27_44",
        )
        for index in range(rows)
    )
    code, _created = Code.objects.get_or_create(organisation=deployment.organisation, name="Lärm")
    Contribution.codes.through.objects.bulk_create(
        Contribution.codes.through(contribution_id=contribution.pk, code_id=code.pk)
        for contribution in created
    )
    Contribution.objects.filter(pk=created[-1].pk).update(duplicate_of=created[0])


@pytest.mark.smoke
@pytest.mark.parametrize("format", ["csv", "xlsx", "geojson"])
@pytest.mark.parametrize("user", ["staff", "moderator"])
def test_export_queries_do_not_grow_with_rows(lab, format, user, django_assert_num_queries) -> None:
    deployment = lab["deployment"]

    def write() -> ExportJob:
        job = export_services.export_job_create(deployment=deployment, format=format, by=lab[user])
        job = ExportJob.objects.select_related("deployment").get(pk=job.pk)
        export_services.export_write(job=job)
        return job

    _fill(deployment, 10)
    write()  # fills the caches of a process (content types, the user's roles)
    with CaptureQueriesContext(connection) as few:
        job = write()
    assert job.row_count == (5 if format == "geojson" else 10)

    _fill(deployment, 990)
    with django_assert_num_queries(len(few.captured_queries)):
        job = write()
    assert job.row_count == (500 if format == "geojson" else 1000)


# --- The task ---------------------------------------------------------------------------------


@pytest.mark.smoke
def test_the_task_is_safe_to_run_twice(lab, tmp_path) -> None:
    approved(deployment=lab["deployment"], text="Erste Idee")
    job = export_services.export_job_create(
        deployment=lab["deployment"], format="csv", by=lab["staff"]
    )

    export_build(job.pk)
    job.refresh_from_db()
    first_name = job.file.name
    assert job.state == JobState.DONE

    # Delivered again while marked running (its worker died): written anew, same file.
    approved(deployment=lab["deployment"], text="Zweite Idee")
    ExportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING)
    export_build(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert job.file.name == first_name
    assert job.row_count == 2
    assert [path.name for path in (tmp_path / "media" / first_name).parent.iterdir()] == [
        first_name.rsplit("/", 1)[-1]
    ]

    # Delivered again when done: nothing happens.
    approved(deployment=lab["deployment"], text="Dritte Idee")
    export_build(job.pk)
    job.refresh_from_db()
    assert job.row_count == 2
    assert texts_of(job) == {"Erste Idee", "Zweite Idee"}


@pytest.mark.smoke
def test_a_rerun_after_a_crash_replaces_the_half_written_file(lab) -> None:
    approved(deployment=lab["deployment"], text="Einzige Idee")
    job = export_services.export_job_create(
        deployment=lab["deployment"], format="csv", by=lab["staff"]
    )
    # The first run died after writing the file but before recording it in the job's row.
    name = job.file.field.generate_filename(job, f"export-boxi-{job.pk}.csv")
    job.file.storage.save(name, ContentFile(b"halb geschrieben"))
    ExportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING)

    export_build(job.pk)

    job.refresh_from_db()
    assert job.file.name == name
    assert texts_of(job) == {"Einzige Idee"}
    assert len(list(Path(job.file.path).parent.iterdir())) == 1


@pytest.mark.smoke
def test_the_task_records_a_failure_for_staff(lab, monkeypatch) -> None:
    job = export_services.export_job_create(
        deployment=lab["deployment"], format="csv", by=lab["staff"]
    )

    def broken(**kwargs):
        raise RuntimeError("kaputt")

    monkeypatch.setattr(export_services, "export_write", broken)
    with pytest.raises(RuntimeError):
        export_build(job.pk)

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "fehlgeschlagen" in job.error


@pytest.mark.smoke
def test_lost_database_connections_are_retried_a_few_times(lab, monkeypatch) -> None:
    job = export_services.export_job_create(
        deployment=lab["deployment"], format="csv", by=lab["staff"]
    )
    attempts = []

    def unreachable(**kwargs):
        attempts.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(export_services, "export_write", unreachable)
    result = export_build.apply(args=[job.pk])

    assert len(attempts) == 1 + MAX_RETRIES
    assert result.failed()
    job.refresh_from_db()
    assert job.state == JobState.FAILED


@pytest.mark.smoke
def test_the_task_ignores_a_deleted_job() -> None:
    export_build(999_999)


# --- Admin ------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_admin_starts_an_export_after_commit_and_shows_its_progress(
    client: Client, lab, django_capture_on_commit_callbacks
) -> None:
    client.force_login(lab["staff"])
    url = reverse("admin:participation_exportjob_create", args=[lab["deployment"].pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "nur freigegebene Beiträge" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, {"deployment": lab["deployment"].pk, "format": "xlsx"})

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:participation_exportjob_change", args=[job.pk])
    assert len(callbacks) == 1  # export_build queued once the job row is committed
    assert (job.format, job.created_by, job.state) == ("xlsx", lab["staff"], JobState.QUEUED)
    job_page = client.get(response.url).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in job_page
    assert "<script>" not in job_page  # the page refreshes itself without inline scripts


@pytest.mark.smoke
def test_admin_add_page_lets_staff_choose_among_their_deployments(client: Client, lab) -> None:
    foreign = DeploymentFactory(title="Einsatz einer anderen Organisation")
    client.force_login(lab["staff"])

    page = client.get(reverse("admin:participation_exportjob_add")).content.decode()

    assert str(lab["deployment"]) in page
    assert foreign.title not in page


@pytest.mark.smoke
def test_admin_download_serves_the_file_as_attachment(client: Client, lab, pinned_idea) -> None:
    job = export(lab["deployment"], lab["staff"], "csv")
    client.force_login(lab["staff"])

    job_page = client.get(reverse("admin:participation_exportjob_change", args=[job.pk]))
    response = client.get(reverse("admin:participation_exportjob_download", args=[job.pk]))

    assert "http-equiv" not in job_page.content.decode()
    assert reverse("admin:participation_exportjob_download", args=[job.pk]) in (
        job_page.content.decode()
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="export-boxi-{job.pk}.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert UMLAUTS.encode() in streamed(response)
    assert "/media/" not in job_page.content.decode()


@pytest.mark.smoke
def test_admin_download_of_another_organisation_is_not_found(client: Client, lab) -> None:
    job = export(lab["deployment"], lab["staff"], "csv")
    stranger = MembershipFactory(user=UserFactory(username="fremd")).user
    client.force_login(stranger)

    assert (
        client.get(reverse("admin:participation_exportjob_download", args=[job.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("admin:participation_exportjob_changelist"))
        .content.decode()
        .count("export-boxi")
        == 0
    )


@pytest.mark.smoke
def test_staff_may_not_download_a_moderator_s_export(client: Client, lab, moderated) -> None:
    job = export(moderated, lab["moderator"], "csv")
    client.force_login(lab["staff"])

    response = client.get(reverse("admin:participation_exportjob_download", args=[job.pk]))

    assert response.status_code == 403


# --- API --------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_api_creates_polls_and_downloads_an_export(
    client: Client, lab, pinned_idea, django_capture_on_commit_callbacks
) -> None:
    client.force_login(lab["staff"])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = client.post(
            reverse("export-list"),
            {"deployment": lab["deployment"].pk, "format": "geojson"},
            content_type="application/json",
        )
    assert created.status_code == 201, created.content
    assert len(callbacks) == 1
    job_id = created.json()["id"]
    assert created.json()["state"] == "queued"
    assert created.json()["download_url"] is None
    not_ready = client.get(reverse("export-download", args=[job_id]))
    assert not_ready.status_code == 409

    export_build(job_id)
    status = client.get(reverse("export-detail", args=[job_id])).json()
    assert status["state"] == "done"
    assert status["progress"] == 100
    assert status["row_count"] == 1
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/geo+json"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert json.loads(streamed(download))["type"] == "FeatureCollection"


@pytest.mark.smoke
def test_api_hides_other_organisations_exports(client: Client, lab) -> None:
    job = export(lab["deployment"], lab["staff"], "csv")
    stranger = MembershipFactory(user=UserFactory(username="fremd")).user
    client.force_login(stranger)

    assert client.get(reverse("export-detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("export-download", args=[job.pk])).status_code == 404
    assert client.get(reverse("export-list")).json()["results"] == []
    refused = client.post(
        reverse("export-list"),
        {"deployment": lab["deployment"].pk, "format": "csv"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert ExportJob.objects.count() == 1


@pytest.mark.smoke
def test_api_refuses_staff_a_moderator_s_export(client: Client, lab, moderated) -> None:
    job = export(moderated, lab["moderator"], "csv")
    client.force_login(lab["staff"])

    assert client.get(reverse("export-download", args=[job.pk])).status_code == 403
