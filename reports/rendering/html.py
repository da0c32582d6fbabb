"""The report as one self-contained HTML document: charts and maps inline, the CSS inline.

Nothing in it points outside the document, so WeasyPrint never fetches anything (it is told to
refuse anything but ``data:`` URLs) and the HTML kept with a report shows the same thing later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from analysis.formatting import percent
from analysis.snapshot import Snapshot
from reports.rendering import charts, content, maps
from reports.rendering.charts import Bar, Chart

TEMPLATE = "reports/ortsanalyse.html"
STYLESHEET = "reports/report.css"
COVER_MAP_MM = (170.0, 140.0)
SPREAD_MAP_MM = (170.0, 150.0)


def build_charts(snapshot: Snapshot) -> dict[str, Chart | None]:
    """All charts of the report; None where there is nothing to draw."""
    figures = snapshot.figures
    starts_on = dt.date.fromisoformat(snapshot.deployment.starts_on)
    ends_on = dt.date.fromisoformat(snapshot.deployment.ends_on)
    return {
        "channels": _bars(
            content.channel_counts(figures),
            axis_label=gettext("Beiträge"),
            description=gettext("Balkendiagramm: Beiträge je Weg, auf dem sie eingingen."),
        ),
        "kinds": _bars(
            content.kind_counts(figures),
            axis_label=gettext("Beiträge"),
            description=gettext("Balkendiagramm: Beiträge je Art."),
            colour=charts.GREEN,
        ),
        "days": charts.daily_chart(
            visitors_by_day=figures.visitors_by_day,
            inputs_by_day=figures.inputs_by_day,
            starts_on=starts_on,
            ends_on=ends_on,
            description=gettext(
                "Säulendiagramm: Besucher:innen und Beiträge je Tag des Einsatzes."
            ),
        )
        if figures.visitors or figures.inputs
        else None,
        "hours": charts.hourly_chart(
            figures.inputs_by_hour,
            description=gettext("Säulendiagramm: Beiträge je Stunde des Tages."),
        )
        if figures.inputs
        else None,
        "ages": _age_chart(snapshot),
        "lead": _lead_chart(snapshot),
        "formats": _bars(
            content.format_counts(figures),
            axis_label=gettext("Veranstaltungen"),
            description=gettext("Balkendiagramm: Veranstaltungen je Format."),
            colour=charts.ORANGE,
        ),
        "target_groups": _bars(
            _target_group_counts(snapshot),
            axis_label=gettext("Veranstaltungen"),
            description=gettext("Balkendiagramm: Veranstaltungen je Zielgruppe."),
            colour=charts.PURPLE,
        ),
        "themes": _bars(
            list(figures.inputs_by_theme.items()),
            axis_label=gettext("Beiträge"),
            description=gettext("Balkendiagramm: Beiträge je Thema, vom Team zugeordnet."),
            colour=charts.SKY_BLUE,
            width_mm=charts.FULL_WIDTH_MM,
        ),
    }


def build_maps(snapshot: Snapshot) -> dict[str, object]:
    width, height = COVER_MAP_MM
    spread_width, spread_height = SPREAD_MAP_MM
    return {
        "cover": maps.site_map(snapshot.map, width_mm=width, height_mm=height),
        "spread": maps.spread_map(
            snapshot.map,
            pin_grid=snapshot.space.pin_grid,
            hotspots=snapshot.space.hotspots,
            width_mm=spread_width,
            height_mm=spread_height,
        )
        if snapshot.space.pinned
        else None,
    }


def report_html(
    *,
    snapshot: Snapshot,
    recommendations: Sequence[dict],
    charts_by_name: dict[str, Chart | None],
    maps_by_name: dict[str, object],
    language: str,
) -> str:
    """Render the report's template in ``language`` (numbers and dates follow it)."""
    with translation.override(language):
        return render_to_string(
            TEMPLATE,
            report_context(
                snapshot=snapshot,
                recommendations=recommendations,
                charts_by_name=charts_by_name,
                maps_by_name=maps_by_name,
                language=language,
            ),
        )


