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
from wuling_geo.data.gazetteer import parse_gazetteer
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.layers import layer_frames
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
        "xss": render_map(folder / "xss.html", layers=small_layers(SYNTHETIC_PLACES + CROWD),
                          catchments=sample_catchments(IMG), routes=sample_routes(SCRIPT),
                          surface=sample_surface(), railways=sample_railways(), basemap="none",
                          offline=True, title=f"<b>{SCRIPT}", index=False),
    }


class Visit:
    """A page opened in a fresh browser context, with its requests, console and dialogs."""

    def __init__(self, browser, report, **context) -> None:
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
        self.page.goto(report.path.as_uri())
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

    def _open(report, **context):
        opened.append(Visit(browser, report, **context))
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
    assert f"等时圈: {IMG} (最近设施)" in labels and "行程路线" in labels and "到最近设施的时间" in labels


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
    assert "5A" in text and "2020" in text and "GCJ-02" in text and "FACTS.md" in text
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
    assert f"note: {SCRIPT}" in popup.inner_text() and IMG in popup.inner_text()
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
