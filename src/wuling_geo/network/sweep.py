"""Vectorised sweeps over an acyclic "upward" graph, for few-to-many road matrices.

A contraction hierarchy's upward graphs are acyclic: every arc climbs the node order. The
distances from a few starts to *every* node of a set closed under the arcs then follow
from one pass over its nodes in topological order, with no priority queue: a node's value
is final once all its in-arcs (or, downwards, out-arcs) have been read. Nodes are grouped
in *layers* (the longest arc path below a node), so that each layer is one vectorised
step over all starts at once; the upward graphs of the SYNTHETIC 100,000-node benchmark
network have about 50 layers. This is the sweep of RPHAST (Delling, Goldberg and Werneck
2011), restricted to the nodes a matrix needs.

Values are complex numbers: seconds in the real part, road metres in the imaginary part.
numpy orders complex numbers lexicographically, so one ``minimum`` keeps the fastest time
together with the metres of the path that gives it (of equally fast paths, the shortest).
"""

from __future__ import annotations

import threading

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from wuling_geo._util.spans import spans

#: Candidate values (rows × arcs) computed in one vectorised step at most.
STEP_CELLS = 1 << 22
#: No value: unreachable (seconds and metres infinite).
NONE = complex(np.inf, np.inf)


def layers(graph: sp.csr_matrix) -> np.ndarray:
    """Return each node's layer in an acyclic graph: 0 without in-arcs, else 1 + its tails' most.

    Every arc u→w has ``layer[w] > layer[u]`` (Kahn's algorithm, one layer per round).

    Raises
    ------
    ValueError
        If the graph has a cycle.
    """
    n = graph.shape[0]
    indeg = np.bincount(graph.indices, minlength=n)
    layer = np.full(n, -1, dtype=np.int32)
    frontier = np.flatnonzero(indeg == 0)
    level = 0
    while len(frontier):
        layer[frontier] = level
        heads = graph.indices[arc_positions(graph.indptr, frontier)]
        indeg -= np.bincount(heads, minlength=n)
        heads = np.unique(heads)
        frontier = heads[indeg[heads] == 0]
        level += 1
    if (layer < 0).any():
        raise ValueError("the graph has a cycle: it is no upward graph")
    return layer


