"""Contraction hierarchies: exact fast many-to-many road times and distances.

A contraction hierarchy (Geisberger et al. 2008) orders the nodes by importance and
"contracts" them one by one, adding a shortcut u→w for a contracted v whenever u→v→w is
the only fastest way (a local *witness search* finds no path as fast). Every fastest path
then climbs the order from its start and descends it to its end, so a search from a point
needs only its small *upward* search space. Many-to-many times (Knopp et al. 2007) join the
forward upward spaces of the origins with the backward upward spaces of the destinations on
their common nodes; the minimum over those meeting nodes is the exact fastest time.

Each arc, shortcut or not, carries the road metres of the path it stands for, so the
distance along the fastest path comes with the time. A witness search that stops early only
adds shortcuts that are not needed: results stay exact.

The hierarchy depends only on the network and profile: :func:`hierarchy` keeps it in memory
on the network and in ``<cache>/contraction/`` keyed by the network's table checksums (or by
a digest of its arrays for a network that was never saved), so it is built once per network.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import json
import os
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from wuling_geo import settings
from wuling_geo._util.trees import tree_lengths
from wuling_geo.network import sweep
from wuling_geo.network.index import link_cost
from wuling_geo.network.model import RoadNetwork
from wuling_geo.network.snapping import PointSnaps

#: Bump when the stored arrays change meaning.
FORMAT = 1
#: Nodes a witness search may settle before it gives up (more: fewer shortcuts, slower build).
WITNESS_SETTLED = 60
#: Weight of a node's depth in the contraction order (Geisberger et al.'s hierarchy depth).
LEVEL_WEIGHT = 1
#: Points whose upward searches run together.
CHUNK = 128
#: Stall on demand from this many origin × target pairs (below, the join of the unpruned
#: search spaces costs less than pruning them).
STALL_PAIRS = 20_000
#: A matrix with this many times more origins than targets, or the other way round, is
#: swept from the smaller side (cost: its size × the larger side's search spaces); others
#: join both sides' search spaces (cost: the search spaces and their meetings). Measured on
#: the SYNTHETIC 100,000-node benchmark network (join vs sweep): 30×30 4.7 vs 6.3 ms,
#: 200×200 55 vs 79 ms, 30×90 8.5 vs 11.4 ms, 100×300 48 ms both; 30×150 13.9 vs 10.2 ms,
#: 100×500 80 vs 57 ms, 2000×50 250 vs 57 ms.
SWEEP_RATIO = 4
#: Points of the smaller side swept together (memory: rows × nodes × 16 bytes).
SWEEP_ROWS = 128
_MIN = 1e-9  # csgraph drops explicit zeros: keep zero-time arcs as in RoadNetwork.csr


@dataclass
class Hierarchy:
    """A contraction hierarchy of one network and profile.

    ``up`` holds the arcs u→w with ``rank[w] > rank[u]``; ``down`` holds the arcs w→u with
    ``rank[w] > rank[u]`` stored reversed (as u→w), so an upward search on it walks the
    network backwards. ``*_time`` are seconds, ``*_metres`` the road length of each arc.
    """

    rank: np.ndarray
    up: sp.csr_matrix
    up_metres: np.ndarray
    down: sp.csr_matrix
    down_metres: np.ndarray

    @cached_property
    def stall_forward(self) -> sp.csr_matrix:
        """Arcs x→y with ``rank[x] > rank[y]``, in driving direction."""
        return self.down.T.tocsr()

    @cached_property
    def stall_backward(self) -> sp.csr_matrix:
        """Arcs y→x with ``rank[y] < rank[x]`` walked backwards (x→y)."""
        return self.up.T.tocsr()

    @cached_property
    def up_reach(self) -> sweep.Reach:
        """The nodes reachable upwards (along ``up``) from any set of nodes."""
        return sweep.Reach(self.up)

    @cached_property
    def down_reach(self) -> sweep.Reach:
        """The nodes reachable upwards backwards (along ``down``) from any set of nodes."""
        return sweep.Reach(self.down)

    @cached_property
    def up_layer(self) -> np.ndarray:
        """Layers of ``up`` (:func:`wuling_geo.network.sweep.layers`)."""
        return sweep.layers(self.up)

    @cached_property
    def down_layer(self) -> np.ndarray:
        """Layers of ``down``."""
        return sweep.layers(self.down)

    @cached_property
    def up_in(self) -> tuple[sp.csr_matrix, np.ndarray]:
        """``up`` reversed (each node's in-arcs) and its arcs' metres."""
        return sweep.transposed(self.up, self.up_metres)

    @cached_property
    def down_in(self) -> tuple[sp.csr_matrix, np.ndarray]:
        """``down`` reversed and its arcs' metres."""
        return sweep.transposed(self.down, self.down_metres)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.rank)


