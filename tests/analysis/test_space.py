import json
import math
from dataclasses import asdict

import pandas as pd
import pytest
from django.contrib.gis.geos import Point

from analysis.projection import project_points_to_25833, project_to_25833
from analysis.space import deployment_space

pytestmark = pytest.mark.smoke

# A site on the Hermannplatz, Berlin-Neukölln, in EPSG:25833 metres.
SITE = {"x": 392_000.0, "y": 5_816_000.0}


def pin(id_, dx, dy, *, area="0801", theme=None, support=1):
    """A contribution pinned ``dx``/``dy`` metres east/north of the site."""
    return {
        "id": id_,
        "x": SITE["x"] + dx,
        "y": SITE["y"] + dy,
        "area_code": area,
        "theme": theme,
        "support": support,
    }


def unpinned(id_):
    return {"id": id_, "x": None, "y": None, "area_code": None, "theme": None, "support": 1}


def table(rows):
    return pd.DataFrame(rows, columns=["id", "x", "y", "area_code", "theme", "support"])


def test_pins_are_counted_per_distance_ring():
    # Distances worked out by hand (Pythagoras with 3-4-5 triangles):
    #   1: (100, 0)    → 100 m         → under 250 m
    #   2: (0, 249.9)  → 249.9 m       → under 250 m
    #   3: (150, 200)  → 250 m exactly → 250 to under 500 m (limits belong to the outer ring)
    #   4: (0, -499)   → 499 m         → 250 to under 500 m
    #   5: (300, 400)  → 500 m exactly → 500 m to under 1 km
    #   6: (-700, 0)   → 700 m         → 500 m to under 1 km
    #   7: (600, 800)  → 1000 m exactly → 1 km and further
    #   8: (-2000, 0)  → 2000 m        → 1 km and further
    #   9: no pin                       → in no ring
    contributions = table(
        [
            pin(1, 100, 0, support=3),
            pin(2, 0, 249.9),
            pin(3, 150, 200),
            pin(4, 0, -499),
            pin(5, 300, 400),
            pin(6, -700, 0),
            pin(7, 600, 800, support=2),
            pin(8, -2000, 0),
            unpinned(9),
        ]
    )

    result = deployment_space(contributions, site=SITE)

    assert [(ring.inputs, ring.mentions) for ring in result.rings] == [
        (2, 4),
        (2, 2),
        (2, 2),
        (2, 3),
    ]
    assert [ring.share for ring in result.rings] == [0.25, 0.25, 0.25, 0.25]
    assert [(ring.from_m, ring.to_m) for ring in result.rings] == [
        (0.0, 250.0),
        (250.0, 500.0),
        (500.0, 1000.0),
        (1000.0, None),
    ]
    assert (result.pinned, result.unpinned, result.pinned_share) == (8, 1, round(8 / 9, 4))


def test_pins_are_counted_per_area_in_the_given_order():
    contributions = table(
        [
            pin(1, 10, 0, area="0802"),
            pin(2, 20, 0, area="0802", support=4),
            pin(3, 30, 0, area="0801"),
            pin(4, 40, 0, area="1201"),
            pin(5, 50, 0, area=None),
            unpinned(6),
        ]
    )
    areas = [("0801", "Neukölln"), ("0802", "Britz"), ("0803", "Gropiusstadt")]

    result = deployment_space(contributions, site=(SITE["x"], SITE["y"]), areas=areas)

    assert [(area.code, area.name, area.inputs, area.mentions) for area in result.areas] == [
        ("0801", "Neukölln", 1, 1),
        ("0802", "Britz", 2, 5),
        ("0803", "Gropiusstadt", 0, 0),
        ("1201", "1201", 1, 1),
    ]
    assert [area.share for area in result.areas] == [0.2, 0.4, 0.0, 0.2]
    assert result.outside_areas == 1


def test_a_dense_group_of_pins_is_one_hotspot_and_scattered_pins_are_none():
    # Ten pins within 30 m of a corner 400 m east of the site …
    group = [
        pin(n, 400 + dx, dy, area="0802", theme=theme)
        for n, (dx, dy, theme) in enumerate(
            [
                (0, 0, "Verkehr"),
                (12, 5, "Verkehr"),
                (-8, 14, "Verkehr"),
                (20, -10, "Verkehr"),
                (-15, -12, "Grün"),
                (5, 25, "Grün"),
                (28, 8, "Sauberkeit"),
                (-22, 3, None),
                (9, -21, "Verkehr"),
                (-3, -28, None),
            ],
            start=1,
        )
    ]
    # … and 20 pins on a 300 m grid: none has another pin within 75 m.
    scattered = [
        pin(100 + n, -1500 + 300 * (n % 5), -1500 + 300 * (n // 5), theme="Verkehr")
        for n in range(20)
    ]

    result = deployment_space(table(group + scattered), site=SITE)

    (hotspot,) = result.hotspots
    assert hotspot.contribution_ids == list(range(1, 11))
    assert hotspot.inputs == 10
    assert math.hypot(hotspot.x - (SITE["x"] + 402.6), hotspot.y - (SITE["y"] - 1.6)) < 1
    assert 395 < hotspot.distance_m < 420
    assert hotspot.radius_m < 35
    assert [(theme.theme, theme.inputs) for theme in hotspot.themes] == [
        ("Verkehr", 5),
        ("Grün", 2),
        ("Sauberkeit", 1),
    ]
    assert hotspot.area_code == "0802"


def test_four_pins_close_together_are_not_yet_a_hotspot():
    contributions = table([pin(n, 5 * n, 0) for n in range(1, 5)])

    assert deployment_space(contributions, site=SITE).hotspots == []


def test_no_pins_at_all():
    result = deployment_space(
        contributions=table([unpinned(1)]), site=SITE, areas=[("0801", "Neukölln")]
    )

    assert (result.pinned, result.unpinned) == (0, 1)
    assert [ring.inputs for ring in result.rings] == [0, 0, 0, 0]
    assert [area.inputs for area in result.areas] == [0]
    assert result.hotspots == []


def test_the_result_is_json_serialisable_and_defines_its_figures():
    result = deployment_space(
        contributions=table([pin(n, 3 * n, 0, theme="Verkehr") for n in range(6)]), site=SITE
    )

    assert json.loads(json.dumps(asdict(result))) == asdict(result)
    assert {"rings", "areas", "hotspots", "pinned"} <= set(result.definitions)


def test_lon_lat_points_are_projected_like_geodjango_does_it():
    points = [(13.4247, 52.4869), (13.0, 52.3), (13.7611, 52.6755)]

    projected = project_points_to_25833(points)

    for (lon, lat), (x, y) in zip(points, projected, strict=True):
        expected = Point(lon, lat, srid=4326).transform(25833, clone=True)
        assert x == pytest.approx(expected.x, abs=0.001)
        assert y == pytest.approx(expected.y, abs=0.001)


def test_missing_coordinates_stay_missing():
    x, y = project_to_25833([13.4247, None, float("nan")], [52.4869, 52.5, 52.5])

    assert x[0] == pytest.approx(392_720, abs=1_000)
    assert math.isnan(x[1])
    assert math.isnan(y[1])
    assert math.isnan(x[2])
    assert project_points_to_25833([]) == []
