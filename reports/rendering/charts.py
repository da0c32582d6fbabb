"""The report's charts: matplotlib figures written as SVG, text kept as text.

Every chart takes aggregated values (never one row per input), so its size does not grow with
the number of inputs. Colours are the Okabe–Ito palette, which stays distinguishable with the
common forms of colour blindness; numbers go through ``analysis.formatting`` so that a German
report never shows a decimal point.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.formatting import number

# Okabe & Ito (2008), "Color Universal Design".
BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
INK = "#222222"
MUTED = "#6b6b6b"
GRID = "#d9d9d9"
WEEKEND = "#f1f1f1"

# The SVG backend always draws at 72 dots per inch (1 px = 1 pt).
SVG_DPI = 72
FONT = "Liberation Sans"
FONT_SIZE_PT = 8
MM_PER_INCH = 25.4
FULL_WIDTH_MM = 170.0
HALF_WIDTH_MM = 82.0
# An average glyph is about half as wide as the font is high.
CHAR_MM = 0.5 * FONT_SIZE_PT / 72 * MM_PER_INCH
# Room for one value-axis number such as "80.000" and the gap to the next one.
TICK_LABEL_MM = 13.0

SUPPRESSED = "< 5"

_STYLE = {
    # No automatic layout engine: _chart lays each figure out itself.
    "figure.autolayout": False,
    "figure.constrained_layout.use": False,
    "svg.fonttype": "none",
    # A fixed salt makes the ids in the SVG, and so the PDF, the same on every run.
    "svg.hashsalt": "kiezlabor-report",
    "font.family": "sans-serif",
    "font.sans-serif": [FONT, "DejaVu Sans"],
    "font.size": FONT_SIZE_PT,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": MUTED,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": FONT_SIZE_PT + 1,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "legend.frameon": False,
    "legend.fontsize": FONT_SIZE_PT,
}

_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def _styled(function: Callable[..., Chart]) -> Callable[..., Chart]:
    """Build the whole chart under the report's style: matplotlib reads most settings when an
    artist is created, some only when it is drawn."""

    @functools.wraps(function)
    def styled(*args, **kwargs) -> Chart:
        with matplotlib.rc_context(_STYLE):
            return function(*args, **kwargs)

    return styled


@dataclass(frozen=True)
class Chart:
    """One chart as SVG markup, with its size on the page and a text alternative."""

    svg: str
    width_mm: float
    height_mm: float
    description: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode("ascii")

    @property
    def width_css(self) -> str:
        """The width for a style attribute: never localised, so never "82,0mm"."""
        return f"{self.width_mm:.1f}mm"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str | None = None


@_styled
def horizontal_bars(
    bars: Sequence[Bar],
    *,
    axis_label: str,
    description: str,
    colour: str = BLUE,
    width_mm: float = HALF_WIDTH_MM,
) -> Chart:
    """One bar per category, longest first as given; each bar labelled with its value."""
    height_mm = 13 + 5.4 * max(len(bars), 1)
    figure, axes = _figure(width_mm, height_mm)
    positions = range(len(bars))
    values = [bar.value for bar in bars]
    container = axes.barh(positions, values, color=colour, height=0.66)
    axes.bar_label(
        container,
        labels=[bar.text if bar.text is not None else number(bar.value) for bar in bars],
        padding=2,
        fontsize=FONT_SIZE_PT - 0.5,
    )
    axes.set_yticks(list(positions), [bar.label for bar in bars])
    axes.invert_yaxis()
    axes.tick_params(axis="y", length=0)
    axes.spines["left"].set_visible(False)
    # The value axis gets the width the category labels leave: its numbers must not collide.
    label_mm = CHAR_MM * max((len(bar.label) for bar in bars), default=0)
    _value_axis(axes.xaxis, axis_label, bins=_bins(width_mm - label_mm))
    axes.set_xlim(0, _headroom(values))
    axes.grid(axis="x", color=GRID, linewidth=0.5)
    axes.set_axisbelow(True)
    return _chart(figure, width_mm, height_mm, description)


@_styled
def daily_chart(
    *,
    visitors_by_day: dict[str, int],
    inputs_by_day: dict[str, int],
    starts_on: dt.date,
    ends_on: dt.date,
    description: str,
) -> Chart:
    """Visitors (top) and inputs (bottom) per day of the period; weekends shaded."""
    days = [
        starts_on + dt.timedelta(days=offset) for offset in range((ends_on - starts_on).days + 1)
    ]
    width_mm, height_mm = FULL_WIDTH_MM, 92.0
    figure = _new_figure(width_mm, height_mm)
    top, bottom = figure.subplots(2, 1, sharex=True)
    positions = list(range(len(days)))
    panels = (
        (top, visitors_by_day, SKY_BLUE, gettext("Besucher:innen")),
        (bottom, inputs_by_day, BLUE, gettext("Beiträge")),
    )
    for axes, by_day, colour, label in panels:
        for position, day in zip(positions, days, strict=True):
            if day.weekday() >= 5:
                axes.axvspan(position - 0.5, position + 0.5, color=WEEKEND, linewidth=0)
        values = [by_day.get(day.isoformat(), 0) for day in days]
        axes.bar(positions, values, color=colour, width=0.72)
        _value_axis(axes.yaxis, label)
        axes.set_ylim(0, _headroom(values, factor=1.08))
        axes.grid(axis="y", color=GRID, linewidth=0.5)
        axes.set_axisbelow(True)
        axes.set_xlim(-0.6, len(days) - 0.4)
    ticks = _day_ticks(days)
    bottom.set_xticks(ticks, [_day_label(days[tick]) for tick in ticks])
    bottom.set_xticks(positions, minor=True)
    bottom.tick_params(axis="x", labelsize=FONT_SIZE_PT - 1)
    bottom.set_xlabel(
        gettext("Tag (Wochenenden grau hinterlegt)")
        if len(days) <= 14
        else gettext("Tag (beschriftet: montags; Wochenenden grau hinterlegt)")
    )
    figure.align_ylabels([top, bottom])
    return _chart(figure, width_mm, height_mm, description)


@_styled
def hourly_chart(inputs_by_hour: dict[str, int], *, description: str) -> Chart:
    """Inputs per hour of the day, over the hours in which anything arrived (at least 8–20)."""
    counts = {int(hour): count for hour, count in inputs_by_hour.items()}
    busy = [hour for hour, count in counts.items() if count]
    first = min([8, *busy])
    last = max([20, *busy])
    hours = list(range(first, last + 1))
    width_mm, height_mm = FULL_WIDTH_MM, 55.0
    figure, axes = _figure(width_mm, height_mm)
    values = [counts.get(hour, 0) for hour in hours]
    axes.bar(hours, values, color=BLUE, width=0.72)
    axes.set_xticks(hours, [str(hour) for hour in hours])
    axes.set_xlim(first - 0.6, last + 0.6)
    axes.set_xlabel(gettext("Uhrzeit (Stunde des Eingangs, z. B. 9 = 9 bis 10 Uhr)"))
    _value_axis(axes.yaxis, gettext("Beiträge"))
    axes.set_ylim(0, _headroom(values, factor=1.08))
    axes.grid(axis="y", color=GRID, linewidth=0.5)
    axes.set_axisbelow(True)
    return _chart(figure, width_mm, height_mm, description)


@dataclass(frozen=True)
class AgeBar:
    label: str
    share: float | None
    expected_share: float | None
    suppressed: bool


@_styled
def age_chart(bands: Sequence[AgeBar], *, reached_label: str, description: str) -> Chart:
    """Share of each age band among those reached next to its share among residents.

    A band with fewer than five people shows no bar, only "< 5": its share would give the
    count away.
    """
    width_mm, height_mm = FULL_WIDTH_MM, 18 + 9.5 * len(bands)
    figure, axes = _figure(width_mm, height_mm)
    positions = list(range(len(bands)))
    reached = [0.0 if band.suppressed else (band.share or 0.0) * 100 for band in bands]
    residents = [(band.expected_share or 0.0) * 100 for band in bands]
    bar_height = 0.38
    reached_bars = axes.barh(
        [position - bar_height / 2 for position in positions],
        reached,
        height=bar_height,
        color=BLUE,
        label=reached_label,
    )
    resident_bars = axes.barh(
        [position + bar_height / 2 for position in positions],
        residents,
        height=bar_height,
        color=ORANGE,
        label=gettext("Einwohner:innen des Gebiets"),
    )
    axes.bar_label(
        reached_bars,
        labels=[SUPPRESSED if band.suppressed else _percent_label(band.share) for band in bands],
        padding=2,
        fontsize=FONT_SIZE_PT - 1,
    )
    axes.bar_label(
        resident_bars,
        labels=[_percent_label(band.expected_share) for band in bands],
        padding=2,
        fontsize=FONT_SIZE_PT - 1,
        color=MUTED,
    )
    axes.set_yticks(positions, [band.label for band in bands])
    axes.invert_yaxis()
    axes.tick_params(axis="y", length=0)
    axes.spines["left"].set_visible(False)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{number(value)} %"))
    axes.xaxis.set_major_locator(MaxNLocator(nbins=6))
    axes.set_xlabel(gettext("Anteil an allen Angaben bzw. an allen Einwohner:innen"))
    axes.set_xlim(0, _headroom(reached + residents))
    axes.grid(axis="x", color=GRID, linewidth=0.5)
    axes.set_axisbelow(True)
    axes.legend(loc="lower right", ncols=2, bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2)
    return _chart(figure, width_mm, height_mm, description)


@_styled
def share_chart(
    *, parts: Sequence[Bar], target: float | None, target_label: str, description: str
) -> Chart:
    """One 100 % bar split into its parts, with a marker for a target share of the first part."""
    width_mm, height_mm = FULL_WIDTH_MM, 36.0
    figure, axes = _figure(width_mm, height_mm)
    total = sum(part.value for part in parts) or 1
    left = 0.0
    colours = [BLUE, ORANGE, GREEN, PURPLE, SKY_BLUE, VERMILLION]
    for part, colour in zip(parts, colours, strict=False):
        width = part.value / total * 100
        axes.barh([0], [width], left=left, color=colour, height=0.55, label=part.label)
        if width >= 8:
            axes.text(
                left + width / 2,
                0,
                part.text or number(part.value),
                ha="center",
                va="center",
                color="white" if colour in (BLUE, VERMILLION) else INK,
                fontweight="bold",
            )
        left += width
    if target is not None:
        axes.plot(
            [target * 100, target * 100],
            [-0.4, 0.62],
            color=INK,
            linewidth=1.2,
            linestyle=(0, (3, 2)),
        )
        axes.text(target * 100 + 0.8, 0.62, target_label, ha="left", va="top", color=INK)
    axes.set_xlim(0, 100)
    axes.set_ylim(-0.45, 0.75)
    axes.set_yticks([])
    axes.spines["left"].set_visible(False)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{number(value)} %"))
    axes.set_xlabel(gettext("Anteil an allen stattgefundenen und geplanten Veranstaltungen"))
    figure.legend(loc="outside lower center", ncols=len(parts))
    return _chart(figure, width_mm, height_mm, description)


def _figure(width_mm: float, height_mm: float):
    figure = _new_figure(width_mm, height_mm)
    return figure, figure.subplots()


def _new_figure(width_mm: float, height_mm: float) -> Figure:
    """A figure that measures text as the SVG backend does and at its resolution, so that
    the layout _chart computes is the one ``savefig`` would compute."""
    figure = Figure(
        figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH),
        dpi=SVG_DPI,
        layout="constrained",
    )
    FigureCanvasSVG(figure)
    return figure


def _chart(figure: Figure, width_mm: float, height_mm: float, description: str) -> Chart:
    # With a layout engine, savefig draws the whole figure twice (once without output, only to
    # lay it out); laid out here and saved without one, it is drawn once: the same SVG, about
    # a fifth less time for the report's charts.
    figure.get_layout_engine().execute(figure)
    figure.set_layout_engine(None)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
    svg = _SVG_PROLOGUE.sub("", buffer.getvalue(), count=1)
    return Chart(svg=svg, width_mm=width_mm, height_mm=height_mm, description=description)


def _value_axis(axis, label: str, *, bins: int = 5) -> None:
    axis.set_major_locator(MaxNLocator(nbins=bins, integer=True))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: number(value)))
    axis.set_label_text(label)


def _bins(axis_mm: float) -> int:
    """How many steps a value axis this long can label legibly: 2 to 5."""
    return max(2, min(5, int(axis_mm // TICK_LABEL_MM)))


def _headroom(values: Sequence[float], factor: float = 1.15) -> float:
    """Room after the largest bar for its label; at least 1 so an empty chart still has an axis."""
    return max([1.0, *values]) * factor


def _percent_label(share: float | None) -> str:
    return "–" if share is None else share_text(share)


def share_text(share: float) -> str:
    """A share with one decimal always, as in a table column: 0.13 → "13,0 %"."""
    return f"{number_format(share * 100, decimal_pos=1)} %"


def _day_ticks(days: Sequence[dt.date]) -> list[int]:
    """Every day of a short period; else Mondays (every fourth one over a long period)."""
    if len(days) <= 14:
        return list(range(len(days)))
    mondays = [index for index, day in enumerate(days) if day.weekday() == 0]
    return mondays if len(days) <= 120 else mondays[::4]


def _day_label(day: dt.date) -> str:
    return date_format(day, "d.m.")
