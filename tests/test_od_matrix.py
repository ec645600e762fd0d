"""OD matrices on SYNTHETIC networks, against analytic answers and networkx Dijkstra."""

import importlib
import itertools
import re

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from wuling_geo import settings as wg_settings
from wuling_geo._util.errors import InputError
from wuling_geo.analysis.od_matrix import od_matrix
from wuling_geo.network import routing
from wuling_geo.present.exports.tables import write_matrix

from .helpers import SMALL_GAZETTEER, cli
from .synthetic import from_edge_list, grid_network

wg_settings.quiet = True
od_module = importlib.import_module("wuling_geo.analysis.od_matrix")  # the package re-exports the function


def node_site(net, node_id, name=None):
    x, y = net.nodes.loc[node_id, ["x", "y"]]
    return (str(node_id), name or f"node {node_id}", float(x), float(y))


def along(net, a, b, f, name):
    """A point at fraction ``f`` of the straight road from node a to node b."""
    xa, ya = net.nodes.loc[a, ["x", "y"]]
    xb, yb = net.nodes.loc[b, ["x", "y"]]
    return (name, name, float(xa + f * (xb - xa)), float(ya + f * (yb - ya)))


def random_grid(seed, nx_=6, ny=5, one_way_share=0.0):
    """A SYNTHETIC grid with a random speed per edge (so time and distance orders differ)."""
    base = grid_network(nx_, ny, spacing_m=800)
    rng = np.random.default_rng(seed)
    pairs = list(zip(base.edges["u"], base.edges["v"], strict=True))
    keep = []
    for u, v in pairs:
        if u < v and rng.random() < one_way_share:
            continue  # drop u→v: the road v→u becomes one-way
        keep.append((u, v))
    speeds = {p: float(rng.uniform(15, 90)) for p in keep}
    return from_edge_list(base.nodes, keep, speeds, truck_factor=0.8)


# ---------------------------------------------------------------- independent reference

def nx_reference(net, origins, targets, profile="car"):
    """Times (s) and metres by networkx Dijkstra, splitting edges at snapped points."""
    g = nx.DiGraph()
    time_col = f"travel_time_{profile}"
    for row in net.edges.itertuples():
        t, length = getattr(row, time_col), row.length
        if g.has_edge(row.u, row.v) and g[row.u][row.v]["time"] <= t:
            continue
        g.add_edge(row.u, row.v, time=t, length=length)
    twin = {(r.u, r.v): i for i, r in enumerate(net.edges.itertuples())}
    edges = net.edges

    def attach(kind, i, site):
        snap = net.snap(site[2], site[3])
        e = snap.edge
        u, v, f = int(edges.u[e]), int(edges.v[e]), snap.fraction
        t, length = edges[time_col][e], edges["length"][e]
        node = (kind, i)
        back = twin.get((v, u))
        if kind == "o":
            g.add_edge(node, v, time=(1 - f) * t, length=(1 - f) * length)
            if back is not None:
                g.add_edge(node, u, time=f * edges[time_col][back], length=f * edges["length"][back])
        else:
            g.add_edge(u, node, time=f * t, length=f * length)
            if back is not None:
                g.add_edge(v, node, time=(1 - f) * edges[time_col][back],
                           length=(1 - f) * edges["length"][back])
        return node, e, f, back

    o_nodes = [attach("o", i, s) for i, s in enumerate(origins)]
    t_nodes = [attach("t", j, s) for j, s in enumerate(targets)]
    for on, oe, of, oback in o_nodes:  # same road: straight along it, either way if two-way
        for tn, te, tf, tback in t_nodes:
            at = tf if oe == te else (1 - tf) if tback is not None and oe == tback else None
            if at is None:
                continue
            if at >= of:  # ahead: along the origin's edge
                g.add_edge(on, tn, time=(at - of) * edges[time_col][oe],
                           length=(at - of) * edges["length"][oe])
            elif oback is not None:  # behind, on a two-way road: back along its twin
                g.add_edge(on, tn, time=(of - at) * edges[time_col][oback],
                           length=(of - at) * edges["length"][oback])
    seconds = np.full((len(origins), len(targets)), np.inf)
    meters = np.full_like(seconds, np.inf)
    for i, (on, *_) in enumerate(o_nodes):
        dist, paths = nx.single_source_dijkstra(g, on, weight="time")
        for j, (tn, *_) in enumerate(t_nodes):
            if tn in dist:
                seconds[i, j] = dist[tn]
                meters[i, j] = sum(g[a][b]["length"] for a, b in itertools.pairwise(paths[tn]))
    return seconds, meters