def _base_arcs(network: RoadNetwork, profile: str) -> tuple[np.ndarray, ...]:
    """Return (u, v, seconds, metres) of the fastest edge per node pair, no self-loops."""
    times = network.travel_time(profile)
    lengths = network.edges["length"].to_numpy(dtype=float)
    u, v = network.edge_u.astype(np.int64), network.edge_v.astype(np.int64)
    order = np.lexsort((times, v, u))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (u[order][1:] != u[order][:-1]) | (v[order][1:] != v[order][:-1])
    chosen = order[first]
    chosen = chosen[u[chosen] != v[chosen]]
    return u[chosen], v[chosen], np.maximum(times[chosen], _MIN), lengths[chosen]


def build(n: int, u: np.ndarray, v: np.ndarray, seconds: np.ndarray,
          metres: np.ndarray) -> Hierarchy:
    """Contract a directed graph of ``n`` nodes (arcs ``u→v``, one per pair).

    Node order: edge difference plus contracted neighbours plus depth, with lazy updates
    (recomputing neighbours eagerly gave larger search spaces on the SYNTHETIC benchmark
    network); witness searches settle at most :data:`WITNESS_SETTLED` nodes.
    """
    out: list[dict[int, float]] = [{} for _ in range(n)]  # out[a][b]: seconds of a→b
    inn: list[dict[int, float]] = [{} for _ in range(n)]  # inn[b][a]: the same
    length: dict[tuple[int, int], float] = {}  # metres of a→b
    for a, b, t, m in zip(u.tolist(), v.tolist(), seconds.tolist(), metres.tolist(),
                          strict=True):
        out[a][b] = t
        inn[b][a] = t
        length[a, b] = m
    gone = [0] * n  # contracted neighbours (spreads contraction evenly)
    depth = [0] * n  # 1 + the deepest contracted neighbour's depth (keeps searches shallow)
    push, pop = heapq.heappush, heapq.heappop
    inf = float("inf")

    def shortcuts(x: int) -> list[tuple[int, int, float]]:
        found: list[tuple[int, int, float]] = []
        targets = out[x]
        if not targets:
            return found
        for a, ta in inn[x].items():
            far = [t for w, t in targets.items() if w != a]
            if not far:
                continue
            limit = ta + max(far)
            dist = {a: 0.0}
            heap = [(0.0, a)]
            settled = 0
            left = len(far)
            while heap:
                d, y = pop(heap)
                if d > dist[y]:
                    continue
                if d > limit or settled == WITNESS_SETTLED:
                    break
                settled += 1
                if y in targets and y != a:
                    left -= 1
                    if not left:
                        break
                for z, t in out[y].items():
                    nd = d + t
                    if z != x and nd < dist.get(z, inf):
                        dist[z] = nd
                        push(heap, (nd, z))
            for w, tw in targets.items():
                if w != a and dist.get(w, inf) > ta + tw:
                    found.append((a, w, ta + tw))
        return found

    def priority(x: int, cuts: list) -> int:
        return (2 * len(cuts) - len(out[x]) - len(inn[x]) + gone[x]
                + LEVEL_WEIGHT * depth[x])

    current = [priority(x, shortcuts(x)) for x in range(n)]
    heap = [(p, x) for x, p in enumerate(current)]
    heapq.heapify(heap)
    rank = np.full(n, -1, dtype=np.int64)
    up_arcs: list[tuple[int, int, float, float]] = []
    down_arcs: list[tuple[int, int, float, float]] = []
    level = 0
    while heap:
        old, x = pop(heap)
        if old != current[x] or rank[x] >= 0:
            continue  # a stale entry
        cuts = shortcuts(x)
        prio = priority(x, cuts)
        if heap and prio > heap[0][0]:  # lazy update
            current[x] = prio
            push(heap, (prio, x))
            continue
        rank[x] = level
        level += 1
        for w, t in out[x].items():
            up_arcs.append((x, w, t, length[x, w]))
            del inn[w][x]
            gone[w] += 1
            depth[w] = max(depth[w], depth[x] + 1)
        for a, t in inn[x].items():
            down_arcs.append((x, a, t, length[a, x]))  # the arc a→x, stored reversed
            del out[a][x]
            gone[a] += 1
            depth[a] = max(depth[a], depth[x] + 1)
        for a, w, t in cuts:
            if t < out[a].get(w, inf):
                out[a][w] = t
                inn[w][a] = t
                length[a, w] = length[a, x] + length[x, w]
        out[x] = {}
        inn[x] = {}
    return Hierarchy(rank, *_csr(n, up_arcs), *_csr(n, down_arcs))


