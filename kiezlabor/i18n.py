"""Texts staff write once in German and translate for residents (topics, poll questions)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def resident_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def validate_translations(value) -> None:
    """A mapping from the resident languages other than German to a non-empty text."""
    if not isinstance(value, dict):
        raise ValidationError(
            _("Übersetzungen müssen als Zuordnung Sprache → Text angegeben werden.")
        )
    allowed = set(resident_languages()) - {"de"}
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ValidationError(
            _("Unbekannte Sprachen: %(codes)s. Erlaubt sind: %(allowed)s."),
            params={"codes": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))},
        )
    for code, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise ValidationError(
                _("Die Übersetzung für „%(code)s“ ist leer."), params={"code": code}
            )


def translated(german: str, translations: dict | None, language: str) -> str:
    """The text in ``language``, falling back to German where staff left no translation."""
    if language == "de" or not translations:
        return german
    return translations.get(language) or german


def missing_translations(translations: dict | None) -> list[str]:
    """Resident languages (besides German) for which a text has no translation yet."""
    present = set(translations or {})
    return [code for code in resident_languages() if code != "de" and code not in present]
