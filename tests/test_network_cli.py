"""``wuling-geo network``: bad input gives one line and exit 2, leaving no network behind;
consolidation and info output on SYNTHETIC data."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from tests.test_network_osm import (
    AREA,
    NODES,
    WAYS,
    equator_m,
    meridian_m,
    parallel_m,
    write_osm,
)
from wuling_geo.cli import run
from wuling_geo.network.model import load_network


@pytest.fixture
def files(tmp_path):
    good = write_osm(tmp_path / "good.osm.pbf", NODES, WAYS)
    (tmp_path / "empty.osm.pbf").write_bytes(b"")
    (tmp_path / "trunc.osm.pbf").write_bytes(good.read_bytes()[:200])
    (tmp_path / "bad.osm").write_text('<osm version="0.6"><node id="1" lat="0"')
    (tmp_path / "roads.csv").write_text("a,b\n1,2\n")
    gpd.GeoDataFrame({"kind": ["primary"]}, geometry=[shapely.LineString([(108.7, 29.4),
                                                                           (108.71, 29.4)])],
                     crs="EPSG:4326").to_file(tmp_path / "roads.geojson")
    (tmp_path / "nogeom.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},'
        '"geometry":null}]}')
    (tmp_path / "bad.toml").write_text("name = 'x'\n")
    return tmp_path


CASES = {
    "missing file": (["nope.osm.pbf"], "OSM file .*nope.osm.pbf not found"),
    "empty file": (["empty.osm.pbf", "--area", AREA], "is empty"),
    "truncated": (["trunc.osm.pbf", "--area", AREA], "truncated or corrupt"),
    "corrupt xml": (["bad.osm", "--area", AREA], "cannot read OSM file"),
    "no roads in area": (["good.osm.pbf"], "no drivable roads in good.osm.pbf within Qianjiang"),
    "bad box": (["good.osm.pbf", "--area", "1,2,3"], r"is not W,S,E,N"),
    "swapped box": (["good.osm.pbf", "--area", "10,5,0,6"], r"W < E and S < N"),
    "negative buffer": (["good.osm.pbf", "--buffer-km", "-5"], r"'--buffer-km': -5.0 is not in "
                        r"the range 0<=x<=200"),
    "nan buffer": (["good.osm.pbf", "--buffer-km", "nan"], r"'--buffer-km': 'nan' is not a "
                   "finite number"),
    "inf buffer": (["good.osm.pbf", "--buffer-km", "inf"], "not a finite number"),
    "huge consolidation": (["good.osm.pbf", "--consolidate-m", "100"],
                           r"'--consolidate-m': 100.0 is not in the range 0<x<=20"),
    "nan consolidation": (["good.osm.pbf", "--consolidate-m", "nan"], "not a finite number"),
    "nan snap": (["roads.geojson", "--snap-m", "nan"], "not a finite number"),
    "unknown datum": (["roads.geojson", "--datum", "utm50"], "unknown datum 'utm50'"),
    "datum on osm": (["good.osm.pbf", "--datum", "gcj02"], "OSM files are WGS-84"),
    "unknown field": (["roads.geojson", "--class-field", "grade"], "no field 'grade'"),
    "no geometry": (["nogeom.geojson"], "has no geometry"),
    "unknown kind": (["roads.csv"], "neither an OSM file nor a road layer"),
    "profile missing": (["good.osm.pbf", "--profile-file", "none.toml"], "not found"),
    "profile invalid": (["good.osm.pbf", "--profile-file", "bad.toml"], "classes is missing"),
    "dem missing": (["good.osm.pbf", "--area", AREA, "--dem", "none.tif"], "DEM file"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_import_errors(files, capsys, monkeypatch, case):
    args, message = CASES[case]
    monkeypatch.chdir(files)
    out = files / "net"
    assert run(["-q", "network", "import", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wuling-geo: error: ") and "\n" not in err, err
    assert pytest.importorskip("re").search(message, err), err
    assert not out.exists()
    assert not [p for p in files.iterdir() if p.name.startswith(".net")]


def test_info_errors(tmp_path, capsys):
    assert run(["-q", "network", "info", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wuling-geo: error: no road network at") and "\n" not in err
    assert run(["network", "info", str(tmp_path), "--profile", "bus"]) == 2
    assert run(["network", "import", "x.osm", "--consolidate-m", "-1"]) == 2


def test_consolidate_close_intersections(tmp_path, capsys):
    # two north-south roads 10 m apart cross the equator road: two intersections 10 m apart
    nodes = {1: (0.0, 0.0), 2: (0.01, 0.0), 3: (0.01009, 0.0), 4: (0.02, 0.0),
             5: (0.01, -0.01), 6: (0.01, 0.01), 7: (0.01009, -0.01), 8: (0.01009, 0.01)}
    ways = [(1, [1, 2, 3, 4], {"highway": "primary"}),
            (2, [5, 2, 6], {"highway": "residential"}),
            (3, [7, 3, 8], {"highway": "residential"}),
            (4, [6, 8], {"highway": "residential"}), (5, [5, 7], {"highway": "residential"})]
    src = write_osm(tmp_path / "twin.osm", nodes, ways)
    base = ["network", "import", str(src), "--area", AREA, "--json"]
    assert run([*base, "--out", str(tmp_path / "plain")]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert run([*base, "--out", str(tmp_path / "merged"), "--consolidate-m", "15"]) == 0
    merged = json.loads(capsys.readouterr().out)
    assert merged["nodes"] == plain["nodes"] - 1
    assert merged["edges"] == plain["edges"] - 2  # the 10 m link, both ways
    net = load_network(tmp_path / "merged")
    assert 3 not in net.nodes.index
    x, y = net.nodes.loc[2, ["x", "y"]]
    assert x == pytest.approx(0.010045) and y == pytest.approx(0.0, abs=1e-12)
    for _, edge in net.edges.iterrows():  # every geometry still runs from u to v
        assert edge.geometry.coords[0] == pytest.approx(tuple(net.nodes.loc[edge["u"]]))
        assert edge.geometry.coords[-1] == pytest.approx(tuple(net.nodes.loc[edge["v"]]))
    assert net.meta["hygiene"]["consolidated_nodes"] == 1


def test_info_prints_the_summary(tmp_path, capsys):
    src = write_osm(tmp_path / "grid.osm", NODES, WAYS)
    assert run(["network", "import", str(src), "--area", AREA, "--out", str(tmp_path / "n")]) == 0
    capsys.readouterr()
    assert run(["network", "info", str(tmp_path / "n"), "--profile", "truck"]) == 0
    out = capsys.readouterr().out
    assert "nodes: 5  edges: 8" in out
    assert "primary" in out and "truck speed km/h" in out and "car speed" not in out
    assert "© OpenStreetMap contributors, ODbL" in out
    # km of road, each road once: A–B–C and E→D along parallels, B–D and C→E meridians
    km = json.loads(_json_info(tmp_path / "n", capsys))["road_km"]
    expected = 2 * equator_m(0.01) + parallel_m(0.01, 0.01) + 2 * meridian_m(0, 0.01)
    assert km == pytest.approx(expected / 1000, abs=0.0005)


def _json_info(folder, capsys) -> str:
    assert run(["network", "info", str(folder), "--json"]) == 0
    return capsys.readouterr().out
