"""The report's maps, drawn as SVG from the snapshot's geometry (EPSG:25833 metres).

No tiles: a worker reaches no tile server, and a map of outlines, pins and rings says what the
report needs to say. Pins are drawn per grid cell, never one by one, so a map's size depends on
the area covered, not on the number of inputs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext

from analysis.formatting import number
from analysis.snapshot import MapGeometry
from analysis.space import MAP_GRID_M, RING_LIMITS_M, Hotspot
from reports.rendering.charts import BLUE, FONT, INK, MUTED, VERMILLION, Chart

PT_PER_MM = 72 / 25.4
FONT_STACK = f"{FONT}, DejaVu Sans, sans-serif"
AREA_FILL = "#f4f2ec"
AREA_STROKE = "#8a8a8a"
# More cells than this are merged into coarser cells: the dots would overlap anyway.
MAX_CELLS = 2500
SCALE_BAR_STEPS_M = (25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)
VIEW_RADII_M = (400, 600, 800, 1100, 1500, 2000, 3000, 5000, 8000)
DOT_MIN_PT = 2.0
DOT_MAX_PT = 8.0
DOT_STEP_PT = 1.2
# Where a ring's label may sit, tried in this order (degrees, counter-clockwise from east).
RING_LABEL_ANGLES = (90, 135, 45, 180, 0, -135, -45, -90)


@dataclass(frozen=True)
class Frame:
    """Maps metres (EPSG:25833) onto the drawing, in points, north up."""

    min_x: float
    max_y: float
    scale: float  # points per metre
    width: float
    height: float

    @classmethod
    def around(
        cls, bounds: tuple[float, float, float, float], width_mm: float, height_mm: float
    ) -> Frame:
        """A frame that shows ``bounds`` whole, centred, keeping the drawing's aspect ratio."""
        min_x, min_y, max_x, max_y = bounds
        width, height = width_mm * PT_PER_MM, height_mm * PT_PER_MM
        scale = min(width / max(max_x - min_x, 1), height / max(max_y - min_y, 1))
        centre_x, centre_y = (min_x + max_x) / 2, (min_y + max_y) / 2
        return cls(
            min_x=centre_x - width / scale / 2,
            max_y=centre_y + height / scale / 2,
            scale=scale,
            width=width,
            height=height,
        )

    def point(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.min_x) * self.scale, (self.max_y - y) * self.scale

    def contains(self, x: float, y: float) -> bool:
        px, py = self.point(x, y)
        return 0 <= px <= self.width and 0 <= py <= self.height


@dataclass(frozen=True)
class SpreadMap:
    """The map of pins around the site, and what it had to leave out."""

    chart: Chart
    radius_m: int
    inputs_outside: int


def site_map(geometry: MapGeometry, *, width_mm: float, height_mm: float) -> Chart:
    """The site in its forecast area(s), for the cover."""
    site_x, site_y = geometry.site
    points = [point for outline in geometry.outlines for ring in outline.rings for point in ring]
    if points:
        xs, ys = [x for x, _y in points], [y for _x, y in points]
        pad = 0.06 * max(max(xs) - min(xs), max(ys) - min(ys))
        bounds = (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)
    else:
        bounds = (site_x - 750, site_y - 750, site_x + 750, site_y + 750)
    frame = Frame.around(bounds, width_mm, height_mm)
    parts = [
        _outlines(frame, geometry),
        _circle_m(frame, site_x, site_y, 500, dashed=True),
        _site(frame, site_x, site_y, gettext("Standort")),
        _scale_bar(frame),
        _north_arrow(frame),
    ]
    names = ", ".join(outline.name for outline in geometry.outlines)
    description = gettext(
        "Karte: der Standort im Prognoseraum %(areas)s, mit einem Kreis von 500 m um den Standort."
    ) % {"areas": names or "–"}
    return _chart(frame, parts, width_mm, height_mm, description)


