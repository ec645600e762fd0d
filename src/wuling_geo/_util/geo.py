"""Small geometry helpers shared across layers (projections, metric lengths, polygon repair)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS


@lru_cache(maxsize=64)
def _utm(zone: int, north: bool) -> CRS:
    return CRS.from_epsg((32600 if north else 32700) + zone)


def utm_crs(lon: float, lat: float) -> CRS:
    """Return the WGS-84 UTM CRS of the zone containing ``(lon, lat)``.

    Qianjiang (108.5–108.9° E) is in zone 49N, EPSG:32649.
    """
    zone = min(60, max(1, int((lon + 180) // 6) + 1))
    return _utm(zone, lat >= 0)


def repair_polygons(geoms: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Return ``geoms`` with invalid polygons repaired, and how many were repaired and dropped.

    OpenStreetMap polygons are often invalid (self-touching rings, a bow-tie landuse
    area, overlapping multipolygon members); GEOS then fails on a union with a
    ``TopologyException``. Each invalid geometry is repaired with :func:`shapely.make_valid`
    (``method="structure"``, which keeps the area the rings enclose and drops collapsed
    parts); one with no area left is dropped. Valid geometries and non-polygons pass as they
    are.

    Parameters
    ----------
    geoms
        Array of shapely geometries (``None`` entries are dropped).

    Returns
    -------
    tuple
        The geometries to union, the number repaired and the number dropped.
    """
    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms)]
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    bad = polygonal & ~shapely.is_valid(geoms)
    if not bad.any():
        return geoms, 0, 0
    fixed = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    empty = shapely.is_empty(fixed) | (shapely.area(fixed) <= 0)
    out = geoms.copy()
    out[bad] = fixed
    keep = np.ones(len(out), dtype=bool)
    keep[np.flatnonzero(bad)[empty]] = False
    return out[keep], int(bad.sum() - empty.sum()), int(empty.sum())
