"""The turn-expanded graph shrunk to the junctions that need it, for faster exact searches.

The edge-based graph (:mod:`wuling_geo.network.turns`) has a state per directed edge and a
transition per pair of consecutive edges, some 2.5 times the arcs of the node graph. Most
states need none of that: a state is *free* when its transitions are all the exits of its
edge's end node, each costing the edge's own time (no forbidden turn there, no turn cost).
Free states into one node share their successors, so they are merged into a vertex for the
node ("at the node, any exit allowed"); only the others keep a vertex of their own ("at the
end of this edge, some exits forbidden"). A state's entry time is then the least of the
values of the vertices that lead into it: its start node's vertex (for an edge, not a
via-way copy) and every restricted state that may turn onto it.

Every sum is made in the same order as on the full graph, so the state times are the same
numbers, bit for bit; a graph with per-turn costs (all rows differ) is not shrunk. The
searches here give state times only (no predecessors): paths use the full graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from wuling_geo._util.trees import tree_lengths
from wuling_geo.network.model import RoadNetwork

_TINY = 1e-9  # as turns._TINY: the least transition cost


@dataclass(frozen=True)
class Compact:
    """The shrunk graph: vertices are the nodes, then the restricted states."""

    matrix: sp.csr_matrix  # vertices × vertices
    arc_key: np.ndarray  # per arc (in the matrix's order): from * size + to
    arc_state: np.ndarray  # per arc: the state whose edge it drives
    exit: np.ndarray  # per state: the vertex its edge's end leads to
    weight: np.ndarray  # per state: the cost of driving its edge
    first: np.ndarray  # per state: a vertex leading into it (0 where none; see ``none``)
    more: tuple[tuple[np.ndarray, np.ndarray], ...]  # (states, vertices): the 2nd, 3rd, … ones
    none: np.ndarray  # states no vertex leads into
    held_node: np.ndarray  # per restricted state's vertex (after the nodes): its end node
    exact_arrivals: bool  # every edge costs its own time (none below the least cost)

    @property
    def size(self) -> int:
        """Return the number of vertices."""
        return self.matrix.shape[0]


def build(network: RoadNetwork, matrix: sp.csr_matrix, state_edge: np.ndarray,
          times: np.ndarray) -> Compact | None:
    """Return the shrunk graph of a turn-expanded ``matrix`` (``None`` when nothing is free).

    Parameters
    ----------
    network
        The road network.
    matrix, state_edge, times
        The turn graph's transitions (states × states), the edge of each state and the edge
        times (:class:`wuling_geo.network.turns.TurnGraph`).
    """
    n, m, size = len(network.nodes), len(times), len(state_edge)
    weight = np.maximum(times[state_edge], _TINY)
    row = np.repeat(np.arange(size), np.diff(matrix.indptr))
    end = network.edge_v[state_edge]
    exits = np.bincount(network.edge_u, minlength=n)[end]
    odd = (matrix.indices >= m) | (matrix.data != weight[row])
    free = (np.diff(matrix.indptr) == exits) & (np.bincount(row[odd], minlength=size) == 0)
    if not free.any():
        return None
    held = np.flatnonzero(~free)
    exit_vertex = end.copy()
    exit_vertex[held] = n + np.arange(len(held))
    # Into each state: its start node's vertex (edges only), and each restricted state
    # that may turn onto it.
    into_r = np.isin(row, held)
    pair_state = np.r_[np.arange(m), matrix.indices[into_r]].astype(np.int64)
    pair_vertex = np.r_[network.edge_u, exit_vertex[row[into_r]]].astype(np.int64)
    order = np.lexsort((pair_vertex, pair_state))
    pair_state, pair_vertex = pair_state[order], pair_vertex[order]
    start = np.searchsorted(pair_state, np.arange(size + 1))
    rank = np.arange(len(pair_state)) - start[pair_state]
    first = np.zeros(size, dtype=np.int64)
    first[pair_state[rank == 0]] = pair_vertex[rank == 0]
    more = tuple((pair_state[rank == r], pair_vertex[rank == r])
                 for r in range(1, int(rank.max(initial=0)) + 1))
    # Arcs: from each vertex into a state on to the state's exit, costing the state's edge.
    vertices = n + len(held)
    keep, key = _least(pair_vertex, exit_vertex[pair_state], weight[pair_state], vertices)
    indptr = np.r_[0, np.cumsum(np.bincount(pair_vertex[keep], minlength=vertices))]
    arcs = sp.csr_matrix((weight[pair_state[keep]], exit_vertex[pair_state[keep]], indptr),
                         shape=(vertices, vertices))
    return Compact(arcs, key, pair_state[keep], exit_vertex, weight, first, more,
                   np.flatnonzero(start[1:] == start[:-1]), end[held],
                   bool((times[state_edge] >= _TINY).all()))


def _least(a: np.ndarray, b: np.ndarray, w: np.ndarray, size: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """Return which arcs a → b to keep and their keys ``a * size + b``, sorted by key.

    Of parallel arcs the cheapest is kept.
    """
    key = a * size + b
    order = np.lexsort((w, key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]] if len(order) else order
    return first, key[first]


def _with_sources(compact: Compact, point: np.ndarray, state: np.ndarray, seconds: np.ndarray,
                  k: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Return the matrix with ``k`` sources appended, and the kept links' keys and indices.

    A source reaches each linked state's exit having driven it (cheapest link per exit,
    keyed ``source * size + exit``).
    """
    base, size = compact.matrix, compact.size
    keep, key = _least(point.astype(np.int64), compact.exit[state].astype(np.int64),
                       seconds + compact.weight[state], size)
    ends = base.nnz + np.cumsum(np.bincount(point[keep], minlength=k))
    matrix = sp.csr_matrix((np.r_[base.data, seconds[keep] + compact.weight[state[keep]]],
                            np.r_[base.indices, compact.exit[state[keep]].astype(
                                base.indices.dtype)],
                            np.r_[base.indptr, ends].astype(base.indptr.dtype)),
                           shape=(size + k, size + k))
    return matrix, key, keep


