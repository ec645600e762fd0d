"""Public web maps: layered, bilingual, China-ready HTML pages built with folium.

:func:`render_map` draws the geocoded layers (boundary and neighbours, scenic areas by grade,
transport, logistics, industry, towns), and optionally railways and main roads from a road
network, catchment bands, routes and an accessibility surface, with a layer control, legend,
search, scale, fullscreen, locate-me, measuring and a minimap. Places without a position are
listed in a panel. With ``basemap="amap"`` every overlay is converted to GCJ-02 to match the
Amap tiles; with ``offline=True`` Leaflet and its plugins are inlined, so the page requests
nothing but tiles (and with ``basemap="none"`` nothing at all). :func:`write_index` links every
map in a folder.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import shapely

from wuling_geo import settings
from wuling_geo._util.errors import InputError, OutputError
from wuling_geo._util.files import atomic_path, check_output
from wuling_geo.present.maps.i18n import LANGS, check_lang, text
from wuling_geo.present.templating import render_page

BASEMAPS = ("osm", "amap", "none")
INDEX_NAME = "index.html"
#: Written into every index page, so a later run replaces only an index wuling-geo wrote.
GENERATOR = '<meta name="generator" content="wuling-geo">'
OSM_CREDIT = "© OpenStreetMap contributors (ODbL)"


@dataclass
class MapReport:
    """What :func:`render_map` wrote."""

    path: Path
    size_bytes: int
    basemap: str
    lang: str
    offline: bool
    layers: list[str] = field(default_factory=list)
    features: dict[str, int] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)
    index: Path | None = None
    #: An ``index.html`` in the map's folder that wuling-geo did not write, left alone.
    index_kept: Path | None = None

    def summary(self) -> str:
        """Return a one-line description for the command line."""
        mode = "self-contained" if self.offline else "Leaflet from CDN"
        return (f"wrote {self.path} ({self.size_bytes / 1024:.0f} KB, {len(self.layers)} layers, "
                f"{sum(self.features.values())} features, {len(self.unresolved)} unresolved places "
                f"listed, basemap {self.basemap}, {mode})")


def check_basemap(basemap: str) -> str:
    """Return ``basemap`` if known, else raise :class:`InputError`."""
    if basemap not in BASEMAPS:
        raise InputError(f"unknown basemap {basemap!r}: use one of {', '.join(BASEMAPS)}")
    return basemap


def read_overlay(path: str | Path, what: str = "catchments") -> gpd.GeoDataFrame:
    """Read a GeoPackage, GeoJSON or GeoParquet file of map features, in EPSG:4326.

    A GeoPackage with several layers is read from its layer named ``what`` (else its first).

    Raises
    ------
    InputError
        If the file is missing or cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} file {path} not found: give an existing .gpkg, .geojson "
                         "or .parquet file")
    try:
        if path.suffix == ".parquet":
            frame = gpd.read_parquet(path)
        else:
            import pyogrio

            names = [row[0] for row in pyogrio.list_layers(path)]
            layer = what if what in names else names[0]
            frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # GDAL and pyarrow raise many types for damaged files
        raise InputError(f"cannot read {what} from {path}: {exc}") from None
    return _wgs84(frame)


def _wgs84(frame):
    if frame is None:
        return None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"expected a GeoDataFrame, got {type(frame).__name__}")
    if frame.crs is not None and not frame.crs.equals(settings.storage_crs):
        frame = frame.to_crs(settings.storage_crs)
    return frame


def _default_layers() -> dict[str, gpd.GeoDataFrame]:
    from wuling_geo.data.geocode.geocoder import Geocoder
    from wuling_geo.data.layers import layer_frames

    return layer_frames(Geocoder().resolve_all())


def _shift_grid(bounds, datum: str, step: float = 0.05) -> dict | None:
    """Return a grid of WGS-84 → ``datum`` offsets over ``bounds`` (for the GPS position)."""
    if datum == "wgs84":
        return None
    from wuling_geo.data.datum import convert

    west, south, east, north = bounds
    xs = np.arange(np.floor(west / step) * step - step, east + 2 * step, step)
    ys = np.arange(np.floor(south / step) * step - step, north + 2 * step, step)
    gx, gy = np.meshgrid(xs, ys)
    cx, cy = convert(gx.ravel(), gy.ravel(), "wgs84", datum)
    return {"x0": round(float(xs[0]), 6), "y0": round(float(ys[0]), 6), "step": step,
            "nx": len(xs), "ny": len(ys), "dx": np.round(cx - gx.ravel(), 7).tolist(),
            "dy": np.round(cy - gy.ravel(), 7).tolist()}


