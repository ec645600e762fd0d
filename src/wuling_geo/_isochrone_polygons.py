"""Catchment polygons from the reached road itself: reached road buffered and unioned, fast.

The polygon of a band is ``P = buffer(R, a)``: the reached road ``R`` (whole edges plus
the reached parts of cut edges, see :mod:`._road_reach`) grown by the access distance
``a`` and unioned. Holes stay (an unreachable valley between two roads is not filled);
nothing is a hull of nodes.

Unioning tens of thousands of buffered segments costs 50–150 µs each in GEOS, far too slow
for many bands on a large network, so the union is assembled from precomputed parts:

* The road linework, noded (a bridge crosses a road without a junction) and framed,
  splits the plane into *cells*: the faces of the planar road map (:func:`shapely.polygonize`).
* A cell whose boundary roads and inner dead ends are all reached is *full*. For a full
  cell ``C``, ``P ∩ C = C ∩ buffer(∂C ∪ inner roads, a)`` — a point of ``C`` whose nearest
  road lies outside ``C`` is nearer to ``∂C`` — so that part, ``Q_C`` (``C`` minus ``C``
  shrunk by ``a``, minus the buffered dead ends), is computed once per network.
* Every reached road that is cut or borders a cell that is not full is buffered and
  unioned per band (``B``), in long chains (few, long buffers union far faster than many
  short ones). Any point of ``P`` outside the full cells is within ``a`` of such a road:
  on the straight line to its nearest reached point, the first reached point lies on a
  cell that is not full. The full cells within ``a`` of ``B`` are unioned into it.
* ``P`` is the coverage union (exact shared edges, linear time) of that and the other full
  cells, taken in precomputed blocks where a whole block is full.

The result equals the plain union of the buffered reached road (:func:`reference_polygon`;
the tests compare them), up to the polygonal approximation of round buffer ends and joins
(GEOS draws at least one chord per 34°: within 4.3 % of ``a``).

With a simplification tolerance ``t`` the cells' inner holes (and the frame cell's outer
outline) are simplified once when the cells are built — their shared edges stay exact, so
the coverage union still stitches — and each band's ``B`` is simplified before the full
cells it reaches (within ``a + t``) are unioned into it: no point moves farther than ``t``
(Douglas–Peucker). Bands simplified this way nest only up to ``t``; the caller unions each
band into the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.errors import GEOSException

from ._road_reach import Reach, RoadGroups

_TOUCH_M = 5e-3  # a piece whose mid-point lies within this of a cell bounds it or lies in it
_GRID_M = 1e-3  # snap-rounding grid for linework floating-point noding cannot node
_BLOCK_CELLS = 256  # cells per precomputed block, roughly
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


def _stitch(parts, exact: bool) -> shapely.Geometry:
    """Union polygons that meet only along shared edges.

    A linear-time coverage union when the cells are an exact coverage, else (or if GEOS
    finds them mis-noded) a full union.
    """
    if exact:
        try:
            return shapely.coverage_union_all(parts)
        except GEOSException:
            pass
    return shapely.union_all(parts)


def _simplified(geom: shapely.Geometry, tolerance: float) -> shapely.Geometry:
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


@dataclass
class CellIndex:
    """Precomputed cells of a network's road map for one access distance (see module doc)."""

    access_m: float
    quad_segs: int
    tolerance: float  # the free rings of the cells' parts are simplified to this (m)
    cells: np.ndarray  # polygons (metric)
    q: np.ndarray  # each cell's part within access_m of its own roads
    pc_piece: np.ndarray  # piece–cell incidences: the piece bounds the cell or lies inside it
    pc_cell: np.ndarray
    pg_piece: np.ndarray  # piece–group incidences: the road group covers the piece
    pg_group: np.ndarray
    always_open: np.ndarray  # pieces never interior (next to a gap polygonize left)
    n_pieces: int
    n_groups: int
    frame_cell: int
    exact: bool  # whether the cells tile the frame exactly (a valid coverage)
    block: np.ndarray  # block id of each cell
    tree: shapely.STRtree  # of the cells other than the frame cell
    tree_cells: np.ndarray
    _block_geom: dict[int, shapely.Geometry] = field(default_factory=dict)

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, groups: RoadGroups, access_m: float, quad_segs: int,
              tolerance: float = 0.0) -> CellIndex:
        """Return the cells of the road map of ``groups`` for access distance ``access_m``.

        With a ``tolerance``, the parts' free rings (not the cell edges they share) are
        simplified to it once, here. Should GEOS fail on degenerate linework (roads
        overlapping within millimetres), the index has no cells: every band is then the
        plain union of its buffered road.
        """
        try:
            return cls._build(groups, float(access_m), quad_segs, float(tolerance))
        except GEOSException:
            none = np.empty(0, dtype=np.int64)
            return cls(float(access_m), quad_segs, float(tolerance), np.empty(0, dtype=object),
                       np.empty(0, dtype=object), none, none, none, none, np.empty(0, dtype=bool),
                       0, len(groups), -1, False, none, shapely.STRtree([]), none)

    @classmethod
    def _build(cls, groups: RoadGroups, a: float, quad_segs: int, tolerance: float
               ) -> CellIndex:
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
        # Whether the cells tile the frame (up to the slivers): a coverage GEOS can stitch.
        exact = bool(abs(shapely.area(faces).sum() - frame.area) <= 1e-9 * frame.area)
        corner = shapely.Point(west - margin / 2, south - margin / 2)
        frame_cell = int(np.nonzero(shapely.intersects(faces, corner))[0][0])
        pc_piece, pc_cell, always_open, mid = cls._incidences(pieces, faces, frame_cell)
        pg_piece, pg_group = shapely.STRtree(groups.geometry).query(
            mid, predicate="dwithin", distance=_TOUCH_M)
        q = cls._parts(faces, pieces, pc_piece, pc_cell, frame_cell, a, quad_segs, tolerance)
        centre = shapely.get_coordinates(shapely.point_on_surface(faces))
        side = max(np.sqrt((east - west) * (north - south) * _BLOCK_CELLS / len(faces)), 1.0)
        cell_key = np.floor((centre - [west, south]) / side).astype(np.int64)
        _, block = np.unique(cell_key[:, 0] * 1_000_003 + cell_key[:, 1], return_inverse=True)
        others = np.delete(np.arange(len(faces)), frame_cell)
        return cls(a, quad_segs, tolerance, faces, q, pc_piece, pc_cell, pg_piece, pg_group,
                   always_open,
                   len(pieces), len(groups), frame_cell, exact, block.ravel(),
                   shapely.STRtree(faces[others]), others)

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
    def _parts(faces, pieces, pc_piece, pc_cell, frame_cell, a, quad_segs, tolerance):
        """Return ``Q_C`` for every cell: the cell minus its points farther than ``a`` from its roads."""
        q = faces.copy()
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
            # The hole lies at least a from the cell's edges: simplifying it keeps them exact.
            q[cell] = faces[cell].difference(_simplified(hole, tolerance))
        own = pieces[pc_piece[pc_cell == frame_cell]]
        if len(own):
            keys = _point_keys(np.concatenate([shapely.get_point(own, 0), shapely.get_point(own, -1)]))
            reach = buffer_union(own, keys[: len(own)], keys[len(own):], a, quad_segs)
            q[frame_cell] = faces[frame_cell].intersection(_simplified(reach, tolerance))
        else:  # pragma: no cover - a frame always holds the road map's outline
            q[frame_cell] = shapely.Polygon()
        return q

    # ------------------------------------------------------------------ per band
    def _block(self, b: int) -> shapely.Geometry:
        geom = self._block_geom.get(b)
        if geom is None:
            geom = _stitch(self.q[self.block == b], self.exact)
            self._block_geom[b] = geom
        return geom

    def polygon(self, reach: Reach) -> shapely.Geometry:
        """Return ``buffer(reached road, access_m)`` as one (Multi)Polygon in metric CRS.

        With the index's ``tolerance`` the polygon comes simplified: the cells' parts were
        simplified once, the frontier is simplified here (no point moves farther than the
        tolerance). Bands of one origin nest only up to that: union them to nest exactly.
        """
        if not reach.touched.any():
            return shapely.Polygon()
        cell_full, border = self._classify(reach)
        segments, start, end = reach.segments(border, keys=True)
        frontier = _simplified(buffer_union(segments, start, end, self.access_m, self.quad_segs),
                               self.tolerance)
        if not cell_full.any():
            return frontier
        near = np.zeros(len(self.cells), dtype=bool)
        if len(segments):  # cells whose box is within reach of a segment's box (a superset)
            r = self.access_m + self.tolerance + 1.0
            boxes = shapely.box(*(shapely.bounds(segments) + np.array([-r, -r, r, r])).T)
            near[self.tree_cells[np.unique(self.tree.query(boxes)[1])]] = True
        near[self.frame_cell] = True
        near &= cell_full
        far = cell_full & ~near
        local = shapely.union(frontier, _stitch(self.q[near], self.exact))
        whole = np.bincount(self.block, weights=~far) == 0
        parts = [self._block(int(b)) for b in np.nonzero(whole)[0]]
        parts.extend(self.q[far & ~whole[self.block]])
        parts.extend(shapely.get_parts(local))
        return _stitch([p for p in parts if not p.is_empty], self.exact)

    def _classify(self, reach: Reach) -> tuple[np.ndarray, np.ndarray]:
        """Return the full cells and the roads to buffer this band (see the module doc)."""
        full = reach.full
        piece_full = np.bincount(self.pg_piece, weights=full[self.pg_group],
                                 minlength=self.n_pieces) > 0
        missing = np.bincount(self.pc_cell, weights=~piece_full[self.pc_piece],
                              minlength=len(self.cells))
        cell_full = missing == 0
        # A piece is interior when every cell it bounds or lies in is full.
        bad = np.bincount(self.pc_piece, weights=~cell_full[self.pc_cell], minlength=self.n_pieces)
        interior = (bad == 0) & ~self.always_open
        group_open = np.bincount(self.pg_group, weights=~interior[self.pg_piece],
                                 minlength=self.n_groups) > 0
        group_open |= np.bincount(self.pg_group, minlength=self.n_groups) == 0
        return cell_full, np.nonzero(reach.touched & (~full | group_open))[0]


def cell_index(network, groups: RoadGroups, access_m: float, quad_segs: int,
               tolerance: float = 0.0) -> CellIndex:
    """Return (and cache on the network) the :class:`CellIndex` for these settings."""
    cache = network.__dict__.setdefault("_cell_index", {})
    key = (float(access_m), int(quad_segs), float(tolerance))
    if key not in cache:
        cache[key] = CellIndex.build(groups, access_m, quad_segs, tolerance)
    return cache[key]


def reference_polygon(reach: Reach, access_m: float, quad_segs: int) -> shapely.Geometry:
    """Return the plain union of the buffered reached road (slow; the tests' reference)."""
    touched = np.nonzero(reach.touched)[0]
    return shapely.union_all(shapely.buffer(reach.segments(touched), access_m, quad_segs=quad_segs))
