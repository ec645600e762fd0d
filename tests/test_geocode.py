import time

import osmnx as ox
import pytest
import shapely

from wuling_geo._util.errors import (
    OfflineError,
    OSMDataError,
    OutsideDistrictError,
    UnknownPlaceError,
    UnresolvedPlaceError,
)
from wuling_geo.data import datum
from wuling_geo.data.gazetteer import load_gazetteer, parse_gazetteer
from wuling_geo.data.geocode.geocoder import Geocoder, core_name, parse_lonlat
from wuling_geo.data.osm_features import features_from_file, load_features, save_features

from .fixture_server import FixtureServer
from .helpers import SMALL_GAZETTEER
from .osm_xml import write_osm

# SYNTHETIC features at made-up positions inside the district: they test matching, they are
# not real places.
SYN = {
    "xnh_scenic": (108.85, 29.60), "xnh_town": (108.83, 29.58), "station": (108.79, 29.45),
    "zhuoshui_town": (108.75, 29.30), "far": (106.55, 29.56), "xinhua": (108.60, 29.32),
}


def small(**kwargs) -> Geocoder:
    """A geocoder over the small FIXTURE gazetteer (its towns have no positions)."""
    return Geocoder(load_gazetteer(SMALL_GAZETTEER), **kwargs)


@pytest.fixture
def osm_file(tmp_path):
    nodes = [
        (1, *SYN["xnh_scenic"], {"name": "小南海", "tourism": "attraction"}),
        (2, *SYN["xnh_town"], {"name": "小南海镇", "place": "town", "name:en": "Xiaonanhai"}),
        (3, *SYN["station"], {"name": "黔江", "railway": "station"}),  # 黔江站 by core name
        (4, *SYN["zhuoshui_town"], {"name": "濯水镇", "place": "town"}),
        (5, *SYN["far"], {"name": "神龟峡", "tourism": "attraction"}),  # outside: never matched
        (6, 108.80, 29.40, {}), (7, 108.82, 29.42, {}), (8, 108.84, 29.44, {}),
        (9, 108.70, 29.50, {"name": "神龟峡景区", "tourism": "attraction"}),
        (10, 108.75, 29.50, {"name": "黔江", "place": "city"}),
        (11, *SYN["xinhua"], {"name": "新华乡", "place": "village"}),
        (12, 108.62, 29.33, {"name": "新华", "tourism": "attraction"}),
    ]
    ways = [
        (100, [6, 7], {"railway": "rail", "name": "渝怀铁路"}),
        (101, [7, 8], {"railway": "rail", "name": "渝怀铁路"}),
    ]
    return write_osm(tmp_path / "syn.osm", nodes, ways)


def test_core_name_strips_generic_suffixes():
    assert core_name("小南海景区") == core_name("小南海") == "小南海"
    assert core_name("黔江站") == "黔江"
    assert core_name("Zhuoshui Ancient Town") == "zhuoshui"
    assert core_name("站") == "站"  # never down to nothing


def test_gazetteer_position_wins_and_records_datum():
    res = small(features=None).resolve("濯水景区")
    assert res.method == "gazetteer" and res.input_datum == "gcj02"
    assert (res.lon, res.lat) == pytest.approx((108.77427, 29.30224), abs=2e-5)
    assert "1-4 km" in res.source and res.confidence == "low-medium"


def test_osm_step_matches_names_with_kind_checks(osm_file):
    g = small(features=osm_file)
    scenic = g.resolve("小南海景区")
    assert scenic.method == "osm" and (scenic.lon, scenic.lat) == SYN["xnh_scenic"]
    town = g.resolve("小南海镇")
    assert town.method == "osm" and (town.lon, town.lat) == SYN["xnh_town"]  # not the lake
    gorge = g.resolve("神龟峡")
    assert (gorge.lon, gorge.lat) == (108.70, 29.50)  # the in-district one, not the far copy
    assert gorge.confidence == "medium"  # exact name (神龟峡景区 is an alias)
    # a railway resolves to the union of its OSM lines
    rail = g.resolve("渝怀铁路")
    assert rail.method == "osm" and rail.geometry.geom_type in {"LineString", "MultiLineString"}
    expected = shapely.LineString([(108.80, 29.40), (108.84, 29.44)]).length
    assert rail.geometry.length == pytest.approx(expected)
    # The station keeps its gazetteer position (step 1 wins over OSM).
    assert g.resolve("黔江站").method == "gazetteer"


