"""Travel-time catchments: how far you get in 15, 30, 45, 60 minutes, and what lies within.

:func:`catchments` snaps each origin to the road network, runs one time-limited shortest-path
search per origin (or one multi-source search in ``nearest`` mode) with
:mod:`wuling_geo.network.routing`, works out which part of every road is reached within each band
(partial roads cut at exactly the right point) and turns that reached road into a polygon:
buffered by an access distance and unioned (:mod:`.polygons`, assembled from
rings by :mod:`.polygon_assembly`), holes kept, simplified, bands nested exactly. The bands'
frontier unions run on a thread per core (:mod:`wuling_geo._util.threads`). Each row carries reach
statistics (:mod:`.stats`).
"""

from __future__ import annotations

import warnings
from collections.abc import Generator, Iterable
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wuling_geo import settings
from wuling_geo._util.collector import collector_paused
from wuling_geo._util.errors import InputError
from wuling_geo._util.progress import bar
from wuling_geo._util.threads import ordered_map, worker_count
from wuling_geo.analysis.catchments.contours import contour_bands
from wuling_geo.analysis.catchments.origins import Origin, as_origins, category_origins, snap_origins
from wuling_geo.analysis.catchments.polygon_assembly import nested_polygons
from wuling_geo.analysis.catchments.polygons import cell_index
from wuling_geo.analysis.catchments.road_reach import RoadReach, origin_pieces, reach, road_groups
from wuling_geo.analysis.catchments.stats import (
    BandStats,
    as_layer_frames,
    band_stats,
    farthest_points,
    metric_points,
)
from wuling_geo.data.geocode.geocoder import Geocoder, Resolution
from wuling_geo.data.places import Site
from wuling_geo.network import turns
from wuling_geo.network.model import RoadNetwork, Snap
from wuling_geo.network.routing import DIRECTIONS, nearest_times, node_times

__all__ = ["COLUMNS", "ENGINES", "MODES", "STANDARD_IDS", "Origin", "as_origins", "catchments",
           "category_origins", "check_minutes", "snap_origins", "standard_catchments"]

MODES = ("each", "nearest")
#: ``contour``: bands contoured from a travel-time grid (fast, :mod:`.contours`);
#: ``exact``: the buffered reached road unioned (slower; for reports).
ENGINES = ("contour", "exact")
COLUMNS = ("origin_id", "origin_name", "mode", "direction", "profile", "minutes", "n_origins",
           "origin_lon", "origin_lat", "snap_m", "area_km2", "share_of_district", "road_km",
           "features_inside", "county_share", "farthest_lon", "farthest_lat", "farthest_min",
           "buffer_m", "attribution")


def check_minutes(minutes: Iterable[float]) -> list[float]:
    """Return the bands sorted and without repeats; raise :class:`InputError` if one is bad."""
    values = []
    for m in minutes if isinstance(minutes, Iterable) else [minutes]:
        try:
            value = float(m)
        except (TypeError, ValueError):
            raise InputError(f"band {m!r} is not a number of minutes") from None
        top = settings.catchment_max_minutes
        if not (0 < value <= top):
            raise InputError(f"band {m} min is out of range: give minutes above 0 and at most "
                             f"{top:g}")
        values.append(value)
    if not values:
        raise InputError("no bands given: give minutes such as 15 30 45 60")
    return sorted(set(values))


