"""Catchment polygons from the reached road itself: reached road buffered and unioned, fast.

The polygon of a band is ``P = buffer(R, a)``: the reached road ``R`` (whole edges plus
the reached parts of cut edges, see :mod:`.road_reach`) grown by the access distance
``a`` and unioned. Holes stay (an unreachable valley between two roads is not filled);
nothing is a hull of nodes.

Unioning tens of thousands of buffered segments costs 50–150 µs each in GEOS, far too slow
for many bands on a large network, so most of the union is precomputed:

* The road linework, noded (a bridge crosses a road without a junction) and framed,
  splits the plane into *cells*: the faces of the planar road map (:func:`shapely.polygonize`).
* A cell whose boundary roads and inner dead ends are all reached is *full*. For a full
  cell ``C``, ``P ∩ C = C ∩ buffer(∂C ∪ inner roads, a)`` — a point of ``C`` whose nearest
  road lies outside ``C`` is nearer to ``∂C`` — that is ``C`` less its *hole*: ``C`` shrunk
  by ``a``, less the buffered dead ends, computed once per network. (For the frame cell
  outside the road map: the part within ``a`` of its roads.)
* Every reached road that is cut or borders a cell that is not full is buffered and
  unioned per band (the *frontier* ``F``), in long chains (few, long buffers union far
  faster than many short ones). Any point of ``P`` outside the full cells is within ``a``
  of such a road: on the straight line to its nearest reached point, the first reached
  point lies on a cell that is not full.
* ``P`` is then put together from rings (:mod:`.polygon_assembly`): the rings of ``F`` outside
  the full cells and the full cells' own rings. No overlay of the full cells is needed.

The result equals the plain union of the buffered reached road (:func:`reference_polygon`;
the tests compare them), up to the polygonal approximation of round buffer ends and joins
(GEOS draws at least one chord per 34°: within 4.3 % of ``a``).

With a simplification tolerance ``t`` the cells' holes (and the frame cell's outer
outline) are simplified once when the cells are built, and each band's ``F`` before it is
assembled: no point moves farther than ``t`` (Douglas–Peucker).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.errors import GEOSException

from wuling_geo import settings
from wuling_geo.analysis.catchments.cell_store import cells_path, load_cells, save_cells
from wuling_geo.analysis.catchments.polygon_assembly import Rings, nested_polygons
from wuling_geo.analysis.catchments.road_reach import RoadGroups, RoadReach

_TOUCH_M = 5e-3  # a piece whose mid-point lies within this of a cell bounds it or lies in it
_GRID_M = 1e-3  # snap-rounding grid for linework floating-point noding cannot node
_SLIVER_M = 0.01  # cells narrower than this are not kept


def buffer_union(lines: np.ndarray, start: np.ndarray, end: np.ndarray, distance: float,
                 quad_segs: int) -> shapely.Geometry:
    """Return the union of ``lines`` buffered by ``distance``, joining them into chains first.

    ``start``/``end`` are integer keys of each line's end points (equal keys, same point).
    At every point the lines meeting there are paired off, the pairs linked into chains and
    each chain merged (:func:`shapely.line_merge`) before buffering, so GEOS unions a few
    long buffers instead of many overlapping short ones (several times faster).
    """
    lines = np.asarray(lines, dtype=object)
    if len(lines) == 0:
        return shapely.Polygon()
    n = len(lines)
    key = np.concatenate([start, end])
    line = np.concatenate([np.arange(n), np.arange(n)])
    order = np.argsort(key, kind="stable")
    ks = key[order]
    run_start = np.r_[0, np.nonzero(ks[1:] != ks[:-1])[0] + 1]
    rank = np.arange(len(ks)) - np.repeat(run_start, np.diff(np.r_[run_start, len(ks)]))
    even = np.nonzero(rank % 2 == 0)[0]
    even = even[even + 1 < len(ks)]
    even = even[ks[even + 1] == ks[even]]
    a, b = line[order[even]], line[order[even + 1]]
    links = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, chain = connected_components(links, directed=False)
    by_chain = np.argsort(chain, kind="stable")
    merged = shapely.line_merge(shapely.multilinestrings(lines[by_chain], indices=chain[by_chain]))
    parts = shapely.get_parts(merged)
    # GEOS can lose area buffering a line that crosses itself (a hairpin, a bridge over
    # itself): such chains go back to their single segments.
    crossed = ~shapely.is_simple(parts)
    if crossed.any():
        xy, which = shapely.get_coordinates(parts[crossed], return_index=True)
        step = np.nonzero(which[1:] == which[:-1])[0]
        pairs = np.stack([xy[step], xy[step + 1]], axis=1)
        parts = np.concatenate([parts[~crossed], shapely.linestrings(pairs)])
    return shapely.union_all(shapely.buffer(parts, distance, quad_segs=quad_segs))


def simplified(geom: shapely.Geometry, tolerance: float) -> shapely.Geometry:
    """Douglas–Peucker to ``tolerance`` (no point moves farther), topology kept if needed."""
    if tolerance <= 0 or geom.is_empty:
        return geom
    out = shapely.simplify(geom, tolerance, preserve_topology=False)
    if out.is_empty or not out.is_valid:
        out = shapely.simplify(geom, tolerance, preserve_topology=True)
    return out


def _point_keys(points: np.ndarray) -> np.ndarray:
    """Return integer keys of points (equal coordinates, equal key)."""
    xy = shapely.get_coordinates(points)
    _, keys = np.unique(xy, axis=0, return_inverse=True)
    return keys.ravel()


@dataclass(frozen=True)
class CellRings:
    """The full-cell rings of every cell (see :mod:`.polygon_assembly`) and the cell of each."""

    rings: Rings
    cell: np.ndarray


@dataclass
class CellIndex:
    """Precomputed cells of a network's road map for one access distance (see module doc)."""

    access_m: float
    quad_segs: int
    tolerance: float  # the cells' holes are simplified to this (m)
    cells: np.ndarray  # polygons (metric)
    own: np.ndarray  # per cell: its hole, or None
    pc_piece: np.ndarray  # piece–cell incidences: the piece bounds the cell or lies inside it
    pc_cell: np.ndarray
    pg_piece: np.ndarray  # piece–group incidences: the road group covers the piece
    pg_group: np.ndarray
    always_open: np.ndarray  # pieces never interior (next to a gap polygonize left)
    n_pieces: int
    n_groups: int
    frame_cell: int
    tree: shapely.STRtree  # of the cells other than the frame cell
    tree_cells: np.ndarray
    crs: CRS | None = None  # the metric CRS, for bands delivered in WGS-84
    _storage: dict[str, Any] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, groups: RoadGroups, access_m: float, quad_segs: int,
              tolerance: float = 0.0, crs: CRS | None = None) -> CellIndex:
        """Return the cells of the road map of ``groups`` for access distance ``access_m``.

        With a ``tolerance``, the holes of the cells are simplified to it once, here.
        Should GEOS fail on degenerate linework (roads overlapping within millimetres), the
        index has no cells: every band is then the plain union of its buffered road.
        ``crs`` is the groups' metric CRS (needed to deliver bands in WGS-84).
        """
        try:
            return cls._build(groups, float(access_m), quad_segs, float(tolerance), crs)
        except GEOSException:
            none = np.empty(0, dtype=np.int64)
            return cls(float(access_m), quad_segs, float(tolerance), np.empty(0, dtype=object),
                       np.empty(0, dtype=object), none, none, none, none, np.empty(0, dtype=bool),
                       0, len(groups), -1, shapely.STRtree([]), none, crs)

    @classmethod
    def _build(cls, groups: RoadGroups, a: float, quad_segs: int, tolerance: float,
               crs: CRS | None) -> CellIndex:
        lines = groups.geometry[shapely.length(groups.geometry) > 0]
        try:
            noded = shapely.node(shapely.multilinestrings(lines))
        except GEOSException:  # snap-rounding to 1 mm converges where floating noding may not
            noded = shapely.union_all(lines, grid_size=_GRID_M)
        noded = shapely.get_parts(noded)
        pieces = noded[shapely.length(noded) > 0]
        west, south, east, north = shapely.total_bounds(pieces)
        margin = 3 * a + 100.0
        frame = shapely.box(west - margin, south - margin, east + margin, north + margin)
        faces = shapely.get_parts(shapely.polygonize(np.append(pieces, frame.exterior)))
        # Slivers under 1 cm wide (nearly coincident roads, rounding) are left out as gaps:
        # the roads around a gap are never interior, so their buffers are always unioned.
        faces = faces[2 * shapely.area(faces) > _SLIVER_M * shapely.length(faces)]
        corner = shapely.Point(west - margin / 2, south - margin / 2)
        frame_cell = int(np.nonzero(shapely.intersects(faces, corner))[0][0])
        pc_piece, pc_cell, always_open, mid = cls._incidences(pieces, faces, frame_cell)
        pg_piece, pg_group = shapely.STRtree(groups.geometry).query(
            mid, predicate="dwithin", distance=_TOUCH_M)
        own = cls._own(faces, pieces, pc_piece, pc_cell, frame_cell, a, quad_segs, tolerance)
        others = np.delete(np.arange(len(faces)), frame_cell)
        return cls(a, quad_segs, tolerance, faces, own, pc_piece, pc_cell, pg_piece, pg_group,
                   always_open, len(pieces), len(groups), frame_cell,
                   shapely.STRtree(faces[others]), others, crs)

    @staticmethod
    def _incidences(pieces, faces, frame_cell):
        """Return (piece, cell) incidences, the always-open pieces and the pieces' mid-points."""
        n = len(pieces)
        others = np.delete(np.arange(len(faces)), frame_cell)
        mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
        p, c = shapely.STRtree(faces[others]).query(mid, predicate="dwithin", distance=_TOUCH_M)
        c = others[c]
        count = np.bincount(p, minlength=n)
        # One ordinary cell: a dead end inside it, or a boundary with the frame cell (or a gap).
        lone = np.nonzero(count == 1)[0]
        lone_cell = c[np.searchsorted(p, lone)]
        on_edge = shapely.distance(mid[lone], shapely.boundary(faces[lone_cell])) < _TOUCH_M
        check = np.concatenate([lone[on_edge], np.nonzero(count == 0)[0]])
        shapely.prepare(faces[frame_cell])
        in_frame = shapely.dwithin(faces[frame_cell], mid[check], _TOUCH_M)
        always_open = np.zeros(n, dtype=bool)
        always_open[check[~in_frame]] = True
        p = np.concatenate([p, check[in_frame]])
        c = np.concatenate([c, np.full(in_frame.sum(), frame_cell)])
        order = np.argsort(p, kind="stable")
        return p[order], c[order], always_open, mid

    @staticmethod
    def _own(faces, pieces, pc_piece, pc_cell, frame_cell, a, quad_segs, tolerance):
        """Return each cell's hole (None for none, and for the frame cell).

        A cell's hole is the cell shrunk by ``a`` less its dead ends buffered by ``a``: the
        points of the cell farther than ``a`` from every road.
        """
        own = np.full(len(faces), None, dtype=object)
        count = np.bincount(pc_piece, minlength=len(pieces))
        inner = count[pc_piece] == 1
        inner_of: dict[int, list[int]] = {}
        for p, c in zip(pc_piece[inner], pc_cell[inner], strict=True):
            inner_of.setdefault(int(c), []).append(int(p))
        # A cell shrunk by a is empty unless it holds a disc of radius a.
        wide = np.nonzero(shapely.area(faces) > np.pi * a * a)[0]
        wide = wide[wide != frame_cell]
        holes = shapely.buffer(faces[wide], -a, quad_segs=quad_segs)
        for cell, hole in zip(wide, holes, strict=True):
            if hole.is_empty:
                continue
            if cell in inner_of:
                near = shapely.buffer(pieces[inner_of[cell]], a, quad_segs=quad_segs)
                hole = hole.difference(shapely.union_all(near))
                if hole.is_empty:
                    continue
            # The hole lies at least a from the cell's edges: simplifying it keeps it inside.
            own[cell] = simplified(hole, tolerance)
        return own

    # ------------------------------------------------------------------ per CRS
    def transforms(self, crs: str) -> tuple[Any, Any]:
        """Return (metric → ``crs``, ``crs`` → metric) coordinate maps; ``None`` for metric."""
        if crs == "metric":
            return None, lambda xy: xy
        if self.crs is None:
            raise ValueError("this cell index has no CRS: build it with crs= to deliver WGS-84")
        if "to" not in self._storage:
            fwd = Transformer.from_crs(self.crs, settings.storage_crs, always_xy=True)
            back = Transformer.from_crs(settings.storage_crs, self.crs, always_xy=True)
            self._storage["to"] = (lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])),
                                   lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))
        return self._storage["to"]

    def own_geometry(self, crs: str) -> np.ndarray:
        """Return :attr:`own` in ``"metric"`` or ``"storage"`` (WGS-84) coordinates."""
        if crs == "metric":
            return self.own
        if "own" not in self._storage:
            to_out, _ = self.transforms(crs)
            geoms = self.own.copy()
            has = ~shapely.is_missing(geoms)
            geoms[has] = shapely.transform(geoms[has], to_out)
            self._storage["own"] = geoms
        return self._storage["own"]

    def own_rings(self, crs: str) -> CellRings:
        """Return the rings of every cell's hole: holes of a band (an island in one, a shell)."""
        key = f"rings-{crs}"
        if key not in self._storage:
            geoms = self.own_geometry(crs)
            which = np.nonzero(~shapely.is_missing(geoms))[0]
            parts, of = shapely.get_parts(geoms[which], return_index=True)
            rings, part = Rings.of_parts(parts, flip=True)
            self._storage[key] = CellRings(rings, which[of[part]])
        return self._storage[key]

    def cell_of(self, xy: np.ndarray) -> np.ndarray:
        """Return the inner cell each metric point lies in (the points lie inside cells)."""
        p, c = self.tree.query(shapely.points(xy), predicate="intersects")
        out = np.full(len(xy), -1, dtype=np.int64)
        out[p] = self.tree_cells[c]
        return out

    def in_full(self, xy: np.ndarray, full: np.ndarray) -> np.ndarray:
        """Return whether metric points lie in (or on the edge of) a full inner cell."""
        out = np.zeros(len(xy), dtype=bool)
        if len(xy) == 0 or len(self.cells) == 0:
            return out
        p, c = self.tree.query(shapely.points(xy), predicate="intersects")
        out[p[full[self.tree_cells[c]]]] = True
        return out  # the frame cell is never full

    # ------------------------------------------------------------------ per band
    def frontier(self, reach: RoadReach) -> tuple[np.ndarray, shapely.Geometry]:
        """Return the full cells of a band and its buffered frontier ``F`` (metric, simplified)."""
        if not reach.touched.any():
            return np.zeros(len(self.cells), dtype=bool), shapely.Polygon()
        cell_full, border = self._classify(reach)
        segments, start, end = reach.segments(border, keys=True)
        frontier = buffer_union(segments, start, end, self.access_m, self.quad_segs)
        return cell_full, simplified(frontier, self.tolerance)

    def polygon(self, reach: RoadReach) -> shapely.Geometry:
        """Return ``buffer(reached road, access_m)`` as one (Multi)Polygon in metric CRS.

        With the index's ``tolerance`` the polygon comes simplified (no point moves farther
        than the tolerance). Bands of one origin nest only up to that: use
        :func:`wuling_geo.analysis.catchments.polygon_assembly.nested_polygons` for exactly nested bands.
        """
        return nested_polygons(self, [self.frontier(reach)], crs="metric")[0]

    def _classify(self, reach: RoadReach) -> tuple[np.ndarray, np.ndarray]:
        """Return the full cells and the roads to buffer this band (see the module doc)."""
        full = reach.full
        piece_full = np.bincount(self.pg_piece, weights=full[self.pg_group],
                                 minlength=self.n_pieces) > 0
        missing = np.bincount(self.pc_cell, weights=~piece_full[self.pc_piece],
                              minlength=len(self.cells))
        cell_full = missing == 0
        if self.frame_cell >= 0:  # a band's outer outline always comes from F
            cell_full[self.frame_cell] = False
        # A piece is interior when every cell it bounds or lies in is full.
        bad = np.bincount(self.pc_piece, weights=~cell_full[self.pc_cell], minlength=self.n_pieces)
        interior = (bad == 0) & ~self.always_open
        group_open = np.bincount(self.pg_group, weights=~interior[self.pg_piece],
                                 minlength=self.n_groups) > 0
        group_open |= np.bincount(self.pg_group, minlength=self.n_groups) == 0
        return cell_full, np.nonzero(reach.touched & (~full | group_open))[0]


