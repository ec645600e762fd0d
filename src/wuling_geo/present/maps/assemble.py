"""Assemble a folium map from prepared overlays and render it to one HTML page.

Controls come from ``folium.plugins`` (marker clusters, fullscreen, locate, measure, search,
minimap); the page's own script (:mod:`wuling_geo.present.maps.client`) adds popups, the legend,
the panel of unresolved places and the attribution.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import folium
import folium.folium as _folium_map
import xyzservices.providers as xyz
from folium import plugins
from folium.template import Template
from folium.utilities import JsCode

from wuling_geo.present.maps.assets import inline_resources
from wuling_geo.present.maps.client import ClientHead, ClientInit, add_styles, safe_json
from wuling_geo.present.maps.content import Overlay
from wuling_geo.present.maps.i18n import text

#: Basemaps: OpenStreetMap (WGS-84), Amap/高德 (GCJ-02), or none.
BASEMAPS = ("osm", "amap", "none")
BASEMAP_DATUM = {"osm": "wgs84", "amap": "gcj02", "none": "wgs84"}
_FOLIUM_CORE = ("leaflet", "leaflet_css")


@dataclass
class PageContent:
    """Everything a page shows, prepared by :func:`wuling_geo.present.maps.webmap.render_map`."""

    title: str
    lang: str
    overlays: list[Overlay]
    legend: dict
    unresolved: list[dict]
    search: list[dict]
    bounds: tuple[float, float, float, float]
    attribution: str
    outline: list[dict] = field(default_factory=list)
    shift: dict | None = None
    groups: list[dict] = field(default_factory=list)
    coverage: list[dict] = field(default_factory=list)


def _tiles(basemap: str, lang: str) -> folium.TileLayer | None:
    if basemap == "osm":
        return folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False)
    if basemap == "amap":
        gaode = xyz.Gaode.Normal
        url = gaode["url"].replace("http://", "https://").replace("webrd01", "webrd0{s}")
        return folium.TileLayer(url, attr=gaode["html_attribution"], name="高德地图 Amap",
                                subdomains="1234", max_zoom=18, control=False)
    return None


class _OutlineMiniMap(plugins.MiniMap):
    """A minimap showing the district outline, for maps without a basemap."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }}_outline = L.geoJson({{ this.outline }}, {
                style: {color: "#c62828", weight: 1.5, fillOpacity: 0.08}, interactive: false});
            var {{ this.get_name() }} = new L.Control.MiniMap(
                {{ this.get_name() }}_outline, {{ this.options|tojavascript }});
            {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, outline: list[dict], **kwargs) -> None:
        super().__init__(**kwargs)
        self.outline = safe_json({"type": "FeatureCollection", "features": outline})


#: A pane under Leaflet's overlay pane (z-index 400) for filled areas: catchment bands and
#: the accessibility surface stay beneath boundaries, roads and routes.
AREA_PANE = "wgAreas"


def _geojson(features: list[dict], pane: str = "", **kwargs) -> folium.GeoJson:
    if pane:
        kwargs["pane"] = pane
    return folium.GeoJson({"type": "FeatureCollection", "features": features}, control=False,
                          on_each_feature=JsCode("WG.bind"), **kwargs)


def _add_overlay(m: folium.Map, overlay: Overlay, clusters: list[str]) -> None:
    group = folium.FeatureGroup(name=html.escape(overlay.name), show=True, control=True)
    group.add_to(m)
    if overlay.shapes:
        _geojson(overlay.shapes, overlay.pane).add_to(group)
    if overlay.pins:
        parent = group
        if overlay.cluster:
            parent = plugins.MarkerCluster(control=False, max_cluster_radius=36,
                                           disable_clustering_at_zoom=13,
                                           show_coverage_on_hover=False)
            parent.add_to(group)
            clusters.append(parent.get_name())
        _geojson(overlay.pins, point_to_layer=JsCode("WG.point")).add_to(parent)


def _controls(m: folium.Map, page: PageContent, basemap: str) -> list[str]:
    lang = page.lang
    plugins.Fullscreen(position="topleft", title=text("fullscreen", lang),
                       title_cancel=text("exit_fullscreen", lang)).add_to(m)
    plugins.LocateControl(position="topleft", icon="wg-locate-icon",
                          iconLoading="wg-locate-icon wg-loading",
                          locateOptions={"maxZoom": 15, "enableHighAccuracy": True},
                          strings={"title": text("locate", lang), "metersUnit": text("meters", lang),
                                   "popup": text("locate_popup", lang),
                                   "outsideMapBoundsMsg": text("outside", lang)}).add_to(m)
    plugins.MeasureControl(position="topleft", primary_length_unit="kilometers",
                           secondary_length_unit="meters", primary_area_unit="sqmeters",
                           secondary_area_unit=None,
                           localization="cn" if lang == "zh" else "en").add_to(m)
    mini = dict(position="bottomright", width=130, height=130, toggle_display=True,
                zoom_level_offset=-4, minimized=True)  # a button until asked for: room for the legend
    tiles = _tiles(basemap, lang)
    minimap = None
    if tiles is not None:
        minimap = plugins.MiniMap(tile_layer=tiles, **mini)
    elif page.outline:
        minimap = _OutlineMiniMap(page.outline, **mini)
    if minimap is None:
        return []
    minimap.add_to(m)
    return [minimap.get_name()]