def catchments(network: RoadNetwork, origins: Any, minutes: Iterable[float] = (15, 30, 45, 60),
               mode: str = "each", direction: str = "from", profile: str = "car",
               buffer_m: float | None = None, simplify_m: float | None = None,
               stats: bool = True, layers: Any = None, group: str | None = None,
               geocoder: Geocoder | None = None, access_m: float | None = None,
               engine: str = "contour", cell_m: float | None = None) -> gpd.GeoDataFrame:
    """Return travel-time catchments: one row per origin (or group) and band, EPSG:4326.

    Parameters
    ----------
    network
        The road network (any place; only the CLI checks origins against the district).
    origins
        Places to start from (or go to): gazetteer names, ids or aliases, ``"lon,lat"``,
        geocoder resolutions, ``(lon, lat)``, points … (see
        :func:`wuling_geo.data.places.as_sites`).
    minutes
        The bands, in minutes (above 0, at most :data:`settings.catchment_max_minutes`).
    mode
        ``"each"``: one catchment per origin; ``"nearest"``: one for the whole set — the
        land within each band of its nearest origin (one multi-source search).
    direction
        ``"from"`` the origins, or ``"to"`` them (one-way roads taken the other way).
    profile
        Vehicle profile with travel times in the network (``car`` or ``truck``).
    buffer_m
        Distance (m) the reached road is buffered by: land this close to a reached road
        counts as reached (default :data:`settings.catchment_access_m`; CLI ``--access``).
    simplify_m
        Simplification tolerance (m), 0 for none (default :data:`settings.catchment_simplify_m`).
    stats
        Compute the share of the district and the features inside (area, road km and the
        farthest point are always given).
    layers
        Features to count inside each band: a ``{layer: GeoDataFrame}`` mapping (see
        :func:`wuling_geo.data.layers.layer_frames`) or a list of resolutions.
    group
        Name of the origin set in ``nearest`` mode (default: the origins' shared category).
    geocoder
        Resolves place names (default: the shipped gazetteer).
    access_m
        Deprecated spelling of ``buffer_m``.
    engine
        ``"contour"`` (default): each origin's bands contoured from one travel-time grid
        (:mod:`.contours`); ``"exact"``: the buffered reached road itself, unioned.
    cell_m
        Grid cell (m) of the contour engine (default
        :data:`wuling_geo.analysis.catchments.contours.DEFAULT_CELL_M`).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS` and ``geometry`` ((Multi)Polygon); bands nested.
        ``features_inside`` holds one record (``layer``, ``id``, ``name``, ``grade``) per
        feature inside the band (``None`` without ``stats``);
        :func:`~wuling_geo.analysis.catchments.stats.features_table` makes a long table of them.
        ``county_share`` holds one record (``adcode``, ``county``, ``name_en``, ``role``,
        ``share``) per county of the shipped boundary: Qianjiang and its four neighbours, the
        share (0–1) of each county's area inside the band (``None`` without ``stats``).

    Raises
    ------
    InputError
        Bad bands, mode, direction, engine, cell or origins, or an origin too far from any road.
    NetworkError
        A network without (valid) travel times for ``profile``.

    Examples
    --------
    On a SYNTHETIC grid of 1 km blocks at 36 km/h (100 s a block); an origin may be a
    gazetteer name (``"黔江站"``), ``"lon,lat"``, ``(lon, lat)`` or ``(id, name, lon, lat)``:

    >>> import wuling_geo as wg
    >>> from wuling_geo.network.synthetic import grid_network
    >>> net = grid_network(6, 6, spacing_m=1000, origin=(108.74, 29.42))
    >>> bands = wg.catchments(net, [("a", "SYNTHETIC A", 108.74, 29.42)], minutes=(2, 4))
    >>> bands[["origin_id", "minutes", "road_km"]].to_dict("records")
    [{'origin_id': 'a', 'minutes': 2.0, 'road_km': 2.8}, {'origin_id': 'a', 'minutes': 4.0, 'road_km': 8.4}]
    """
    bands = check_minutes(minutes)
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}: use 'each' or 'nearest'")
    if direction not in DIRECTIONS:
        raise InputError(f"unknown direction {direction!r}: use 'from' or 'to'")
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: use 'contour' or 'exact'")
    if cell_m is not None and not (np.isfinite(cell_m) and 0 < cell_m <= 1000):
        raise InputError(f"grid cell {cell_m!r} m is out of range: give above 0 and at most 1000 m")
    if access_m is not None:
        warnings.warn("catchments(access_m=...) is deprecated: use buffer_m=", DeprecationWarning,
                      stacklevel=2)
        buffer_m = access_m if buffer_m is None else buffer_m
    access = settings.catchment_access_m if buffer_m is None else float(buffer_m)
    tolerance = settings.catchment_simplify_m if simplify_m is None else float(simplify_m)
    if not (np.isfinite(access) and np.isfinite(tolerance) and access > 0 and tolerance >= 0):
        raise InputError("the buffer distance must be above 0 m and the simplification at least 0 m")
    times = network.travel_time(profile)  # checked: finite, not negative
    points = as_origins(origins, geocoder)
    if not points:
        raise InputError("no origins given: name at least one place or lon,lat")
    snaps = snap_origins(network, points)
    limit = bands[-1] * 60.0
    frames = as_layer_frames(layers) if stats else {}
    context = _Context(network, direction, profile, access, tolerance, stats, frames, points, snaps)
    # Where turns are restricted an edge may be entered later than its start node is
    # reached: the edge-based search gives every edge its own time (routing.outer_times).
    by_edge = turns.applies(network, profile)
    outers = None
    if mode == "each":
        got = node_times(network, snaps, profile, limit=limit, direction=direction,
                         edges=by_edge)
        node_time, outer = got if by_edge else (got, None)
        alone = np.zeros(len(network.nodes), dtype=np.int64)  # every node reached from its one origin
        sets = [([i], node_time[i], alone) for i in range(len(points))]
        outers = None if outer is None else list(outer)
    else:
        got = nearest_times(network, snaps, profile, limit=limit, direction=direction,
                            edges=by_edge)
        node_time, which = got[0], got[1]
        sets = [(list(range(len(points))), node_time, which)]
        outers = [got[2]] if by_edge else None
    rows = []
    with collector_paused():  # the bands' rings would set off full collections of the network
        if engine == "exact":
            cells = cell_index(network, road_groups(network), access,
                               settings.catchment_quad_segs, tolerance)
            producer = _set_bands(network, cells, snaps, times, direction, sets, bands, outers)
        else:
            producer = contour_bands(network, snaps, times, direction, sets, bands, access,
                                     tolerance, cell_m, outers)
        with (closing(producer) as done,
              bar("catchments", total=len(sets) * len(bands), unit="band") as progress):
            for (members, d, which), (reaches, polygons) in zip(sets, done, strict=False):
                progress.update(len(bands))
                rows.extend(context.rows(mode, members, bands, polygons, reaches, d, which,
                                         group))
    return context.frame(rows)


