"""Conversion between the datums in use in China: WGS-84, GCJ-02 and BD-09.

OpenStreetMap, GPS and Tianditu (CGCS2000) are WGS-84 to within metres; Amap and Tencent
publish GCJ-02, Baidu BD-09. At Qianjiang GCJ-02 lies about 0.5 km from WGS-84, BD-09
about 1.1 km. wuling-geo stores WGS-84 and converts on the way in and out.

The formulas come from the ``prcoords`` package; its iterative ("bored") inverses are
accurate to well under a metre, where the usual one-step inverse is only metre-level.
"""

from __future__ import annotations

import warnings
from typing import Literal, overload

import numpy as np
import prcoords
import shapely
from numpy.typing import ArrayLike, NDArray

from wuling_geo._util.errors import DatumError

Datum = Literal["wgs84", "gcj02", "bd09"]
DATUMS: tuple[Datum, ...] = ("wgs84", "gcj02", "bd09")

_ALIASES = {
    "wgs84": "wgs84", "wgs-84": "wgs84", "wgs": "wgs84", "epsg:4326": "wgs84",
    "cgcs2000": "wgs84", "gps": "wgs84", "osm": "wgs84",
    "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "amap": "gcj02", "gaode": "gcj02",
    "tencent": "gcj02", "mars": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "bd09ll": "bd09", "baidu": "bd09",
}

# From WGS-84 to each datum, and back, as prcoords functions taking and giving (lat, lon).
_FROM_WGS = {"gcj02": prcoords.wgs_gcj, "bd09": prcoords.wgs_bd}
_TO_WGS = {"gcj02": prcoords.gcj_wgs_bored, "bd09": prcoords.bd_wgs_bored}


def parse_datum(name: str) -> Datum:
    """Return the canonical datum name for ``name`` (case-insensitive, common aliases).

    Raises
    ------
    DatumError
        If the name is not a known datum.
    """
    key = str(name).strip().lower()
    if key not in _ALIASES:
        msg = f"unknown datum {name!r}: use one of {', '.join(DATUMS)}"
        raise DatumError(msg)
    return _ALIASES[key]  # type: ignore[return-value]


def _convert_one(lon: float, lat: float, src: Datum, dst: Datum) -> tuple[float, float]:
    if src == dst or not (np.isfinite(lon) and np.isfinite(lat)):
        return lon, lat
    with warnings.catch_warnings():
        # prcoords warns and returns the input outside China, which is what we want.
        warnings.simplefilter("ignore")
        point = prcoords.Coords(lat, lon)
        if src != "wgs84":
            point = _TO_WGS[src](point)
        if dst != "wgs84":
            point = _FROM_WGS[dst](point)
    return float(point.lon), float(point.lat)


@overload
def convert(lon: float, lat: float, src: str, dst: str) -> tuple[float, float]: ...
@overload
def convert(lon: ArrayLike, lat: ArrayLike, src: str, dst: str
            ) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
def convert(lon, lat, src, dst):
    """Convert coordinates from datum ``src`` to datum ``dst``.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees, scalars or arrays of one shape.
    src, dst
        Datum names (see :func:`parse_datum`).

    Returns
    -------
    tuple
        ``(lon, lat)`` in ``dst``; scalars for scalar input, arrays otherwise. Points
        outside China are returned unchanged (GCJ-02 is defined only inside China).
    """
    src_d, dst_d = parse_datum(src), parse_datum(dst)
    if np.ndim(lon) == 0 and np.ndim(lat) == 0:
        return _convert_one(float(lon), float(lat), src_d, dst_d)
    lons, lats = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    out_lon, out_lat = np.empty_like(lons), np.empty_like(lats)
    for i, (x, y) in enumerate(zip(lons.ravel(), lats.ravel(), strict=True)):
        out_lon.flat[i], out_lat.flat[i] = _convert_one(x, y, src_d, dst_d)
    return out_lon, out_lat


def convert_geometry(geometry, src: str, dst: str):
    """Convert a shapely geometry (or array of them) from datum ``src`` to ``dst``.

    Works on every geometry type, keeping its structure; ``None`` stays ``None``.
    """
    src_d, dst_d = parse_datum(src), parse_datum(dst)
    if src_d == dst_d:
        return geometry

    def _coords(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = convert(xy[:, 0], xy[:, 1], src_d, dst_d)
        return np.column_stack([x, y])

    return shapely.transform(geometry, _coords)


def convert_frame(gdf, src: str, dst: str):
    """Return a copy of a GeoDataFrame in EPSG:4326 with its geometries moved between datums."""
    out = gdf.copy()
    out.geometry = convert_geometry(gdf.geometry.values, src, dst)
    return out


def shift_m(lon: float, lat: float, src: str, dst: str) -> float:
    """Return the distance in metres between a point and its conversion (a datum's offset)."""
    lon2, lat2 = convert(lon, lat, src, dst)
    return prcoords.Coords(lat, lon).distance(prcoords.Coords(lat2, lon2))
