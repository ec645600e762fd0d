"""Conversion between the datums in use in China: WGS-84, GCJ-02 and BD-09.

OpenStreetMap, GPS and Tianditu (CGCS2000) are WGS-84 to within metres; Amap and Tencent
publish GCJ-02, Baidu BD-09. At Qianjiang GCJ-02 lies about 0.5 km from WGS-84, BD-09
about 1.1 km. wuling-geo stores WGS-84 and converts on the way in and out.

The formulas are those of the ``prcoords`` package (Krasovsky-ellipsoid GCJ-02 offsets,
Baidu's rotation and shift), rewritten here as numpy array operations: a million points
convert in 0.2–0.7 s of CPU (two threads share it) instead of 7–25 s point by point
(figures from ``benchmarks/bench_datum.py`` on a loaded two-core machine). The inverses are
prcoords' iterative ("bored") ones, step for step: a one-step rough inverse, then fixed-point
corrections (at most 10) until a correction is under ``1e-5`` degrees, each point stopping
on its own. Round trips close to 3 mm (GCJ-02) and 2 cm (BD-09) over the Wuling region,
where the usual one-step inverse is only metre-level; ``tests/test_datum.py`` checks
agreement with prcoords itself (under 1 cm) and ``benchmarks/bench_datum.py`` the speed.
"""

from __future__ import annotations

from typing import Literal, overload

import numpy as np
import prcoords
import shapely
from numpy.typing import ArrayLike, NDArray

from wuling_geo._util.errors import DatumError
from wuling_geo._util.threads import ordered_map

Datum = Literal["wgs84", "gcj02", "bd09"]
DATUMS: tuple[Datum, ...] = ("wgs84", "gcj02", "bd09")

_ALIASES = {
    "wgs84": "wgs84", "wgs-84": "wgs84", "wgs": "wgs84", "epsg:4326": "wgs84",
    "cgcs2000": "wgs84", "gps": "wgs84", "osm": "wgs84",
    "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "amap": "gcj02", "gaode": "gcj02",
    "tencent": "gcj02", "mars": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "bd09ll": "bd09", "baidu": "bd09",
}

# prcoords' constants: the Krasovsky 1940 ellipsoid of GCJ-02, Baidu's fixed shift (degrees),
# the box taken as "China", and the tolerance (degrees) of the iterative inverses.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_BD_DLAT, _BD_DLON = 0.0060, 0.0065
_CHINA_LAT, _CHINA_LON = (0.8293, 55.8271), (72.004, 137.8347)
_EPS = 1e-5
_MAX_STEPS = 10
_CHUNK = 1 << 16  # points converted at a time (numpy's temporaries stay in cache)

Pair = tuple[NDArray[np.float64], NDArray[np.float64]]  # (lat, lon), as prcoords orders them


def _in_china(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.bool_]:
    return ((_CHINA_LAT[0] <= lat) & (lat <= _CHINA_LAT[1])
            & (_CHINA_LON[0] <= lon) & (lon <= _CHINA_LON[1]))


def _wgs_gcj(lat: NDArray[np.float64], lon: NDArray[np.float64], check: bool = True) -> Pair:
    """WGS-84 → GCJ-02 (prcoords ``wgs_gcj``); with ``check``, points outside China stay."""
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    # Trigonometry is the cost, so multiple angles come from one sine: sin 3a = 3 sin a - 4 sin³ a.
    sin_2x, sin_x3, sin_y3 = np.sin(x * 2 * pi), np.sin(x / 3 * pi), np.sin(y / 3 * pi)
    shared = 2 * sin_2x * (3 - 4 * sin_2x * sin_2x) + 2 * sin_2x  # 2 sin 6πx + 2 sin 2πx, in both
    root_x = np.sqrt(np.abs(x))
    dlat_m = (-100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root_x
              + (shared + 2 * sin_y3 * (3 - 4 * sin_y3 * sin_y3) + 4 * sin_y3 + 16 * np.sin(y / 12 * pi)
                 + 32 * np.sin(y / 30 * pi)) * 20 / 3)
    dlon_m = (300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root_x
              + (shared + 2 * sin_x3 * (3 - 4 * sin_x3 * sin_x3) + 4 * sin_x3 + 15 * np.sin(x / 12 * pi)
                 + 30 * np.sin(x / 30 * pi)) * 20 / 3)
    sin2_lat = np.sin(np.radians(lat)) ** 2
    magic = 1 - _GCJ_EE * sin2_lat
    root_magic = np.sqrt(magic)
    lat_deg_m = np.radians(_GCJ_A * (1 - _GCJ_EE) / (magic * root_magic))
    lon_deg_m = np.radians(_GCJ_A * np.sqrt(1 - sin2_lat) / root_magic)  # cos lat ≥ 0
    out_lat, out_lon = lat + dlat_m / lat_deg_m, lon + dlon_m / lon_deg_m
    if check:
        keep = ~_in_china(lat, lon)
        out_lat, out_lon = np.where(keep, lat, out_lat), np.where(keep, lon, out_lon)
    return out_lat, out_lon