def report_context(
    *,
    snapshot: Snapshot,
    recommendations: Sequence[dict],
    charts_by_name: dict[str, Chart | None],
    maps_by_name: dict[str, object],
    language: str,
) -> dict[str, object]:
    figures = snapshot.figures
    representativeness = snapshot.representativeness
    items = content.recommendation_items(recommendations)
    return {
        "language": language,
        "stylesheet": _stylesheet(),
        "document_title": gettext("Ortsanalyse – %(title)s") % {"title": snapshot.deployment.title},
        "deployment": snapshot.deployment,
        "areas": ", ".join(snapshot.deployment.areas),
        "period": content.period(snapshot),
        "report_date": date_format(timezone.localdate(), "SHORT_DATE_FORMAT"),
        "data_date": content.moment(snapshot.computed_at),
        "created_iso": timezone.now().replace(microsecond=0).isoformat(),
        "charts": charts_by_name,
        "maps": maps_by_name,
        "key_figures": content.key_figures(snapshot),
        "findings": content.summary_findings(snapshot),
        "top_recommendations": items[: content.SUMMARY_ITEMS],
        "recommendations": items,
        "programme_rows": content.programme_rows(figures),
        "active_events": content.count(content.active_events(figures)),
        "partners": figures.partners,
        "event_rows": content.event_rows(figures),
        "inputs_without_event": content.count(figures.inputs_without_event),
        "inputs_outside_period": content.count(content.inputs_outside_period(snapshot)),
        "has_inputs_outside_period": bool(content.inputs_outside_period(snapshot)),
        "inputs": content.count(figures.inputs),
        "inputs_without_theme": content.count(figures.inputs_without_theme),
        "age_rows": content.age_rows(snapshot),
        "test_sentence": content.age_test_sentence(representativeness.participants),
        "newcomer_sentence": content.newcomer_sentence(representativeness.newcomers),
        "estimated_sentence": content.estimated_sentence(snapshot),
        "participants_n": content.count(representativeness.participants.n),
        "topic_sections": content.topic_sections(snapshot),
        "pinned": content.count(snapshot.space.pinned),
        "unpinned": content.count(snapshot.space.unpinned),
        "pinned_share": percent(snapshot.space.pinned_share),
        "area_rows": content.area_rows(snapshot),
        "ring_rows": content.ring_rows(snapshot),
        "hotspot_rows": content.hotspot_rows(snapshot),
        "inputs_outside_map": content.count(
            maps_by_name["spread"].inputs_outside if maps_by_name.get("spread") else 0
        ),
        "definition_groups": content.definition_groups(snapshot),
        "min_group_size": content.MIN_GROUP_SIZE,
    }


def _bars(
    items: Sequence[tuple[str, int]],
    *,
    axis_label: str,
    description: str,
    colour: str = charts.BLUE,
    width_mm: float = charts.HALF_WIDTH_MM,
) -> Chart | None:
    if not any(value for _label, value in items):
        return None
    return charts.horizontal_bars(
        [Bar(label, value) for label, value in items],
        axis_label=axis_label,
        description=description,
        colour=colour,
        width_mm=width_mm,
    )


def _age_chart(snapshot: Snapshot) -> Chart | None:
    participants = snapshot.representativeness.participants
    if not participants.n:
        return None
    return charts.age_chart(
        [
            charts.AgeBar(
                label=band.label,
                share=band.share,
                expected_share=band.expected_share,
                suppressed=content.is_suppressed(band.count),
            )
            for band in participants.bands
        ],
        reached_label=gettext("Teilnehmende (eigene Angabe)"),
        description=gettext(
            "Balkendiagramm: Anteil jeder Altersgruppe unter den Teilnehmenden und unter den "
            "Einwohner:innen des Gebiets."
        ),
    )


def _lead_chart(snapshot: Snapshot) -> Chart | None:
    figures = snapshot.figures
    own, partner = content.lead_counts(figures)
    if not own + partner:
        return None
    return charts.share_chart(
        parts=[
            Bar(gettext("eigene Veranstaltungen"), own, content.count(own)),
            Bar(gettext("von Partner:innen"), partner, content.count(partner)),
        ],
        target=figures.own_share_target,
        target_label=gettext("Richtwert %(target)s eigene")
        % {"target": content.percent(figures.own_share_target)},
        description=gettext(
            "Balken: Anteil eigener Veranstaltungen und solcher von Partner:innen, mit dem "
            "Richtwert von einem Viertel eigener Veranstaltungen."
        ),
    )


@cache
def _stylesheet() -> str:
    path = finders.find(STYLESHEET)
    if path is None:
        raise FileNotFoundError(f"static file {STYLESHEET} not found")
    with open(path, encoding="utf-8") as stylesheet:
        return stylesheet.read()


def _target_group_counts(snapshot: Snapshot) -> list[tuple[str, int]]:
    """Events per target group: every target group of the deployment, those without events as 0."""
    counts = snapshot.figures.events_by_target_group
    planned = snapshot.deployment.target_groups
    return [(name, counts.get(name, 0)) for name in planned] + [
        (name, count) for name, count in counts.items() if name not in planned
    ]