def spread_map(
    geometry: MapGeometry,
    *,
    pin_grid: Sequence[Sequence[float]],
    hotspots: Sequence[Hotspot],
    width_mm: float,
    height_mm: float,
) -> SpreadMap:
    """Pins per cell as dots sized by their count, hotspots numbered, rings around the site."""
    site_x, site_y = geometry.site
    radius = _view_radius(pin_grid, site_x, site_y)
    bounds = (site_x - radius, site_y - radius, site_x + radius, site_y + radius)
    frame = Frame.around(bounds, width_mm, height_mm)
    cells = _coarsen(pin_grid)
    largest = max((count for _x, _y, count in cells), default=1)
    parts = [
        _outlines(frame, geometry),
        *(
            _circle_m(frame, site_x, site_y, limit, dashed=True, label=_metres(limit))
            for limit in RING_LIMITS_M
        ),
        _dots(frame, cells, largest),
        _hotspots(frame, hotspots),
        _site(frame, site_x, site_y, gettext("Standort")),
        _scale_bar(frame),
        _north_arrow(frame),
        _legend(frame, largest, cell_m=_cell_size(pin_grid)),
    ]
    outside = int(sum(count for x, y, count in pin_grid if not frame.contains(x, y)))
    description = gettext(
        "Karte: verortete Beiträge um den Standort als Punkte, je größer, desto mehr Beiträge; "
        "%(hotspots)s Häufungen nummeriert; Ringe in 250, 500 und 1.000 m Entfernung."
    ) % {"hotspots": len(hotspots)}
    return SpreadMap(
        chart=_chart(frame, parts, width_mm, height_mm, description),
        radius_m=radius,
        inputs_outside=outside,
    )


def _view_radius(pin_grid: Sequence[Sequence[float]], site_x: float, site_y: float) -> int:
    """The smallest of VIEW_RADII_M that shows at least 95 % of the pins."""
    if not pin_grid:
        return VIEW_RADII_M[1]
    weighted = sorted((max(abs(x - site_x), abs(y - site_y)), count) for x, y, count in pin_grid)
    total = sum(count for _distance, count in weighted)
    seen = 0.0
    needed = 0.0
    for distance, count in weighted:
        seen += count
        needed = distance + MAP_GRID_M
        if seen >= 0.95 * total:
            break
    return next((radius for radius in VIEW_RADII_M if radius >= needed), VIEW_RADII_M[-1])


def _cell_size(pin_grid: Sequence[Sequence[float]]) -> float:
    return MAP_GRID_M * max(1, math.ceil(math.sqrt(len(pin_grid) / MAX_CELLS)))


def _coarsen(pin_grid: Sequence[Sequence[float]]) -> list[tuple[float, float, int]]:
    cell = _cell_size(pin_grid)
    if cell == MAP_GRID_M:
        return [(x, y, int(count)) for x, y, count in pin_grid]
    merged: dict[tuple[int, int], int] = {}
    for x, y, count in pin_grid:
        key = (math.floor(x / cell), math.floor(y / cell))
        merged[key] = merged.get(key, 0) + int(count)
    return [((i + 0.5) * cell, (j + 0.5) * cell, count) for (i, j), count in merged.items()]


def _dot_radius(count: float, largest: float) -> float:
    """Area grows with the count; the scale only shrinks when the largest cell needs it."""
    step = min(DOT_STEP_PT, (DOT_MAX_PT - DOT_MIN_PT) / math.sqrt(max(largest - 1, 1)))
    return DOT_MIN_PT + step * math.sqrt(max(count - 1, 0))


def _outlines(frame: Frame, geometry: MapGeometry) -> str:
    paths = []
    for outline in geometry.outlines:
        rings = " ".join(_ring_path(frame, ring) for ring in outline.rings)
        paths.append(
            f'<path d="{rings}" fill="{AREA_FILL}" fill-rule="evenodd" stroke="{AREA_STROKE}" '
            f'stroke-width="0.8" stroke-linejoin="round"/>'
        )
    return "".join(paths)


def _ring_path(frame: Frame, ring: Iterable[Sequence[float]]) -> str:
    points = [frame.point(x, y) for x, y in ring]
    if not points:
        return ""
    head, *tail = points
    return f"M{head[0]:.1f},{head[1]:.1f}" + "".join(f"L{x:.1f},{y:.1f}" for x, y in tail) + "Z"


def _circle_m(
    frame: Frame, x: float, y: float, radius_m: float, *, dashed: bool, label: str = ""
) -> str:
    cx, cy = frame.point(x, y)
    radius = radius_m * frame.scale
    dash = ' stroke-dasharray="3 2.5"' if dashed else ""
    circle = (
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="none" stroke="{MUTED}" '
        f'stroke-width="0.7"{dash}/>'
    )
    if label:
        circle += _ring_label(frame, cx, cy, radius, label)
    return circle


