"""Project lon/lat pins (EPSG:4326) into metres (EPSG:25833, ETRS89 / UTM zone 33N).

pyproj is not a dependency, so the points go through GDAL (which GeoDjango needs anyway) in a
single call: they are packed into one WKB line string with numpy, transformed with one
``CoordTransform`` and unpacked again. A line string rather than a multi-point because OGR hands
all its vertices to PROJ in one batch; no Python object is built per point.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference

WGS84 = 4326
ETRS89_UTM33 = 25833

_WKB_LINESTRING = 2
# Byte order (1 = little endian), geometry type, number of points; packed, no padding.
_HEADER = np.dtype([("order", "u1"), ("type", "<u4"), ("count", "<u4")])


def project_to_25833(
    lon: Sequence[float | None] | np.ndarray, lat: Sequence[float | None] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Transform longitudes and latitudes (EPSG:4326) into x/y metres (EPSG:25833).

    Returns two float arrays of the same length as the input; a point with a missing or
    non-finite coordinate comes back as NaN/NaN.
    """
    lon_arr = np.asarray(lon, dtype=float)
    lat_arr = np.asarray(lat, dtype=float)
    if lon_arr.shape != lat_arr.shape or lon_arr.ndim != 1:
        raise ValueError("lon and lat must be one-dimensional and of the same length")
    x = np.full(lon_arr.shape, np.nan)
    y = np.full(lat_arr.shape, np.nan)
    valid = np.isfinite(lon_arr) & np.isfinite(lat_arr)
    if valid.any():
        x[valid], y[valid] = _transform(lon_arr[valid], lat_arr[valid])
    return x, y


def project_points_to_25833(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The same for a list of (lon, lat) pairs; returns a list of (x, y) pairs in metres."""
    if not points:
        return []
    lon, lat = np.asarray(points, dtype=float).T
    x, y = project_to_25833(lon, lat)
    return list(zip(x.tolist(), y.tolist(), strict=True))


def _transform(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    header = np.array([(1, _WKB_LINESTRING, lon.size)], dtype=_HEADER)
    coords = np.column_stack([lon, lat]).astype("<f8")
    line = OGRGeometry(memoryview(header.tobytes() + coords.tobytes()), srs=WGS84)
    line.transform(_coord_transform())
    return _unpack(bytes(line.wkb), lon.size)


def _unpack(wkb: bytes, count: int) -> tuple[np.ndarray, np.ndarray]:
    # OGR writes WKB in the machine's byte order, announced in the first byte.
    endian = "<" if wkb[0] == 1 else ">"
    coords = np.frombuffer(wkb, dtype=f"{endian}f8", offset=_HEADER.itemsize, count=2 * count)
    coords = coords.reshape(count, 2).astype(float)
    return coords[:, 0], coords[:, 1]


def _coord_transform() -> CoordTransform:
    # Traditional GIS axis order (lon, lat) is Django's default for SpatialReference.
    return CoordTransform(SpatialReference(WGS84), SpatialReference(ETRS89_UTM33))
