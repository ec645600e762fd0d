"""Shortest travel times on a :class:`~wuling_geo.network.model.RoadNetwork`, from snapped points.

Points rarely sit on a junction: an origin snapped part-way along an edge gets a virtual
node joined to the edge's ends by the matching fractions of the edge's travel time (and of
its reverse twin's, when the road is two-way). Searches run on scipy's compiled Dijkstra
over the network's CSR arrays, never on networkx.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse import csgraph
from shapely.ops import substring

from wuling_geo._util.errors import InputError
from wuling_geo.network import turns
from wuling_geo.network.model import RoadNetwork, Snap

DIRECTIONS = ("from", "to")
_AT_NODE = 1e-9  # a snap this close to an edge's end is at the junction


def reverse_edges(network: RoadNetwork) -> np.ndarray:
    """Return, for each edge u→v, the index of its twin v→u (-1 if the road is one-way).

    The twin is the same road driven the other way: an edge v→u of the same length (to
    within 0.5 m), never the edge itself. A parallel road between the same junctions, or a
    one-way loop, has no twin.
    """
    cached = network.__dict__.get("_reverse_edges")
    if cached is not None:
        return cached
    u, v = network.edge_u.astype(np.int64), network.edge_v.astype(np.int64)
    lengths = network.edges["length"].to_numpy(dtype=float)
    n = max(len(network.nodes), 1)
    fwd, back = u * n + v, v * n + u
    order = np.argsort(fwd, kind="stable")
    keys = fwd[order]
    first = np.searchsorted(keys, back, "left")
    stop = np.searchsorted(keys, back, "right")
    twin = np.full(len(u), -1, dtype=np.int64)
    me = np.arange(len(u))
    for offset in range(int((stop - first).max(initial=0))):  # parallel edges: a few at most
        at = first + offset
        cand = order[np.minimum(at, len(order) - 1)]
        ok = ((at < stop) & (twin < 0) & (cand != me)
              & np.isclose(lengths[cand], lengths, rtol=0, atol=0.5))
        twin[ok] = cand[ok]
    network.__dict__["_reverse_edges"] = twin
    return twin


def _edge_times(network: RoadNetwork, profile: str) -> np.ndarray:
    return network.travel_time(profile)


def _links(network: RoadNetwork, snap: Snap, profile: str, direction: str
           ) -> list[tuple[int, float]]:
    """Return (node position, seconds) joining a snapped point to the graph.

    For ``direction="from"`` these are times from the point to the nodes; for ``"to"``,
    from the nodes to the point.
    """
    times = _edge_times(network, profile)
    twin = reverse_edges(network)[snap.edge]
    u, v = int(network.edge_u[snap.edge]), int(network.edge_v[snap.edge])
    t, f = times[snap.edge], snap.fraction
    links = [(v, (1 - f) * t)] if direction == "from" else [(u, f * t)]
    if twin >= 0:
        tr = times[twin]
        links.append((u, f * tr) if direction == "from" else (v, (1 - f) * tr))
    # A point exactly at a junction is that junction, even on a one-way road.
    if f <= _AT_NODE:
        links.append((u, 0.0))
    elif f >= 1 - _AT_NODE:
        links.append((v, 0.0))
    return links


def search_graph(network: RoadNetwork, snaps: list[Snap], profile: str = "car",
                 direction: str = "from") -> sp.csr_matrix:
    """Return the network's CSR with one virtual node per snapped point appended.

    Virtual node ``n + i`` (``n`` real nodes) is snap ``i``; searching from it gives times
    from (``direction="from"``) or, on the transposed graph, to that point. Use it for
    searches the functions here do not cover (e.g. with ``return_predecessors``).
    """
    _check(direction, snaps)
    base = network.csr(profile)
    if direction == "to":
        base = base.T.tocsr()
    n, k = base.shape[0], len(snaps)
    best: dict[tuple[int, int], float] = {}
    for i, snap in enumerate(snaps):
        for node, seconds in _links(network, snap, profile, direction):
            key = (n + i, node)
            best[key] = min(best.get(key, np.inf), max(seconds, 1e-9))  # one link per pair
    rows, cols = zip(*best, strict=True)
    extra = sp.csr_matrix((list(best.values()), (rows, cols)), shape=(n + k, n + k))
    grown = sp.csr_matrix((base.data, base.indices, base.indptr.tolist() + [base.nnz] * k),
                          shape=(n + k, n + k))
    return (grown + extra).tocsr()


def _check(direction: str, snaps: list[Snap]) -> None:
    if direction not in DIRECTIONS:
        raise InputError(f"unknown direction {direction!r}: use 'from' or 'to'")
    if not snaps:
        raise InputError("no origins given: name at least one place or lon,lat")


def node_times(network: RoadNetwork, snaps: list[Snap], profile: str = "car",
               limit: float | None = None, direction: str = "from") -> np.ndarray:
    """Return travel times (s) between each snapped point and every node.

    Parameters
    ----------
    network
        The road network.
    snaps
        Snapped points (see :meth:`RoadNetwork.snap`).
    profile
        Vehicle profile (``car`` or ``truck``).
    limit
        Stop searching beyond this many seconds (unreached nodes are ``inf``).
    direction
        ``"from"`` the points to the nodes, or ``"to"`` the points from the nodes.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(snaps), n_nodes)``.
    """
    # --- turn hook: restrictions or barriers for this profile need the edge-based search.
    if turns.applies(network, profile):
        _check(direction, snaps)
        return turns.node_times(network, snaps, profile, limit, direction)
    # --- end turn hook
    graph = search_graph(network, snaps, profile, direction)
    n = len(network.nodes)
    sources = np.arange(n, n + len(snaps))
    dist = csgraph.dijkstra(graph, directed=True, indices=sources,
                            limit=np.inf if limit is None else float(limit))
    return dist[:, :n]


def nearest_times(network: RoadNetwork, snaps: list[Snap], profile: str = "car",
                  limit: float | None = None, direction: str = "from"
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Return, for every node, the time to/from the nearest snapped point and its index.

    One multi-source search (not one per point). Unreached nodes have time ``inf`` and
    index -1.
    """
    # --- turn hook
    if turns.applies(network, profile):
        _check(direction, snaps)
        return turns.nearest_times(network, snaps, profile, limit, direction)
    # --- end turn hook
    graph = search_graph(network, snaps, profile, direction)
    n = len(network.nodes)
    dist, _, sources = csgraph.dijkstra(graph, directed=True, indices=np.arange(n, n + len(snaps)),
                                        limit=np.inf if limit is None else float(limit),
                                        min_only=True, return_predecessors=True)
    which = np.where(sources[:n] >= 0, sources[:n] - n, -1)
    return dist[:n], which


