"""Imports of real-world files: encodings, delimiters, Excel, broken rows, re-imports, counters.

The files under ``files/imports/`` are written by ``make_files.py`` as Excel, LibreOffice, a
light-barrier counter and meinBerlin write them.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from deployments.models import AuditEntry
from participation.models import (
    Channel,
    Contribution,
    ImportJob,
    ImportProfile,
    JobState,
    ModerationStatus,
    VisitorCount,
)
from participation.services.imports import (
    import_apply,
    import_job_confirm,
    import_job_create,
    import_preview,
)
from participation.tasks.imports import import_run
from tests.factories import (
    BERLIN,
    DeploymentFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    ThemeFactory,
    UserFactory,
    berlin_time,
)
from tests.participation.files.imports import make_files

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

FILES = Path(__file__).parent / "files" / "imports"
PAPER_FILES = [
    "paper_utf8_bom_semicolon.csv",
    "paper_utf8_comma.csv",
    "paper_cp1252_semicolon.csv",
]
PAPER_MAPPING = {
    "date": "Datum",
    "kind": "Art",
    "text": "Ihre Idee / Ihre Rückmeldung",
    "theme": "Thema",
    "age_band": "Alter",
    "relation": "Bezug zum Kiez",
    "event": "Veranstaltung",
    "rating": "Bewertung (1–5)",
}
PAPER_VALUE_MAPS = {
    "age_band": {"unter 18": "15_17", "keine Angabe": ""},
    "relation": {
        "Ich wohne hier": "lives_here",
        "Ich arbeite hier": "works_here",
    },
}


# --- Fixtures and helpers -----------------------------------------------------------------


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary folder, not the developer's var/media."""
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
    user = MembershipFactory(organisation=organisation, user=UserFactory(username="jana")).user
    deployment = DeploymentFactory(organisation=organisation, title="Boxhagener Platz")
    ThemeFactory(organisation=organisation, name="Grünflächen")
    ThemeFactory(organisation=organisation, name="Verkehr")
    EventFactory(
        deployment=deployment,
        title="Kiezwerkstatt",
        starts_at=berlin_time(dt.date(2026, 5, 6), 15),
        ends_at=berlin_time(dt.date(2026, 5, 6), 17),
    )
    return {"organisation": organisation, "user": user, "deployment": deployment}


def profile_for(lab, target=ImportProfile.Target.PAPER_FORMS, mapping=None, value_maps=None):
    return ImportProfile.objects.create(
        organisation=lab["organisation"],
        name=f"Vorlage {ImportProfile.objects.count() + 1}",
        target=target,
        mapping=PAPER_MAPPING if mapping is None else mapping,
        value_maps=PAPER_VALUE_MAPS if value_maps is None else value_maps,
    )


@pytest.fixture
def paper_profile(lab):
    return profile_for(lab)


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    if content is None:
        content = (FILES / name).read_bytes()
    return SimpleUploadedFile(name, content)


def create(lab, profile, name: str, content: bytes | None = None) -> ImportJob:
    return import_job_create(
        deployment=lab["deployment"],
        profile=profile,
        uploaded_file=upload(name, content),
        by=lab["user"],
    )


def preview(lab, profile, name: str, content: bytes | None = None) -> ImportJob:
    return import_preview(job=create(lab, profile, name, content))


def imported(lab, profile, name: str, content: bytes | None = None) -> ImportJob:
    job = preview(lab, profile, name, content)
    assert job.state == JobState.PREVIEWED, job.error
    job = import_job_confirm(job=job, by=lab["user"])
    return import_apply(job=job)


