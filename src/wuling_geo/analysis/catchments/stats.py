"""Statistics of a catchment band: area, share of each county, road km, features, farthest point."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from wuling_geo import settings
from wuling_geo.analysis.catchments.polygon_assembly import shells_of
from wuling_geo.analysis.catchments.road_reach import RoadReach
from wuling_geo.data import boundary
from wuling_geo.network.model import RoadNetwork


@dataclass(frozen=True)
class BandStats:
    """What a band covers (the shares and ``features_inside`` only with stats)."""

    area_km2: float
    share_of_district: float | None
    road_km: float
    features_inside: list[dict[str, str | None]] | None
    county_share: list[dict[str, Any]] | None = None


def metric_points(network: RoadNetwork, points: list[shapely.Point]) -> np.ndarray:
    """Return WGS-84 points as an (n, 2) array of coordinates in the network's metric CRS."""
    xy = shapely.get_coordinates(np.asarray(points, dtype=object))
    return np.column_stack(network.index.to_metric.transform(xy[:, 0], xy[:, 1]))


def farthest_points(network: RoadNetwork, reaches: list[RoadReach], node_time: np.ndarray,
                    which: np.ndarray, members: list[int], origins_xy: np.ndarray
                    ) -> list[tuple[float, float, float]]:
    """Return (lon, lat, minutes) of each band's reached road point farthest from its origin.

    Farthest in a straight line. ``reaches`` are one origin's (or set's) bands, in
    ascending limits. Candidates are the reached junctions and the cut points, where the
    band's limit falls inside a road. In ``nearest`` mode each point is measured from the
    origin that reaches it first (``which``, an index into ``members``). The junctions'
    distances are measured once for all the bands; of equally far points the first
    junction (by position), then the first cut point, is taken.
    """
    nodes = np.nonzero(node_time <= reaches[-1].limit)[0] if reaches else np.empty(0, int)
    last = len(origins_xy) - 1
    node_dist = np.hypot(*(network.index.node_xy[nodes]
                           - origins_xy[np.clip(which[nodes], 0, last)]).T)
    node_t = node_time[nodes]
    member_pos = np.asarray(members)
    out = []
    for r in reaches:
        g, _, src = r.cut_points()
        cut_xy = r.cut_xy().reshape(-1, 2)
        cut_origin = np.where(src >= 0, which[np.maximum(src, 0)],
                              np.searchsorted(member_pos, -(src + 1)))
        cut_dist = np.hypot(*(cut_xy - origins_xy[np.clip(cut_origin, 0, last)]).T)
        dist = np.where(node_t <= r.limit, node_dist, -np.inf)  # -inf: not in this band
        node = int(np.argmax(dist)) if len(dist) else -1
        cut = int(np.argmax(cut_dist)) if len(g) else -1
        node_far = dist[node] if node >= 0 else -np.inf
        cut_far = cut_dist[cut] if cut >= 0 else -np.inf
        if cut_far > node_far:
            xy, minutes = cut_xy[cut], r.limit / 60.0
        elif node_far > -np.inf:
            xy, minutes = network.index.node_xy[nodes[node]], node_t[node] / 60.0
        else:  # nothing reached
            out.append((float("nan"), float("nan"), float("nan")))
            continue
        lon, lat = network.index.to_lonlat.transform(xy[0], xy[1])
        out.append((round(float(lon), 6), round(float(lat), 6), round(float(minutes), 2)))
    return out


@lru_cache(maxsize=8)
def _district_in(crs_wkt: str) -> tuple[shapely.Geometry, float]:
    poly = gpd.GeoSeries([boundary.district()], crs=settings.storage_crs).to_crs(CRS(crs_wkt))
    geom = poly.values[0]
    shapely.prepare(geom)
    return geom, float(geom.area)


def district_share(network: RoadNetwork, polygon_m: shapely.Geometry) -> float:
    """Return the share (0–1) of the district's area inside a metric polygon."""
    district, area = _district_in(network.crs_metric.to_wkt())
    if polygon_m.is_empty or not shapely.intersects(district, polygon_m):
        return 0.0
    return round(area_within(polygon_m, district) / area, 4)


#: The fields of one record of ``county_share``.
COUNTY_FIELDS = ("adcode", "county", "name_en", "role", "share")


