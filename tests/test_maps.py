"""Web maps (wuling_geo.present.maps.webmap): content, datum alignment, escaping, offline pages, CLI.

The sample overlays below are SYNTHETIC, hand-built around Qianjiang coordinates to exercise
the map; they are not Qianjiang data and never go into geodata/ or maps/.
"""

from __future__ import annotations

import json
import math
import os
import re

import eviltransform
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Geod

from tests.helpers import SMALL_GAZETTEER
from tests.synthetic import grid_network
from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo.cli import run
from wuling_geo.data.gazetteer import parse_gazetteer
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.layers import layer_frames
from wuling_geo.present.main_job import build
from wuling_geo.present.maps import assets as _map_assets
from wuling_geo.present.maps.client import safe_json
from wuling_geo.present.maps.content import Shaper
from wuling_geo.present.maps.webmap import prepare_map, render_map, write_index

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
GEOD = Geod(ellps="WGS84")
NO_FEATURES = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
ASSETS = settings.web_assets_dir
ASSETS_MISSING = bool(_map_assets.missing_assets())
needs_assets = pytest.mark.skipif(
    ASSETS_MISSING and os.environ.get("CI") != "true",
    reason="offline map assets not installed: run 'wuling-geo map-assets' (needs npm)")

# SYNTHETIC gazetteer entries appended to the shipped gazetteer: two injection attempts with
# positions, one without, and a part of 濯水景区 with a position.
SYNTHETIC_PLACES = f"""
[[place]]
id = "synthetic-img"
name_zh = "{IMG}"
name_en = "SYNTHETIC injection test one"
aliases = ["{IMG} alias"]
category = "scenic"
subtype = "scenic_area"
grade = "4A"
grade_year = 2017
[place.position]
lon = 108.70
lat = 29.40
datum = "wgs84"
source = "SYNTHETIC test position {IMG}"
confidence = "low"
[[place.facts]]
key = "note"
value = "{SCRIPT}"
source = "{IMG}"
confidence = "low"

[[place]]
id = "synthetic-script"
name_zh = "{SCRIPT}"
name_en = "SYNTHETIC injection test two"
category = "logistics"
subtype = "logistics_park"
[place.position]
lon = 108.85
lat = 29.62
datum = "wgs84"
source = "SYNTHETIC test position"
confidence = "low"

[[place]]
id = "synthetic-unresolved"
name_zh = "{IMG} (unresolved)"
name_en = "SYNTHETIC injection test three"
category = "industry"
subtype = "enterprise"

[[place]]
id = "synthetic-part"
name_zh = "SYNTHETIC 景区组成部分"
name_en = "SYNTHETIC part"
category = "scenic"
subtype = "ancient_town"
part_of = "zhuoshui-scenic-area"
[place.position]
lon = 108.77
lat = 29.31
datum = "wgs84"
source = "SYNTHETIC test position"
confidence = "low"
"""


# ---------------------------------------------------------------- SYNTHETIC samples

def shipped_text() -> str:
    return settings.gazetteer_path().read_text(encoding="utf-8")


def sample_layers(extra: str = "") -> dict:
    """Layers from the shipped gazetteer (plus ``extra`` TOML), resolved without OSM data."""
    gazetteer = parse_gazetteer(shipped_text() + extra)
    return layer_frames(Geocoder(gazetteer, features=NO_FEATURES).resolve_all())


def _utm_circle(lon: float, lat: float, radius_m: float, n: int = 64) -> shapely.Polygon:
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), np.degrees(angles), np.full(n, radius_m))
    return shapely.Polygon(np.column_stack([lons, lats]))


def sample_catchments(name_b: str = "SYNTHETIC origin B") -> gpd.GeoDataFrame:
    rows = []
    for minutes, radius in ((15, 3000), (30, 6000), (45, 9000)):
        rows.append({"origin_id": "synthetic-a", "origin_name": "SYNTHETIC origin A", "mode": "each",
                     "minutes": minutes, "area_km2": math.pi * radius**2 / 1e6,
                     "share_of_district": 0.125, "road_km": 10.0 * minutes,
                     "features_inside": json.dumps({"scenic": ["濯水景区"], "transport": []},
                                                   ensure_ascii=False),
                     "geometry": _utm_circle(108.78, 29.45, radius)})
    rows.append({"origin_id": "logistics", "origin_name": name_b, "mode": "nearest", "minutes": 30,
                 "area_km2": 1.0, "share_of_district": 0.5, "road_km": 3.0, "features_inside": "[]",
                 "geometry": _utm_circle(108.85, 29.60, 4000)})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


