"""``network fetch`` on real OSM data agrees with ``network import`` of the same extract.

Each extract in ../shared/realdata/ is served by a local Overpass stand-in
(:mod:`tests.overpass_standin`) answering osmnx's real queries; the fetched network must
match the offline import of the same PBF over the same box: the same drivable ways, the
same road length and the same car route times on a sample of origin-destination pairs.
Before the fix, the fetch crashed on every one of them (osmnx's merged ways put lists of
``maxspeed`` values into the Parquet table), dropped whole valleys of Liechtenstein
(``motor_vehicle=no`` + ``motorcar=yes`` ways), and missed unnamed built-up land use.

None of these places is Qianjiang: every run passes a box inside the extract as ``--area``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import osmnx as ox
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra

from tests.overpass_standin import OverpassStandin
from wuling_geo.cli import run
from wuling_geo.network.model import load_network
from wuling_geo.network.sources.overpass import merge_tag_lists, merge_values

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
#: (extract, box or None for the bounds of its roads). Heidelberg's region is large for
#: osmnx's pure-Python graph building: its old town only.
CASES = [
    pytest.param("andorra.osm.pbf", None, id="andorra"),
    pytest.param("monaco.osm.pbf", None, id="monaco", marks=pytest.mark.slow),
    pytest.param("liechtenstein-latest.osm.pbf", None, id="liechtenstein",
                 marks=pytest.mark.slow),
    pytest.param("heidelberg.test.pbf", "8.680,49.402,8.715,49.418", id="heidelberg-old-town",
                 marks=pytest.mark.slow),
]


def _roads_box(standin: OverpassStandin) -> str:
    data = standin.data
    refs = [r for refs, tags in data.ways.values() if "highway" in tags for r in refs
            if r in data.position]
    idx = np.fromiter((data.position[r] for r in refs), dtype=np.int64)
    lon, lat = data.lon[idx], data.lat[idx]
    return f"{lon.min():.5f},{lat.min():.5f},{lon.max():.5f},{lat.max():.5f}"


def _route_times(net, origins: np.ndarray, targets: np.ndarray) -> np.ndarray:
    times = dijkstra(net.csr("car"), indices=net.node_position.loc[origins].to_numpy())
    return times[:, net.node_position.loc[targets].to_numpy()]


@pytest.mark.parametrize(("name", "box"), CASES)
def test_fetch_agrees_with_import(name, box, tmp_path, capsys):
    pbf = REALDATA / name
    if not pbf.exists():
        pytest.skip(f"{pbf} is not on this machine")
    standin = OverpassStandin(pbf)
    box = box or _roads_box(standin)
    with standin.serve() as server:
        ox.settings.overpass_url = server.url + "/api"
        ox.settings.overpass_rate_limit = True  # reads the stand-in's /status
        ox.settings.use_cache = False
        assert run(["network", "fetch", "--area", box, "--out", str(tmp_path / "f")]) == 0
    paths = [p for p, _, _ in server.requests]
    assert any(p.endswith("/status") for p in paths)
    assert any(p.endswith("/interpreter") for p in paths)
    assert run(["network", "import", str(pbf), "--area", box, "--out", str(tmp_path / "i")]) == 0
    capsys.readouterr()
    fetched, imported = load_network(tmp_path / "f"), load_network(tmp_path / "i")

    # the same drivable ways (access rule, service and area exclusions) and the same length
    assert set(fetched.edges["way_id"]) == set(imported.edges["way_id"])
    km_f, km_i = fetched.edges["length"].sum() / 1000, imported.edges["length"].sum() / 1000
    assert km_f == pytest.approx(km_i, rel=0.01)
    # every edge holds single values (no osmnx lists) and one way's tags
    for column in ("maxspeed", "name", "ref", "lanes"):
        assert not fetched.edges[column].map(lambda v: isinstance(v, list)).any()
    assert fetched.meta["merged_tag_edges"] == 0

    # car route times on a sample of OD pairs: osmnx keeps no node where a closed way
    # (a roundabout) starts, the import splits there, and the curvature penalty of the
    # longer edge differs slightly: a few tenths of a percent at most
    common = np.intersect1d(fetched.node_ids, imported.node_ids)
    assert len(common) >= 0.98 * len(imported.nodes)
    rng = np.random.default_rng(11)
    origins = rng.choice(common, 15, replace=False)
    targets = rng.choice(common, 150, replace=False)
    t_f, t_i = _route_times(fetched, origins, targets), _route_times(imported, origins, targets)
    assert np.array_equal(np.isfinite(t_f), np.isfinite(t_i))
    real = np.isfinite(t_i) & (t_i > 60)
    assert real.sum() > 1000
    ratio = t_f[real] / t_i[real]
    assert np.quantile(np.abs(ratio - 1), 0.99) < 0.01
    assert np.abs(ratio - 1).max() < 0.02
    assert t_f[real].sum() == pytest.approx(t_i[real].sum(), rel=0.002)

    # the same turn restrictions and barriers (asked for with their own Overpass query)
    def rules(net):
        rel = set() if net.restrictions is None else set(net.restrictions["relation"])
        bar = set() if net.barriers is None else set(net.barriers["node"])
        return rel, bar

    assert rules(fetched) == rules(imported)
    assert any("restriction" in q for q in standin.queries)
    if imported.restrictions is not None or imported.barriers is not None:
        from wuling_geo.network import routing

        xy = imported.nodes.loc[rng.choice(common, 25, replace=False), ["x", "y"]].to_numpy()
        snaps_i = [imported.snap(x, y) for x, y in xy]
        snaps_f = [fetched.snap(x, y) for x, y in xy]
        m_f = routing.travel_time_matrix(fetched, snaps_f[:5], snaps_f)
        m_i = routing.travel_time_matrix(imported, snaps_i[:5], snaps_i)
        assert np.array_equal(np.isfinite(m_f), np.isfinite(m_i))
        ok = np.isfinite(m_i) & (m_i > 60)
        assert np.abs(m_f[ok] / m_i[ok] - 1).max() < 0.02

    # provenance names the source and the box, never Qianjiang
    meta = fetched.meta
    assert meta["kind"] == "overpass" and meta["area"]["area"] == "box"
    assert server.url in meta["source"]
    text = json.dumps(meta, ensure_ascii=False)
    assert "qianjiang" not in text.lower() and "黔江" not in text
    assert standin.trimmed_ways == 0  # these extracts hold every node of their ways


def test_merge_values_rules():
    assert merge_values(["60", "30"], "join") == "30;60"  # parse_maxspeed: the lowest
    assert merge_values(["yes", "no"], "join") == "no;yes"  # drivable_class: closed
    assert merge_values(["B; A", "A", None], "join") == "A;B"
    assert merge_values(["2", "1", "x"], "fewest") == "1"
    assert merge_values([np.nan, None], "join") is None
    assert merge_values([7, 3], "smallest") == 3
    assert merge_values([False, True], "any") is True


def test_merge_tag_lists_leaves_scalars_and_counts_lists():
    edges = pd.DataFrame({
        "highway": [["residential", "primary"], "primary"],
        "maxspeed": [["60", "30"], "50"],
        "lanes": [["2", "1"], None],
        "osmid": [[12, 10], 11],
        "length": [10.0, 20.0],
    })
    out, merged = merge_tag_lists(edges)
    assert merged == 1
    assert out["maxspeed"].tolist() == ["30;60", "50"]
    assert out["lanes"].tolist() == ["1", None]
    assert out["osmid"].tolist() == [10, 11]
    assert out["highway"].tolist() == edges["highway"].tolist()  # classes: _edge_class
    assert out["length"].tolist() == [10.0, 20.0]


def test_merged_classes_take_the_slowest_drivable_one():
    from wuling_geo.network.sources.osm_file import ImportFlags
    from wuling_geo.network.sources.overpass import _edge_class
    from wuling_geo.network.speed.profile import load_profile

    profile = load_profile()
    record = {"highway": ["primary", "footway", "residential"], "access": None}
    assert _edge_class(dict(record), profile, ImportFlags()) == "residential"
    record = {"highway": ["residential", "primary"], "access": "no;yes"}  # a closed part
    assert _edge_class(dict(record), profile, ImportFlags()) is None


def test_standin_filter_semantics():
    from tests.overpass_standin import parse_filters, tags_match

    clauses = parse_filters('["highway"~"^(primary|residential)$"][!"motorcar"]'
                            '["access"!~"(^|;) *(no|private) *(;|$)"]')
    assert tags_match({"highway": "primary"}, clauses)
    assert tags_match({"highway": "residential", "access": "yes"}, clauses)
    assert not tags_match({"highway": "primary", "access": "yes;no"}, clauses)
    assert not tags_match({"highway": "primary", "motorcar": "yes"}, clauses)
    assert not tags_match({"highway": "footway"}, clauses)
    assert tags_match({"railway": "rail"}, parse_filters("['railway'='rail']"))
    assert not tags_match({"railway": "tram"}, parse_filters("['railway'='rail']"))
    assert tags_match({"name": "x"}, parse_filters("['name']"))
    with pytest.raises(ValueError, match="unsupported"):
        parse_filters('["highway"](if: t["lanes"] > 2)')
