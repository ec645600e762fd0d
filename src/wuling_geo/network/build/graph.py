"""Build a routable :class:`~wuling_geo.network.model.RoadNetwork` from road polylines.

Every source (an OSM file, Overpass, a user's road layer) ends here: its roads as
:class:`Ways` (node ids and coordinates per polyline, plus attributes) are clipped to the
area, split into edges at every node shared by more than one way and at way ends, turned
into directed edges (one-way roads in one direction only), optionally consolidated, reduced
to the largest strongly connected component and given geodesic lengths, speeds and travel
times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from wuling_geo import settings
from wuling_geo._util.errors import InputError, NetworkError
from wuling_geo._util.geo import utm_crs
from wuling_geo._util.memory import release_free_memory
from wuling_geo.network.model import RoadNetwork
from wuling_geo.network.speed.assignment import (
    SpeedOptions,
    assign_speeds,
    junction_seconds,
    turn_cost_values,
)
from wuling_geo.network.speed.dem import sample_grades
from wuling_geo.network.speed.junctions import add_junction_delays
from wuling_geo.network.speed.mountain import turning_deg_per_km
from wuling_geo.network.speed.profile import SpeedProfile
from wuling_geo.network.speed.urban import urban_area, urban_mask
from wuling_geo.network.truck_limits import limit_columns

_GEOD = Geod(ellps="WGS84")

#: Edge columns a built network stores as float32: rounded measures that feed nothing exact
#: (the travel times are computed from the float64 values first).
FLOAT32_COLUMNS = ("turning_deg_per_km", "speed_kph_car", "speed_kph_truck")
#: Edge columns of a built network, in order (``climb_m`` only with a DEM).
EDGE_COLUMNS = ["u", "v", "key", "length", "highway", "name", "ref", "oneway", "reversed",
                "maxspeed", "lanes", "urban", "turning_deg_per_km", "speed_kph_car",
                "travel_time_car", "speed_kph_truck", "travel_time_truck", "junction_delay_s",
                "climb_m", "way_id", "maxheight", "maxwidth", "maxlength", "maxweight",
                "truck_allowed"]


@dataclass
class Ways:
    """Road polylines: way ``i`` has nodes ``refs[offsets[i]:offsets[i+1]]``.

    ``attrs`` has one row per way with at least ``highway`` and ``direction`` (1: one-way in
    node order, -1: one-way against it, 0: both ways). Missing coordinates are NaN.
    """

    attrs: pd.DataFrame
    offsets: np.ndarray
    refs: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    def __len__(self) -> int:
        return len(self.attrs)

    @property
    def way_of(self) -> np.ndarray:
        """Return the way index of every node position."""
        return np.repeat(np.arange(len(self.attrs)), np.diff(self.offsets))

    def bounds(self) -> tuple[float, float, float, float] | None:
        """Return (west, south, east, north) of the coordinates, or ``None`` if there are none."""
        if not np.isfinite(self.lon).any():
            return None
        return (float(np.nanmin(self.lon)), float(np.nanmin(self.lat)),
                float(np.nanmax(self.lon)), float(np.nanmax(self.lat)))

    def clip(self, area: BaseGeometry | None) -> Ways:
        """Keep the runs of consecutive nodes inside ``area`` (and with coordinates).

        A way leaving and re-entering the area becomes several ways; runs of fewer than two
        nodes are dropped. A node repeating its predecessor in the same way is dropped first.
        """
        way_of = self.way_of
        dup = np.zeros(len(self.refs), dtype=bool)
        dup[1:] = (self.refs[1:] == self.refs[:-1]) & (way_of[1:] == way_of[:-1])
        refs, lon, lat, way_of = (self.refs[~dup], self.lon[~dup], self.lat[~dup],
                                  way_of[~dup])
        keep = np.isfinite(lon) & np.isfinite(lat)
        if area is not None and keep.any():
            shapely.prepare(area)
            keep[keep] = shapely.intersects_xy(area, lon[keep], lat[keep])
        idx = np.flatnonzero(keep)
        new_run = np.ones(len(idx), dtype=bool)
        new_run[1:] = (np.diff(idx) != 1) | (way_of[idx[1:]] != way_of[idx[:-1]])
        run = np.cumsum(new_run) - 1
        good = np.bincount(run)[run] >= 2 if len(idx) else np.zeros(0, dtype=bool)
        idx, new_run = idx[good], new_run[good]
        starts = np.flatnonzero(new_run)
        offsets = np.r_[starts, len(idx)].astype(np.int64)
        attrs = self.attrs.iloc[way_of[idx[starts]]].reset_index(drop=True)
        return Ways(attrs, offsets, refs[idx], lon[idx], lat[idx])


def split_ways(ways: Ways, keep: np.ndarray | None = None) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Split ways into directed edges at shared nodes, way ends and the node ids ``keep``.

    ``keep`` holds nodes that must be junctions of the graph even inside one way: the via
    nodes of turn restrictions and barrier nodes (:mod:`wuling_geo.network.restrictions`).
    :func:`split_edges` does the same without making a LineString per edge.

    Returns
    -------
    nodes : pandas.DataFrame
        Indexed by node id, with ``x`` (lon) and ``y`` (lat).
    edges : geopandas.GeoDataFrame
        One row per direction of travel: ``u``, ``v``, ``oneway``, ``reversed`` (the edge
        runs against the way's node order), the way's attributes and a LineString u→v.
    """
    nodes, edges, shapes = split_edges(ways, keep)
    # copy=False: geopandas copies a plain DataFrame's columns by default
    edges = gpd.GeoDataFrame(edges, geometry=shapes.linestrings(), crs=settings.storage_crs,
                             copy=False)
    return nodes, edges


