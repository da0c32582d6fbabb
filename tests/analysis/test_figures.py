"""The figures of a deployment, each checked on a small hand-made deployment.

The deployment runs four weeks, Monday 6 May to Sunday 2 June 2024 (28 days); the start phase
is 6–19 May. Every expected value is worked out by hand next to it.
"""

import dataclasses
import datetime as dt
import json
import zoneinfo

import pandas as pd
import pytest

from analysis.figures import Figures, deployment_figures, visitors_per_hour

pytestmark = pytest.mark.smoke

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = dt.UTC
STARTS_ON = dt.date(2024, 5, 6)
ENDS_ON = dt.date(2024, 6, 2)

CONTRIBUTION_COLUMNS = [
    "id", "kind", "channel", "text", "language", "theme", "event_id", "received_at", "age_band",
    "relation", "demographics_estimated", "approved", "support", "x", "y", "area_code", "rating",
]  # fmt: skip
VISITOR_COLUMNS = ["hour_starts_at", "age_band", "gender", "count", "source"]
EVENT_COLUMNS = [
    "id", "title", "format", "starts_at", "ends_at", "state", "lead", "series_id", "is_public",
    "attendance", "target_groups", "partners",
]  # fmt: skip


def at(month: int, day: int, hour: int, minute: int = 0, tz: dt.tzinfo = BERLIN) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, tzinfo=tz)


