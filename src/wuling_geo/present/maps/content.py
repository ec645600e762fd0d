"""The web map's content as plain data: GeoJSON features with styles and popup text.

Nothing here writes HTML. Every name, fact and source travels as JSON text, and the page's
script puts it into the document with ``textContent``, so data can never become markup.
Geometries are simplified (:data:`settings.map_simplify_m`), moved to the basemap's datum
and rounded (:data:`settings.map_decimals`) on the way.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from wuling_geo import settings
from wuling_geo.data.datum import convert_geometry
from wuling_geo.data.gazetteer import normalise_name
from wuling_geo.data.layers import coverage
from wuling_geo.present.maps.i18n import (
    category_label,
    confidence_label,
    fact_label,
    method_label,
    names,
    public_source,
    subtype_label,
    text,
)

#: Colours of the map's own symbols (the legend draws the same ones).
COLOURS = {
    "scenic-5a": "#b71c1c", "scenic-4a": "#ef6c00", "scenic": "#f9a825", "scenic-part": "#b71c1c",
    "transport": "#1565c0", "logistics": "#6a1b9a", "industry": "#5d4037", "civic": "#455a64",
    "stop": "#212121", "boundary": "#c62828", "neighbours": "#757575",
    "rail": "#37474f", "hsr": "#7b1fa2",
    "motorway": "#e65100", "trunk": "#fb8c00", "primary": "#f9a825",
}
DATUM_LABELS = {"wgs84": "WGS-84", "gcj02": "GCJ-02", "bd09": "BD-09"}
#: Geocoder flags with a text of their own in :mod:`wuling_geo.present.maps.i18n`.
FLAG_KEYS = {"flag_outside-district"}


@dataclass
class Overlay:
    """One entry of the layer control: its shapes, its pins and where its data came from."""

    key: str
    name: str
    shapes: list[dict] = field(default_factory=list)
    pins: list[dict] = field(default_factory=list)
    attribution: str = ""
    cluster: bool = False
    pane: str = ""

    @property
    def size(self) -> int:
        """Return the number of features drawn."""
        return len(self.shapes) + len(self.pins)


def clean(value):
    """Return ``value`` as plain JSON data: ``None`` for missing, Python numbers and text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def text_of(value) -> str:
    """Return ``value`` as display text (empty for missing)."""
    value = clean(value)
    return "" if value is None else str(value)


def number(value, digits: int = 1) -> str:
    """Format a number for popups (empty for missing)."""
    value = clean(value)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return text_of(value)
    return f"{value:,.{digits}f}" if digits else f"{round(value):,d}"


class Shaper:
    """Prepare geometries for display: simplify, convert datum, round coordinates."""

    def __init__(self, datum: str = "wgs84") -> None:
        self.datum = datum

    def __call__(self, geometry, simplify: bool = True):
        """Return display-ready copies of a geometry or an array of them."""
        geoms = np.asarray(geometry, dtype=object)
        if simplify:
            tolerance = settings.map_simplify_m / 111_320.0
            geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
        if self.datum != "wgs84":
            geoms = convert_geometry(geoms, "wgs84", self.datum)
        decimals = settings.map_decimals
        return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def feature(geometry, properties: dict) -> dict:
    """Return a GeoJSON feature of a (display-ready) shapely geometry."""
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geometry),
            "properties": {k: v for k, v in properties.items() if v not in (None, "", [])}}


def popup(title: str, subtitle: str = "", rows=(), facts=()) -> dict:
    """Return popup content: a title, a subtitle, label/value rows and sourced facts."""
    return {"title": title, "subtitle": subtitle,
            "rows": [[str(k), str(v)] for k, v in rows if text_of(v)],
            "facts": [[str(x) for x in f] for f in facts]}


def shape_style(colour: str, weight: float = 2, fill: float = 0.0, dash: str = "",
                opacity: float = 0.9, fill_colour: str | None = None) -> dict:
    """Return a Leaflet path style."""
    style = {"color": colour, "weight": weight, "opacity": opacity, "fillColor": fill_colour or colour,
             "fillOpacity": fill, "fill": fill > 0}
    if dash:
        style["dashArray"] = dash
    return style


# ---------------------------------------------------------------- boundary

