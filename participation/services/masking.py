"""Masking of personal data in residents' free text, before anything is stored.

E-mail addresses, telephone numbers in the formats people write in Germany, and IBANs (checked
with the ISO 13616 mod-97 check digit) are replaced by readable placeholders. Ordinary numbers –
dates, years, postcodes, house numbers, prices, times – are left alone: a phone number needs an
area code beginning with 0 (or a country code with + or 00) and at least eight digits, and an
IBAN must pass its check digits.

Placeholders are always German: the stored text must read the same for every moderator,
whatever language the resident's request was in.
"""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext_lazy as _

EMAIL_PLACEHOLDER = _("[E-Mail entfernt]")
PHONE_PLACEHOLDER = _("[Telefonnummer entfernt]")
IBAN_PLACEHOLDER = _("[IBAN entfernt]")

PLACEHOLDER_LANGUAGE = "de"

_AT = r"(?:@|\s?[\(\[]\s?(?:at|ät)\s?[\)\]]\s?)"
_DOT = r"(?:\.|\s?[\(\[]\s?(?:dot|punkt)\s?[\)\]]\s?)"
EMAIL_RE = re.compile(
    rf"(?<![\w.%+\-])[\w.%+\-]+{_AT}[\w\-]+(?:{_DOT}[\w\-]+)*{_DOT}[^\W\d_]{{2,}}(?![\w\-])",
    re.IGNORECASE,
)

# Candidates only; the check digits decide (see _iban_end).
IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \u00a0]?[A-Za-z0-9]){11,32}")

IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BA": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "RS": 22, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "TR": 26, "UA": 29,
}  # fmt: skip
IBAN_MIN_DIGITS = 10

_SEP = r"(?:[ \t\u00a0]*[/\-–.][ \t\u00a0]*|[ \t\u00a0]{1,2})"
PHONE_RE = re.compile(
    rf"""
    (?<![\w+/\-])
    (?:
        (?:\+|00)[1-9]\d*(?:[ \t\u00a0]?\(0\))?   # +49, 0049, optionally +49 (0)
      | \(0[1-9]\d{{1,4}}\)                        # (030)
      | 0[1-9]\d+                                 # 030, 0176, 01761234567
    )
    (?:{_SEP}?\(\d+\)|{_SEP}\d+|(?<=\))[ \t\u00a0]?\d+)*
    (?![\w])
    """,
    re.VERBOSE,
)
PHONE_MIN_DIGITS = 8
PHONE_MIN_DIGITS_UNSEPARATED = 10
PHONE_MAX_DIGITS = 15


def mask_personal_data(text: str) -> tuple[str, bool]:
    """Replace e-mail addresses, phone numbers and IBANs in ``text`` by placeholders.

    Returns the masked text and whether anything was replaced.
    """
    if not text:
        return text, False
    with translation.override(PLACEHOLDER_LANGUAGE):
        masked = EMAIL_RE.sub(str(EMAIL_PLACEHOLDER), text)
        masked = IBAN_RE.sub(_replace_iban, masked)
        masked = PHONE_RE.sub(_replace_phone, masked)
    return masked, masked != text


def iban_is_valid(value: str) -> bool:
    """Whether ``value`` (spaces allowed) is an IBAN with correct length and check digits."""
    compact = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    if sum(ch.isdigit() for ch in compact) < IBAN_MIN_DIGITS:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _replace_iban(match: re.Match) -> str:
    candidate = match.group(0)
    # The candidate may run on into following words ("… 00 BITTE"): try the longest valid prefix
    # that ends at a word boundary.
    for end in range(len(candidate), 14, -1):
        prefix = candidate[:end]
        if prefix[-1].isspace() or (end < len(candidate) and candidate[end].isalnum()):
            continue
        if iban_is_valid(prefix):
            return str(IBAN_PLACEHOLDER) + candidate[end:]
    return candidate


def _significant_digits(number: str) -> int:
    number = number.replace("(0)", "")
    number = re.sub(r"^(?:\+|00)", "", number)
    return sum(ch.isdigit() for ch in number)


def _replace_phone(match: re.Match) -> str:
    candidate = match.group(0)
    # A number may be followed by other numbers (a postcode, a price): mask the longest
    # plausible prefix and leave the rest as it was.
    ends = [m.end() for m in re.finditer(r"\d+\)?", candidate)]
    for end in reversed(ends):
        prefix = candidate[:end]
        digits = _significant_digits(prefix)
        separated = bool(re.search(r"\D", prefix.lstrip("+")))
        minimum = PHONE_MIN_DIGITS if separated else PHONE_MIN_DIGITS_UNSEPARATED
        if minimum <= digits <= PHONE_MAX_DIGITS:
            return str(PHONE_PLACEHOLDER) + candidate[end:]
    return candidate
