"""Travel-time catchments: how far you get in 15, 30, 45, 60 minutes, and what lies within.

:func:`catchments` snaps each origin to the road network, runs one time-limited shortest-path
search per origin (or one multi-source search in ``nearest`` mode) with
:mod:`wuling_geo.routing`, works out which part of every road is reached within each band
(partial roads cut at exactly the right point) and turns that reached road into a polygon:
buffered by an access distance and unioned (:mod:`._isochrone_polygons`), holes kept,
simplified, bands nested. Each row carries reach statistics (:mod:`._catchment_stats`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from . import settings
from ._catchment_stats import BandStats, as_layer_frames, band_stats, farthest_point, metric_points
from ._errors import InputError, NetworkError, UnresolvedPlaceError
from ._files import atomic_path
from ._isochrone_polygons import cell_index
from ._progress import bar
from ._road_reach import origin_pieces, reach, road_groups
from .geocode import Resolution
from .network import RoadNetwork, Snap
from .routing import DIRECTIONS, nearest_times, node_times

MODES = ("each", "nearest")
COLUMNS = ("origin_id", "origin_name", "mode", "direction", "profile", "minutes", "n_origins",
           "origin_lon", "origin_lat", "snap_m", "area_km2", "share_of_district", "road_km",
           "features_inside", "farthest_lon", "farthest_lat", "farthest_min", "access_m",
           "attribution")


@dataclass(frozen=True)
class Origin:
    """A catchment origin: an id, a display name, a WGS-84 position and its category."""

    id: str
    name: str
    lon: float
    lat: float
    category: str | None = None


def as_origins(origins: Any) -> list[Origin]:
    """Return ``origins`` as a list of :class:`Origin`.

    Accepts geocoder :class:`~wuling_geo.geocode.Resolution` objects, ``(lon, lat)`` pairs,
    ``(name, lon, lat)`` triples, shapely points, :class:`Origin` objects, a single one of
    these, or a mapping ``{name: (lon, lat)}``.

    Raises
    ------
    UnresolvedPlaceError
        For a resolution without a position.
    InputError
        For anything else that is not a point.
    """
    if isinstance(origins, Mapping):
        origins = [(name, *xy) for name, xy in origins.items()]
    elif isinstance(origins, Resolution | Origin | shapely.Point) or _is_pair(origins):
        origins = [origins]
    out = []
    for item in origins:
        if isinstance(item, Origin):
            out.append(item)
        elif isinstance(item, Resolution):
            if not item.resolved:
                raise UnresolvedPlaceError(f"{item.label} has no known position ({item.source}): "
                                           "give lon,lat or resolve it first")
            place = item.place
            out.append(Origin(place.id if place else item.label, item.label, float(item.lon),
                              float(item.lat), place.category if place else None))
        elif isinstance(item, shapely.Point):
            out.append(_free(item.x, item.y))
        elif _is_pair(item):
            out.append(_free(*item))
        elif isinstance(item, Sequence) and len(item) == 3 and isinstance(item[0], str):
            out.append(Origin(item[0], item[0], float(item[1]), float(item[2])))
        else:
            raise InputError(f"cannot use {item!r} as an origin: give a geocoder Resolution, "
                             "(lon, lat) or (name, lon, lat)")
    return out


def _is_pair(item: Any) -> bool:
    return (isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2
            and all(isinstance(v, int | float | np.floating) for v in item))


def _free(lon: float, lat: float) -> Origin:
    label = f"{float(lon):.5f},{float(lat):.5f}"
    return Origin(label, label, float(lon), float(lat))


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


def snap_origins(network: RoadNetwork, origins: list[Origin], max_snap_m: float | None = None
                 ) -> list[Snap]:
    """Snap each origin to the nearest road; raise :class:`InputError` naming one too far off."""
    limit = settings.catchment_max_snap_m if max_snap_m is None else max_snap_m
    snaps = []
    for origin in origins:
        snap = network.snap(origin.lon, origin.lat)
        if snap.distance_m > limit:
            raise InputError(
                f"origin {origin.name} lies {snap.distance_m / 1000:.1f} km from the nearest road "
                f"of the network (limit {limit / 1000:g} km): choose a point nearer a road or a "
                "network that covers it")
        snaps.append(snap)
    return snaps


def _checked_times(network: RoadNetwork, profile: str) -> np.ndarray:
    times = network.travel_time(profile)
    bad = ~np.isfinite(times) | (times < 0)
    if bad.any():
        raise NetworkError(f"the network has {int(bad.sum())} edges without a valid "
                           f"travel_time_{profile}: rebuild it with 'wuling-geo network import/fetch'")
    return times


def catchments(network: RoadNetwork, origins: Any, minutes: Iterable[float] = (15, 30, 45, 60),
               mode: str = "each", direction: str = "from", profile: str = "car",
               access_m: float | None = None, simplify_m: float | None = None,
               stats: bool = True, layers: Any = None, group: str | None = None
               ) -> gpd.GeoDataFrame:
    """Return travel-time catchments: one row per origin (or group) and band, EPSG:4326.

    Parameters
    ----------
    network
        The road network (any place; only the CLI checks origins against the district).
    origins
        Places to start from (or go to): see :func:`as_origins`.
    minutes
        The bands, in minutes (above 0, at most :data:`settings.catchment_max_minutes`).
    mode
        ``"each"``: one catchment per origin; ``"nearest"``: one for the whole set — the
        land within each band of its nearest origin (one multi-source search).
    direction
        ``"from"`` the origins, or ``"to"`` them (one-way roads taken the other way).
    profile
        Vehicle profile with travel times in the network (``car`` or ``truck``).
    access_m
        Access distance (m) the reached road is buffered by
        (default :data:`settings.catchment_access_m`).
    simplify_m
        Simplification tolerance (m), 0 for none (default :data:`settings.catchment_simplify_m`).
    stats
        Compute the share of the district and the features inside (area, road km and the
        farthest point are always given).
    layers
        Features to count inside each band: a ``{layer: GeoDataFrame}`` mapping (see
        :func:`wuling_geo.layers.layer_frames`) or a list of resolutions.
    group
        Name of the origin set in ``nearest`` mode (default: the origins' shared category).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS` and ``geometry`` ((Multi)Polygon); bands nested.

    Raises
    ------
    InputError
        Bad bands, mode, direction or origins, or an origin too far from any road.
    NetworkError
        A network without (valid) travel times for ``profile``.
    """
    bands = check_minutes(minutes)
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}: use 'each' or 'nearest'")
    if direction not in DIRECTIONS:
        raise InputError(f"unknown direction {direction!r}: use 'from' or 'to'")
    access = settings.catchment_access_m if access_m is None else float(access_m)
    tolerance = settings.catchment_simplify_m if simplify_m is None else float(simplify_m)
    if access <= 0 or tolerance < 0:
        raise InputError("the access distance must be above 0 m and the simplification at least 0 m")
    times = _checked_times(network, profile)
    points = as_origins(origins)
    if not points:
        raise InputError("no origins given: name at least one place or lon,lat")
    snaps = snap_origins(network, points)
    groups = road_groups(network)
    qs = settings.catchment_quad_segs
    cells = cell_index(network, groups, access, qs)
    limit = bands[-1] * 60.0
    frames = as_layer_frames(layers) if stats else {}
    context = _Context(network, direction, profile, access, tolerance, stats, frames, points, snaps)
    if mode == "each":
        node_time = node_times(network, snaps, profile, limit=limit, direction=direction)
        sets = [([i], node_time[i], np.zeros(len(network.nodes), dtype=np.int64))
                for i in range(len(points))]
    else:
        node_time, which = nearest_times(network, snaps, profile, limit=limit, direction=direction)
        sets = [(list(range(len(points))), node_time, which)]
    rows = []
    with bar("catchments", total=len(sets) * len(bands), unit="band") as progress:
        for members, d, which in sets:
            sub = [snaps[i] for i in members]
            polygons, reaches = [], []
            for band in bands:
                seconds = band * 60.0
                pieces = origin_pieces(network, groups, sub, times, seconds, direction)
                pieces = [(g, s, e, members[o]) for g, s, e, o in pieces]
                r = reach(network, groups, d, seconds, direction, times, pieces)
                polygons.append(cells.polygon(r))
                reaches.append(r)
                progress.update(1)
            polygons = _simplify_and_nest(polygons, tolerance)
            rows.extend(context.rows(mode, members, bands, polygons, reaches, d, which, group))
    return context.frame(rows)


def _simplify_and_nest(polygons: list, tolerance: float) -> list:
    """Simplify each band, then union each band into the next so that bands nest exactly."""
    out = []
    for poly in polygons:
        if tolerance > 0:
            poly = shapely.simplify(poly, tolerance, preserve_topology=True)
        if out:
            poly = shapely.union(poly, out[-1])
        out.append(poly)
    return out


@dataclass
class _Context:
    network: RoadNetwork
    direction: str
    profile: str
    access: float
    tolerance: float
    stats: bool
    layers: Any
    points: list[Origin]
    snaps: list[Snap]

    def rows(self, mode, members, bands, polygons, reaches, d, which, group) -> list[dict]:
        """Return the table rows of one origin (or set) and its bands."""
        origins_xy = metric_points(self.network, [self.snaps[i].point for i in members])
        if mode == "nearest":
            origin_id = group or self._group_name(members)
            names = [self.points[i].name for i in members]
            shown = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
            origin_name = f"nearest of {len(names)}: {shown}"
            lon = lat = float("nan")
        else:
            p = self.points[members[0]]
            origin_id, origin_name, lon, lat = p.id, p.name, p.lon, p.lat
        polys_ll = gpd.GeoSeries(polygons, crs=self.network.crs_metric).to_crs(settings.storage_crs)
        out = []
        for band, poly, poly_ll, r in zip(bands, polygons, polys_ll.values, reaches, strict=True):
            farthest = farthest_point(self.network, r, d, which, members, origins_xy)
            st: BandStats = band_stats(self.network, poly, poly_ll, r, self.stats, self.layers)
            out.append({
                "origin_id": origin_id, "origin_name": origin_name, "mode": mode,
                "direction": self.direction, "profile": self.profile, "minutes": band,
                "n_origins": len(members), "origin_lon": lon, "origin_lat": lat,
                "snap_m": round(max(self.snaps[i].distance_m for i in members), 1),
                "area_km2": st.area_km2, "share_of_district": st.share_of_district,
                "road_km": st.road_km, "features_inside": st.features_inside,
                "farthest_lon": farthest[0], "farthest_lat": farthest[1],
                "farthest_min": farthest[2], "access_m": self.access,
                "attribution": self.network.meta.get("attribution") or settings.osm_attribution,
                "geometry": poly_ll,
            })
        return out

    def _group_name(self, members: list[int]) -> str:
        categories = {self.points[i].category for i in members}
        return categories.pop() if len(categories) == 1 and None not in categories else "nearest"

    def frame(self, rows: list[dict]) -> gpd.GeoDataFrame:
        """Return the rows as a GeoDataFrame with the documented columns."""
        gdf = gpd.GeoDataFrame(rows, columns=[*COLUMNS, "geometry"], geometry="geometry",
                               crs=settings.storage_crs)
        return gdf


def write_catchments(gdf: gpd.GeoDataFrame, path) -> None:
    """Write catchments atomically to a GeoPackage (layer ``catchments``) or GeoJSON file.

    The GeoPackage layer carries the data's attribution as metadata; every row carries it too.

    Raises
    ------
    InputError
        For another file type or a missing output folder.
    """
    from pathlib import Path

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in {".gpkg", ".geojson"}:
        raise InputError(f"cannot write catchments to {target.name}: use a .gpkg or .geojson file")
    attribution = "; ".join(sorted(set(gdf["attribution"]))) if len(gdf) else settings.osm_attribution
    with atomic_path(target) as tmp:
        staged = tmp.with_suffix("")  # GDAL wants the real extension
        try:
            if suffix == ".gpkg":
                gdf.to_file(staged, layer="catchments", driver="GPKG", engine="pyogrio",
                            layer_metadata={"attribution": attribution}, geometry_type="Unknown")
            else:
                gdf.to_file(staged, driver="GeoJSON", engine="pyogrio")
            staged.replace(tmp)
        finally:
            staged.unlink(missing_ok=True)


def category_origins(resolutions: Iterable[Resolution], category: str
                     ) -> tuple[list[Resolution], list[str]]:
    """Return the resolved point places of ``category`` usable as origins, and notes on the rest.

    Unresolved places, lines (railways, scenic roads) and places flagged outside the district
    are left out; each gets a note saying why.

    Raises
    ------
    InputError
        If no place of the category can be used.
    """
    chosen, notes = [], []
    members = [r for r in resolutions if r.place is not None and r.place.category == category]
    for res in members:
        if not res.resolved:
            notes.append(f"{res.place.label}: skipped, no known position")
        elif res.geometry is not None and not isinstance(res.geometry, shapely.Point):
            notes.append(f"{res.place.label}: skipped, a {res.geometry.geom_type} is not one origin")
        elif "outside-district" in res.flags:
            notes.append(f"{res.place.label}: skipped, its position lies outside the district")
        else:
            chosen.append(res)
    if not chosen:
        raise InputError(f"no place of category {category!r} has a usable position "
                         f"({len(members)} in the gazetteer): import OSM data with 'wuling-geo "
                         "network import FILE', use --online, or give places with --from")
    return chosen, notes
