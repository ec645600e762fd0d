"""Offline OSM import: SYNTHETIC OSM files with exact travel times, tag rules, file formats.

The synthetic roads lie on and near the equator (not in Qianjiang), where geodesic lengths
have closed forms: along the equator a·Δλ, along a meridian the integral of the meridian
radius of curvature (computed here with scipy's quad as an independent reference).
"""

from __future__ import annotations

import bz2
import math
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import osmium
import pytest
from osmium.osm.mutable import Node, Way
from scipy.integrate import quad

from wuling_geo._util.errors import OSMDataError
from wuling_geo.network.build.importer import ImportOptions, import_network
from wuling_geo.network.sources.osm_file import ImportFlags, drivable_class, way_direction
from wuling_geo.network.speed.profile import load_profile

A_WGS84 = 6378137.0
F_WGS84 = 1 / 298.257223563
E2 = F_WGS84 * (2 - F_WGS84)
AREA = "-0.01,-0.01,0.05,0.03"  # a box around the SYNTHETIC roads


def equator_m(dlon_deg: float) -> float:
    """Geodesic length along the equator."""
    return A_WGS84 * math.radians(dlon_deg)


def meridian_m(lat0: float, lat1: float) -> float:
    """Meridian arc length between two latitudes (numerical integral of M(φ))."""
    def radius(phi):
        return A_WGS84 * (1 - E2) / (1 - E2 * math.sin(phi) ** 2) ** 1.5
    return quad(radius, math.radians(lat0), math.radians(lat1), epsabs=1e-12)[0]


def parallel_m(lat: float, dlon_deg: float) -> float:
    """Length along a parallel (equal to the geodesic within 1e-9 m for these short roads)."""
    phi = math.radians(lat)
    return A_WGS84 / math.sqrt(1 - E2 * math.sin(phi) ** 2) * math.cos(phi) * math.radians(dlon_deg)


def write_osm(path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int],
              dict[str, str]]], node_tags: dict[int, dict[str, str]] | None = None) -> Path:
    """Write a SYNTHETIC OSM file: XML (.osm, .osm.bz2) by hand, PBF with pyosmium."""
    node_tags = node_tags or {}
    if path.name.endswith(".pbf"):
        with osmium.SimpleWriter(str(path), overwrite=True) as writer:
            for nid, (lon, lat) in sorted(nodes.items()):
                writer.add_node(Node(id=nid, location=(lon, lat), tags=node_tags.get(nid, {})))
            for wid, refs, tags in ways:
                writer.add_way(Way(id=wid, nodes=refs, tags=tags))
        return path
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<osm version="0.6" generator="wuling-geo tests (SYNTHETIC)">']
    for nid, (lon, lat) in sorted(nodes.items()):
        tags = node_tags.get(nid, {})
        if tags:
            lines.append(f'  <node id="{nid}" version="1" lat="{lat!r}" lon="{lon!r}">')
            lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
            lines.append("  </node>")
        else:
            lines.append(f'  <node id="{nid}" version="1" lat="{lat!r}" lon="{lon!r}"/>')
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    data = "\n".join(lines).encode("utf-8")
    path.write_bytes(bz2.compress(data) if path.name.endswith(".bz2") else data)
    return path


# A(0,0) — B(0.01,0) — C(0.02,0) along the equator (primary, two-way);
# B — D(0.01,0.01) north (residential, maxspeed 40); C → E(0.02,0.01) north (tertiary, oneway);
# the way D,E is oneway=-1 (secondary): travel only E → D.
NODES = {1: (0.0, 0.0), 2: (0.01, 0.0), 3: (0.02, 0.0), 4: (0.01, 0.01), 5: (0.02, 0.01)}
WAYS = [
    (101, [1, 2, 3], {"highway": "primary", "name": "SYNTHETIC Primary"}),
    (102, [2, 4], {"highway": "residential", "maxspeed": "40"}),
    (103, [3, 5], {"highway": "tertiary", "oneway": "yes"}),
    (104, [4, 5], {"highway": "secondary", "oneway": "-1"}),
]
EXPECTED = {  # (u, v): (length m, car km/h, truck km/h), rural China profile, straight roads
    (1, 2): (equator_m(0.01), 80, 60), (2, 1): (equator_m(0.01), 80, 60),
    (2, 3): (equator_m(0.01), 80, 60), (3, 2): (equator_m(0.01), 80, 60),
    (2, 4): (meridian_m(0, 0.01), 40, 20), (4, 2): (meridian_m(0, 0.01), 40, 20),
    (3, 5): (meridian_m(0, 0.01), 30, 20),
    (5, 4): (parallel_m(0.01, 0.01), 40, 30),
}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    from wuling_geo import settings
    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    monkeypatch.setattr(settings, "quiet", True)
    return tmp_path / "cache"