def state_times(compact: Compact, links: tuple[np.ndarray, ...], k: int,
                limit: float | None) -> np.ndarray:
    """Return the state times (``k`` sources × states) of a search from linked sources.

    ``links``: (source, state, seconds) — a source enters the state at those seconds
    (:func:`wuling_geo.network.turns._links`, ``"from"``).
    """
    return states_from(compact, vertex_times(compact, links, k, limit), links, limit)


def vertex_times(compact: Compact, links: tuple[np.ndarray, ...], k: int,
                 limit: float | None) -> np.ndarray:
    """Return the vertices' times (``k`` sources × vertices): when each is reached."""
    point, state, seconds = links[:3]
    size = compact.size
    matrix, _, _ = _with_sources(compact, point, state, seconds, k)
    return csgraph.dijkstra(matrix, directed=True, indices=np.arange(size, size + k),
                            limit=np.inf if limit is None else float(limit))[:, :size]


def states_from(compact: Compact, value: np.ndarray, links: tuple[np.ndarray, ...],
                limit: float | None) -> np.ndarray:
    """Return the state times from the vertices' times ``value`` (:func:`vertex_times`)."""
    point, state, seconds = links[:3]
    dist = value[:, compact.first]
    for states, vertices in compact.more:
        dist[:, states] = np.minimum(dist[:, states], value[:, vertices])
    dist[:, compact.none] = np.inf
    np.minimum.at(dist, (point, state), seconds)
    if limit is not None:  # a source's own link beyond the limit
        far = seconds > limit
        dist[point[far], state[far]] = np.where(dist[point[far], state[far]] > limit, np.inf,
                                                dist[point[far], state[far]])
    return dist


def arrivals(compact: Compact, value: np.ndarray, n: int) -> np.ndarray:
    """Return per node the earliest arrival over the edges into it (``k`` × ``n``).

    Exact only when :attr:`Compact.exact_arrivals` (the vertices hold entry time + edge
    time; the full graph adds the edge's own time, which is the same number then).
    """
    out = value[:, :n].copy()
    if len(compact.held_node):
        np.minimum.at(out.T, compact.held_node, value[:, n:].T)
    return out


def times_at(compact: Compact, links: tuple[np.ndarray, ...], k: int,
             states: np.ndarray) -> np.ndarray:
    """Return the entry times of ``states`` only (``k`` sources × states), no limit.

    ``links`` as for :func:`state_times`.
    """
    point, state, seconds = links[:3]
    size = compact.size
    matrix, _, _ = _with_sources(compact, point, state, seconds, k)
    value = csgraph.dijkstra(matrix, directed=True, indices=np.arange(size, size + k))
    time, _, _ = _best_entry(compact, value, states)
    own, _ = _own_links(compact, point, state, seconds, k, states)
    return np.minimum(time, own)