def _legend(overlays, bands: dict, days: dict, lang: str, basemap: str,
            origins: list[dict] | None = None) -> dict:
    """Return the legend: the colour keys of the analysis first, then symbols and lines.

    A section with ``"layout": "ramp"`` is drawn as one row of colours (a time scale).
    """
    from wuling_geo.present.maps.content import COLOURS
    from wuling_geo.present.maps.overlays import minutes_label, surface_bins

    keys = {o.key for o in overlays}
    kinds = {f["properties"].get("kind") for o in overlays for f in o.shapes}
    sections = []
    unit = text("min", lang)
    if bands:
        sections.append({"title": f"{text('catchment', lang)} · {text('catchment_key', lang)}, {unit}",
                         "layout": "ramp", "items": [
            {"swatch": "fill", "color": c, "opacity": 0.5,
             "label": f"≤{minutes_label(m, lang).removesuffix(' ' + unit)}"}
            for m, c in bands.items()]})
    if origins and len(origins) > 1:
        sections.append({"title": text("origins_key", lang), "items": [
            {"swatch": "line", "color": o["color"], "dash": o["dash"], "weight": 3, "label": o["name"]}
            for o in origins]})
    if "surface" in keys:
        classes = surface_bins(lang)
        sections.append({"title": f"{text('surface', lang)}, {unit}", "layout": "ramp", "items": [
            {"swatch": "fill", "color": c, "opacity": 0.6, "label": label.removesuffix(" " + unit)
             .replace("–", "–\u200b")} for label, c in classes[:-1]]})
        sections.append({"title": "", "items": [
            {"swatch": "fill", "color": classes[-1][1], "opacity": 0.6, "label": classes[-1][0]}]})
    if days:
        sections.append({"title": text("routes", lang), "items": [
            {"swatch": "line", "color": c, "weight": 5, "label": text("day", lang, n=d)}
            for d, c in days.items()]})
    if "scenic" in keys:
        sections.append({"title": text("scenic", lang), "items": [
            {"swatch": "pin", "kind": k, "label": text(label, lang)} for k, label in (
                ("scenic-5a", "grade_5A"), ("scenic-4a", "grade_4A"), ("scenic", "grade_none"),
                ("scenic-part", "part"))]})
    places = [k for k in ("transport", "logistics", "industry", "civic") if k in keys]
    if places:
        sections.append({"title": text("places", lang), "items": [
            {"swatch": "pin", "kind": k, "label": text(k, lang)} for k in places]})
    lines = [(k, "6 4" if k == "neighbours" else "") for k in ("boundary", "neighbours") if k in keys]
    lines += [(k, "10 4" if k == "rail" else "") for k in ("rail", "hsr", "motorway", "trunk", "primary")
              if k in kinds]
    if lines:
        sections.append({"title": text("lines", lang), "items": [
            {"swatch": "line", "color": COLOURS[k], "dash": dash, "weight": 3, "label": text(k, lang)}
            for k, dash in lines]})
    notes = [text("amap_note", lang)] if basemap == "amap" else []
    return {"title": text("legend", lang), "sections": sections, "notes": notes}


def _bounds(overlays, boundary_outline) -> tuple[float, float, float, float]:
    geoms = [shapely.geometry.shape(f["geometry"]) for f in boundary_outline]
    if not geoms:
        geoms = [shapely.geometry.shape(f["geometry"]) for o in overlays for f in (*o.shapes, *o.pins)]
    if not geoms:
        from wuling_geo.data.boundary import district

        geoms = [district()]
    west, south, east, north = shapely.GeometryCollection(geoms).bounds
    pad = 0.002
    return west - pad, south - pad, east + pad, north + pad