def csv_bytes(header, rows, *, delimiter=";", encoding="utf-8-sig") -> bytes:
    lines = [delimiter.join(header), *(delimiter.join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def paper_xlsx() -> bytes:
    """The paper forms as Excel keeps them: real dates and numbers in the cells."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Bögen"
    sheet.append(make_files.PAPER_HEADER)
    for row in make_files.PAPER_ROWS:
        cells: list[object] = list(row)
        if cells[0] == "06.05.2026 15:00":
            cells[0] = dt.datetime(2026, 5, 6, 15, 0)  # noqa: DTZ001 (Excel has no time zones)
        elif cells[0] == "06.05.2026":
            cells[0] = dt.datetime(2026, 5, 6)  # noqa: DTZ001
        cells[7] = int(cells[7]) if cells[7] else None
        sheet.append(cells)
    workbook.create_sheet("Notizen").append(["nicht importieren"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def contributions_by_text_start(deployment) -> dict[str, Contribution]:
    return {
        (contribution.text[:20] or f"rating {contribution.rating}"): contribution
        for contribution in Contribution.objects.filter(deployment=deployment).select_related(
            "theme", "event"
        )
    }


# --- Paper forms in every encoding and delimiter ------------------------------------------


@pytest.mark.parametrize("name", [*PAPER_FILES, "paper.xlsx"])
def test_paper_forms_import_with_their_umlauts_and_answers(lab, paper_profile, name) -> None:
    content = paper_xlsx() if name.endswith(".xlsx") else None

    job = imported(lab, paper_profile, name, content)

    assert job.state == JobState.DONE, job.error
    assert (job.rows_total, job.rows_new, job.rows_known) == (5, 5, 0)
    found = contributions_by_text_start(lab["deployment"])
    assert set(found) == {
        "Mehr Bänke am Boxhag",
        "Die Werkstatt war gr",
        "Die Kreuzung an der ",
        "Ein Trinkbrunnen für",
        "rating 4",
    }
    benches = found["Mehr Bänke am Boxhag"]
    assert benches.text == "Mehr Bänke am Boxhagener Platz, damit Ältere sich ausruhen können."
    assert benches.theme.name == "Grünflächen"
    assert (benches.kind, benches.age_band, benches.relation) == ("idea", "65_plus", "lives_here")
    assert benches.received_at == dt.datetime(2026, 5, 6, tzinfo=BERLIN)
    crossing = found["Die Kreuzung an der "]
    assert "„Straße der Pariser Kommune“" in crossing.text
    assert (crossing.age_band, crossing.theme.name) == ("15_17", "Verkehr")
    workshop = found["Die Werkstatt war gr"]
    assert workshop.text == "Die Werkstatt war großartig – bitte öfter!"
    assert (workshop.kind, workshop.rating, workshop.relation) == ("feedback", 5, "visiting")
    assert workshop.event.title == "Kiezwerkstatt"
    assert workshop.received_at == dt.datetime(2026, 5, 6, 15, tzinfo=BERLIN)
    rating_only = found["rating 4"]
    assert (rating_only.kind, rating_only.age_band, rating_only.relation) == (
        "feedback",
        "45_54",
        "works_here",
    )
    for contribution in found.values():
        assert contribution.channel == Channel.PAPER
        assert contribution.moderation_status == ModerationStatus.NEW
        assert contribution.import_job_id == job.pk
        assert contribution.recorded_by == lab["user"]


def test_personal_data_in_imported_text_is_masked_everywhere(lab, paper_profile) -> None:
    job = imported(lab, paper_profile, "paper_utf8_bom_semicolon.csv")

    fountain = Contribution.objects.get(text__startswith="Ein Trinkbrunnen")
    assert fountain.text_was_masked
    assert "anna.beispiel@example.org" not in fountain.text
    assert "[E-Mail entfernt]" in fountain.text
    assert fountain.theme.name == "Grünflächen"  # "grünflächen" on the form
    assert fountain.age_band == ""  # "keine Angabe", translated to empty by the profile
    job.refresh_from_db()
    assert "anna.beispiel" not in str(job.preview)


def test_excel_file_reads_only_the_first_sheet(lab, paper_profile) -> None:
    job = preview(lab, paper_profile, "paper.xlsx", paper_xlsx())

    assert job.state == JobState.PREVIEWED, job.error
    assert job.rows_total == 5
    assert job.preview[0]["values"]["date"] == "06.05.2026"
    assert job.preview[1]["values"]["date"] == "06.05.2026 15:00"


# --- Broken rows --------------------------------------------------------------------------


def test_broken_rows_are_named_with_row_and_column_and_nothing_is_imported(
    lab, paper_profile
) -> None:
    job = preview(lab, paper_profile, "paper_broken_row.csv")

    assert job.state == JobState.PREVIEWED
    assert [(error["row"], error["column"]) for error in job.row_errors] == [
        (4, "Alter"),
        (6, "Datum"),
    ]
    assert "„unter 12“" in job.row_errors[0]["message"]
    assert "„31.02.2026“ ist kein gültiges Datum" in job.row_errors[1]["message"]
    assert "2 Fehler in 2 Zeilen" in job.error
    with pytest.raises(ValidationError, match="Fehler"):
        import_job_confirm(job=job, by=lab["user"])

    ImportJob.objects.filter(pk=job.pk).update(dry_run=False)
    job.refresh_from_db()
    job = import_apply(job=job)

    assert job.state == JobState.FAILED
    assert "Es wurde nichts importiert" in job.error
    assert [(error["row"], error["column"]) for error in job.row_errors] == [
        (4, "Alter"),
        (6, "Datum"),
    ]
    assert not Contribution.objects.exists()


def test_a_row_error_never_quotes_personal_data(lab, paper_profile) -> None:
    rows = [["06.05.2026", "Idee", "Mehr Licht", "", "ruf an: 0176 12345678", "", "", ""]]

    job = preview(lab, paper_profile, "bogen.csv", csv_bytes(make_files.PAPER_HEADER, rows))

    assert job.row_errors[0]["column"] == "Alter"
    assert "12345678" not in job.row_errors[0]["message"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Bewertung (1–5)", "7", "ganze Zahl von 1 bis 5"),
        ("Thema", "Mond", "Das Thema „Mond“ gibt es nicht"),
        ("Veranstaltung", "Kiezfest", "Eine Veranstaltung „Kiezfest“ am 06.05.2026 gibt es"),
        ("Art", "Beschwerde", "keine gültige Angabe für „Art“"),
        ("Ihre Idee / Ihre Rückmeldung", "", "eine Idee braucht einen Text"),
        ("Ihre Idee / Ihre Rückmeldung", "x" * 1001, "1001 Zeichen lang"),
    ],
)
def test_each_kind_of_bad_cell_is_reported(lab, paper_profile, column, value, message) -> None:
    row = dict(zip(make_files.PAPER_HEADER, make_files.PAPER_ROWS[0], strict=True))
    row[column] = value

    job = preview(
        lab, paper_profile, "bogen.csv", csv_bytes(make_files.PAPER_HEADER, [list(row.values())])
    )

    assert len(job.row_errors) == 1
    assert job.row_errors[0]["row"] == 2
    assert job.row_errors[0]["column"] == column
    assert message in job.row_errors[0]["message"]


def test_a_series_event_is_found_by_title_and_date(lab, paper_profile) -> None:
    EventFactory(
        deployment=lab["deployment"],
        title="Kiezwerkstatt",
        starts_at=berlin_time(dt.date(2026, 5, 13), 15),
        ends_at=berlin_time(dt.date(2026, 5, 13), 17),
    )
    feedback = ["13.05.2026", "Rückmeldung", "Wieder toll!", "", "", "", "Kiezwerkstatt", "5"]
    undated = ["", "Rückmeldung", "Schön.", "", "", "", "Kiezwerkstatt", "4"]
    content = csv_bytes(make_files.PAPER_HEADER, [feedback, undated])

    job = preview(lab, paper_profile, "werkstatt.csv", content)

    assert job.row_errors == [
        {
            "row": 3,
            "column": "Veranstaltung",
            "message": "Es gibt mehrere Veranstaltungen „Kiezwerkstatt“. Bitte geben Sie in der "
            "Datei das Datum an, damit klar ist, welche gemeint ist.",
        }
    ]
    assert job.preview[0]["values"]["event"] == "Kiezwerkstatt"


# --- The same file twice ------------------------------------------------------------------


def test_the_same_file_twice_adds_nothing(lab, paper_profile) -> None:
    first = imported(lab, paper_profile, "paper_utf8_bom_semicolon.csv")

    second = preview(lab, paper_profile, "paper_utf8_bom_semicolon.csv")

    assert second.file_hash == first.file_hash
    assert (second.rows_total, second.rows_new, second.rows_known) == (5, 0, 5)
    assert all(row["known"] for row in second.preview)
    second = import_apply(job=import_job_confirm(job=second, by=lab["user"]))
    assert second.state == JobState.DONE
    assert second.rows_new == 0
    assert Contribution.objects.count() == 5


def test_the_same_forms_in_another_encoding_are_known_too(lab, paper_profile) -> None:
    imported(lab, paper_profile, "paper_utf8_bom_semicolon.csv")

    job = imported(lab, paper_profile, "paper_cp1252_semicolon.csv")

    assert (job.rows_new, job.rows_known) == (0, 5)
    assert Contribution.objects.count() == 5


def test_preview_counts_new_and_known_rows(lab, paper_profile) -> None:
    imported(lab, paper_profile, "paper_utf8_bom_semicolon.csv")
    extra = ["09.05.2026", "Idee", "Ein Bücherschrank vor dem Späti.", "", "", "", "", ""]
    content = csv_bytes(make_files.PAPER_HEADER, [*make_files.PAPER_ROWS[:2], extra])

    job = preview(lab, paper_profile, "nachtrag.csv", content)

    assert (job.rows_total, job.rows_new, job.rows_known) == (3, 1, 2)
    assert [row["known"] for row in job.preview] == [True, True, False]
    assert job.preview[2] == {
        "row": 4,
        "known": False,
        "values": {"kind": "Idee oder Anliegen", "text": extra[2], "date": "09.05.2026"},
    }
    assert Contribution.objects.count() == 5  # a preview writes nothing


def test_two_identical_forms_in_one_file_are_both_kept_and_known_on_reimport(
    lab, paper_profile
) -> None:
    card = ["09.05.2026", "Idee", "Mehr Grün!", "", "", "", "", ""]
    content = csv_bytes(make_files.PAPER_HEADER, [card, card])

    first = imported(lab, paper_profile, "karten.csv", content)
    again = imported(lab, paper_profile, "karten.csv", content)

    assert (first.rows_new, again.rows_new, again.rows_known) == (2, 0, 2)
    assert Contribution.objects.filter(text="Mehr Grün!").count() == 2


# --- Light-barrier counter ----------------------------------------------------------------


@pytest.fixture
def counter_profile(lab):
    return profile_for(
        lab,
        ImportProfile.Target.VISITOR_COUNTER,
        {"timestamp": "Zeitstempel", "in": "Eingang", "out": "Ausgang"},
        {},
    )


def test_counter_log_is_summed_into_hours(lab, counter_profile) -> None:
    job = imported(lab, counter_profile, "counter.csv")

    assert job.state == JobState.DONE, job.error
    assert job.rows_total == 36
    counts = VisitorCount.objects.filter(deployment=lab["deployment"]).order_by("hour_starts_at")
    assert [(count.hour_starts_at, count.count) for count in counts] == [
        (berlin_time(dt.date(2026, 5, 6), 10), 78),
        (berlin_time(dt.date(2026, 5, 6), 11), 90),
        (berlin_time(dt.date(2026, 5, 6), 12), 102),
    ]
    assert {(count.source, count.age_band, count.import_job_id) for count in counts} == {
        (VisitorCount.Source.COUNTER, "", job.pk)
    }


def test_counter_log_twice_adds_nothing_and_an_overlap_with_other_numbers_is_an_error(
    lab, counter_profile
) -> None:
    imported(lab, counter_profile, "counter.csv")

    again = imported(lab, counter_profile, "counter.csv")
    assert (again.rows_new, again.rows_known) == (0, 3)

    overlap = csv_bytes(
        make_files.COUNTER_HEADER,
        [["06.05.2026 12:55", "5", "5"], ["2026-05-06T13:00:00", "4", "1"]],
    )
    job = preview(lab, counter_profile, "zaehler_2.csv", overlap)
    assert job.row_errors[0]["row"] == 2
    assert job.row_errors[0]["column"] == "Zeitstempel"
    assert "102 Personen; diese Datei ergibt 5" in job.row_errors[0]["message"]
    assert VisitorCount.objects.count() == 3


def test_counter_rows_need_a_time_and_whole_numbers(lab, counter_profile) -> None:
    rows = [["06.05.2026", "3", "1"], ["06.05.2026 10:05", "drei", "1"], ["", "", ""]]

    job = preview(lab, counter_profile, "zaehler.csv", csv_bytes(make_files.COUNTER_HEADER, rows))

    assert [(error["row"], error["column"]) for error in job.row_errors] == [
        (2, "Zeitstempel"),
        (3, "Eingang"),
    ]
    assert job.rows_total == 2  # the empty line is not a row


# --- Other platforms ----------------------------------------------------------------------


def test_meinberlin_export_becomes_online_ideas_with_place_and_date(lab) -> None:
    profile = profile_for(
        lab,
        ImportProfile.Target.PLATFORM_EXPORT,
        {
            "title": "Titel",
            "text": "Beschreibung",
            "theme": "Kategorie",
            "date": "Erstellt",
            "latitude": "Ort (Breitengrad)",
            "longitude": "Ort (Längengrad)",
        },
        {},
    )

    job = imported(lab, profile, "meinberlin_export.csv")

    assert job.state == JobState.DONE, job.error
    shade, speed = Contribution.objects.order_by("received_at")
    assert shade.text == (
        "Schattenplätze am Spielplatz\n\nIm Sommer ist es am Spielplatz viel zu heiß.\n"
        "Bäume oder ein Sonnensegel, bitte! Rückfragen gern an [Telefonnummer entfernt]."
    )
    assert shade.text_was_masked
    assert (shade.channel, shade.kind, shade.theme.name) == (Channel.ONLINE, "idea", "Grünflächen")
    assert (round(shade.location.x, 4), round(shade.location.y, 4)) == (13.4601, 52.5112)
    assert shade.received_at == dt.datetime(2026, 5, 5, 7, 12, 45, 123456, tzinfo=dt.UTC)
    assert speed.text == (
        "Tempo 30 in der Simon-Dach-Straße\n\nAutos fahren hier viel zu schnell,\nbesonders abends."
    )
    assert speed.location is None


# --- Files that are not tables ------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bogen.csv", PNG, "keine Textdatei"),
        ("bogen.xlsx", b"Datum;Text\r\n", "keine Excel-Arbeitsmappe"),
        ("bogen.xls", b"\xd0\xcf\x11\xe0", "Alte Excel-Dateien"),
        ("bogen.pdf", b"%PDF-1.7", "weder eine CSV- noch eine Excel-Datei"),
        ("bogen.csv", b"", "Die Datei ist leer"),
        ("bogen.csv", "Datum;Text\r\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused_on_upload(
    lab, paper_profile, name, content, message
) -> None:
    with pytest.raises(ValidationError) as refusal:
        create(lab, paper_profile, name, content)

    assert message in " ".join(refusal.value.message_dict["file"])
    assert not ImportJob.objects.exists()


def test_an_excel_file_named_csv_is_refused(lab, paper_profile) -> None:
    with pytest.raises(ValidationError, match=r"in \.xlsx um"):
        create(lab, paper_profile, "bogen.csv", paper_xlsx())


def test_a_file_larger_than_20_mb_is_refused(lab, paper_profile) -> None:
    big = b"Datum;Text\r\n" + b"06.05.2026;Mehr Gr\xc3\xbcn\r\n" * 1_100_000

    with pytest.raises(ValidationError, match="höchstens 20"):
        create(lab, paper_profile, "gross.csv", big)


def test_a_file_with_only_a_header_fails_with_a_message(lab, paper_profile) -> None:
    content = csv_bytes(make_files.PAPER_HEADER, [])

    job = preview(lab, paper_profile, "leer.csv", content)

    assert job.state == JobState.FAILED
    assert "nur die Kopfzeile" in job.error


def test_a_file_of_blank_lines_fails_with_a_message(lab, paper_profile) -> None:
    job = preview(lab, paper_profile, "leer.csv", b"\r\n;;\r\n")

    assert job.state == JobState.FAILED
    assert "Kopfzeile" in job.error


def test_a_missing_column_is_named(lab, paper_profile) -> None:
    header = [name for name in make_files.PAPER_HEADER if name != "Alter"]

    job = preview(lab, paper_profile, "bogen.csv", csv_bytes(header, [["x"] * len(header)]))

    assert job.state == JobState.FAILED
    assert "Die Spalte „Alter“ fehlt" in job.error
    assert job.row_errors == [
        {"row": 1, "column": "Alter", "message": "Diese Spalte fehlt in der Kopfzeile der Datei."}
    ]


def test_a_long_file_name_is_kept_for_people_but_stored_short(lab, paper_profile) -> None:
    name = "Papierbögen vom Kiezfest am Boxhagener Platz, abgetippt von der Praktikantin " * 2
    job = preview(
        lab,
        paper_profile,
        name.strip() + ".csv",
        csv_bytes(make_files.PAPER_HEADER, make_files.PAPER_ROWS),
    )

    assert job.state == JobState.PREVIEWED, job.error
    assert job.original_name.startswith("Papierbögen vom Kiezfest")
    assert len(job.file.name) < 60


def test_progress_is_written_while_the_rows_are_checked(lab, django_assert_max_num_queries) -> None:
    profile = profile_for(
        lab,
        ImportProfile.Target.VISITOR_COUNTER,
        {"timestamp": "Zeitstempel", "in": "Eingang"},
        {},
    )
    start = dt.datetime(2026, 5, 4, 10, 0)  # noqa: DTZ001 (the counter's local time)
    rows = [
        [f"{start + dt.timedelta(minutes=5 * step):%d.%m.%Y %H:%M}", "2", "1"]
        for step in range(3000)
    ]
    job = create(lab, profile, "zaehler.csv", csv_bytes(make_files.COUNTER_HEADER, rows))
    seen: list[int] = []
    original_update = QuerySet.update

    def spy(queryset, **kwargs):
        if queryset.model is ImportJob and set(kwargs) == {"progress"}:
            seen.append(kwargs["progress"])
        return original_update(queryset, **kwargs)

    with mock.patch.object(QuerySet, "update", spy):
        job = import_preview(job=job)

    assert job.state == JobState.PREVIEWED, job.error
    assert (job.rows_total, job.rows_new, job.progress) == (3000, 250, 100)
    assert len(seen) >= 10
    assert seen == sorted(seen)
    assert all(0 < percent < 100 for percent in seen)


def test_profile_of_another_organisation_is_refused(lab) -> None:
    foreign = profile_for({"organisation": OrganisationFactory(name="Labor B")})

    with pytest.raises(ValidationError) as refusal:
        create(lab, foreign, "paper_utf8_comma.csv")

    assert "profile" in refusal.value.message_dict


# --- The task -----------------------------------------------------------------------------


def test_task_previews_then_imports_and_is_safe_to_run_twice(
    lab, paper_profile, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as queued:
        job = create(lab, paper_profile, "paper_utf8_comma.csv")
    assert len(queued) == 1

    assert import_run.apply(args=[job.pk]).get() == JobState.PREVIEWED
    assert import_run.apply(args=[job.pk]).get() is None
    job.refresh_from_db()
    assert (job.state, job.progress, job.rows_new) == (JobState.PREVIEWED, 100, 5)
    assert not Contribution.objects.exists()

    with django_capture_on_commit_callbacks() as queued:
        import_job_confirm(job=job, by=lab["user"])
    assert len(queued) == 1
    assert import_run.apply(args=[job.pk]).get() == JobState.DONE
    assert import_run.apply(args=[job.pk]).get() is None

    assert Contribution.objects.count() == 5
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"import.upload", "import.confirm", "import.done"} <= actions


def test_task_marks_a_broken_file_failed_without_retrying(lab, paper_profile) -> None:
    job = create(lab, paper_profile, "paper_broken_row.csv")
    import_run.apply(args=[job.pk])
    ImportJob.objects.filter(pk=job.pk).update(dry_run=False, state=JobState.QUEUED)

    result = import_run.apply(args=[job.pk])

    assert result.get() == JobState.FAILED
    job.refresh_from_db()
    assert len(job.row_errors) == 2
    assert not Contribution.objects.exists()


# --- The API ------------------------------------------------------------------------------


def test_api_uploads_polls_and_applies(
    client: Client, lab, paper_profile, django_capture_on_commit_callbacks
) -> None:
    client.force_login(lab["user"])
    with django_capture_on_commit_callbacks() as queued:
        created = client.post(
            "/api/imports/",
            {
                "deployment": lab["deployment"].pk,
                "profile": paper_profile.pk,
                "file": upload("paper_utf8_bom_semicolon.csv"),
            },
        )
    assert created.status_code == 201, created.content
    job_id = created.json()["id"]
    assert (created.json()["state"], created.json()["dry_run"]) == ("queued", True)
    assert len(queued) == 1

    import_run.apply(args=[job_id])
    status = client.get(f"/api/imports/{job_id}/").json()
    assert (status["state"], status["progress"], status["rows_new"]) == ("previewed", 100, 5)
    assert status["preview"][0]["values"]["text"].startswith("Mehr Bänke")
    assert status["row_errors"] == []

    applied = client.post(f"/api/imports/{job_id}/apply/")
    assert applied.status_code == 202, applied.content
    assert applied.json()["state"] == "queued"
    import_run.apply(args=[job_id])
    status = client.get(f"/api/imports/{job_id}/").json()
    assert (status["state"], status["rows_new"]) == ("done", 5)
    assert Contribution.objects.count() == 5


def test_api_reports_the_earlier_import_of_the_same_file(client: Client, lab, paper_profile):
    first = imported(lab, paper_profile, "paper_utf8_comma.csv")
    second = preview(lab, paper_profile, "paper_utf8_comma.csv")
    client.force_login(lab["user"])

    status = client.get(f"/api/imports/{second.pk}/").json()

    assert status["earlier_import"] == first.pk
    assert (status["rows_new"], status["rows_known"]) == (0, 5)


def test_api_refuses_a_picture_and_a_broken_file_cannot_be_applied(
    client: Client, lab, paper_profile
) -> None:
    client.force_login(lab["user"])
    refused = client.post(
        "/api/imports/",
        {
            "deployment": lab["deployment"].pk,
            "profile": paper_profile.pk,
            "file": upload("foto.csv", PNG),
        },
    )
    assert refused.status_code == 400
    assert "keine Textdatei" in refused.json()["file"][0]

    broken = preview(lab, paper_profile, "paper_broken_row.csv")
    answer = client.post(f"/api/imports/{broken.pk}/apply/")
    assert answer.status_code == 400
    assert "Fehler" in str(answer.json())
    status = client.get(f"/api/imports/{broken.pk}/").json()
    assert [(error["row"], error["column"]) for error in status["row_errors"]] == [
        (4, "Alter"),
        (6, "Datum"),
    ]


def test_api_keeps_other_organisations_imports_apart(client: Client, lab, paper_profile):
    job = preview(lab, paper_profile, "paper_utf8_comma.csv")
    outsider = MembershipFactory(
        organisation=OrganisationFactory(name="Labor B"), user=UserFactory(username="bernd")
    ).user
    client.force_login(outsider)

    assert client.get("/api/imports/").json()["results"] == []
    assert client.get(f"/api/imports/{job.pk}/").status_code == 404
    assert client.post(f"/api/imports/{job.pk}/apply/").status_code == 404
    assert client.get("/api/import-profiles/").json()["results"] == []
    answer = client.post(
        "/api/imports/",
        {
            "deployment": lab["deployment"].pk,
            "profile": paper_profile.pk,
            "file": upload("paper_utf8_comma.csv"),
        },
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"deployment", "profile"}


# --- The admin ----------------------------------------------------------------------------


def test_admin_upload_preview_and_import(
    client: Client, lab, paper_profile, django_capture_on_commit_callbacks
) -> None:
    client.force_login(lab["user"])
    page = client.get(reverse("admin:participation_importjob_add"))
    assert page.status_code == 200
    assert paper_profile.name in page.content.decode()

    with django_capture_on_commit_callbacks() as queued:
        answer = client.post(
            reverse("admin:participation_importjob_add"),
            {
                "deployment": lab["deployment"].pk,
                "profile": paper_profile.pk,
                "file": upload("paper_cp1252_semicolon.csv"),
            },
        )
    job = ImportJob.objects.get()
    status_url = reverse("admin:participation_importjob_change", args=[job.pk])
    assert answer.status_code == 302
    assert answer["Location"] == status_url
    assert len(queued) == 1

    waiting = client.get(status_url).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in waiting
    assert "Jetzt importieren" not in waiting

    import_run.apply(args=[job.pk])
    previewed = client.get(status_url).content.decode()
    assert 'http-equiv="refresh"' not in previewed
    assert "Mehr Bänke am Boxhagener Platz" in previewed
    assert "„Straße der Pariser Kommune“" in previewed
    assert "5 neue Beiträge" in previewed
    assert "Jetzt importieren" in previewed

    with django_capture_on_commit_callbacks() as queued:
        confirmed = client.post(reverse("admin:participation_importjob_confirm", args=[job.pk]))
    assert confirmed.status_code == 302
    assert len(queued) == 1
    import_run.apply(args=[job.pk])
    done = client.get(status_url).content.decode()
    assert "<strong>Fertig</strong>" in done
    assert "5 neue Beiträge angelegt" in done
    assert Contribution.objects.count() == 5


def test_admin_shows_row_errors_and_no_import_button(client: Client, lab, paper_profile):
    job = preview(lab, paper_profile, "paper_broken_row.csv")
    client.force_login(lab["user"])

    page = client.get(reverse("admin:participation_importjob_change", args=[job.pk]))

    content = page.content.decode()
    assert "Fehler je Zeile" in content
    assert "<td>4</td>\n          <td>Alter</td>" in content
    assert "<td>6</td>\n          <td>Datum</td>" in content
    assert "Jetzt importieren" not in content
    refused = client.post(reverse("admin:participation_importjob_confirm", args=[job.pk]))
    assert refused.status_code == 302
    job.refresh_from_db()
    assert job.state == JobState.PREVIEWED


def test_admin_upload_names_the_problem_with_the_file(client: Client, lab, paper_profile):
    client.force_login(lab["user"])

    page = client.post(
        reverse("admin:participation_importjob_add"),
        {
            "deployment": lab["deployment"].pk,
            "profile": paper_profile.pk,
            "file": upload("foto.csv", PNG),
        },
    )

    assert page.status_code == 200
    assert "keine Textdatei" in page.content.decode()
    assert not ImportJob.objects.exists()


def test_admin_keeps_other_organisations_imports_apart(client: Client, lab, paper_profile):
    job = preview(lab, paper_profile, "paper_utf8_comma.csv")
    outsider = MembershipFactory(
        organisation=OrganisationFactory(name="Labor B"), user=UserFactory(username="bernd")
    ).user
    client.force_login(outsider)

    listing = client.get(reverse("admin:participation_importjob_changelist")).content.decode()
    assert "paper_utf8_comma.csv" not in listing
    assert (
        client.get(reverse("admin:participation_importjob_change", args=[job.pk])).status_code
        == 302
    )
    answer = client.post(reverse("admin:participation_importjob_confirm", args=[job.pk]))
    assert answer.status_code == 404
    upload_page = client.get(reverse("admin:participation_importjob_add")).content.decode()
    assert paper_profile.name not in upload_page
    assert lab["deployment"].title not in upload_page


def test_admin_refuses_a_profile_with_an_unknown_field(client: Client, lab) -> None:
    client.force_login(lab["user"])
    url = reverse("admin:participation_importprofile_add")
    assert "Beispiel:" in client.get(url).content.decode()

    page = client.post(
        url,
        {
            "organisation": lab["organisation"].pk,
            "name": "Bögen 2026",
            "target": ImportProfile.Target.PAPER_FORMS,
            "mapping": '{"txt": "Ihre Idee"}',
            "value_maps": '{"age_band": {"unter 18": "U18"}}',
        },
    )

    content = page.content.decode()
    assert "Unbekannte Felder: txt" in content
    assert "Diese Felder brauchen eine Spalte: text" in content
    assert "„U18“" in content
    assert not ImportProfile.objects.exists()


def test_a_finished_import_keeps_no_copy_of_the_uploaded_file(
    lab, paper_profile, django_capture_on_commit_callbacks
) -> None:
    job = preview(lab, paper_profile, "paper_utf8_comma.csv")
    stored = Path(job.file.path)
    assert stored.exists()  # needed until the import runs
    job = import_job_confirm(job=job, by=lab["user"])

    with django_capture_on_commit_callbacks(execute=True):
        job = import_apply(job=job)

    assert job.state == JobState.DONE
    assert not job.file
    assert not stored.exists()  # it may hold unmasked personal data


def test_deleting_a_job_removes_its_file_but_keeps_what_it_imported(
    client: Client, lab, paper_profile, django_capture_on_commit_callbacks
) -> None:
    manager = MembershipFactory(
        organisation=lab["organisation"], user=UserFactory(username="mia"), role="manager"
    ).user
    imported(lab, paper_profile, "paper_utf8_comma.csv")
    job = preview(lab, paper_profile, "paper_utf8_comma.csv")
    stored = Path(job.file.path)
    assert stored.exists()
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:participation_importjob_delete", args=[job.pk]), {"post": "yes"})

    assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert not stored.exists()
    assert Contribution.objects.count() == 5
    again = preview(lab, paper_profile, "paper_utf8_comma.csv")
    assert again.rows_known == 5


def test_admin_shows_a_counter_preview_in_hours(client: Client, lab, counter_profile) -> None:
    job = preview(lab, counter_profile, "counter.csv")
    client.force_login(lab["user"])

    content = client.get(
        reverse("admin:participation_importjob_change", args=[job.pk])
    ).content.decode()

    assert "36 Zeilen in der Datei" in content
    assert "3 neue Stunden" in content
    assert "06.05.2026, 10–11 Uhr" in content
    assert "<td>78</td>" in content
    assert "Jetzt importieren" in content
