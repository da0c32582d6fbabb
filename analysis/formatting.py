"""Numbers as the report and the recommendations write them, in the active language's format."""

from __future__ import annotations

from django.utils import formats


def number(value: float | None) -> str:
    """German: 1.234,5 — one decimal where there is one; a dash for a missing value."""
    if value is None:
        return "–"
    return formats.number_format(value, decimal_pos=1 if value % 1 else 0, force_grouping=True)


def percent(share: float | None) -> str:
    """A share (0.123) as a percentage (12,3 %)."""
    if share is None:
        return "–"
    return f"{number(round(share * 100, 1))} %"
