"""``network fetch`` against a local Overpass stand-in, and the offline fast-fail.

The fixture answers in Overpass JSON with SYNTHETIC roads (a small grid inside the district,
not real Qianjiang roads), a railway, a town node and a named attraction.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import osmnx as ox
import pytest
from pyproj import Geod

from tests.fixture_server import FixtureServer
from wuling_geo._util.errors import OfflineError
from wuling_geo.cli import run
from wuling_geo.data.osm_features import load_features
from wuling_geo.network.build.importer import ImportOptions
from wuling_geo.network.model import load_extra, load_network
from wuling_geo.network.sources.overpass import fetch_network

LON0, LAT0, STEP = 108.76, 29.52, 0.005


def _elements() -> dict[str, list[dict]]:
    nodes = [{"type": "node", "id": 1 + i + 3 * j, "lon": LON0 + STEP * i, "lat": LAT0 + STEP * j}
             for j in range(3) for i in range(3)]
    ways = []
    wid = 100
    for j in range(3):
        ways.append({"type": "way", "id": wid, "nodes": [1 + 3 * j, 2 + 3 * j, 3 + 3 * j],
                     "tags": {"highway": "primary" if j == 1 else "residential",
                              "name": f"SYNTHETIC Street {j}"}})
        wid += 1
    for i in range(3):
        ways.append({"type": "way", "id": wid, "nodes": [1 + i, 4 + i, 7 + i],
                     "tags": {"highway": "residential", "maxspeed": "25"}})
        wid += 1
    extra_nodes = [
        {"type": "node", "id": 50, "lon": LON0 + 0.02, "lat": LAT0, },
        {"type": "node", "id": 51, "lon": LON0 + 0.02, "lat": LAT0 + 0.01},
        {"type": "node", "id": 60, "lon": LON0 - 0.01, "lat": LAT0 - 0.002},
        {"type": "node", "id": 61, "lon": LON0 + 0.03, "lat": LAT0 - 0.002},
        {"type": "node", "id": 70, "lon": LON0 + STEP, "lat": LAT0 + STEP + 0.001,
         "tags": {"place": "town", "name": "SYNTHETIC Town"}},
        {"type": "node", "id": 71, "lon": LON0 + 0.002, "lat": LAT0 + 0.002,
         "tags": {"tourism": "attraction", "name": "SYNTHETIC Sight"}},
    ]
    excluded = [
        {"type": "way", "id": 200, "nodes": [3, 50], "tags": {"highway": "footway"}},
        {"type": "way", "id": 201, "nodes": [3, 51], "tags": {"highway": "residential",
                                                             "access": "private"}},
    ]
    rail = [{"type": "way", "id": 300, "nodes": [60, 61],
             "tags": {"railway": "rail", "name": "SYNTHETIC Railway"}}]
    return {"nodes": nodes + extra_nodes, "roads": ways + excluded, "rail": rail}


def overpass_handler(path, params, body):
    if path.endswith("/status"):
        return 200, "Connected as: 1\nRate limit: 0\n2 slots available now.\n"
    query = params.get("data", "")
    data = _elements()
    if 'way["highway"' in query:
        ways = data["roads"]
    elif '"railway"=\'rail\'' in query or "'railway'='rail'" in query:
        ways = data["rail"]
    elif "'place'='town'" in query:  # the urban mask's query: place nodes and landuse
        return 200, {"version": 0.6, "elements": [
            n for n in data["nodes"] if n.get("tags", {}).get("place") == "town"]}
    elif "'name'" in query:
        ways = [w for w in data["roads"] + data["rail"] if "name" in w.get("tags", {})]
        named = [n for n in data["nodes"] if "name" in n.get("tags", {})]
        refs = {r for w in ways for r in w["nodes"]}
        nodes = named + [n for n in data["nodes"] if n["id"] in refs and n not in named]
        return 200, {"version": 0.6, "elements": nodes + ways}
    else:
        return 200, {"version": 0.6, "elements": []}
    refs = {r for w in ways for r in w["nodes"]}
    nodes = [n for n in data["nodes"] if n["id"] in refs]
    return 200, {"version": 0.6, "elements": nodes + ways}


@pytest.fixture
def overpass():
    with FixtureServer({"/api": overpass_handler}) as server:
        ox.settings.overpass_url = server.url + "/api"
        ox.settings.overpass_rate_limit = False
        ox.settings.use_cache = False
        yield server


def test_fetch_builds_the_network(tmp_path, overpass):
    result = fetch_network(tmp_path / "net", ImportOptions(buffer_km=5))
    net = load_network(tmp_path / "net")
    assert any(p.endswith("/interpreter") for p, _, _ in overpass.requests)
    assert set(net.edges["highway"]) == {"primary", "residential"}
    # edges are merged only within one way: the grid's corners, where two ways meet, stay
    assert set(net.nodes.index) == set(range(1, 10))
    geod = Geod(ellps="WGS84")
    grid_m = sum(geod.inv(LON0 + STEP * i, LAT0 + STEP * j, LON0 + STEP * (i + di),
                          LAT0 + STEP * (j + dj))[2]
                 for i in range(3) for j in range(3) for di, dj in ((1, 0), (0, 1))
                 if i + di < 3 and j + dj < 3)
    assert net.edges["length"].sum() == pytest.approx(2 * grid_m)  # every street, both ways
    assert set(net.edges["way_id"]) <= set(range(100, 106))  # footway and private way dropped
    near_town = net.edges[net.edges["name"] == "SYNTHETIC Street 1"]
    assert near_town["urban"].all() and (near_town["speed_kph_car"] == 60).all()
    signed = net.edges[net.edges["maxspeed"] == "25"]
    # no edge turns a corner into the next way: every signed edge is straight at its limit
    assert len(signed) == 12 and (signed["turning_deg_per_km"] == 0).all()
    assert (signed["speed_kph_car"] == 25).all()
    assert net.meta["merged_tag_edges"] == 0
    meta = net.meta
    assert meta["kind"] == "overpass" and meta["attribution"].startswith("©")
    assert meta["query"]["overpass_url"] == ox.settings.overpass_url
    assert meta["query"]["way_filters"][0].startswith('["highway"~"^(')
    assert meta["area"]["area"] == "qianjiang" and meta["area"]["buffer_km"] == 5
    assert meta["created"][:4].isdigit()
    rail = load_extra(tmp_path / "net", "railways")
    assert list(rail["name"]) == ["SYNTHETIC Railway"] and result.railways == 1
    features = load_features(network_dir=tmp_path / "net")  # stored with the network
    assert not features.duplicated(["osm_type", "osm_id"]).any()  # osmnx asked in several parts
    names = set(features["name"])
    assert {"SYNTHETIC Sight", "SYNTHETIC Town"} <= names


def test_fetch_cli(tmp_path, overpass, capsys):
    assert run(["network", "fetch", "--area", "108.7,29.5,108.8,29.55", "--out",
                str(tmp_path / "net")]) == 0
    assert "from Overpass" in capsys.readouterr().out
    assert run(["network", "info", str(tmp_path / "net")]) == 0
    out = capsys.readouterr().out
    assert "OpenStreetMap via Overpass" in out and "© OpenStreetMap contributors" in out


def test_offline_fails_fast(tmp_path, closed_port_url, capsys):
    ox.settings.overpass_url = closed_port_url + "/api"
    start = time.monotonic()
    with pytest.raises(OfflineError, match="cannot reach Overpass.*network import"):
        fetch_network(tmp_path / "net")
    assert time.monotonic() - start < 5
    assert run(["network", "fetch", "--out", str(tmp_path / "net")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wuling-geo: error: cannot reach Overpass") and "\n" not in err
    assert not (tmp_path / "net").exists()


def _osmnx_settings() -> dict:
    return {k: v for k, v in vars(ox.settings).items()
            if not k.startswith("_") and not callable(v) and not isinstance(v, type(ox))}


def test_fetch_leaves_osmnx_settings_and_the_umask_alone(tmp_path, overpass, monkeypatch):
    """No process-wide side effects: osmnx's settings are restored, the umask never set."""
    from wuling_geo.data.osm_features import features_from_overpass
    from wuling_geo.network.area import parse_area

    def no_umask(_mask):
        raise AssertionError("os.umask called: a process-wide side effect")

    monkeypatch.setattr("os.umask", no_umask)
    monkeypatch.setattr(ox.settings, "http_user_agent", "the caller's agent")
    monkeypatch.setattr(ox.settings, "useful_tags_way", ["highway", "name"])
    before = _osmnx_settings()
    fetch_network(tmp_path / "net", ImportOptions(buffer_km=5))
    status = Path("/proc/self/status")
    if status.exists():  # Linux says the umask without setting it
        umask = int(re.search(r"Umask:\s*(\d+)", status.read_text())[1], 8)
        assert (tmp_path / "net").stat().st_mode & 0o777 == 0o777 & ~umask  # a normal folder
    assert _osmnx_settings() == before
    features_from_overpass(parse_area("108.7,29.5,108.8,29.55", 0).polygon)
    assert _osmnx_settings() == before
    assert ox.settings.http_user_agent == "the caller's agent"