def cell_index(network, groups: RoadGroups, access_m: float, quad_segs: int,
               tolerance: float = 0.0) -> CellIndex:
    """Return (and keep in the network's index) the :class:`CellIndex` for these settings.

    For a network saved to disk (one with checksums in its ``meta``) the index is also
    kept in ``<cache_dir>/cells`` (:mod:`.cell_store`) and read from there next time.
    """
    key = (float(access_m), int(quad_segs), float(tolerance))
    return network.index.memo(("cell_index", *key), lambda: _cell_index(network, groups, key))


def _cell_index(network, groups: RoadGroups, key: tuple[float, int, float]) -> CellIndex:
    stored = cells_path(groups, *key) if network.meta.get("checksums") else None
    fields = load_cells(stored) if stored else None
    index = CellIndex(crs=network.crs_metric, **fields) if fields else None
    if index is None:
        index = CellIndex.build(groups, *key, network.crs_metric)
        if stored and len(index.cells):
            with contextlib.suppress(OSError):  # a read-only cache costs a rebuild next time
                save_cells(index, stored)
    return index


def reference_polygon(reach: RoadReach, access_m: float, quad_segs: int) -> shapely.Geometry:
    """Return the plain union of the buffered reached road (slow; the tests' reference)."""
    touched = np.nonzero(reach.touched)[0]
    return shapely.union_all(shapely.buffer(reach.segments(touched), access_m, quad_segs=quad_segs))