def prepare_map(*, layers: dict | None = None, catchments=None, routes=None, surface=None,
                network=None, railways=None, basemap: str = "osm", lang: str = "zh",
                title: str | None = None):
    """Return the content of a map page (overlays, legend, panel, search) without writing it.

    Takes the same arguments as :func:`render_map`; coordinates are already in the
    basemap's datum, simplified and rounded.
    """
    from wuling_geo.data.boundary import BOUNDARY_SOURCE
    from wuling_geo.present.maps import assemble as _map_build
    from wuling_geo.present.maps import content as _map_data
    from wuling_geo.present.maps import overlays as _map_overlays

    check_basemap(basemap)
    check_lang(lang)
    frames = {k: _wgs84(v) for k, v in (layers if layers is not None else _default_layers()).items()}
    extras = {}
    for what, value in (("catchments", catchments), ("routes", routes), ("surface", surface),
                        ("railways", railways)):
        extras[what] = read_overlay(value, what) if isinstance(value, str | Path) else _wgs84(value)

    datum = _map_build.BASEMAP_DATUM[basemap]
    shaper = _map_data.Shaper(datum)
    parents = _map_data.PlaceNames(frames, lang)
    overlays, search = [], []
    if frames.get("boundary") is not None:
        overlays += _map_data.boundary_overlays(frames["boundary"], shaper, lang, BOUNDARY_SOURCE)
    outline = [f for o in overlays if o.key == "boundary" for f in o.shapes]
    places = {k: f for k, f in frames.items() if k != "boundary" and f is not None}
    for key in ("scenic", "transport"):
        if key in places:
            overlays.append(_map_data.place_overlay(key, places[key], shaper, lang, parents, search))
    for line in (_map_overlays.railway_overlay(extras["railways"], shaper, lang),
                 _map_overlays.roads_overlay(network, shaper, lang) if network is not None else None):
        if line is not None:
            overlays.append(line)
    for key, frame in places.items():
        if key not in {"scenic", "transport"}:
            overlays.append(_map_data.place_overlay(key, frame, shaper, lang, parents, search))
    bands, days, origins, groups = {}, {}, [], []
    if extras["catchments"] is not None and len(extras["catchments"]):
        catchment_layers, bands, origins = _map_overlays.catchment_overlays(
            extras["catchments"], shaper, lang)
        for overlay in catchment_layers:
            overlay.pane = _map_build.AREA_PANE
        overlays += catchment_layers
        groups.append({"title": text("catchments_group", lang), "layers": {
            o.name: {"color": origin["color"], "dash": origin["dash"]}
            for o, origin in zip(catchment_layers, origins, strict=True)}})
    if extras["routes"] is not None and len(extras["routes"]):
        route, days = _map_overlays.route_overlay(extras["routes"], shaper, lang)
        overlays.append(route)
    if extras["surface"] is not None and len(extras["surface"]):
        cells = _map_overlays.surface_overlay(extras["surface"], shaper, lang)
        cells.pane = _map_build.AREA_PANE
        overlays.append(cells)

    bounds = _bounds(overlays, outline)
    credit = f"{OSM_CREDIT} · {text('boundary_credit', lang)}: {BOUNDARY_SOURCE}"
    return _map_build.PageContent(
        title=title or text("title", lang), lang=lang, overlays=overlays,
        legend=_legend(overlays, bands, days, lang, basemap, origins),
        unresolved=_map_data.unresolved_places(places, lang, parents),
        coverage=_map_data.layer_coverage(places, lang),
        search=search, bounds=bounds, attribution=credit, outline=outline,
        shift=_shift_grid(bounds, datum), groups=groups)