def _set_bands(network: RoadNetwork, cells, snaps: list[Snap], times: np.ndarray, direction: str,
               sets: list, bands: list[float], outers: list[np.ndarray] | None = None
               ) -> Generator[tuple[list[RoadReach], list], None, None]:
    """Yield the reached road and the nested polygons (WGS-84) of each origin set's bands.

    With at least as many sets as threads, each thread takes whole sets (their polygons
    assembled there too); with fewer, the bands of a set are spread over the threads and
    assembled here, in order.
    """
    groups = road_groups(network)  # the index's twins and groups, filled before the threads
    cells.own_rings("storage")
    cells.own_geometry("storage")

    def band(k: int, minutes: float) -> RoadReach:
        members, d, _ = sets[k]
        seconds = minutes * 60.0
        pieces = origin_pieces(network, groups, [snaps[i] for i in members], times, seconds,
                               direction)
        return reach(network, groups, d, seconds, direction, times,
                     [(g, s, e, members[o]) for g, s, e, o in pieces],
                     outers[k] if outers else None)

    def whole(k: int) -> tuple[list[RoadReach], list]:
        reaches = [band(k, b) for b in bands]
        return reaches, nested_polygons(cells, [cells.frontier(r) for r in reaches])

    def one(item: tuple[int, float]) -> tuple[RoadReach, tuple]:
        r = band(*item)
        return r, cells.frontier(r)

    if len(sets) >= worker_count():
        with closing(ordered_map(whole, range(len(sets)))) as done:
            yield from done
        return
    with closing(ordered_map(one, [(k, b) for k in range(len(sets)) for b in bands])) as each:
        for _ in sets:
            got = [next(each) for _ in bands]
            yield [r for r, _ in got], nested_polygons(cells, [f for _, f in got])


def metric_bands(network: RoadNetwork, polygons: list) -> np.ndarray:
    """Return band polygons (WGS-84) in the network's metric CRS, for their statistics.

    With the network index's transformer (built once; a new one per call cost more than
    the reprojection of a band).
    """
    fwd = network.index.to_metric
    return shapely.transform(np.asarray(polygons, dtype=object),
                             lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))