def _csr(n: int, arcs: list[tuple[int, int, float, float]]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Return the arcs as a CSR of seconds and the metres in the CSR's data order."""
    if arcs:
        a, b, t, m = (np.array(c) for c in zip(*arcs, strict=True))
    else:
        a = b = np.zeros(0, dtype=np.int64)
        t = m = np.zeros(0)
    order = np.lexsort((b, a))
    a, b, t, m = a[order].astype(np.int64), b[order].astype(np.int64), t[order], m[order]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(a, minlength=n))])
    return sp.csr_matrix((t, b, indptr), shape=(n, n)), m


# ------------------------------------------------------------------ storage
def _key(network: RoadNetwork, profile: str) -> str:
    """Return a digest naming the hierarchy of this network and profile."""
    digest = hashlib.sha256(
        f"contraction {FORMAT} {profile} {WITNESS_SETTLED} {LEVEL_WEIGHT}".encode())
    sums = network.meta.get("checksums")
    if isinstance(sums, dict) and sums.get("edges.parquet") and sums.get("nodes.parquet"):
        digest.update(json.dumps(sums, sort_keys=True).encode())
    else:  # never saved: the arrays themselves
        for part in (network.edge_u, network.edge_v, network.travel_time(profile),
                     network.edges["length"].to_numpy(dtype=float)):
            digest.update(np.ascontiguousarray(part).tobytes())
        digest.update(str(len(network.nodes)).encode())
    return digest.hexdigest()[:32]


def cache_path(network: RoadNetwork, profile: str = "car") -> Path:
    """Return the file holding this network's hierarchy for ``profile``."""
    return settings.cache_dir / "contraction" / f"{_key(network, profile)}.npz"