def split_edges(ways: Ways, keep: np.ndarray | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame, EdgeShapes]:
    """Split ways into directed edges like :func:`split_ways`, their shapes kept as coordinates.

    Returns
    -------
    nodes : pandas.DataFrame
        Indexed by node id, with ``x`` (lon) and ``y`` (lat).
    edges : pandas.DataFrame
        The edges of :func:`split_ways` without their geometry.
    shapes : EdgeShapes
        Row ``i`` is the polyline of edge ``i``; both directions of a road share the ways'
        coordinate arrays, so no per-edge object exists until :meth:`EdgeShapes.linestrings`.
    """
    refs, off = ways.refs, ways.offsets
    if len(ways) == 0:
        nodes = pd.DataFrame({"x": [], "y": []}, index=pd.Index([], dtype="int64", name="node"))
        empty = np.zeros(0, dtype=np.int64)
        return (nodes, pd.DataFrame({"u": empty, "v": empty}),
                EdgeShapes(np.zeros(0), np.zeros(0), empty, empty))
    way_of = ways.way_of
    _, inverse, counts = np.unique(refs, return_inverse=True, return_counts=True)
    split = counts[inverse] > 1
    if keep is not None and len(keep):
        split |= np.isin(refs, keep)
    del inverse, counts
    split[off[:-1]] = True
    split[off[1:] - 1] = True
    p = np.flatnonzero(split)
    del split
    same = way_of[p[:-1]] == way_of[p[1:]]
    start, end = p[:-1][same], p[1:][same]
    edge_way = way_of[start]
    del way_of, same
    direction = ways.attrs["direction"].to_numpy()[edge_way]
    fwd, bwd = np.flatnonzero(direction >= 0), np.flatnonzero(direction <= 0)
    # one row per direction of travel: the forward edges, then the backward ones
    first = np.r_[start[fwd], end[bwd]]
    last = np.r_[end[fwd], start[bwd]]
    edges = ways.attrs.drop(columns=["direction"]).iloc[np.r_[edge_way[fwd], edge_way[bwd]]]
    edges = edges.reset_index(drop=True)
    edges["oneway"] = np.r_[direction[fwd], direction[bwd]] != 0
    edges["u"], edges["v"] = refs[first], refs[last]
    edges["reversed"] = np.r_[np.zeros(len(fwd), bool), np.ones(len(bwd), bool)]
    del edge_way, direction, fwd, bwd
    node_ids, at = np.unique(refs[p], return_index=True)
    nodes = pd.DataFrame({"x": ways.lon[p][at], "y": ways.lat[p][at]},
                         index=pd.Index(node_ids.astype(np.int64), name="node"))
    if len(ways.lon) < 2**31:  # half the memory of int64 positions
        first, last = first.astype(np.int32), last.astype(np.int32)
    return nodes, edges, EdgeShapes(ways.lon, ways.lat, first, last)


