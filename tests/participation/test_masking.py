"""Personal data in residents' free text is masked before it is stored."""

import json
import uuid

import pytest
from django.db import models
from django.utils import timezone

from deployments.models import AuditEntry
from participation.models import Contribution
from participation.services import moderation
from participation.services.masking import iban_is_valid, mask_personal_data
from tests.factories import DeploymentFactory
from tests.participation.moderation_factories import member

pytestmark = pytest.mark.smoke

PHONE = "[Telefonnummer entfernt]"
EMAIL = "[E-Mail entfernt]"
IBAN = "[IBAN entfernt]"


@pytest.mark.parametrize(
    "number",
    [
        "030 12345678",
        "030/123 456 78",
        "030 / 123 456 78",
        "(030) 1234-5678",
        "(030)12345678",
        "030-1234567",
        "030 - 123 45 67",
        "+49 30 12345678",
        "+49 (0)30 12345678",
        "+49-30-12345678",
        "+4930123456",
        "0049 30 12345678",
        "0049 (0)30 1234 5678",
        "0176 12345678",
        "0176/12345678",
        "0176-123 456 78",
        "+49 (0)176 123 45 678",
        "+49 176 12345678",
        "+4915112345678",
        "01761234567",
        "03012345678",
        "0331 12345",
        "033056 12345",
        "0331.123456",
        "+43 1 5880 1234",
    ],
)
def test_phone_numbers_in_german_formats_are_masked(number):
    masked, was_masked = mask_personal_data(f"Rufen Sie mich an: {number}. Danke!")

    assert was_masked
    assert masked == f"Rufen Sie mich an: {PHONE}. Danke!"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tel.: 030-1234567", f"Tel.: {PHONE}"),
        ("Tel:030 1234567", f"Tel:{PHONE}"),
        ("Handy 0176 12345678, ab 18 Uhr", f"Handy {PHONE}, ab 18 Uhr"),
        ("Ruf an (0176 12345678)!", f"Ruf an ({PHONE})!"),
        # A postcode after the number stays.
        ("030 12345678 10245 Berlin", f"{PHONE} 10245 Berlin"),
        ("Nummer: 0176 1234567\nDanke", f"Nummer: {PHONE}\nDanke"),
    ],
)
def test_phone_numbers_in_sentences_keep_the_rest(text, expected):
    assert mask_personal_data(text) == (expected, True)


@pytest.mark.parametrize(
    "address",
    [
        "max.mustermann@example.com",
        "Max.Mustermann@Example.COM",
        "anna-lena_k+kiez@mail.posteo.de",
        "jürgen.müller@gmx.de",
        "info@kiez-labor.berlin",
        "info (at) kiez-labor.de",
        "info[at]kiez-labor.de",
        "info (at) kiez-labor (punkt) de",
    ],
)
def test_email_addresses_are_masked(address):
    masked, was_masked = mask_personal_data(f"Schreibt mir an {address}, ich helfe gern.")

    assert was_masked
    assert masked == f"Schreibt mir an {EMAIL}, ich helfe gern."


@pytest.mark.parametrize(
    "iban",
    [
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "de89 3704 0044 0532 0130 00",
        "AT61 1904 3002 3457 3201",
        "CH93 0076 2011 6238 5295 7",
        "GB82 WEST 1234 5698 7654 32",
        "NL91ABNA0417164300",
        "FR14 2004 1010 0505 0001 3M02 606",
        "PL61 1090 1014 0000 0712 1981 2874",
    ],
)
def test_ibans_are_masked(iban):
    masked, was_masked = mask_personal_data(f"Spenden bitte an {iban} – danke!")

    assert was_masked
    assert masked == f"Spenden bitte an {IBAN} – danke!"


def test_iban_followed_by_words_masks_only_the_iban():
    text = "IBAN: DE89 3704 0044 0532 0130 00 BITTE SCHNELL"

    assert mask_personal_data(text) == (f"IBAN: {IBAN} BITTE SCHNELL", True)


@pytest.mark.parametrize(
    "text",
    [
        "Am 01.05.2024 um 15:30 Uhr war der Platz voll.",
        "Treffen am 2026-05-04 von 15:00–18:00.",
        "Zeit 08:00-10:00 und 14:00-16:00",
        "10245 Berlin",
        "01067 Dresden",
        "PLZ 10245, Hausnummer 12a",
        "Boxhagener Str. 104, 10245 Berlin",
        "Ein Eis kostet 12,50 € oder 0,99 € im Angebot.",
        "Kosten: 1.000.000 € für 20 000 Besucher",
        "Im Jahr 2024 und seit 1990–2020",
        "Tram M10, Bus 347 und die Linie 0815",
        "5 Bäume, 3 Bänke, 0 Mülleimer",
        "ISBN 978-3-16-148410-0",
        "Von 2019 bis 2023 kamen 12 345 Leute.",
        "Geboren 01012024? Nein.",
        "01.05.2024 10245 Berlin",
        "Gutschein-Code DE12 3456 7890 1234 5678 90",
        "Antwort an: Telefon bitte nicht weitergeben",
        "Die Zahl 0123 456 ist zu kurz.",
        "Schreibt mir @kiezlabor auf Instagram",
        "",
    ],
)
def test_ordinary_numbers_and_text_are_not_masked(text):
    assert mask_personal_data(text) == (text, False)


