"""Edge-based (turn-expanded) search: exact fastest times under turn restrictions and barriers.

A *state* is a directed edge entered at its start: ``D[s]`` is the time at which the search
starts driving along the edge of state ``s``. A transition ``s → s'`` (the edge of ``s'``
starts where the edge of ``s`` ends) costs the travel time of the edge of ``s``; forbidden
turns are transitions that do not exist:

- a ``no_*`` restriction via a node removes the pair (from edge, to edge); ``only_*``
  removes every other pair leaving the via node from the from edge;
- a restriction via a way (a chain of edges) duplicates the chain's states: the from edge
  leads only into the copies, and the copy of the chain's last edge has the forbidden exit
  removed (``no_*``) or only the allowed one (``only_*``); leaving the chain part-way drops
  back to the ordinary states, so the restriction is exact and applies to nothing else;
- a barrier that blocks the profile removes every pair through its node but the U-turn;
  for the truck, so does a barrier whose ``maxheight``/``maxwidth`` is below the vehicle's;
- with turn costs (``network.meta["turn_costs"]``, from the profile's ``[turn_costs]``), a
  transition also costs its turn by angle (:func:`turn_costs`): left, right, U-turn;
- an edge the truck may not enter (:mod:`wuling_geo.network.truck_limits`: a ``maxheight``,
  ``maxwidth``, ``maxlength`` or ``maxweight`` below the vehicle's, or ``hgv=no``) is
  *closed*: no transition enters it. A point on a closed edge may still drive off along it
  (the truck is already there), but no route enters one.

The truck's dimensions are read from :mod:`wuling_geo.settings` when its rules are resolved
and are part of the key under which rules and graphs are kept, so a change of vehicle never
reuses another vehicle's graph.

Searches run on scipy's compiled Dijkstra over the states' CSR matrix (built once per
profile and cached on the network); those that need no path run on the same graph shrunk
to the junctions with rules (:mod:`wuling_geo.network.turn_compact`, the same times).
Node times are the best arrival over the edges into a node; points part-way along an edge
are read from the state of that edge, so a target behind a forbidden turn is never
reached through it. :mod:`wuling_geo.network.routing`
switches to these functions when a network has rules for the profile.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pyproj import Geod
from scipy.sparse import csgraph

from wuling_geo._util.errors import InputError
from wuling_geo._util.spans import spans
from wuling_geo.network import turn_compact
from wuling_geo.network.model import RoadNetwork, Snap
from wuling_geo.network.truck_limits import (
    LIMIT_COLUMNS,
    Vehicle,
    barrier_too_small,
    closed_reasons,
    vehicle_for,
    why_text,
)

_AT_NODE = 1e-9
_TINY = 1e-9
_GEOD = Geod(ellps="WGS84")
_NO_WAY = np.iinfo(np.int64).min  # an edge without a way id (OSM ids may be negative)


@dataclass(frozen=True)
class Chain:
    """A restriction via a way, resolved to edges: from edge, via edges, to edge."""

    kind: str
    start: int
    via: tuple[int, ...]
    end: int


@dataclass(frozen=True)
class Rules:
    """A profile's resolved rules: banned edge pairs, via-way chains and closed edges."""

    banned: np.ndarray  # keys from_edge * m + to_edge, sorted, unique
    chains: tuple[Chain, ...]
    closed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # sorted

    def __bool__(self) -> bool:
        return bool(len(self.banned) or self.chains or len(self.closed))


