"""The demo texts carry no personal data (the demo season as a whole: ``tests/test_demo.py``)."""

import pytest

from participation import demo_texts
from participation.services.masking import mask_personal_data

pytestmark = pytest.mark.smoke


def test_demo_texts_carry_no_personal_data() -> None:
    texts = [
        *(text for pool in demo_texts.IDEAS.values() for _theme, text in pool),
        *(note[-1] for note in demo_texts.NOTES),
        *demo_texts.WORKSHOP_STATEMENTS,
        *demo_texts.STORY_STATEMENTS,
        *demo_texts.FEEDBACK_TEXTS,
        *(text for entry in demo_texts.REFLECTIONS for text in entry),
    ]
    for text in texts:
        assert mask_personal_data(text) == (text, False)