def fallback_html(page: PageContent, inlined: bool) -> str:
    """Return the page's header and the plain-text message shown while the map script has not run.

    The message sits beneath the map and the script removes it once the map runs, so it is
    what a reader sees when Leaflet cannot load (no network, CDNs blocked) or scripts are off.
    """
    other = "en" if page.lang == "zh" else "zh"
    key = "fallback_script" if inlined else "fallback_cdn"
    return (f'<header class="wg-header"><h1 class="wg-title">{html.escape(page.title)}</h1></header>\n'
            f'<div id="wg-fallback" class="wg-fallback" role="alert">'
            f'<h2>{html.escape(text("fallback_head", page.lang))}</h2>'
            f'<p>{html.escape(text(key, page.lang))}</p>'
            f'<p class="wg-other-lang" lang="{"zh-CN" if other == "zh" else "en"}">'
            f'{html.escape(text("fallback_head", other))}: {html.escape(text(key, other))}</p></div>\n')


def resource_urls() -> dict[str, str]:
    """Return the CDN URL → resource name of every script and style sheet a map may link."""
    urls = {}
    classes = (plugins.MarkerCluster, plugins.Fullscreen, plugins.LocateControl,
               plugins.MeasureControl, plugins.Search, plugins.MiniMap)
    pairs = [*_folium_map._default_js, *_folium_map._default_css]
    for cls in classes:
        pairs += [*cls.default_js, *cls.default_css]
    for name, url in pairs:
        urls[url] = name
    return urls


def render_page(page: PageContent, basemap: str, offline: bool) -> str:
    """Return the HTML of a map page (self-contained when ``offline``)."""
    west, south, east, north = page.bounds
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=9, tiles=None,
                   control_scale=False)
    m.options.update(min_zoom=5, max_zoom=18)  # on the map itself: there may be no tile layer
    # Leaflet itself only: folium's jQuery, Bootstrap and Font Awesome are not used here.
    m.default_js = [p for p in _folium_map._default_js if p[0] in _FOLIUM_CORE]
    m.default_css = [p for p in _folium_map._default_css if p[0] in _FOLIUM_CORE]
    root = m.get_root()
    root.title = html.escape(page.title)
    root.header.add_child(ClientHead(), name="wuling_geo_client")
    tiles = _tiles(basemap, page.lang)
    if tiles is not None:
        tiles.add_to(m)
    if any(o.pane == AREA_PANE for o in page.overlays):
        folium.map.CustomPane(AREA_PANE, z_index=350, pointer_events=True).add_to(m)
    clusters: list[str] = []
    for overlay in page.overlays:
        _add_overlay(m, overlay, clusters)
    search_ref = "null"
    if page.search:
        index = folium.GeoJson({"type": "FeatureCollection", "features": page.search},
                               control=False, point_to_layer=JsCode("WG.hidden"))
        index.add_to(m)
        plugins.Search(index, search_label="search", search_zoom=14, position="topleft",
                       placeholder=text("search", page.lang), collapsed=True).add_to(m)
        search_ref = f"{index.get_name()}searchControl"
    minimaps = _controls(m, page, basemap)
    layers = folium.LayerControl(position="topright", collapsed=True)
    layers.add_to(m)
    lang = page.lang
    config = {"title": page.title, "legend": page.legend, "unresolved": page.unresolved,
              "coverage": page.coverage,
              "attribution": page.attribution, "shift": page.shift,
              "groups": [{"title": g["title"], "layers": {html.escape(k): v for k, v in g["layers"].items()}}
                         for g in page.groups],
              "text": {"facts": text("facts", lang), "unresolved": text("unresolved", lang),
                       "unresolvedNote": text("unresolved_note", lang),
                       "coverage": text("coverage", lang),
                       "notFound": text("not_found", lang), "zoomIn": text("zoom_in", lang),
                       "zoomOut": text("zoom_out", lang), "layers": text("layers", lang),
                       "minimapHide": text("minimap_hide", lang),
                       "minimapShow": text("minimap_show", lang), "cancel": text("cancel", lang),
                       "loading": text("loading", lang), "searchTitle": text("search", lang),
                       "leaflet": text("leaflet", lang)}}
    ClientInit(config, layers=layers.get_name(), search=search_ref, clusters=clusters,
               minimaps=minimaps).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    out = add_styles(root.render())
    out = out.replace("<html>", f'<html lang="{"zh-CN" if page.lang == "zh" else "en"}">', 1)
    out = out.replace("<body>", "<body>\n" + fallback_html(page, offline), 1)
    if offline:
        out = inline_resources(out, resource_urls())
    return out
