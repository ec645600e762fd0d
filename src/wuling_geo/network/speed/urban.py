"""Urban or rural: which speed column of the profile applies to an edge.

The rule (``[urban]`` in ``data/speeds.toml``): an edge is urban when its midpoint lies within
``city_radius_m`` of an OSM ``place=city`` node or ``town_radius_m`` of a ``place=town`` node,
or inside a built-up ``landuse`` area of at least ``landuse_min_km2``. Invalid landuse
polygons (common in OSM) are repaired with :func:`shapely.make_valid` before the union, or
dropped when nothing of their area is left (:func:`wuling_geo._util.geo.repair_polygons`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from wuling_geo import settings
from wuling_geo._util.geo import repair_polygons
from wuling_geo.network.speed.profile import SpeedProfile


def urban_area(places: pd.DataFrame, landuse: gpd.GeoSeries | None, profile: SpeedProfile,
               crs_metric: CRS) -> BaseGeometry | None:
    """Return the urban area (in ``crs_metric``) from place nodes and landuse polygons.

    Parameters
    ----------
    places
        Columns ``lon``, ``lat``, ``place`` (WGS-84).
    landuse
        Landuse polygons (EPSG:4326) of the kinds the profile lists, or ``None``.
    profile
        Supplies the radii and the minimum landuse area.
    crs_metric
        The metric CRS to build the area in.

    Returns
    -------
    shapely geometry or None
        ``None`` when there is nothing urban.
    """
    parts: list[BaseGeometry] = []
    radius = {"city": profile.urban["city_radius_m"], "town": profile.urban["town_radius_m"]}
    if len(places):
        places = places[places["place"].isin(list(radius))]
        pts = gpd.GeoSeries(gpd.points_from_xy(places["lon"], places["lat"]),
                            crs=settings.storage_crs).to_crs(crs_metric)
        parts.extend(shapely.buffer(pts.values, places["place"].map(radius).to_numpy(float)))
    if landuse is not None and len(landuse):
        # the builder counts the invalid polygons in its HygieneReport (``invalid_landuse``)
        polys, _, _ = repair_polygons(landuse.to_crs(crs_metric).values)
        polys = polys[shapely.area(polys) >= profile.urban["landuse_min_km2"] * 1e6]
        parts.extend(polys)
    if not parts:
        return None
    area = shapely.union_all(parts)
    shapely.prepare(area)
    return area


def urban_mask(metric_geoms: np.ndarray, area: BaseGeometry | None) -> np.ndarray:
    """Return whether each edge's midpoint lies in ``area`` (both in the same metric CRS)."""
    if area is None or len(metric_geoms) == 0:
        return np.zeros(len(metric_geoms), dtype=bool)
    mid = shapely.line_interpolate_point(metric_geoms, 0.5, normalized=True)
    xy = shapely.get_coordinates(mid)
    return shapely.contains_xy(area, xy[:, 0], xy[:, 1])
