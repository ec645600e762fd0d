import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from wuling_geo._util.errors import InputError
from wuling_geo._util.trees import tree_lengths
from wuling_geo.network import routing
from wuling_geo.network.model import Snap

from .synthetic import from_edge_list, grid_network


def node_snap(net, node_id):
    x, y = net.nodes.loc[node_id, ["x", "y"]]
    return net.snap(x, y)


def test_grid_times_are_manhattan():
    net = grid_network(4, 3, spacing_m=1000, speed_kph=36)  # 100 s per block
    d = routing.node_times(net, [node_snap(net, 1)])[0]
    for j in range(3):
        for i in range(4):
            assert d[net.node_position[j * 4 + i + 1]] == pytest.approx(100 * (i + j), abs=1e-6)


def test_mid_edge_origin_and_target():
    net = grid_network(3, 1, spacing_m=1000, speed_kph=36)  # 1 — 2 — 3
    x = net.nodes.x.to_numpy()
    y0 = float(net.nodes.y.iloc[0])
    a = net.snap(x[0] + 0.25 * (x[1] - x[0]), y0)
    b = net.snap(x[1] + 0.5 * (x[2] - x[1]), y0)
    m = routing.travel_time_matrix(net, [a, b], [a, b])
    assert m[0, 1] == pytest.approx(125, abs=0.5) and m[1, 0] == pytest.approx(125, abs=0.5)
    assert np.diag(m) == pytest.approx([0, 0], abs=1e-6)
    path = routing.fastest_path(net, a, b)
    assert path.seconds == pytest.approx(125, abs=0.5)
    assert path.meters == pytest.approx(1250, abs=5)


def test_one_way_is_respected():
    nodes = pd.DataFrame({"x": [108.70, 108.71, 108.72], "y": [29.45] * 3},
                         index=pd.Index([1, 2, 3], name="node"))
    net = from_edge_list(nodes, [(1, 2), (2, 3)])  # one-way chain
    d_from_3 = routing.node_times(net, [node_snap(net, 3)])[0]
    assert np.isinf(d_from_3[net.node_position[1]])
    with pytest.raises(InputError, match="cannot be reached"):
        routing.fastest_path(net, node_snap(net, 3), node_snap(net, 1))
    back = routing.node_times(net, [node_snap(net, 3)], direction="to")[0]
    assert back[net.node_position[1]] > 0 and np.isfinite(back[net.node_position[1]])


def test_limit_and_nearest():
    net = grid_network(5, 1, spacing_m=1000, speed_kph=36)
    d = routing.node_times(net, [node_snap(net, 1)], limit=250)[0]
    assert np.isfinite(d[:3]).all() and np.isinf(d[3:]).all()
    t, which = routing.nearest_times(net, [node_snap(net, 1), node_snap(net, 5)])
    assert list(which) == [0, 0, 0, 1, 1] or list(which) == [0, 0, 1, 1, 1]
    assert t == pytest.approx([0, 100, 200, 100, 0], abs=1e-6)


def test_bad_direction_and_no_origins():
    net = grid_network(2, 2)
    with pytest.raises(InputError, match="unknown direction"):
        routing.node_times(net, [node_snap(net, 1)], direction="sideways")
    with pytest.raises(InputError, match="no origins"):
        routing.node_times(net, [])


def test_tree_lengths_matches_walk():
    rng = np.random.default_rng(1)
    n = 200
    pred = np.array([-9999] + [int(rng.integers(0, i)) for i in range(1, n)])
    step = rng.random(n)
    step[0] = 0
    walk = np.zeros(n)
    for i in range(n):
        j, s = i, 0.0
        while j >= 0:
            s += step[j]
            j = pred[j]
        walk[i] = s
    assert tree_lengths(pred, step) == pytest.approx(walk)


@st.composite
def random_networks(draw):
    n = draw(st.integers(3, 12))
    rng = np.random.default_rng(draw(st.integers(0, 10_000)))
    nodes = pd.DataFrame({"x": 108.7 + rng.random(n) * 0.05, "y": 29.45 + rng.random(n) * 0.05},
                         index=pd.Index(np.arange(1, n + 1), name="node"))
    pairs = {(int(a), int(b)) for a, b in rng.integers(1, n + 1, size=(3 * n, 2)) if a != b}
    speeds = {p: float(rng.choice([20, 40, 60, 80])) for p in pairs}
    return from_edge_list(nodes, sorted(pairs), speeds)