# ---------------------------------------------------------------- analytic cases

def test_grid_corners_known_answers():
    net = grid_network(5, 5, spacing_m=1000, speed_kph=36)  # 100 s per 1 km block
    sites = [node_site(net, n) for n in (1, 5, 25)]
    m = od_matrix(net, sites, sites)
    assert list(m.columns[:7]) == list(od_module.COLUMNS)
    got = m.set_index(["origin_id", "destination_id"])
    assert got.loc[("1", "25"), "minutes"] == pytest.approx(800 / 60)
    assert got.loc[("1", "25"), "km"] == pytest.approx(8.0, rel=1e-6)
    assert got.loc[("5", "1"), "km"] == pytest.approx(4.0, rel=1e-6)
    assert got.loc[("1", "1"), "minutes"] == 0 and got.loc[("1", "1"), "reachable"]


def test_mid_edge_points_on_the_same_road():
    net = grid_network(3, 1, spacing_m=1000, speed_kph=36)  # 1 — 2 — 3, two-way
    a, b = along(net, 1, 2, 0.25, "a"), along(net, 2, 3, 0.5, "b")
    m = od_matrix(net, [a, b], [a, b]).set_index(["origin_id", "destination_id"])
    assert m.loc[("a", "b"), "minutes"] == pytest.approx(125 / 60, abs=1e-3)
    assert m.loc[("a", "b"), "km"] == pytest.approx(1.25, abs=2e-3)
    assert m.loc[("b", "a"), "km"] == pytest.approx(1.25, abs=2e-3)


def test_truck_profile_is_slower_by_the_truck_factor():
    net = grid_network(4, 4, spacing_m=1000, speed_kph=36, truck_factor=0.8)
    sites = [node_site(net, n) for n in (1, 8, 16)]
    car, truck = od_matrix(net, sites, sites), od_matrix(net, sites, sites, profile="truck")
    assert truck["minutes"].to_numpy() == pytest.approx(car["minutes"].to_numpy() / 0.8)
    assert truck["km"].to_numpy() == pytest.approx(car["km"].to_numpy())
    assert truck.attrs["profile"] == "truck"


def test_unreachable_pairs_are_marked_not_zero():
    nodes = grid_network(4, 1, spacing_m=1000).nodes
    # 1 ⇄ 2   and   3 ⇄ 4: two separate roads; plus a one-way 2 → 3 only.
    net = from_edge_list(nodes, [(1, 2), (2, 1), (3, 4), (4, 3), (2, 3)])
    sites = [node_site(net, n) for n in (1, 4)]
    m = od_matrix(net, sites, sites).set_index(["origin_id", "destination_id"])
    assert m.loc[("1", "4"), "reachable"] and m.loc[("1", "4"), "km"] == pytest.approx(3, rel=1e-6)
    back = m.loc[("4", "1")]
    assert not back["reachable"] and np.isnan(back["minutes"]) and np.isnan(back["km"])


def test_agrees_with_routing_travel_time_matrix():
    net = random_grid(3, one_way_share=0.2)
    rng = np.random.default_rng(0)
    sites = [along(net, int(a), int(b), float(rng.uniform(0.1, 0.9)), f"p{i}")
             for i, (a, b) in enumerate(net.edges[["u", "v"]].sample(8, random_state=1).to_numpy())]
    m = od_matrix(net, sites, sites)
    snaps = [net.snap(s[2], s[3]) for s in sites]
    ref = routing.travel_time_matrix(net, snaps, snaps)
    got = m["minutes"].to_numpy().reshape(8, 8) * 60
    assert np.allclose(np.where(np.isfinite(ref), ref, -1), np.nan_to_num(got, nan=-1), atol=1e-6)


def test_chunks_give_the_same_answer(monkeypatch):
    net = random_grid(5)
    sites = [node_site(net, n) for n in range(1, 31)]
    whole = od_matrix(net, sites, sites[:7])
    monkeypatch.setattr(od_module, "CHUNK", 4)
    parts = od_matrix(net, sites, sites[:7])
    pd.testing.assert_frame_equal(whole, parts)


@hsettings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), one_way=st.sampled_from([0.0, 0.3]),
       picks=st.lists(st.tuples(st.integers(0, 10_000), st.floats(0.02, 0.98)), min_size=2,
                      max_size=6), walk=st.booleans())