@pytest.mark.parametrize("suffix", [".osm", ".osm.bz2", ".osm.pbf"])
def test_exact_travel_times(tmp_path, cache, suffix):
    src = write_osm(tmp_path / f"grid{suffix}", NODES, WAYS)
    result = import_network(src, tmp_path / "net", ImportOptions(area=AREA))
    edges = result.network.edges.set_index(["u", "v"])
    assert set(edges.index) == set(EXPECTED)
    for (u, v), (length, car, truck) in EXPECTED.items():
        row = edges.loc[(u, v)]
        assert row["length"] == pytest.approx(length, abs=1e-6)
        assert row["speed_kph_car"] == pytest.approx(car)
        assert row["speed_kph_truck"] == pytest.approx(truck)
        assert row["travel_time_car"] == pytest.approx(length / (car / 3.6), rel=1e-9)
        assert row["travel_time_truck"] == pytest.approx(length / (truck / 3.6), rel=1e-9)
    assert edges.loc[(5, 4), "reversed"] and edges.loc[(5, 4), "oneway"]
    assert not edges.loc[(1, 2), "oneway"]
    geom = edges.loc[(5, 4), "geometry"]
    assert geom.coords[0] == NODES[5] and geom.coords[-1] == NODES[4]  # drawn u → v
    assert edges.loc[(1, 2), "name"] == "SYNTHETIC Primary"
    assert set(result.network.nodes.index) == {1, 2, 3, 4, 5}


def test_maxspeed_forms_and_directions(tmp_path, cache):
    nodes = {i: (0.01 * i, 0.0) for i in range(1, 8)}
    ways = [
        (1, [1, 2], {"highway": "primary", "maxspeed": "40 mph"}),
        (2, [2, 3], {"highway": "primary", "maxspeed": "CN:rural"}),
        (3, [3, 4], {"highway": "primary", "maxspeed": "60;50"}),
        (4, [4, 5], {"highway": "primary", "maxspeed:forward": "70", "maxspeed:backward": "50",
                     "maxspeed:hgv": "45"}),
        (5, [5, 6], {"highway": "motorway", "maxspeed": "CN:motorway", "oneway": "no"}),
        (6, [6, 7], {"highway": "trunk", "lanes": "2"}),  # one lane each way: 70 rural
    ]
    src = write_osm(tmp_path / "speeds.osm", nodes, ways)
    edges = import_network(src, tmp_path / "net", ImportOptions(area="-0.01,-0.01,0.08,0.01")) \
        .network.edges.set_index(["u", "v"])
    car, truck = edges["speed_kph_car"], edges["speed_kph_truck"]
    assert car[(1, 2)] == pytest.approx(40 * 1.609344) and car[(2, 1)] == car[(1, 2)]
    assert car[(2, 3)] == 70
    assert car[(3, 4)] == 50
    assert car[(4, 5)] == 70 and car[(5, 4)] == 50
    assert truck[(4, 5)] == 45 and truck[(5, 4)] == 45
    assert car[(5, 6)] == 120 and truck[(5, 6)] == 100
    assert car[(6, 7)] == 70 and truck[(6, 7)] == 60  # trunk truck cap 60
    assert edges.loc[(1, 2), "maxspeed"] == "40 mph"


def test_oneway_rules_and_roundabout(tmp_path, cache):
    # A triangle roundabout 1→2→3→1 (node order) with one two-way spoke 3–4, plus a motorway
    # pair 4→5, 5→4 tagged only as motorway (implied one-way each).
    nodes = {1: (0.0, 0.0), 2: (0.002, 0.0), 3: (0.001, 0.002), 4: (0.001, 0.01),
             5: (0.0015, 0.02), 6: (0.0005, 0.02)}
    ways = [
        (1, [1, 2, 3, 1], {"highway": "primary", "junction": "roundabout"}),
        (2, [3, 4], {"highway": "primary"}),
        (3, [4, 5], {"highway": "motorway"}),
        (4, [5, 6], {"highway": "motorway", "oneway": "no"}),
        (5, [6, 4], {"highway": "motorway"}),
    ]
    src = write_osm(tmp_path / "ring.osm.pbf", nodes, ways)
    edges = import_network(src, tmp_path / "net", ImportOptions(area="-0.01,-0.01,0.01,0.03")) \
        .network.edges
    pairs = set(zip(edges["u"], edges["v"], strict=True))
    assert pairs == {(3, 1), (1, 3), (3, 4), (4, 3), (4, 5), (5, 6), (6, 5), (6, 4)}, \
        "roundabout split at 3 (shared with the spoke) and at its closing node 1"
    ring = edges[(edges["u"] == 1) & (edges["v"] == 3)].iloc[0]
    assert list(ring.geometry.coords) == [nodes[i] for i in (1, 2, 3)]


