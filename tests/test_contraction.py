"""The contraction-hierarchy matrix engine equals plain Dijkstra, on SYNTHETIC grids.

Times to the second and road km along the fastest path, unreachable pairs marked; the
hierarchy is stored in the cache and reused.
"""

import importlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from wuling_geo import settings as wg_settings
from wuling_geo._util.errors import InputError
from wuling_geo.analysis.od_matrix import od_arrays, od_matrix
from wuling_geo.network import contraction, sweep
from wuling_geo.network.model import load_network, save_network
from wuling_geo.network.snapping import PointSnaps

from .synthetic import from_edge_list, grid_network
from .test_od_matrix import along, nx_reference, random_grid

od_module = importlib.import_module("wuling_geo.analysis.od_matrix")


def messy_grid(seed: int, nx_: int, ny: int, one_way: float, cut: bool, islands: bool):
    """A SYNTHETIC grid: random speeds, some one-way roads, maybe cut in two, maybe islands.

    ``cut`` removes every road across the middle column (two parts that cannot reach each
    other); ``islands`` drops all roads of a few random nodes (isolated junctions).
    """
    base = grid_network(nx_, ny, spacing_m=700)
    rng = np.random.default_rng(seed)
    lonely = set(rng.choice(base.nodes.index, size=2, replace=False).tolist()) if islands else set()
    keep = []
    for u, v in zip(base.edges["u"], base.edges["v"], strict=True):
        col_u, col_v = (u - 1) % nx_, (v - 1) % nx_
        if cut and {col_u, col_v} == {nx_ // 2 - 1, nx_ // 2}:
            continue
        if u in lonely or v in lonely:
            continue
        if u < v and rng.random() < one_way:
            continue  # v→u stays: a one-way road
        keep.append((u, v))
    speeds = {p: float(rng.uniform(10, 100)) for p in keep}
    return from_edge_list(base.nodes, keep, speeds)


def random_snaps(net, rng, count: int) -> PointSnaps:
    """Points on random roads, some exactly at a junction (fraction 0 or 1)."""
    edge = rng.integers(0, len(net.edges), count)
    fraction = rng.uniform(0, 1, count)
    fraction[rng.random(count) < 0.2] = 0.0
    fraction[rng.random(count) < 0.2] = 1.0
    return PointSnaps(edge, fraction, np.zeros(count))


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), nx_=st.integers(2, 7), ny=st.integers(1, 6),
       one_way=st.sampled_from([0.0, 0.3, 0.6]), cut=st.booleans(), islands=st.booleans(),
       k=st.integers(1, 7), m=st.integers(1, 7), stall=st.booleans(), swept=st.booleans())
def test_hierarchy_equals_dijkstra(seed, nx_, ny, one_way, cut, islands, k, m, stall, swept):
    net = messy_grid(seed, max(nx_, 2), max(ny, 2), one_way, cut and nx_ >= 3, islands)
    if len(net.edges) == 0:
        return
    rng = np.random.default_rng(seed + 1)
    origins, targets = random_snaps(net, rng, k), random_snaps(net, rng, m)
    plain_s, plain_m = od_arrays(net, origins, targets, engine="dijkstra")
    saved = (contraction.STALL_PAIRS, contraction.SWEEP_RATIO, contraction.SWEEP_ROWS,
             contraction.CHUNK, sweep.STEP_CELLS)
    contraction.STALL_PAIRS = 0 if stall else 10**9  # with and without stall-on-demand
    # The sweeps (a few rows at a time) or the join of search spaces.
    contraction.SWEEP_RATIO = 1 if swept else 10**9
    contraction.SWEEP_ROWS, sweep.STEP_CELLS = 3, 4  # wide layers split into steps
    contraction.CHUNK = 2  # the join's searches a few points at a time
    try:
        ch_s, ch_m = od_arrays(net, origins, targets, engine="ch")
    finally:
        (contraction.STALL_PAIRS, contraction.SWEEP_RATIO, contraction.SWEEP_ROWS,
         contraction.CHUNK, sweep.STEP_CELLS) = saved
    reach = np.isfinite(plain_s)
    np.testing.assert_array_equal(np.isfinite(ch_s), reach)  # unreachable stays unreachable
    np.testing.assert_allclose(ch_s[reach], plain_s[reach], rtol=0, atol=1e-6)
    np.testing.assert_allclose(ch_m[reach], plain_m[reach], rtol=0, atol=1e-6)
    assert np.isinf(ch_m[~reach]).all()