def _save(h: Hierarchy, path: Path) -> None:
    """Write atomically (a temporary file renamed); a cache that cannot be written is skipped."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.part")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, rank=h.rank,
                     up_indptr=h.up.indptr, up_indices=h.up.indices, up_data=h.up.data,
                     up_metres=h.up_metres, down_indptr=h.down.indptr,
                     down_indices=h.down.indices, down_data=h.down.data,
                     down_metres=h.down_metres)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _load(path: Path, n: int) -> Hierarchy | None:
    """Read a stored hierarchy; ``None`` if absent or unreadable (it is then rebuilt)."""
    try:
        with np.load(path) as z:
            parts = {k: z[k] for k in z.files}
        up = sp.csr_matrix((parts["up_data"], parts["up_indices"], parts["up_indptr"]),
                           shape=(n, n))
        down = sp.csr_matrix((parts["down_data"], parts["down_indices"],
                              parts["down_indptr"]), shape=(n, n))
        h = Hierarchy(parts["rank"], up, parts["up_metres"], down, parts["down_metres"])
    except (OSError, KeyError, ValueError, EOFError):
        return None
    if len(h.rank) != n or len(h.up_metres) != h.up.nnz or len(h.down_metres) != h.down.nnz:
        return None
    return h


def is_built(network: RoadNetwork, profile: str = "car") -> bool:
    """Return whether the hierarchy is in memory or stored, so that using it costs no build."""
    if network.index.has_memo(("contraction", profile)):
        return True
    try:
        return cache_path(network, profile).exists()
    except OSError:
        return False


def hierarchy(network: RoadNetwork, profile: str = "car", store: bool = True) -> Hierarchy:
    """Return the network's contraction hierarchy for ``profile``, built at most once.

    Looked up on the network object, then in ``<cache>/contraction/`` (see
    :func:`cache_path`); built and stored there otherwise (``store=False``: not on disk).
    """
    def load_or_build() -> Hierarchy:
        n = len(network.nodes)
        path = cache_path(network, profile) if store else None
        h = _load(path, n) if path is not None and path.exists() else None
        if h is None:
            h = build(n, *_base_arcs(network, profile))
            if path is not None:
                _save(h, path)
        return h

    return network.index.memo(("contraction", profile), load_or_build)


# ------------------------------------------------------------------ queries
@dataclass(frozen=True)
class Links:
    """How snapped points join the network: arcs ``point`` ↔ ``node`` (seconds, metres).

    Sorted by point, then node; one arc (the fastest) per point and node; every point has
    at least one (over its own edge).
    """

    point: np.ndarray
    node: np.ndarray
    seconds: np.ndarray
    metres: np.ndarray

    @property
    def cost(self) -> np.ndarray:
        """Seconds + 1j × metres (:mod:`wuling_geo.network.sweep`'s values)."""
        out = np.empty(len(self.point), dtype=complex)
        out.real, out.imag = self.seconds, self.metres
        return out


def links(network: RoadNetwork, snaps: PointSnaps, times: np.ndarray, lengths: np.ndarray,
          leave: bool) -> Links:
    """Return the arcs from (``leave``) or to snapped points by the index's point rule.

    As :func:`wuling_geo.network.routing.search_graph`: leaving, to v over the rest of the
    edge, to u over the start of its twin, to a junction the point sits on; entering, the
    same links the other way. ``times`` and ``lengths`` are the edges' seconds and metres.
    """
    k = len(snaps)
    node, via, share = network.index.links(snaps.edge, snaps.fraction, leave=leave)
    ok = (node >= 0).ravel()
    point = np.tile(np.arange(k), 3)[ok]
    at = node.ravel()[ok]
    secs = link_cost(via, share, node, times).ravel()[ok]
    metres = link_cost(via, share, node, lengths).ravel()[ok]
    order = np.lexsort((metres, secs, at, point))
    point, at, secs, metres = point[order], at[order], secs[order], metres[order]
    first = np.ones(len(point), dtype=bool)
    first[1:] = (point[1:] != point[:-1]) | (at[1:] != at[:-1])
    return Links(point[first], at[first], secs[first], metres[first])


def _per_point(values: np.ndarray, ends: Links, count: int) -> np.ndarray:
    """Return, per point of ``ends``, the best of ``values`` (rows × its links) plus the link."""
    out = np.full((values.shape[0], count), sweep.NONE)
    has = np.bincount(ends.point, minlength=count) > 0
    starts = np.searchsorted(ends.point, np.flatnonzero(has))
    out[:, has] = np.minimum.reduceat(values + ends.cost, starts, axis=1)
    return out


def _upward(graph: sp.csr_matrix, metres: np.ndarray, reach: sweep.Reach, ends: Links,
            count: int, stall: sp.csr_matrix | None) -> tuple[np.ndarray, ...]:
    """Return the upward search spaces of ``count`` points as flat (point, node, seconds, metres).

    ``ends`` are the points' links to the network (seconds and metres from each point to a
    node, or from a node to it for a backward search on ``down``); ``metres`` are the road
    metres of ``graph``'s arcs in its data order (its rows sorted by column, as
    :func:`_csr` writes them). Each chunk of points searches only the nodes it can reach
    at all (``reach``: :class:`~wuling_geo.network.sweep.Reach` of ``graph``) plus one
    virtual node per point, so the cost follows the small upward search spaces, not the
    network's size. Entries come sorted by node within each chunk of points.

    Entries are dropped as a search would stall on demand: when a higher node found
    reaches them faster over a downward arc (``stall``: x→y, ``rank[x] > rank[y]``, in the
    search's direction). Their time is not the fastest, so no fastest path meets there.
    ``stall=None`` keeps them (cheaper when the join is small anyway).
    """
    rows, nodes, secs, mets = [], [], [], []
    for lo in range(0, count, CHUNK):
        hi = min(lo + CHUNK, count)
        part = slice(*np.searchsorted(ends.point, [lo, hi]))
        keep = reach(ends.node[part])
        size, rows_here = len(keep), hi - lo
        # Local ids; the set is closed under the arcs, so only stalling reads ids outside it.
        # (In the graph's index type: scipy takes such arrays as they are.)
        kind = graph.indices.dtype
        where = np.empty(graph.shape[0], dtype=kind)
        if stall is not None:
            where.fill(-1)
        where[keep] = np.arange(size, dtype=kind)
        # The arcs among the reached nodes (all of theirs: the set is closed under them),
        # then one row per point (virtual nodes size, size + 1, …) with its links.
        pos = sweep.arc_positions(graph.indptr, keep)
        indptr = np.concatenate([
            [0], np.cumsum(graph.indptr[keep + 1] - graph.indptr[keep]),
            len(pos) + np.cumsum(np.bincount(ends.point[part] - lo, minlength=rows_here))
        ]).astype(kind)
        cols = np.concatenate([where[graph.indices[pos]], where[ends.node[part]]])
        arc_metres = np.concatenate([metres[pos], ends.metres[part]])
        total_nodes = size + rows_here
        sub = sp.csr_matrix((np.concatenate([graph.data[pos],
                                             np.maximum(ends.seconds[part], _MIN)]),
                             cols, indptr), shape=(total_nodes, total_nodes))
        dist, pred = csgraph.dijkstra(sub, directed=True, indices=size + np.arange(rows_here),
                                      return_predecessors=True)
        c, r = np.nonzero(np.isfinite(dist[:, :size].T))  # by node: the join groups by node
        p = pred[r, c].astype(np.int64)
        # The metres of arc p→c: its position in the CSR (rows sorted by column).
        arc_keys = np.repeat(np.arange(total_nodes, dtype=np.int64) * total_nodes,
                             np.diff(indptr)) + cols
        step = arc_metres[np.searchsorted(arc_keys, p * total_nodes + c)]
        # Pointer jumping over the search trees (a parent past ``size`` is the point's own
        # virtual node, the tree's root: no entry).
        here = r.astype(np.int64) * total_nodes + c
        entry = np.full(rows_here * total_nodes, -1, dtype=np.int64)
        entry[here] = np.arange(len(r))
        total = tree_lengths(entry[here - c + p], step)
        ok = slice(None)
        if stall is not None:
            # Stall on demand, with the chunk's dense distances as the lookup table: the stall
            # arcs between reached nodes, then each entry's arcs among them.
            rows_s, cols_s, w_s = _within(stall, keep, where)
            deg = np.bincount(rows_s, minlength=size)
            first = np.concatenate([[0], np.cumsum(deg)])
            src = np.repeat(np.arange(len(c)), deg[c])
            arc = np.repeat(first[c] - np.cumsum(deg[c]) + deg[c], deg[c]) + np.arange(len(src))
            flat = dist.ravel()
            there = r[src].astype(np.int64) * total_nodes + cols_s[arc]
            faster = flat[here[src]] + w_s[arc] < flat[there]
            gone = np.zeros(rows_here * total_nodes, dtype=bool)
            gone[there[faster]] = True
            ok = ~gone[here]
        rows.append(r[ok] + lo)
        nodes.append(keep[c[ok]])
        secs.append(dist[r[ok], c[ok]])
        mets.append(total[ok])
    return (np.concatenate(rows), np.concatenate(nodes), np.concatenate(secs),
            np.concatenate(mets))


def _within(arcs: sp.csr_matrix, keep: np.ndarray,
            where: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the arcs between nodes of ``keep`` as local (row, column, seconds), row-sorted.

    ``where`` maps a node to its position in ``keep`` (-1 outside).
    """
    lo, hi = arcs.indptr[keep], arcs.indptr[keep + 1]
    width = hi - lo
    pos = np.repeat(lo - np.cumsum(width) + width, width) + np.arange(width.sum())
    row = np.repeat(where[keep], width)
    col = where[arcs.indices[pos]]
    ok = col >= 0
    return row[ok], col[ok], arcs.data[pos[ok]]


def many_to_many(forward: tuple[np.ndarray, ...], backward: tuple[np.ndarray, ...],
                 k: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Join search spaces on their common nodes: (seconds, metres), ``k × m``, inf unreachable.

    ``forward`` holds the origins' entries (origin, node, seconds, metres), ``backward`` the
    targets' (target, node, …); the fastest meeting of each pair is its fastest path.
    """
    best, metres = np.full(k * m, np.inf), np.full(k * m, np.inf)
    if not len(backward[1]):
        return best.reshape(k, m), metres.reshape(k, m)
    br, bn, bs, bm = backward
    if not (bn[1:] >= bn[:-1]).all():  # one chunk of targets comes sorted by node
        bo = np.argsort(bn, kind="stable")
        br, bn, bs, bm = br[bo], bn[bo], bs[bo], bm[bo]
    # The backward entries on node[j] are bstart[j]:bstart[j] + bcount[j] of the sorted ones.
    first = np.ones(len(bn), dtype=bool)
    first[1:] = bn[1:] != bn[:-1]
    bstart = np.flatnonzero(first)
    node = bn[bstart]
    bcount = np.diff(np.append(bstart, len(bn)))
    at = np.minimum(np.searchsorted(node, forward[1]), len(node) - 1)
    meets = node[at] == forward[1]  # forward entries on a node some backward space holds
    fr, fs, fm, at = forward[0][meets], forward[2][meets], forward[3][meets], at[meets]
    # For every forward entry, every backward entry on the same node: forward values are
    # repeated (sequential), backward ones gathered (a small, cache-resident table).
    per = bcount[at]
    ends = np.cumsum(per)
    kind = np.int64 if k * m >= 2**31 or ends[-1:].sum() >= 2**31 else np.int32
    bi = (np.repeat((bstart[at] - ends + per).astype(kind), per)
          + np.arange(ends[-1] if len(ends) else 0, dtype=kind))
    secs = np.repeat(fs, per)
    secs += bs[bi]
    key = np.repeat((fr * m).astype(kind), per)
    key += br[bi].astype(kind)
    np.minimum.at(best, key, secs)
    win = np.flatnonzero(secs == best[key])
    fi = np.searchsorted(ends, win, side="right")  # the forward entry of each winner
    metres[key[win]] = fm[fi] + bm[bi[win]]
    return best.reshape(k, m), metres.reshape(k, m)


def swept_matrix(h: Hierarchy, origins: Links, targets: Links, k: int,
                 m: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (seconds, metres), ``k × m``, by two sweeps from the smaller side (inf: none).

    The smaller side's upward search spaces are swept upwards, all its points at once; the
    values then run down over the other side's upward search spaces, whose every node ends
    with its time from (or to) each point of the smaller side (RPHAST; see
    :mod:`wuling_geo.network.sweep`). The cost grows with the smaller side's size times the
    other side's search spaces.
    """
    if k <= m:  # up from the origins, down to the targets
        few, many, rows = origins, targets, k
        climb_r, (climb_in, climb_m), climb_l = h.up_reach, h.up_in, h.up_layer
        fall_g, fall_m, fall_l, fall_r = h.down, h.down_metres, h.down_layer, h.down_reach
    else:  # up from the targets and down to the origins, both walking the roads backwards
        few, many, rows = targets, origins, m
        climb_r, (climb_in, climb_m), climb_l = h.down_reach, h.down_in, h.down_layer
        fall_g, fall_m, fall_l, fall_r = h.up, h.up_metres, h.up_layer, h.up_reach
    climb = sweep.Sweep(climb_r(few.node), climb_in, climb_m, climb_l, False)
    fall = sweep.Sweep(fall_r(many.node), fall_g, fall_m, fall_l, True)
    at = climb.columns(fall.nodes)
    shared = at >= 0
    ends = fall.columns(many.node)
    result = np.empty((rows, m if k <= m else k), dtype=complex)
    for lo in range(0, rows, SWEEP_ROWS):  # memory: rows × nodes of each sweep
        hi = min(lo + SWEEP_ROWS, rows)
        part = slice(*np.searchsorted(few.point, [lo, hi]))
        values = np.full((hi - lo, len(climb.nodes)), sweep.NONE)
        values[few.point[part] - lo, climb.columns(few.node[part])] = few.cost[part]
        climb.run(values)
        down = np.full((hi - lo, len(fall.nodes)), sweep.NONE)
        down[:, shared] = values[:, at[shared]]
        fall.run(down)
        result[lo:hi] = _per_point(down[:, ends], many, result.shape[1])
    if k > m:
        result = result.T
    return np.ascontiguousarray(result.real), np.ascontiguousarray(result.imag)


def point_matrix(network: RoadNetwork, origins: PointSnaps, targets: PointSnaps,
                 times: np.ndarray, lengths: np.ndarray, profile: str = "car"
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return (seconds, metres) between snapped points through their roads' ends.

    Equal to a Dijkstra search from each origin's point on its road (the same links as
    :func:`wuling_geo.network.routing.search_graph`) to each target's point, except the
    drive along a road both lie on (:meth:`~wuling_geo.network.index.NetworkIndex.direct`);
    unreachable pairs are ``inf``. A lopsided matrix (see :data:`SWEEP_RATIO`) is swept
    from its smaller side (:func:`swept_matrix`); others join the origins' and targets'
    upward search spaces (:func:`many_to_many`). ``times`` and ``lengths`` are the edges' seconds for
    ``profile`` and metres, as the caller read (and checked) them.
    """
    h = hierarchy(network, profile)
    k, m = len(origins), len(targets)
    leave = links(network, origins, times, lengths, leave=True)
    enter = links(network, targets, times, lengths, leave=False)
    if max(k, m) >= SWEEP_RATIO * min(k, m):
        return swept_matrix(h, leave, enter, k, m)
    stall = k * m >= STALL_PAIRS
    forward = _upward(h.up, h.up_metres, h.up_reach, leave, k,
                      h.stall_forward if stall else None)
    backward = _upward(h.down, h.down_metres, h.down_reach, enter, m,
                       h.stall_backward if stall else None)
    return many_to_many(forward, backward, k, m)
