"""The review map of gazetteer curation: each place's candidates side by side on one page.

A small folium page (Leaflet only, OpenStreetMap tiles, WGS-84): one circle per candidate,
coloured by source, a line between candidates that agree (green) or lie far apart (red), and
the place's gazetteer position as a ring. The data travels as JSON (:func:`safe_json`) and the
page's script builds every popup with ``textContent``, so names from providers stay text.
``offline`` inlines Leaflet from the npm copy (:mod:`.assets`), as the other maps do.
"""

from __future__ import annotations

import html

import folium
import folium.folium as _folium_map
from branca.element import Element, MacroElement
from folium.template import Template

from wuling_geo.data.curation import LINEAGE, Review
from wuling_geo.present.maps.assets import inline_resources
from wuling_geo.present.maps.client import safe_json

#: Colour of each source's candidates.
COLOURS = {"gazetteer": "#000000", "osm": "#2e7d32", "nominatim": "#66bb6a",
           "tianditu": "#1565c0", "amap": "#ef6c00", "baidu": "#c62828"}
_CORE = ("leaflet", "leaflet_css")

_SCRIPT = """
var WGR = {
  add: function(map, data) {
    var bounds = [];
    function popup(rows) {
      var box = document.createElement("div");
      rows.forEach(function(r) {
        var line = document.createElement("div");
        var b = document.createElement("b"); b.textContent = r[0] + ": ";
        line.appendChild(b); line.appendChild(document.createTextNode(r[1]));
        box.appendChild(line);
      });
      return box;
    }
    data.links.forEach(function(k) {
      L.polyline(k.line, {color: k.agree ? "#2e7d32" : "#c62828", weight: 2,
        dashArray: k.agree ? null : "6 4"}).bindTooltip(k.text).addTo(map);
    });
    data.points.forEach(function(p) {
      var m = L.circleMarker([p.lat, p.lon], {radius: p.usable ? 7 : 5, color: p.colour,
        weight: p.source === "gazetteer" ? 3 : 1, fillOpacity: p.source === "gazetteer" ? 0 : 0.7,
        dashArray: p.usable ? null : "2 2"});
      m.bindPopup(popup(p.rows));
      m.bindTooltip(p.tip);
      m.addTo(map);
      bounds.push([p.lat, p.lon]);
    });
    var legend = L.control({position: "bottomright"});
    legend.onAdd = function() {
      var box = L.DomUtil.create("div", "wgr-legend");
      box.style.cssText = "background:#fff;padding:6px 8px;font:13px sans-serif;line-height:1.5";
      Object.keys(data.colours).forEach(function(s) {
        var row = document.createElement("div");
        var dot = document.createElement("span");
        dot.style.cssText = "display:inline-block;width:10px;height:10px;border-radius:5px;" +
          "margin-right:6px;background:" + data.colours[s];
        row.appendChild(dot); row.appendChild(document.createTextNode(s));
        box.appendChild(row);
      });
      var note = document.createElement("div");
      note.textContent = data.note; box.appendChild(note);
      return box;
    };
    legend.addTo(map);
    if (bounds.length) { map.fitBounds(bounds, {maxZoom: 15, padding: [20, 20]}); }
  }
};
"""


class _ReviewData(MacroElement):
    _template = Template("""
        {% macro script(this, kwargs) %}
        WGR.add({{ this._parent.get_name() }}, {{ this.data }});
        {% endmacro %}
    """)

    def __init__(self, data: dict) -> None:
        super().__init__()
        self.data = safe_json(data)


def _page_data(review: Review) -> dict:
    points, links = [], []
    for pr in review.places:
        by_n = {p.n: p for p in pr.proposals}
        for p in pr.proposals:
            rows = [["place", f"{pr.place.name_zh} ({pr.place.id})"], ["candidate", str(p.n)],
                    ["source", f"{p.source} {p.method}"], ["label", p.label],
                    ["kind", p.kind], ["confidence", p.confidence],
                    ["position", f"{p.lon:.6f}, {p.lat:.6f} (WGS-84; given in {p.datum})"],
                    ["id", p.ident], ["date", p.date or "-"], ["verdict", pr.verdict]]
            if p.flags:
                rows.append(["flags", ", ".join(p.flags)])
            if p.nearest:
                rows.append(["nearest other source", f"#{p.nearest[0]} at {p.nearest[1]:.0f} m"])
            points.append({"lon": p.lon, "lat": p.lat, "source": p.source,
                           "colour": COLOURS.get(p.source, "#555"), "usable": p.usable,
                           "tip": f"{pr.place.name_zh} #{p.n} {p.source}: {p.label}",
                           "rows": rows})
            for pairs, agree in ((p.agrees_with, True), (p.far_from, False)):
                for n, d in pairs:
                    q = by_n[n]
                    if n > p.n and LINEAGE[q.source] != LINEAGE[p.source]:
                        links.append({"line": [[p.lat, p.lon], [q.lat, q.lon]], "agree": agree,
                                      "text": f"{pr.place.name_zh}: #{p.n} {p.source} – #{n} "
                                              f"{q.source}: {d:.0f} m"})
    return {"points": points, "links": links,
            "colours": {s: COLOURS[s] for s in review.sources if s in COLOURS},
            "note": "green line: agree (≤ 300 m); red dashes: > 1 km apart; "
                    "dotted: failed a check"}


def render_review_map(review: Review, offline: bool = False) -> str:
    """Return the HTML of the review map (self-contained when ``offline``)."""
    m = folium.Map(location=[29.5, 108.77], zoom_start=10, tiles="OpenStreetMap",
                   control_scale=True)
    m.default_js = [p for p in _folium_map._default_js if p[0] in _CORE]
    m.default_css = [p for p in _folium_map._default_css if p[0] in _CORE]
    root = m.get_root()
    root.title = html.escape(f"Gazetteer review {review.created[:10]}")
    root.header.add_child(Element(f"<script>{_SCRIPT}</script>"), name="wg_review_script")
    _ReviewData(_page_data(review)).add_to(m)
    page = root.render()
    if offline:
        urls = {url: name for name, url in (*_folium_map._default_js, *_folium_map._default_css)}
        page = inline_resources(page, urls)
    return page


__all__ = ["COLOURS", "render_review_map"]