def test_matrix_with_hierarchy_marks_unreachable_and_matches(monkeypatch):
    """od_matrix through the hierarchy: same minutes and km, unreachable NaN, never zero."""
    net = messy_grid(3, 6, 4, 0.3, cut=True, islands=False)
    nodes = net.nodes
    sites = [(str(i), f"node {i}", float(nodes.at[i, "x"]), float(nodes.at[i, "y"]))
             for i in nodes.index[::3]]
    contraction.hierarchy(net, "car")
    assert od_module._use_ch(net, "car", "auto", len(sites), len(sites))
    with_ch = od_matrix(net, sites, sites)
    monkeypatch.setattr(od_module, "_use_ch", lambda *_: False)
    plain = od_matrix(net, sites, sites)
    assert (~plain["reachable"]).any()  # the cut leaves pairs without a road
    np.testing.assert_array_equal(with_ch["reachable"], plain["reachable"])
    np.testing.assert_allclose(with_ch["minutes"], plain["minutes"], atol=1e-8)  # NaN == NaN
    np.testing.assert_allclose(with_ch["km"], plain["km"], atol=1e-9)
    off = ~with_ch["reachable"]
    assert with_ch.loc[off, ["minutes", "km"]].isna().all().all()


def test_hierarchy_is_stored_and_reused(tmp_path, monkeypatch):
    net = messy_grid(5, 5, 5, 0.3, cut=False, islands=False)
    first = contraction.hierarchy(net, "car")
    stored = contraction.cache_path(net, "car")
    assert stored.exists() and stored.parent == wg_settings.cache_dir / "contraction"
    assert contraction.is_built(net, "car")

    def no_build(*_args):
        raise AssertionError("the stored hierarchy should have been reused")

    monkeypatch.setattr(contraction, "build", no_build)
    # A fresh object with the same roads reads the stored hierarchy.
    again = messy_grid(5, 5, 5, 0.3, cut=False, islands=False)
    assert contraction.is_built(again, "car")
    second = contraction.hierarchy(again, "car")
    np.testing.assert_array_equal(second.rank, first.rank)
    assert (second.up != first.up).nnz == 0
    np.testing.assert_array_equal(second.down_metres, first.down_metres)
    # Another profile or other roads have their own hierarchy.
    assert contraction.cache_path(net, "truck") != stored
    other = messy_grid(6, 5, 5, 0.3, cut=False, islands=False)
    assert contraction.cache_path(other, "car") != stored
    assert not contraction.is_built(other, "car")


def test_saved_network_keys_by_checksums_and_survives_a_damaged_cache(tmp_path, monkeypatch):
    net = messy_grid(7, 5, 4, 0.2, cut=False, islands=False)
    folder = save_network(net, tmp_path / "net")
    loaded = load_network(folder)
    path = contraction.cache_path(loaded, "car")
    assert path == contraction.cache_path(load_network(folder), "car")
    built = contraction.hierarchy(loaded, "car")
    assert path.exists()
    # A damaged file is rebuilt, not trusted.
    path.write_bytes(b"not a hierarchy")
    fresh = load_network(folder)
    rebuilt = contraction.hierarchy(fresh, "car")
    np.testing.assert_array_equal(rebuilt.rank, built.rank)
    assert np.load(path)["rank"].shape == built.rank.shape  # rewritten