def test_matches_networkx_dijkstra(seed, one_way, picks, walk):
    # Both ways of summing road metres: walking up from the destination ends, or the tree.
    saved, od_module.WALK_FACTOR = od_module.WALK_FACTOR, 0 if walk else 10**9
    try:
        check_against_networkx(seed, one_way, picks)
    finally:
        od_module.WALK_FACTOR = saved


def check_against_networkx(seed, one_way, picks):
    net = random_grid(seed, one_way_share=one_way)
    sites = []
    for i, (k, f) in enumerate(picks):
        u, v = net.edges[["u", "v"]].to_numpy()[k % len(net.edges)]
        sites.append(along(net, int(u), int(v), f, f"p{i}"))
    half = max(1, len(sites) // 2)
    origins, targets = sites[:half], sites[half:] or sites[:1]
    for profile in ("car", "truck"):
        m = od_matrix(net, origins, targets, profile=profile)
        ref_s, ref_m = nx_reference(net, origins, targets, profile)
        got_s = m["minutes"].to_numpy().reshape(ref_s.shape) * 60
        got_m = m["km"].to_numpy().reshape(ref_s.shape) * 1000
        assert np.array_equal(np.isfinite(ref_s), m["reachable"].to_numpy().reshape(ref_s.shape))
        ok = np.isfinite(ref_s)
        assert got_s[ok] == pytest.approx(ref_s[ok], abs=1e-6)
        assert got_m[ok] == pytest.approx(ref_m[ok], abs=1e-3)


def test_no_origins_is_an_input_error():
    net = grid_network(3, 3)
    with pytest.raises(InputError):
        od_matrix(net, [], [node_site(net, 1)])


# ---------------------------------------------------------------- files and CLI

def test_write_matrix_csv_and_parquet(tmp_path):
    net = grid_network(3, 3)
    m = od_matrix(net, [node_site(net, 1)], [node_site(net, 9)])
    csv = pd.read_csv(write_matrix(m, tmp_path / "m.csv"))
    par = pd.read_parquet(write_matrix(m, tmp_path / "m.parquet"))
    assert csv["km"].iloc[0] == pytest.approx(4.0, abs=1e-3) and par["km"].iloc[0] == pytest.approx(4.0)
    assert (par["attribution"] == net.meta["attribution"]).all()
    with pytest.raises(InputError, match=r"\.csv or FILE\.parquet"):
        write_matrix(m, tmp_path / "m.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv", "m.parquet"]


def test_cli_matrix_names_and_categories(capsys, tmp_path, network_dir):
    out_file = tmp_path / "m.csv"
    code, out, _ = cli(capsys, "--gazetteer", str(SMALL_GAZETTEER), "matrix", "--network",
                       str(network_dir), "--from", "JIQ", "黔江站", "--to-category", "civic",
                       "--profile", "truck", "--out", str(out_file))
    assert code == 0 and "2 × 1 pairs" in out
    frame = pd.read_csv(out_file)
    assert list(frame["origin_id"]) == ["wulingshan-airport", "qianjiang-station"]
    assert set(frame["destination_id"]) == {"district-seat"}
    assert frame["reachable"].all() and (frame["minutes"] > 0).all()
    code, out, _ = cli(capsys, "matrix", "--network", str(network_dir), "--from-category",
                       "transport", "--to", "108.78,29.50")
    assert code == 0 and len(out.strip().splitlines()) == 2  # railway lines are left out


@pytest.mark.parametrize(("args", "pattern"), [
    (["--from", "Nowhereville", "--to", "JIQ"], "unknown place 'Nowhereville'"),
    (["--from-category", "harbours", "--to", "JIQ"], "unknown category 'harbours'"),
    (["--from", "JIQ", "--from-category", "industry", "--to", "JIQ"], "either --from"),
    (["--from-category", "logistics", "--to", "JIQ"], "no logistics place has a known position"),
    (["--from", "JIQ", "--to", "JIQ", "--out", "OUT/m.xlsx"], r"FILE\.csv or FILE\.parquet"),
    (["--from", "JIQ", "--to", "JIQ", "--out", "OUT/missing/m.csv"], "does not exist"),
])
def test_cli_matrix_bad_input(capsys, tmp_path, network_dir, args, pattern):
    args = [a.replace("OUT", str(tmp_path)) for a in args]
    code, _, err = cli(capsys, "matrix", "--network", str(network_dir), *args)
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert code == 2 and re.search(pattern, err), err
    assert "Traceback" not in err and len(lines) == 1
    assert list(tmp_path.iterdir()) == []