def boundary_overlays(frame, shaper: Shaper, lang: str, source: str) -> list[Overlay]:
    """Return the district outline and its neighbours as two overlays."""
    out = []
    for key, role in (("boundary", "district"), ("neighbours", "neighbour")):
        rows = frame[frame["role"] == role] if "role" in frame else frame.iloc[0:0]
        if rows.empty:
            continue
        geoms = shaper(rows.geometry.values)
        overlay = Overlay(key, text(key, lang), attribution=source)
        for geom, (_, row) in zip(geoms, rows.iterrows(), strict=True):
            primary, secondary = names(text_of(row.get("name_zh")), text_of(row.get("name_en")), lang)
            style = (shape_style(COLOURS["boundary"], 3) if role == "district"
                     else shape_style(COLOURS["neighbours"], 1.5, 0.06, dash="6 4"))
            overlay.shapes.append(feature(geom, {
                "kind": key, "tip": primary, "style": style,
                "popup": popup(primary, secondary, [
                    (text("province", lang), text_of(row.get("province"))),
                    (text("area", lang), f"{number(row.get('area_km2'))} km²"),
                    (text("source", lang), text_of(row.get("source")) or source)])}))
        out.append(overlay)
    return out


# ---------------------------------------------------------------- gazetteer places

def place_kind(row) -> str:
    """Return the symbol kind of a place row (scenic places by grade; parts apart)."""
    category = text_of(row.get("category"))
    if category == "scenic":
        if text_of(row.get("part_of")):
            return "scenic-part"
        return {"5A": "scenic-5a", "4A": "scenic-4a"}.get(text_of(row.get("grade")), "scenic")
    return category if category in COLOURS else "civic"


def is_hsr(name: str, speed=None, highspeed=None) -> bool:
    """Whether a railway is high-speed: tagged so, 200 km/h or more, or named 高铁/客专."""
    if text_of(highspeed).lower() == "yes":
        return True
    try:
        if float(str(clean(speed)).split()[0]) >= 200:
            return True
    except (TypeError, ValueError, IndexError):
        pass
    return any(word in name for word in ("高铁", "高速铁路", "客专", "客运专线", "high-speed"))


class PlaceNames:
    """Names of every gazetteer place, for ``part_of`` labels."""

    def __init__(self, frames: dict, lang: str) -> None:
        self.lang = lang
        self._by_id = {}
        for key, frame in frames.items():
            if key == "boundary" or "id" not in frame:
                continue
            for _, row in frame.iterrows():
                self._by_id[text_of(row["id"])] = names(text_of(row.get("name_zh")),
                                                        text_of(row.get("name_en")), lang)[0]

    def __getitem__(self, place_id: str) -> str:
        return self._by_id.get(place_id, place_id)


def _fact_row(fact: dict, lang: str) -> tuple[str, str, str, str]:
    """Return ``(label, value, source, confidence)`` of a gazetteer fact, for a reader."""
    label, unit = fact_label(text_of(fact.get("key")), lang)
    value = clean(fact.get("value"))
    shown = number(value, 0 if isinstance(value, int) else 1) if isinstance(
        value, int | float) and not isinstance(value, bool) else text_of(value)
    if unit and isinstance(value, int | float):
        shown = f"{shown} {unit}"
    if text_of(fact.get("key")).endswith("code"):  # an identifier, not a quantity
        shown = text_of(value)
    return (label, shown, public_source(text_of(fact.get("source")), lang),
            confidence_label(text_of(fact.get("confidence")), lang))


def _place_popup(row, lang: str, parents: PlaceNames) -> dict:
    primary, secondary = names(text_of(row.get("name_zh")), text_of(row.get("name_en")), lang)
    subtype = subtype_label(text_of(row.get("subtype")), lang)
    category = category_label(text_of(row.get("category")), lang)
    rows = [(text("category", lang), category if subtype in {"", category} else f"{category} · {subtype}")]
    grade = text_of(row.get("grade"))
    if grade in {"5A", "4A"}:
        rows.append((text("grade", lang), grade))
        rows.append((text("rated", lang), text_of(row.get("grade_year"))))
    if text_of(row.get("part_of")):
        rows.append((text("part_of", lang), parents[text_of(row.get("part_of"))]))
    method = text_of(row.get("method"))
    shown_method = method_label(method, lang)
    where = public_source(text_of(row.get("source")), lang)
    flags = [text(f"flag_{f}", lang) if f"flag_{f}" in FLAG_KEYS else f
             for f in text_of(row.get("flags")).split(",") if f]
    rows += [(text("position", lang), " · ".join(x for x in (shown_method, where) if x)),
             (text("from_datum", lang), DATUM_LABELS.get(text_of(row.get("input_datum")), "")),
             (text("confidence", lang), confidence_label(text_of(row.get("confidence")), lang)),
             (text("flags", lang), "、".join(flags) if lang == "zh" else ", ".join(flags))]
    geom = row.geometry
    if isinstance(geom, shapely.Point):
        rows.append((text("coordinates", lang), f"{geom.y:.6f}, {geom.x:.6f}"))
    try:
        facts = json.loads(text_of(row.get("facts")) or "[]")
    except ValueError:
        facts = []
    fact_rows = [_fact_row(f, lang) for f in facts if isinstance(f, dict)]
    return popup(primary, secondary, rows, fact_rows)