def test_small_matrix_without_hierarchy_does_not_build_one():
    net = messy_grid(1, 4, 4, 0.0, cut=False, islands=False)
    assert not od_module._use_ch(net, "car", "auto", 3, 3)
    assert not od_module._use_ch(net, "car", "auto", 30, 1000)
    assert od_module._use_ch(net, "car", "auto", od_module.CH_MIN_ORIGINS, 1)
    nodes = net.nodes
    sites = [(str(i), str(i), float(nodes.at[i, "x"]), float(nodes.at[i, "y"]))
             for i in nodes.index[:3]]
    assert od_matrix(net, sites, sites)["reachable"].all()
    assert not contraction.cache_path(net, "car").exists()
    with pytest.raises(InputError, match="unknown matrix engine"):
        od_module._use_ch(net, "car", "fast", 3, 3)


def test_layers_climb_every_arc_and_refuse_a_cycle():
    """Every arc of an upward graph climbs a layer; a graph with a cycle is refused."""
    import scipy.sparse as sp

    net = messy_grid(5, 6, 5, 0.3, cut=False, islands=False)
    h = contraction.hierarchy(net, "car", store=False)
    for graph, layer in ((h.up, h.up_layer), (h.down, h.down_layer)):
        tail = np.repeat(np.arange(graph.shape[0]), np.diff(graph.indptr))
        assert (layer[graph.indices] > layer[tail]).all()
        assert layer.min() == 0
    cycle = sp.csr_matrix((np.ones(3), ([0, 1, 2], [1, 2, 0])), shape=(3, 3))
    with pytest.raises(ValueError, match="cycle"):
        sweep.layers(cycle)


def test_reach_equals_a_multi_source_search():
    """sweep.Reach: the nodes a multi-source Dijkstra reaches, call after call (its room grows)."""
    import scipy.sparse as sp
    from scipy.sparse import csgraph

    rng = np.random.default_rng(4)
    n = 3000
    tail, head = rng.integers(0, n, 2 * n), rng.integers(0, n, 2 * n)
    up = tail < head  # acyclic, as a hierarchy's upward graph, with unreachable parts
    graph = sp.csr_matrix((np.ones(up.sum()), (tail[up], head[up])), shape=(n, n))
    reach = sweep.Reach(graph)
    for count in (1, 5, 2000, 3, 1500, 40):  # past the initial room, then fewer again
        starts = rng.integers(0, n, count)
        expected = np.flatnonzero(np.isfinite(
            csgraph.dijkstra(graph, directed=True, indices=np.unique(starts), min_only=True)))
        np.testing.assert_array_equal(reach(starts), expected)


@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), one_way=st.sampled_from([0.0, 0.4]),
       picks=st.lists(st.tuples(st.integers(0, 3), st.floats(0.02, 0.98)), min_size=2,
                      max_size=8), engine=st.sampled_from(["ch", "dijkstra"]))
def test_points_on_shared_roads_match_networkx(seed, one_way, picks, engine):
    """Origins and targets on the same few roads (either way, one-way too): both engines
    equal networkx's Dijkstra on the graph split at the points, drives along a road included."""
    net = random_grid(seed, nx_=4, ny=3, one_way_share=one_way)
    uv = net.edges[["u", "v"]].to_numpy()
    sites = [along(net, int(uv[k][0]), int(uv[k][1]), f, f"p{i}")
             for i, (k, f) in enumerate(picks)]
    half = max(1, len(sites) // 2)
    origins, targets = sites[:half], sites[half:] or sites[:1]
    m = od_matrix(net, origins, targets, engine=engine)
    ref_s, ref_m = nx_reference(net, origins, targets)
    got_s = m["minutes"].to_numpy().reshape(ref_s.shape) * 60
    got_m = m["km"].to_numpy().reshape(ref_s.shape) * 1000
    ok = np.isfinite(ref_s)
    np.testing.assert_array_equal(m["reachable"].to_numpy().reshape(ref_s.shape), ok)
    np.testing.assert_allclose(got_s[ok], ref_s[ok], rtol=0, atol=1e-6)
    np.testing.assert_allclose(got_m[ok], ref_m[ok], rtol=0, atol=1e-3)
