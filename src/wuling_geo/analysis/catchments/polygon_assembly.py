"""Band polygons assembled from rings, not overlaid: the frontier's outline plus the full cells' own rings.

A band's polygon is ``P = F ∪ M'`` (see :mod:`.polygons`): ``M'`` the parts of
the *full* cells within the access distance ``a`` of their roads, ``F`` the buffered
frontier road. Every road on the outline of ``M`` (the union of the full cells) is a
reached road bordering a cell that is not full, so it is buffered into ``F``: ``∂M`` lies
inside ``F``, at least ``a - t`` from its outline (``t`` the simplification tolerance).
Hence

* each ring of ``F`` lies wholly inside ``M`` (covered by ``M'``: dropped) or wholly
  outside it (a ring of ``P``, shell or hole as it was in ``F``); one vertex decides;
* the other rings of ``P`` are the full cells' own: the outline of each cell's *hole*
  (its points farther than ``a`` from every road, which no buffer reaches), computed
  once per network. (The frame cell around the road map is never taken as full, so the
  outer outline of a band is always a ring of ``F``.)

So ``P`` is assembled from rings (each hole goes to the smallest shell around it) in
linear time: no overlay of the thousands of holes a large band has.

Bands of one origin are nested exactly: band ``k + 1`` is assembled from
``F_{k+1} ∪ G_k``, ``G_k`` band ``k`` with its cell holes filled, and a cell that becomes
full at ``k + 1`` gets its hole less ``G_k`` (the two were simplified apart, so band ``k``
may reach into the hole by up to ``t``). Then ``P_k ⊆ P_{k+1}`` as sets, and the union is
taken where the bands are delivered (in WGS-84) so no reprojection loosens it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.errors import GEOSException

if TYPE_CHECKING:
    from wuling_geo.analysis.catchments.polygons import CellIndex

XY = Callable[[np.ndarray], np.ndarray]  # (n, 2) coordinates → (n, 2) coordinates
_MARGIN_M = 1e-3  # a newly full cell's hole keeps this far clear of the band before
_FEW_RINGS = 100  # union_sharing_holes overlays two polygons with fewer rings as they are


@dataclass(frozen=True)
class Rings:
    """Rings with their role in a polygon: shells (outer outlines) or holes.

    ``probe`` holds one vertex of each ring (in the rings' CRS): it locates the ring
    among the cells and inside the shells.
    """

    rings: np.ndarray  # LinearRings
    shell: np.ndarray  # bool
    probe: np.ndarray  # (n, 2)

    @classmethod
    def of(cls, geom: shapely.Geometry, flip: bool = False) -> Rings:
        """Return the rings of a (Multi)Polygon: exteriors are shells (holes if ``flip``)."""
        return cls.of_parts(shapely.get_parts(np.asarray([geom], dtype=object)), flip)[0]

    @classmethod
    def of_parts(cls, parts: np.ndarray, flip: bool = False) -> tuple[Rings, np.ndarray]:
        """Return the rings of an array of Polygons and the polygon (index) each belongs to."""
        keep = np.nonzero(~shapely.is_empty(parts))[0]
        if len(keep) == 0:
            return EMPTY, np.empty(0, dtype=np.int64)
        rings, part = shapely.get_rings(parts[keep], return_index=True)
        part = keep[part]
        exterior = shells_of(part)
        probe = shapely.get_coordinates(shapely.get_point(rings, 0))
        return cls(rings, exterior != flip, probe), part

    def __len__(self) -> int:
        return len(self.rings)

    def take(self, which: np.ndarray) -> Rings:
        """Return the rings selected by a mask or index array."""
        return Rings(self.rings[which], self.shell[which], self.probe[which])

    @staticmethod
    def concat(items: Iterable[Rings]) -> Rings:
        """Return the rings of several sets in one."""
        items = [r for r in items if len(r)]
        if not items:
            return EMPTY
        return Rings(np.concatenate([r.rings for r in items]),
                     np.concatenate([r.shell for r in items]),
                     np.concatenate([r.probe for r in items]))


EMPTY = Rings(np.empty(0, dtype=object), np.empty(0, dtype=bool), np.empty((0, 2)))


def shells_of(poly_of: np.ndarray) -> np.ndarray:
    """Return which rings are shells, for rings listed polygon by polygon (shell, then holes).

    ``poly_of`` gives each ring's polygon (or part); the first ring of each is its shell.
    """
    return np.r_[True, poly_of[1:] != poly_of[:-1]][: len(poly_of)]


def polygon_from_rings(rings: Rings) -> shapely.Geometry:
    """Return the (Multi)Polygon of non-crossing rings, each hole in the smallest shell around it."""
    shells = shapely.polygons(rings.rings[rings.shell])
    if len(shells) == 0:
        return shapely.Polygon()
    holes = rings.rings[~rings.shell]
    owner = np.empty(0, dtype=np.int64)
    if len(holes):
        probes = shapely.points(rings.probe[~rings.shell])
        tree = shapely.STRtree(probes)
        shell_of, hole = tree.query(shells, predicate="contains")
        # The smallest shell around a hole's vertex is its own: an island inside the hole
        # does not reach its outline, and a larger shell holds the owner.
        order = np.lexsort((shapely.area(shells)[shell_of], hole))
        hole, shell_of = hole[order], shell_of[order]
        first = np.r_[True, hole[1:] != hole[:-1]][: len(hole)]
        owner = np.full(len(holes), -1, dtype=np.int64)
        owner[hole[first]] = shell_of[first]
        holes = holes[owner >= 0]  # a hole with no shell around it bounds nothing
        owner = owner[owner >= 0]
    index = np.concatenate([np.arange(len(shells)), owner])
    order = np.lexsort((np.r_[np.zeros(len(shells)), np.ones(len(owner))], index))
    ring_list = np.concatenate([shapely.get_exterior_ring(shells), holes])
    return geometry_of(ring_list[order], index[order])


def assemble(cells: CellIndex, full: np.ndarray, outline: shapely.Geometry, own: Rings,
             to_metric: XY) -> tuple[shapely.Geometry, shapely.Geometry]:
    """Return a band polygon ``P`` and the same with the cells' holes filled (``G``).

    Parameters
    ----------
    cells
        The network's :class:`~wuling_geo.analysis.catchments.polygons.CellIndex`.
    full
        Which cells are full in this band.
    outline
        The buffered frontier ``F`` (with the band before, when nesting), in the output CRS.
    own
        The full cells' rings, in the output CRS.
    to_metric
        Maps output-CRS coordinates to the network's metric CRS.
    """
    rings = Rings.of(outline)
    if len(rings):
        rings = rings.take(~cells.in_full(to_metric(rings.probe), full))
    filled = polygon_from_rings(rings)
    if not len(own):
        return filled, filled
    return polygon_from_rings(Rings.concat([rings, own])), filled


def nested_polygons(cells: CellIndex, frontiers: Iterable[tuple[np.ndarray, shapely.Geometry]],
                    crs: str = "storage") -> list[shapely.Geometry]:
    """Return the nested band polygons of one origin (or set), smallest band first.

    Parameters
    ----------
    cells
        The network's cell index.
    frontiers
        ``(full cells, buffered frontier in metres)`` of each band, smallest first
        (:meth:`~wuling_geo.analysis.catchments.polygons.CellIndex.frontier`).
    crs
        ``"storage"`` (WGS-84: where bands are delivered, nested exactly there) or
        ``"metric"``.
    """
    own = cells.own_rings(crs)
    to_out, to_metric = cells.transforms(crs)
    previous: shapely.Geometry | None = None  # G of the band before
    was_full = np.zeros(len(cells.cells), dtype=bool)
    adjusted: dict[int, Rings] = {}
    out = []
    for full, frontier in frontiers:
        outline = transformed(frontier, to_out)
        if previous is not None and not previous.is_empty:
            outline = _union(outline, previous)
            adjusted.update(_adjusted(cells, full & ~was_full, previous, crs))
        fixed = np.zeros(len(full), dtype=bool)
        fixed[list(adjusted)] = True
        mine = Rings.concat([own.rings.take(full[own.cell] & ~fixed[own.cell]),
                             *(r for c, r in adjusted.items() if full[c])])
        polygon, previous = assemble(cells, full, outline, mine, to_metric)
        was_full = full
        out.append(polygon)
    return out


def _adjusted(cells: CellIndex, new: np.ndarray, previous: shapely.Geometry, crs: str
              ) -> dict[int, Rings]:
    """Return the rings of newly full cells whose holes the band before reaches into.

    Such a hole loses what the band before covers, and a hair more (``_MARGIN_M``), so that
    no rounding of the overlay leaves a sliver of the band before out of this one.
    """
    geoms = cells.own_geometry(crs)
    hit = np.nonzero(new & ~shapely.is_missing(geoms))[0]
    if len(hit) == 0:
        return {}
    shapely.prepare(previous)
    hit = hit[shapely.intersects(previous, geoms[hit])]
    if len(hit) == 0:
        return {}
    out: dict[int, Rings] = {int(c): EMPTY for c in hit}
    margin = _MARGIN_M if crs == "metric" else _MARGIN_M / 111_000.0
    # One overlay for all: the holes lie apart, each inside its own cell.
    left = shapely.difference(shapely.multipolygons(shapely.get_parts(geoms[hit])), previous)
    left = shapely.get_parts(shapely.buffer(left, -margin, quad_segs=1))
    rings, _ = Rings.of_parts(left, flip=True)
    if len(rings):
        _, to_metric = cells.transforms(crs)
        ring_cell = cells.cell_of(to_metric(rings.probe))  # each ring lies inside its cell
        for c in np.unique(ring_cell[ring_cell >= 0]):
            out[int(c)] = rings.take(ring_cell == c)
    return out


def apart_and_nested(rings: np.ndarray, poly_of: np.ndarray, polys: np.ndarray,
                     coordinates: tuple[np.ndarray, np.ndarray] | None = None) -> bool:
    """Return whether ``polys`` are valid because no two of their rings meet.

    ``polys`` are made of ``rings``, a shell then its holes per polygon ``poly_of``;
    ``coordinates`` are the rings' :func:`ring_coordinates` when already at hand.
    A sufficient test (``False`` says only "not shown"), a third to a fifth of GEOS's
    validity check on contoured bands with thousands of holes. When no two rings meet (one
    noding pass: their multilinestring is simple; rings have no boundary, so even a touch
    is a meeting), every ring is simple and every interior connected, and one vertex per
    ring settles the rest: each hole inside its own shell and in no other hole of its
    polygon, each shell in no other polygon.
    """
    coords, offsets = ring_coordinates(rings) if coordinates is None else coordinates
    # one multilinestring made in C from the coordinates (not a copy of each ring)
    lines = shapely.from_ragged_array(shapely.GeometryType.MULTILINESTRING, coords,
                                      (offsets, np.array([0, len(rings)])))[0]
    if not shapely.is_simple(lines):
        return False
    xy = coords[offsets[:-1]]  # each ring's first vertex
    is_shell = shells_of(poly_of)
    shell, hole = np.nonzero(is_shell)[0], np.nonzero(~is_shell)[0]
    if len(hole):
        outline = shapely.polygons(rings[shell])
        shapely.prepare(outline)
        if not shapely.contains_xy(outline[poly_of[hole]], xy[hole, 0], xy[hole, 1]).all():
            return False
        # holes of one polygon apart: only a hole whose box holds another's is filled
        inner, outer = _boxed(rings[hole])
        same = poly_of[hole[inner]] == poly_of[hole[outer]]
        inner, outer = hole[inner[same]], hole[outer[same]]
        if shapely.contains_xy(shapely.polygons(rings[outer]), xy[inner, 0], xy[inner, 1]).any():
            return False
    if len(shell) > 1:  # each shell in no other polygon
        inner, outer = _boxed(rings[shell])
        shapely.prepare(polys)
        if shapely.contains_xy(polys[outer], xy[shell[inner], 0], xy[shell[inner], 1]).any():
            return False
    return True


def ring_coordinates(rings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the rings' coordinates, one after the other, and where each ring's start (n + 1)."""
    coords, of_ring = shapely.get_coordinates(rings, return_index=True)
    return coords, np.r_[0, np.cumsum(np.bincount(of_ring, minlength=len(rings)))]


def polygons_from(coords: np.ndarray, start: np.ndarray, poly_of: np.ndarray) -> np.ndarray:
    """Return the polygons of rings given as :func:`ring_coordinates`.

    Each polygon's shell then its holes, ``poly_of`` 0, 1, …. Made in C from the
    coordinates (:func:`shapely.from_ragged_array`), a third less time holding the GIL than
    :func:`shapely.polygons` with indices on the 100k benchmark.
    """
    return shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords,
                                     (start, np.r_[0, np.cumsum(np.bincount(poly_of))]))