@settings(max_examples=40, deadline=None)
@given(random_networks())
def test_node_times_match_networkx(net):
    g = nx.DiGraph()
    for u, v, t in zip(net.edges.u, net.edges.v, net.edges.travel_time_car, strict=True):
        if not g.has_edge(u, v) or g[u][v]["w"] > t:
            g.add_edge(u, v, w=t)
    src = int(net.edges.u.iloc[0])  # a node with at least one road
    ref = nx.single_source_dijkstra_path_length(g, src, weight="w")
    snap = Snap(0, src, int(net.edges.v.iloc[0]), 0.0, 0.0, None)  # at the start of edge 0
    got = routing.node_times(net, [snap])[0]
    for node, pos in net.node_position.items():
        expected = ref.get(node, np.inf)
        if np.isinf(expected):
            assert np.isinf(got[pos])
        else:
            assert got[pos] == pytest.approx(expected, abs=1e-6)


def test_loop_roads_and_parallel_roads():
    nodes = pd.DataFrame({"x": [108.70, 108.71], "y": [29.45, 29.45]},
                         index=pd.Index([1, 2], name="node"))
    net = from_edge_list(nodes, [(1, 2), (2, 1), (2, 2), (2, 2)])
    loop = shapely.LineString([(108.71, 29.45), (108.72, 29.45), (108.72, 29.46), (108.71, 29.45)])
    net.edges.loc[2, "geometry"] = loop
    net.edges.loc[3, "geometry"] = loop.reverse()
    net.edges.loc[[2, 3], "length"] = 3000.0
    net.edges.loc[[2, 3], "travel_time_car"] = 300.0
    assert list(routing.reverse_edges(net)) == [1, 0, 3, 2]
    # A point a quarter of the way round a two-way loop: back to the junction in 75 s,
    # not round the whole loop (225 s) and not both summed (300 s).
    d = routing.node_times(net, [Snap(2, 2, 2, 0.25, 0.0, None)])[0]
    assert d[net.node_position[2]] == pytest.approx(75.0)
    # The same loop one-way: the point must go on round.
    one_way = from_edge_list(nodes, [(1, 2), (2, 1), (2, 2)])
    one_way.edges.loc[2, ["length", "travel_time_car"]] = [3000.0, 300.0]
    assert routing.reverse_edges(one_way)[2] == -1
    d = routing.node_times(one_way, [Snap(2, 2, 2, 0.25, 0.0, None)])[0]
    assert d[one_way.node_position[2]] == pytest.approx(225.0)


def test_parallel_road_of_another_length_is_not_a_twin():
    nodes = pd.DataFrame({"x": [108.70, 108.71], "y": [29.45, 29.45]},
                         index=pd.Index([1, 2], name="node"))
    net = from_edge_list(nodes, [(1, 2), (2, 1)])
    net.edges.loc[1, "length"] = net.edges.loc[0, "length"] + 400  # a different, longer road
    assert list(routing.reverse_edges(net)) == [-1, -1]


def test_searches_build_the_networks_matrix_once_per_profile_and_direction(monkeypatch):
    """Regression: every search rebuilt the network's sparse matrix (80 ms at 100k nodes);
    it is now kept in the index per profile and direction, and the times are unchanged."""
    from wuling_geo.network.model import RoadNetwork

    net = grid_network(4, 4)
    snaps = [node_snap(net, net.nodes.index[0]), node_snap(net, net.nodes.index[5])]
    fresh = {d: routing.node_times(grid_network(4, 4), snaps, direction=d) for d in ("from", "to")}
    built = []
    real = RoadNetwork.csr
    monkeypatch.setattr(RoadNetwork, "csr", lambda self, *a, **k: built.append(a) or real(self, *a, **k))
    for _ in range(2):
        for direction in ("from", "to"):
            got = routing.node_times(net, snaps, direction=direction)
            np.testing.assert_array_equal(got, fresh[direction])
    assert len(built) == 2  # one per direction