def times_to_points(network: RoadNetwork, node_dist: np.ndarray, origins: list[Snap],
                    targets: list[Snap], profile: str = "car") -> np.ndarray:
    """Return origin→target times (s) from per-node times ``node_dist`` (origins × nodes).

    A target part-way along an edge is reached through either end of its edge; an origin
    and target on the same edge, in driving order, use the edge directly.
    """
    times = _edge_times(network, profile)
    twin = reverse_edges(network)
    out = np.full((len(origins), len(targets)), np.inf)
    for j, t in enumerate(targets):
        u, v = int(network.edge_u[t.edge]), int(network.edge_v[t.edge])
        best = node_dist[:, u] + t.fraction * times[t.edge]
        if twin[t.edge] >= 0:
            best = np.minimum(best, node_dist[:, v] + (1 - t.fraction) * times[twin[t.edge]])
        elif t.fraction >= 1 - _AT_NODE:
            best = np.minimum(best, node_dist[:, v])
        for i, o in enumerate(origins):
            if o.edge == t.edge and t.fraction >= o.fraction:
                best[i] = min(best[i], (t.fraction - o.fraction) * times[t.edge])
            elif twin[t.edge] >= 0 and o.edge == twin[t.edge] and (1 - t.fraction) >= o.fraction:
                best[i] = min(best[i], ((1 - t.fraction) - o.fraction) * times[o.edge])
        out[:, j] = best
    return out


def travel_time_matrix(network: RoadNetwork, origins: list[Snap], targets: list[Snap],
                       profile: str = "car") -> np.ndarray:
    """Return the matrix of fastest travel times (s) from each origin to each target."""
    # --- turn hook
    if turns.applies(network, profile):
        _check("from", origins)
        return turns.travel_time_matrix(network, origins, targets, profile)
    # --- end turn hook
    return times_to_points(network, node_times(network, origins, profile), origins, targets,
                           profile)


@dataclass(frozen=True)
class Path:
    """A fastest path between two snapped points."""

    seconds: float
    meters: float
    geometry: shapely.LineString
    nodes: tuple[int, ...]


def _edge_between(network: RoadNetwork, a: int, b: int, times: np.ndarray) -> int:
    index = network.__dict__.get("_pair_index")
    if index is None:
        index = {}
        for e, (x, y) in enumerate(zip(network.edge_u, network.edge_v, strict=True)):
            key = (int(x), int(y))
            if key not in index or times[e] < times[index[key]]:
                index[key] = e
        network.__dict__["_pair_index"] = index
    return index[(a, b)]


