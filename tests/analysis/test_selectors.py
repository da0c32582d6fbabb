"""The contributions table the analysis reads: one row per counted contribution, the same frame
whether PostgreSQL streams it as CSV or the ORM builds it row by row."""

import datetime as dt

import pandas as pd
import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from analysis import selectors
from analysis.selectors import contributions_table
from tests.factories import (
    BERLIN,
    BOXHAGENER_PLATZ,
    AreaFactory,
    ContributionFactory,
    DeploymentFactory,
    EventFactory,
    ThemeFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

INSIDE = Point(BOXHAGENER_PLATZ.x + 0.001, BOXHAGENER_PLATZ.y, srid=4326)
OUTSIDE = Point(13.30, 52.45, srid=4326)  # Steglitz, far from every area
TEXTS = [
    "Zeile eins\nZeile zwei\r\nZeile drei",
    "Sie sagte \"Ampel!\", bitte; sofort, und zwar 'jetzt'",
    "123",
    "\\N",
    "NA",
    "  Leerzeichen vorne und hinten  ",
    "Mehr Schatten 🌳 من فضلك المزيد من الظل",
    "endet mit Backslash \\",
]


def received(minute: int, microsecond: int = 0) -> dt.datetime:
    return dt.datetime(2026, 5, 6, 16, minute, 7, microsecond, tzinfo=BERLIN)


@pytest.fixture
def deployment():
    AreaFactory(code="0801", name="Boxhagener Platz")
    deployment = DeploymentFactory()
    theme = ThemeFactory(organisation=deployment.organisation, name="Verkehr")
    event = EventFactory(deployment=deployment)
    for minute, text in enumerate(TEXTS):
        ContributionFactory(
            deployment=deployment,
            text=text,
            theme=theme,
            location=INSIDE,
            received_at=received(minute, microsecond=123456 * (minute % 2)),
            age_band="27_44",
            relation="lives_here",
            moderation_status="approved",
        )
    ContributionFactory(
        deployment=deployment,
        kind="feedback",
        channel="online",
        text="",
        event=event,
        rating=4,
        received_at=received(20),
    )
    ContributionFactory(
        deployment=deployment, text="Draußen", location=OUTSIDE, received_at=received(21)
    )
    original = ContributionFactory(
        deployment=deployment, text="Tempo 30", theme=theme, received_at=received(22)
    )
    for status, reason in [
        ("rejected", "duplicate"),  # folded into the original: support
        ("approved", ""),  # still points to the original: support
        ("rejected", "spam"),
        ("hidden", ""),
    ]:
        ContributionFactory(
            deployment=deployment,
            text="Tempo 30!",
            duplicate_of=original,
            moderation_status=status,
            rejection_reason=reason,
            received_at=received(23),
        )
    ContributionFactory(
        deployment=deployment, moderation_status="rejected", rejection_reason="spam"
    )
    ContributionFactory(deployment=deployment, moderation_status="hidden")
    ContributionFactory(text="Anderer Einsatz")
    return deployment


def test_each_counted_contribution_is_one_row_in_the_order_of_ids(deployment) -> None:
    frame = contributions_table(deployment=deployment)

    assert list(frame.columns) == selectors.CONTRIBUTION_COLUMNS
    assert list(frame["text"]) == [*TEXTS, "", "Draußen", "Tempo 30"]
    assert frame["id"].is_monotonic_increasing
    assert list(frame["support"]) == [1] * 10 + [3]
    assert list(frame["area_code"].iloc[:8]) == ["0801"] * 8
    assert frame["area_code"].iloc[8:].isna().all()  # no pin, a pin outside, no pin
    assert frame["theme"].iloc[8:10].isna().all()
    assert frame["theme"].iloc[10] == "Verkehr"
    assert frame["rating"].iloc[8] == 4
    assert frame["rating"].drop(index=8).isna().all()
    assert list(frame["approved"]) == [True] * 8 + [False] * 3
    assert frame["received_at"].iloc[1] == received(1, microsecond=123456)
    assert str(frame["received_at"].dt.tz) == "Europe/Berlin"


def _assert_same_frame(fast: pd.DataFrame, orm: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, orm, check_exact=True)
    assert list(fast.dtypes) == list(orm.dtypes)
    # None against NaN and 4 against 4.0 pass assert_frame_equal: compare the values' types too.
    for column in orm.columns:
        assert [type(value) for value in fast[column]] == [type(value) for value in orm[column]]


def _both_paths(deployment) -> tuple[pd.DataFrame, pd.DataFrame]:
    if connection.vendor != "postgresql":
        pytest.skip("the CSV path exists on PostgreSQL only")
    rows = selectors._contribution_rows(deployment=deployment)
    return selectors._frame_by_copy(rows), selectors._frame_by_orm(rows)


def test_the_csv_path_gives_the_frame_of_the_orm_path(deployment) -> None:
    fast, orm = _both_paths(deployment)

    assert len(orm) == 11
    _assert_same_frame(fast, orm)


def test_the_csv_path_infers_columns_as_the_orm_path_does() -> None:
    # Every row with an event and a rating: integer columns, no NaN.
    rated = DeploymentFactory()
    event = EventFactory(deployment=rated)
    for rating in (1, 5):
        ContributionFactory(deployment=rated, kind="feedback", event=event, rating=rating)

    # No theme, no pin, no event anywhere: columns of None.
    bare = DeploymentFactory()
    ContributionFactory(deployment=bare, received_at=received(0))

    empty = DeploymentFactory()

    for deployment in (rated, bare, empty):
        fast, orm = _both_paths(deployment)
        _assert_same_frame(fast, orm)
    fast, _orm = _both_paths(rated)
    assert fast["rating"].dtype == "int64"