STOPS = {"A": (108.776, 29.531), "B": (108.80, 29.45), "C": (108.774, 29.302), "D": (108.70, 29.35)}


def sample_routes(first: str = "A") -> gpd.GeoDataFrame:
    legs = [(1, 1, first, "A", "B"), (1, 2, "B", "B", "C"), (2, 1, "C", "C", "D")]
    return gpd.GeoDataFrame([
        {"day": day, "leg": leg, "from_name": name, "to_name": b, "drive_min": 35.0,
         "distance_km": 23.4, "geometry": shapely.LineString([STOPS[a], STOPS[b]])}
        for day, leg, name, a, b in legs], crs="EPSG:4326")


def sample_surface(minutes=(5, 15, 15.5, 44, 200, float("nan"))) -> gpd.GeoDataFrame:
    cells = [shapely.Point(108.70 + 0.02 * i, 29.40).buffer(0.008, quad_segs=2) for i in range(len(minutes))]
    return gpd.GeoDataFrame({"minutes": list(minutes), "facility_id": "f1",
                             "facility_name": "SYNTHETIC facility"}, geometry=cells, crs="EPSG:4326")


def sample_railways() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "name": ["SYNTHETIC high-speed line", None, None],
        "name_zh": [None, "SYNTHETIC high-speed line", None],
        "highspeed": ["yes", "yes", None], "maxspeed": ["350", "350", "120"],
        "usage": ["main", "main", "main"]},
        geometry=[shapely.LineString([(108.70, 29.40), (108.75, 29.45)]),
                  shapely.LineString([(108.75, 29.45), (108.80, 29.50)]),
                  shapely.LineString([(108.72, 29.30), (108.78, 29.32)])], crs="EPSG:4326")


def pins(content, key):
    return next(o for o in content.overlays if o.key == key).pins


def find(features, **props):
    return next(f for f in features if all(f["properties"].get(k) == v for k, v in props.items()))


def lonlats(feature) -> np.ndarray:
    return shapely.get_coordinates(shapely.geometry.shape(feature["geometry"]))


# ---------------------------------------------------------------- content

def test_layers_counts_and_unresolved_panel_match_the_gazetteer():
    gazetteer = parse_gazetteer(SMALL_GAZETTEER.read_text(encoding="utf-8"))  # FIXTURE
    content = prepare_map(layers=layer_frames(Geocoder(gazetteer, features=NO_FEATURES).resolve_all()))
    keys = [o.key for o in content.overlays]
    assert keys == ["boundary", "neighbours", "scenic", "transport", "logistics", "industry", "civic"]
    located = {c: [p for p in gazetteer.by_category(c) if p.position and p.identified]
               for c in ("scenic", "transport", "logistics", "industry", "civic")}
    for category, places in located.items():
        overlay = next(o for o in content.overlays if o.key == category)
        assert sorted(f["properties"]["id"] for f in overlay.pins) == sorted(p.id for p in places)
        assert overlay.name.endswith(f"{len(places)}/{len(gazetteer.by_category(category))})")
    expected = [p.name_zh for p in gazetteer if not (p.position and p.identified)]
    assert [u["name"] for u in content.unresolved] == expected
    assert len(pins(content, "scenic")) == 1 and len(content.unresolved) == 13
    neighbours = next(o for o in content.overlays if o.key == "neighbours")
    assert {f["properties"]["tip"] for f in neighbours.shapes} >= {"利川市", "咸丰县"}


