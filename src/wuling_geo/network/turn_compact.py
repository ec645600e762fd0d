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

from wuling_geo.network.model import RoadNetwork

_TINY = 1e-9  # as turns._TINY: the least transition cost


@dataclass(frozen=True)
class Compact:
    """The shrunk graph: vertices are the nodes, then the restricted states."""

    matrix: sp.csr_matrix  # vertices × vertices
    exit: np.ndarray  # per state: the vertex its edge's end leads to
    weight: np.ndarray  # per state: the cost of driving its edge
    first: np.ndarray  # per state: a vertex leading into it (0 where none; see ``none``)
    more: tuple[tuple[np.ndarray, np.ndarray], ...]  # (states, vertices): the 2nd, 3rd, … ones
    none: np.ndarray  # states no vertex leads into

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
    arcs = _least(pair_vertex, exit_vertex[pair_state], weight[pair_state], n + len(held))
    return Compact(arcs, exit_vertex, weight, first, more, np.flatnonzero(start[1:] == start[:-1]))


def _least(a: np.ndarray, b: np.ndarray, w: np.ndarray, size: int) -> sp.csr_matrix:
    """Return the CSR of arcs a → b keeping the cheapest of parallel ones."""
    key = a * size + b
    order = np.lexsort((w, key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]] if len(order) else order
    return sp.csr_matrix((w[first], (a[first], b[first])), shape=(size, size))


def state_times(compact: Compact, links: tuple[np.ndarray, ...], k: int,
                limit: float | None) -> np.ndarray:
    """Return the state times (``k`` sources × states) of a search from linked sources.

    ``links``: (source, state, seconds) — a source enters the state at those seconds
    (:func:`wuling_geo.network.turns._links`, ``"from"``).
    """
    point, state, seconds = links[:3]
    base, size = compact.matrix, compact.size
    # A source reaches its states' exits having driven them; keep the cheapest per exit.
    a = point.astype(np.int64)
    b = compact.exit[state].astype(np.int64)
    w = seconds + compact.weight[state]
    key = a * size + b
    order = np.lexsort((w, key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]] if len(order) else order
    ends = base.nnz + np.cumsum(np.bincount(a[first], minlength=k))
    matrix = sp.csr_matrix((np.r_[base.data, w[first]],
                            np.r_[base.indices, b[first].astype(base.indices.dtype)],
                            np.r_[base.indptr, ends].astype(base.indptr.dtype)),
                           shape=(size + k, size + k))
    value = csgraph.dijkstra(matrix, directed=True, indices=np.arange(size, size + k),
                             limit=np.inf if limit is None else float(limit))[:, :size]
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
