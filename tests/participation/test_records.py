"""What the team records on site: visitor counts, conversation notes, workshop results,
feedback and the team's reflection — through the services, the admin and the API, each shown
in the deployment's data, and nothing of it reachable from another organisation."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from deployments.models import AuditEntry, Event, Membership
from participation.models import (
    Channel,
    Contribution,
    Kind,
    ModerationStatus,
    ReflectionEntry,
    VisitorCount,
    WorkshopPhoto,
    WorkshopResult,
)
from participation.selectors.records import deployment_data
from participation.services import records
from participation.services.records import GroupCount
from tests.factories import (
    BERLIN,
    ContributionFactory,
    DeploymentFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    ThemeFactory,
    UserFactory,
    berlin_time,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

DAY = dt.date(2026, 5, 6)  # a Wednesday of the deployment (4 to 31 May 2026)


@pytest.fixture(autouse=True)
def media_in_tmp_and_fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def lab():
    organisation = OrganisationFactory(name="Kiezlabor A")
    staff = MembershipFactory(organisation=organisation, user=UserFactory(username="lena")).user
    deployment = DeploymentFactory(organisation=organisation, title="Kiezlabor am Boxi")
    deployment.themes.add(ThemeFactory(organisation=organisation, name="Grünflächen"))
    event = EventFactory(
        deployment=deployment,
        title="Kiezwerkstatt",
        starts_at=berlin_time(DAY, 15),
        ends_at=berlin_time(DAY, 17),
    )
    return {"organisation": organisation, "staff": staff, "deployment": deployment, "event": event}


@pytest.fixture
def other_lab():
    organisation = OrganisationFactory(name="Kiezlabor B")
    staff = MembershipFactory(organisation=organisation, user=UserFactory(username="bernd")).user
    return {"staff": staff, "deployment": DeploymentFactory(organisation=organisation)}


def image_upload(fmt: str = "PNG", name: str = "wand.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def messages_of(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


def audit_actions(obj) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- Visitor counts -------------------------------------------------------------------------


def test_an_hour_is_recorded_per_age_band_and_shows_in_the_data(lab) -> None:
    rows = records.visitor_counts_record(
        deployment=lab["deployment"],
        hour_starts_at=berlin_time(DAY, 15),
        counts=[GroupCount(count=7, age_band="27_44"), {"count": 3, "age_band": "65_plus"}],
        event=lab["event"],
        by=lab["staff"],
    )

    assert [(row.age_band, row.count) for row in rows] == [("27_44", 7), ("65_plus", 3)]
    assert audit_actions(rows[0]) == ["visitor_counts_record"]
    data = deployment_data(deployment=lab["deployment"])
    [day] = data.visitor_days
    assert (day.day, day.counted, day.counter) == (DAY, 10, 0)
    assert day.age_bands == [("27 bis 44 Jahre", 7), ("65 Jahre und älter", 3)]


def test_recording_the_same_hour_again_replaces_the_counts(lab) -> None:
    common = {"deployment": lab["deployment"], "hour_starts_at": berlin_time(DAY, 15)}
    records.visitor_counts_record(
        **common, counts=[GroupCount(count=7, age_band="27_44")], by=lab["staff"]
    )
    [row] = records.visitor_counts_record(
        **common, counts=[GroupCount(count=9, age_band="27_44")], by=lab["staff"]
    )

    assert VisitorCount.objects.get().count == 9
    assert audit_actions(row) == ["visitor_counts_record", "visitor_count_replace"]
    assert deployment_data(deployment=lab["deployment"]).visitors_counted == 9


@pytest.mark.parametrize(
    ("hour", "message"),
    [
        (berlin_time(DAY, 15, 30), "vollen Stunde"),
        (berlin_time(dt.date(2026, 6, 2), 15), "nicht im Zeitraum des Einsatzes"),
    ],
)
def test_an_hour_must_be_full_and_within_the_period(lab, hour, message) -> None:
    with pytest.raises(ValidationError) as refused:
        records.visitor_counts_record(
            deployment=lab["deployment"],
            hour_starts_at=hour,
            counts=[GroupCount(count=1)],
            by=lab["staff"],
        )
    assert message in messages_of(refused.value, "hour_starts_at")
    assert not VisitorCount.objects.exists()


def test_an_hour_that_has_not_begun_cannot_be_counted(lab) -> None:
    today = timezone.localdate(timezone=BERLIN)
    running = DeploymentFactory(
        organisation=lab["organisation"],
        starts_on=today - dt.timedelta(days=2),
        ends_on=today + dt.timedelta(days=5),
    )
    next_hour = (timezone.now() + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    with pytest.raises(ValidationError) as refused:
        records.visitor_counts_record(
            deployment=running, hour_starts_at=next_hour, counts=[{"count": 1}], by=lab["staff"]
        )
    assert "noch nicht begonnen" in messages_of(refused.value, "hour_starts_at")


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([], "mindestens eine Anzahl"),
        ([GroupCount(count=-1)], "ganze Zahl ab 0"),
        ([GroupCount(count=1, age_band="30_40")], "keine Altersgruppe"),
        ([GroupCount(count=1, gender="x")], "keine Angabe zum Geschlecht"),
        ([GroupCount(count=1), GroupCount(count=2)], "nur einmal"),
    ],
)
def test_counts_are_checked(lab, counts, message) -> None:
    with pytest.raises(ValidationError) as refused:
        records.visitor_counts_record(
            deployment=lab["deployment"],
            hour_starts_at=berlin_time(DAY, 15),
            counts=counts,
            by=lab["staff"],
        )
    assert message in messages_of(refused.value, "counts")


def test_an_event_of_another_deployment_is_refused(lab) -> None:
    foreign_event = EventFactory(title="Fremde Werkstatt")
    with pytest.raises(ValidationError) as refused:
        records.visitor_counts_record(
            deployment=lab["deployment"],
            hour_starts_at=berlin_time(DAY, 15),
            counts=[GroupCount(count=1)],
            event=foreign_event,
            by=lab["staff"],
        )
    assert "gehört nicht zum Einsatz" in messages_of(refused.value, "event")


# --- Conversation notes ---------------------------------------------------------------------


def test_a_conversation_note_is_masked_and_marks_demographics_as_estimated(lab) -> None:
    theme = lab["deployment"].themes.get()
    note = records.conversation_note_record(
        deployment=lab["deployment"],
        by=lab["staff"],
        text="Wünscht sich Schatten am Spielplatz, erreichbar unter 0176 12345678.",
        theme=theme,
        language="de",
        age_band="65_plus",
        relation="lives_here",
    )

    note.refresh_from_db()
    assert (note.kind, note.channel) == (Kind.NOTE, Channel.CONVERSATION)
    assert note.demographics_estimated is True
    assert note.text_was_masked is True
    assert "12345678" not in note.text
    assert note.moderation_status == ModerationStatus.NEW
    assert audit_actions(note) == ["conversation_note_record"]
    data = deployment_data(deployment=lab["deployment"])
    assert data.notes == [note]
    assert [(k.kind, k.channel, k.total) for k in data.inputs_by_kind] == [
        ("note", "conversation", 1)
    ]


def test_a_note_without_demographics_is_not_an_estimate(lab) -> None:
    note = records.conversation_note_record(
        deployment=lab["deployment"], by=lab["staff"], text="Mehr Bänke.", language="tr"
    )
    assert note.demographics_estimated is False


def test_a_note_needs_text_and_a_theme_of_the_organisation(lab, other_lab) -> None:
    with pytest.raises(ValidationError) as refused:
        records.conversation_note_record(
            deployment=lab["deployment"], by=lab["staff"], text="  ", language="de"
        )
    assert "was gesagt wurde" in messages_of(refused.value, "text")

    foreign_theme = ThemeFactory(organisation=other_lab["deployment"].organisation, name="Lärm")
    with pytest.raises(ValidationError) as refused:
        records.conversation_note_record(
            deployment=lab["deployment"],
            by=lab["staff"],
            text="Zu laut.",
            theme=foreign_theme,
            language="de",
        )
    assert "anderen Organisation" in messages_of(refused.value, "theme")


# --- Workshop results -----------------------------------------------------------------------


def test_a_workshop_result_becomes_one_statement_per_line_with_photos(lab) -> None:
    result = records.workshop_result_record(
        deployment=lab["deployment"],
        by=lab["staff"],
        title="Kiezwerkstatt: Wie soll der Platz werden?",
        method=WorkshopResult.Method.WORLD_CAFE,
        participants=14,
        held_on=DAY,
        statements=["Mehr Schatten", "", "  ", "Zebrastreifen an der Schule"],
        event=lab["event"],
        photos=[(image_upload(name="Wand von Frau Müller.png"), "Wand 1"), image_upload("WEBP")],
    )

    statements = Contribution.objects.filter(workshop=result).order_by("pk")
    assert [s.text for s in statements] == ["Mehr Schatten", "Zebrastreifen an der Schule"]
    assert {(s.kind, s.channel, s.event_id) for s in statements} == {
        (Kind.STATEMENT, Channel.WORKSHOP, lab["event"].pk)
    }
    photos = list(result.photos.order_by("pk"))
    assert [p.caption for p in photos] == ["Wand 1", ""]
    assert photos[0].image.name.endswith(".png")
    assert "Müller" not in photos[0].image.name
    assert photos[1].image.name.endswith(".webp")
    assert audit_actions(result) == ["workshop_result_record"]
    [workshop] = deployment_data(deployment=lab["deployment"]).workshops
    assert workshop.statement_count == 2


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: image_upload("GIF", "wand.gif"), "kein Foto im Format JPEG, PNG oder WebP"),
        (
            lambda: SimpleUploadedFile("wand.jpg", b"kein Bild", content_type="image/jpeg"),
            "kein Foto im Format JPEG, PNG oder WebP",
        ),
        (
            lambda: SimpleUploadedFile("riesig.jpg", b"\xff" * (10 * 1024 * 1024 + 1)),
            "höchstens 10 MB",
        ),
    ],
)
def test_only_jpeg_png_webp_photos_up_to_10_mb_are_taken(lab, upload, message) -> None:
    with pytest.raises(ValidationError) as refused:
        records.workshop_result_record(
            deployment=lab["deployment"],
            by=lab["staff"],
            title="Kiezwerkstatt",
            method=WorkshopResult.Method.MAP,
            participants=5,
            held_on=DAY,
            statements=["Mehr Licht"],
            photos=[upload()],
        )
    assert message in messages_of(refused.value, "photos")
    assert not WorkshopResult.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"statements": ["", " "]}, "statements", "mindestens ein Ergebnis"),
        ({"held_on": dt.date(2026, 4, 30)}, "held_on", "Beginn des Einsatzes"),
        ({"participants": 0}, "participants", "wie viele Personen"),
    ],
)
def test_a_workshop_result_is_checked(lab, changes, field, message) -> None:
    values = {
        "title": "Kiezwerkstatt",
        "method": WorkshopResult.Method.MAP,
        "participants": 5,
        "held_on": DAY,
        "statements": ["Mehr Licht"],
    }
    with pytest.raises(ValidationError) as refused:
        records.workshop_result_record(
            deployment=lab["deployment"], by=lab["staff"], **{**values, **changes}
        )
    assert message in messages_of(refused.value, field)


# --- Feedback -------------------------------------------------------------------------------


def test_feedback_on_an_event_shows_as_its_average(lab) -> None:
    for rating in (4, 5):
        records.feedback_record(
            deployment=lab["deployment"], event=lab["event"], by=lab["staff"], rating=rating
        )
    feedback = records.feedback_record(
        deployment=lab["deployment"],
        event=lab["event"],
        by=lab["staff"],
        text="Gerne wieder, Kontakt: info@example.org",
        channel=Channel.CONVERSATION,
    )
    ContributionFactory(
        deployment=lab["deployment"],
        event=lab["event"],
        kind=Kind.FEEDBACK,
        rating=1,
        moderation_status=ModerationStatus.REJECTED,
        rejection_reason="spam",
    )

    assert feedback.text_was_masked
    assert "info@example.org" not in feedback.text
    assert audit_actions(feedback) == ["feedback_record"]
    [row] = deployment_data(deployment=lab["deployment"]).feedback
    assert (row.title, row.responses, row.rated, row.average) == ("Kiezwerkstatt", 3, 2, 4.5)


def test_feedback_needs_an_event_that_took_place(lab) -> None:
    lab["event"].state = Event.State.CANCELLED
    lab["event"].cancel_reason = "Regen"
    lab["event"].cancelled_on = DAY
    lab["event"].save()
    with pytest.raises(ValidationError) as refused:
        records.feedback_record(
            deployment=lab["deployment"], event=lab["event"], by=lab["staff"], rating=3
        )
    assert "abgesagt" in messages_of(refused.value, "event")

    upcoming = EventFactory(
        deployment=lab["deployment"], starts_at=timezone.now() + dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as refused:
        records.feedback_record(
            deployment=lab["deployment"], event=upcoming, by=lab["staff"], rating=3
        )
    assert "noch nicht stattgefunden" in messages_of(refused.value, "event")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "Bewertung (1 bis 5) oder einen Text"),
        ({"rating": 6}, "von 1 bis 5"),
        ({"rating": 3, "channel": Channel.KIOSK}, "von Papier oder aus Gesprächen"),
    ],
)
def test_feedback_is_checked(lab, values, message) -> None:
    with pytest.raises(ValidationError) as refused:
        records.feedback_record(
            deployment=lab["deployment"], event=lab["event"], by=lab["staff"], **values
        )
    assert message in " ".join(refused.value.messages)


# --- Team reflection ------------------------------------------------------------------------


def test_a_reflection_is_written_by_the_team_and_counts_nowhere_else(lab, other_lab) -> None:
    entry = records.reflection_record(
        deployment=lab["deployment"],
        author=lab["staff"],
        written_on=DAY,
        went_well="Die Sprechstunde war voll.",
    )

    data = deployment_data(deployment=lab["deployment"])
    assert data.reflections == [entry]
    assert data.inputs_by_kind == []
    assert audit_actions(entry) == ["reflection_record"]

    with pytest.raises(ValidationError) as refused:
        records.reflection_record(
            deployment=lab["deployment"],
            author=other_lab["staff"],
            written_on=DAY,
            notes="Fremd",
        )
    assert "gehört nicht zu" in messages_of(refused.value, "author")
    with pytest.raises(ValidationError) as refused:
        records.reflection_record(deployment=lab["deployment"], author=lab["staff"], written_on=DAY)
    assert "mindestens eines der drei Felder" in " ".join(refused.value.messages)


# --- Admin ----------------------------------------------------------------------------------


@pytest.fixture
def staff_client(lab) -> Client:
    client = Client()
    client.force_login(lab["staff"])
    return client


def data_page(client: Client, deployment) -> str:
    response = client.get(reverse("admin:participation_deployment_data", args=[deployment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_admin_records_an_hour_of_visitors_in_one_form(lab, staff_client) -> None:
    url = reverse("admin:participation_visitorcount_add")
    assert staff_client.get(f"{url}?deployment={lab['deployment'].pk}").status_code == 200
    response = staff_client.post(
        url,
        {
            "deployment": lab["deployment"].pk,
            "day": "06.05.2026",
            "hour": "15",
            "count_27_44": "12",
            "count_65_plus": "4",
            "count_6_14": "",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:participation_deployment_data", args=[lab["deployment"].pk]
    )
    assert sorted(VisitorCount.objects.values_list("age_band", "count")) == [
        ("27_44", 12),
        ("65_plus", 4),
    ]
    page = data_page(staff_client, lab["deployment"])
    assert "Vom Team gezählt: 16" in page
    assert "65 Jahre und älter: 4" in page


def test_admin_hour_form_shows_what_is_wrong(lab, staff_client) -> None:
    response = staff_client.post(
        reverse("admin:participation_visitorcount_add"),
        {"deployment": lab["deployment"].pk, "day": "02.06.2026", "hour": "15", "count_ohne": "3"},
    )
    assert response.status_code == 200
    assert "nicht im Zeitraum des Einsatzes" in response.content.decode()
    response = staff_client.post(
        reverse("admin:participation_visitorcount_add"),
        {"deployment": lab["deployment"].pk, "day": "06.05.2026", "hour": "15"},
    )
    assert "mindestens eine Anzahl" in response.content.decode()
    assert not VisitorCount.objects.exists()


def test_admin_changes_a_count_through_the_service(lab, staff_client) -> None:
    [row] = records.visitor_counts_record(
        deployment=lab["deployment"],
        hour_starts_at=berlin_time(DAY, 11),
        counts=[GroupCount(count=2)],
        by=lab["staff"],
    )
    url = reverse("admin:participation_visitorcount_change", args=[row.pk])
    assert staff_client.post(url, {"count": "5"}).status_code == 302
    row.refresh_from_db()
    assert row.count == 5
    assert audit_actions(row) == ["visitor_counts_record", "visitor_count_replace"]


def test_admin_records_a_conversation_note(lab, staff_client) -> None:
    url = reverse("admin:participation_record_note")
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(
        url,
        {
            "deployment": lab["deployment"].pk,
            "text": "Wünscht sich mehr Bänke im Schatten.",
            "language": "de",
            "age_band": "55_64",
            "relation": "",
            "theme": "",
            "event": "",
        },
    )
    assert response.status_code == 302
    note = Contribution.objects.get(kind=Kind.NOTE)
    assert note.recorded_by == lab["staff"]
    assert note.demographics_estimated
    assert "Wünscht sich mehr Bänke im Schatten." in data_page(staff_client, lab["deployment"])

    response = staff_client.post(
        url, {"deployment": lab["deployment"].pk, "text": "", "language": "de"}
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_admin_records_feedback_and_shows_the_average(lab, staff_client) -> None:
    url = reverse("admin:participation_record_feedback")
    page = staff_client.get(f"{url}?deployment={lab['deployment'].pk}").content.decode()
    assert "Kiezwerkstatt" in page
    for rating in ("3", "4"):
        response = staff_client.post(
            url,
            {
                "deployment": lab["deployment"].pk,
                "event": lab["event"].pk,
                "rating": rating,
                "text": "",
                "channel": "paper",
            },
        )
        assert response.status_code == 302
    assert "3,5" in data_page(staff_client, lab["deployment"])

    response = staff_client.post(
        url,
        {"deployment": lab["deployment"].pk, "event": lab["event"].pk, "channel": "paper"},
    )
    assert "Bewertung (1 bis 5) oder einen Text" in response.content.decode()


def test_admin_records_a_workshop_with_statement_lines_and_photos(lab, staff_client) -> None:
    url = reverse("admin:participation_workshopresult_add")
    assert staff_client.get(url).status_code == 200
    form = {
        "deployment": lab["deployment"].pk,
        "event": lab["event"].pk,
        "title": "Kiezwerkstatt",
        "method": "world_cafe",
        "participants": "12",
        "held_on": "06.05.2026",
        "statements": "Mehr Schatten\n\nMehr Bänke\r\nTrinkbrunnen\n",
        "photos-TOTAL_FORMS": "2",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "10",
        "photos-0-image": image_upload("JPEG", "wand.jpg"),
        "photos-0-caption": "Die Wand",
    }
    response = staff_client.post(url, form)

    assert response.status_code == 302
    result = WorkshopResult.objects.get()
    assert result.statements.count() == 3
    assert result.photos.get().caption == "Die Wand"
    page = data_page(staff_client, lab["deployment"])
    assert "Trinkbrunnen" in page

    change_page = staff_client.get(
        reverse("admin:participation_workshopresult_change", args=[result.pk])
    ).content.decode()
    assert "Mehr Bänke" in change_page

    bad = {**form, "photos-0-image": image_upload("GIF", "wand.gif")}
    response = staff_client.post(url, bad)
    assert response.status_code == 200
    assert "kein Foto im Format JPEG, PNG oder WebP" in response.content.decode()
    assert WorkshopResult.objects.count() == 1


def test_admin_adds_a_photo_to_a_workshop_through_the_service(lab, staff_client) -> None:
    result = records.workshop_result_record(
        deployment=lab["deployment"],
        by=lab["staff"],
        title="Kiezwerkstatt",
        method="map",
        participants=4,
        held_on=DAY,
        statements=["Mehr Licht"],
    )
    url = reverse("admin:participation_workshopresult_change", args=[result.pk])
    response = staff_client.post(
        url,
        {
            "event": "",
            "title": "Kiezwerkstatt",
            "method": "map",
            "participants": "4",
            "held_on": "06.05.2026",
            "photos-TOTAL_FORMS": "1",
            "photos-INITIAL_FORMS": "0",
            "photos-MIN_NUM_FORMS": "0",
            "photos-MAX_NUM_FORMS": "1000",
            "photos-0-image": image_upload("PNG", "Tafel.png"),
            "photos-0-caption": "Karte",
        },
    )
    assert response.status_code == 302, response.content.decode()
    photo = WorkshopPhoto.objects.get()
    assert photo.caption == "Karte"
    assert "Tafel" not in photo.image.name
    assert audit_actions(photo) == ["workshop_photo_add"]


def test_admin_writes_a_reflection_as_the_logged_in_member(lab, staff_client) -> None:
    url = reverse("admin:participation_reflectionentry_add")
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(
        url,
        {
            "deployment": lab["deployment"].pk,
            "written_on": "09.05.2026",
            "went_well": "Viele kamen im Vorbeigehen.",
        },
    )
    assert response.status_code == 302
    assert ReflectionEntry.objects.get().author == lab["staff"]
    assert "Viele kamen im Vorbeigehen." in data_page(staff_client, lab["deployment"])


def test_another_organisations_staff_can_neither_see_nor_add(lab, other_lab) -> None:
    records.conversation_note_record(
        deployment=lab["deployment"], by=lab["staff"], text="Geheimer Kiez", language="de"
    )
    records.visitor_counts_record(
        deployment=lab["deployment"],
        hour_starts_at=berlin_time(DAY, 15),
        counts=[GroupCount(count=42)],
        by=lab["staff"],
    )
    records.reflection_record(
        deployment=lab["deployment"], author=lab["staff"], written_on=DAY, notes="Intern A"
    )
    client = Client()
    client.force_login(other_lab["staff"])

    url = reverse("admin:participation_deployment_data", args=[lab["deployment"].pk])
    assert client.get(url).status_code == 404
    assert "Intern A" not in client.get(
        reverse("admin:participation_reflectionentry_changelist")
    ).content.decode("utf-8")
    assert (
        "Kiezlabor am Boxi"
        not in client.get(reverse("admin:participation_visitorcount_changelist")).content.decode()
    )

    response = client.post(
        reverse("admin:participation_record_note"),
        {"deployment": lab["deployment"].pk, "text": "Übernommen", "language": "de"},
    )
    assert response.status_code == 200  # the form refuses the foreign deployment
    assert not Contribution.objects.filter(text="Übernommen").exists()
    response = client.post(
        reverse("admin:participation_visitorcount_add"),
        {"deployment": lab["deployment"].pk, "day": "06.05.2026", "hour": "16", "count_ohne": 1},
    )
    assert response.status_code == 200
    assert VisitorCount.objects.count() == 1


def _fill(lab, scale: int) -> None:
    """``scale`` more hours of counts, and as many notes, workshops, feedback and reflections."""
    deployment, staff = lab["deployment"], lab["staff"]
    start = deployment.starts_on
    done = WorkshopResult.objects.count()
    for n in range(done, done + scale):
        day = start + dt.timedelta(days=n % 28)
        VisitorCount.objects.bulk_create(
            VisitorCount(
                deployment=deployment,
                hour_starts_at=berlin_time(day, 10 + n // 28),
                age_band=band,
                count=3,
            )
            for band in ("6_14", "27_44", "65_plus")
        )
        event = EventFactory(
            deployment=deployment, starts_at=berlin_time(day, 18), ends_at=berlin_time(day, 19)
        )
        records.conversation_note_record(
            deployment=deployment, by=staff, text=f"Notiz {n}", language="de", age_band="18_26"
        )
        records.feedback_record(deployment=deployment, event=event, by=staff, rating=1 + n % 5)
        records.workshop_result_record(
            deployment=deployment,
            by=staff,
            title=f"Werkstatt {n}",
            method="map",
            participants=3,
            held_on=day,
            statements=["Eins", "Zwei"],
            event=event,
        )
        records.reflection_record(deployment=deployment, author=staff, written_on=day, notes="Gut")


def test_the_data_page_costs_the_same_queries_for_little_and_much(lab, staff_client) -> None:
    url = reverse("admin:participation_deployment_data", args=[lab["deployment"].pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(url).status_code == 200
        return len(queries)

    _fill(lab, 2)
    small = count()
    _fill(lab, 30)
    assert count() == small
    assert small <= 20


def test_a_moderator_sees_estimated_age_on_the_data_page_the_team_does_not(lab) -> None:
    records.conversation_note_record(
        deployment=lab["deployment"],
        by=lab["staff"],
        text="Mehr Licht",
        language="de",
        age_band="65_plus",
    )
    client = Client()
    client.force_login(lab["staff"])
    assert "65 Jahre und älter" not in data_page(client, lab["deployment"])
    Membership.objects.filter(user=lab["staff"]).update(role=Membership.Role.MODERATOR)
    assert "65 Jahre und älter" in data_page(client, lab["deployment"])


# --- API ------------------------------------------------------------------------------------


@pytest.fixture
def api(lab) -> APIClient:
    client = APIClient()
    client.force_authenticate(lab["staff"])
    return client


def test_api_records_visitor_counts_and_replaces_on_repeat(lab, api) -> None:
    url = reverse("record-visitor-count-list")
    body = {
        "deployment": lab["deployment"].pk,
        "event": lab["event"].pk,
        "hour_starts_at": "2026-05-06T15:00:00+02:00",
        "counts": [{"age_band": "27_44", "count": 8}, {"age_band": "", "count": 2}],
    }
    response = api.post(url, body, format="json")
    assert response.status_code == 201, response.json()
    assert [row["count"] for row in response.json()] == [8, 2]

    body["counts"] = [{"age_band": "27_44", "count": 11}]
    assert api.post(url, body, format="json").status_code == 201
    assert VisitorCount.objects.count() == 2
    listed = api.get(url, {"deployment": lab["deployment"].pk}).json()
    assert sorted(row["count"] for row in listed["results"]) == [2, 11]

    body["hour_starts_at"] = "2026-05-06T15:20:00+02:00"
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert "vollen Stunde" in response.json()["hour_starts_at"][0]
    body["counts"] = [{"age_band": "27_44", "count": -3}]
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert "count" in response.json()["counts"]["0"]


def test_api_records_a_conversation_note(lab, api) -> None:
    url = reverse("record-note-list")
    response = api.post(
        url,
        {
            "deployment": lab["deployment"].pk,
            "text": "Schreibt an mail@example.org wegen der Bänke.",
            "language": "ar",
            "age_band": "45_54",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["text_was_masked"] is True
    assert "mail@example.org" not in body["text"]
    assert body["demographics_estimated"] is True
    assert api.get(url).json()["count"] == 1
    response = api.post(url, {"deployment": lab["deployment"].pk, "text": ""}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()


def test_api_records_a_workshop_with_statements_and_uploads_a_photo(lab, api) -> None:
    response = api.post(
        reverse("record-workshop-list"),
        {
            "deployment": lab["deployment"].pk,
            "event": lab["event"].pk,
            "title": "Kiezwerkstatt",
            "method": "dot_voting",
            "participants": 9,
            "held_on": "2026-05-06",
            "statements": ["Mehr Grün", "Weniger Autos"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    workshop = response.json()
    assert workshop["statements"] == ["Mehr Grün", "Weniger Autos"]

    photos_url = reverse("record-workshop-photos", args=[workshop["id"]])
    response = api.post(
        photos_url, {"image": image_upload(), "caption": "Punktewand"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["caption"] == "Punktewand"
    response = api.post(photos_url, {"image": image_upload("GIF", "x.gif")}, format="multipart")
    assert response.status_code == 400
    assert "JPEG, PNG oder WebP" in response.json()["photos"][0]
    detail = api.get(reverse("record-workshop-detail", args=[workshop["id"]])).json()
    assert [photo["caption"] for photo in detail["photos"]] == ["Punktewand"]

    response = api.post(
        reverse("record-workshop-list"),
        {**workshop, "statements": [" "], "held_on": "2026-05-06", "photos": []},
        format="json",
    )
    assert response.status_code == 400
    assert "mindestens ein Ergebnis" in response.json()["statements"][0]


def test_api_records_feedback_only_for_events_that_took_place(lab, api) -> None:
    url = reverse("record-feedback-list")
    body = {"deployment": lab["deployment"].pk, "event": lab["event"].pk, "rating": 5}
    assert api.post(url, body, format="json").status_code == 201
    upcoming = EventFactory(
        deployment=lab["deployment"], starts_at=timezone.now() + dt.timedelta(days=2)
    )
    response = api.post(url, {**body, "event": upcoming.pk}, format="json")
    assert response.status_code == 400
    assert "noch nicht stattgefunden" in response.json()["event"][0]
    response = api.post(url, {**body, "rating": None}, format="json")
    assert "Bewertung (1 bis 5) oder einen Text" in response.json()["non_field_errors"][0]


def test_api_records_a_reflection_for_the_caller(lab, api) -> None:
    response = api.post(
        reverse("record-reflection-list"),
        {"deployment": lab["deployment"].pk, "written_on": "2026-05-09", "to_improve": "Früher"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["author"] == lab["staff"].pk


@pytest.mark.parametrize(
    "name",
    [
        "record-visitor-count-list",
        "record-note-list",
        "record-feedback-list",
        "record-workshop-list",
        "record-reflection-list",
    ],
)
def test_api_keeps_other_organisations_out(lab, other_lab, name) -> None:
    records.visitor_counts_record(
        deployment=lab["deployment"],
        hour_starts_at=berlin_time(DAY, 15),
        counts=[GroupCount(count=3)],
        by=lab["staff"],
    )
    records.conversation_note_record(
        deployment=lab["deployment"], by=lab["staff"], text="A", language="de"
    )
    records.feedback_record(
        deployment=lab["deployment"], event=lab["event"], by=lab["staff"], rating=4
    )
    workshop = records.workshop_result_record(
        deployment=lab["deployment"],
        by=lab["staff"],
        title="A",
        method="map",
        participants=2,
        held_on=DAY,
        statements=["A"],
    )
    records.reflection_record(
        deployment=lab["deployment"], author=lab["staff"], written_on=DAY, notes="A"
    )
    intruder = APIClient()
    intruder.force_authenticate(other_lab["staff"])

    assert intruder.get(reverse(name)).json()["count"] == 0
    response = intruder.post(reverse(name), {"deployment": lab["deployment"].pk}, format="json")
    assert response.status_code == 400
    assert "deployment" in response.json()
    assert (
        intruder.post(
            reverse("record-workshop-photos", args=[workshop.pk]),
            {"image": image_upload()},
            format="multipart",
        ).status_code
        == 404
    )
    assert APIClient().get(reverse(name)).status_code in (401, 403)