@lru_cache(maxsize=8)
def _counties_in(crs_wkt: str) -> tuple[tuple[dict[str, Any], shapely.Geometry, float], ...]:
    gdf = boundary.boundaries()
    metric = gdf.geometry.to_crs(CRS(crs_wkt)).values
    out = []
    for (_, row), geom in zip(gdf.iterrows(), metric, strict=True):
        shapely.prepare(geom)
        info = {"adcode": int(row["adcode"]), "county": str(row["name_zh"]),
                "name_en": str(row["name_en"]), "role": str(row["role"])}
        out.append((info, geom, float(geom.area)))
    return tuple(out)


def county_share(network: RoadNetwork, polygon_m: shapely.Geometry) -> list[dict[str, Any]]:
    """Return the share (0–1) of each county's area inside a metric polygon.

    One record per polygon of ``geodata/boundary.geojson`` (Qianjiang first, then the four
    neighbouring counties), with :data:`COUNTY_FIELDS`: ``adcode``, ``county`` (Chinese
    name), ``name_en``, ``role`` (``district`` or ``neighbour``) and ``share``, the area of
    the county inside the band over the county's area, rounded to 4 decimals. Qianjiang's
    share equals ``share_of_district``. Empty for a band that meets none of them (a
    network of somewhere else).
    """
    counties = _counties_in(network.crs_metric.to_wkt())
    if polygon_m.is_empty or not any(shapely.intersects(c, polygon_m) for _, c, _ in counties):
        return []
    out = []
    for info, county, area in _counties_in(network.crs_metric.to_wkt()):
        inside = (0.0 if polygon_m.is_empty or not shapely.intersects(county, polygon_m)
                  else area_within(polygon_m, county))
        out.append({**info, "share": round(min(max(inside / area, 0.0), 1.0), 4)})
    return out


def area_within(polygon: shapely.Geometry, region: shapely.Geometry) -> float:
    """Return the area of ``polygon ∩ region`` (``region`` prepared), ring by ring.

    A band can have thousands of holes; overlaying it whole costs far more than its
    shells plus the few holes that cross the region's outline: a hole inside the region
    counts whole, one outside not at all.
    """
    parts = shapely.get_parts(polygon)
    rings, part = shapely.get_rings(parts, return_index=True)
    exterior = shells_of(part)
    shapes = shapely.polygons(rings)
    inside = shapely.contains(region, shapes)
    cross = ~inside & shapely.intersects(region, shapes)
    area = np.where(inside, shapely.area(shapes), 0.0)
    area[cross] = shapely.area(shapely.intersection(shapes[cross], region))
    return float(area[exterior].sum() - area[~exterior].sum())


def as_layer_frames(layers: Any) -> dict[str, gpd.GeoDataFrame]:
    """Return ``{layer: GeoDataFrame}`` from such a mapping, a list of resolutions or ``None``."""
    if layers is None:
        return {}
    if isinstance(layers, dict):
        return layers
    from wuling_geo.data.layers import layer_frames

    return layer_frames(list(layers))


#: The fields of one record of ``features_inside``.
INSIDE_FIELDS = ("layer", "id", "name", "grade")