@dataclass(frozen=True)
class TurnGraph:
    """The turn-expanded graph of one profile (see the module docstring)."""

    matrix: sp.csr_matrix  # states × states
    state_edge: np.ndarray  # the edge of each state (the first m states are the edges)
    times: np.ndarray  # edge travel times (s)
    closed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # edges

    @property
    def size(self) -> int:
        """Return the number of states."""
        return len(self.state_edge)

    @cached_property
    def by_edge(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (states sorted by edge, start offset of each edge): the states of each edge."""
        order = np.argsort(self.state_edge, kind="stable")
        return order, np.searchsorted(self.state_edge[order], np.arange(len(self.times) + 1))


# ------------------------------------------------------------------ resolving the rules

def _out_edges(network: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Return (edges sorted by start node, start offset of each node) — a CSR of edges."""
    def build() -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(network.edge_u, kind="stable")
        return order, np.searchsorted(network.edge_u[order], np.arange(len(network.nodes) + 1))

    return network.index.memo("turn_out_edges", build)


def _edge_lookup(network: RoadNetwork) -> tuple[dict, dict]:
    """Return maps (way id, end node id) → edges ending there, (way, start node) → starting.

    Only the ways the restrictions name as ``from`` or ``to`` are mapped.
    """
    table = network.restrictions
    named = (np.zeros(0, dtype=np.int64) if table is None or not len(table) else
             np.unique(np.r_[table["from_way"].to_numpy(dtype=np.int64),
                             table["to_way"].to_numpy(dtype=np.int64)]))

    def build() -> tuple[dict, dict]:
        way, _ = _way_edges(network)
        ok = np.isin(way, named)
        e = np.flatnonzero(ok).tolist()
        w = way[ok].tolist()
        ends: dict[tuple[int, int], list[int]] = {}
        starts: dict[tuple[int, int], list[int]] = {}
        for key, edge in zip(zip(w, network.edges["v"].to_numpy()[ok].tolist(), strict=True), e,
                             strict=True):
            ends.setdefault(key, []).append(edge)
        for key, edge in zip(zip(w, network.edges["u"].to_numpy()[ok].tolist(), strict=True), e,
                             strict=True):
            starts.setdefault(key, []).append(edge)
        return ends, starts

    return network.index.memo(("turn_edge_lookup", tuple(named.tolist())), build)


def _way_edges(network: RoadNetwork) -> tuple[np.ndarray, dict[int, list[int]]]:
    """Return each edge's way id (:data:`_NO_WAY` if none) and the edges of each way id."""
    def build() -> tuple[np.ndarray, dict[int, list[int]]]:
        edges = network.edges
        way = np.full(len(edges), _NO_WAY, dtype=np.int64)
        if "way_id" in edges:
            ok = edges["way_id"].notna().to_numpy()
            way[ok] = edges["way_id"][ok].to_numpy().astype(np.int64)
        of_way: dict[int, list[int]] = {}
        for e, w in enumerate(way.tolist()):
            if w != _NO_WAY:
                of_way.setdefault(w, []).append(e)
        return way, of_way

    return network.index.memo("turn_way_edges", build)


def resolve(network: RoadNetwork, profile: str) -> tuple[Rules, Counter, np.ndarray]:
    """Resolve the network's restrictions and barriers to edges for ``profile``.

    Returns
    -------
    tuple
        The :class:`Rules`, a count of what could not be resolved (by reason) and a boolean
        mask of the restriction rows that were applied.
    """
    m = len(network.edges)
    pairs: list[np.ndarray] = []
    chains: list[Chain] = []
    skipped: Counter = Counter()
    table = network.restrictions
    used = np.zeros(0 if table is None else len(table), dtype=bool)
    order, start = _out_edges(network)
    position = network.node_position
    if table is not None and len(table):
        ends, starts = _edge_lookup(network)
        kept_ways = {w for w, _ in starts}
        for i, row in enumerate(table.itertuples(index=False)):
            if not getattr(row, profile):
                continue
            via = [int(x) for x in row.via]
            if row.via_kind == "node":
                froms = ends.get((int(row.from_way), via[0]), [])
                tos = starts.get((int(row.to_way), via[0]), [])
                # An only_* whose to way is not in the network at all (outside the area, or
                # cut off with a part not strongly connected) still forbids every exit there.
                gone = row.kind == "only" and int(row.to_way) not in kept_ways
                if not froms or not (tos or gone):
                    skipped["via node not on both ways (or outside the area)"] += 1
                    continue
                at = int(position[via[0]])
                leaving = order[start[at]:start[at + 1]]
                bad = ([(f, t) for f in froms for t in tos] if row.kind == "no" else
                       [(f, x) for f in froms for x in leaving if x not in tos])
                if bad:
                    pairs.append(np.asarray([f * m + t for f, t in bad], dtype=np.int64))
                used[i] = True
            else:
                chain = _via_way_chain(network, ends, starts, int(row.from_way), via,
                                       int(row.to_way), str(row.kind))
                if chain is None:
                    skipped["via ways not one clean chain"] += 1
                    continue
                chains.append(chain)
                used[i] = True
    vehicle = vehicle_for(profile)
    closed = (np.flatnonzero(_closed_reasons(network, vehicle)) if vehicle is not None
              else np.zeros(0, dtype=np.int64))
    blocked = blocked_nodes(network, profile)
    if len(blocked):
        twin = network.index.twin
        into = np.flatnonzero(np.isin(network.edge_v, blocked))
        for e in into:
            at = int(network.edge_v[e])
            leaving = order[start[at]:start[at + 1]]
            leaving = leaving[leaving != twin[e]]  # turning back at a barrier is allowed
            pairs.append(e * m + leaving.astype(np.int64))
    banned = np.unique(np.concatenate(pairs)) if pairs else np.zeros(0, dtype=np.int64)
    seen: set[tuple[int, int]] = set()
    kept = []
    for c in chains:  # two chains from one edge into one via edge would need nested copies
        if (c.start, c.via[0]) in seen:
            skipped["via-way restrictions overlapping another"] += 1
            continue
        seen.add((c.start, c.via[0]))
        kept.append(c)
    return Rules(banned, tuple(kept), closed.astype(np.int64)), skipped, used


def _closed_reasons(network: RoadNetwork, vehicle: Vehicle | None) -> np.ndarray:
    """Return (and keep) per edge why ``vehicle`` may not enter it (0: open; see truck_limits)."""
    if vehicle is None:
        return np.zeros(len(network.edges), dtype=np.uint8)
    return network.index.memo(("truck_closed", vehicle),
                              lambda: closed_reasons(network.edges, vehicle))


def blocked_nodes(network: RoadNetwork, profile: str) -> np.ndarray:
    """Return the node positions of barriers that block ``profile`` (the truck: by size too)."""
    table = network.barriers
    if table is None or not len(table) or profile not in table:
        return np.zeros(0, dtype=np.int64)
    stop = ~table[profile].astype(bool).to_numpy()
    vehicle = vehicle_for(profile)
    if vehicle is not None:
        stop |= barrier_too_small(table, vehicle) > 0
    ids = table.loc[stop, "node"].to_numpy(dtype=np.int64)
    ids = ids[np.isin(ids, network.node_ids)]
    return network.node_position.loc[ids].to_numpy(dtype=np.int64)


def _via_way_chain(network: RoadNetwork, ends: dict, starts: dict, from_way: int,
                   via_ways: list[int], to_way: int, kind: str) -> Chain | None:
    """Return the one chain of edges from ``from_way`` along the via ways to ``to_way``."""
    u_ids, v_ids = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    way_of, of_way = _way_edges(network)
    via_edges = [e for w in dict.fromkeys(via_ways) for e in of_way.get(w, [])]
    by_start: dict[int, list[int]] = {}
    for e in via_edges:
        by_start.setdefault(int(u_ids[e]), []).append(e)
    found: list[Chain] = []
    for node in by_start:
        for f in ends.get((from_way, node), []):
            stack: list[tuple[int, tuple[int, ...]]] = [(node, ())]
            while stack:
                at, path = stack.pop()
                for e in by_start.get(at, []):
                    if e in path or len(path) > 50:
                        continue
                    nxt = int(v_ids[e])
                    new = (*path, e)
                    for t in starts.get((to_way, nxt), []):
                        if t not in new:
                            found.append(Chain(kind, f, new, t))
                    stack.append((nxt, new))
    found = [c for c in found if set(way_of[list(c.via)].tolist()) == set(via_ways)]
    return found[0] if len(found) == 1 else None


def _key(profile: str) -> tuple[str, Vehicle | None]:
    """Return the memo key of ``profile``'s rules: the profile and its vehicle (settings now)."""
    return profile, vehicle_for(profile)


def rules(network: RoadNetwork, profile: str) -> Rules:
    """Return (and keep in the network's index) the resolved :class:`Rules` of ``profile``."""
    return network.index.memo(("turn_rules", *_key(profile)),
                              lambda: resolve(network, profile)[0])


def applies(network: RoadNetwork, profile: str) -> bool:
    """Whether searches for ``profile`` on this network must be edge-based."""
    if network.meta.get("turn_costs"):
        return True
    if (network.restrictions is None and network.barriers is None
            and vehicle_for(profile) is None):
        return False
    return bool(rules(network, profile))


# ------------------------------------------------------------------ the expanded graph

def turn_graph(network: RoadNetwork, profile: str = "car") -> TurnGraph:
    """Return (and keep in the network's index) the turn-expanded graph of ``profile``."""
    return network.index.memo(("turn_graph", *_key(profile)),
                              lambda: _build_turn_graph(network, profile))


def _build_turn_graph(network: RoadNetwork, profile: str) -> TurnGraph:
    times = network.travel_time(profile)
    rule = rules(network, profile)
    m = len(times)
    order, start = _out_edges(network)
    count = (start[1:] - start[:-1])[network.edge_v]
    rows = np.repeat(np.arange(m, dtype=np.int64), count)
    cols = order[spans(start[network.edge_v], count)].astype(np.int64)
    if len(rule.banned):
        keep = ~np.isin(rows * m + cols, rule.banned)
        rows, cols = rows[keep], cols[keep]
    state_edge = list(range(m))
    extra_r: list[int] = []
    extra_c: list[int] = []
    if rule.chains:
        base = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, m))
        drop: list[int] = []
        for chain in rule.chains:
            copies = [len(state_edge) + i for i in range(len(chain.via))]
            state_edge.extend(chain.via)
            drop.append(chain.start * m + chain.via[0])
            extra_r.append(chain.start)
            extra_c.append(copies[0])
            for i, (edge, copy) in enumerate(zip(chain.via, copies, strict=True)):
                nxt = base.indices[base.indptr[edge]:base.indptr[edge + 1]].tolist()
                if i + 1 < len(chain.via):
                    nxt = [copies[i + 1] if x == chain.via[i + 1] else x for x in nxt]
                elif chain.kind == "no":
                    nxt = [x for x in nxt if x != chain.end]
                else:
                    nxt = [x for x in nxt if x == chain.end]
                extra_r.extend([copy] * len(nxt))
                extra_c.extend(nxt)
        keep = ~np.isin(rows * m + cols, np.asarray(drop, dtype=np.int64))
        rows, cols = rows[keep], cols[keep]
    state_edge_arr = np.asarray(state_edge, dtype=np.int64)
    rows = np.r_[rows, np.asarray(extra_r, dtype=np.int64)]
    cols = np.r_[cols, np.asarray(extra_c, dtype=np.int64)]
    if len(rule.closed):  # closed to the vehicle: no transition enters the edge or its copies
        keep = ~np.isin(state_edge_arr[cols], rule.closed)
        rows, cols = rows[keep], cols[keep]
    weight = np.maximum(times[state_edge_arr[rows]], _TINY)
    costs = network.meta.get("turn_costs")
    if costs:
        weight = weight + turn_costs(network, state_edge_arr[rows], state_edge_arr[cols], costs)
    size = len(state_edge_arr)
    matrix = sp.csr_matrix((weight, (rows, cols)), shape=(size, size))
    return TurnGraph(matrix, state_edge_arr, times, closed=rule.closed)


