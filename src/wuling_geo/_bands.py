"""Arrival-time bands drawn from per-node times.

The roads reached within each limit are buffered and merged into polygons (rings:
0–60, 60–90, 90–120 minutes, …).

An edge u→v whose start is reached at ``t_u`` is covered up to the fraction
``(limit - t_u) / travel_time`` of its length, so bands end part-way along roads.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import substring

from . import settings
from .network import RoadNetwork

#: Distance (m) either side of a reached road that a band covers.
BUFFER_M = 200.0

BAND_COLUMNS = ("band", "minutes_from", "minutes", "profile", "area_km2", "geometry")


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
                          minutes: Sequence[float], profile: str = "car",
                          buffer_m: float = BUFFER_M) -> gpd.GeoDataFrame:
    """Return ring polygons of arrival time from per-node arrival seconds.

    Parameters
    ----------
    network
        The road network.
    node_seconds
        Arrival time (s) at every node, ``inf`` where not reached.
    minutes
        Increasing band limits in minutes.
    profile
        Profile whose edge times split partly reached roads.
    buffer_m
        Distance either side of a reached road that the band covers.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per band (EPSG:4326): ``band`` ("0–60 min"), ``minutes_from``, ``minutes``,
        ``profile``, ``area_km2``, geometry (empty where nothing is reached).
    """
    limits = sorted(float(m) for m in minutes)
    covered = shapely.Polygon()
    rows, geoms = [], []
    previous = 0.0
    for limit in limits:
        lines = reached_lines(network, node_seconds, limit * 60, profile)
        area = (shapely.union_all(shapely.buffer(lines, buffer_m, quad_segs=4))
                if len(lines) else shapely.Polygon())
        ring = shapely.difference(area, covered) if not covered.is_empty else area
        covered = area if covered.is_empty else shapely.union(covered, area)
        rows.append({"band": f"{previous:g}–{limit:g} min", "minutes_from": previous,
                     "minutes": limit, "profile": profile, "area_km2": ring.area / 1e6})
        geoms.append(ring)
        previous = limit
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=network.crs_metric)
    return frame.to_crs(settings.storage_crs)