def test_osm_core_name_match_needs_right_kind(osm_file):
    g = small(features=osm_file)
    # 濯水镇 (place=town) must not resolve 濯水古镇 (a scenic part) though both cores are 濯水
    assert g.resolve("濯水古镇").method == "unresolved"
    assert g.resolve("濯水镇").method == "osm"
    assert g.resolve("zhuoshui-town").confidence == "medium"


def test_township_resolves_to_a_settlement_not_an_attraction(osm_file):
    # A 乡 (subtype township) is a settlement: place=village matches, tourism=attraction does not.
    res = small(features=osm_file).resolve("新华乡")
    assert res.method == "osm" and (res.lon, res.lat) == SYN["xinhua"] and "node/11" in res.matched


def test_unresolved_and_unidentified_are_kept(osm_file):
    g = small(features=osm_file)
    res = g.resolve("爱莉丝庄园")
    assert not res.resolved and res.method == "unresolved"
    res = g.resolve("unconfirmed-place")
    assert not res.resolved and "not identified" in res.source
    with pytest.raises(UnresolvedPlaceError, match="爱莉丝庄园.*no known position.*network import"):
        g.locate("爱莉丝庄园")


def test_cached_features_round_trip(osm_file, tmp_path):
    feats = features_from_file(osm_file)
    path = save_features(feats, "syn.osm")
    again = load_features(path)
    assert len(again) == len(feats) and again.crs.to_epsg() == 4326
    assert small(features=None).resolve("小南海景区").method == "osm"  # default cache path


def test_outside_positions_are_flagged(tmp_path):
    text = (SMALL_GAZETTEER.read_text(encoding="utf-8")
            .replace("lon = 108.83111\nlat = 29.51333", "lon = 106.55\nlat = 29.56"))
    g = Geocoder(parse_gazetteer(text))
    res = g.resolve("JIQ")
    assert "outside-district" in res.flags


def test_corrupt_and_empty_osm_files(tmp_path):
    empty = tmp_path / "e.osm.pbf"
    empty.write_bytes(b"")
    with pytest.raises(OSMDataError, match="is empty"):
        features_from_file(empty)
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 10)
    with pytest.raises(OSMDataError, match="truncated or corrupt"):
        features_from_file(bad)
    with pytest.raises(OSMDataError, match="not found"):
        features_from_file(tmp_path / "missing.osm")


# ------------------------------------------------------------------ coordinates

def test_coordinates_in_each_datum():
    g = Geocoder()
    gx, gy = datum.convert(108.77568, 29.53106, "wgs84", "gcj02")
    res = g.resolve(f"{gx},{gy}", "gcj02")
    assert res.method == "coordinates" and res.input_datum == "gcj02"
    assert (res.lon, res.lat) == pytest.approx((108.77568, 29.53106), abs=1e-6)
    bx, by = datum.convert(108.77568, 29.53106, "wgs84", "bd09")
    assert g.resolve(f"{bx} {by}", "BD-09").lat == pytest.approx(29.53106, abs=1e-6)


def test_swapped_outside_and_unknown():
    g = Geocoder()
    with pytest.raises(OutsideDistrictError, match="swapped"):
        g.resolve("29.53106,108.77568")
    with pytest.raises(OutsideDistrictError, match="outside Qianjiang"):
        g.resolve("106.55,29.56")
    far = g.resolve("106.55,29.56", require_in_district=False)
    assert far.flags == ("outside-district",)
    with pytest.raises(UnknownPlaceError, match="closest"):
        g.resolve("Xiaonanhay")


