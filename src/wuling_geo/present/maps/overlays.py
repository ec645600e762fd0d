"""Web-map overlays of analysis results and network lines.

Catchment bands, routes, the accessibility surface, main roads and railways, prepared as in
:mod:`wuling_geo.present.maps.content`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import shapely
from branca.utilities import color_brewer

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo.analysis.catchments.stats import inside_records
from wuling_geo.present.maps.content import (
    COLOURS,
    Overlay,
    Shaper,
    clean,
    feature,
    is_hsr,
    number,
    popup,
    shape_style,
    text_of,
)
from wuling_geo.present.maps.i18n import category_label, county_summary, text

#: Upper edges (minutes) of the accessibility-surface classes; the last class is open-ended.
SURFACE_BINS = (15, 30, 45, 60, 90, 120)
UNREACHABLE_COLOUR = "#9e9e9e"
ROAD_CLASSES = ("motorway", "trunk", "primary")

CATCHMENT_COLUMNS = ("minutes", "geometry")
ROUTE_COLUMNS = ("geometry",)
SURFACE_COLUMNS = ("minutes", "geometry")


def require_columns(frame, columns, what: str) -> None:
    """Raise :class:`InputError` naming the first column ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = f"{what} lack the column {missing[0]!r} (have: {', '.join(map(str, frame.columns))})"
        raise InputError(msg)


def band_colours(minutes) -> dict[float, str]:
    """Return one colour per band limit: short times dark, long times light (one ramp)."""
    values = sorted({float(m) for m in minutes if clean(m) is not None})
    ramp = color_brewer("YlGnBu", max(3, len(values)))[::-1]
    if len(values) < len(ramp):
        idx = np.linspace(0, len(ramp) - 1, len(values)).round().astype(int) if values else []
        ramp = [ramp[i] for i in idx]
    return dict(zip(values, ramp, strict=False))


def minutes_label(value, lang: str) -> str:
    """Return ``"30 min"`` / ``"30 分钟"``."""
    return f"{number(value, 0 if float(value).is_integer() else 1)} {text('min', lang)}"


#: Outline colour and dash of each origin's bands, in order: the fill says the time, the
#: outline says whose catchment it is (overlapping catchments stay apart).
ORIGIN_STYLES = (("#1b5e20", ""), ("#4a148c", "10 5"), ("#bf360c", "3 5"), ("#0d47a1", "14 4 3 4"),
                 ("#880e4f", "6 3"), ("#263238", "1 4"), ("#827717", "18 6"), ("#004d40", "8 3 2 3"))


def origin_style(index: int) -> tuple[str, str]:
    """Return the outline ``(colour, dash)`` of the ``index``-th origin (repeats after eight)."""
    return ORIGIN_STYLES[index % len(ORIGIN_STYLES)]


def _inside_summary(raw, lang: str = "zh") -> str:
    """Summarise the ``features_inside`` of a band: the names inside, per layer."""
    by_layer: dict[str, list[str]] = {}
    for rec in inside_records(raw):
        by_layer.setdefault(rec["layer"] or "", []).append(_name_of(rec))
    parts = []
    for key, names in by_layer.items():
        shown = "、".join(names[:12]) + (" …" if len(names) > 12 else "")
        parts.append(f"{category_label(key, lang)}: {shown}" if key else shown)
    text_out = "; ".join(parts)
    return text_out if len(text_out) <= 300 else text_out[:297] + "…"


def _name_of(item) -> str:
    if isinstance(item, dict):
        return text_of(item.get("name_zh") or item.get("name") or item.get("id"))
    return text_of(item)