def render_map(out: str | Path, *, layers: dict | None = None, catchments=None, routes=None,
               surface=None, network=None, railways=None, basemap: str = "osm",
               offline: bool | None = None, lang: str = "zh", title: str | None = None,
               index: bool = False) -> MapReport:
    """Render a web map to ``out`` (HTML, written atomically); with ``index``, refresh the index.

    Parameters
    ----------
    out
        Path of the HTML file; its folder must exist.
    layers
        Geocoded layers as from :func:`wuling_geo.data.layers.layer_frames` (default: the shipped
        gazetteer, resolved offline). Unresolved rows are listed in a panel.
    catchments, routes, surface
        Optional GeoDataFrames (EPSG:4326) of catchment bands (``origin_id``, ``origin_name``,
        ``mode``, ``minutes``, ``area_km2``, ``share_of_district`` (0–1), ``road_km``,
        ``features_inside``), route legs (``day``, ``leg``, ``from_name``, ``to_name``,
        ``drive_min``, ``distance_km``) and surface cells (``minutes``, ``facility_name``),
        or paths to files holding them.
    network
        A :class:`~wuling_geo.network.model.RoadNetwork`: its expressways, trunk and primary roads
        are drawn.
    railways
        Railway lines (GeoDataFrame or file, e.g. a network folder's ``railways.parquet``).
    basemap
        ``"osm"``, ``"amap"`` (GCJ-02 tiles; overlays are converted to match) or ``"none"``.
    offline
        ``True``: inline Leaflet and the plugins (installed by ``wuling-geo map-assets``), or
        fail without them. ``None`` (default): inline them when they are installed, else link
        the CDNs. ``False``: link the CDNs. Every page also carries a plain-text message,
        removed by the map's script once it runs, saying what the page needs when Leaflet
        cannot load (no network, CDNs blocked as in mainland China).
    lang
        ``"zh"`` or ``"en"``: interface language and which name of a place comes first.
    title
        Page title (default: a standard title in ``lang``).
    index
        Rewrite ``index.html`` in the output folder afterwards — only when there is none or
        wuling-geo wrote it (:func:`is_own_index`); another is left alone
        (``MapReport.index_kept``).

    Returns
    -------
    MapReport

    Raises
    ------
    InputError
        For an unknown basemap or language, a missing output folder, or unusable overlays.
    WulingGeoError
        For ``offline`` without the installed assets.

    Examples
    --------
    Catchments of a SYNTHETIC grid on a map:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import wuling_geo as wg
    >>> from wuling_geo.network.synthetic import grid_network
    >>> net = grid_network(6, 6, spacing_m=1000, origin=(108.74, 29.42))
    >>> bands = wg.catchments(net, [("a", "SYNTHETIC A", 108.74, 29.42)], minutes=(2, 4))
    >>> report = wg.render_map(Path(tempfile.mkdtemp()) / "a.html", layers={}, catchments=bands,
    ...                        index=False)
    >>> report.path.name, report.features
    ('a.html', {'catchment-a-each': 2})
    """
    from wuling_geo.present.maps import assemble as _map_build
    from wuling_geo.present.maps import assets as _map_assets

    check_basemap(basemap)
    check_lang(lang)
    out = Path(out)
    if out.suffix.lower() not in {".html", ".htm"}:
        raise InputError(f"map output {out} must end in .html")
    check_output(out)
    if offline:
        _map_assets.check_assets()
    offline = bool(offline) or (offline is None and not _map_assets.missing_assets())
    page = prepare_map(layers=layers, catchments=catchments, routes=routes, surface=surface,
                       network=network, railways=railways, basemap=basemap, lang=lang, title=title)
    page_html = _map_build.render_page(page, basemap, offline)
    with atomic_path(out) as tmp:
        tmp.write_text(page_html, encoding="utf-8")
    report = MapReport(out, out.stat().st_size, basemap, lang, offline,
                       layers=[o.name for o in page.overlays],
                       features={o.key: o.size for o in page.overlays},
                       unresolved=[u["name"] for u in page.unresolved],
                       linked=_map_assets.linked_urls(page_html))
    if index:
        if is_own_index(out.parent / INDEX_NAME):
            report.index = write_index(out.parent)
        else:
            report.index_kept = out.parent / INDEX_NAME
    return report


_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


def _index_heading() -> str:
    return f"{text('index_title', 'zh')} · {text('index_title', 'en')}"


def is_own_index(path: str | Path) -> bool:
    """Whether ``path`` is absent or an index page wuling-geo wrote (safe to rewrite).

    Index pages carry :data:`GENERATOR`; those of older versions are known by their title.
    """
    path = Path(path)
    if not path.exists():
        return True
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return False
    found = _TITLE.search(head)
    return GENERATOR in head or (found is not None
                                 and html.unescape(found.group(1)).strip() == _index_heading())


def write_index(maps_dir: str | Path, lang: str = "zh") -> Path:
    """Write ``index.html`` in ``maps_dir`` linking every map (``*.html``) and screenshot there.

    Returns
    -------
    Path
        The index file.

    Raises
    ------
    OutputError
        If the folder already has an ``index.html`` that wuling-geo did not write.
    """
    check_lang(lang)
    folder = Path(maps_dir)
    target = folder / INDEX_NAME
    check_output(target)
    if not is_own_index(target):
        raise OutputError(f"{target} was not written by wuling-geo and is left alone: write the "
                          "maps to another folder")
    pages = []
    for page in sorted(folder.glob("*.html")):
        if page.name == INDEX_NAME or page.name.startswith("."):
            continue
        head = page.read_text(encoding="utf-8", errors="replace")[:20000]
        found = _TITLE.search(head)
        stat = page.stat()
        pages.append({"href": quote(page.name), "name": page.name, "kb": f"{stat.st_size / 1024:.0f}",
                      "title": html.unescape(found.group(1)).strip() if found else page.stem,
                      "when": datetime.fromtimestamp(stat.st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")})
    shots = [{"href": quote(p.name), "alt": p.stem, "name": p.name}
             for p in sorted(folder.glob("*.png"))]
    page_html = render_page("index.html", html_lang="zh-CN" if lang == "zh" else "en",
                            heading=_index_heading(), pages=pages, shots=shots,
                            no_maps=text("no_maps", lang), credit=OSM_CREDIT, generator=GENERATOR)
    with atomic_path(target) as tmp:
        tmp.write_text(page_html, encoding="utf-8")
    return target


__all__ = ["BASEMAPS", "LANGS", "MapReport", "check_basemap", "is_own_index", "prepare_map",
           "read_overlay", "render_map", "write_index"]