def _ring_label(frame: Frame, cx: float, cy: float, radius: float, label: str) -> str:
    """The label on the ring at the first of RING_LABEL_ANGLES that lies well inside the map."""
    margin = 24.0
    for angle in RING_LABEL_ANGLES:
        x = cx + radius * math.cos(math.radians(angle))
        y = cy - radius * math.sin(math.radians(angle))
        if margin <= x <= frame.width - margin and margin <= y <= frame.height - margin:
            return _halo_text(x, y + 2.3, label, size=6.5, anchor="middle", fill=MUTED)
    return ""


def _dots(frame: Frame, cells: Sequence[tuple[float, float, int]], largest: int) -> str:
    # Largest first, so small dots stay visible on top of big ones.
    ordered = sorted(cells, key=lambda cell: -cell[2])
    circles = []
    for x, y, count in ordered:
        if not frame.contains(x, y):
            continue
        cx, cy = frame.point(x, y)
        circles.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{_dot_radius(count, largest):.2f}"/>'
        )
    return (
        f'<g fill="{BLUE}" fill-opacity="0.55" stroke="{BLUE}" stroke-width="0.4">'
        + "".join(circles)
        + "</g>"
    )


def _hotspots(frame: Frame, hotspots: Sequence[Hotspot]) -> str:
    parts = []
    for position, hotspot in enumerate(hotspots, start=1):
        cx, cy = frame.point(hotspot.x, hotspot.y)
        radius = max(hotspot.radius_m * frame.scale, 6.0)
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="{VERMILLION}" '
            f'fill-opacity="0.08" stroke="{VERMILLION}" stroke-width="1.3"/>'
        )
        badge_x = cx + radius * math.cos(math.pi / 4)
        badge_y = cy - radius * math.sin(math.pi / 4)
        parts.append(
            f'<circle cx="{badge_x:.1f}" cy="{badge_y:.1f}" r="6" fill="{VERMILLION}" '
            f'stroke="white" stroke-width="1"/>'
        )
        parts.append(
            _text(
                badge_x,
                badge_y + 2.6,
                str(position),
                size=7.5,
                fill="white",
                anchor="middle",
                bold=True,
            )
        )
    return "".join(parts)


def _site(frame: Frame, x: float, y: float, label: str) -> str:
    cx, cy = frame.point(x, y)
    size = 7.0
    return (
        f'<rect x="{cx - size / 2:.1f}" y="{cy - size / 2:.1f}" width="{size}" height="{size}" '
        f'fill="{INK}" stroke="white" stroke-width="1.2" transform="rotate(45 {cx:.1f} {cy:.1f})"/>'
        + _halo_text(cx + 8, cy + 3, label, size=8, bold=True)
    )


def _scale_bar(frame: Frame) -> str:
    target = frame.width / 5 / frame.scale
    length_m = max([step for step in SCALE_BAR_STEPS_M if step <= target] or [SCALE_BAR_STEPS_M[0]])
    length = length_m * frame.scale
    x, y = 10.0, frame.height - 14.0
    half = length / 2
    return (
        f'<rect x="{x - 6:.1f}" y="{y - 13:.1f}" width="{length + 24:.1f}" height="22" '
        f'fill="white" fill-opacity="0.85"/>'
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{half:.1f}" height="3.5" fill="{INK}"/>'
        f'<rect x="{x + half:.1f}" y="{y:.1f}" width="{half:.1f}" height="3.5" fill="white" '
        f'stroke="{INK}" stroke-width="0.6"/>'
        + _text(x, y - 3, "0", size=6.5, fill=INK, anchor="middle")
        + _text(x + length, y - 3, _metres(length_m), size=6.5, fill=INK, anchor="middle")
    )


def _north_arrow(frame: Frame) -> str:
    x, y = frame.width - 16.0, 12.0
    return (
        f'<circle cx="{x}" cy="{y + 9}" r="12" fill="white" fill-opacity="0.85"/>'
        f'<path d="M{x},{y} L{x + 5},{y + 14} L{x},{y + 11} L{x - 5},{y + 14} Z" fill="{INK}"/>'
        + _text(x, y + 20.5, "N", size=6.5, fill=INK, anchor="middle", bold=True)
    )