def catchment_overlays(frame, shaper: Shaper, lang: str
                       ) -> tuple[list[Overlay], dict[float, str], list[dict]]:
    """Return one overlay per origin (and mode) with its bands, largest first.

    Every band is filled by its time (one ramp for all origins) and outlined in its origin's
    colour and dash (:func:`origin_style`). Also returns the fill per band limit and the
    outline of each origin, for the legend.
    """
    require_columns(frame, CATCHMENT_COLUMNS, "catchments")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    colours = band_colours(frame["minutes"])
    frame = frame.assign(_origin=frame.get("origin_id", pd.Series("", index=frame.index)).map(text_of),
                         _mode=frame.get("mode", pd.Series("each", index=frame.index)).map(text_of))
    overlays, origins = [], []
    share = frame.get("share_of_district")
    for index, ((origin, mode), group) in enumerate(frame.groupby(["_origin", "_mode"], sort=False)):
        group = group.sort_values("minutes", ascending=False)
        name = text_of(group.get("origin_name", group["_origin"]).iloc[0]) or origin
        label = f"{name} ({text('nearest', lang)})" if mode == "nearest" else name
        outline, dash = origin_style(index)
        origins.append({"name": label, "color": outline, "dash": dash})
        overlay = Overlay(f"catchment-{origin}-{mode}", label, attribution=settings.osm_attribution)
        for geom, (idx, row) in zip(shaper(group.geometry.values), group.iterrows(), strict=True):
            colour = colours[float(row["minutes"])]
            pct = clean(share.loc[idx]) if share is not None else None
            overlay.shapes.append(feature(geom, {
                "kind": "band", "tip": f"{name} · {minutes_label(row['minutes'], lang)}",
                "style": shape_style(outline, 2, 0.25, dash=dash, opacity=0.9, fill_colour=colour),
                "popup": popup(f"{name} · {minutes_label(row['minutes'], lang)}", "", [
                    (text("origin", lang), name),
                    (text("mode", lang), text(mode, lang) if mode in {"each", "nearest"} else mode),
                    (text("minutes", lang), minutes_label(row["minutes"], lang)),
                    (text("area", lang), f"{number(row.get('area_km2'))} km²"
                     if clean(row.get("area_km2")) is not None else ""),
                    (text("share", lang), f"{number(pct * 100)} %" if pct is not None else ""),
                    (text("counties", lang), county_summary(row.get("county_share"), lang)),
                    (text("road_km", lang), f"{number(row.get('road_km'))} km"
                     if clean(row.get("road_km")) is not None else ""),
                    (text("inside", lang), _inside_summary(row.get("features_inside"), lang)),
                ])}))
        overlays.append(overlay)
    return overlays, colours, origins


def day_colours(days) -> dict[str, str]:
    """Return a distinct colour per itinerary day."""
    palette = [c for c in color_brewer("Set1", 9) if c != "#ffff33"]
    ordered = sorted({text_of(d) for d in days}, key=lambda d: (len(d), d))
    return {d: palette[i % len(palette)] for i, d in enumerate(ordered)}


def route_overlay(frame, shaper: Shaper, lang: str) -> tuple[Overlay, dict[str, str]]:
    """Return the route legs (coloured by day) and numbered stop markers."""
    require_columns(frame, ROUTE_COLUMNS, "routes")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if "day" not in frame:
        frame = frame.assign(day=1)
    sort = [c for c in ("day", "leg") if c in frame]
    frame = frame.sort_values(sort, kind="stable") if sort else frame
    colours = day_colours(frame["day"])
    overlay = Overlay("routes", text("routes", lang), attribution=settings.osm_attribution)
    shown = shaper(frame.geometry.values)
    stops: list[tuple] = []
    for geom, (_, row) in zip(shown, frame.iterrows(), strict=True):
        day, frm, to = text_of(row["day"]), text_of(row.get("from_name")), text_of(row.get("to_name"))
        title = f"{frm} → {to}" if frm or to else text("routes", lang)
        overlay.shapes.append(feature(geom, {
            "kind": "leg", "tip": title, "style": shape_style(colours[day], 5, opacity=0.85),
            "popup": popup(title, text("day", lang, n=day), [
                (text("leg", lang), text_of(row.get("leg"))),
                (text("drive", lang), minutes_label(row["drive_min"], lang)
                 if clean(row.get("drive_min")) is not None else ""),
                (text("distance", lang), f"{number(row.get('distance_km'))} km"
                 if clean(row.get("distance_km")) is not None else "")])}))
        coords = shapely.get_coordinates(geom)
        if not stops or stops[-1][0] != frm:
            stops.append((frm, coords[0], day))
        stops.append((to, coords[-1], day))
    for n, (name, xy, day) in enumerate(stops, start=1):
        overlay.pins.append(feature(shapely.Point(xy), {
            "kind": "stop", "n": n, "tip": f"{n}. {name}", "label": name,
            "popup": popup(f"{n}. {name}", text("day", lang, n=day))}))
    return overlay, colours


def surface_bins(lang: str) -> list[tuple[str, str]]:
    """Return ``(label, colour)`` of each surface class, then the unreachable class."""
    colours = color_brewer("YlOrRd", len(SURFACE_BINS) + 1)
    labels, low = [], 0
    for high in SURFACE_BINS:
        labels.append(f"{low}–{high} {text('min', lang)}")
        low = high
    labels.append(f"> {low} {text('min', lang)}")
    return [*zip(labels, colours, strict=True), (text("unreachable", lang), UNREACHABLE_COLOUR)]


