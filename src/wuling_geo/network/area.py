"""The area a network covers: ``qianjiang``, ``neighbours``, a box or a polygon file.

``qianjiang`` is the district, ``neighbours`` the district and the four adjacent counties.
Catchments must not stop at the district border, so the named areas are grown by
:data:`DEFAULT_BUFFER_KM` unless told otherwise.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo._util.geo import repair_polygons
from wuling_geo.data.boundary import boundaries, district

log = logging.getLogger(__name__)

#: How far (km) beyond the district boundary the default network reaches.
DEFAULT_BUFFER_KM = 20.0
DEFAULT_AREA = "qianjiang"
#: Qianjiang and the four counties sharing its border (彭水, 酉阳, 利川, 咸丰), as shipped in
#: ``geodata/boundary.geojson``.
NEIGHBOURS_AREA = "neighbours"
NAMED_AREAS = (DEFAULT_AREA, NEIGHBOURS_AREA)


@dataclass(frozen=True)
class Area:
    """A WGS-84 polygon with a human label and a JSON description for metadata."""

    polygon: BaseGeometry
    label: str
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Return (west, south, east, north)."""
        return tuple(round(b, 6) for b in self.polygon.bounds)  # type: ignore[return-value]


def _buffer(polygon: BaseGeometry, km: float) -> BaseGeometry:
    if km <= 0:
        return polygon
    gs = gpd.GeoSeries([polygon], crs=settings.storage_crs).to_crs(settings.projected_crs)
    return gs.buffer(km * 1000).to_crs(settings.storage_crs).iloc[0]


def parse_area(text: str | None = None, buffer_km: float | None = None) -> Area:
    """Return the area named by ``text``.

    Parameters
    ----------
    text
        ``"qianjiang"`` (default), ``"neighbours"`` (Qianjiang and the four adjacent
        counties: the union of every polygon of ``geodata/boundary.geojson``),
        ``"W,S,E,N"`` in WGS-84 degrees, or a polygon file (GeoJSON, GeoPackage, shapefile;
        its polygons are merged).
    buffer_km
        Grow the area by this much; default :data:`DEFAULT_BUFFER_KM` for the named areas
        (``qianjiang``, ``neighbours``) and 0 otherwise.

    Raises
    ------
    InputError
        For a malformed box, a missing or unreadable file, or a file without polygons.
    """
    text = (text or DEFAULT_AREA).strip()
    if buffer_km is not None and not (math.isfinite(buffer_km) and buffer_km >= 0):
        raise InputError(f"`buffer_km` must not be negative (got {buffer_km})", param="buffer_km")
    if text.lower() in NAMED_AREAS:
        name = text.lower()
        km = DEFAULT_BUFFER_KM if buffer_km is None else buffer_km
        boundary = settings.boundary_path()
        digest = hashlib.sha256(boundary.read_bytes()).hexdigest()[:16] if boundary.exists() \
            else None
        if name == DEFAULT_AREA:
            polygon, label = district(), "Qianjiang District"
        else:
            gdf = boundaries()
            polygon = shapely.union_all(gdf.geometry.values)
            label = f"Qianjiang District and its {len(gdf) - 1} neighbouring counties"
        return Area(_buffer(polygon, km), f"{label} + {km:g} km",
                    {"area": name, "buffer_km": km, "boundary_sha256": digest})
    km = 0.0 if buffer_km is None else buffer_km
    if "," in text and not Path(text).exists():
        box = _parse_box(text)
        return Area(_buffer(shapely.box(*box), km), f"box {text}" + (f" + {km:g} km" if km else ""),
                    {"area": "box", "bounds": list(box), "buffer_km": km})
    return _polygon_file(Path(text), km)


def _parse_box(text: str) -> tuple[float, float, float, float]:
    parts = [p.strip() for p in text.split(",")]
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"`area` {text!r} is not W,S,E,N (four numbers in degrees), "
                         "'qianjiang', 'neighbours' or a polygon file", param="area") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InputError(f"`area` {text!r} is not a box: give W,S,E,N with W < E and S < N "
                         "(longitude first, WGS-84 degrees)", param="area")
    return west, south, east, north


def _polygon_file(path: Path, km: float) -> Area:
    if not path.is_file():
        raise InputError(f"`area` {path}: no such file; give 'qianjiang', 'neighbours', "
                         "W,S,E,N or a polygon file", param="area")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(f"cannot read area file {path} ({exc}): give a GeoJSON, GeoPackage "
                         "or shapefile of polygons") from None
    polys = gdf[gdf.geometry.notna() & gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        raise InputError(f"area file {path} holds no polygons: give the area as a polygon")
    if polys.crs is not None and not polys.crs.equals(settings.storage_crs):
        polys = polys.to_crs(settings.storage_crs)
    parts, repaired, dropped = repair_polygons(polys.geometry.values)
    if repaired or dropped:
        log.info(f"area file {path.name}: repaired {repaired} invalid polygons "
                 f"(shapely.make_valid), dropped {dropped} with no area left")
    if not len(parts):
        raise InputError(f"area file {path} holds only empty or degenerate polygons: give the "
                         "area as a polygon")
    polygon = shapely.union_all(parts)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return Area(_buffer(polygon, km), f"polygon {path.name}" + (f" + {km:g} km" if km else ""),
                {"area": "file", "file": str(path), "sha256": digest, "buffer_km": km})
