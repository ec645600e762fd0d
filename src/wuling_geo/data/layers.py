"""The geocoded map layers: boundary, scenic, transport, logistics, industry and civic.

:func:`resolve_layers` geocodes every place and builds one frame per layer (EPSG:4326);
unresolved places are kept with an empty geometry and ``resolved = false``. They are written
by :func:`wuling_geo.present.exports.layers.write_layers`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from wuling_geo import settings
from wuling_geo.data import boundary
from wuling_geo.data.gazetteer import CATEGORIES
from wuling_geo.data.geocode.geocoder import Geocoder, Resolution

LAYER_NAMES = ("boundary", *CATEGORIES)
GAZETTEER_ATTRIBUTION = "wuling-geo gazetteer (sources per feature in 'source' and 'facts')"


@dataclass
class LayerReport:
    """How each place resolved, the layer frames and, once written, the files (``paths``)."""

    paths: list[Path] = field(default_factory=list)
    methods: Counter = field(default_factory=Counter)
    unresolved: list[Resolution] = field(default_factory=list)
    flagged: list[Resolution] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    resolutions: list[Resolution] = field(default_factory=list)
    frames: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)


def coverage(frames: dict[str, gpd.GeoDataFrame]) -> dict[str, Counter]:
    """Return, per place layer, how many places resolved by each method (``unresolved`` too).

    ``frames`` are :func:`layer_frames`' layers; the boundary layer is left out.
    """
    return {name: Counter(frame["method"].astype(str)) for name, frame in frames.items()
            if name != "boundary" and "method" in frame}


def coverage_line(counts: Counter) -> str:
    """Return ``"1/12 (gazetteer 1)"``: resolved of all, then each method that resolved some."""
    resolved = {m: n for m, n in sorted(counts.items()) if m != "unresolved"}
    methods = ", ".join(f"{m} {n}" for m, n in resolved.items())
    text = f"{sum(resolved.values())}/{sum(counts.values())}"
    return f"{text} ({methods})" if methods else text


def _attribution(res: Resolution) -> str:
    if res.method in {"osm", "nominatim"}:
        return settings.osm_attribution
    return GAZETTEER_ATTRIBUTION


def place_frame(resolutions: list[Resolution]) -> gpd.GeoDataFrame:
    """Return one row per resolved or unresolved place, with provenance columns (EPSG:4326)."""
    rows = []
    for res in resolutions:
        p = res.place
        rows.append({
            "id": p.id, "name_zh": p.name_zh, "name_en": p.name_en,
            "aliases": "; ".join(p.aliases), "category": p.category, "subtype": p.subtype,
            "grade": p.grade, "grade_year": p.grade_year, "part_of": p.part_of,
            "identified": p.identified, "resolved": res.resolved, "method": res.method,
            "source": res.source, "confidence": res.confidence, "input_datum": res.input_datum,
            "matched": res.matched, "flags": ",".join(res.flags),
            "facts": json.dumps([{"key": f.key, "value": f.value, "source": f.source,
                                  "confidence": f.confidence} for f in p.facts],
                                ensure_ascii=False),
            "attribution": _attribution(res),
            "geometry": res.geometry if res.resolved else None,
        })
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=settings.storage_crs)
    gdf["grade_year"] = gdf["grade_year"].astype("Int64")
    return gdf


def layer_frames(resolutions: list[Resolution]) -> dict[str, gpd.GeoDataFrame]:
    """Split resolved places into one GeoDataFrame per layer, boundary first."""
    places = place_frame(resolutions)
    frames = {"boundary": boundary.boundaries()}
    for category in CATEGORIES:
        frames[category] = places[places["category"] == category].reset_index(drop=True)
    return frames


def resolve_layers(geocoder: Geocoder | None = None) -> LayerReport:
    """Resolve every gazetteer place and build the layer frames, without writing anything.

    Parameters
    ----------
    geocoder
        The geocoder to use (default: offline, shipped gazetteer, cached OSM features).

    Returns
    -------
    LayerReport
        The frames (:func:`layer_frames`), places per resolution method, and the unresolved
        and flagged places; ``paths`` is empty until the layers are written
        (:func:`wuling_geo.present.exports.layers.write_layers`).
    """
    geocoder = geocoder or Geocoder()
    resolutions = geocoder.resolve_all()
    frames = layer_frames(resolutions)
    return LayerReport(methods=Counter(r.method for r in resolutions),
                       unresolved=[r for r in resolutions if not r.resolved],
                       flagged=[r for r in resolutions if r.flags],
                       counts={k: len(v) for k, v in frames.items()},
                       resolutions=resolutions, frames=frames)


def layer_attribution(name: str) -> str:
    """Return the attribution of layer ``name`` (the boundary's source, or the gazetteer's)."""
    if name == "boundary":
        return boundary.BOUNDARY_SOURCE
    return f"{GAZETTEER_ATTRIBUTION}; {settings.osm_attribution}"
