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
from wuling_geo.network.index import AT_NODE, link_cost
from wuling_geo.network.model import RoadNetwork, Snap

DIRECTIONS = ("from", "to")


def reverse_edges(network: RoadNetwork) -> np.ndarray:
    """Return, for each edge u→v, the index of its twin v→u (-1 if the road is one-way).

    The network index's one twin rule (:attr:`wuling_geo.network.index.NetworkIndex.twin`):
    the same road driven the other way, never the edge itself.
    """
    return network.index.twin


def _edge_times(network: RoadNetwork, profile: str) -> np.ndarray:
    return network.travel_time(profile)


def _links(network: RoadNetwork, snap: Snap, profile: str, direction: str
           ) -> list[tuple[int, float]]:
    """Return (node position, seconds) joining a snapped point to the graph.

    For ``direction="from"`` these are times from the point to the nodes; for ``"to"``,
    from the nodes to the point (the index's point rule,
    :meth:`~wuling_geo.network.index.NetworkIndex.links`).
    """
    node, via, share = network.index.links([snap.edge], [snap.fraction], direction == "from")
    cost = link_cost(via, share, node, _edge_times(network, profile))
    return [(int(a), float(c)) for a, c in zip(node[:, 0], cost[:, 0], strict=True) if a >= 0]


def search_graph(network: RoadNetwork, snaps: list[Snap], profile: str = "car",
                 direction: str = "from") -> sp.csr_matrix:
    """Return the network's CSR with one virtual node per snapped point appended.

    Virtual node ``n + i`` (``n`` real nodes) is snap ``i``; searching from it gives times
    from (``direction="from"``) or, on the transposed graph, to that point. Use it for
    searches the functions here do not cover (e.g. with ``return_predecessors``).
    """
    _check(direction, snaps)
    # the network's own matrix, once per profile and direction (rebuilding it cost 80 ms of
    # every 100k-node search), like the index's other derived data
    base = network.index.memo(("search_csr", profile, direction),
                              lambda: _oriented(network.csr(profile), direction))
    n, k = base.shape[0], len(snaps)
    best: dict[tuple[int, int], float] = {}
    for i, snap in enumerate(snaps):
        for node, seconds in _links(network, snap, profile, direction):
            key = (n + i, node)
            best[key] = min(best.get(key, np.inf), max(seconds, 1e-9))  # one link per pair
    rows, cols = zip(*best, strict=True)
    extra = sp.csr_matrix((list(best.values()), (rows, cols)), shape=(n + k, n + k))
    grown = sp.csr_matrix((base.data, base.indices, np.r_[base.indptr, np.full(k, base.nnz)]),
                          shape=(n + k, n + k))
    return (grown + extra).tocsr()


def _oriented(matrix: sp.csr_matrix, direction: str) -> sp.csr_matrix:
    """Return ``matrix`` as searched ``"from"`` the points, or transposed to search ``"to"`` them."""
    return matrix.T.tocsr() if direction == "to" else matrix


def _check(direction: str, snaps: list[Snap]) -> None:
    if direction not in DIRECTIONS:
        raise InputError(f"unknown direction {direction!r}: use 'from' or 'to'")
    if not snaps:
        raise InputError("no origins given: name at least one place or lon,lat")


