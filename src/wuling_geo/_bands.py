"""Arrival-time bands drawn from per-node times.

The roads reached within each limit are buffered and merged into a polygon; bands are
nested (the 90-minute band holds the 60-minute one), like catchment bands.

An edge u→v whose start is reached at ``t_u`` is covered up to the fraction
``(limit - t_u) / travel_time`` of its length, so bands end part-way along roads.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from . import boundary, settings
from .network import RoadNetwork

#: Distance (m) either side of a reached road that a band covers.
BUFFER_M = 200.0

#: Columns of a band table, as the catchment bands the web map draws.
BAND_COLUMNS = ("origin_id", "origin_name", "mode", "minutes", "profile", "area_km2",
                "share_of_district", "road_km", "geometry")


def reached_lines(network: RoadNetwork, node_seconds: np.ndarray, limit_s: float,
                  profile: str = "car") -> np.ndarray:
    """Return the (metric-CRS) road pieces reached within ``limit_s`` seconds."""
    times = network.travel_time(profile)
    t_u = node_seconds[network.edge_u]
    reached = t_u < limit_s
    frac = np.clip((limit_s - t_u[reached]) / np.maximum(times[reached], 1e-9), 0.0, 1.0)
    geoms = network._edges_metric[reached]
    whole = frac >= 1.0
    parts = list(geoms[whole])
    parts.extend(substring(g, 0.0, float(f), normalized=True)
                 for g, f in zip(geoms[~whole], frac[~whole], strict=True) if f > 0)
    return np.array(parts, dtype=object)


def bands_from_node_times(network: RoadNetwork, node_seconds: np.ndarray,
                          minutes: Sequence[float], profile: str = "car", *,
                          origin_id: str = "", origin_name: str = "", mode: str = "multimodal",
                          district: BaseGeometry | None = None,
                          buffer_m: float = BUFFER_M) -> gpd.GeoDataFrame:
    """Return nested band polygons (everything within each limit) from per-node arrivals.

    Parameters
    ----------
    network
        The road network.
    node_seconds
        Arrival time (s) at every node, ``inf`` where not reached.
    minutes
        Band limits in minutes.
    profile
        Profile whose edge times split partly reached roads.
    origin_id, origin_name, mode
        Labels copied into every row.
    district
        WGS-84 polygon for ``share_of_district`` (default: the district boundary).
    buffer_m
        Distance either side of a reached road that a band covers.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per limit, largest last (EPSG:4326), columns :data:`BAND_COLUMNS`:
        ``area_km2`` of the band, ``share_of_district`` (0–1) of the district it covers,
        ``road_km`` of road (one direction of two-way roads counted once per direction)
        reached; an empty geometry where nothing is reached.
    """
    district = boundary.district() if district is None else district
    metric = gpd.GeoSeries([district], crs=settings.storage_crs).to_crs(network.crs_metric).iloc[0]
    rows, geoms = [], []
    for limit in sorted(float(m) for m in minutes):
        lines = reached_lines(network, node_seconds, limit * 60, profile)
        area = (shapely.union_all(shapely.buffer(lines, buffer_m, quad_segs=4))
                if len(lines) else shapely.Polygon())
        if geoms and not geoms[-1].is_empty:  # nested exactly, despite round buffer ends
            area = shapely.union(area, geoms[-1])
        rows.append({"origin_id": origin_id, "origin_name": origin_name, "mode": mode,
                     "minutes": limit, "profile": profile, "area_km2": area.area / 1e6,
                     "share_of_district": area.intersection(metric).area / metric.area,
                     "road_km": float(shapely.length(lines).sum()) / 1000 if len(lines) else 0.0})
        geoms.append(area)
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=network.crs_metric)
    return frame.to_crs(settings.storage_crs)
