"""Which part of each road is reached within a time limit: the input of catchment polygons.

A *road* here is an undirected group of directed edges: a two-way road is an edge u→v and
its twin v→u sharing one geometry; a one-way road is a single edge. Positions along a road
are fractions of the geometry of its *reference* edge, measured from that edge's start.

Given node times ``d`` (from or to the origins) and a limit ``T``, the reached part of a
road is the union of at most three intervals: the *head* ``[0, h]`` reached through its
start node, the *tail* ``[1 - k, 1]`` reached through its end node and, on the road an
origin is snapped to, the interval reached directly from (or to) the origin. Travel time
grows linearly along an edge (one speed per edge), so a cut point sits at exactly
``T`` and at the matching fraction of the geometry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from wuling_geo.network.index import RoadGroups
from wuling_geo.network.model import RoadNetwork, Snap
from wuling_geo.network.routing import outer_times

__all__ = ["RoadGroups", "RoadReach", "origin_pieces", "reach", "road_groups", "substrings"]

_EPS = 1e-9


def road_groups(network: RoadNetwork) -> RoadGroups:
    """Return the network's roads as :class:`~wuling_geo.network.index.RoadGroups` (from its index)."""
    return network.index.groups


def substrings(lines: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Return the parts of ``lines`` between normalised fractions ``start`` and ``end``.

    Vectorised equivalent of ``shapely.ops.substring(line, s, e, normalized=True)``
    for ``0 <= s < e <= 1``: the end points are interpolated along the geometry
    (:func:`shapely.line_interpolate_point`) and the vertices between them kept.
    """
    lines = np.asarray(lines, dtype=object)
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    if len(lines) == 0:
        return np.empty(0, dtype=object)
    coords, which = shapely.get_coordinates(lines, return_index=True)
    step = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    step[which[1:] != which[:-1]] = 0.0
    along = np.concatenate([[0.0], np.cumsum(step)])
    first = np.searchsorted(which, np.arange(len(lines)))
    along -= along[first][which]
    total = shapely.length(lines)
    inner = (along > start[which] * total[which]) & (along < end[which] * total[which])
    p0 = shapely.get_coordinates(shapely.line_interpolate_point(lines, start, normalized=True))
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(lines, end, normalized=True))
    n = len(lines)
    line_id = np.concatenate([np.arange(n), which[inner], np.arange(n)])
    order_key = np.concatenate([np.full(n, -1), np.nonzero(inner)[0], np.full(n, len(coords))])
    xy = np.concatenate([p0, coords[inner], p1])
    order = np.lexsort((order_key, line_id))
    return shapely.linestrings(xy[order], indices=line_id[order])


def origin_pieces(network: RoadNetwork, groups: RoadGroups, snaps: list[Snap],
                  times: np.ndarray, limit: float, direction: str
                  ) -> list[tuple[int, float, float, int]]:
    """Return (group, start, end, origin index) reached directly from/to each snapped origin.

    These are the stretches of the origin's own edge (and its reverse twin) that are not
    reached through a node: the node times only cover travel beyond the edge's ends.
    """
    twin = network.index.twin
    pieces = []
    for i, snap in enumerate(snaps):
        runs = [(snap.edge, snap.fraction)]
        if twin[snap.edge] >= 0:
            runs.append((int(twin[snap.edge]), 1.0 - snap.fraction))
        for edge, at in runs:
            span = limit / max(times[edge], _EPS)
            lo, hi = (at, min(1.0, at + span)) if direction == "from" else (max(0.0, at - span), at)
            if groups.flipped[edge]:
                lo, hi = 1.0 - hi, 1.0 - lo
            if hi - lo > _EPS:
                pieces.append((int(groups.of_edge[edge]), lo, hi, i))
    return pieces


@dataclass
class RoadReach:
    """The reached part of every road for one limit (see the module docstring).

    Not :class:`wuling_geo.analysis.multimodal.Reach`, the public result of ``reach``.
    """

    groups: RoadGroups
    head: np.ndarray
    tail: np.ndarray
    limit: float
    extra: dict[int, list[tuple[float, float, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        covered = np.minimum(self.head + self.tail, 1.0)
        self._merged: dict[int, list[tuple[float, float]]] = {}
        for g, runs in self.extra.items():
            spans = [(s, e) for s, e, _ in runs]
            if self.head[g] > 0:
                spans.append((0.0, float(self.head[g])))
            if self.tail[g] > 0:
                spans.append((1.0 - float(self.tail[g]), 1.0))
            merged = _merge(spans)
            self._merged[g] = merged
            covered[g] = sum(e - s for s, e in merged)
        self.covered = covered
        self.full = covered >= 1.0 - 1e-7
        self.touched = covered > _EPS
        self._cuts: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._cut_xy: np.ndarray | None = None

    def road_m(self) -> float:
        """Return the length of reached road (m), each two-way road counted once."""
        return float((self.covered * self.groups.length).sum())  # not BLAS: no thread wake-ups

    def intervals(self, which: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (group, start, end) arrays of the reached intervals of groups ``which``."""
        which = np.asarray(which, dtype=np.int64)
        plain = which[~np.isin(which, list(self._merged))] if self._merged else which
        h, k = self.head[plain], self.tail[plain]
        whole = (h + k) >= 1.0 - 1e-7
        parts_g = [plain[whole], plain[~whole & (h > 0)], plain[~whole & (k > 0)]]
        parts_s = [np.zeros(whole.sum()), np.zeros(parts_g[1].size), 1.0 - k[~whole & (k > 0)]]
        parts_e = [np.ones(whole.sum()), h[~whole & (h > 0)], np.ones(parts_g[2].size)]
        for g in which[np.isin(which, list(self._merged))] if self._merged else ():
            for s, e in self._merged[int(g)]:
                parts_g.append(np.array([g]))
                parts_s.append(np.array([s]))
                parts_e.append(np.array([e]))
        return np.concatenate(parts_g), np.concatenate(parts_s), np.concatenate(parts_e)

    def segments(self, which: np.ndarray, keys: bool = False):
        """Return the reached road geometry (metric LineStrings) of groups ``which``.

        With ``keys=True`` also return integer keys of each piece's start and end: the node
        position where the piece ends at a node, a key of its own at a cut point.
        """
        g, s, e = self.intervals(which)
        out = self.groups.geometry[g].copy()
        cut = (s > 0) | (e < 1)
        if cut.any():
            out[cut] = substrings(out[cut], s[cut], e[cut])
        if not keys:
            return out
        own = self.groups.n_nodes + np.arange(len(g))
        start = np.where(s <= 0, self.groups.start[g], own)
        end = np.where(e >= 1, self.groups.end[g], own + len(g))
        return out, start, end

    def cut_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (group, fraction, node position or -(origin + 1)) of reached-set ends.

        Every end of a reached interval inside a road lies at exactly the limit; the last
        array says where the interval was entered from (a node, or a snapped origin).
        Worked out once (the contour engine and the statistics both ask).
        """
        if self._cuts is None:
            self._cuts = self._cut_points()
        return self._cuts

    def cut_xy(self) -> np.ndarray:
        """Return the (n, 2) metric coordinates of :meth:`cut_points`, in its order (kept)."""
        if self._cut_xy is None:
            g, frac, _ = self.cut_points()
            lines = np.asarray(self.groups.geometry)[g]  # plain array: no pandas dispatch
            self._cut_xy = shapely.get_coordinates(shapely.line_interpolate_point(
                lines, frac, normalized=True)).reshape(-1, 2)
        return self._cut_xy

    def _cut_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        h, k = self.head, self.tail
        part = ~self.full
        hg = np.nonzero(part & (h > 0))[0]
        tg = np.nonzero(part & (k > 0))[0]
        gs = [hg, tg]
        fs = [h[hg], 1.0 - k[tg]]
        src = [self.groups.start[hg], self.groups.end[tg]]
        for g, runs in self.extra.items():
            if self.full[g]:
                continue
            for s, e, origin in runs:
                ends = [x for x in (s, e) if 0 < x < 1 and not _inside(x, self._merged[g])]
                for x in ends:
                    gs.append(np.array([g]))
                    fs.append(np.array([x]))
                    src.append(np.array([-(origin + 1)]))
        return np.concatenate(gs), np.concatenate(fs), np.concatenate(src)


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1] + _EPS:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _inside(x: float, merged: list[tuple[float, float]]) -> bool:
    """Whether ``x`` lies strictly inside a merged interval (so it is not a cut point)."""
    return any(s + _EPS < x < e - _EPS for s, e in merged)


def reach(network: RoadNetwork, groups: RoadGroups, node_time: np.ndarray, limit: float,
          direction: str, times: np.ndarray, pieces: list[tuple[int, float, float, int]],
          outer: np.ndarray | None = None) -> RoadReach:
    """Return the reached part of every road within ``limit`` seconds.

    Parameters
    ----------
    network
        The road network.
    groups
        Its :func:`road_groups`.
    node_time
        Seconds from (``direction="from"``) or to (``"to"``) the origin(s) per node.
    limit
        The band's limit in seconds.
    direction
        ``"from"`` or ``"to"``.
    times
        The edges' travel times (s) for the profile.
    pieces
        :func:`origin_pieces` for this limit.
    outer
        Per edge, when its far side is left (:func:`wuling_geo.network.routing.outer_times`);
        default: from ``node_time``. The edge-based search gives it where turns are
        restricted, so an edge behind a forbidden turn is not entered at its node's time.
    """
    entry = outer_times(network, node_time, direction) if outer is None else outer
    with np.errstate(invalid="ignore"):
        frac = np.clip((limit - entry) / np.maximum(times, _EPS), 0.0, 1.0)
    frac[~(entry <= limit)] = 0.0
    own = frac[groups.ref]
    rev = np.where(groups.twin >= 0, frac[np.maximum(groups.twin, 0)], 0.0)
    head, tail = (own, rev) if direction == "from" else (rev, own)
    extra: dict[int, list[tuple[float, float, int]]] = {}
    for g, s, e, origin in pieces:
        extra.setdefault(g, []).append((s, e, origin))
    return RoadReach(groups, head, tail, float(limit), extra)