#: Edges handled at once where geometries are built or projected (bounds the memory).
CHUNK_EDGES = 250_000
#: Coordinates per block when they are freed as the LineStrings are made.
_BLOCK = 1 << 20


@dataclass
class EdgeShapes:
    """Edge polylines as coordinate arrays: no Python or GEOS object per edge.

    Edge ``i`` runs through the positions ``first[i], first[i] ± 1, …, last[i]`` of
    ``lon``/``lat`` (backwards when ``last[i] < first[i]``), so the two directions of a road
    share one copy of its coordinates. A network's edges are built on these arrays; the
    LineStrings of its ``geometry`` column are made once, at the end
    (:meth:`linestrings`).
    """

    lon: np.ndarray
    lat: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def __len__(self) -> int:
        return len(self.first)

    @classmethod
    def from_geometry(cls, geoms: np.ndarray | gpd.GeoSeries) -> EdgeShapes:
        """Return the shapes of LineStrings (their x/y; each must have two coordinates or more).

        Raises
        ------
        NetworkError
            If a geometry has fewer than two coordinates.
        """
        geoms = np.asarray(geoms, dtype=object)
        coords, owner = shapely.get_coordinates(geoms, return_index=True)
        counts = np.bincount(owner, minlength=len(geoms))
        if len(geoms) and counts.min() < 2:
            raise NetworkError(f"{int((counts < 2).sum())} edges have no line geometry (fewer "
                               "than two coordinates): fix or drop them")
        dtype = np.int32 if len(coords) < 2**31 else np.int64
        ends: np.ndarray = np.cumsum(counts)
        return cls(np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1]),
                   (ends - counts).astype(dtype), (ends - 1).astype(dtype))

    def roads(self) -> tuple[EdgeShapes, np.ndarray]:
        """Return one shape per road, and the road of each edge.

        An edge and its twin over the same coordinates share a road, which runs up the
        positions.
        """
        low = np.minimum(self.first, self.last).astype(np.int64)
        high = np.maximum(self.first, self.last).astype(np.int64)
        key, road_of = np.unique(low * (len(self.lon) + 1) + high, return_inverse=True)
        dtype = self.first.dtype
        return (EdgeShapes(self.lon, self.lat, (key // (len(self.lon) + 1)).astype(dtype),
                           (key % (len(self.lon) + 1)).astype(dtype)), road_of.ravel())

    def take(self, rows: np.ndarray) -> EdgeShapes:
        """Return the shapes of the edges ``rows`` (an index or a boolean mask)."""
        return EdgeShapes(self.lon, self.lat, self.first[rows], self.last[rows])

    def positions(self, part: slice) -> tuple[np.ndarray, np.ndarray]:
        """Return the coordinate positions of the edges ``part`` and each one's edge (0-based)."""
        a, b = self.first[part].astype(np.int64), self.last[part].astype(np.int64)
        d = np.where(b >= a, 1, -1)
        sizes = (b - a) * d + 1
        edge_id = np.repeat(np.arange(len(a), dtype=np.int32), sizes)
        pos = (np.repeat(a, sizes)
               + (np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes))
               * np.repeat(d, sizes))
        return pos, edge_id

    def moved(self) -> EdgeShapes:
        """Return these shapes as a new object, leaving this one empty (the arrays move)."""
        out = EdgeShapes(self.lon, self.lat, self.first, self.last)
        self.lon, self.lat = np.zeros(0), np.zeros(0)
        self.first, self.last = np.zeros(0, np.int64), np.zeros(0, np.int64)
        return out

    def linestrings(self, release: bool = False) -> np.ndarray:
        """Return a WGS-84 LineString per edge, built :data:`CHUNK_EDGES` at a time.

        With ``release``, the shapes are emptied and their coordinates freed as the lines
        are made: the edges are built in the order of their lowest position and the
        coordinates are held in blocks, each freed once every edge using it is built (their
        memory is gone before the last LineStrings exist, if nothing else holds the arrays).
        """
        out = np.empty(len(self), dtype=object)
        if not release:
            for part in _chunks(len(self)):
                pos, edge_id = self.positions(part)
                out[part] = shapely.linestrings(self.lon[pos], self.lat[pos], indices=edge_id)
            return out
        shapes = self.moved()
        order = np.argsort(np.minimum(shapes.first, shapes.last), kind="stable")
        order = order.astype(np.int32 if len(order) < 2**31 else np.int64)
        shapes = shapes.take(order)
        lon: list[np.ndarray | None] = [shapes.lon[i:i + _BLOCK].copy()
                                        for i in range(0, len(shapes.lon), _BLOCK)]
        lat: list[np.ndarray | None] = [shapes.lat[i:i + _BLOCK].copy()
                                        for i in range(0, len(shapes.lat), _BLOCK)]
        shapes.lon = shapes.lat = np.zeros(0)
        for part in _chunks(len(shapes)):
            pos, edge_id = shapes.positions(part)
            a, b = pos.min() // _BLOCK, pos.max() // _BLOCK + 1
            base = a * _BLOCK
            x = np.concatenate(lon[a:b])[pos - base]  # type: ignore[arg-type]
            y = np.concatenate(lat[a:b])[pos - base]  # type: ignore[arg-type]
            out[order[part]] = shapely.linestrings(x, y, indices=edge_id)
            if part.stop < len(shapes):  # the blocks below every edge still to build
                below = min(shapes.first[part.stop], shapes.last[part.stop])
                for i in range(int(below) // _BLOCK):
                    lon[i] = lat[i] = None
            del pos, edge_id, x, y
        return out

    def bounds(self) -> tuple[float, float, float, float]:
        """Return (west, south, east, north) of all the coordinates (NaN without any).

        These are the edges' bounds as long as every coordinate belongs to an edge, as from
        :func:`split_edges` and :meth:`from_geometry` (not necessarily after :meth:`take`).
        """
        if len(self.lon) == 0:
            return (np.nan,) * 4
        return (float(self.lon.min()), float(self.lat.min()), float(self.lon.max()),
                float(self.lat.max()))

    def geodesic_length(self) -> np.ndarray:
        """Return the WGS-84 geodesic length (m) of each edge, as :func:`geodesic_length`."""
        out = np.zeros(len(self))
        for part in _chunks(len(self)):
            pos, index = self.positions(part)
            lon, lat = self.lon[pos], self.lat[pos]
            _, _, dist = _GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
            same = index[1:] == index[:-1]
            out[part] = np.bincount(index[1:][same], weights=np.asarray(dist)[same],
                                    minlength=part.stop - part.start)
        return out

    def metric(self, part: slice, transformer: Transformer) -> np.ndarray:
        """Return the LineStrings of the edges ``part`` in ``transformer``'s target CRS."""
        pos, edge_id = self.positions(part)
        x, y = transformer.transform(self.lon[pos], self.lat[pos])
        return shapely.linestrings(x, y, indices=edge_id)


def _chunks(n: int) -> list[slice]:
    return [slice(lo, min(lo + CHUNK_EDGES, n)) for lo in range(0, n, CHUNK_EDGES)]


def geodesic_length(geoms: np.ndarray | gpd.GeoSeries) -> np.ndarray:
    """Return the WGS-84 geodesic length (m) of each LineString (lon/lat)."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms))
    for part in _chunks(len(geoms)):
        coords, index = shapely.get_coordinates(geoms[part], return_index=True)
        if len(coords) < 2:
            continue
        _, _, dist = _GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
        same = index[1:] == index[:-1]
        out[part] = np.bincount(index[1:][same], weights=np.asarray(dist)[same],
                                minlength=part.stop - part.start)
    return out


@dataclass
class BuildOptions:
    """How to turn edges into a network."""

    profile: SpeedProfile
    speeds: SpeedOptions = field(default_factory=SpeedOptions)
    dem: Path | None = None
    consolidate_m: float | None = None


#: Largest intersection-consolidation tolerance (m). Clusters are chained (single linkage), so
#: a large tolerance merges whole neighbourhoods and stretches every edge to the clusters'
#: centroids. Measured on real OSM extracts (road km after consolidating; none = 394.5 km for
#: Liechtenstein, 133.4 km for Monaco): 20 m changes road length by at most 0.1 % (394.6,
#: 133.5 km), 30 m by +0.3 % / +1.0 %, 50 m by +2.2 % / +3.3 %, 100 m by +24 % / +102 %.
MAX_CONSOLIDATE_M = 20.0


def check_consolidate_m(tolerance_m: float | None) -> float | None:
    """Return a valid consolidation tolerance (m), or ``None`` for no consolidation.

    Raises
    ------
    InputError
        Unless ``tolerance_m`` is a finite number above 0 and at most
        :data:`MAX_CONSOLIDATE_M`.
    """
    if tolerance_m is None:
        return None
    value = float(tolerance_m)
    if not (np.isfinite(value) and 0 < value <= MAX_CONSOLIDATE_M):
        raise InputError(f"`consolidate_m` {tolerance_m} is out of range: give metres above 0 "
                         f"and at most {MAX_CONSOLIDATE_M:g} (larger tolerances chain junctions "
                         "together and inflate road length)", param="consolidate_m")
    return value


@dataclass
class HygieneReport:
    """What graph hygiene did."""

    components: int = 0
    kept_nodes: int = 0
    kept_edges: int = 0
    dropped_nodes: int = 0
    dropped_edges: int = 0
    dropped_km: float = 0.0
    consolidated_nodes: int = 0
    invalid_landuse: int = 0
    dem_coverage: float | None = None
    junction_delays: dict[str, int] = field(default_factory=dict)
    unreadable_limits: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def build_network(nodes: pd.DataFrame, edges: pd.DataFrame, options: BuildOptions,
                  places: pd.DataFrame | None = None, landuse: gpd.GeoSeries | None = None,
                  meta: dict[str, Any] | None = None, shapes: EdgeShapes | None = None,
                  controls: pd.DataFrame | None = None
                  ) -> tuple[RoadNetwork, HygieneReport]:
    """Finish a network: consolidate, keep the largest strong component, add speeds.

    The edges are measured, filtered and given speeds on coordinate arrays
    (:class:`EdgeShapes`); their LineStrings are made once, for the finished network.

    Parameters
    ----------
    nodes, edges
        As returned by :func:`split_ways` or :func:`split_edges` (``edges`` may already hold
        ``urban``). ``edges`` is consumed: its columns are moved out one by one (see
        :func:`_take_rows`), so the whole table never exists twice.
    options
        Profile, penalties, DEM and consolidation tolerance.
    places, landuse
        Place nodes and landuse polygons deciding which edges are urban (see
        :mod:`wuling_geo.network.speed.urban`), used when ``edges`` has no ``urban`` column.
    meta
        Provenance to store with the network.
    shapes
        The edges' polylines when ``edges`` has no geometry (from :func:`split_edges`). Like
        ``edges`` it is consumed: it is left empty, and its coordinates are freed as the
        LineStrings are made.
    controls
        Traffic-control nodes (``node``, ``kind``, ``direction``) whose junction delays are
        added to the travel times of the edges approaching them
        (:mod:`wuling_geo.network.speed.junctions`).

    Returns
    -------
    tuple
        The network and a :class:`HygieneReport`.

    Raises
    ------
    NetworkError
        If there are no edges.
    """
    if len(edges) == 0:
        raise NetworkError("no drivable edges to build a network from")
    report = HygieneReport()
    if shapes is None:
        assert isinstance(edges, gpd.GeoDataFrame)  # without shapes, edges carry geometry
        shapes = EdgeShapes.from_geometry(edges.geometry.values)
        edges = pd.DataFrame(edges.drop(columns=edges.geometry.name))
    else:
        shapes = shapes.moved()  # the caller's object lets go of the coordinates
    west, south, east, north = shapes.bounds()
    crs_metric = utm_crs((west + east) / 2, (south + north) / 2)
    tolerance_m = check_consolidate_m(options.consolidate_m)
    if tolerance_m:
        lines = gpd.GeoDataFrame(edges, geometry=shapes.linestrings(), crs=settings.storage_crs)
        nodes, lines, report.consolidated_nodes = consolidate_intersections(
            nodes, lines, tolerance_m, crs_metric)
        shapes = EdgeShapes.from_geometry(lines.geometry.values)
        edges = pd.DataFrame(lines.drop(columns="geometry")).reset_index(drop=True)
        del lines
    nodes, keep = _strong_component(nodes, edges, report, shapes)
    edges = _take_rows(edges, keep)
    shapes = shapes.take(keep)
    roads, road_of = shapes.roads()  # length, urban and turning: once per road, not per way
    edges["length"] = roads.geodesic_length()[road_of]
    area = None
    if "urban" not in edges:
        if landuse is not None and len(landuse):
            report.invalid_landuse = int((~shapely.is_valid(landuse.values)).sum())
        area = urban_area(places if places is not None else pd.DataFrame(
            {"lon": [], "lat": [], "place": []}), landuse, options.profile, crs_metric)
    use_curvature = (options.profile.curvature["enabled"] if options.speeds.curvature is None
                     else options.speeds.curvature)
    urban, turning = _metric_measures(roads, crs_metric, area, options.profile, use_curvature)
    turning = turning[road_of]
    if "urban" not in edges:
        edges["urban"] = urban[road_of]
    del urban, roads, road_of
    grades, geometry = None, None
    use_grade = (options.profile.grade["enabled"] if options.speeds.grade is None
                 else options.speeds.grade)
    if options.dem is not None and use_grade:
        geometry = shapes.linestrings()
        grades = sample_grades(gpd.GeoSeries(geometry, crs=settings.storage_crs), options.dem,
                               options.profile.grade["sample_m"])
        report.dem_coverage = grades.coverage
    edges = assign_speeds(edges, options.profile, options.speeds, grades, turning=turning)
    seconds = junction_seconds(options.profile, options.speeds)
    if seconds and controls is not None and len(controls):
        report.junction_delays = dict(add_junction_delays(edges, controls, seconds))
    edges["key"] = edges.groupby(["u", "v"]).cumcount().astype(np.int64)
    edges, unreadable = limit_columns(edges)
    report.unreadable_limits = dict(sorted(unreadable.items()))
    for column in EDGE_COLUMNS:
        if column == "junction_delay_s" and column not in edges:
            edges[column] = 0.0
        elif column not in edges and column != "climb_m":
            edges[column] = None
    # the same column objects in order (edges[columns] could copy them all)
    edges = pd.DataFrame({c: edges[c] for c in EDGE_COLUMNS if c in edges}, copy=False)
    for column in ("u", "v"):
        edges[column] = edges[column].astype(np.int64)
    for column in FLOAT32_COLUMNS:  # travel times, lengths and coordinates stay float64
        edges[column] = edges[column].astype(np.float32)
    edges["highway"] = edges["highway"].astype("category")  # a byte per edge, not a string
    edges["oneway"] = edges["oneway"].astype(bool)
    edges["reversed"] = edges["reversed"].astype(bool)
    # the LineStrings last, once every temporary array of the build is gone
    release_free_memory()
    geometry = shapes.linestrings(release=True) if geometry is None else geometry
    del shapes
    edges = gpd.GeoDataFrame(edges, geometry=geometry, crs=settings.storage_crs, copy=False)
    meta = dict(meta or {})
    costs = turn_cost_values(options.profile, options.speeds)
    if costs:
        meta["turn_costs"] = costs
    return RoadNetwork(nodes, edges, meta), report


def _metric_measures(shapes: EdgeShapes, crs_metric: CRS, area: BaseGeometry | None,
                     profile: SpeedProfile, curvature: bool) -> tuple[np.ndarray, np.ndarray]:
    """Return each edge's urban flag and turning (deg/km; zeros without ``curvature``).

    The edges are projected to ``crs_metric`` a chunk at a time, so only one chunk of metric
    geometries exists at once.
    """
    n = len(shapes)
    urban = np.zeros(n, dtype=bool)
    turning = np.zeros(n)
    to_metric = Transformer.from_crs(settings.storage_crs, crs_metric, always_xy=True)
    for part in _chunks(n):
        metric = shapes.metric(part, to_metric)
        urban[part] = urban_mask(metric, area)
        if curvature:
            turning[part] = turning_deg_per_km(metric, profile.curvature["simplify_m"],
                                               profile.curvature["min_length_m"])
        del metric
    return urban, turning


def largest_strong_component(nodes: pd.DataFrame, edges: gpd.GeoDataFrame,
                             report: HygieneReport | None = None
                             ) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Return the nodes and edges of the largest strongly connected component.

    ``report`` (if given) receives the component count and what was dropped.
    """
    nodes, keep_edge = _strong_component(nodes, edges, report)
    return nodes, (edges if keep_edge.all() else edges[keep_edge])


def _take_rows(edges: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """Return the rows ``keep`` of ``edges`` (a new RangeIndex), emptying ``edges``.

    Each column is copied and then deleted from ``edges`` before the next, so only one
    column exists twice at a time, even while the caller still holds ``edges``.
    """
    rows = None if keep.all() else np.flatnonzero(keep)
    geo = isinstance(edges, gpd.GeoDataFrame)
    geometry, crs = (edges.geometry.name, edges.crs) if geo else (None, None)
    columns: dict[str, Any] = {}
    for name in list(edges.columns):
        column = edges[name] if rows is None else edges[name].iloc[rows]
        columns[name] = column.reset_index(drop=True)
        del column
        del edges[name]
    if geo:
        return gpd.GeoDataFrame(columns, geometry=geometry, crs=crs, copy=False)
    return pd.DataFrame(columns, copy=False)


def _strong_component(nodes: pd.DataFrame, edges: pd.DataFrame,
                      report: HygieneReport | None = None, shapes: EdgeShapes | None = None
                      ) -> tuple[pd.DataFrame, np.ndarray]:
    """Return the nodes of the largest strongly connected component and its edges' mask."""
    ids = np.unique(np.r_[edges["u"].to_numpy(np.int64), edges["v"].to_numpy(np.int64)])
    pu = np.searchsorted(ids, edges["u"].to_numpy(np.int64))
    pv = np.searchsorted(ids, edges["v"].to_numpy(np.int64))
    graph = coo_matrix((np.ones(len(pu)), (pu, pv)), shape=(len(ids), len(ids))).tocsr()
    count, labels = connected_components(graph, directed=True, connection="strong")
    keep_node = labels == np.bincount(labels).argmax()
    keep_edge = keep_node[pu] & keep_node[pv]
    if report is not None:
        report.components = int(count)
        report.kept_nodes = int(keep_node.sum())
        report.kept_edges = int(keep_edge.sum())
        report.dropped_nodes = int((~keep_node).sum())
        report.dropped_edges = int((~keep_edge).sum())
        dropped = (shapes.take(~keep_edge).geodesic_length() if shapes is not None
                   else geodesic_length(edges.geometry.values[~keep_edge]))
        report.dropped_km = float(dropped.sum() / 1000) if len(dropped) else 0.0
    kept_ids = ids[keep_node]
    return nodes.loc[nodes.index.isin(kept_ids)].sort_index(), keep_edge


def consolidate_intersections(nodes: pd.DataFrame, edges: gpd.GeoDataFrame, tolerance_m: float,
                              crs_metric: CRS) -> tuple[pd.DataFrame, gpd.GeoDataFrame, int]:
    """Merge intersections closer than ``tolerance_m`` into one node at their centroid.

    Only nodes with at least three distinct neighbours (intersections, not dead ends or
    bends) are merged; each cluster keeps its smallest id. Edges inside a cluster are
    dropped and the others get their end points moved to the new node.

    Returns
    -------
    tuple
        Nodes, edges and the number of nodes merged away.
    """
    from scipy.spatial import cKDTree

    u, v = edges["u"].to_numpy(np.int64), edges["v"].to_numpy(np.int64)
    a, b = np.minimum(u, v), np.maximum(u, v)
    pairs = np.unique(np.c_[a, b][a != b], axis=0)
    ends, degree = np.unique(pairs.ravel(), return_counts=True)
    cand = ends[degree >= 3]
    if len(cand) < 2:
        return nodes, edges, 0
    to_m = Transformer.from_crs(settings.storage_crs, crs_metric, always_xy=True)
    xy = np.column_stack(to_m.transform(nodes.loc[cand, "x"].to_numpy(),
                                        nodes.loc[cand, "y"].to_numpy()))
    close = cKDTree(xy).query_pairs(tolerance_m, output_type="ndarray")
    if len(close) == 0:
        return nodes, edges, 0
    graph = coo_matrix((np.ones(len(close)), (close[:, 0], close[:, 1])),
                       shape=(len(cand), len(cand)))
    _, label = connected_components(graph, directed=False)
    frame = pd.DataFrame({"id": cand, "label": label, "mx": xy[:, 0], "my": xy[:, 1]})
    frame = frame[frame["label"].map(frame["label"].value_counts()) > 1]
    groups = frame.groupby("label").agg(rep=("id", "min"), mx=("mx", "mean"), my=("my", "mean"))
    to_ll = Transformer.from_crs(crs_metric, settings.storage_crs, always_xy=True)
    lon, lat = to_ll.transform(groups["mx"].to_numpy(), groups["my"].to_numpy())
    mapping = pd.Series(frame["label"].map(groups["rep"]).to_numpy(), index=frame["id"].to_numpy())
    nodes = nodes.copy()
    nodes.loc[groups["rep"].to_numpy(), "x"] = lon
    nodes.loc[groups["rep"].to_numpy(), "y"] = lat
    new_u = pd.Series(u).map(mapping).fillna(pd.Series(u)).to_numpy(np.int64)
    new_v = pd.Series(v).map(mapping).fillna(pd.Series(v)).to_numpy(np.int64)
    inside = (new_u == new_v) & (u != v)
    members = frame["id"].to_numpy()
    moved = np.isin(u, members) | np.isin(v, members)  # the kept node moved too
    edges = edges.copy()
    edges["u"], edges["v"] = new_u, new_v
    geoms = edges.geometry.values.copy()
    idx = np.flatnonzero(moved & ~inside)
    if len(idx):
        coords, owner = shapely.get_coordinates(geoms[idx], return_index=True)
        first = np.r_[0, np.flatnonzero(owner[1:] != owner[:-1]) + 1]
        last = np.r_[first[1:] - 1, len(owner) - 1]
        coords[first] = nodes.loc[new_u[idx], ["x", "y"]].to_numpy()
        coords[last] = nodes.loc[new_v[idx], ["x", "y"]].to_numpy()
        geoms[idx] = shapely.linestrings(coords, indices=owner)
    edges = gpd.GeoDataFrame(edges.drop(columns="geometry"), geometry=geoms,
                             crs=settings.storage_crs)[~inside]
    merged = len(frame) - len(groups)
    nodes = nodes.drop(index=frame["id"][~frame["id"].isin(groups["rep"])].to_numpy())
    return nodes, edges, int(merged)