def features_inside(polygon_ll: shapely.Geometry, layers: dict[str, gpd.GeoDataFrame]
                    ) -> list[dict[str, str | None]]:
    """Return the features inside a polygon: one record per feature, layer by layer.

    Each record has :data:`INSIDE_FIELDS`: ``layer``, ``id``, ``name`` (``name_zh``, else
    ``name``, else the id) and ``grade`` (``None`` when the layer has none). The district
    boundary layer is skipped. :func:`inside_counts` summarises them per layer.
    """
    out: list[dict[str, str | None]] = []
    shapely.prepare(polygon_ll)
    for name, frame in layers.items():
        if name == "boundary" or frame is None or len(frame) == 0:
            continue
        geoms = frame.geometry.values
        present = ~(pd.isna(geoms) | shapely.is_empty(geoms))
        inside = np.zeros(len(frame), dtype=bool)
        inside[present] = shapely.intersects(polygon_ll, geoms[present])
        hit = frame.loc[inside]
        label = next((c for c in ("name_zh", "name", "id") if c in hit), None)
        for _, row in hit.iterrows():
            grade = row["grade"] if "grade" in hit else None
            out.append({"layer": str(name),
                        "id": _text(row["id"]) if "id" in hit else None,
                        "name": _text(row[label]) if label else None,
                        "grade": _text(grade)})
    return out


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _cell_value(value: Any) -> Any:
    """Return a list cell as read from memory, or from a file's JSON text (``[]`` for none)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else []
        except ValueError:
            return []
    return value


def inside_records(value: Any) -> list[dict[str, Any]]:
    """Return the ``features_inside`` of a band as records, however it was stored.

    In memory the column holds the records of :func:`features_inside`; a file written by
    :func:`~wuling_geo.analysis.catchments.bands.write_catchments` holds them as JSON text
    (:func:`inside_as_text`). Older files held ``{layer: {"count", "names", "ids"}}``; those
    are read as records too. ``None`` (no statistics) gives no records.
    """
    value = _cell_value(value)
    if isinstance(value, dict):  # the older layout: per layer, names (and ids) or a list
        records = []
        for layer, entry in value.items():
            names = entry.get("names", []) if isinstance(entry, dict) else entry
            ids = entry.get("ids", []) if isinstance(entry, dict) else []
            for i, name in enumerate(names if isinstance(names, list) else []):
                records.append({"layer": str(layer), "id": ids[i] if i < len(ids) else None,
                                "name": name, "grade": None})
        return records
    records = []
    for item in list(value):
        if isinstance(item, dict):
            records.append({k: item.get(k) for k in INSIDE_FIELDS})
        else:
            records.append({"layer": None, "id": None, "name": str(item), "grade": None})
    return records


def inside_counts(value: Any) -> dict[str, dict[str, Any]]:
    """Return, per layer, ``count`` and (5A/4A) ``by_grade`` of a band's ``features_inside``."""
    out: dict[str, dict[str, Any]] = {}
    for rec in inside_records(value):
        entry = out.setdefault(rec["layer"] or "", {"count": 0, "by_grade": {}})
        entry["count"] += 1
        if rec.get("grade") in ("5A", "4A"):
            entry["by_grade"][rec["grade"]] = entry["by_grade"].get(rec["grade"], 0) + 1
    return out


def features_table(bands: pd.DataFrame) -> pd.DataFrame:
    """Return the features inside every band as a long table, one row per band and feature.

    Columns: ``origin_id``, ``origin_name``, ``mode``, ``minutes`` (of the band) and
    :data:`INSIDE_FIELDS`. Bands computed without statistics contribute no rows.
    """
    keys = ("origin_id", "origin_name", "mode", "minutes")
    rows = [{**{k: row.get(k) for k in keys}, **rec}
            for _, row in bands.iterrows() for rec in inside_records(row.get("features_inside"))]
    return pd.DataFrame(rows, columns=[*keys, *INSIDE_FIELDS])


#: The columns of a band that hold lists of records (JSON text in files).
RECORD_COLUMNS = ("features_inside", "county_share")


def inside_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with the :data:`RECORD_COLUMNS` as JSON text, for files without lists."""
    columns = [c for c in RECORD_COLUMNS if c in frame]
    if not columns:
        return frame
    out = frame.copy()
    for column in columns:
        out[column] = [None if v is None or (isinstance(v, float) and np.isnan(v))
                       else v if isinstance(v, str)
                       else json.dumps(list(v), ensure_ascii=False)
                       for v in frame[column]]
    return out


def county_records(value: Any) -> list[dict[str, Any]]:
    """Return the ``county_share`` of a band as records, in memory or as JSON text from a file."""
    value = _cell_value(value)
    return [{k: item.get(k) for k in COUNTY_FIELDS} for item in list(value)
            if isinstance(item, dict)]


def band_stats(network: RoadNetwork, polygon_m: shapely.Geometry, polygon_ll: shapely.Geometry,
               r: RoadReach, stats: bool, layers: Any) -> BandStats:
    """Return the :class:`BandStats` of one band."""
    area = round(float(polygon_m.area) / 1e6, 6)
    road = round(r.road_m() / 1000, 3)
    if not stats:
        return BandStats(area, None, road, None)
    counties = county_share(network, polygon_m)
    # a band of a network elsewhere (meeting none of the counties) has no district share
    share = district_share(network, polygon_m) if counties else None
    return BandStats(area, share, road, features_inside(polygon_ll, layers), counties)