def edge_bearings(network: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Return each edge's bearing (degrees from north) leaving its start and entering its end."""
    def build() -> tuple[np.ndarray, np.ndarray]:
        geoms = network.edges.geometry.values
        x = [shapely.get_x(shapely.get_point(geoms, i)) for i in (0, 1, -2, -1)]
        y = [shapely.get_y(shapely.get_point(geoms, i)) for i in (0, 1, -2, -1)]
        start, _, _ = _GEOD.inv(x[0], y[0], x[1], y[1])
        end, _, _ = _GEOD.inv(x[2], y[2], x[3], y[3])
        return np.asarray(start, dtype=float), np.asarray(end, dtype=float)

    return network.index.memo("edge_bearings", build)


def turn_angle(network: RoadNetwork, into: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Return the turn (degrees in [-180, 180)) from edges ``into`` onto edges ``out``.

    Positive turns are to the right (clockwise), negative to the left, 0 straight on.
    """
    start, end = edge_bearings(network)
    return (start[out] - end[into] + 180.0) % 360.0 - 180.0


def _road_count(network: RoadNetwork) -> np.ndarray:
    """Return per node how many roads (distinct neighbouring nodes) meet there."""
    def build() -> np.ndarray:
        u, v = network.edge_u, network.edge_v
        pairs = np.unique(np.c_[np.minimum(u, v), np.maximum(u, v)], axis=0)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        return np.bincount(pairs.ravel(), minlength=len(network.nodes))

    return network.index.memo("turn_road_count", build)


def turn_costs(network: RoadNetwork, into: np.ndarray, out: np.ndarray,
               costs: dict[str, float]) -> np.ndarray:
    """Return the cost (s) of turning from edges ``into`` onto edges ``out``.

    The profile's ``[turn_costs]`` (``turn_s``, ``bias``, ``u_turn_s``; see ``speeds.toml``):
    a sigmoid of the angle, left turns dearer than right ones for ``bias`` > 1, charged
    where three or more roads meet; a U-turn (onto the same road back) adds ``u_turn_s``
    wherever it is made.
    """
    angle = turn_angle(network, into, out)
    turn_s, bias, u_turn_s = costs["turn_s"], costs["bias"], costs["u_turn_s"]
    right = angle >= 0
    share = np.abs(angle) / 180.0
    exponent = np.where(right, 13.0 * share / bias - 6.5 * bias, 13.0 * share * bias - 6.5 / bias)
    cost = turn_s / (1.0 + np.exp(-exponent))
    u_turn = network.index.twin[into] == out
    junction = _road_count(network)[network.edge_v[into]] > 2
    return np.where(junction | u_turn, cost, 0.0) + np.where(u_turn, u_turn_s, 0.0)


def _positions(start: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the positions of ``groups`` in a grouped array, and each one's entry in ``groups``.

    ``start``: the offset of each group (a CSR ``indptr``).
    """
    lo = start[groups]
    count = start[groups + 1] - lo
    return spans(lo, count), np.repeat(np.arange(len(groups)), count)


def _in_edges(network: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Return (edges sorted by end node, start offset of each node) — a CSR of edges into nodes."""
    def build() -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(network.edge_v, kind="stable")
        return order, np.searchsorted(network.edge_v[order], np.arange(len(network.nodes) + 1))

    return network.index.memo("turn_in_edges", build)


def _states_of(graph: TurnGraph, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the states of ``edges`` (copies included) and each one's entry in ``edges``."""
    order, start = graph.by_edge
    pos, which = _positions(start, edges)
    return order[pos], which


def _states_into(network: RoadNetwork, graph: TurnGraph, nodes: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return the states whose edge ends at ``nodes`` and each one's entry in ``nodes``."""
    order, start = _in_edges(network)
    pos, which = _positions(start, nodes)
    states, inner = _states_of(graph, order[pos])
    return states, which[inner]


def _links(network: RoadNetwork, graph: TurnGraph, snaps: list[Snap], direction: str
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the links joining snapped points to the states (see the module docstring).

    One entry per (point, state), sorted by point then state: the point's index, the state,
    the seconds and (``"from"``) the metres driven on the point's own road before the
    state starts (0 through a junction; of equal links the one over the point's own edge,
    then its twin, then a junction).
    """
    times = graph.times
    lengths = network.edges["length"].to_numpy(dtype=float)
    e = np.fromiter((s.edge for s in snaps), dtype=np.int64, count=len(snaps))
    f = np.fromiter((s.fraction for s in snaps), dtype=float, count=len(snaps))
    tw = network.index.twin[e]
    idx = np.arange(len(snaps))
    ends = ((network.edge_u[e], f <= _AT_NODE), (network.edge_v[e], f >= 1 - _AT_NODE))
    parts: list[tuple[np.ndarray, ...]] = []
    if direction == "from":
        mat = graph.matrix
        for rank, (edge, done, ok) in enumerate(((e, f, tw == tw), (tw, 1 - f, tw >= 0))):
            edge, done, who = edge[ok], done[ok], idx[ok]
            pos, w = _positions(mat.indptr, edge)
            parts.append((who[w], mat.indices[pos].astype(np.int64),
                          mat.data[pos] - (done * times[edge])[w],
                          ((1 - done) * lengths[edge])[w], np.full(len(w), rank)))
        order, start = _out_edges(network)
        for rank, (at, near) in enumerate(ends, start=2):
            pos, w = _positions(start, at[near])
            leaving = order[pos].astype(np.int64)
            # never onto an edge closed to the vehicle, but off along the point's own road
            ok = (~np.isin(leaving, graph.closed) | (leaving == e[near][w])
                  | (leaving == tw[near][w])) if len(graph.closed) else slice(None)
            w, leaving = w[ok], leaving[ok]
            parts.append((idx[near][w], leaving, np.zeros(len(w)), np.zeros(len(w)),
                          np.full(len(w), rank)))
    else:
        ok = tw >= 0
        parts.append((idx, e, f * times[e], np.zeros(len(e)), np.zeros(len(e), dtype=int)))
        parts.append((idx[ok], tw[ok], (1 - f[ok]) * times[tw[ok]], np.zeros(int(ok.sum())),
                      np.ones(int(ok.sum()), dtype=int)))
        for rank, (at, near) in enumerate(ends, start=2):
            states, w = _states_into(network, graph, at[near])
            parts.append((idx[near][w], states, times[graph.state_edge[states]],
                          np.zeros(len(w)), np.full(len(w), rank)))
    point, state, seconds, metres, ranks = (np.concatenate(x) for x in zip(*parts, strict=True))
    seconds = np.maximum(seconds, _TINY)
    key = point * graph.size + state
    order = np.lexsort((ranks, seconds, key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]] if len(order) else order
    return point[first], state[first], seconds[first], metres[first]


def search_matrix(network: RoadNetwork, snaps: list[Snap], profile: str, direction: str,
                  links: tuple[np.ndarray, ...] | None = None) -> tuple[sp.csr_matrix, int]:
    """Return the states' CSR (transposed for ``"to"``) with one source per snap appended.

    ``links``: the snaps' :func:`_links`, when already known. The sources' rows are
    appended to the cached matrix's arrays, so a search costs no sparse-matrix arithmetic.
    """
    graph = turn_graph(network, profile)
    base = graph.matrix if direction == "from" else network.index.memo(
        ("turn_graph_reversed", profile), lambda: graph.matrix.T.tocsr())
    size, k = graph.size, len(snaps)
    point, state, seconds, _ = _links(network, graph, snaps, direction) if links is None \
        else links
    ends = base.nnz + np.cumsum(np.bincount(point, minlength=k))
    indptr = np.r_[base.indptr, ends].astype(base.indptr.dtype)
    matrix = sp.csr_matrix((np.r_[base.data, seconds],
                            np.r_[base.indices, state.astype(base.indices.dtype)], indptr),
                           shape=(size + k, size + k))
    return matrix, size


def _direct(network: RoadNetwork, snaps: list[Snap], times: np.ndarray, direction: str,
            out: np.ndarray) -> None:
    """Lower node times by the points' own edges (reached without any turn)."""
    twin = network.index.twin
    for i, s in enumerate(snaps):
        u, v = int(network.edge_u[s.edge]), int(network.edge_v[s.edge])
        if direction == "from":
            out[i, v] = min(out[i, v], (1 - s.fraction) * times[s.edge])
            if twin[s.edge] >= 0:
                out[i, u] = min(out[i, u], s.fraction * times[twin[s.edge]])
        if s.fraction <= _AT_NODE:
            out[i, u] = 0.0
        if s.fraction >= 1 - _AT_NODE:
            out[i, v] = 0.0


def stranded(network: RoadNetwork, snap: Snap, profile: str = "truck", direction: str = "from"
             ) -> str | None:
    """Return why the profile's vehicle can drive nowhere from (or to) a point, or ``None``.

    A point is cut off when no transition leads off its own road (``"from"``; ``"to"``: onto
    it) and at least one road at its ends is closed to the vehicle or passes a barrier too
    small for it; the reason names the limits and the setting to change. Points cut off by
    one-way roads or turn restrictions alone are not this (``None``).
    """
    vehicle = vehicle_for(profile)
    if vehicle is None or not applies(network, profile):
        return None
    graph = turn_graph(network, profile)
    e, f = snap.edge, snap.fraction
    twin = int(network.index.twin[e])
    own = np.asarray([x for x in (e, twin) if x >= 0], dtype=np.int64)
    if direction == "from":
        mat = graph.matrix
    else:
        mat = network.index.memo(("turn_graph_T", *_key(profile)),
                                 lambda: graph.matrix.T.tocsr())
    nxt = np.concatenate([mat.indices[mat.indptr[x]:mat.indptr[x + 1]] for x in own])
    # (backwards, a closed edge still leads on: only entering it is forbidden)
    if np.setdiff1d(graph.state_edge[nxt], np.r_[own, graph.closed]).size:
        return None
    ends = np.unique([network.edge_u[e], network.edge_v[e]])
    side = network.edge_u if direction == "from" else network.edge_v
    raw = np.setdiff1d(np.flatnonzero(np.isin(side, ends)), own)
    reasons = _closed_reasons(network, vehicle)[raw]
    near = [n for n, is_near in ((network.edge_u[e], f <= _AT_NODE),
                                 (network.edge_v[e], f >= 1 - _AT_NODE)) if is_near]
    if direction == "from" and np.any(np.isin(side[raw], near) & (reasons == 0)):
        return None  # a junction point drives straight onto an open road
    table = network.barriers
    lows = pd.DataFrame(columns=["barrier", "maxheight", "maxwidth"])
    if table is not None and len(table):
        at = table[table["node"].isin(network.node_ids[ends])]
        lows = at[barrier_too_small(at, vehicle) > 0]
    if not (reasons > 0).any() and not len(lows):
        return None
    closed = network.edges.iloc[raw[reasons > 0]]
    limits = pd.DataFrame({c: closed[c].to_numpy(dtype=float) if c in closed else np.nan
                           for c in LIMIT_COLUMNS})
    bits = reasons[reasons > 0]
    if len(lows):
        limits = pd.concat([limits, pd.DataFrame({"maxheight": lows["maxheight"].to_numpy(float),
                                                  "maxwidth": lows["maxwidth"].to_numpy(float)})],
                           ignore_index=True)
        bits = np.r_[bits, barrier_too_small(lows, vehicle)]
    why, fix = why_text(bits, limits.reset_index(drop=True), vehicle)
    if len(lows):
        kinds = ", ".join(sorted(set(lows["barrier"].astype(str))))
        why += f" (counting {len(lows)} {kinds} at its ends)"
    size = vehicle.describe(int(np.bitwise_or.reduce(bits)))
    truck = f"a truck {size}" if size else "a truck"
    if direction == "from":
        return (f"nothing is reachable for {truck}: every road leaving the origin is closed to "
                f"it ({why}); {fix}")
    return (f"{truck} cannot reach the destination: every road into it is closed to it "
            f"({why}); {fix}")


def check_reach(network: RoadNetwork, snaps: list[Snap], names: list[str], profile: str,
                directions: tuple[str, ...] = ("from", "to")) -> None:
    """Raise :class:`InputError` naming the first point the profile's vehicle cannot leave/reach.

    See :func:`stranded`; a cheap check (no search) for the places a plan must start or end at.
    """
    if vehicle_for(profile) is None or not applies(network, profile):
        return
    for snap, name in zip(snaps, names, strict=True):
        for direction in directions:
            why = stranded(network, snap, profile, direction)
            if why is not None:
                raise InputError(f"{name}: {why}")


def state_times(network: RoadNetwork, snaps: list[Snap], profile: str = "car",
                limit: float | None = None, direction: str = "from",
                predecessors: bool = False):
    """Return state times (snaps × states) and optionally the search's predecessors.

    Without predecessors, a search from the snaps runs on the shrunk graph
    (:mod:`wuling_geo.network.turn_compact`; the same times) when it has one.

    Raises
    ------
    InputError
        If the vehicle can drive nowhere from (or to) every one of the points
        (:func:`stranded`): the message says which limit and setting.
    """
    _check_stranded(network, snaps, profile, direction)
    if direction == "from" and not predecessors:
        compact = _compact(network, profile)
        if compact is not None:
            graph = turn_graph(network, profile)
            return turn_compact.state_times(compact, _links(network, graph, snaps, "from"),
                                            len(snaps), limit)
    matrix, size = search_matrix(network, snaps, profile, direction)
    got = csgraph.dijkstra(matrix, directed=True, indices=np.arange(size, size + len(snaps)),
                           limit=np.inf if limit is None else float(limit),
                           return_predecessors=predecessors)
    if predecessors:
        return got[0][:, :size], got[1]
    return got[:, :size]


def _check_stranded(network: RoadNetwork, snaps: list[Snap], profile: str, direction: str
                    ) -> None:
    """Raise :class:`InputError` when the vehicle is cut off at every one of the points."""
    if snaps and vehicle_for(profile) is not None:
        why = None
        for snap in snaps:  # stops at the first point that is not cut off
            why = stranded(network, snap, profile, direction)
            if why is None:
                break
        if why is not None:
            raise InputError(why)


def _compact(network: RoadNetwork, profile: str) -> turn_compact.Compact | None:
    """Return (and keep in the network's index) the shrunk turn graph of ``profile``."""
    def build() -> turn_compact.Compact | None:
        graph = turn_graph(network, profile)
        return turn_compact.build(network, graph.matrix, graph.state_edge, graph.times)

    return network.index.memo(("turn_compact", profile), build)


def _group_min(values: np.ndarray, group: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return per group the minimum of ``values`` (rows × items) and the arg (-1 if none)."""
    order = np.argsort(group, kind="stable")
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, int)
    out = np.full((values.shape[0], n), np.inf)
    arg = np.full((values.shape[0], n), -1, dtype=np.int64)
    if len(g):
        v = values[:, order]
        out[:, g[starts]] = np.minimum.reduceat(v, starts, axis=1)
        # argmin per group: the first item equal to the minimum
        best = np.repeat(out[:, g[starts]], np.diff(np.r_[starts, len(g)]), axis=1)
        hit = np.where(v == best, np.arange(len(g))[None, :], len(g))
        first = np.minimum.reduceat(hit, starts, axis=1)
        arg[:, g[starts]] = np.where(first < len(g), order[np.minimum(first, len(g) - 1)], -1)
    return out, arg


def node_times(network: RoadNetwork, snaps: list[Snap], profile: str = "car",
               limit: float | None = None, direction: str = "from", edges: bool = False):
    """Edge-based :func:`wuling_geo.network.routing.node_times` (same contract).

    With ``edges=True`` also return the :func:`outer_times` of every edge.
    """
    graph = turn_graph(network, profile)
    compact = _compact(network, profile) if direction == "from" else None
    if compact is not None and compact.exact_arrivals:  # node times from the shrunk graph
        _check_stranded(network, snaps, profile, direction)  # (state_times checks the rest)
        links = _links(network, graph, snaps, "from")
        value = turn_compact.vertex_times(compact, links, len(snaps), limit)
        nodes = turn_compact.arrivals(compact, value, len(network.nodes))
        _direct(network, snaps, graph.times, direction, nodes)
        if limit is not None:
            nodes[nodes > limit] = np.inf
        if not edges:
            return nodes
        dist = turn_compact.states_from(compact, value, links, limit)
        return nodes, outer_times(graph, dist, direction, limit)
    dist = state_times(network, snaps, profile, limit, direction)
    nodes = _nodes_from_states(network, graph, dist, snaps, limit, direction)
    return (nodes, outer_times(graph, dist, direction, limit)) if edges else nodes


def outer_times(graph: TurnGraph, dist: np.ndarray, direction: str,
                limit: float | None = None) -> np.ndarray:
    """Return per edge when its far side is left: the time to drive it from its start.

    ``"from"``: the time at which driving along the edge starts (its entry time, which
    may be later than its start node's time when a turn onto it is forbidden); ``"to"``:
    the time from the edge's end onward to the targets, having driven the edge (so a
    forbidden turn after it counts). The node-based search's equivalents are the node
    times of the edges' start (``"from"``) or end (``"to"``) nodes.
    """
    out = edge_entry(graph, np.atleast_2d(dist))
    if direction == "to":
        out = out - graph.times[None, :]
    if limit is not None:
        out[out > limit] = np.inf
    return out if np.ndim(dist) == 2 else out[0]


def _nodes_from_states(network: RoadNetwork, graph: TurnGraph, dist: np.ndarray,
                       snaps: list[Snap], limit: float | None, direction: str) -> np.ndarray:
    if direction == "from":  # the best arrival over the edges into each node
        out = _node_min(network, edge_entry(graph, dist) + graph.times[None, :], _in_edges)
    else:
        out = _node_min(network, dist[:, :len(graph.times)], _out_edges)
    _direct(network, snaps, graph.times, direction, out)
    if limit is not None:
        out[out > limit] = np.inf
    return out


def _node_min(network: RoadNetwork, values: np.ndarray, grouping) -> np.ndarray:
    """Return per node the minimum of ``values`` (rows × edges) over its edges (``inf`` if none).

    ``grouping``: :func:`_in_edges` or :func:`_out_edges` (edges sorted by node, offsets).
    """
    order, start = grouping(network)
    out = np.full((values.shape[0], len(network.nodes)), np.inf)
    has = np.flatnonzero(start[1:] > start[:-1])
    if len(has):
        out[:, has] = np.minimum.reduceat(values[:, order], start[has], axis=1)
    return out


def nearest_times(network: RoadNetwork, snaps: list[Snap], profile: str = "car",
                  limit: float | None = None, direction: str = "from", edges: bool = False):
    """Edge-based :func:`wuling_geo.network.routing.nearest_times` (same contract).

    With ``edges=True`` also return the :func:`outer_times` of every edge.
    """
    graph = turn_graph(network, profile)
    matrix, size = search_matrix(network, snaps, profile, direction)
    dist, _, source = csgraph.dijkstra(matrix, directed=True,
                                       indices=np.arange(size, size + len(snaps)),
                                       limit=np.inf if limit is None else float(limit),
                                       min_only=True, return_predecessors=True)
    dist, source = dist[:size], source[:size]
    n = len(network.nodes)
    if direction == "from":
        value = dist + graph.times[graph.state_edge]
        out, arg = _group_min(value[None, :], network.edge_v[graph.state_edge], n)
    else:
        m = len(graph.times)
        out, arg = _group_min(dist[None, :m], network.edge_u, n)
    which = np.where(arg[0] >= 0, source[np.maximum(arg[0], 0)] - size, -1)
    which[~np.isfinite(out[0])] = -1
    # Each point's own edge, without a turn, when it beats the search.
    single = np.full((len(snaps), n), np.inf)
    _direct(network, snaps, graph.times, direction, single)
    best = single.argmin(axis=0)
    low = single[best, np.arange(n)]
    better = low < out[0]
    out[0, better] = low[better]
    which[better] = best[better]
    times = out[0]
    if limit is not None:
        which[times > limit] = -1
        times[times > limit] = np.inf
    if edges:
        return times, which, outer_times(graph, dist, direction, limit)
    return times, which


def edge_entry(graph: TurnGraph, dist: np.ndarray) -> np.ndarray:
    """Return per edge the best state time (copies of via-way chains included)."""
    m = len(graph.times)
    out = dist[:, :m].copy()
    if graph.size > m:
        np.minimum.at(out.T, graph.state_edge[m:], dist[:, m:].T)
    return out


def times_to_points(network: RoadNetwork, graph: TurnGraph, dist: np.ndarray, origins: list[Snap],
                    targets: list[Snap]) -> np.ndarray:
    """Return origin→target seconds from the origins' state times ``dist``.

    A target is reached over its own edge, its twin, or (at a junction) the node; an origin
    on the target's road drives along it (the index's point rule).
    """
    times = graph.times
    twin = network.index.twin
    entry = edge_entry(graph, dist)
    te = np.fromiter((t.edge for t in targets), dtype=np.int64, count=len(targets))
    tf = np.fromiter((t.fraction for t in targets), dtype=float, count=len(targets))
    out = entry[:, te] + tf * times[te]
    j = np.flatnonzero(twin[te] >= 0)
    back = twin[te[j]]
    out[:, j] = np.minimum(out[:, j], entry[:, back] + (1 - tf[j]) * times[back])
    ends = ((network.edge_u[te], tf <= _AT_NODE), (network.edge_v[te], tf >= 1 - _AT_NODE))
    if any(near.any() for _, near in ends):  # a target at a junction: its node's time
        nodes = _nodes_from_states(network, graph, dist, origins, None, "from")
        for at, near in ends:
            out[:, near] = np.minimum(out[:, near], nodes[:, at[near]])
    oe = np.fromiter((o.edge for o in origins), dtype=np.int64, count=len(origins))
    of = np.fromiter((o.fraction for o in origins), dtype=float, count=len(origins))
    via, start, end = network.index.direct(oe[:, None], of[:, None], te[None], tf[None])
    return np.minimum(out, np.where(via >= 0, (end - start) * times[np.maximum(via, 0)], np.inf))


def travel_time_matrix(network: RoadNetwork, origins: list[Snap], targets: list[Snap],
                       profile: str = "car") -> np.ndarray:
    """Edge-based :func:`wuling_geo.network.routing.travel_time_matrix`."""
    graph = turn_graph(network, profile)
    compact = _compact(network, profile)
    if compact is not None:
        return _compact_matrix(network, graph, compact, origins, targets)
    return times_to_points(network, graph, state_times(network, origins, profile), origins,
                           targets)


def _compact_matrix(network: RoadNetwork, graph: TurnGraph, compact: turn_compact.Compact,
                    origins: list[Snap], targets: list[Snap]) -> np.ndarray:
    """Return :func:`times_to_points`'s answer reading only the states the targets need."""
    times = graph.times
    twin = network.index.twin
    te = np.fromiter((t.edge for t in targets), dtype=np.int64, count=len(targets))
    tf = np.fromiter((t.fraction for t in targets), dtype=float, count=len(targets))
    ends = ((network.edge_u[te], tf <= _AT_NODE), (network.edge_v[te], tf >= 1 - _AT_NODE))
    need = np.unique(np.r_[te, twin[te][twin[te] >= 0]])
    nodes = np.unique(np.concatenate([at[near] for at, near in ends]))
    s_e, w_e = _states_of(graph, need)
    s_n, w_n = _states_into(network, graph, nodes)
    k = len(origins)
    got = turn_compact.times_at(compact, _links(network, graph, origins, "from"), k,
                                np.r_[s_e, s_n])
    entry = _min_by(got[:, :len(s_e)], w_e, len(need))  # per edge, copies included
    arrive = _min_by(got[:, len(s_e):] + times[graph.state_edge[s_n]], w_n, len(nodes))
    _direct_at(network, origins, times, nodes, arrive)
    col = np.searchsorted(need, te)
    out = entry[:, col] + tf * times[te]
    j = np.flatnonzero(twin[te] >= 0)
    back = twin[te[j]]
    out[:, j] = np.minimum(out[:, j], entry[:, np.searchsorted(need, back)]
                           + (1 - tf[j]) * times[back])
    for at, near in ends:
        out[:, near] = np.minimum(out[:, near], arrive[:, np.searchsorted(nodes, at[near])])
    oe = np.fromiter((o.edge for o in origins), dtype=np.int64, count=k)
    of = np.fromiter((o.fraction for o in origins), dtype=float, count=k)
    via, start, end = network.index.direct(oe[:, None], of[:, None], te[None], tf[None])
    return np.minimum(out, np.where(via >= 0, (end - start) * times[np.maximum(via, 0)], np.inf))


def _min_by(values: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Return per group (``group`` sorted, in 0..n-1) the minimum of ``values``' columns."""
    out = np.full((values.shape[0], n), np.inf)
    if len(group):
        first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        out[:, group[first]] = np.minimum.reduceat(values, first, axis=1)
    return out


def _direct_at(network: RoadNetwork, snaps: list[Snap], times: np.ndarray, nodes: np.ndarray,
               out: np.ndarray) -> None:
    """:func:`_direct` ("from") on the columns of ``out`` that are the (sorted) ``nodes``."""
    twin = network.index.twin

    def lower(i: int, node: int, seconds: float) -> None:
        c = int(np.searchsorted(nodes, node))
        if c < len(nodes) and nodes[c] == node:
            out[i, c] = min(out[i, c], seconds)

    for i, s in enumerate(snaps):
        u, v = int(network.edge_u[s.edge]), int(network.edge_v[s.edge])
        lower(i, v, (1 - s.fraction) * times[s.edge])
        if twin[s.edge] >= 0:
            lower(i, u, s.fraction * times[twin[s.edge]])
        if s.fraction <= _AT_NODE:
            lower(i, u, 0.0)
        if s.fraction >= 1 - _AT_NODE:
            lower(i, v, 0.0)


def best_states(network: RoadNetwork, graph: TurnGraph, dist: np.ndarray, target: Snap
                ) -> tuple[float, int, float, bool]:
    """Return (seconds, last state, fraction driven on it, whole edge) for one target.

    ``dist`` holds one search's state times. The last state is driven for the returned
    fraction of its edge (``whole`` when the target is that edge's end node).
    """
    times = graph.times
    twin = int(network.index.twin[target.edge])
    order, start = graph.by_edge
    options: list[tuple[float, int, float, bool]] = []
    for s in order[start[target.edge]:start[target.edge + 1]]:
        options.append((dist[s] + target.fraction * times[target.edge], int(s), target.fraction,
                        False))
    if twin >= 0:
        for s in order[start[twin]:start[twin + 1]]:
            options.append((dist[s] + (1 - target.fraction) * times[twin], int(s),
                            1 - target.fraction, False))
    for at, near in ((network.edge_u[target.edge], target.fraction <= _AT_NODE),
                     (network.edge_v[target.edge], target.fraction >= 1 - _AT_NODE)):
        if near:
            for s in np.sort(_states_into(network, graph, np.asarray([at]))[0]):
                options.append((dist[s] + times[graph.state_edge[s]], int(s), 1.0, True))
    return min(options, key=lambda o: o[0]) if options else (np.inf, -1, 0.0, False)


def _target_states(network: RoadNetwork, graph: TurnGraph, te: np.ndarray, tf: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return :func:`best_states`'s options for many targets, as arrays sorted by target.

    Per option: the target, the state, the seconds from the state's time to the target and
    the fraction of the state's edge driven; a target's options in :func:`best_states`'s
    order (so ties resolve alike).
    """
    times = graph.times
    twin = network.index.twin[te]
    parts: list[tuple[np.ndarray, ...]] = []
    states, j = _states_of(graph, te)
    parts.append((j, states, tf[j] * times[te[j]], tf[j], np.zeros(len(j))))
    has = np.flatnonzero(twin >= 0)
    states, w = _states_of(graph, twin[has])
    j = has[w]
    parts.append((j, states, (1 - tf[j]) * times[twin[j]], 1 - tf[j], np.ones(len(j))))
    for block, (at, near) in enumerate(((network.edge_u[te], tf <= _AT_NODE),
                                        (network.edge_v[te], tf >= 1 - _AT_NODE)), start=2):
        idx = np.flatnonzero(near)
        states, w = _states_into(network, graph, at[idx])
        parts.append((idx[w], states, times[graph.state_edge[states]], np.ones(len(w)),
                      np.full(len(w), block)))
    target, state, add, frac, block_of = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((state, block_of, target))
    return target[order], state[order], add[order], frac[order]


def _direct_to_node(network: RoadNetwork, graph: TurnGraph, origin: Snap, target: Snap
                    ) -> tuple[float, int, float] | None:
    """Return (seconds, edge, start fraction) when the target is the end of the origin's edge."""
    nodes = set()
    if target.fraction <= _AT_NODE:
        nodes.add(int(network.edge_u[target.edge]))
    if target.fraction >= 1 - _AT_NODE:
        nodes.add(int(network.edge_v[target.edge]))
    twin = int(network.index.twin[origin.edge])
    best = None
    for edge, done in ((origin.edge, origin.fraction), (twin, 1 - origin.fraction)):
        if edge >= 0 and int(network.edge_v[edge]) in nodes:
            got = ((1 - done) * graph.times[edge], edge, done)
            best = got if best is None or got[0] < best[0] else best
    return best


def state_chain(pred: np.ndarray, last: int, size: int) -> list[int]:
    """Return the states from the first after the source to ``last``."""
    chain = [last]
    while pred[chain[-1]] >= 0 and pred[chain[-1]] < size:
        chain.append(int(pred[chain[-1]]))
    chain.reverse()
    return chain


def first_partial(network: RoadNetwork, graph: TurnGraph, origin: Snap, first_state: int,
                  first_time: float) -> tuple[int, float, float] | None:
    """Return (edge, start fraction, end fraction) driven from the origin to its first state.

    ``None`` when the origin is the junction where the first state starts.
    """
    times, mat = graph.times, graph.matrix
    twin = int(network.index.twin[origin.edge])
    for edge, done in ((origin.edge, origin.fraction), (twin, 1 - origin.fraction)):
        if edge < 0:
            continue
        lo, hi = mat.indptr[edge], mat.indptr[edge + 1]
        for s, w in zip(mat.indices[lo:hi], mat.data[lo:hi], strict=True):
            if s == first_state and abs(max(w - done * times[edge], _TINY) - first_time) < 1e-6:
                return edge, done, 1.0
    return None


def restriction_summary(network: RoadNetwork) -> pd.DataFrame:
    """Return per profile how many restrictions and barriers apply (for ``network info``)."""
    rows = []
    for profile in network.profiles:
        rule = rules(network, profile)
        rows.append({"profile": profile, "banned_turns": len(rule.banned),
                     "via_way_chains": len(rule.chains),
                     "blocking_barriers": len(blocked_nodes(network, profile)),
                     "closed_edges": len(rule.closed)})
    return pd.DataFrame(rows)


def fastest_path(network: RoadNetwork, origin: Snap, target: Snap, profile: str = "car",
                 limit: float | None = None
                 ) -> tuple[float, float, list[tuple[int, float, float]], tuple[int, ...]]:
    """Return the fastest path's seconds, metres, pieces ``(edge, from, to)`` and node ids.

    The caller (:func:`wuling_geo.network.routing.fastest_path`) builds the geometry from the
    pieces (fractions of each edge's geometry). Origin and target on one edge in driving
    order are handled by the caller.

    Raises
    ------
    InputError
        If the target cannot be reached from the origin.
    """
    graph = turn_graph(network, profile)
    lengths = network.edges["length"].to_numpy(dtype=float)
    dist, pred = state_times(network, [origin], profile, limit, "from", predecessors=True)
    dist, pred = dist[0], pred[0]
    seconds, last, frac, whole = best_states(network, graph, dist, target)
    direct = _direct_to_node(network, graph, origin, target)
    if direct is not None and direct[0] < seconds:
        edge, a = direct[1], direct[2]
        end = int(network.node_ids[network.edge_v[edge]])
        return (direct[0], (1 - a) * lengths[edge], [(edge, a, 1.0)], (end,))
    if not np.isfinite(seconds):
        why = stranded(network, origin, profile, "from") or stranded(network, target, profile,
                                                                      "to")
        if why is not None:
            raise InputError(why)
        limits = (f", or roads closed to a truck {vehicle.describe()}"
                  if (vehicle := vehicle_for(profile)) is not None and len(graph.closed) else "")
        raise InputError("the destination cannot be reached by road from the origin "
                         "(different parts of the network, one-way roads, turn restrictions "
                         f"or barriers{limits})")
    chain = state_chain(pred, last, graph.size)
    edges = [int(graph.state_edge[s]) for s in chain]
    pieces: list[tuple[int, float, float]] = []
    first = first_partial(network, graph, origin, chain[0], float(dist[chain[0]]))
    if first is not None:
        pieces.append(first)
    pieces.extend((e, 0.0, 1.0) for e in edges[:-1])
    pieces.append((edges[-1], 0.0, 1.0 if whole else frac))
    meters = sum((b - a) * lengths[e] for e, a, b in pieces)
    ids = network.node_ids
    nodes = [int(ids[network.edge_u[e]]) for e in edges]
    if whole:
        nodes.append(int(ids[network.edge_v[edges[-1]]]))
    return float(seconds), float(meters), pieces, tuple(nodes)


def attach(network: RoadNetwork, restrictions: pd.DataFrame, barriers: pd.DataFrame,
           skipped: Counter, notes: list[str]) -> None:
    """Keep on ``network`` the restrictions and barriers that apply to its edges and nodes.

    What could not be applied is counted in ``notes`` (one line) and ``network.meta``.
    """
    on_graph = barriers[barriers["node"].isin(network.node_ids)].reset_index(drop=True)
    network.barriers = on_graph if len(on_graph) else None
    network.restrictions = restrictions if len(restrictions) else None
    why: Counter = Counter(skipped)
    used = np.zeros(len(restrictions), dtype=bool)
    for profile in network.profiles:  # resolved afresh: nothing is kept before the rules are set
        _, missed, applied = resolve(network, profile)
        used |= applied
        for reason, count in missed.items():
            why[reason] = max(why[reason], count)
    if len(restrictions):
        network.restrictions = restrictions[used].reset_index(drop=True) if used.any() else None
    network.meta["turns"] = {"restrictions": int(used.sum()),
                             "barriers": 0 if network.barriers is None else len(network.barriers),
                             "skipped": dict(why)}
    if int(used.sum()) or network.barriers is not None:
        notes.append(f"applied {int(used.sum())} turn restrictions and "
                     f"{network.meta['turns']['barriers']} barrier nodes")
    skip = {r: n for r, n in why.items() if not r.startswith("barriers whose access")}
    if skip:
        notes.append("skipped " + "; ".join(f"{n} {reason}" for reason, n in sorted(skip.items())))
    for reason, n in why.items():
        if reason.startswith("barriers whose access"):
            notes.append(f"{n} {reason} (the access tag decides, as OSRM and Valhalla do)")


def od_arrays(network: RoadNetwork, origins: list[Snap], targets: list[Snap],
              profile: str = "car", chunk: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Edge-based (seconds, metres) of every origin→target pair along the fastest path.

    Origins are searched ``chunk`` at a time; the metres are summed up the search tree from
    each target's best state only.
    """
    graph = turn_graph(network, profile)
    times, size = graph.times, graph.size
    lengths = network.edges["length"].to_numpy(dtype=float)
    k, t = len(origins), len(targets)
    te = np.fromiter((x.edge for x in targets), dtype=np.int64, count=t)
    tf = np.fromiter((x.fraction for x in targets), dtype=float, count=t)
    oe = np.fromiter((x.edge for x in origins), dtype=np.int64, count=k)
    of = np.fromiter((x.fraction for x in origins), dtype=float, count=k)
    cand_t, cand_s, cand_add, cand_frac = _target_states(network, graph, te, tf)
    # Along the shared road (the index's point rule), and onto the end of the origin's edge.
    via, a, b = network.index.direct(oe[:, None], of[:, None], te[None], tf[None])
    road_s = np.where(via >= 0, (b - a) * times[np.maximum(via, 0)], np.inf)
    road_m = np.where(via >= 0, (b - a) * lengths[np.maximum(via, 0)], np.inf)
    node_s, node_m = _direct_to_nodes(network, times, lengths, oe, of, te, tf)
    point, state, secs, metres = _links(network, graph, origins, "from")
    compact = _compact(network, profile)
    seconds = np.full((k, t), np.inf)
    meters = np.full_like(seconds, np.inf)
    for lo in range(0, k, chunk):
        hi = min(lo + chunk, k)
        sel = (point >= lo) & (point < hi)
        links = (point[sel] - lo, state[sel], secs[sel], metres[sel])
        if compact is not None:  # the shrunk graph: the same times
            entry, entry_m = turn_compact.entry_times(compact, links, hi - lo, cand_s, lengths,
                                                      graph.state_edge)
            best, arg = _group_min(entry + cand_add, cand_t, t)
            pick = np.maximum(arg, 0)
            at_start = np.take_along_axis(entry_m, pick, 1)
        else:
            matrix, _ = search_matrix(network, origins[lo:hi], profile, "from", links)
            dist, pred = csgraph.dijkstra(matrix, directed=True,
                                          indices=np.arange(size, size + hi - lo),
                                          return_predecessors=True)
            best, arg = _group_min(dist[:, cand_s] + cand_add, cand_t, t)
            pick = np.maximum(arg, 0)
            at_start = _walk_metres(pred, size, graph.state_edge, lengths,
                                    links[0] * size + links[1], links[3], cand_s[pick])
        last = cand_s[pick]
        got_m = at_start + cand_frac[pick] * lengths[graph.state_edge[last]]
        use = node_s[lo:hi] < best
        best = np.where(use, node_s[lo:hi], best)
        got_m = np.where(use, node_m[lo:hi], got_m)
        use = road_s[lo:hi] <= best
        seconds[lo:hi] = np.where(use, road_s[lo:hi], best)
        meters[lo:hi] = np.where(use, road_m[lo:hi], got_m)
    meters[~np.isfinite(seconds)] = np.inf
    return seconds, meters


def _direct_to_nodes(network: RoadNetwork, times: np.ndarray, lengths: np.ndarray,
                     oe: np.ndarray, of: np.ndarray, te: np.ndarray, tf: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Return :func:`_direct_to_node`'s (seconds, metres) for every pair (``inf`` where none)."""
    nu = np.where(tf <= _AT_NODE, network.edge_u[te], -1)
    nv = np.where(tf >= 1 - _AT_NODE, network.edge_v[te], -1)
    best_s = np.full((len(oe), len(te)), np.inf)
    best_m = np.full_like(best_s, np.inf)
    twin = network.index.twin[oe]
    for edge, done in ((oe, of), (twin, 1 - of)):
        at = np.maximum(edge, 0)
        end = np.where(edge >= 0, network.edge_v[at], -2)[:, None]
        hit = (end == nu[None]) | (end == nv[None])
        got = np.where(hit, ((1 - done) * times[at])[:, None], np.inf)
        better = got < best_s
        best_s = np.where(better, got, best_s)
        best_m = np.where(better, ((1 - done) * lengths[at])[:, None], best_m)
    return best_s, best_m


def _walk_metres(pred: np.ndarray, size: int, state_edge: np.ndarray, lengths: np.ndarray,
                 link_key: np.ndarray, link_m: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Return the metres driven before each search's ``states`` (rows × targets) start.

    Walks up each search's tree (``pred``; a predecessor ≥ ``size`` is the search's source,
    whose link to the state has the metres ``link_m`` under key ``row * size + state``).
    """
    row = np.broadcast_to(np.arange(len(pred))[:, None], states.shape)
    cur = states.astype(np.int64).copy()
    total = np.zeros(cur.shape)
    live = pred[row, cur] >= 0
    while live.any():
        r, c = row[live], cur[live]
        parent = pred[r, c].astype(np.int64)
        source = parent >= size
        step = np.empty(len(parent))
        step[~source] = lengths[state_edge[parent[~source]]]
        step[source] = link_m[np.searchsorted(link_key, r[source] * size + c[source])]
        total[live] += step
        cur[live] = np.where(source, c, parent)
        live[live] = ~source
    return total