def test_tag_exclusions_and_keep_flags(tmp_path, cache):
    nodes = {i: (0.01 * i, 0.0) for i in range(1, 9)}
    ring = [(1, [1, 2], {"highway": "residential"}), (2, [2, 3], {"highway": "residential"})]
    extra = [
        (3, [3, 4], {"highway": "residential", "access": "private"}),
        (4, [4, 5], {"highway": "construction", "construction": "primary"}),
        (5, [5, 6], {"route": "ferry", "duration": "00:10"}),
        (6, [6, 7], {"highway": "footway"}),
        (7, [7, 8], {"highway": "service", "service": "parking_aisle"}),
        (8, [3, 8], {"highway": "residential", "access": "no", "motor_vehicle": "yes"}),
    ]
    src = write_osm(tmp_path / "tags.osm", nodes, ring + extra)
    area = "-0.01,-0.01,0.1,0.01"
    plain = import_network(src, tmp_path / "a", ImportOptions(area=area)).network.edges
    assert set(plain["way_id"]) == {1, 2, 8}, "motor_vehicle=yes overrides access=no"
    kept = import_network(src, tmp_path / "b", ImportOptions(
        area=area, flags=ImportFlags(keep_ferries=True, keep_private=True,
                                     keep_construction=True))).network.edges
    assert set(kept["way_id"]) == {1, 2, 3, 4, 5, 8}
    ferry = kept[kept["way_id"] == 5].iloc[0]
    assert ferry["highway"] == "ferry"
    assert ferry["travel_time_car"] == pytest.approx(600)  # duration 00:10 wins
    assert kept[kept["way_id"] == 4]["highway"].iloc[0] == "primary"


@pytest.mark.parametrize(("tags", "expected"), [
    ({"highway": "primary"}, "primary"),
    ({"highway": "track"}, None),  # not in the shipped profile
    ({"highway": "primary", "area": "yes"}, None),
    ({"highway": "residential", "access": "private;delivery"}, None),
    ({"highway": "residential", "access": "private", "motorcar": "yes"}, "residential"),
    ({"highway": "residential", "motor_vehicle": "no", "access": "yes"}, None),
    ({"highway": "service", "service": "driveway"}, "service"),
    ({"highway": "service", "service": "emergency_access"}, None),
    ({"highway": "proposed", "proposed": "primary"}, None),
    ({"route": "ferry"}, None),
])
def test_drivable_class(tags, expected):
    assert drivable_class(tags, load_profile().drivable) == expected


@pytest.mark.parametrize(("tags", "highway", "expected"), [
    ({"oneway": "yes"}, "primary", 1), ({"oneway": "true"}, "primary", 1),
    ({"oneway": "1"}, "primary", 1), ({"oneway": "-1"}, "primary", -1),
    ({"oneway": "reverse"}, "primary", -1), ({"oneway": "no"}, "motorway", 0),
    ({"oneway": "reversible"}, "primary", 0), ({}, "motorway", 1), ({}, "trunk", 0),
    ({"junction": "roundabout"}, "primary", 1), ({"junction": "circular"}, "primary", 1),
    ({"junction": "roundabout", "oneway": "no"}, "primary", 0),
])
def test_way_direction(tags, highway, expected):
    assert way_direction(tags, highway) == expected


def test_clipping_splits_ways_at_the_area_edge(tmp_path, cache):
    # One straight way through 5 nodes; the area keeps nodes 1-2 and 4-5 only.
    nodes = {i: (0.01 * (i - 1), 0.0) for i in range(1, 6)}
    src = write_osm(tmp_path / "clip.osm", nodes, [(1, [1, 2, 3, 4, 5], {"highway": "primary"})])
    poly = tmp_path / "area.geojson"
    poly.write_text('{"type":"FeatureCollection","features":['
                    '{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon",'
                    '"coordinates":[[[[-0.001,-0.001],[0.015,-0.001],[0.015,0.001],[-0.001,0.001],'
                    '[-0.001,-0.001]]],[[[0.025,-0.001],[0.045,-0.001],[0.045,0.001],'
                    '[0.025,0.001],[0.025,-0.001]]]]}}]}')
    from wuling_geo.network.area import parse_area
    from wuling_geo.network.build.graph import split_ways
    from wuling_geo.network.sources.osm_file import read_osm_roads
    roads = read_osm_roads(src, load_profile().drivable)
    _, edges = split_ways(roads.ways.clip(parse_area(str(poly)).polygon))
    assert sorted(zip(edges["u"], edges["v"], strict=True)) == [(1, 2), (2, 1), (4, 5), (5, 4)]
    # end to end, the largest strong component is one of the two pieces
    net = import_network(src, tmp_path / "net", ImportOptions(area=str(poly))).network
    assert len(net.edges) == 2
    assert net.meta["hygiene"]["components"] == 2 and net.meta["hygiene"]["dropped_edges"] == 2