def surface_overlay(frame, shaper: Shaper, lang: str) -> Overlay:
    """Return the accessibility surface: hexagons coloured by minutes to the nearest facility."""
    require_columns(frame, SURFACE_COLUMNS, "the accessibility surface")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    bins = surface_bins(lang)
    minutes = pd.to_numeric(frame["minutes"], errors="coerce").to_numpy(dtype=float)
    cls = np.searchsorted(np.asarray(SURFACE_BINS, dtype=float), minutes, side="left")
    cls = np.where(np.isfinite(minutes), cls, len(bins) - 1)
    overlay = Overlay("surface", text("surface", lang), attribution=settings.osm_attribution)
    shown = shaper(frame.geometry.values, simplify=False)
    names = frame["facility_name"].map(text_of) if "facility_name" in frame else [""] * len(frame)
    for geom, m, c, name in zip(shown, minutes, cls, names, strict=True):
        label = minutes_label(m, lang) if np.isfinite(m) else "—"
        overlay.shapes.append(feature(geom, {
            "kind": "hex", "style": shape_style(bins[c][1], 0, 0.45, fill_colour=bins[c][1]),
            "popup": popup(label, "", [(text("facility", lang), name)])}))
    return overlay


def roads_overlay(network, shaper: Shaper, lang: str) -> Overlay | None:
    """Return the expressways, trunk and primary roads of a road network, merged by name."""
    edges = getattr(network, "edges", None)
    if edges is None or "highway" not in edges or edges.empty:
        return None
    cls = edges["highway"].map(lambda h: text_of(h[0] if isinstance(h, list) else h))
    mask = cls.isin(ROAD_CLASSES)
    main = edges[mask].assign(_cls=cls[mask])  # an unaligned assign would bring back every road
    if main.empty:
        return None
    geoms = shapely.normalize(main.geometry.values)  # u→v and v→u become one line
    main = main.assign(_wkb=shapely.to_wkb(geoms)).drop_duplicates("_wkb")
    names = main["name"].map(lambda n: text_of(n[0] if isinstance(n, list) else n)) if (
        "name" in main) else pd.Series("", index=main.index)
    overlay = Overlay("roads", text("roads", lang), attribution=settings.osm_attribution)
    for (road_cls, name), group in main.assign(_name=names).groupby(["_cls", "_name"], sort=False):
        merged = shapely.line_merge(shapely.union_all(group.geometry.values))
        km = float(group.to_crs(settings.projected_crs).length.sum()) / 1000
        title = name or text(road_cls, lang)
        overlay.shapes.append(feature(shaper([merged])[0], {
            "kind": road_cls, "tip": title,
            "style": shape_style(COLOURS[road_cls], {"motorway": 3.5, "trunk": 3}.get(road_cls, 2.5)),
            "popup": popup(title, "", [(text("type", lang), text(road_cls, lang)),
                                       (text("length", lang), f"{number(km)} km")])}))
    return overlay


def railway_overlay(frame, shaper: Shaper, lang: str) -> Overlay | None:
    """Return railway lines (from a network folder's ``railways.parquet``), merged by name."""
    if frame is None or frame.empty:
        return None
    frame = frame[frame.geometry.notna() & frame.geom_type.isin(["LineString", "MultiLineString"])]
    if frame.empty:
        return None
    names = pd.Series("", index=frame.index)
    for column in ("name:en", "name", "name:zh", "name_zh"):  # later columns win where set
        if column in frame:
            given = frame[column].map(text_of)
            names = names.where(given == "", given)
    overlay = Overlay("railways", text("railways", lang), attribution=settings.osm_attribution)
    for name, group in frame.assign(_name=names).groupby("_name", sort=True):
        first = group.iloc[0]
        hsr = is_hsr(name, first.get("maxspeed"), first.get("highspeed"))
        kind = "hsr" if hsr else "rail"
        merged = shapely.line_merge(shapely.union_all(group.geometry.values))
        km = float(group.to_crs(settings.projected_crs).length.sum()) / 1000
        title = name or text("unnamed", lang)
        overlay.shapes.append(feature(shaper([merged])[0], {
            "kind": kind, "tip": title, "style": shape_style(COLOURS[kind], 4 if hsr else 3,
                                                             dash="" if hsr else "10 4"),
            "popup": popup(title, "", [(text("type", lang), text(kind, lang)),
                                       (text("length", lang), f"{number(km)} km"),
                                       (text("usage", lang), usage_label(first.get("usage"), lang))])}))
    return overlay


def usage_label(usage, lang: str) -> str:
    """Return OpenStreetMap's ``usage`` of a railway (main, branch, …) in ``lang``."""
    value = text_of(usage)
    key = f"usage_{value}"
    return text(key, lang) if value in {"main", "branch", "industrial", "freight"} else value


_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def valid_colour(colour: str) -> str:
    """Return ``colour`` if it is ``#rrggbb`` (used before a colour reaches CSS)."""
    if not _HEX.match(colour):
        raise ValueError(f"not a colour: {colour!r}")
    return colour