def geometry_of(rings: np.ndarray, poly_of: np.ndarray) -> shapely.Geometry:
    """Return one Polygon, or a MultiPolygon of several, of ``rings`` (as :func:`polygons_from`)."""
    return geometry_from(*ring_coordinates(rings), poly_of)


def geometry_from(coords: np.ndarray, start: np.ndarray, poly_of: np.ndarray) -> shapely.Geometry:
    """Return one Polygon, or a MultiPolygon of several, of rings given as :func:`ring_coordinates`.

    The MultiPolygon is made in C in one go (no polygon per part copied into it).
    """
    part = np.r_[0, np.cumsum(np.bincount(poly_of))]
    if len(part) == 2:
        return polygons_from(coords, start, poly_of)[0]
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords,
                                     (start, part, np.array([0, len(part) - 1])))[0]


def _boxed(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs (inner, outer) of ``geoms`` whose bounding boxes nest, inner ≠ outer."""
    inner, outer = shapely.STRtree(geoms).query(geoms)
    box = shapely.bounds(geoms)
    a, b = box[inner], box[outer]
    nest = (inner != outer) & (a[:, :2] >= b[:, :2]).all(axis=1) & (a[:, 2:] <= b[:, 2:]).all(axis=1)
    return inner[nest], outer[nest]


def transformed(geom: shapely.Geometry, fn: XY | None) -> shapely.Geometry:
    """Return ``geom`` with ``fn`` applied to its coordinates (as it is without ``fn``)."""
    return geom if fn is None or geom.is_empty else shapely.transform(geom, fn)


def _union(a: shapely.Geometry, b: shapely.Geometry) -> shapely.Geometry:
    try:
        return shapely.union(a, b)
    except GEOSException:  # reprojection can leave a near-touching ring invalid
        return shapely.union(shapely.make_valid(a), shapely.make_valid(b))


def union_sharing_holes(a: shapely.Geometry, b: shapely.Geometry) -> shapely.Geometry:
    """Return ``a ∪ b``, overlaying only the rings that meet rings of the other polygon.

    Nested bands share most of their holes ring for ring (the contour engine's bands do),
    and overlaying thousands of holes costs far more than the rest. A hole ``h`` of ``a``
    that no ring of ``b`` meets lies wholly in ``b`` (then the union covers it) or wholly
    outside ``b`` (then, surrounded by ``a``, it is a hole of the union); a hole of both
    is a hole of the union. So only the shells and the holes that meet the other polygon's
    rings are overlaid (``a ∪ b = (a' ∪ b') − h`` for ``a'``, ``b'`` with ``h`` filled);
    the holes kept are then put back, each in the smallest shell around it. ``a`` and ``b``
    must be valid.
    """
    if a.is_empty or b.is_empty:
        return b if a.is_empty else a
    ra, rb = _PartRings.of(a), _PartRings.of(b)
    if len(ra.rings) + len(rb.rings) < _FEW_RINGS:  # sorting them out costs more than it saves
        return _union(a, b)
    # a ring's key whatever vertex it starts at and whichever way it runs (overlays reorder)
    ka, kb = ring_keys(ra.rings[ra.hole]), ring_keys(rb.rings[rb.hole])
    both = np.zeros(len(ra.rings), dtype=bool)
    both[ra.hole] = np.isin(ka, kb)
    twin = np.zeros(len(rb.rings), dtype=bool)
    twin[rb.hole] = np.isin(kb, ka)  # the same holes, kept from ``a``
    keep_a, fill_a = _apart(ra, ra.hole & ~both, rb.rings, b)
    keep_b, fill_b = _apart(rb, rb.hole & ~twin, ra.rings, a)
    merged = _union(ra.polygon(~(both | keep_a | fill_a)), rb.polygon(~(twin | keep_b | fill_b)))
    holes = np.concatenate([ra.rings[both | keep_a], rb.rings[keep_b]])
    parts = shapely.get_parts(merged)
    if len(parts) == 1:  # one shell: every hole is its
        own = shapely.get_rings(parts[0])
        return geometry_of(np.concatenate([own, holes]),
                           np.zeros(len(own) + len(holes), dtype=np.int64))
    probe = shapely.get_coordinates(shapely.get_point(holes, 0))
    return polygon_from_rings(Rings.concat([Rings.of(merged), Rings(
        holes, np.zeros(len(holes), dtype=bool), probe)]))


@dataclass(frozen=True)
class _PartRings:
    """A (Multi)Polygon's rings in order (each part's shell, then its holes) and their part."""

    rings: np.ndarray
    part: np.ndarray
    hole: np.ndarray  # bool

    @classmethod
    def of(cls, geom: shapely.Geometry) -> _PartRings:
        rings, part = shapely.get_rings(shapely.get_parts(geom), return_index=True)
        return cls(rings, part, ~shells_of(part))

    def polygon(self, which: np.ndarray) -> shapely.Geometry:
        """Return the polygon of the rings selected (every shell must be among them)."""
        part = self.part[which]
        return geometry_of(self.rings[which], np.cumsum(shells_of(part)) - 1)


def _apart(rings: _PartRings, holes: np.ndarray, other: np.ndarray, other_geom: shapely.Geometry
           ) -> tuple[np.ndarray, np.ndarray]:
    """Return the ``holes`` (mask) that no ring of ``other`` meets: outside it, and inside it.

    A ring of ``other`` meets a hole when it crosses or touches the hole's ring, or lies
    inside the hole (its box inside the hole's box, and one vertex inside the hole).
    """
    keep, fill = np.zeros(len(rings.rings), dtype=bool), np.zeros(len(rings.rings), dtype=bool)
    idx = np.nonzero(holes)[0]
    if not len(idx):
        return keep, fill
    hole_rings = rings.rings[idx]
    tree = shapely.STRtree(hole_rings)  # the rings themselves: no polygon made of each hole
    met = np.zeros(len(idx), dtype=bool)
    met[tree.query(other, predicate="intersects")[1]] = True
    inner, outer = tree.query(other)  # boxes that meet: is a ring of ``other`` in a hole?
    box_in, box_out = shapely.bounds(other)[inner], shapely.bounds(hole_rings)[outer]
    boxed = (box_in[:, :2] >= box_out[:, :2]).all(axis=1) & (box_in[:, 2:] <= box_out[:, 2:]).all(axis=1)
    inner, outer = inner[boxed], outer[boxed]
    if len(inner):
        vertex = shapely.get_coordinates(shapely.get_point(other[inner], 0))
        inside = shapely.contains_xy(shapely.polygons(hole_rings[outer]), vertex[:, 0], vertex[:, 1])
        met[outer[inside]] = True
    alone = idx[~met]
    probe = shapely.get_coordinates(shapely.get_point(rings.rings[alone], 0))
    shapely.prepare(other_geom)  # one point-in-polygon index for all the probes
    inside = shapely.contains_xy(other_geom, probe[:, 0], probe[:, 1])
    keep[alone[~inside]] = True
    fill[alone[inside]] = True
    return keep, fill


def ring_keys(rings: np.ndarray) -> np.ndarray:
    """Return a key for each ring, equal for equal rings whatever vertex they start at or way they run.

    The count of vertices and two sums of 64-bit hashes of the ring's edges (each edge's
    two end points' coordinate bits, in either order), as a void array for
    :func:`numpy.isin`: a simple ring is the cycle of its edges, so two different rings
    share a key only by a hash collision (a chance of about 2⁻¹²⁸).

    >>> sq = [(0, 0), (1, 0), (1, 1), (0, 1)]
    >>> bow = [(0, 0), (1, 1), (1, 0), (0, 1)]  # the same corners joined otherwise
    >>> k = ring_keys(shapely.linearrings([sq, sq[2:] + sq[:2], sq[::-1], bow]))
    >>> bool(k[0] == k[1] == k[2]), bool(k[0] == k[3])
    (True, False)
    """
    if not len(rings):
        return np.zeros(0, dtype=np.dtype((np.void, 24)))
    xy, start = ring_coordinates(rings)
    bits = np.ascontiguousarray(xy).view(np.uint64)
    h = _mixed(bits[:, 0] ^ _mixed(bits[:, 1]))  # a hash of each vertex
    lo, hi = np.minimum(h[:-1], h[1:]), np.maximum(h[:-1], h[1:])
    edge = np.r_[_mixed(lo ^ _mixed(hi ^ np.uint64(0x9E3779B97F4A7C15))), np.uint64(0)]
    edge[start[1:-1] - 1] = 0  # from a ring's closing vertex to the next ring's first
    keys = np.column_stack([np.diff(start).astype(np.uint64),
                            np.add.reduceat(edge, start[:-1]),
                            np.add.reduceat(_mixed(edge ^ np.uint64(0xD1B54A32D192ED03)),
                                            start[:-1])])
    return keys.view(np.dtype((np.void, 24))).ravel()


def _mixed(x: np.ndarray) -> np.ndarray:
    """Return SplitMix64's finaliser of each 64-bit word (wrapping arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))