def _gcj_bd(lat: NDArray[np.float64], lon: NDArray[np.float64], check: bool = True) -> Pair:
    """GCJ-02 → BD-09 (prcoords ``gcj_bd``; defined everywhere, ``check`` is ignored)."""
    h = np.hypot(lon, lat)
    r = h + 0.00002 * np.sin(np.radians(lat) * 3000)
    # theta = atan2(lat, lon) + d; sin and cos of the sum from lat/h, lon/h and d's own.
    d = 0.000003 * np.cos(np.radians(lon) * 3000)
    sin_d, cos_d = d - d * d * d / 6, 1 - d * d / 2  # exact in doubles: |d| ≤ 3e-6
    with np.errstate(invalid="ignore", divide="ignore"):
        sin_a, cos_a = np.where(h > 0, lat / h, 0.0), np.where(h > 0, lon / h, 1.0)
    sin_t, cos_t = sin_a * cos_d + cos_a * sin_d, cos_a * cos_d - sin_a * sin_d
    return r * sin_t + _BD_DLAT, r * cos_t + _BD_DLON


def _bd_gcj(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> Pair:
    """BD-09 → GCJ-02, one step (prcoords ``bd_gcj``)."""
    x, y = lon - _BD_DLON, lat - _BD_DLAT
    r = np.hypot(x, y) - 0.00002 * np.sin(np.radians(y) * 3000)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(np.radians(x) * 3000)
    return r * np.sin(theta), r * np.cos(theta)


def _wgs_bd(lat: NDArray[np.float64], lon: NDArray[np.float64], check: bool = True) -> Pair:
    return _gcj_bd(*_wgs_gcj(lat, lon, check))


def _gcj_wgs_rough(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> Pair:
    """GCJ-02 → WGS-84, one step (prcoords ``gcj_wgs``, metre-level)."""
    glat, glon = _wgs_gcj(lat, lon)
    return lat - (glat - lat), lon - (glon - lon)


def _bd_wgs_rough(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> Pair:
    return _gcj_wgs_rough(*_bd_gcj(lat, lon))


def _bored(forward, rough):
    """Return the iterative inverse of ``forward`` (prcoords ``_bored``), per point."""

    def inverse(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> Pair:
        wlat, wlon = rough(lat, lon)
        active = np.ones(lat.shape, dtype=bool)
        for _ in range(_MAX_STEPS):
            if not active.any():
                break
            idx = slice(None) if active.all() else np.flatnonzero(active)
            flat, flon = forward(wlat[idx], wlon[idx], False)
            dlat, dlon = flat - lat[idx], flon - lon[idx]
            wlat[idx] -= dlat
            wlon[idx] -= dlon
            active[idx] = np.hypot(dlat, dlon) > _EPS
        return wlat, wlon

    return inverse


# From WGS-84 to each datum, and back, as functions of 1-d (lat, lon) arrays.
_FROM_WGS = {"gcj02": _wgs_gcj, "bd09": _wgs_bd}
_TO_WGS = {"gcj02": _bored(_wgs_gcj, _gcj_wgs_rough), "bd09": _bored(_wgs_bd, _bd_wgs_rough)}


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


def _convert_chunk(lon: NDArray[np.float64], lat: NDArray[np.float64], src: Datum, dst: Datum
                   ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Convert 1-d arrays; points that are not finite pass through unchanged."""
    out_lon, out_lat = lon.copy(), lat.copy()
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return out_lon, out_lat
    y, x = lat[ok], lon[ok]
    if src != "wgs84":
        y, x = _TO_WGS[src](y, x)
    if dst != "wgs84":
        y, x = _FROM_WGS[dst](y, x)
    out_lon[ok], out_lat[ok] = x, y
    return out_lon, out_lat


def _convert_arrays(lon: NDArray[np.float64], lat: NDArray[np.float64], src: Datum, dst: Datum
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Convert 1-d arrays in chunks that stay in cache, on :func:`ordered_map`'s threads."""
    if src == dst:
        return lon.copy(), lat.copy()
    if lon.size <= _CHUNK:
        return _convert_chunk(lon, lat, src, dst)
    starts = range(0, lon.size, _CHUNK)
    parts = list(ordered_map(lambda i: _convert_chunk(lon[i:i + _CHUNK], lat[i:i + _CHUNK],
                                                      src, dst), starts))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


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
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    lons, lats = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    out_lon, out_lat = _convert_arrays(lons.ravel(), lats.ravel(), src_d, dst_d)
    if scalar:
        return float(out_lon[0]), float(out_lat[0])
    return out_lon.reshape(lons.shape), out_lat.reshape(lats.shape)


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