def test_parse_lonlat():
    assert parse_lonlat("108.7, 29.5") == (108.7, 29.5)
    assert parse_lonlat("108.7 29.5") == (108.7, 29.5)
    assert parse_lonlat("黔江站") is None


# ------------------------------------------------------------------ Nominatim (local stand-in)

def nominatim_fixture(records):
    def handler(path, params, body):
        q = params.get("q", "")
        return 200, [r for r in records if q in r["display_name"]]
    return handler


def test_nominatim_step_is_bounded_and_cached():
    records = [
        {"lat": "29.6", "lon": "106.5", "category": "tourism", "type": "attraction",
         "osm_type": "node", "osm_id": 1, "display_name": "爱莉丝庄园, elsewhere (SYNTHETIC)"},
        {"lat": "29.48", "lon": "108.81", "category": "tourism", "type": "attraction",
         "osm_type": "node", "osm_id": 2, "display_name": "爱莉丝庄园, 黔江区 (SYNTHETIC)"},
    ]
    with FixtureServer({"/search": nominatim_fixture(records)}) as server:
        ox.settings.nominatim_url = server.url + "/"
        g = small(features=None, online=True)
        res = g.resolve("爱莉丝庄园")
        assert res.method == "nominatim" and (res.lon, res.lat) == (108.81, 29.48)
        assert "node/2" in res.matched
        path, params, _ = server.requests[0]
        assert path == "/search" and params["bounded"] == "1" and params["format"] == "jsonv2"
        west, north, east, south = map(float, params["viewbox"].split(","))
        assert west < 108.49 and east > 108.94 and south < 29.08 and north > 29.86
        n = len(server.requests)
        small(features=None, online=True).resolve("爱莉丝庄园")
        assert len(server.requests) == n  # answered from the cache


def test_nominatim_kind_check_rejects_wrong_feature():
    records = [{"lat": "29.5", "lon": "108.8", "category": "place", "type": "village",
                "osm_type": "node", "osm_id": 3, "display_name": "神龟峡 (SYNTHETIC village)"}]
    with FixtureServer({"/search": nominatim_fixture(records)}) as server:
        ox.settings.nominatim_url = server.url + "/"
        assert small(features=None, online=True).resolve("神龟峡").method == "unresolved"


def test_offline_fails_fast(closed_port_url):
    ox.settings.nominatim_url = closed_port_url + "/"
    start = time.monotonic()
    with pytest.raises(OfflineError, match="cannot reach Nominatim.*offline.*`features`"):
        small(features=None, online=True).resolve("爱莉丝庄园")
    assert time.monotonic() - start < 10


def test_overpass_features_via_local_server():
    elements = [
        {"type": "node", "id": 11, "lat": 29.60, "lon": 108.85,
         "tags": {"name": "小南海", "tourism": "attraction"}},
        {"type": "node", "id": 12, "lat": 29.50, "lon": 108.70,
         "tags": {"name": "神龟峡", "tourism": "attraction"}},
    ]

    def overpass(path, params, body):
        if path.endswith("/status"):
            return 200, "Connected as: 1\nRate limit: 0\n2 slots available now.\n"
        return 200, {"version": 0.6, "elements": elements}

    from wuling_geo.data.osm_features import features_from_overpass

    with FixtureServer({"/api": overpass}) as server:
        ox.settings.overpass_url = server.url + "/api"
        ox.settings.overpass_rate_limit = False
        ox.settings.use_cache = False
        feats = features_from_overpass(shapely.box(108.4, 29.0, 109.0, 29.9))
        assert any("interpreter" in p for p, _, _ in server.requests)
    res = small(features=feats).resolve("神龟峡")
    assert res.method == "osm" and (res.lon, res.lat) == (108.70, 29.50) and "node/12" in res.matched
