"""Arrival-time bands from per-node arrival times, drawn exactly like catchment bands.

Multimodal reach ends in road searches from several points, each starting at its own
arrival time. The catchment engine's polygon machinery (:mod:`.road_reach`,
:mod:`.polygons`, :mod:`.stats`) turns those node times into bands:
the reached road (including, around each start point, the stretch of its own road driven
with the time left) buffered by :data:`~wuling_geo.settings.catchment_access_m`,
simplified and nested. The table has the catchments' columns, so maps and files treat
reach bands as catchments.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np

from wuling_geo import settings
from wuling_geo._util.threads import ordered_map
from wuling_geo.analysis.catchments.bands import COLUMNS, metric_bands
from wuling_geo.analysis.catchments.polygon_assembly import nested_polygons
from wuling_geo.analysis.catchments.polygons import cell_index
from wuling_geo.analysis.catchments.road_reach import origin_pieces, reach, road_groups
from wuling_geo.analysis.catchments.stats import as_layer_frames, band_stats
from wuling_geo.network.model import RoadNetwork, Snap


def bands_from_node_times(network: RoadNetwork, node_seconds: np.ndarray, starts: list[Snap],
                          offsets: np.ndarray, minutes: Sequence[float], profile: str = "car",
                          *, origin_id: str = "", origin_name: str = "",
                          origin_lonlat: tuple[float, float] = (np.nan, np.nan),
                          mode: str = "multimodal", layers=None) -> gpd.GeoDataFrame:
    """Return nested band polygons of arrival time, with the catchments' columns.

    Parameters
    ----------
    network
        The road network.
    node_seconds
        Earliest arrival (s) at every node, ``inf`` where not reached.
    starts, offsets
        The snapped points the road searches started from and their start times (s).
    minutes
        Band limits in minutes.
    profile
        The profile of the road searches.
    origin_id, origin_name, origin_lonlat, mode
        Copied into every row.
    layers
        Features to list inside each band (as for :func:`wuling_geo.analysis.catchments.bands.catchments`).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per band, smallest first, columns :data:`wuling_geo.analysis.catchments.bands.COLUMNS`.
    """
    times = network.travel_time(profile)
    groups = road_groups(network)
    access = settings.catchment_access_m
    cells = cell_index(network, groups, access, settings.catchment_quad_segs,
                       settings.catchment_simplify_m)
    limits = sorted(float(m) * 60 for m in minutes)
    reaches = []
    for limit in limits:
        pieces = []
        for i, (snap, start) in enumerate(zip(starts, offsets, strict=True)):
            if start < limit:  # the start's own road, driven with the time left
                pieces += [(g, s, e, i) for g, s, e, _ in
                           origin_pieces(network, groups, [snap], times, limit - start, "from")]
        r = reach(network, groups, node_seconds, limit, "from", times, pieces)
        reaches.append(r)
    shown = nested_polygons(cells, list(ordered_map(cells.frontier, reaches)))
    polygons = metric_bands(network, shown)
    frames = as_layer_frames(layers)
    attribution = network.meta.get("attribution") or settings.osm_attribution
    rows = []
    for limit, poly, poly_ll, r in zip(limits, polygons, shown, reaches, strict=True):
        stats = band_stats(network, poly, poly_ll, r, True, frames)
        rows.append({
            "origin_id": origin_id, "origin_name": origin_name, "mode": mode,
            "direction": "from", "profile": profile, "minutes": limit / 60,
            "n_origins": 1, "origin_lon": origin_lonlat[0], "origin_lat": origin_lonlat[1],
            "snap_m": np.nan, "area_km2": stats.area_km2,
            "share_of_district": stats.share_of_district, "road_km": stats.road_km,
            "features_inside": stats.features_inside, "county_share": stats.county_share,
            "farthest_lon": np.nan,
            "farthest_lat": np.nan, "farthest_min": np.nan, "buffer_m": access,
            "attribution": attribution, "geometry": poly_ll,
        })
    return gpd.GeoDataFrame(rows, columns=[*COLUMNS, "geometry"], geometry="geometry",
                            crs=settings.storage_crs)
