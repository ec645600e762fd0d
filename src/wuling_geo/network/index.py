"""Everything derived from a road network, computed once and in one place: :class:`NetworkIndex`.

A :class:`~wuling_geo.network.model.RoadNetwork` is immutable once analysed: its tables are
never changed in place (new speeds make a new network). Its index (``network.index``) is
built from it on first use and holds what analyses derive from it:

- the edges in the network's metric CRS, a :class:`shapely.STRtree` over them and the
  nodes' metric coordinates;
- the **twin rule** — the same road driven the other way (:attr:`NetworkIndex.twin`) — and
  the roads as undirected groups of edges (:attr:`NetworkIndex.groups`);
- the fastest edge between two junctions, **per profile** (:meth:`NetworkIndex.pair_edges`);
- vectorised snapping (:meth:`NetworkIndex.snap_points`);
- the **point rule**: how a point part-way along a road is left or entered through the
  ends of its edge (:meth:`NetworkIndex.links`) and reached along its own road
  (:meth:`NetworkIndex.direct`).

Higher layers keep their own derived data here too (:meth:`NetworkIndex.memo`), so it is
keyed on the network's identity and dies with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import shapely
from pyproj import CRS, Transformer

from wuling_geo import settings
from wuling_geo._util.errors import InputError, NetworkError

if TYPE_CHECKING:
    from wuling_geo.network.model import RoadNetwork

T = TypeVar("T")

#: A snap this close (as a fraction of its edge) to an edge's end is at the junction.
AT_NODE = 1e-9
#: Twins run along the same geometry reversed, to within this many metres per vertex …
TWIN_TOLERANCE_M = 0.01
#: … and have the same recorded length to within this many metres.
TWIN_LENGTH_M = 0.5


@dataclass(frozen=True)
class Snap:
    """Where a point meets the network: on edge ``edge`` at ``fraction`` of its length.

    ``distance_m`` is the straight distance from the point to the road; ``point`` the
    snapped location (WGS-84); ``u``/``v`` the edge's end nodes.
    """

    edge: int
    u: int
    v: int
    fraction: float
    distance_m: float
    point: shapely.Point


@dataclass(frozen=True)
class PointSnaps:
    """Snaps of many points.

    Per point: the edge index, the fraction along it from ``u`` and the straight distance
    (m) from the point to the road.
    """

    edge: np.ndarray
    fraction: np.ndarray
    distance_m: np.ndarray

    def __len__(self) -> int:
        return len(self.edge)


@dataclass(frozen=True)
class RoadGroups:
    """The network's roads as undirected groups of directed edges.

    ``ref``/``twin`` are each group's reference edge and its mutual reverse twin (-1 for a
    one-way road); ``of_edge`` and ``flipped`` give every directed edge's group and whether
    it runs against the reference; ``geometry`` is the reference geometry in the network's
    metric CRS and ``length`` its length in metres.
    """

    ref: np.ndarray
    twin: np.ndarray
    of_edge: np.ndarray
    flipped: np.ndarray
    geometry: np.ndarray
    length: np.ndarray
    start: np.ndarray  # node position of the reference edge's start
    end: np.ndarray  # node position of the reference edge's end
    n_nodes: int

    def __len__(self) -> int:
        return len(self.ref)


class NetworkIndex:
    """What is derived from one :class:`~wuling_geo.network.model.RoadNetwork` (see the module doc).

    Get it as ``network.index``; each part is computed on first use. Safe to share between
    threads (a part computed twice at once gives equal results).

    Parameters
    ----------
    network
        The network; its tables must not change afterwards.
    """

    def __init__(self, network: RoadNetwork) -> None:
        self.network = network
        self.n_nodes = len(network.nodes)
        self.n_edges = len(network.edges)
        self._pairs: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._memo: dict[Hashable, Any] = {}
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}  # one per memo key being built

    # ------------------------------------------------------------ metric copy, spatial index
    @property
    def crs(self) -> CRS:
        """The network's metric CRS (the UTM zone of its centre)."""
        return self.network.crs_metric

    @cached_property
    def edges_metric(self) -> np.ndarray:
        """The edges' geometries in :attr:`crs` (an array of LineStrings)."""
        return self.network.edges.geometry.to_crs(self.crs).values

    @cached_property
    def tree_edges(self) -> np.ndarray:
        """The edges in :attr:`tree`: each road once.

        A two-way road is there as the lower-numbered of its twins: the other runs along the
        same line, so indexing it too doubled the tree and the snapping time and only ever
        offered the same distance again.
        """
        twin = self.twin
        return np.flatnonzero((twin < 0) | (np.arange(len(twin)) < twin))

    @cached_property
    def tree(self) -> shapely.STRtree:
        """A spatial index over the geometries (:attr:`edges_metric`) of :attr:`tree_edges`."""
        return shapely.STRtree(np.asarray(self.edges_metric)[self.tree_edges])

    @cached_property
    def node_xy(self) -> np.ndarray:
        """The nodes' coordinates in :attr:`crs`, shape ``(n_nodes, 2)``."""
        nodes = self.network.nodes
        return np.column_stack(self.to_metric.transform(nodes["x"].to_numpy(float),
                                                         nodes["y"].to_numpy(float)))

    @cached_property
    def to_metric(self) -> Transformer:
        """WGS-84 to :attr:`crs` (lon, lat order; pyproj transformers are thread-safe)."""
        return Transformer.from_crs(settings.storage_crs, self.crs, always_xy=True)

    @cached_property
    def to_lonlat(self) -> Transformer:
        """:attr:`crs` to WGS-84 (lon, lat order)."""
        return Transformer.from_crs(self.crs, settings.storage_crs, always_xy=True)

    # ------------------------------------------------------------ the twin rule, road groups
    @cached_property
    def twin(self) -> np.ndarray:
        """For each edge u→v, its twin v→u — the same road driven the other way — or -1.

        The twin runs along the same geometry reversed (to within :data:`TWIN_TOLERANCE_M`)
        with the same recorded length (to within :data:`TWIN_LENGTH_M`), and is never the
        edge itself. The relation is mutual and one-to-one. A parallel road between the same
        junctions is no twin, nor are the two halves of a one-way loop, even of equal length.
        """
        u = self.network.edge_u.astype(np.int64)
        v = self.network.edge_v.astype(np.int64)
        lengths = self.network.edges["length"].to_numpy(dtype=float)
        m, n = len(u), max(self.n_nodes, 1)
        twin = np.full(m, -1, dtype=np.int64)
        if m == 0:
            return twin
        fwd, back = u * n + v, v * n + u
        order = np.argsort(fwd, kind="stable")
        keys = fwd[order]
        first = np.searchsorted(keys, back, "left")
        stop = np.searchsorted(keys, back, "right")
        me = np.arange(m)
        cand_a, cand_b = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for offset in range(int((stop - first).max(initial=0))):  # parallel edges: a few at most
            at = first + offset
            other = order[np.minimum(at, m - 1)]
            ok = (at < stop) & (other > me)  # each unordered pair once, never the edge itself
            cand_a.append(me[ok])
            cand_b.append(other[ok])
        a, b = np.concatenate(cand_a), np.concatenate(cand_b)
        ok = np.abs(lengths[a] - lengths[b]) <= TWIN_LENGTH_M
        a, b = a[ok], b[ok]
        same = _reversed_alike(self.edges_metric[a], self.edges_metric[b], TWIN_TOLERANCE_M)
        a, b = a[same], b[same]
        order = np.lexsort((b, a))
        a, b = a[order], b[order]
        # Most edges have one candidate: pair them at once; duplicates of one road greedily.
        count = np.bincount(np.concatenate([a, b]), minlength=m)
        alone = (count[a] == 1) & (count[b] == 1)
        twin[a[alone]], twin[b[alone]] = b[alone], a[alone]
        for x, y in zip(a[~alone], b[~alone], strict=True):
            if twin[x] < 0 and twin[y] < 0:
                twin[x], twin[y] = y, x
        return twin

    @cached_property
    def groups(self) -> RoadGroups:
        """The roads as undirected groups of edges: a two-way road's edge and its twin, or a one-way edge."""
        network, twin = self.network, self.twin
        m = len(twin)
        idx = np.arange(m)
        mutual = twin >= 0
        is_ref = ~mutual | (idx < twin)
        ref = idx[is_ref]
        of_edge = np.empty(m, dtype=np.int64)
        of_edge[ref] = np.arange(len(ref))
        group_twin = np.where(mutual[ref], twin[ref], -1)
        has = group_twin >= 0
        of_edge[group_twin[has]] = np.nonzero(has)[0]
        return RoadGroups(ref, group_twin, of_edge, ~is_ref, self.edges_metric[ref],
                          network.edges["length"].to_numpy(dtype=float)[ref],
                          network.edge_u[ref], network.edge_v[ref], self.n_nodes)

    # ------------------------------------------------------------ fastest edge per junction pair
    def pair_edges(self, profile: str = "car") -> tuple[np.ndarray, np.ndarray]:
        """Return sorted keys ``u * n_nodes + v`` and, for each pair, its fastest edge u→v.

        The fastest for ``profile`` (ties: the lowest edge index), the edge
        :meth:`RoadNetwork.csr` keeps for that pair. Cached per profile, and rebuilt should
        the profile's travel times differ from those it was built with.
        """
        times = self.network.travel_time(profile)
        cached = self._pairs.get(profile)
        if cached is not None and np.array_equal(cached[0], times):
            return cached[1], cached[2]
        u = self.network.edge_u.astype(np.int64)
        v = self.network.edge_v.astype(np.int64)
        order = np.lexsort((times, v, u))
        first = np.ones(len(order), dtype=bool)
        first[1:] = (u[order][1:] != u[order][:-1]) | (v[order][1:] != v[order][:-1])
        chosen = order[first]
        keys = u[chosen] * self.n_nodes + v[chosen]
        with self._lock:
            self._pairs[profile] = (times.copy(), keys, chosen)
        return keys, chosen

    def edge_between(self, a, b, profile: str = "car"):
        """Return the fastest edge from node position(s) ``a`` to ``b`` for ``profile``.

        Raises
        ------
        KeyError
            If there is no edge a→b.
        """
        keys, edges = self.pair_edges(profile)
        want = np.asarray(a, dtype=np.int64) * self.n_nodes + np.asarray(b, dtype=np.int64)
        at = np.minimum(np.searchsorted(keys, want), max(len(keys) - 1, 0))
        if len(keys) == 0 or np.any(keys[at] != want):
            raise KeyError("no edge between these nodes")
        return int(edges[at]) if np.ndim(want) == 0 else edges[at]

    # ------------------------------------------------------------ snapping
    def snap_points(self, lon, lat) -> PointSnaps:
        """Snap WGS-84 points to their nearest edges in one vectorised query.

        On a two-way road the edge is the lower-numbered twin (:attr:`tree_edges`); the
        point rule leaves and enters it both ways.

        Raises
        ------
        NetworkError
            If the network has no edges.
        InputError
            If a coordinate is not finite.
        """
        if self.n_edges == 0:
            raise NetworkError("the network has no edges")
        lon = np.asarray(lon, dtype=float).reshape(-1)
        lat = np.asarray(lat, dtype=float).reshape(-1)
        if lon.size == 0:
            empty = np.zeros(0)
            return PointSnaps(np.zeros(0, dtype=np.int64), empty, empty)
        if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            raise InputError("a point has no finite lon,lat: give WGS-84 coordinates")
        pts = shapely.points(*self.to_metric.transform(lon, lat))
        (which, item), distance = self.tree.query_nearest(pts, all_matches=False,
                                                          return_distance=True)
        order = np.argsort(which, kind="stable")
        item = item[order]
        edge = self.tree_edges[item].astype(np.int64)
        lines = self.tree.geometries[item]  # an ndarray: no pandas dispatch per call
        frac = shapely.line_locate_point(lines, pts, normalized=True)
        frac = np.clip(np.nan_to_num(frac, nan=0.0), 0.0, 1.0)
        return PointSnaps(edge, frac, distance[order])

    def to_snaps(self, snaps: PointSnaps) -> list[Snap]:
        """Return :class:`Snap` objects, with their WGS-84 points."""
        snapped = shapely.line_interpolate_point(self.edges_metric[snaps.edge], snaps.fraction,
                                                 normalized=True)
        lon, lat = self.to_lonlat.transform(shapely.get_x(snapped), shapely.get_y(snapped))
        u = self.network.edges["u"].to_numpy()[snaps.edge]
        v = self.network.edges["v"].to_numpy()[snaps.edge]
        return [Snap(int(e), int(a), int(b), float(f), float(d), shapely.Point(x, y))
                for e, a, b, f, d, x, y in zip(snaps.edge, u, v, snaps.fraction,
                                               snaps.distance_m, lon, lat, strict=True)]

    def snap(self, lon: float, lat: float) -> Snap:
        """Return the nearest point on the network to one WGS-84 point."""
        return self.to_snaps(self.snap_points([lon], [lat]))[0]

    # ------------------------------------------------------------ the point rule
    def links(self, edge, fraction, leave: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return how points part-way along edges join the junctions: ``(node, via, share)``.

        Each array has shape ``(3, k)`` for ``k`` points: row 0 over the point's own edge,
        row 1 over its twin (two-way roads only), row 2 the junction itself for a point at
        one (within :data:`AT_NODE`), even on a one-way road. ``node`` is the node position
        (-1 where there is no such link), ``via`` the edge driven (-1 for none) and
        ``share`` the fraction of it driven, so a link costs ``share * values[via]``
        (:func:`link_cost`).

        Parameters
        ----------
        edge, fraction
            The points' edges and fractions along them from ``u``.
        leave
            True: from the points to the junctions (forwards to ``v``, backwards over the
            twin to ``u``); False: from the junctions to the points (from ``u`` forwards,
            from ``v`` over the twin).
        """
        e = np.asarray(edge, dtype=np.int64).reshape(-1)
        f = np.asarray(fraction, dtype=float).reshape(-1)
        u, v = self.network.edge_u[e], self.network.edge_v[e]
        tw = self.twin[e]
        has = tw >= 0
        if leave:
            own, other, own_share, other_share = v, u, 1 - f, f
        else:
            own, other, own_share, other_share = u, v, f, 1 - f
        junction = np.where(f <= AT_NODE, u, np.where(f >= 1 - AT_NODE, v, -1))
        node = np.stack([own, np.where(has, other, -1), junction])
        via = np.stack([e, tw, np.full(len(e), -1)])
        share = np.stack([own_share, other_share, np.zeros(len(e))])
        return node, via, share

    def direct(self, o_edge, o_frac, t_edge, t_frac) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the drive from origin points to target points along their shared road.

        An origin and a target on the same road (the same edge, or an edge and its twin)
        are joined without a junction: forwards along the origin's edge when the target
        lies ahead, else backwards over its twin when the road is two-way. Arguments
        broadcast against each other.

        Returns
        -------
        via, start, end
            The edge driven (-1 where the points share no road, or only against a one-way
            road) and the fractions of it where the drive starts and ends; it costs
            ``(end - start) * values[via]``.
        """
        o_edge, t_edge = np.asarray(o_edge, dtype=np.int64), np.asarray(t_edge, dtype=np.int64)
        o_frac, t_frac = np.asarray(o_frac, dtype=float), np.asarray(t_frac, dtype=float)
        back = self.twin[o_edge]
        on_own = o_edge == t_edge
        on_twin = (back >= 0) & (back == t_edge)
        at = np.where(on_own, t_frac, 1 - t_frac)  # the target's fraction along the origin's edge
        ahead = (on_own | on_twin) & (at >= o_frac)
        behind = (on_own | on_twin) & (at < o_frac) & (back >= 0)
        via = np.where(ahead, o_edge, np.where(behind, back, -1))
        start = np.where(ahead, o_frac, 1 - o_frac)
        end = np.where(ahead, at, np.where(on_own, 1 - t_frac, t_frac))
        return via, start, end

    # ------------------------------------------------------------ higher layers' derived data
    def has_memo(self, key: Hashable) -> bool:
        """Whether :meth:`memo` already holds a value under ``key``."""
        return key in self._memo

    def forget(self, key: Hashable) -> None:
        """Drop the value kept under ``key`` (the next :meth:`memo` rebuilds or reloads it)."""
        with self._lock:
            self._memo.pop(key, None)

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """Return the value kept under ``key``, building it on first use (e.g. catchment cells).

        A value is built once: threads asking for it meanwhile wait for that build rather
        than make their own (two catchment threads each built the 100k network's road
        samples and grid on a first call). A build may ask for other keys, never its own.
        """
        if key in self._memo:
            return self._memo[key]
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:
            if key not in self._memo:
                value = build()
                with self._lock:
                    self._memo[key] = value
        return self._memo[key]


def link_cost(via: np.ndarray, share: np.ndarray, node: np.ndarray, values: np.ndarray
              ) -> np.ndarray:
    """Return the cost of links from :meth:`NetworkIndex.links`: ``inf`` where there is none."""
    cost = np.where(via >= 0, share * values[np.maximum(via, 0)], 0.0)
    return np.where(node >= 0, cost, np.inf)


def _reversed_alike(a: np.ndarray, b: np.ndarray, tolerance: float) -> np.ndarray:
    """Return for each pair of LineStrings whether ``a`` runs along ``b`` reversed.

    As :func:`shapely.equals_exact` of ``a`` and ``b`` reversed, to within ``tolerance``.
    The two directions of a road almost always carry the same coordinates to the bit, so
    those pairs are settled by comparing the coordinates, with no reversed copy of every
    edge (the twins of the 100k SYNTHETIC grid: 0.17 s against 0.28 s); GEOS decides only
    the rest.
    """
    xa, ia = shapely.get_coordinates(a, return_index=True)
    xb, ib = shapely.get_coordinates(b, return_index=True)
    na, nb = np.bincount(ia, minlength=len(a)), np.bincount(ib, minlength=len(b))
    start_a, start_b = np.cumsum(na) - na, np.cumsum(nb) - nb
    even = (na == nb)[ia]  # the coordinates of pairs with as many vertices each
    j = np.nonzero(even)[0]
    g = ia[j]
    partner = start_b[g] + nb[g] - 1 - (j - start_a[g])  # the same vertex counted from b's end
    mismatched = np.bincount(g, weights=(xa[j] != xb[partner]).any(axis=1), minlength=len(a))
    differs = (na != nb) | (na == 0) | (mismatched > 0)
    same = ~differs
    rest = np.nonzero(differs)[0]
    same[rest] = shapely.equals_exact(a[rest], shapely.reverse(b[rest]), tolerance=tolerance)
    return same
