"""Small geometry helpers shared across layers (projections, metric lengths)."""

from __future__ import annotations

from functools import lru_cache

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