@dataclass
class _Context:
    network: RoadNetwork
    direction: str
    profile: str
    access: float
    tolerance: float
    stats: bool
    layers: Any
    points: list[Site]
    snaps: list[Snap]

    def rows(self, mode, members, bands, polygons, reaches, d, which, group) -> list[dict]:
        """Return the table rows of one origin (or set) and its nested bands (WGS-84)."""
        origins_xy = metric_points(self.network, [self.snaps[i].point for i in members])
        if mode == "nearest":
            origin_id = group or self._group_name(members)
            names = [self.points[i].label for i in members]
            shown = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
            origin_name = f"nearest of {len(names)}: {shown}"
            lon = lat = float("nan")
        else:
            p = self.points[members[0]]
            origin_id, origin_name, lon, lat = p.id, p.label, p.lon, p.lat
        metric = metric_bands(self.network, polygons)
        out = []
        for band, poly, poly_ll, r, farthest in zip(
                bands, metric, polygons, reaches,
                farthest_points(self.network, reaches, d, which, members, origins_xy), strict=True):
            st: BandStats = band_stats(self.network, poly, poly_ll, r, self.stats, self.layers)
            out.append({
                "origin_id": origin_id, "origin_name": origin_name, "mode": mode,
                "direction": self.direction, "profile": self.profile, "minutes": band,
                "n_origins": len(members), "origin_lon": lon, "origin_lat": lat,
                "snap_m": round(max(self.snaps[i].distance_m for i in members), 1),
                "area_km2": st.area_km2, "share_of_district": st.share_of_district,
                "road_km": st.road_km, "features_inside": st.features_inside,
                "county_share": st.county_share,
                "farthest_lon": farthest[0], "farthest_lat": farthest[1],
                "farthest_min": farthest[2], "buffer_m": self.access,
                "attribution": self.network.meta.get("attribution") or settings.osm_attribution,
                "geometry": poly_ll,
            })
        return out

    def _group_name(self, members: list[int]) -> str:
        categories = {self.points[i].category for i in members}
        only = categories.pop() if len(categories) == 1 else None
        return only if only is not None else "nearest"

    def frame(self, rows: list[dict]) -> gpd.GeoDataFrame:
        """Return the rows as a GeoDataFrame with the documented columns."""
        gdf = gpd.GeoDataFrame(rows, columns=[*COLUMNS, "geometry"], geometry="geometry",
                               crs=settings.storage_crs)
        return gdf


#: The origins of the standard set, by gazetteer id, besides every scenic area.
STANDARD_IDS = ("wulingshan-airport", "qianjiang-station")


def standard_catchments(network: RoadNetwork, resolutions: list[Resolution],
                        minutes: Iterable[float] = (15, 30, 45, 60)
                        ) -> tuple[gpd.GeoDataFrame | None, list[str]]:
    """Return the standard catchments of ``wuling-geo build`` and notes on what was skipped.

    The set: the airport and 黔江站, each resolved scenic area (not its parts), one
    catchment each; and the logistics places together in ``nearest`` mode. Origins without
    a position, or too far from the network's roads, are skipped with a note.
    """
    notes: list[str] = []
    frames = as_layer_frames(resolutions)
    by_id = {r.place.id: r for r in resolutions if r.place is not None}
    each = []
    for place_id in STANDARD_IDS:
        res = by_id.get(place_id)
        if res is None or not res.resolved:
            label = res.place.label if res is not None and res.place is not None else place_id
            notes.append(f"catchments: {label} skipped, no known position")
        else:
            each.append(res)
    try:
        scenic, skipped = category_origins(resolutions, "scenic")
        each += [r for r in scenic if r.place is not None and r.place.part_of is None]
        notes += [f"catchments: {n}" for n in skipped]
    except InputError as exc:
        notes.append(f"catchments: scenic areas skipped ({exc})")
    each = _on_network(network, each, notes)
    parts = []
    if each:
        parts.append(catchments(network, each, minutes, layers=frames))
    try:
        logistics, skipped = category_origins(resolutions, "logistics")
        notes += [f"catchments: {n}" for n in skipped]
        logistics = _on_network(network, logistics, notes)
        if logistics:
            parts.append(catchments(network, logistics, minutes, mode="nearest", layers=frames,
                                    group="logistics"))
    except InputError as exc:
        notes.append(f"catchments: nearest-facility bands for logistics skipped ({exc})")
    if not parts:
        return None, notes
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                           crs=settings.storage_crs)
    return gdf, notes


def _on_network(network: RoadNetwork, origins: list[Resolution], notes: list[str]
                ) -> list[Resolution]:
    kept = []
    for res in origins:
        try:
            snap_origins(network, as_origins([res]))
        except InputError as exc:
            notes.append(f"catchments: skipped, {exc}")
        else:
            kept.append(res)
    return kept
