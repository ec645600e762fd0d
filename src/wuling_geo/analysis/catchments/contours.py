"""Catchment bands contoured from a travel-time surface on a grid: the fast engine.

The exact engine (:mod:`.polygons`) unions the buffered reached road per band in GEOS. This
one works like the isochrone services (Valhalla, GraphHopper): per origin (or origin set)

1. *Road times.* Every road is sampled at cell spacing (once per network and cell
   size); a sample at fraction ``f`` of a road is reached at ``min(d[start] + f·t,
   d[end] + (1 - f)·t')`` (its two directions; ``d`` the node times, the origin's own road
   driven straight from the snapped point). Each band's cut points — where its limit
   falls inside a road, :mod:`.road_reach` — are added at exactly the limit, so the
   partial roads end where the exact engine cuts them.
2. *Surface.* The samples are rasterised (the earliest per cell): one grid of road arrival
   times per origin, on a window around the reached road. The samples' cells are sorted
   once per network and cell size (kept in the network's index), so an origin's surface is
   one :func:`numpy.minimum.reduceat` over the samples in cell order.
3. *Bands.* The exact engine's rule — a point is in a band when reached road of that band
   lies within the access distance ``a`` — is thresholded from that one surface: band
   ``k``'s road cells are those reached by ``T_k``, and the distance to the nearest of them
   (OpenCV's discrete Voronoi diagram, :func:`_distances`, measured to the road sample
   itself, not the cell centre) is contoured at ``a`` with :mod:`contourpy` (filled contours:
   polygons with their holes, outlines interpolated inside the cells, not staircases).
   Road cells of band ``k`` are road cells of band ``k + 1``, and band ``k + 1``'s
   distances are taken as the smaller of its own and band ``k``'s (whose cut points it
   reaches too), so the distances shrink band by band: the contoured regions nest, and a
   hole no new road comes near is the same ring, vertex for vertex, in both bands.
4. The polygons are simplified to the tolerance ring by ring (vectorised Douglas–Peucker;
   GEOS's polygon simplifier re-nodes every band, which cost more than the contouring);
   a ring that would cross another keeps its contoured course, a hole that collapses goes,
   and so does a hole whose box is at most twice the tolerance wide, before any geometry
   is made of it (:func:`_delivered`).
   Delivered in WGS-84, band ``k + 1`` is unioned with band ``k``, so the bands nest
   exactly as delivered, whatever the simplification moved; the holes the two share
   (most of them) are kept out of that overlay
   (:func:`~wuling_geo.analysis.catchments.polygon_assembly.union_sharing_holes`), which
   cut it from 126 to 25 ms for a 60-minute band of the 100k SYNTHETIC network
   (4,500 holes).

The default cell, :data:`DEFAULT_CELL_M` (50 m), is a quarter of the default 200 m access
distance and twice the simplification tolerance. Distances are measured to the road points
themselves, not to cell centres, so the outline stays within a few metres of the buffered
road's: on the real Heidelberg extract (30 origins × 5–20 min) the symmetric difference
with the exact bands is 2.3 % of their area on average (3.9 % at most), against 1.4 % at
25 m, which costs several times as much (4× the cells); with the current network import
(10,921 nodes after the control-node splits) it is 2.6 % on average and
7.1 % for the worst band, the same before and after the changes of issue 15's second
round; the benchmark
(benchmarks/bench_contours.py) prints both figures and tests/test_catchment_contours.py
holds the engine to under 5 %.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import closing
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import contourpy
import cv2
import numpy as np
import shapely

from wuling_geo._util.threads import ordered_map
from wuling_geo.analysis.catchments.polygon_assembly import (
    XY,
    apart_and_nested,
    geometry_from,
    geometry_of,
    polygons_from,
    ring_coordinates,
    shells_of,
    transformed,
    union_sharing_holes,
)
from wuling_geo.analysis.catchments.road_reach import (
    RoadGroups,
    RoadReach,
    origin_pieces,
    reach,
    road_groups,
)
from wuling_geo.network.model import RoadNetwork, Snap
from wuling_geo.network.routing import outer_times, reverse_edges

if TYPE_CHECKING:
    from contourpy._contourpy import FillReturn_OuterOffset

__all__ = ["DEFAULT_CELL_M", "MAX_CELLS", "RoadSamples", "cell_for", "contour_bands", "road_samples",
           "surface_bands"]

#: Grid cell (m) of the travel-time surface: see the module docstring.
DEFAULT_CELL_M = 50.0

#: Most cells in one origin's grid. A larger reach (a 60-minute band over a region) gets a
#: coarser cell instead, so memory and time stay bounded: 1 M cells of 50 m cover a 50 km
#: square; beyond that the cell grows with the reach (about 100 m for a 100 km one), rounded
#: up to 50 m times a power of √2 so a network keeps few binned grids.
#:
#: Chosen by measurement (4 origins × 15/30/45/60 min against the exact engine, CPU s per
#: origin, symmetric difference / exact area mean and worst band). On the 100k SYNTHETIC
#: road-like network of benchmarks/synthetic_roads.py (60-minute bands of ~6,750 km²): 2 M
#: (cell 70.7 m) 0.45 % / 0.71 %, 1.0–1.15 s; 1 M (100 m) 0.60 % / 0.96 %, 1.3–1.4 s;
#: 500 k (141 m) 1.03 % / 1.58 %, 1.8–2.0 s; 250 k 4.3 % / 5.1 %, 2.5–2.9 s — coarser cells
#: cost *more* there, as the bands' thousands of holes come out ragged and the simplified
#: rings need repairs and dearer unions. On the 100k SYNTHETIC .osm.pbf of
#: benchmarks/synthetic_osm.py (a 48 km square, 50 m cells under 2 M): 0.13 % / 0.27 %,
#: 0.38 s; 500 k (70.7 m) 0.17 % / 0.36 %, 0.29 s; 250 k 0.21 % / 0.44 %, 0.29 s. Heidelberg's
#: 5–20-minute bands stay under every cap tried. So the cap stayed at 2 M then. Checked again
#: after the ring-level repairs of :func:`_delivered`: at 500 k a 60-minute band of the 100k
#: SYNTHETIC network has 12,000–18,000 rings (one earliest point per 141 m cell leaves
#: cell-sized holes) against 2,900–4,500 at 2 M, and their validity check costs more than
#: the smaller grid saves. Checked again once OpenCV's labelled transform made the distances
#: 3× cheaper (issue 15, fourth round; 4 origins, CPU s per origin, single thread): 2 M
#: 0.76 s, 0.45 % / 0.70 %; 1 M (cell 100 m) 0.69 s, 0.60 % / 0.94 %; 700 k 1.19 s,
#: 1.06 % / 1.58 %; 30 origins alternately, 1 M 14.8–16.2 s against 2 M 17.2–18.5 s. So the
#: cap is now 1 M: the 100 m cell still keeps the bands within 1 % of the exact ones.
MAX_CELLS = 1_000_000
#: Road samples per cell length along each road (a sample every cell at least). A cell keeps
#: one point of its road (the earliest), so more samples mostly cost: at the access distance
#: ``a`` a land point ``s`` along the road from the nearest sample is off by about
#: ``s² / 8a`` (6 m for 100 m cells at 200 m, 1.6 m for 50 m cells). Measured against two per
#: cell (issue 15, fifth round): agreement with the exact engine 0.56 % / 0.91 % (mean /
#: worst band) on the 100k SYNTHETIC grid against 0.59 % / 0.92 %, Heidelberg 2.46 % / 7.11 %
#: against 2.54 % / 7.11 %; one thread, 30 origins, six alternating pairs: 8.1–9.9 s CPU
#: against 8.8–10.9 s, lower in every pair.
_PER_CELL = 1.0


@dataclass(frozen=True)
class RoadSamples:
    """Points along every road (metric), ``spacing`` apart at most, ordered by road.

    ``group`` and ``frac`` give each point's road and its fraction along the reference
    geometry; the points of road ``g`` are ``offset[g]:offset[g + 1]``.
    """

    xy: np.ndarray
    group: np.ndarray
    frac: np.ndarray
    offset: np.ndarray
    spacing: float


def road_samples(network: RoadNetwork, groups: RoadGroups, spacing: float) -> RoadSamples:
    """Return (and keep in the network's index) the roads sampled every ``spacing`` m at most."""
    return network.index.memo(("road_samples", float(spacing)),
                              lambda: _sample_roads(groups, spacing))


def _sample_roads(groups: RoadGroups, spacing: float) -> RoadSamples:
    dense = np.array(groups.geometry, dtype=object)
    ok = shapely.length(dense) > 0  # GEOS cannot segmentize a zero-length line
    dense[ok] = shapely.segmentize(dense[ok], spacing)
    xy, group = shapely.get_coordinates(dense, return_index=True)
    step = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
    step[group[1:] != group[:-1]] = 0.0
    along = np.concatenate([[0.0], np.cumsum(step)])
    offset = np.searchsorted(group, np.arange(len(groups) + 1))
    along -= along[offset[:-1]][group]
    total = along[np.maximum(offset[1:] - 1, 0)]
    frac = np.divide(along, total[group], out=np.zeros_like(along), where=total[group] > 0)
    return RoadSamples(xy, group, frac, offset, float(spacing))


def _group_times(network: RoadNetwork, groups: RoadGroups, node_time: np.ndarray,
                 times: np.ndarray, direction: str, outer: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return per road ``(head, tail, a0, a1)``, the times through its two ends.

    A point at fraction ``f`` of the reference geometry is reached at
    ``min(head + f·a0, tail + (1 - f)·a1)``. ``outer`` as for
    :func:`wuling_geo.analysis.catchments.road_reach.reach` (default: from ``node_time``).
    """
    ref, twin = groups.ref, groups.twin
    t_ref = times[ref]
    t_twin = np.where(twin >= 0, times[np.maximum(twin, 0)], np.inf)
    edge_time = outer_times(network, node_time, direction) if outer is None else outer
    t_own = edge_time[ref]
    t_other = np.where(twin >= 0, edge_time[np.maximum(twin, 0)], np.inf)
    if direction == "from":  # along the reference from its start; the twin from its end
        return t_own, t_other, t_ref, t_twin
    # to the origin: along the reference to its end; the twin to its start
    return t_other, t_own, t_twin, t_ref


def _own_road_times(groups: RoadGroups, times: np.ndarray, direction: str, snap: Snap,
                    frac: np.ndarray) -> np.ndarray:
    """Return the times of points at ``frac`` along the origin's own road.

    The road is driven straight from (or to) the snapped point, either way it allows.
    """
    gi = int(groups.of_edge[snap.edge])
    twin = groups.twin[gi]
    along = times[groups.ref[gi]]  # the reference direction, and the other
    against = times[twin] if twin >= 0 else np.inf
    at = 1.0 - snap.fraction if groups.flipped[snap.edge] else snap.fraction
    after = frac - at  # > 0: further along the reference geometry
    with np.errstate(invalid="ignore"):
        if direction == "from":
            return np.where(after >= 0, after * along, -after * against)
        return np.where(after <= 0, -after * along, after * against)


@dataclass(frozen=True)
class _CellGrid:
    """The road samples binned on one network-wide grid (kept in the network's index).

    ``order`` sorts the samples by cell; the samples of occupied cell ``i`` are
    ``order[start[i]:start[i + 1]]``, in grid row ``row[i]`` and column ``col[i]``;
    ``group``/``frac``/``cell_of``/``point`` are the samples' road, fraction, occupied cell
    and point (``x + iy``, complex128: one gather moves both coordinates) in that order (so
    an origin reads them in sequence, not scattered), ``where`` the position of each sample
    in it.
    """

    x0: float
    y0: float
    cell: float
    order: np.ndarray
    start: np.ndarray
    row: np.ndarray
    col: np.ndarray
    group: np.ndarray
    frac: np.ndarray
    where: np.ndarray
    cell_of: np.ndarray
    point: np.ndarray


def _cell_grid(network: RoadNetwork, samples: RoadSamples, cell: float) -> _CellGrid:
    def build() -> _CellGrid:
        x0, y0 = samples.xy.min(axis=0) - cell
        col = ((samples.xy[:, 0] - x0) // cell).astype(np.int64)
        row = ((samples.xy[:, 1] - y0) // cell).astype(np.int64)
        flat = row * (int(col.max()) + 1) + col
        order = np.argsort(flat, kind="stable")
        flat = flat[order]
        start = np.r_[0, np.nonzero(np.diff(flat))[0] + 1]
        where = np.empty_like(order)
        where[order] = np.arange(len(order))
        cell_of = np.repeat(np.arange(len(start)), np.diff(np.r_[start, len(order)]))
        xy = samples.xy[order]
        return _CellGrid(float(x0), float(y0), cell, order, start, row[order][start],
                         col[order][start], samples.group[order], samples.frac[order], where,
                         cell_of, xy[:, 0] + 1j * xy[:, 1])
    return network.index.memo(("contour_grid", float(samples.spacing), float(cell)), build)


def _quantised(cell: float, base: float) -> float:
    """Return ``cell`` rounded up to ``base`` times a power of √2 (few grids per network)."""
    if cell <= base:
        return base
    return base * 2.0 ** (np.ceil(2.0 * np.log2(cell / base) - 1e-9) / 2.0)


@dataclass
class _Window:
    """A grid window: lower-left corner (metres), cell size and shape (rows, columns)."""

    x0: float
    y0: float
    cell: float
    shape: tuple[int, int]


def cell_for(xy: np.ndarray, access: float, cell: float) -> float:
    """Return ``cell``, or the coarser cell that keeps the grid of ``xy`` within :data:`MAX_CELLS`."""
    if not len(xy):
        return cell
    width, height = np.ptp(xy, axis=0) + 2 * (access + 3 * cell)
    return max(cell, float(np.sqrt(width * height / MAX_CELLS)))


def _window(xy: np.ndarray, access: float, cell: float) -> _Window:
    pad = access + 3 * cell
    x0, y0 = xy.min(axis=0) - pad
    x1, y1 = xy.max(axis=0) + pad
    return _Window(float(x0), float(y0), cell,
                   (int(np.ceil((y1 - y0) / cell)), int(np.ceil((x1 - x0) / cell))))


def surface_bands(xy: np.ndarray, t: np.ndarray, limits: list[float], access: float,
                  cell: float, ends: list[np.ndarray] | None = None) -> list[shapely.Geometry]:
    """Return the band polygons (metric, unsimplified, not validated) of road points reached at ``t``.

    Band ``k`` is the land within ``access`` of a road point reached by ``limits[k]``
    (see the module docstring); the bands nest. ``ends[k]`` are band ``k``'s cut points
    (also in ``xy``): in their cells they stand for the road, so a band ends where its road
    does, not at the cell's earliest point.
    """
    if len(xy) == 0:
        return [shapely.Polygon() for _ in limits]
    win = _window(xy, access, cell)
    col = ((xy[:, 0] - win.x0) / cell).astype(np.int64)
    row = ((xy[:, 1] - win.y0) / cell).astype(np.int64)
    flat = row * win.shape[1] + col
    # the earliest sample per cell: its time, and its point (distances are measured to it)
    surface: np.ndarray = np.full(win.shape[0] * win.shape[1], np.inf)
    np.minimum.at(surface, flat, t)
    best = np.nonzero(t == surface[flat])[0]
    point = np.zeros(surface.shape, dtype=np.complex64)
    point[flat[best]] = _complex(xy[best], win)
    rings = _window_bands(surface.reshape(win.shape), point.reshape(win.shape), win, limits,
                          access, ends)
    return [shapely.Polygon() if r is None else _polygons(*r) for r in rings]


def _window_bands(surface: np.ndarray, point: np.ndarray, win: _Window, limits: list[float],
                  access: float, ends: list[np.ndarray] | None) -> list[tuple[list, list] | None]:
    """Return the bands of a window's road cells (earliest time and point per cell).

    ``point`` holds each road cell's point as ``x + iy`` from the window's corner (complex64:
    one gather moves both coordinates).

    Each band as contourpy's rings (see :func:`_contour`), ``None`` where nothing is reached.
    Band ``k``'s distances are the smaller of its own and band ``k - 1``'s (whose road,
    cut points included, is reached by ``limits[k]`` too): the bands nest exactly, ring for
    ring, and a hole no new road comes near is the same ring in both.
    """
    out: list[tuple[list, list] | None] = []
    field: np.ndarray | None = None  # the distances so far, over the whole window
    for k, limit in enumerate(limits):
        road = surface <= limit
        if not road.any():
            out.append(None)
            continue
        end = ends[k] if ends is not None else np.empty((0, 2))
        at = (((end[:, 1] - win.y0) / win.cell).astype(np.int64) * win.shape[1]
              + ((end[:, 0] - win.x0) / win.cell).astype(np.int64))
        kept = point.flat[at]
        point.flat[at] = _complex(end, win)
        (r0, c0), dist = _distances(road, point, win, access)
        point.flat[at] = kept
        if field is None:
            field = np.full(road.shape, np.inf, dtype=np.float32)
        sub = field[r0:r0 + dist.shape[0], c0:c0 + dist.shape[1]]
        np.minimum(sub, dist, out=sub)
        out.append(_contour(sub, r0, c0, win, access))
    return out


def _grid_surface(grid: _CellGrid, t: np.ndarray, limits: list[float],
                  access: float, ends: list[np.ndarray], sub: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, _Window] | None:
    """Return the window (surface, point, window) of sample times ``t`` (in grid order).

    ``point`` as for :func:`_window_bands`.

    ``t`` holds the times of the samples at grid positions ``sub`` (ascending; default:
    every sample), the others being unreached. The window spans the cells reached by the
    last limit plus the access distance and a margin; ``None`` when no road is reached.
    """
    limit = limits[-1]
    if sub is None:
        cells, start, of = np.arange(len(grid.start)), grid.start, grid.cell_of
    else:  # the occupied cells of the given samples, and where each starts among them
        of = grid.cell_of[sub]
        start = np.nonzero(np.r_[True, of[1:] != of[:-1]])[0] if len(of) else of[:0]
        cells = of[start]
    if not len(start):
        return None
    first = np.minimum.reduceat(t, start)
    reached = first <= limit
    hit = cells[reached]
    if not len(hit):
        return None
    pad = int(np.ceil((access + 3 * grid.cell) / grid.cell))
    r0, c0 = int(grid.row[hit].min()) - pad, int(grid.col[hit].min()) - pad
    shape = (int(grid.row[hit].max()) + pad + 1 - r0, int(grid.col[hit].max()) + pad + 1 - c0)
    win = _Window(grid.x0 + c0 * grid.cell, grid.y0 + r0 * grid.cell, grid.cell, shape)
    # the earliest sample of each reached cell: its point (distances are measured to it)
    # the position (among the given samples) of each one's cell
    at_cell = np.repeat(np.arange(len(start)), np.diff(np.r_[start, len(t)])) if sub is not None \
        else grid.cell_of
    earliest = np.nonzero(t == np.where(reached, first, np.nan)[at_cell])[0]  # NaN: not reached
    cell_of = of[earliest]
    flat_hit = (grid.row[hit] - r0) * shape[1] + (grid.col[hit] - c0)
    flat = (grid.row[cell_of] - r0) * shape[1] + (grid.col[cell_of] - c0)
    surface: np.ndarray = np.full(shape[0] * shape[1], np.inf)
    surface[flat_hit] = first[reached]
    # ascending: read in sequence; from the window's corner as _complex() has it
    at = grid.point[earliest if sub is None else sub[earliest]] - complex(win.x0, win.y0)
    point = np.zeros(surface.shape, dtype=np.complex64)
    point[flat] = at
    for end, t_end in zip(ends, limits, strict=True):  # cut points, reached at their limit
        at = (((end[:, 1] - win.y0) // grid.cell).astype(np.int64) * shape[1]
              + ((end[:, 0] - win.x0) // grid.cell).astype(np.int64))
        earlier = t_end < surface[at]
        at, end = at[earlier], end[earlier]
        surface[at], point[at] = t_end, _complex(end, win)
    return surface.reshape(shape), point.reshape(shape), win


def _complex(xy: np.ndarray, win: _Window) -> np.ndarray:
    """Return points (metres) as ``x + iy`` from the window's lower-left corner."""
    out = np.empty(len(xy), dtype=np.complex64)
    out.real = xy[:, 0] - win.x0
    out.imag = xy[:, 1] - win.y0
    return out


def _distances(road: np.ndarray, point: np.ndarray, win: _Window, access: float
               ) -> tuple[tuple[int, int], np.ndarray]:
    """Return the distance from each cell centre to the road point of its nearest road cell.

    Over the road cells' extent plus the access distance and a margin: the sub-window's
    first row and column, and its distances (float32). The nearest road cell is taken from
    OpenCV's discrete Voronoi diagram (:func:`cv2.distanceTransformWithLabels`, 5 × 5
    chamfer mask), 3× faster than scipy's exact feature transform on a 2 M-cell window.
    Against the exact transform (tests): the same road cell up to 5 cells away, one within
    4 % of the nearest beyond (a near tie), measured to its own road point all the same.
    """
    rows = np.nonzero(road.any(axis=1))[0]
    cols = np.nonzero(road.any(axis=0))[0]
    pad = int(np.ceil(access / win.cell)) + 2
    r0, r1 = max(rows[0] - pad, 0), min(rows[-1] + pad + 1, road.shape[0])
    c0, c1 = max(cols[0] - pad, 0), min(cols[-1] + pad + 1, road.shape[1])
    sub = road[r0:r1, c0:c1]
    # distances to the zero cells: the road is 0, the rest 1
    _, label = cv2.distanceTransformWithLabels((~sub).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_5,
                                               labelType=cv2.DIST_LABEL_PIXEL)
    # every road cell has a label of its own: its road point, by label
    road_point = _label_points(label, sub, point[r0:r1, c0:c1][sub])
    offset = road_point[label]  # from each cell's centre to its road point, once centred:
    offset.real -= ((np.arange(c0, c1) + 0.5) * win.cell).astype(np.float32)
    offset.imag -= ((np.arange(r0, r1) + 0.5) * win.cell).astype(np.float32)[:, None]
    return (int(r0), int(c0)), np.abs(offset)


def _label_points(label: np.ndarray, road: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Return the road point of each label of OpenCV's transform (index 0 unused).

    ``points`` are the ``road`` cells' points in raster order. OpenCV numbers the road
    cells 1, 2, … in that order (``DIST_LABEL_PIXEL``; the tests hold it to that), so they
    are the table as they are: no pass over the labels of the whole window (a quarter of
    the distances' own time on the 100k benchmark). The first and the last road cell are
    checked, and labels numbered otherwise are read from the labels themselves.
    """
    out = np.zeros(len(points) + 1, dtype=np.complex64)
    rows = np.nonzero(road.any(axis=1))[0]
    first = (rows[0], int(np.argmax(road[rows[0]])))
    last = (rows[-1], road.shape[1] - 1 - int(np.argmax(road[rows[-1], ::-1])))
    if label[first] == 1 and label[last] == len(points):
        out[1:] = points
    else:
        out[label[road]] = points
    return out


def _contour(dist: np.ndarray, r0: int, c0: int, win: _Window, access: float
             ) -> tuple[list, list]:
    """Return the land within ``access`` of the road, contoured from the distances, holes kept.

    ``dist`` covers the window's cells from row ``r0`` and column ``c0``. As contourpy's
    filled polygons: points and offsets (outer rings and their holes).
    """
    xs = (np.arange(c0, c0 + dist.shape[1]) + 0.5) * win.cell + win.x0
    ys = (np.arange(r0, r0 + dist.shape[0]) + 0.5) * win.cell + win.y0
    x, y = np.meshgrid(xs, ys)
    # "threaded" on one thread: the same polygons as "serial", but it lets go of the GIL, so
    # the origins computed on other threads go on meanwhile. Its class is made directly:
    # contour_generator() would look for invalid values (there are none: every distance is
    # finite) through a masked array, 30-40 % of the set-up on a 1 M-cell window.
    no_mask = cast("np.ndarray", None)  # as contour_generator() passes it (the stub wants an array)
    gen = contourpy.ThreadedContourGenerator(
        x, y, dist.astype(np.float64), no_mask, corner_mask=True,
        line_type=contourpy.LineType.SeparateCode, fill_type=contourpy.FillType.OuterOffset,
        quad_as_tri=False, z_interp=contourpy.ZInterp.Linear, thread_count=1)
    # FillType.OuterOffset: contourpy returns (points, offsets)
    points, offsets = cast("FillReturn_OuterOffset", gen.filled(-1.0, access))
    return points, offsets


def _rings(points: list[np.ndarray], offsets: list[np.ndarray], thin: float = 0.0
           ) -> tuple[np.ndarray, np.ndarray]:
    """Return contourpy's filled polygons' rings (outer ring, then its holes) and their polygon.

    Holes whose box is ``thin`` wide or less (its smaller side) are left out: every point of
    such a hole lies within ``thin / 2`` of its ring (the line through it along the box's
    smaller side leaves the hole within the box), so filling it moves no point of the band
    farther than that. They are told from the coordinates, before any geometry is made.
    """
    xy = np.concatenate(points)
    ring_sizes = np.concatenate([np.diff(o) for o in offsets]).astype(np.int64)
    poly_of = np.repeat(np.arange(len(offsets)), [len(o) - 1 for o in offsets])
    if thin > 0:
        start = np.cumsum(ring_sizes) - ring_sizes
        width = (np.maximum.reduceat(xy, start) - np.minimum.reduceat(xy, start)).min(axis=1)
        keep = (width > thin) | shells_of(poly_of)
        if not keep.all():
            xy, ring_sizes, poly_of = xy[np.repeat(keep, ring_sizes)], ring_sizes[keep], poly_of[keep]
    rings = shapely.linearrings(xy, indices=np.repeat(np.arange(len(ring_sizes)), ring_sizes))
    return rings, poly_of


def _polygons(points: list[np.ndarray], offsets: list[np.ndarray]) -> shapely.Geometry:
    """Return contourpy's filled polygons as one geometry, as contoured."""
    if not points:
        return shapely.Polygon()
    return geometry_of(*_rings(points, offsets))


def _delivered(rings: tuple[list, list] | None, tolerance: float, to_out: XY | None = None
               ) -> shapely.Geometry:
    """Return a contoured band (contourpy's rings) simplified to ``tolerance`` and valid.

    ``to_out`` maps its coordinates to the CRS it is delivered in (default: kept as they
    are); the band is made there from the valid rings' coordinates, not copied.

    GEOS's polygon simplifier re-nodes its result (a buffer by 0) and repairing a band
    with thousands of holes is slow, so the rings are simplified one by one (vectorised
    Douglas–Peucker). A hole that collapses (it lies within a strip twice the tolerance
    wide, so filling it moves no point farther than the tolerance) goes, as GEOS's polygon
    simplifier drops collapsed holes: half the rings of a 60-minute band of the 100k
    SYNTHETIC grid, 0.03 % of its area, and the dearest half to carry through the checks
    and overlays. Holes whose box is at most twice the tolerance wide go for the same
    reason before any ring is made (:func:`_rings`): 59 % of the holes contoured on the
    100k grid, the collapsing ones and some long and narrow ones (the bands' vertices 9 %
    fewer, 0.01 % of their area), and 7 % of the time of a call. A shell that collapses or
    a ring that crosses itself keeps its contoured course, and so do rings that meet
    another ring after simplifying or a hole that left its shell (with that shell), until
    the band is valid: the contoured rings are, so this ends. Validity is first shown by
    the quick test of :func:`~wuling_geo.analysis.catchments.polygon_assembly.apart_and_nested`
    (no two rings meet), GEOS's full check only where that fails. Identical contoured rings
    (a hole two bands share) come out identical. Only if the band is still invalid is it
    repaired by :func:`shapely.make_valid` (``structure``: shells united, holes cut out).
    """
    if rings is None or not rings[0]:
        return shapely.Polygon()
    raw, poly_of = _rings(*rings, 2 * tolerance)
    simple = shapely.simplify(raw, tolerance, preserve_topology=False) if tolerance > 0 else raw
    usable = (shapely.get_type_id(simple) == 2) & (shapely.get_num_coordinates(simple) >= 4)
    kept = usable | shells_of(poly_of)  # collapsed holes go
    if not kept.all():
        raw, simple, usable, poly_of = raw[kept], simple[kept], usable[kept], poly_of[kept]
    crossing_checked = False
    while True:
        chosen = np.where(usable, simple, raw)
        coords, start = ring_coordinates(chosen)
        polys = polygons_from(coords, start, poly_of)
        # the quick sufficient test (the usual case), GEOS's full one only where it fails
        if apart_and_nested(chosen, poly_of, polys, (coords, start)):
            return geometry_from(coords if to_out is None else to_out(coords), start, poly_of)
        out = geometry_from(coords, start, poly_of)
        if not crossing_checked:  # rings that cross themselves keep their course first
            crossing_checked = True
            crossed = usable & ~shapely.is_simple(simple)
            if crossed.any():
                usable &= ~crossed
                continue
        if out.is_valid:
            return transformed(out, to_out)
        spoilt = _spoilt(chosen, poly_of) & usable
        if not spoilt.any():
            return transformed(shapely.make_valid(out, method="structure"), to_out)
        usable &= ~spoilt


def _spoilt(rings: np.ndarray, poly_of: np.ndarray) -> np.ndarray:
    """Return the rings (mask) that meet another ring, and each hole outside its shell with that shell."""
    a, b = shapely.STRtree(rings).query(rings, predicate="intersects")
    out = np.zeros(len(rings), dtype=bool)
    out[a[a != b]] = True
    shell = np.nonzero(shells_of(poly_of))[0]
    hole = np.setdiff1d(np.arange(len(rings)), shell)
    shells = shapely.polygons(rings[shell])
    shapely.prepare(shells)
    first = shapely.get_coordinates(shapely.get_point(rings[hole], 0))
    owner = poly_of[hole]
    away = ~shapely.contains_xy(shells[owner], first[:, 0], first[:, 1])
    out[hole[away]] = True
    out[shell[owner[away]]] = True
    return out


def contour_bands(network: RoadNetwork, snaps: list[Snap], times: np.ndarray, direction: str,
                  sets: list, bands: list[float], access: float, tolerance: float,
                  cell_m: float | None = None, outers: list[np.ndarray] | None = None
                  ) -> Generator[tuple[list[RoadReach], list], None, None]:
    """Yield the reached road and nested band polygons (WGS-84) of each origin set.

    The contour engine's counterpart of the exact engine's per-set producer in
    :mod:`.bands`: ``sets`` holds ``(members, node times, nearest member)`` per set,
    ``bands`` the limits in minutes. Sets run on a thread each (:mod:`wuling_geo._util.threads`).
    """
    cell = DEFAULT_CELL_M if cell_m is None else float(cell_m)
    groups = road_groups(network)
    reverse_edges(network)
    # each road's box as four contiguous columns (xmin, ymin, xmax, ymax): the touched roads'
    # extent is then four masked reductions, not a gather of (n, 4) rows reduced across them
    bounds = network.index.memo("road_bound_columns",
                                lambda: np.ascontiguousarray(shapely.bounds(groups.geometry).T))
    fwd = network.index.to_lonlat
    limits = [b * 60.0 for b in bands]

    def to_ll(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(fwd.transform(xy[:, 0], xy[:, 1]))

    def one(k: int) -> tuple[list[RoadReach], list]:
        members, d, _ = sets[k]
        mine = [snaps[i] for i in members]
        # when each edge is left: the same for every band (worked out once, not per band)
        outer = outers[k] if outers else outer_times(network, d, direction)
        reaches = []
        for limit in limits:
            pieces = origin_pieces(network, groups, mine, times, limit, direction)
            reaches.append(reach(network, groups, d, limit, direction, times,
                                 [(g, s, e, members[o]) for g, s, e, o in pieces], outer))
        head, tail, a0, a1 = _group_times(network, groups, d, times, direction, outer)
        touched = np.minimum(head, tail) <= limits[-1]
        touched[[int(groups.of_edge[s.edge]) for s in mine]] = True
        if not touched.any():
            return reaches, [shapely.Polygon() for _ in limits]
        # the reached roads' extent sets the cell (MAX_CELLS)
        low = [np.min(b, where=touched, initial=np.inf) for b in bounds[:2]]
        high = [np.max(b, where=touched, initial=-np.inf) for b in bounds[2:]]
        extent = np.array([low, high])
        grid_cell = _quantised(cell_for(extent, access, cell), cell)
        samples = road_samples(network, groups, grid_cell / _PER_CELL)
        grid = _cell_grid(network, samples, grid_cell)
        # only the samples of touched roads (the others are not reached by the last band),
        # unless they are most of the network
        sub: np.ndarray | None = np.nonzero(touched[grid.group])[0]
        if sub is not None and 2 * len(sub) > len(grid.group):
            sub = None
        g, f = (grid.group, grid.frac) if sub is None else (grid.group[sub], grid.frac[sub])
        with np.errstate(invalid="ignore"):  # a one-way road's missing direction: inf·0 = NaN
            t = np.fmin(head[g] + f * a0[g], tail[g] + (1.0 - f) * a1[g])
        for snap in mine:  # the origin's own road, driven from (or to) the snapped point
            gi = int(groups.of_edge[snap.edge])
            at = grid.where[samples.offset[gi]:samples.offset[gi + 1]]
            at = at if sub is None else np.searchsorted(sub, at)
            t[at] = np.fmin(t[at], _own_road_times(groups, times, direction, snap, f[at]))
        ends = [r.cut_xy() for r in reaches]  # each band's cut points, exactly
        window = _grid_surface(grid, t, limits, access, ends, sub)
        if window is None:
            return reaches, [shapely.Polygon() for _ in limits]
        polys = _window_bands(*window, limits, access, ends)
        shown, previous = [], None
        for poly in polys:
            p = _delivered(poly, tolerance, to_ll)
            if previous is not None and not previous.is_empty:
                p = union_sharing_holes(p, previous) if not p.is_empty else previous
            shown.append(p)
            previous = p
        return reaches, shown

    with closing(ordered_map(one, range(len(sets)))) as done:
        yield from done