def test_several_kinds_in_one_text_are_all_masked():
    text = (
        "Ich bin Anna, erreichbar unter anna@example.org oder 0176 12345678. "
        "Für Spenden: DE89 3704 0044 0532 0130 00. Treffen am 04.05.2026 um 15:30."
    )

    masked, was_masked = mask_personal_data(text)

    assert was_masked
    assert masked == (
        f"Ich bin Anna, erreichbar unter {EMAIL} oder {PHONE}. "
        f"Für Spenden: {IBAN}. Treffen am 04.05.2026 um 15:30."
    )


def test_placeholders_are_german_whatever_the_active_language():
    from django.utils import translation

    with translation.override("en"):
        masked, _ = mask_personal_data("mail: a@example.org")

    assert masked == f"mail: {EMAIL}"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("DE89 3704 0044 0532 0130 00", True),
        ("DE89 3704 0044 0532 0130 01", False),
        ("DE89 3704 0044 0532 0130", False),
        ("GB82WEST12345698765432", True),
        ("XX00 0000 0000 0000", False),
    ],
)
def test_iban_check_digits(value, valid):
    assert iban_is_valid(value) is valid


# --- Nothing unmasked reaches the database ------------------------------------------------

SECRETS = ["anna.schmidt@example.org", "0176 12345678", "DE89 3704 0044 0532 0130 00"]
SECRET_TEXT = (
    "Meldet euch bei mir: anna.schmidt@example.org oder 0176 12345678. "
    "Spenden für die Bank an DE89 3704 0044 0532 0130 00."
)


def _needles(secret: str) -> list[str]:
    """The value as written and without spaces, so a stored variant is found too."""
    return list({secret, secret.replace(" ", "")})


def assert_nowhere_in_database(secret: str) -> None:
    text_columns = [
        field.name
        for field in Contribution._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
    ]
    assert "text" in text_columns
    assert "moderation_note" in text_columns
    for needle in _needles(secret):
        for column in text_columns:
            found = Contribution.objects.filter(**{f"{column}__icontains": needle})
            assert not found.exists(), f"{secret!r} stored in Contribution.{column}"
        for entry in AuditEntry.objects.all():
            stored = json.dumps(entry.data, ensure_ascii=False) + entry.target_repr
            assert needle.lower() not in stored.lower(), f"{secret!r} stored in {entry.action}"


@pytest.mark.django_db
def test_a_submitted_idea_is_stored_masked_only():
    from participation.services.submissions import ContributionInput, contribution_submit

    deployment = DeploymentFactory()
    contribution, created = contribution_submit(
        deployment=deployment,
        device=None,
        channel="online",
        data=ContributionInput(
            client_uuid=uuid.uuid4(),
            kind="idea",
            language="de",
            created_on_device_at=timezone.now(),
            text=SECRET_TEXT,
        ),
    )

    assert created
    contribution.refresh_from_db()
    assert contribution.text_was_masked
    assert contribution.text == (
        f"Meldet euch bei mir: {EMAIL} oder {PHONE}. Spenden für die Bank an {IBAN}."
    )
    for secret in SECRETS:
        assert_nowhere_in_database(secret)


@pytest.mark.django_db
def test_a_recorded_note_and_its_moderation_are_stored_masked_only():
    from participation.services.records import conversation_note_record

    deployment = DeploymentFactory()
    moderator = member(deployment.organisation)
    note = conversation_note_record(
        deployment=deployment, by=moderator, text=SECRET_TEXT, language="de"
    )
    moderation.contribution_approve(contribution=note, by=moderator)
    moderation.contribution_hide(
        contribution=note, by=moderator, note=f"Hat geschrieben: {SECRETS[0]}, {SECRETS[1]}"
    )

    note.refresh_from_db()
    assert note.text_was_masked
    assert AuditEntry.objects.count() == 3
    for secret in SECRETS:
        assert_nowhere_in_database(secret)


@pytest.mark.django_db
def test_the_database_check_finds_an_unmasked_value():
    from tests.factories import ContributionFactory

    ContributionFactory(text="Ruf an: 0176 12345678")

    with pytest.raises(AssertionError, match=r"Contribution\.text"):
        assert_nowhere_in_database("0176 12345678")
