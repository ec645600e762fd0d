"""The web map's own script and styles, and the folium elements that place them in the page.

The script and style sheet are real files shipped as package data (``static/wuling-map.js``,
``static/wuling-map.css`` beside this module); this module reads and places them.

The script builds every popup, tooltip, legend entry and panel line from JSON data with
``textContent`` (never ``innerHTML``), so names from data stay text. It also keeps
leaflet-search's suggestion list and the GPS position (GCJ-02 on an Amap basemap) safe.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from branca.element import Element, MacroElement
from folium.template import Template


def safe_json(data) -> str:
    """Return ``data`` as JSON that is safe inside an HTML ``<script>`` element."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))





class ClientHead(Element):
    """The page's own script, placed in the ``<head>`` once."""

    def __init__(self) -> None:
        super().__init__(f"<script>{static_text('wuling-map.js')}</script>")


@functools.cache
def static_text(name: str) -> str:
    """Return a static file of the page (``wuling-map.js``, ``wuling-map.css``), package data."""
    return (resources.files("wuling_geo.present.maps") / "static" / name).read_text("utf-8")


def add_styles(page: str) -> str:
    """Return ``page`` with the map's style sheet last in its head (after Leaflet's own)."""
    return page.replace("</head>", f"<style>{static_text('wuling-map.css')}</style>\n</head>", 1)


class ClientInit(MacroElement):
    """Calls ``WG.init`` with the map, its configuration and the controls it extends."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        WG.init({{ this._parent.get_name() }}, {{ this.config }}, {
            layers: {{ this.layers }}, search: {{ this.search }},
            clusters: [{{ this.clusters|join(", ") }}],
            minimaps: [{{ this.minimaps|join(", ") }}]});
        {% endmacro %}
    """)

    def __init__(self, config: dict, layers: str = "null", search: str = "null",
                 clusters: list[str] | None = None, minimaps: list[str] | None = None) -> None:
        super().__init__()
        self._name = "ClientInit"
        self.config = safe_json(config)
        self.layers, self.search, self.clusters = layers, search, clusters or []
        self.minimaps = minimaps or []