def test_scenic_popup_names_grade_year_facts_and_provenance():
    zh = find(pins(prepare_map(layers=sample_layers()), "scenic"), id="zhuoshui-scenic-area")
    props, rows = zh["properties"], dict(zh["properties"]["popup"]["rows"])
    assert props["kind"] == "scenic-5a" and props["tip"] == "濯水景区"
    assert props["popup"]["subtitle"] == "Zhuoshui Scenic Area"
    assert rows["等级"] == "5A" and rows["评定年份"] == "2020"
    assert rows["原始坐标系"] == "GCJ-02" and rows["可信度"] == "中低"
    assert rows["类别"] == "景区"  # the subtype scenic_area is the category again, not a raw key
    assert rows["位置"] == "地名库 · one public POI dataset; other datasets differ by 1-4 km"
    # Facts: human names with units, public sources (never the project's notes file), zh words.
    facts = props["popup"]["facts"]
    assert ["评为5A级", "announced 2020-12-30", "项目整理的公开资料", "高"] in facts
    assert ["面积", "4.8 km²", "项目整理的公开资料；濯水古镇 + 蒲花暗河 + 蒲花河 farm park", "中"] in facts
    assert not any("FACTS.md" in cell or "_" in cell for fact in facts for cell in fact)
    en = find(pins(prepare_map(layers=sample_layers(), lang="en"), "scenic"), id="zhuoshui-scenic-area")
    assert en["properties"]["tip"] == "Zhuoshui Scenic Area"
    assert en["properties"]["popup"]["subtitle"] == "濯水景区"
    assert dict(en["properties"]["popup"]["rows"])["Grade"] == "5A"
    assert ["Rated 5A", "announced 2020-12-30", "public sources compiled by the project", "high"] in (
        en["properties"]["popup"]["facts"])


def test_popups_of_every_place_use_human_names_and_public_sources():
    for lang in ("zh", "en"):
        content = prepare_map(layers=sample_layers(), lang=lang)
        popups = [f["properties"]["popup"] for o in content.overlays for f in (*o.pins, *o.shapes)
                  if "popup" in f["properties"]]
        assert len(popups) > 5
        for p in popups:
            cells = [c for row in p["rows"] for c in row] + [c for f in p["facts"] for c in f]
            assert not [c for c in cells if "FACTS.md" in c or re.search(r"[a-z]+_[a-z0-9]+", c)]
            if lang == "zh":  # the labels of the rows and facts are Chinese
                assert all(re.search(r"[\u4e00-\u9fff]", row[0]) for row in p["rows"]), p["rows"]
                assert all(re.search(r"[\u4e00-\u9fff]", f[0]) for f in p["facts"]), p["facts"]
    seat = find(pins(prepare_map(layers=sample_layers()), "civic"), id="district-seat")["properties"]
    assert dict(seat["popup"]["rows"])["类别"] == "街道与乡镇 · 区政府驻地"

def test_parts_are_drawn_and_listed_as_parts_of_their_scenic_area():
    content = prepare_map(layers=sample_layers(SYNTHETIC_PLACES))
    scenic = next(o for o in content.overlays if o.key == "scenic")
    part = find(scenic.pins, id="synthetic-part")
    assert part["properties"]["kind"] == "scenic-part"
    assert dict(part["properties"]["popup"]["rows"])["所属景区"] == "濯水景区"
    link = find(scenic.shapes, kind="part-link")
    whole = find(scenic.pins, id="zhuoshui-scenic-area")
    np.testing.assert_allclose(lonlats(link), np.vstack([lonlats(part), lonlats(whole)]))
    town = next(u for u in content.unresolved if u["name"] == "濯水古镇")
    assert town["part_of"] == "濯水景区的组成部分"
    unidentified = ('\n[[place]]\nid = "synthetic-unidentified"\nname_zh = "SYNTHETIC 未确认"\n'
                    'name_en = "Unidentified SYNTHETIC place"\ncategory = "scenic"\n'
                    'subtype = "scenic_area"\nidentified = false\n')
    en = prepare_map(layers=sample_layers(unidentified), lang="en")
    assert next(u for u in en.unresolved if u["name"] == "Puhua Underground River")[
        "part_of"] == "part of Zhuoshui Scenic Area"
    assert next(u for u in en.unresolved if u["name"].startswith("Unidentified"))["reason"] == (
        "not yet identified")


def test_search_keys_hold_chinese_english_and_pinyin():
    key = find(prepare_map(layers=sample_layers()).search, id="zhuoshui-scenic-area")["properties"]["search"]
    for name in ("濯水景区", "Zhuoshui Scenic Area", "Zhuoshui Jingqu", "zhuoshuijingqu"):
        assert name in key.split(" | ")


# ---------------------------------------------------------------- datum alignment

def _shift_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2]