def node_times(network: RoadNetwork, snaps: list[Snap], profile: str = "car",
               limit: float | None = None, direction: str = "from", edges: bool = False):
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
    edges
        Also return every edge's outer time (:func:`outer_times`).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(snaps), n_nodes)`` (and ``(len(snaps), n_edges)`` with ``edges``).
    """
    # --- turn hook: restrictions or barriers for this profile need the edge-based search.
    if turns.applies(network, profile):
        _check(direction, snaps)
        return turns.node_times(network, snaps, profile, limit, direction, edges)
    # --- end turn hook
    graph = search_graph(network, snaps, profile, direction)
    n = len(network.nodes)
    sources = np.arange(n, n + len(snaps))
    dist = csgraph.dijkstra(graph, directed=True, indices=sources,
                            limit=np.inf if limit is None else float(limit))[:, :n]
    return (dist, outer_times(network, dist, direction)) if edges else dist


def outer_times(network: RoadNetwork, node_time: np.ndarray, direction: str) -> np.ndarray:
    """Return per edge the time its far side is left, from node times (node-based search).

    ``"from"``: when driving along the edge starts (its start node's time); ``"to"``: the
    time from its end node onward. The edge-based search computes the same per edge
    (:func:`wuling_geo.network.turns.outer_times`), later where a turn onto (or after)
    the edge is forbidden.
    """
    return node_time[..., network.edge_u if direction == "from" else network.edge_v]


def nearest_times(network: RoadNetwork, snaps: list[Snap], profile: str = "car",
                  limit: float | None = None, direction: str = "from", edges: bool = False):
    """Return, for every node, the time to/from the nearest snapped point and its index.

    One multi-source search (not one per point). Unreached nodes have time ``inf`` and
    index -1. With ``edges=True`` also return every edge's outer time
    (:func:`outer_times`).
    """
    # --- turn hook
    if turns.applies(network, profile):
        _check(direction, snaps)
        return turns.nearest_times(network, snaps, profile, limit, direction, edges)
    # --- end turn hook
    graph = search_graph(network, snaps, profile, direction)
    n = len(network.nodes)
    dist, _, sources = csgraph.dijkstra(graph, directed=True, indices=np.arange(n, n + len(snaps)),
                                        limit=np.inf if limit is None else float(limit),
                                        min_only=True, return_predecessors=True)
    which = np.where(sources[:n] >= 0, sources[:n] - n, -1)
    if edges:
        return dist[:n], which, outer_times(network, dist[:n], direction)
    return dist[:n], which


def times_to_points(network: RoadNetwork, node_dist: np.ndarray, origins: list[Snap],
                    targets: list[Snap], profile: str = "car") -> np.ndarray:
    """Return origin→target times (s) from per-node times ``node_dist`` (origins × nodes).

    A target part-way along an edge is entered through either end of its edge; an origin
    on the target's own road drives along it directly (the index's point rule).
    """
    times = _edge_times(network, profile)
    index = network.index
    t_edge = np.array([t.edge for t in targets], dtype=np.int64)
    t_frac = np.array([t.fraction for t in targets], dtype=float)
    node, via, share = index.links(t_edge, t_frac, leave=False)
    cost = link_cost(via, share, node, times)
    out = np.full((len(origins), len(targets)), np.inf)
    for row in range(3):  # through each end of the target's edge, or its junction
        reach = node_dist[:, np.maximum(node[row], 0)] + cost[row]
        out = np.minimum(out, reach)
    o_edge = np.array([o.edge for o in origins], dtype=np.int64)[:, None]
    o_frac = np.array([o.fraction for o in origins], dtype=float)[:, None]
    d_via, start, end = index.direct(o_edge, o_frac, t_edge[None], t_frac[None])
    direct = np.where(d_via >= 0, (end - start) * times[np.maximum(d_via, 0)], np.inf)
    return np.minimum(out, direct)


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


def check_reach(network: RoadNetwork, snaps: list[Snap], names: list[str], profile: str = "car"
                ) -> None:
    """Raise :class:`InputError` for the first point the profile's vehicle cannot leave or reach.

    Only the truck's limits make a point so (:func:`wuling_geo.network.turns.stranded`): every
    road at it too low, narrow, short, light or closed to heavy goods vehicles. The message
    names the point, the limits and the setting to change.
    """
    turns.check_reach(network, snaps, names, profile)


@dataclass(frozen=True)
class Path:
    """A fastest path between two snapped points."""

    seconds: float
    meters: float
    geometry: shapely.LineString
    nodes: tuple[int, ...]


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
    index = network.index
    # On the target's own road (ahead, or behind on a two-way road): no search needed.
    d_via, start, end = index.direct(origin.edge, origin.fraction, target.edge, target.fraction)
    if d_via >= 0:
        e, span = int(d_via), float(end - start)
        geom = substring(geoms[e], float(start), float(end), normalized=True)
        return Path(span * times[e], span * lengths[e], geom, ())
    # --- turn hook
    if turns.applies(network, profile):
        try:
            seconds, meters, pieces, node_ids = turns.fastest_path(network, origin, target,
                                                                   profile, limit)
        except InputError as exc:
            why = barrier_reason(network, origin, target, profile) if limit is None else ""
            raise (InputError(why) if why else exc) from None
        parts: list[shapely.LineString] = [substring(geoms[e], a, b, normalized=True)
                                           for e, a, b in pieces]
        return Path(seconds, meters, _joined(parts, origin, target), node_ids)
    # --- end turn hook
    return _node_path(network, origin, target, profile, limit)


def barrier_reason(network: RoadNetwork, origin: Snap, target: Snap, profile: str) -> str:
    """Return why a target is unreachable when barriers are the cause, else ``""``.

    The fastest path ignoring turn rules and barriers is searched; the barriers on it that
    block ``profile`` are named, with their position, so a user sees what to move past.
    """
    try:
        free = _node_path(network, origin, target, profile, None)
    except InputError:
        return ""  # unreachable even without barriers: the plain message says why
    blocked = set(network.node_ids[turns.blocked_nodes(network, profile)].tolist())
    on_path = [n for n in free.nodes if n in blocked]
    if not on_path or network.barriers is None:
        return ""
    table = network.barriers.drop_duplicates("node").set_index("node")
    names = [f"{table.at[n, 'barrier']} at node {n} ({table.at[n, 'x']:.5f},"
             f"{table.at[n, 'y']:.5f})" for n in on_path[:3]]
    more = f" and {len(on_path) - 3} more" if len(on_path) > 3 else ""
    return (f"the destination cannot be reached by {profile}: the road there passes "
            f"barriers closed to it: {'; '.join(names)}{more}; choose a point on the near side")


def _node_path(network: RoadNetwork, origin: Snap, target: Snap, profile: str,
               limit: float | None) -> Path:
    """Return the node-based fastest path (no turn rules or barriers): see :func:`fastest_path`."""
    times = _edge_times(network, profile)
    lengths = network.edges["length"].to_numpy(dtype=float)
    geoms = network.edges.geometry.values
    index = network.index
    twin = index.twin
    n = len(network.nodes)
    graph = search_graph(network, [origin], profile, "from")
    dist, pred = csgraph.dijkstra(graph, directed=True, indices=n, return_predecessors=True,
                                  limit=np.inf if limit is None else float(limit))
    node, via, share = index.links([target.edge], [target.fraction], leave=False)
    cost = link_cost(via, share, node, times)[:, 0]
    options = [(dist[a] + c, int(a), int(e), float(f)) for a, e, f, c in
               zip(node[:, 0], via[:, 0], share[:, 0], cost, strict=True) if a >= 0]
    best, end_node, last_edge, frac = min(options, key=lambda o: o[0])
    if not np.isfinite(best):
        raise InputError("the destination cannot be reached by road from the origin "
                         "(different parts of the network, or one-way roads)")
    chain = [end_node]
    while chain[-1] != n:
        chain.append(int(pred[chain[-1]]))
    chain.reverse()  # virtual origin, first node, …, end_node
    parts = []
    meters = 0.0
    first = chain[1]
    # First partial edge: from the origin point to the first real node.
    back = int(twin[origin.edge])
    if first == int(network.edge_v[origin.edge]):
        parts.append(substring(geoms[origin.edge], origin.fraction, 1, normalized=True))
        meters += (1 - origin.fraction) * lengths[origin.edge]
    elif back >= 0 and origin.fraction > AT_NODE:
        parts.append(substring(geoms[back], 1 - origin.fraction, 1, normalized=True))
        meters += origin.fraction * lengths[back]
    # else: the origin is the junction itself (zero-length first link)
    for a, b in itertools.pairwise(chain[1:]):
        e = index.edge_between(a, b, profile)
        parts.append(geoms[e])
        meters += lengths[e]
    if last_edge >= 0:  # the last partial edge (none when the target is the junction itself)
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