def fastest_path(network: RoadNetwork, origin: Snap, target: Snap, profile: str = "car",
                 limit: float | None = None) -> Path:
    """Return the fastest path from ``origin`` to ``target`` with its road geometry.

    ``limit`` (seconds) bounds the search, e.g. to a travel time already known from a
    matrix (give a little slack); a target beyond it counts as unreachable.

    Raises
    ------
    InputError
        If the target cannot be reached from the origin.
    """
    times = _edge_times(network, profile)
    lengths = network.edges["length"].to_numpy(dtype=float)
    geoms = network.edges.geometry.values
    twin = reverse_edges(network)
    n = len(network.nodes)
    # Same edge, in driving order: no search needed.
    if origin.edge == target.edge and target.fraction >= origin.fraction:
        e = origin.edge
        geom = substring(geoms[e], origin.fraction, target.fraction, normalized=True)
        span = target.fraction - origin.fraction
        return Path(span * times[e], span * lengths[e], geom, ())
    # --- turn hook
    if turns.applies(network, profile):
        seconds, meters, pieces, node_ids = turns.fastest_path(network, origin, target, profile,
                                                               limit)
        parts = [substring(geoms[e], a, b, normalized=True) for e, a, b in pieces]
        return Path(seconds, meters, _joined(parts, origin, target), node_ids)
    # --- end turn hook
    graph = search_graph(network, [origin], profile, "from")
    dist, pred = csgraph.dijkstra(graph, directed=True, indices=n, return_predecessors=True,
                                  limit=np.inf if limit is None else float(limit))
    u, v = int(network.edge_u[target.edge]), int(network.edge_v[target.edge])
    options = [(dist[u] + target.fraction * times[target.edge], u, target.edge, False)]
    if twin[target.edge] >= 0:
        options.append((dist[v] + (1 - target.fraction) * times[twin[target.edge]], v,
                        int(twin[target.edge]), True))
    best, end_node, last_edge, reverse = min(options, key=lambda o: o[0])
    if not np.isfinite(best):
        raise InputError("the destination cannot be reached by road from the origin "
                         "(different parts of the network, or one-way roads)")
    chain = [end_node]
    while chain[-1] != n:
        chain.append(int(pred[chain[-1]]))
    chain.reverse()  # virtual origin, first node, …, end_node
    parts: list[shapely.LineString] = []
    meters = 0.0
    first = chain[1]
    # First partial edge: from the origin point to the first real node.
    back = int(twin[origin.edge])
    if first == int(network.edge_v[origin.edge]):
        parts.append(substring(geoms[origin.edge], origin.fraction, 1, normalized=True))
        meters += (1 - origin.fraction) * lengths[origin.edge]
    elif back >= 0 and origin.fraction > _AT_NODE:
        parts.append(substring(geoms[back], 1 - origin.fraction, 1, normalized=True))
        meters += origin.fraction * lengths[back]
    # else: the origin is the junction itself (zero-length first link)
    for a, b in itertools.pairwise(chain[1:]):
        e = _edge_between(network, a, b, times)
        parts.append(geoms[e])
        meters += lengths[e]
    frac = (1 - target.fraction) if reverse else target.fraction
    parts.append(substring(geoms[last_edge], 0, frac, normalized=True))
    meters += frac * lengths[last_edge]
    node_ids = tuple(int(network.node_ids[i]) for i in chain[1:])
    return Path(float(best), float(meters), _joined(parts, origin, target), node_ids)


def _joined(parts: list[shapely.LineString], origin: Snap, target: Snap) -> shapely.LineString:
    """Return the pieces of a path as one line (origin to target when it has no length)."""
    coords: list[tuple[float, float]] = []
    for part in parts:
        pts = list(part.coords) if not part.is_empty else []
        coords.extend(pts if not coords or not pts or pts[0] != coords[-1] else pts[1:])
    if len(coords) < 2:
        coords = [origin.point.coords[0], target.point.coords[0]]
    return shapely.LineString(coords)


def tree_lengths(pred: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Sum a per-node quantity along shortest-path-tree branches (pointer jumping).

    Parameters
    ----------
    pred
        Predecessor of each node in the tree (negative at roots and unreached nodes).
    step
        The quantity on the tree edge into each node (0 at roots).

    Returns
    -------
    numpy.ndarray
        For each node, the sum of ``step`` from its root to it; vectorised, O(n log depth).
    """
    total = step.astype(float).copy()
    ptr = pred.astype(np.int64).copy()
    live = np.nonzero(ptr >= 0)[0]
    while live.size:
        up = ptr[live]
        total[live] = total[live] + total[up]  # both read before either is written
        ptr[live] = ptr[up]
        live = live[ptr[live] >= 0]
    return total