def test_amap_basemap_moves_every_overlay_to_gcj02():
    kwargs = dict(layers=sample_layers(SYNTHETIC_PLACES), catchments=sample_catchments(),
                  routes=sample_routes(), surface=sample_surface(), railways=sample_railways())
    wgs, gcj = prepare_map(**kwargs), prepare_map(basemap="amap", **kwargs)
    # The gazetteer stores 濯水景区 from GCJ-02 (29.299416, 108.778624); on Amap it is back there.
    np.testing.assert_allclose(lonlats(find(pins(gcj, "scenic"), id="zhuoshui-scenic-area"))[0],
                               (108.778624, 29.299416), atol=2e-6)
    np.testing.assert_allclose(lonlats(find(pins(wgs, "scenic"), id="zhuoshui-scenic-area"))[0],
                               (108.77427, 29.30224), atol=1e-5)  # FACTS.md WGS-84 pair
    pairs = [(a, b) for oa, ob in zip(wgs.overlays, gcj.overlays, strict=True)
             for a, b in zip(oa.shapes + oa.pins, ob.shapes + ob.pins, strict=True)]
    pairs += list(zip(wgs.search, gcj.search, strict=True))
    assert len(pairs) > 30
    for a, b in pairs:  # checked against an independent implementation of GCJ-02
        wgs_xy, gcj_xy = lonlats(a), lonlats(b)
        expected = np.array([eviltransform.wgs2gcj(lat, lon)[::-1] for lon, lat in wgs_xy])
        np.testing.assert_allclose(gcj_xy, expected, atol=2e-6, err_msg=a["properties"].get("kind"))
        assert 300 < _shift_m(wgs_xy, gcj_xy).min() <= _shift_m(wgs_xy, gcj_xy).max() < 700
    assert wgs.shift is None and gcj.shift["nx"] >= 2 and gcj.legend["notes"]


# ---------------------------------------------------------------- analysis overlays

def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_catchment_bands_one_layer_per_origin_one_ramp_with_statistics():
    content = prepare_map(layers={}, catchments=sample_catchments())
    bands = [o for o in content.overlays if o.key.startswith("catchment")]
    assert [o.name for o in bands] == ["SYNTHETIC origin A", "SYNTHETIC origin B (最近设施)"]
    group = content.groups[0]  # one heading in the layer list, each origin under it
    assert group["title"] == "等时圈（按出发地）" and list(group["layers"]) == [o.name for o in bands]
    a = bands[0].shapes
    assert [f["properties"]["popup"]["title"] for f in a] == [
        "SYNTHETIC origin A · 45 分钟", "SYNTHETIC origin A · 30 分钟", "SYNTHETIC origin A · 15 分钟"]
    colours = [f["properties"]["style"]["fillColor"] for f in a]
    assert len(set(colours)) == 3 and _luminance(colours[0]) > _luminance(colours[1]) > _luminance(colours[2])
    assert all(0 < f["properties"]["style"]["fillOpacity"] < 0.5 for f in a)
    rows = dict(a[2]["properties"]["popup"]["rows"])
    assert rows["占全区面积"] == "12.5 %" and rows["面积"] == "28.3 km²" and rows["可达道路"] == "150.0 km"
    assert rows["范围内"] == "景区: 濯水景区" and rows["模式"] == "各自"
    b_style = find(bands[1].shapes, kind="band")["properties"]["style"]
    assert b_style["fillColor"] == colours[1]  # one ramp across origins
    # ... and an outline of each origin's own colour and dash, the same for all its bands
    a_styles = {(f["properties"]["style"]["color"], f["properties"]["style"].get("dashArray", ""))
                for f in a}
    assert len(a_styles) == 1 and (b_style["color"], b_style.get("dashArray", "")) not in a_styles
    assert b_style["color"] != b_style["fillColor"]
    # The legend starts with the time key, then the origins' outlines.
    first, second = content.legend["sections"][:2]
    assert first["title"] == "等时圈 · 时间范围（填色）, 分钟" and first["layout"] == "ramp"
    assert [i["label"] for i in first["items"]] == ["≤15", "≤30", "≤45"]
    assert [(i["label"], i["color"], i["dash"]) for i in second["items"]] == [
        (o.name, group["layers"][o.name]["color"], group["layers"][o.name]["dash"]) for o in bands]