def arc_positions(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return the positions of the arcs of ``rows`` in a CSR, row by row."""
    return spans(indptr[rows], indptr[rows + 1] - indptr[rows])


def transposed(graph: sp.csr_matrix, metres: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Return the graph with every arc reversed, and its arcs' metres in the new data order."""
    order = sp.csr_matrix((np.arange(graph.nnz, dtype=np.float64), graph.indices,
                           graph.indptr), shape=graph.shape).T.tocsr()
    perm = order.data.astype(np.int64)
    flipped = sp.csr_matrix((graph.data[perm], order.indices, order.indptr), shape=graph.shape)
    return flipped, metres[perm]


class Reach:
    """The nodes reachable from a set of starts in one graph, by one breadth-first search.

    The search starts from an extra node whose arcs lead to the starts. The graph is copied
    once with that node's arcs at the end of its arrays, so that a query builds nothing of
    the graph's size (a multi-source ``csgraph.dijkstra`` sets up a heap entry for every
    node on every call): it writes the starts there, and the extra node's unused arcs loop
    back to itself. A lock guards the shared arcs.
    """

    def __init__(self, graph: sp.csr_matrix) -> None:
        self._n, self._nnz = graph.shape[0], graph.nnz
        self._lock = threading.Lock()
        self._graph = self._extended(graph.indices, graph.indptr, 1024)

    def _extended(self, indices: np.ndarray, indptr: np.ndarray, room: int) -> sp.csr_matrix:
        """Return the graph plus the extra node ``n`` with ``room`` arcs, all to itself."""
        kind = np.result_type(indices.dtype, indptr.dtype, np.int32)
        arcs = np.concatenate([indices[:self._nnz], np.full(room, self._n)]).astype(kind)
        ends = np.append(indptr, self._nnz + room).astype(kind)
        return sp.csr_matrix((np.ones(len(arcs)), arcs, ends),
                             shape=(self._n + 1, self._n + 1))

    def __call__(self, starts: np.ndarray) -> np.ndarray:
        """Return the nodes reachable from ``starts`` (sorted, the starts included)."""
        count = len(starts)
        with self._lock:
            graph = self._graph
            if count > graph.nnz - self._nnz:
                graph = self._graph = self._extended(graph.indices, graph.indptr[:-1],
                                                     2 * count)
            room = graph.indices[self._nnz:]
            room[:count] = starts
            try:
                order = csgraph.breadth_first_order(graph, self._n, directed=True,
                                                    return_predecessors=False)
            finally:
                room[:count] = self._n
        return np.sort(order[1:])


class Sweep:
    """A sweep over a node set in layer order along arcs: built once, run on any values.

    Every node ``nodes[j]`` (column ``j`` of the values) takes the minimum of its own value
    and, over each of its arcs in ``arcs``, the value at the arc's other end plus the arc
    (seconds + 1j × metres); other ends outside the set are skipped. The columns are in
    sweep order, so each layer is a slice of them.

    Parameters
    ----------
    nodes
        Node ids (any order; :attr:`nodes` holds them in sweep order).
    arcs
        The arcs read: in-arcs (the upward graph transposed) for an ascending sweep,
        out-arcs for a descending one, so that the other end is always done first.
    metres
        Road metres of ``arcs`` in its data order.
    layer
        The upward graph's :func:`layers`.
    descending
        Whether to sweep from the top layer down.
    """

    def __init__(self, nodes: np.ndarray, arcs: sp.csr_matrix, metres: np.ndarray,
                 layer: np.ndarray, descending: bool) -> None:
        nodes = np.asarray(nodes, dtype=np.int64)
        where = np.full(arcs.shape[0], -1, dtype=np.int64)
        where[nodes] = np.arange(len(nodes))
        pos = arc_positions(arcs.indptr, nodes)
        other = where[arcs.indices[pos]]
        inside = other >= 0
        owner = np.repeat(np.arange(len(nodes)), np.diff(arcs.indptr)[nodes])[inside]
        degree = np.bincount(owner, minlength=len(nodes))
        key = layer[nodes].astype(np.int64)
        # Sweep order: by layer; within a layer, the nodes with arcs first.
        seq = np.lexsort((degree == 0, -key if descending else key))
        self.nodes = nodes[seq]
        self._where = where
        self._where[self.nodes] = np.arange(len(nodes))
        rank = np.argsort(seq)
        by_node = np.argsort(rank[owner], kind="stable")
        self._tail = rank[other[inside][by_node]]
        self._cost = np.empty(len(by_node), dtype=complex)
        self._cost.real = arcs.data[pos[inside]][by_node]
        self._cost.imag = metres[pos[inside]][by_node]
        # Per layer: its nodes with arcs (columns lo:busy), their arcs (first:last) and
        # where each node's arcs start among them.
        degree = degree[seq]
        arc_end = np.cumsum(degree)
        cut = np.flatnonzero(np.diff(key[seq])) + 1
        self._steps: list[tuple[int, int, int, int, np.ndarray]] = []
        for lo, hi in zip(np.concatenate([[0], cut]).tolist(),
                          np.concatenate([cut, [len(seq)]]).tolist(), strict=True):
            busy = lo + int(np.count_nonzero(degree[lo:hi]))
            if busy > lo:
                first = int(arc_end[lo - 1]) if lo else 0
                self._steps.append((lo, busy, first, int(arc_end[busy - 1]),
                                    arc_end[lo:busy] - degree[lo:busy] - first))

    def columns(self, nodes: np.ndarray) -> np.ndarray:
        """Return the columns of ``nodes`` (-1 for a node outside the sweep)."""
        return self._where[np.asarray(nodes, dtype=np.int64)]

    def run(self, values: np.ndarray) -> np.ndarray:
        """Relax complex ``values`` (rows × :attr:`nodes`) in place and return them."""
        rows = max(values.shape[0], 1)
        for lo, busy, first, last, starts in self._steps:
            if rows * (last - first) <= STEP_CELLS:
                self._relax(values, lo, busy, first, last, starts)
                continue
            # A wide layer: a few of its nodes at a time (they do not depend on each other).
            per = max(1, STEP_CELLS // rows)
            a = 0
            while a < len(starts):
                b = max(a + 1, int(np.searchsorted(starts, starts[a] + per, "right")) - 1)
                end = first + (int(starts[b]) if b < len(starts) else last - first)
                self._relax(values, lo + a, lo + b, first + int(starts[a]), end,
                            starts[a:b] - starts[a])
                a = b
        return values

    def _relax(self, values: np.ndarray, lo: int, hi: int, first: int, last: int,
               starts: np.ndarray) -> None:
        """Relax columns ``lo:hi`` over their arcs ``first:last`` (``starts``: each one's first)."""
        cand = np.take(values, self._tail[first:last], axis=1)
        cand += self._cost[first:last]
        np.minimum(values[:, lo:hi], np.minimum.reduceat(cand, starts, axis=1),
                   out=values[:, lo:hi])
