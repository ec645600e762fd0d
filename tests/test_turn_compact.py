"""The shrunk turn graph gives the full turn-expanded graph's state times, bit for bit.

On the hand-made SYNTHETIC crossroads of :mod:`tests.test_turns` with a no_left_turn, an
only_straight_on, a restriction via a way and a bollard: every state's time from points
along every road equals a search over the full graph of states (independent: scipy on
:attr:`TurnGraph.matrix` with the sources appended).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csgraph

from wuling_geo.network import turn_compact, turns

from .test_turns import build, rel

VIA_WAY = (110, [("way", 12, "from"), ("way", 11, "via"), ("way", 22, "to")],
           {"type": "restriction", "restriction": "no_left_turn"})


def full_state_times(net, snaps, limit):
    matrix, size = turns.search_matrix(net, snaps, "car", "from")
    return csgraph.dijkstra(matrix, directed=True, indices=np.arange(size, size + len(snaps)),
                            limit=np.inf if limit is None else limit)[:, :size]


@pytest.mark.parametrize("limit", [None, 60.0, 150.0])
def test_shrunk_graph_gives_the_full_graphs_state_times(tmp_path, limit):
    rules = [rel(100, "no_left_turn", 12, 1, 10), rel(101, "only_straight_on", 13, 1, 12),
             VIA_WAY]
    net = build(tmp_path, rules, tags_30={"barrier": "bollard"}).network
    graph = turns.turn_graph(net, "car")
    assert len(turns.rules(net, "car").chains) == 1 and graph.size > len(graph.times)
    compact = turns._compact(net, "car")
    assert compact is not None and compact.size < graph.size
    # Points along every edge, at its ends too.
    pts = [g.interpolate(f, normalized=True) for g in net.edges.geometry for f in (0.0, 0.3, 1.0)]
    snaps = net.index.to_snaps(net.index.snap_points([p.x for p in pts], [p.y for p in pts]))
    got = turns.state_times(net, snaps, "car", limit)
    want = full_state_times(net, snaps, limit)
    assert np.array_equal(got, want)
    assert np.isfinite(got).any() and (limit is None or np.isinf(got).any())


def test_turn_costs_keep_the_full_graph():
    """Every transition costing its own turn leaves nothing to merge."""
    from wuling_geo.network.synthetic import grid_network

    net = grid_network(4, 4, spacing_m=500, origin=(108.74, 29.42))
    graph = turns.turn_graph(net, "car")
    assert turn_compact.build(net, graph.matrix, graph.state_edge, graph.times) is not None
    bumped = graph.matrix.copy()
    bumped.data = bumped.data + 1.0  # a turn cost on every transition
    assert turn_compact.build(net, bumped, graph.state_edge, graph.times) is None


def test_searches_on_the_shrunk_graph_equal_those_on_the_full_one(tmp_path, monkeypatch):
    """Node times, edge times, matrices and OD metres: the same with the shrunk graph or not."""
    rules = [rel(100, "no_left_turn", 12, 1, 10), rel(101, "only_straight_on", 13, 1, 12),
             VIA_WAY]
    net = build(tmp_path, rules, tags_30={"barrier": "bollard"}).network
    assert turns._compact(net, "car") is not None
    pts = [g.interpolate(f, normalized=True) for g in net.edges.geometry for f in (0.0, 0.4, 1.0)]
    snaps = net.index.to_snaps(net.index.snap_points([p.x for p in pts], [p.y for p in pts]))

    def everything():
        return (*turns.node_times(net, snaps, limit=120.0, edges=True),
                turns.node_times(net, snaps), turns.travel_time_matrix(net, snaps, snaps),
                *turns.od_arrays(net, snaps, snaps))

    shrunk = everything()
    monkeypatch.setattr(turns, "_compact", lambda *_: None)
    full = everything()
    for a, b in zip(shrunk[:5], full[:5], strict=True):
        assert np.array_equal(a, b)
    np.testing.assert_allclose(shrunk[5], full[5], rtol=1e-12, atol=1e-9)  # metres: sums