def _legend(frame: Frame, largest: int, *, cell_m: float) -> str:
    samples = sorted({1, max(1, round(largest / 4)), largest})
    width, row = 152.0, 14.0
    big = _dot_radius(largest, largest)
    height = 2 * big + 12 + 2 * row + 8
    x, y = frame.width - width - 6, frame.height - height - 6
    parts = [
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width}" height="{height:.1f}" fill="white" '
        f'fill-opacity="0.92" stroke="{AREA_STROKE}" stroke-width="0.4"/>'
    ]
    centre_y = y + 5 + big
    dot_x = x + 8
    for sample in samples:
        radius = _dot_radius(sample, largest)
        dot_x += radius
        parts.append(
            f'<circle cx="{dot_x:.1f}" cy="{centre_y:.1f}" r="{radius:.2f}" fill="{BLUE}" '
            f'fill-opacity="0.55" stroke="{BLUE}" stroke-width="0.4"/>'
        )
        parts.append(
            _text(dot_x, centre_y + big + 8, number(sample), size=6, fill=INK, anchor="middle")
        )
        dot_x += radius + 9
    parts.append(
        _text(
            dot_x,
            centre_y + 2.3,
            gettext("Beiträge je %(cell)s-m-Feld") % {"cell": number(cell_m)},
            size=6.5,
            fill=INK,
        )
    )
    line_y = centre_y + big + 12 + row - 4
    parts.append(
        f'<circle cx="{x + 13:.1f}" cy="{line_y - 2.3:.1f}" r="5" fill="{VERMILLION}" '
        f'fill-opacity="0.08" stroke="{VERMILLION}" stroke-width="1.3"/>'
    )
    parts.append(_text(x + 26, line_y, gettext("Häufung (nummeriert)"), size=6.5, fill=INK))
    line_y += row
    parts.append(
        f'<line x1="{x + 6:.1f}" y1="{line_y - 2.3:.1f}" x2="{x + 20:.1f}" y2="{line_y - 2.3:.1f}" '
        f'stroke="{MUTED}" stroke-width="0.7" stroke-dasharray="3 2.5"/>'
    )
    parts.append(
        _text(x + 26, line_y, gettext("Entfernung vom Standort (Ringe)"), size=6.5, fill=INK)
    )
    return "".join(parts)


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    fill: str,
    anchor: str = "start",
    bold: bool = False,
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}"{weight}>{escape(text)}</text>'
    )


def _halo_text(
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    bold: bool = False,
    anchor: str = "start",
    fill: str = INK,
) -> str:
    """Text with a white outline underneath, readable over lines and dots."""
    weight = ' font-weight="bold"' if bold else ""
    common = f'x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{weight}'
    return (
        f'<text {common} fill="white" stroke="white" stroke-width="2.4" '
        f'stroke-linejoin="round">{escape(text)}</text>'
        f'<text {common} fill="{fill}">{escape(text)}</text>'
    )


def _metres(value: float) -> str:
    if value >= 1000:
        return f"{number(value / 1000)} km"
    return f"{number(value)} m"


def _chart(
    frame: Frame, parts: Sequence[str], width_mm: float, height_mm: float, description: str
) -> Chart:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{height_mm}mm" '
        f'viewBox="0 0 {frame.width:.1f} {frame.height:.1f}" font-family={quoteattr(FONT_STACK)} '
        f'role="img" aria-label={quoteattr(description)}>'
        f'<defs><clipPath id="frame"><rect width="{frame.width:.1f}" height="{frame.height:.1f}"/>'
        f"</clipPath></defs>"
        f'<rect width="{frame.width:.1f}" height="{frame.height:.1f}" fill="#fbfbf9"/>'
        f'<g clip-path="url(#frame)">{"".join(parts)}</g>'
        f'<rect width="{frame.width:.1f}" height="{frame.height:.1f}" fill="none" '
        f'stroke="{AREA_STROKE}" stroke-width="0.6"/>'
        "</svg>"
    )
    return Chart(svg=svg, width_mm=width_mm, height_mm=height_mm, description=description)