def entry_times(compact: Compact, links: tuple[np.ndarray, ...], k: int, states: np.ndarray,
                lengths: np.ndarray, state_edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the entry times of ``states`` and the metres driven before them, per source.

    ``links``: (source, state, seconds, metres) as for :func:`state_times`, the metres being
    those driven from the source to the state's start. The metres follow one fastest path
    (up the search tree). Both arrays are ``k`` × ``len(states)``.
    """
    point, state, seconds, metres = links[:4]
    size = compact.size
    matrix, src_key, src_keep = _with_sources(compact, point, state, seconds, k)
    value, pred = csgraph.dijkstra(matrix, directed=True, indices=np.arange(size, size + k),
                                   return_predecessors=True)
    time, at, _ = _best_entry(compact, value, states)
    walked = _walk(compact, pred, at, src_key,
                   metres[src_keep] + lengths[state_edge[state[src_keep]]], lengths, state_edge)
    own, which = _own_links(compact, point, state, seconds, k, states)
    use = own <= time  # the source's own link to the state is the best way in
    return np.where(use, own, time), np.where(use, metres[np.maximum(which, 0)], walked)


def _best_entry(compact: Compact, value: np.ndarray, states: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return per search and state the best vertex value leading into it, and that vertex."""
    options = [compact.first[states]]
    for level, vertices in compact.more:  # ``level`` is sorted: one entry per state
        if not len(level):
            continue
        at = np.minimum(np.searchsorted(level, states), len(level) - 1)
        options.append(np.where(level[at] == states, vertices[at], -1))
    vertex = np.stack(options)  # options × states (-1: none)
    vertex[:, np.isin(states, compact.none)] = -1
    got = np.where(vertex[None] >= 0, value[:, np.maximum(vertex, 0)], np.inf)  # k × o × s
    pick = np.argmin(got, axis=1)
    time = np.take_along_axis(got, pick[:, None], 1)[:, 0]
    return time, vertex[pick, np.arange(len(states))[None, :]], pick


def _own_links(compact: Compact, point: np.ndarray, state: np.ndarray, seconds: np.ndarray,
               k: int, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each source's own link seconds to ``states`` and the link's index.

    ``inf`` and -1 where a source has no link to a state; ``k`` × states.
    """
    n_states = len(compact.exit)
    key = point.astype(np.int64) * n_states + state  # sorted: by source, then state
    want = np.arange(k)[:, None] * n_states + states[None, :]
    if not len(key):
        return np.full(want.shape, np.inf), np.full(want.shape, -1)
    where = np.minimum(np.searchsorted(key, want), len(key) - 1)
    hit = key[where] == want
    return np.where(hit, seconds[where], np.inf), np.where(hit, where, -1)


def _walk(compact: Compact, pred: np.ndarray, at: np.ndarray, src_key: np.ndarray,
          src_metres: np.ndarray, lengths: np.ndarray, state_edge: np.ndarray) -> np.ndarray:
    """Return the metres up each search's tree (``pred``) to the vertices ``at`` (rows × items)."""
    size = compact.size
    # The metres of each tree arc into each reached vertex, looked up once.
    r_all, v_all = np.nonzero(pred >= 0)
    parent = pred[r_all, v_all].astype(np.int64)
    source = parent >= size
    step = np.zeros(pred.shape)
    arc = np.searchsorted(compact.arc_key, parent[~source] * size + v_all[~source])
    step[r_all[~source], v_all[~source]] = lengths[state_edge[compact.arc_state[arc]]]
    link = np.searchsorted(src_key, r_all[source] * size + v_all[source])
    step[r_all[source], v_all[source]] = src_metres[link]
    # Summed down the whole tree by pointer jumping (the trees are deep: walking up from
    # each vertex would take one numpy step per vertex of the longest path).
    rows, width = pred.shape
    up = np.where((pred >= 0) & (pred < size), pred + (np.arange(rows) * width)[:, None], -1)
    total = tree_lengths(up.ravel(), step.ravel()).reshape(rows, width)
    return np.take_along_axis(total, at.astype(np.int64), 1)