def test_default_area_is_qianjiang(tmp_path, cache):
    # SYNTHETIC roads: one inside the district near its seat, one far away (Helsinki-like).
    nodes = {1: (108.70, 29.45), 2: (108.71, 29.45), 3: (24.94, 60.17), 4: (24.95, 60.17)}
    ways = [(1, [1, 2], {"highway": "primary"}), (2, [3, 4], {"highway": "primary"})]
    src = write_osm(tmp_path / "two.osm", nodes, ways)
    net = import_network(src, tmp_path / "net").network
    assert set(net.edges["way_id"]) == {1}
    assert net.meta["area"]["area"] == "qianjiang" and net.meta["area"]["buffer_km"] == 20


def test_no_roads_in_area_names_the_file_extent(tmp_path, cache):
    src = write_osm(tmp_path / "far.osm", {1: (24.94, 60.17), 2: (24.95, 60.17)},
                    [(1, [1, 2], {"highway": "primary"})])
    with pytest.raises(OSMDataError, match=r"no drivable roads .* 24\.9400,60\.1700"):
        import_network(src, tmp_path / "net")
    assert not (tmp_path / "net").exists()


@pytest.mark.parametrize("damage", ["missing", "empty", "truncated", "garbage", "bad_xml"])
def test_bad_osm_files(tmp_path, cache, damage):
    good = write_osm(tmp_path / "good.osm.pbf", NODES, WAYS)
    target = tmp_path / ("bad.osm" if damage == "bad_xml" else "bad.osm.pbf")
    if damage == "empty":
        target.write_bytes(b"")
    elif damage == "truncated":
        target.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "garbage":
        target.write_bytes(b"\x00\x01not a pbf" * 50)
    elif damage == "bad_xml":
        target.write_text('<?xml version="1.0"?><osm version="0.6"><node id="1" lat="0" lon=')
    with pytest.raises(OSMDataError) as info:
        import_network(target, tmp_path / "net", ImportOptions(area=AREA))
    assert "\n" not in str(info.value)
    assert not (tmp_path / "net").exists()
    assert not any(p.name.startswith(".net") for p in tmp_path.iterdir())


def test_railways_and_features_from_the_same_file(tmp_path, cache):
    nodes = dict(NODES) | {10: (0.0, 0.005), 11: (0.02, 0.005), 12: (0.015, 0.004)}
    ways = [*WAYS, (200, [10, 11], {"railway": "rail", "name": "SYNTHETIC Railway",
                                    "usage": "main"})]
    src = write_osm(tmp_path / "rail.osm", nodes, ways,
                    node_tags={12: {"tourism": "attraction", "name": "SYNTHETIC Sight"}})
    result = import_network(src, tmp_path / "net", ImportOptions(area=AREA))
    from wuling_geo.data.osm_features import load_features
    from wuling_geo.network.model import load_extra
    rail = load_extra(result.folder, "railways")
    assert list(rail["name"]) == ["SYNTHETIC Railway"] and result.railways == 1
    assert rail.geometry.iloc[0].length == pytest.approx(0.02)
    features = load_features(network_dir=result.folder)  # stored with the network
    assert result.features == result.folder / "features.parquet"
    assert {"SYNTHETIC Sight", "SYNTHETIC Railway", "SYNTHETIC Primary"} <= set(features["name"])
    assert not (cache / "osm").exists()  # the shared place-name cache is left alone


def test_urban_speeds_near_a_town(tmp_path, cache):
    # a place=town node beside the western half: edges within 1 km are urban (primary 60)
    nodes = dict(NODES) | {9: (0.0, 0.001)}
    src = write_osm(tmp_path / "town.osm", nodes, WAYS, node_tags={9: {"place": "town"}})
    edges = import_network(src, tmp_path / "net", ImportOptions(area=AREA)).network.edges
    edges = edges.set_index(["u", "v"])
    assert edges.loc[(1, 2), "urban"] and not edges.loc[(2, 3), "urban"]
    assert edges.loc[(1, 2), "speed_kph_car"] == 60 and edges.loc[(2, 3), "speed_kph_car"] == 80
    assert np.isclose(edges.loc[(1, 2), "speed_kph_truck"], 40)