def test_route_legs_by_day_and_numbered_stops():
    route = next(o for o in prepare_map(layers={}, routes=sample_routes(), lang="en").overlays
                 if o.key == "routes")
    assert [f["properties"]["tip"] for f in route.pins] == ["1. A", "2. B", "3. C", "4. D"]
    for feature, name in zip(route.pins, "ABCD", strict=True):
        np.testing.assert_allclose(lonlats(feature)[0], STOPS[name], atol=1e-6)
    day1, day2 = route.shapes[0]["properties"], route.shapes[2]["properties"]
    assert day1["style"]["color"] == route.shapes[1]["properties"]["style"]["color"] != day2["style"]["color"]
    rows = dict(day1["popup"]["rows"])
    assert rows == {"Leg": "1", "Drive": "35 min", "Distance": "23.4 km"}
    assert day2["popup"]["subtitle"] == "Day 2"


def test_surface_cells_fall_in_their_minute_classes():
    surface = next(o for o in prepare_map(layers={}, surface=sample_surface()).overlays
                   if o.key == "surface")
    from wuling_geo.present.maps.overlays import surface_bins

    colours = [c for _, c in surface_bins("zh")]
    got = [f["properties"]["style"]["fillColor"] for f in surface.shapes]
    assert got == [colours[0], colours[0], colours[1], colours[2], colours[6], colours[7]]
    assert surface.shapes[5]["properties"]["popup"]["title"] == "—"


def test_main_roads_and_railways_are_merged_by_name():
    net = grid_network(3, 3, spacing_m=1000)
    on_row = (net.edges["u"] <= 3) & (net.edges["v"] <= 3)  # the bottom row, both directions
    net.edges.loc[on_row, "highway"] = "motorway"
    net.edges.loc[on_row, "name"] = "SYNTHETIC expressway"
    content = prepare_map(layers={}, network=net, railways=sample_railways(), lang="en")
    roads = next(o for o in content.overlays if o.key == "roads").shapes
    assert len(roads) == 1 and roads[0]["properties"]["tip"] == "SYNTHETIC expressway"
    assert dict(roads[0]["properties"]["popup"]["rows"])["Length"] == "2.0 km"
    assert shapely.geometry.shape(roads[0]["geometry"]).geom_type == "LineString"
    rails = next(o for o in content.overlays if o.key == "railways").shapes
    assert {f["properties"]["tip"]: f["properties"]["kind"] for f in rails} == {
        "SYNTHETIC high-speed line": "hsr", "unnamed": "rail"}
    lines = next(s for s in content.legend["sections"] if s["title"] == "Lines and boundaries")
    labels = {i["label"] for i in lines["items"]}
    assert {"High-speed railway", "Conventional railway", "Expressway"} <= labels


def test_geometries_are_simplified_within_tolerance_and_rounded():
    circle = _utm_circle(108.78, 29.45, 5000, n=4000)
    band = gpd.GeoDataFrame({"minutes": [30]}, geometry=[circle], crs="EPSG:4326")
    shown = next(o for o in prepare_map(layers={}, catchments=band).overlays
                 if o.key.startswith("catchment")).shapes[0]
    xy = lonlats(shown)
    assert len(xy) < 400 < len(shapely.get_coordinates(circle))
    np.testing.assert_array_equal(xy, np.round(xy, 6))
    metric = gpd.GeoSeries([circle, shapely.geometry.shape(shown["geometry"])],
                           crs="EPSG:4326").to_crs(settings.projected_crs)
    assert metric.iloc[0].hausdorff_distance(metric.iloc[1]) <= settings.map_simplify_m + 0.5


def test_shaper_converts_like_the_datum_module():
    from wuling_geo.data.datum import convert

    point = Shaper("gcj02")([shapely.Point(108.83111, 29.51333)], simplify=False)[0]
    assert (point.x, point.y) == pytest.approx(convert(108.83111, 29.51333, "wgs84", "gcj02"), abs=1e-6)


@pytest.mark.parametrize(("frame", "what", "column"), [
    ("catchments", "catchments", "minutes"), ("surface", "surface", "minutes")])
def test_overlays_missing_a_column_are_input_errors(frame, what, column):
    bad = gpd.GeoDataFrame({"x": [1]}, geometry=[shapely.Point(108.8, 29.5)], crs="EPSG:4326")
    with pytest.raises(InputError, match=f"lack the column '{column}'"):
        prepare_map(layers={}, **{frame: bad})