def contributions(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (id, kind, channel, theme, event_id, received_at); the rest has defaults."""
    defaults = {
        "text": "",
        "language": "de",
        "age_band": "",
        "relation": "",
        "demographics_estimated": False,
        "approved": True,
        "support": 1,
        "x": None,
        "y": None,
        "area_code": None,
        "rating": None,
    }
    keys = ["id", "kind", "channel", "theme", "event_id", "received_at"]
    records = [defaults | dict(zip(keys, row, strict=True)) for row in rows]
    return pd.DataFrame.from_records(records, columns=CONTRIBUTION_COLUMNS)


def visitor_counts(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (hour_starts_at, age_band, gender, count, source)."""
    return pd.DataFrame.from_records(rows, columns=VISITOR_COLUMNS)


def events(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (id, title, format, starts_at, ends_at, state, lead, series_id, attendance,
    target_groups); all public."""
    columns = [c for c in EVENT_COLUMNS if c not in ("is_public", "partners")]
    records = [
        dict(zip(columns, row[: len(columns)], strict=True))
        | {"is_public": True, "partners": PARTNERS.get(row[0], [])}
        for row in rows
    ]
    return pd.DataFrame.from_records(records, columns=EVENT_COLUMNS)


# Hour 6 May 10:00: the counter says 20, staff also counted 4 + 3 by age → 20 (counter wins).
# Hour 6 May 11:00: no counter, staff counted 2 + 5 → 7.
# Hour 8 May 16:00 (given in UTC, 14:00 UTC): counter 12 → 12.
VISITOR_COUNTS = [
    (at(5, 6, 10), "", "", 20, "counter"),
    (at(5, 6, 10), "27_44", "female", 4, "manual"),
    (at(5, 6, 10), "65_plus", "male", 3, "manual"),
    (at(5, 6, 11), "0_5", "", 2, "manual"),
    (at(5, 6, 11), "27_44", "", 5, "manual"),
    (at(5, 8, 14, tz=UTC), "", "", 12, "counter"),
]

CONTRIBUTIONS = [
    (1, "idea", "kiosk", "Verkehr", None, at(5, 6, 10, 15)),
    (2, "idea", "kiosk", "Verkehr", 101, at(5, 6, 10, 40)),
    (3, "poll", "kiosk", None, None, at(5, 6, 11, 5)),
    # 22:30 UTC on 6 May is 00:30 Berlin time on 7 May.
    (4, "poll", "online", "Grün", None, at(5, 6, 22, 30, tz=UTC)),
    (5, "feedback", "paper", None, 101, at(5, 8, 16, 20)),
    (6, "note", "conversation", "Grün", None, at(5, 8, 16, 50)),
    (7, "statement", "workshop", "Jugend", 102, at(5, 19, 14)),
    (8, "statement", "workshop", "Jugend", 102, at(5, 19, 14)),
    (9, "statement", "workshop", "Verkehr", 102, at(5, 19, 14, 30)),
    # Online the day after the deployment ended.
    (10, "idea", "online", "Verkehr", None, at(6, 3, 9, 10)),
]

PARTNERS = {
    102: ["Jugendclub Boxi"],
    103: ["Jugendclub Boxi", "Stadtteilladen"],
    104: ["Seniorentreff"],
}
EVENTS = [
    (101, "Eröffnungsfest", "festival", at(5, 6, 16), at(5, 6, 20), "held", "own", None, 80,
     ["familien", "nachbarschaft"]),
    # Last day of the start phase (day 14).
    (102, "Kiezplan-Werkstatt 1", "workshop", at(5, 19, 14), at(5, 19, 17), "held", "partner",
     7, 15, ["jugend"]),
    # First day after the start phase (day 15); attendance not recorded.
    (103, "Kiezplan-Werkstatt 2", "workshop", at(5, 20, 14), at(5, 20, 17), "held", "partner",
     7, None, ["jugend"]),
    (104, "Sprechstunde", "consultation", at(5, 22, 10), at(5, 22, 12), "cancelled", "own",
     None, None, ["senioren"]),
    (105, "Kiezplan-Werkstatt 3", "workshop", at(5, 27, 14), at(5, 27, 17), "planned",
     "partner", 7, None, ["jugend"]),
    (106, "Sprechstunde", "consultation", at(5, 29, 10), at(5, 29, 12), "held", "partner",
     None, 9, ["senioren"]),
    # Ends at midnight: its last day is 2 June, inside the period.
    (107, "Abschlussfest", "festival", at(6, 2, 18), at(6, 3, 0), "held", "own", None, 120, []),
    # After the period: part of the programme, but not of the weekly density.
    (108, "Nachtreffen", "other", at(6, 4, 18), at(6, 4, 20), "held", "partner", None, 10, []),
]  # fmt: skip


@pytest.fixture
def figures() -> Figures:
    return deployment_figures(
        contributions=contributions(CONTRIBUTIONS),
        visitor_counts=visitor_counts(VISITOR_COUNTS),
        events=events(EVENTS),
        starts_on=STARTS_ON,
        ends_on=ENDS_ON,
    )


def test_visitors_take_the_counter_where_it_ran_and_hand_counts_elsewhere(figures):
    # 20 (counter; 4 + 3 by hand in that hour not added) + 7 (2 + 5 by hand) + 12 (counter)
    assert figures.visitors == 39
    assert figures.visitors_counted_hours == 3
    assert figures.visitors_from_counter == 32  # 20 + 12
    assert figures.visitors_from_manual_counts == 7  # 2 + 5


def test_visitors_by_day_cover_every_day_of_the_deployment(figures):
    # 6 May: 20 + 7 = 27; 8 May: 12; the other 26 of the 28 days: 0.
    assert len(figures.visitors_by_day) == 28
    assert figures.visitors_by_day["2024-05-06"] == 27
    assert figures.visitors_by_day["2024-05-08"] == 12
    assert sum(figures.visitors_by_day.values()) == 39


def test_a_counter_reading_zero_still_means_the_counter_ran():
    counts = visitor_counts(
        [(at(5, 7, 9), "", "", 0, "counter"), (at(5, 7, 9), "18_26", "", 2, "manual")]
    )

    # One hour; the counter ran and saw nobody, so the 2 by hand are not added: 0.
    assert visitors_per_hour(counts)["visitors"].tolist() == [0]


def test_inputs_by_channel_and_kind_list_every_choice(figures):
    assert figures.inputs == 10
    # kiosk: 1, 2, 3; online: 4, 10; paper: 5; conversation: 6; workshop: 7, 8, 9
    assert figures.inputs_by_channel == {
        "kiosk": 3,
        "online": 2,
        "paper": 1,
        "conversation": 1,
        "workshop": 3,
    }
    # idea: 1, 2, 10; poll: 3, 4; feedback: 5; note: 6; statement: 7, 8, 9
    assert figures.inputs_by_kind == {
        "idea": 3,
        "poll": 2,
        "feedback": 1,
        "note": 1,
        "statement": 3,
    }


def test_inputs_by_theme_most_frequent_first(figures):
    # Verkehr: 1, 2, 9, 10; Grün: 4, 6; Jugend: 7, 8 (tie with Grün: by name); none: 3, 5
    assert list(figures.inputs_by_theme.items()) == [("Verkehr", 4), ("Grün", 2), ("Jugend", 2)]
    assert figures.inputs_without_theme == 2


def test_inputs_by_day_in_berlin_time_including_days_after_the_period(figures):
    by_day = figures.inputs_by_day
    # 6 May: 1, 2, 3; 7 May: 4 (00:30 Berlin); 8 May: 5, 6; 19 May: 7, 8, 9; 3 June: 10
    assert {day: n for day, n in by_day.items() if n} == {
        "2024-05-06": 3,
        "2024-05-07": 1,
        "2024-05-08": 2,
        "2024-05-19": 3,
        "2024-06-03": 1,
    }
    # The 28 days of the period, then 3 June.
    days = list(by_day)
    assert (len(days), days[0], days[-2], days[-1]) == (
        29,
        "2024-05-06",
        "2024-06-02",
        "2024-06-03",
    )


def test_inputs_by_hour_of_day_in_berlin_time(figures):
    # 00: 4; 09: 10; 10: 1, 2; 11: 3; 14: 7, 8, 9; 16: 5, 6
    assert {hour: n for hour, n in figures.inputs_by_hour.items() if n} == {
        "00": 1,
        "09": 1,
        "10": 2,
        "11": 1,
        "14": 3,
        "16": 2,
    }
    assert list(figures.inputs_by_hour) == [f"{hour:02d}" for hour in range(24)]


def test_inputs_by_event_list_the_whole_programme_in_time_order(figures):
    # 101: 2, 5; 102: 7, 8, 9; no event: 1, 3, 4, 6, 10
    assert [(row["event_id"], row["inputs"]) for row in figures.inputs_by_event] == [
        (101, 2),
        (102, 3),
        (103, 0),
        (104, 0),
        (105, 0),
        (106, 0),
        (107, 0),
        (108, 0),
    ]
    assert figures.inputs_by_event[0]["title"] == "Eröffnungsfest"
    assert figures.inputs_without_event == 5


def test_events_held_cancelled_planned_and_attendance(figures):
    # held: 101, 102, 103, 106, 107, 108; cancelled: 104; planned: 105
    assert (figures.events_held, figures.events_cancelled, figures.events_planned) == (6, 1, 1)
    # 80 + 15 + 9 + 120 + 10; 103 has no number and is counted apart
    assert figures.attendance == 234
    assert figures.events_held_without_attendance == 1


def test_own_share_and_series_share_leave_cancelled_events_out(figures):
    # Not cancelled: 101, 102, 103, 105, 106, 107, 108 = 7; own: 101, 107 (104 is cancelled)
    assert figures.own_events == 2
    assert figures.own_share == pytest.approx(2 / 7)
    assert figures.own_share_target == 0.25
    # In series 7: 102, 103, 105
    assert figures.series_share == pytest.approx(3 / 7)


def test_events_per_target_group(figures):
    # jugend: 102, 103, 105; familien, nachbarschaft: 101; senioren: 106 (104 is cancelled)
    assert list(figures.events_by_target_group.items()) == [
        ("jugend", 3),
        ("familien", 1),
        ("nachbarschaft", 1),
        ("senioren", 1),
    ]


def test_events_per_format_and_lead_and_the_partners_involved(figures):
    # Not cancelled: festival 101, 107; workshop 102, 103, 105; consultation 106; other 108
    assert {k: v for k, v in figures.events_by_format.items() if v} == {
        "workshop": 3,
        "festival": 2,
        "consultation": 1,
        "other": 1,
    }
    assert figures.events_by_lead == {"own": 2, "partner": 5}
    # 104 (cancelled) had the Seniorentreff; it does not count.
    assert figures.partners == ["Jugendclub Boxi", "Stadtteilladen"]


def test_start_phase_density_compares_the_first_two_weeks_with_the_average_week(figures):
    # Inside the period, not cancelled: 101, 102, 103, 105, 106, 107 (108 is after it) = 6
    # in 28 days = 4 weeks → 1.5 per week.
    assert figures.events_per_week == pytest.approx(1.5)
    # First 14 days (6–19 May): 101, 102 = 2 → 1 per week; 103 on day 15 is outside.
    assert figures.start_phase_events == 2
    assert figures.start_phase_events_per_week == pytest.approx(1.0)
    # 1 / 1.5 = 2/3: the start is thinner than the average week.
    assert figures.start_phase_density == pytest.approx(2 / 3)


def test_participation_rate_is_inputs_per_visitor(figures):
    # 10 inputs / 39 visitors
    assert figures.participation_rate == pytest.approx(10 / 39)


def test_without_visitors_or_events_the_rates_are_empty_not_zero():
    figures = deployment_figures(
        contributions=contributions(CONTRIBUTIONS[:2]),
        visitor_counts=visitor_counts([]),
        events=events([]),
        starts_on=STARTS_ON,
        ends_on=ENDS_ON,
    )

    assert figures.visitors == 0
    assert figures.participation_rate is None
    assert figures.own_share is None
    assert figures.series_share is None
    assert figures.events_per_week == 0
    assert figures.start_phase_density is None


def test_a_deployment_of_two_weeks_or_less_has_no_start_phase_comparison():
    # 6–19 May: 14 days, as the planning check (which warns only for longer deployments).
    figures = deployment_figures(
        contributions=contributions([]),
        visitor_counts=visitor_counts([]),
        events=events(EVENTS[:2]),
        starts_on=STARTS_ON,
        ends_on=dt.date(2024, 5, 19),
    )

    # 101 and 102 in 14 days = 2 weeks → 1 per week.
    assert figures.events_per_week == pytest.approx(1.0)
    assert figures.start_phase_events == 2
    assert figures.start_phase_events_per_week is None
    assert figures.start_phase_density is None


def test_every_figure_has_a_german_definition(figures):
    fields = {field.name for field in dataclasses.fields(Figures)} - {"definitions"}

    assert set(figures.definitions) == fields
    assert all(text.strip() for text in figures.definitions.values())
    assert "doppelt" in figures.definitions["visitors"]


def test_figures_round_trip_through_json(figures):
    plain = dataclasses.asdict(figures)

    assert json.loads(json.dumps(plain)) == plain
