"""A user's own road centrelines (GeoPackage, GeoJSON, shapefile) as network :class:`Ways`.

Chinese planners often hold official or Amap-derived centrelines in GCJ-02. The layer is
converted to WGS-84 and given a routable topology:

1. line ends closer than ``snap_m`` are merged at their mean position;
2. a line end within ``snap_m`` of another line (a T-junction drawn short or long) is moved
   onto it, and that line gets a vertex there;
3. every vertex shared by two or more lines, and every line end, becomes a node — so lines
   are split where they share vertices, while lines that merely cross (bridges) are not.

The class field may hold OSM ``highway`` values or Chinese grades (高速公路, 一级公路 …
四级公路, 国道/省道/县道/乡道/村道, and the urban 快速路/主干路/次干路/支路, which also mark
the road urban). Without a class field every road is ``unclassified`` (or the layer's own
``highway`` field is used). A one-way field holds yes/no/-1 style values (also FT/TF, 是/否).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo._util.geo import utm_crs
from wuling_geo.data.datum import convert_geometry, parse_datum
from wuling_geo.network.build.graph import Ways

ROAD_LAYER_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb")

#: Chinese road grades → (OSM class, urban).
CN_CLASSES = {
    "高速公路": ("motorway", False), "高速": ("motorway", False), "一级公路": ("trunk", False),
    "二级公路": ("primary", False), "三级公路": ("secondary", False),
    "四级公路": ("tertiary", False), "国道": ("trunk", False), "省道": ("primary", False),
    "县道": ("secondary", False), "乡道": ("tertiary", False), "村道": ("unclassified", False),
    "快速路": ("trunk", True), "城市快速路": ("trunk", True), "主干路": ("primary", True),
    "主干道": ("primary", True), "次干路": ("secondary", True), "次干道": ("secondary", True),
    "支路": ("tertiary", True),
}
#: OSM classes that are roads but not for cars: dropped (and counted), not an error.
NOT_FOR_CARS = frozenset({"footway", "path", "cycleway", "steps", "pedestrian", "bridleway",
                          "track", "corridor", "construction", "proposed", "platform",
                          "elevator", "busway", "bus_guideway", "raceway", "abandoned"})
_ONEWAY = {
    **dict.fromkeys(["yes", "true", "1", "y", "t", "ft", "forward", "是", "单向"], 1),
    **dict.fromkeys(["-1", "reverse", "backward", "tf"], -1),
    **dict.fromkeys(["no", "false", "0", "n", "f", "b", "both", "", "none", "nan", "否", "双向"],
                    0),
}


def _fail_field(path: Path, field: str, option: str, columns: list[str]) -> None:
    have = ", ".join(columns) or "none"
    raise InputError(f"road layer {path.name} has no field {field!r} for `{option}` "
                     f"(fields: {have})", param=option)


def read_road_layer(path: str | Path, datum: str = "wgs84", class_field: str | None = None,
                    speed_field: str | None = None, oneway_field: str | None = None,
                    name_field: str | None = None, snap_m: float = 2.0,
                    classes: frozenset[str] = frozenset()) -> tuple[Ways, dict]:
    """Read a road layer into :class:`Ways` with a snapped, split topology.

    Parameters
    ----------
    path
        GeoPackage, GeoJSON or shapefile of (multi)line roads.
    datum
        Datum of the coordinates (``wgs84``, ``gcj02``, ``bd09``).
    class_field, speed_field, oneway_field, name_field
        Field names: road class, speed (km/h, wins over the profile), one-way flag, name.
    snap_m
        Tolerance (m) for joining line ends to each other and to nearby lines.
    classes
        The drivable classes of the speed profile.

    Returns
    -------
    tuple
        The ways (attributes ``way_id`` = feature index, ``highway``, ``name``, ``direction``,
        ``user_speed``, ``urban``) and a dict of counts (features, dropped, snapped).

    Raises
    ------
    InputError
        For a missing or unreadable file, a layer without line geometries, an unknown field
        or class, or an unknown one-way value.
    """
    path = Path(path)
    datum = parse_datum(datum)
    if snap_m < 0:
        raise InputError(f"`snap_m` must not be negative (got {snap_m})", param="snap_m")
    if not path.is_file():
        raise InputError(f"road layer {path} not found: check the path")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(f"cannot read road layer {path} ({' '.join(str(exc).split())}): give a "
                         "GeoPackage, GeoJSON or shapefile of lines") from None
    columns = [c for c in gdf.columns if c != "geometry"]
    for field, option in ((class_field, "class_field"), (speed_field, "speed_field"),
                          (oneway_field, "oneway_field"), (name_field, "name_field")):
        if field is not None and field not in gdf.columns:
            _fail_field(path, field, option, columns)
    if "geometry" not in gdf or gdf.geometry.isna().all():
        raise InputError(f"road layer {path.name} has no geometry: give a layer of road lines")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    gdf = gdf[gdf.geom_type.isin(["LineString", "MultiLineString"])]
    if gdf.empty:
        raise InputError(f"road layer {path.name} has no line geometries: give road centrelines")
    if gdf.crs is not None and not gdf.crs.equals(settings.storage_crs):
        gdf = gdf.to_crs(settings.storage_crs)
    x0, y0, x1, y1 = gdf.total_bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InputError(f"road layer {path.name} has no CRS and its coordinates are not "
                         "lon/lat degrees: set the layer's CRS")
    gdf = gdf.explode(index_parts=False)
    gdf = gdf.assign(way_id=gdf.index.to_numpy()).reset_index(drop=True)
    highway, urban, dropped = _classes(gdf, path, class_field, classes)
    user_speed, replaced = (_speeds(gdf[speed_field]) if speed_field
                            else (np.full(len(gdf), np.nan), {}))
    attrs = pd.DataFrame({
        "way_id": gdf["way_id"].to_numpy(np.int64),
        "highway": highway,
        "name": _names(gdf, name_field),
        "ref": None,
        "direction": _directions(gdf, path, oneway_field),
        "user_speed": user_speed,
        "urban": urban,
    })
    keep = ~dropped
    lines = gdf.geometry.values[keep]
    if datum != "wgs84":
        lines = convert_geometry(lines, datum, "wgs84")
    attrs = attrs[keep].reset_index(drop=True)
    if len(attrs) == 0:
        raise InputError(f"road layer {path.name} has no roads for cars (all classes are "
                         "footways, tracks or similar)")
    ways, snapped = _topology(np.asarray(lines, dtype=object), attrs, snap_m)
    counts = {"features": len(gdf), "dropped_not_for_cars": int(dropped.sum()),
              "snapped_ends": snapped, "speeds_replaced": replaced}
    return ways, counts


def _speeds(values: pd.Series) -> tuple[np.ndarray, dict[str, int]]:
    """Return a road layer's speeds (km/h; NaN where the class speed applies) and what was replaced.

    A speed must be a number above 0 and at most :data:`settings.max_road_speed_kph`; an
    empty, non-numeric, zero or negative, or too high value is replaced by the class speed
    of the profile, and counted by reason (the counts are reported by the import).
    """
    raw = values.astype(object)
    text = raw.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                   else str(v).strip())
    number = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(float)
    empty = (text == "").to_numpy()
    top = settings.max_road_speed_kph
    reasons = {
        "empty": empty,
        "not a number": ~empty & ~np.isfinite(number),
        "zero or negative": np.isfinite(number) & (number <= 0),
        f"above {top:g} km/h": np.isfinite(number) & (number > top),
    }
    keep = np.isfinite(number) & (number > 0) & (number <= top)
    return np.where(keep, number, np.nan), {k: int(m.sum()) for k, m in reasons.items() if m.any()}


def _names(gdf: gpd.GeoDataFrame, field: str | None) -> np.ndarray:
    column = field or ("name" if "name" in gdf else None)
    if column is None:
        return np.full(len(gdf), None, dtype=object)
    values = gdf[column].astype(object)
    return values.where(values.notna(), None).to_numpy(dtype=object)


def _classes(gdf: gpd.GeoDataFrame, path: Path, field: str | None, classes: frozenset[str]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(gdf)
    field = field or ("highway" if "highway" in gdf else None)
    if field is None:
        return np.full(n, "unclassified", dtype=object), np.zeros(n, bool), np.zeros(n, bool)
    raw = gdf[field].astype(object).where(gdf[field].notna(), "").astype(str).str.strip()
    highway = np.empty(n, dtype=object)
    urban = np.zeros(n, dtype=bool)
    dropped = np.zeros(n, dtype=bool)
    unknown: list[str] = []
    for value in raw.unique():
        mask = (raw == value).to_numpy()
        key = value.lower()
        if key in classes:
            highway[mask] = key
        elif value in CN_CLASSES:
            highway[mask], urban[mask] = CN_CLASSES[value]
        elif key in NOT_FOR_CARS:
            dropped[mask] = True
        else:
            unknown.append(value or "(empty)")
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise InputError(f"road layer {path.name}: field {field!r} has classes the speed profile "
                         f"does not know ({shown}); use OSM highway values or Chinese grades "
                         "such as 二级公路, 县道, 主干路")
    return highway, urban, dropped


def _directions(gdf: gpd.GeoDataFrame, path: Path, field: str | None) -> np.ndarray:
    if field is None:
        return np.zeros(len(gdf), dtype=np.int8)
    raw = gdf[field].astype(object).where(gdf[field].notna(), "")
    text = raw.map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    text = text.str.strip().str.lower()
    unknown = sorted(set(text) - set(_ONEWAY))
    if unknown:
        raise InputError(f"road layer {path.name}: one-way field {field!r} has values "
                         f"{', '.join(unknown[:5])} that are not yes/no/-1 (or FT/TF, 是/否)")
    return text.map(_ONEWAY).to_numpy(np.int8)


def _topology(lines: np.ndarray, attrs: pd.DataFrame, snap_m: float) -> tuple[Ways, int]:
    """Snap line ends, insert T-junction vertices and number shared vertices as nodes."""
    west, south, east, north = shapely.total_bounds(lines)
    metric = utm_crs((west + east) / 2, (south + north) / 2)
    to_m = Transformer.from_crs(settings.storage_crs, metric, always_xy=True)
    to_ll = Transformer.from_crs(metric, settings.storage_crs, always_xy=True)
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    mx, my = to_m.transform(coords[:, 0], coords[:, 1])
    xy = np.column_stack([mx, my])
    sizes = np.bincount(owner, minlength=len(lines))
    first = np.cumsum(sizes) - sizes
    last = first + sizes - 1
    ends = np.r_[first, last]
    snapped = 0
    if snap_m > 0:
        pts = xy[ends]
        pairs = cKDTree(pts).query_pairs(snap_m, output_type="ndarray")
        if len(pairs):
            graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                               shape=(len(pts), len(pts)))
            _, label = connected_components(graph, directed=False)
            centre = np.column_stack([np.bincount(label, weights=pts[:, k]) / np.bincount(label)
                                      for k in (0, 1)])
            moved = np.any(centre[label] != pts, axis=1)
            snapped += int(moved.sum())
            xy[ends] = centre[label]
        xy, owner, snapped_t = _snap_to_lines(xy, owner, ends, snap_m)
        snapped += snapped_t
    keys = np.round(xy * 1000).astype(np.int64)  # millimetre grid
    _, node_id = np.unique(keys, axis=0, return_inverse=True)
    lon, lat = to_ll.transform(xy[:, 0], xy[:, 1])
    sizes = np.bincount(owner, minlength=len(lines))
    offsets = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    return Ways(attrs, offsets, node_id.ravel().astype(np.int64) + 1, np.asarray(lon),
                np.asarray(lat)), snapped


def _snap_to_lines(xy: np.ndarray, owner: np.ndarray, ends: np.ndarray, snap_m: float
                   ) -> tuple[np.ndarray, np.ndarray, int]:
    """Move line ends lying within ``snap_m`` of another line onto it, adding a vertex there."""
    n_lines = int(owner.max()) + 1
    offsets = np.r_[0, np.cumsum(np.bincount(owner, minlength=n_lines))]
    lines = shapely.linestrings(xy, indices=owner)
    tree = shapely.STRtree(lines)
    end_pts = shapely.points(xy[ends])
    pt_idx, line_idx = tree.query(end_pts, predicate="dwithin", distance=snap_m)
    end_line = owner[ends]
    ok = line_idx != end_line[pt_idx]
    pt_idx, line_idx = pt_idx[ok], line_idx[ok]
    if len(pt_idx) == 0:
        return xy, owner, 0
    # ends already on a vertex of that line need nothing
    dist = shapely.distance(end_pts[pt_idx], lines[line_idx])
    best = pd.DataFrame({"pt": pt_idx, "line": line_idx, "d": dist}).sort_values("d")
    best = best.drop_duplicates("pt")
    inserts: dict[int, list[tuple[float, np.ndarray]]] = {}
    moved = 0
    for pt, line, _ in best.itertuples(index=False):
        verts = xy[offsets[line]:offsets[line + 1]]
        here = xy[ends[pt]]
        near = np.hypot(*(verts - here).T)
        if near.min() <= 1e-3:
            continue
        if near.min() <= snap_m:
            target = verts[int(near.argmin())]
        else:
            along = lines[line].project(shapely.Point(here))
            target = np.asarray(lines[line].interpolate(along).coords[0])
            inserts.setdefault(int(line), []).append((along, target))
        xy[ends[pt]] = target
        moved += 1
    if inserts:
        pieces = []
        for line in range(n_lines):
            verts = xy[offsets[line]:offsets[line + 1]]
            if line in inserts:
                cum = np.r_[0, np.cumsum(np.hypot(*np.diff(verts, axis=0).T))]
                adds = sorted(inserts[line], key=lambda t: t[0])
                pos = np.searchsorted(cum, [a for a, _ in adds], side="right")
                verts = np.insert(verts, pos, np.array([t for _, t in adds]), axis=0)
            pieces.append(verts)
        owner = np.repeat(np.arange(n_lines), [len(p) for p in pieces])
        xy = np.vstack(pieces)
    return xy, owner, moved
