"""Everything residents read is translated into all five languages, with nothing fuzzy.

The kiosk app's texts live in the JavaScript catalog (``djangojs.po``); the server's messages
to residents carry the context "kiosk" in ``django.po``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings

pytestmark = pytest.mark.smoke

LOCALE = Path(settings.BASE_DIR) / "locale"
KIOSK_SCRIPTS = Path(settings.BASE_DIR) / "static" / "kiosk"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def catalog(language: str, domain: str) -> polib.POFile:
    path = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path} is missing"
    return polib.pofile(str(path))


def described(entries: list[polib.POEntry]) -> list[str]:
    return [f"{entry.msgctxt or ''}|{entry.msgid}" for entry in entries]


@pytest.mark.parametrize("language", LANGUAGES)
def test_kiosk_app_is_fully_translated(language: str) -> None:
    po = catalog(language, "djangojs")

    assert len(po) > 0
    assert described(po.untranslated_entries()) == []
    assert described(po.fuzzy_entries()) == []


# German is the source language of django.po: its msgids are the texts.
@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "de"])
def test_server_messages_for_residents_are_fully_translated(language: str) -> None:
    kiosk = [entry for entry in catalog(language, "django") if entry.msgctxt == "kiosk"]

    assert kiosk, "no messages with the context 'kiosk' in django.po"
    assert described([entry for entry in kiosk if not entry.translated()]) == []
    assert described([entry for entry in kiosk if entry.fuzzy]) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_use_only_the_placeholders_of_the_german_text(language: str) -> None:
    """A placeholder the app does not fill would show up as "undefined" on the tablet."""
    wrong = []
    for entry in catalog(language, "djangojs"):
        allowed = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for form in forms:
            used = set(PLACEHOLDER.findall(form))
            # Some plural forms (Arabic "one", "two") say the number in words instead.
            if used - allowed or (not entry.msgid_plural and used != allowed):
                wrong.append((entry.msgid, form))
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_accepts_the_catalogs(language: str) -> None:
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    for domain in ("djangojs", "django"):
        path = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
        result = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        if domain == "djangojs":
            assert "untranslated" not in result.stderr
            assert "fuzzy" not in result.stderr


def test_every_text_of_the_app_is_in_the_catalog() -> None:
    """The catalog was made after the last change to the app's texts."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (GNU gettext) is not installed")
    scripts = sorted(str(path) for path in KIOSK_SCRIPTS.glob("*.js"))
    result = subprocess.run(
        [
            "xgettext",
            "--language=JavaScript",
            "--from-code=UTF-8",
            "--keyword=gettext_noop",
            "--output=-",
            *scripts,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    in_scripts = {entry.msgid for entry in polib.pofile(result.stdout)}
    in_catalog = {entry.msgid for entry in catalog("de", "djangojs")}

    assert in_scripts, "no texts found in the kiosk scripts"
    assert sorted(in_scripts - in_catalog) == []