def search_text(row) -> str:
    """Return every name of a place (Chinese, English, pinyin aliases) as one search key."""
    found: list[str] = []
    for name in (text_of(row.get("name_zh")), text_of(row.get("name_en")),
                 *text_of(row.get("aliases")).split(";")):
        for variant in (name.strip(), normalise_name(name)):
            if variant and variant not in found:
                found.append(variant)
    return " | ".join(found)


def place_overlay(key: str, frame, shaper: Shaper, lang: str, parents: PlaceNames,
                  search: list[dict]) -> Overlay:
    """Return one gazetteer layer as an overlay; appends its places to ``search``."""
    located = frame[frame.geometry.notna() & ~frame.geometry.is_empty] if len(frame) else frame
    name = f"{text(key, lang)} ({text('located', lang)} {len(located)}/{len(frame)})"
    attributions = sorted({text_of(a) for a in located.get("attribution", []) if text_of(a)})
    overlay = Overlay(key, name, attribution="; ".join(attributions), cluster=True)
    if located.empty:
        return overlay
    shapes = shaper(located.geometry.values)
    anchors = {}
    for geom, shown, (_, row) in zip(located.geometry.values, shapes, located.iterrows(), strict=True):
        kind, pid = place_kind(row), text_of(row["id"])
        primary = names(text_of(row.get("name_zh")), text_of(row.get("name_en")), lang)[0]
        props = {"id": pid, "kind": kind, "tip": primary, "popup": _place_popup(row, lang, parents)}
        if geom.geom_type in {"LineString", "MultiLineString"}:
            line = "hsr" if is_hsr(text_of(row.get("name_zh")) + text_of(row.get("name_en"))) else "rail"
            if key != "transport":
                line = kind
            overlay.shapes.append(feature(shown, {**props, "kind": line,
                                                  "style": shape_style(COLOURS[line], 4)}))
            anchor = shapely.line_interpolate_point(shown, 0.5, normalized=True)
        else:
            if geom.geom_type != "Point":
                overlay.shapes.append(feature(shown, {**props, "style": shape_style(
                    COLOURS[kind], 2, 0.15)}))
            anchor = shown if shown.geom_type == "Point" else shown.representative_point()
            overlay.pins.append(feature(anchor, props))
        anchors[pid] = anchor
        search.append(feature(anchor, {"id": pid, "search": search_text(row), "tip": primary}))
    for _, row in located.iterrows():  # parts drawn linked to the area they belong to
        part, whole = text_of(row["id"]), text_of(row.get("part_of"))
        if whole in anchors and part in anchors:
            link = shapely.LineString([anchors[part], anchors[whole]])
            overlay.shapes.append(feature(link, {"kind": "part-link", "style": shape_style(
                COLOURS["scenic-part"], 1.5, dash="3 5", opacity=0.7)}))
    return overlay


def layer_coverage(frames: dict, lang: str) -> list[dict]:
    """Return, per place layer, its name and how many of its places the map shows, and how."""
    out = []
    for key, counts in coverage(frames).items():
        located = {m: n for m, n in sorted(counts.items()) if m != "unresolved"}
        how = ", ".join(f"{method_label(m, lang)} {n}" for m, n in located.items())
        shown = f"{sum(located.values())}/{sum(counts.values())}"
        out.append({"layer": category_label(key, lang), "text": f"{shown} ({how})" if how else shown})
    return out


def unresolved_places(frames: dict, lang: str, parents: PlaceNames) -> list[dict]:
    """Return the places without a position, in gazetteer order, for the panel."""
    out = []
    for key, frame in frames.items():
        if key == "boundary" or "id" not in frame:
            continue
        missing = frame[frame.geometry.isna() | frame.geometry.is_empty]
        for _, row in missing.iterrows():
            primary, secondary = names(text_of(row.get("name_zh")), text_of(row.get("name_en")), lang)
            whole = text_of(row.get("part_of"))
            identified = clean(row.get("identified"))
            out.append({
                "name": primary, "alt": secondary,
                "category": category_label(text_of(row.get("category")) or key, lang),
                "grade": text_of(row.get("grade")) if text_of(row.get("grade")) in {"5A", "4A"} else "",
                "part_of": text("part_of_name", lang, name=parents[whole]) if whole else "",
                "reason": text("not_identified" if identified is False else "no_position", lang),
            })
    return out