# ---------------------------------------------------------------- escaping

@given(st.recursive(st.text() | st.integers() | st.none(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=12))
def test_safe_json_round_trips_and_cannot_close_a_script(data):
    out = safe_json(data)
    assert json.loads(out) == data
    assert not set(out) & {"<", ">", "&", "\u2028", "\u2029"}


def test_names_from_data_never_reach_the_html_unescaped(tmp_path):
    common = dict(layers=sample_layers(SYNTHETIC_PLACES), catchments=sample_catchments(IMG),
                  routes=sample_routes(SCRIPT), index=False)
    clean = render_map(tmp_path / "clean.html", **common, title="plain")
    dirty = render_map(tmp_path / "dirty.html", **common, title=f"<b>{SCRIPT}")
    page = dirty.path.read_text(encoding="utf-8")
    assert IMG not in page and SCRIPT not in page and "<b>" not in page
    assert page.count("onerror=alert") >= 5  # present, but only inside escaped text
    for match in re.finditer("onerror=alert", page):
        before = page[match.start() - 20:match.start()]
        assert re.search(r"(\\u003c|\\u0026lt;|&lt;)img ?src=x ?$", before), before
    count = lambda path: len(re.findall(r"<script", path.read_text(encoding="utf-8"), re.IGNORECASE))  # noqa: E731
    assert count(dirty.path) == count(clean.path)
    assert "<title>&lt;b&gt;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>" in page


# ---------------------------------------------------------------- files, offline pages, index

def test_online_page_links_only_leaflet_and_plugins(tmp_path):
    report = render_map(tmp_path / "m.html", layers=sample_layers(), index=False, offline=False)
    hosts = {re.match(r"https://([^/]+)/", url).group(1) for url in report.linked}
    assert hosts <= {"cdn.jsdelivr.net", "cdnjs.cloudflare.com"}
    assert not [u for u in report.linked if re.search("jquery|bootstrap|fontawesome|awesome", u)]
    assert report.size_bytes == (tmp_path / "m.html").stat().st_size < 150_000
    assert not report.offline


def test_a_page_linking_cdns_says_in_plain_text_what_it_needs(tmp_path):
    """The message is in the HTML itself (no script needed) and names the fix, in both languages."""
    page = render_map(tmp_path / "m.html", layers=sample_layers(), index=False,
                      offline=False).path.read_text("utf-8")
    body = page.split("<body>", 1)[1]
    fallback = re.search(r'<div id="wg-fallback"[^>]*>(.*?)</div>', body, re.DOTALL).group(1)
    assert body.index('id="wg-fallback"') < body.index("folium-map")
    assert "wuling-geo map-assets" in fallback and "中国大陆" in fallback and "mainland China" in fallback
    assert '<h1 class="wg-title">黔江区旅游与物流地图</h1>' in body  # the title needs no script
    assert 'getElementById("wg-fallback")' in page  # the map's script removes it once it runs


def test_by_default_installed_assets_are_inlined_else_cdns_linked(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "web_assets_dir", tmp_path / "no-assets")
    report = render_map(tmp_path / "cdn.html", layers=sample_layers(), index=False)
    assert not report.offline and report.linked
    assert "map-assets" in re.search(r'id="wg-fallback".*?</div>', report.path.read_text("utf-8"),
                                     re.DOTALL).group(0)
    if _map_assets.missing_assets(ASSETS):
        return
    monkeypatch.setattr(settings, "web_assets_dir", ASSETS)
    report = render_map(tmp_path / "inline.html", layers=sample_layers(), index=False)
    assert report.offline and report.linked == []


@needs_assets
@pytest.mark.parametrize("basemap", ["osm", "none"])
def test_offline_page_inlines_everything(tmp_path, basemap):
    report = render_map(tmp_path / "m.html", layers=sample_layers(), basemap=basemap, offline=True)
    page = report.path.read_text(encoding="utf-8")
    assert report.linked == [] and report.offline
    assert not re.search(r"<script[^>]+src=|<link[^>]+stylesheet", page)
    styles = "".join(re.findall(r"<style>(.*?)</style>", page, re.DOTALL))
    refs = re.findall(r"""url\(\s*["']?([^"')]+)""", styles)
    assert len(refs) > 10 and all(ref.startswith(("data:", "#")) for ref in refs)
    assert ("tile.openstreetmap.org" in page) == (basemap == "osm")
    assert "L.Control.MiniMap" in page and "L.Control.Search" in page and "markerClusterGroup" in page
    assert report.size_bytes < 700_000


def test_offline_without_assets_is_a_one_line_error_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(settings, "web_assets_dir", tmp_path / "no-assets")
    code = run(["map", "--offline", "--out", str(tmp_path / "m.html")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "wuling-geo map-assets" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "pattern"), [
    (["--basemap", "google"], "unknown basemap 'google': use one of osm, amap, none"),
    (["--lang", "fr"], "unknown language 'fr': use one of zh, en"),
    (["--catchments", "missing.gpkg"], "catchments file missing.gpkg not found"),
    (["--network", "{tmp}", "--catchments"], "no catchments in .*: compute them with"),
])
def test_bad_input_is_a_one_line_error(tmp_path, monkeypatch, capsys, args, pattern):
    monkeypatch.chdir(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = run(["map", "--out", str(tmp_path / "m.html"), *args])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and re.search(pattern, err), err
    assert not list(tmp_path.glob("*.htm*")) and not list(tmp_path.glob(".*tmp"))


def test_output_in_a_missing_folder_is_a_one_line_error(tmp_path, capsys):
    code = run(["map", "--out", str(tmp_path / "nowhere" / "m.html")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "does not exist" in err


def test_a_failed_render_leaves_the_old_map_untouched(tmp_path):
    target = tmp_path / "m.html"
    target.write_text("old map", encoding="utf-8")
    bad = sample_catchments().drop(columns=["minutes"])
    with pytest.raises(InputError):
        render_map(target, layers={}, catchments=bad)
    assert target.read_text(encoding="utf-8") == "old map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.html"]


def test_index_links_every_map_and_screenshot_escaped(tmp_path):
    render_map(tmp_path / "qianjiang.html", layers=sample_layers(), basemap="none")
    render_map(tmp_path / "english.html", layers=sample_layers(), lang="en", title=f"Map {IMG}")
    (tmp_path / "screenshot-desktop.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    index = write_index(tmp_path).read_text(encoding="utf-8")
    assert index.count("<li><a href=") == 2
    assert '<a href="qianjiang.html">黔江区旅游与物流地图</a>' in index
    assert '<a href="english.html">Map &lt;img src=x onerror=alert(1)&gt;</a>' in index
    assert '<img src="screenshot-desktop.png"' in index and IMG not in index
    assert not re.search(r"""(src|href)=["']https?:""", index)


def test_cli_map_writes_the_map_and_the_index(tmp_path, capsys):
    code = run(["map", "--out", str(tmp_path / "q.html"), "--basemap", "none", "--lang", "en", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["basemap"] == "none" and data["lang"] == "en"
    assert data["layers"][0] == "Qianjiang District boundary" and data["size_bytes"] > 10_000
    assert (tmp_path / "q.html").is_file() and (tmp_path / "index.html").is_file()


def test_build_writes_the_map_and_index(tmp_path):
    geocoder = Geocoder(features=NO_FEATURES)
    report = build(tmp_path / "out", tmp_path / "no-network", tmp_path / "maps", geocoder)
    assert tmp_path / "maps" / "qianjiang.html" in report.outputs
    assert tmp_path / "maps" / "index.html" in report.outputs
    assert "qianjiang.html" in (tmp_path / "maps" / "index.html").read_text(encoding="utf-8")


def test_pandas_missing_values_become_empty_text():
    from wuling_geo.present.maps.content import clean, number

    assert clean(pd.NA) is None and clean(np.float64("nan")) is None and clean(np.int64(3)) == 3
    assert number(1234.56) == "1,234.6" and number(None) == ""


def test_ci_installs_the_pinned_map_assets():
    from pathlib import Path

    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    lines = ci.replace("\\\n", " ").splitlines()
    command = next(line for line in lines if line.strip().startswith("npm install"))
    assert command.split() == _map_assets.install_command(Path("build/web-assets"))


def test_roads_overlay_without_main_roads_is_none():
    from wuling_geo.present.maps.overlays import roads_overlay

    from .synthetic import grid_network

    net = grid_network(3, 3)  # residential streets only
    assert roads_overlay(net, None, "zh") is None
