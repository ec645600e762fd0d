"""Named OpenStreetMap features the geocoder matches gazetteer places against.

Features come from an OSM file (``.osm``, ``.osm.bz2``, ``.osm.pbf``, read with pyosmium)
or from Overpass (through osmnx), and are stored as GeoParquet in the folder of the network
built from the same source (``<network>/features.parquet``), so each network carries its own
place names. ``<cache>/osm/features.parquet``, where older versions kept one shared copy, is
still read when the network in use has none.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas as gpd
import osmium
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from wuling_geo import settings
from wuling_geo._util.errors import OSMDataError, clip
from wuling_geo._util.files import atomic_path

log = logging.getLogger(__name__)

#: Name tags compared with gazetteer names, most specific first.
NAME_TAGS = ("name:zh", "name", "name:zh-Hans", "name:en", "alt_name", "official_name",
             "old_name", "short_name", "loc_name")
#: Tags that say what a feature is, kept for type checks when matching.
KIND_TAGS = ("tourism", "historic", "leisure", "natural", "aeroway", "railway",
             "public_transport", "place", "landuse", "industrial", "amenity", "boundary",
             "admin_level", "highway", "building", "man_made", "office", "waterway", "route")
COLUMNS = ["osm_type", "osm_id", *NAME_TAGS, *KIND_TAGS]
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".osm.xml")


def check_osm_file(path: str | Path) -> Path:
    """Return ``path`` as a :class:`Path` if it names a readable, non-empty OSM file.

    Raises
    ------
    OSMDataError
        If it is missing, empty, or not an OSM file by its name.
    """
    path = Path(path)
    if not path.is_file():
        raise OSMDataError(f"OSM file {path} not found: check the path")
    if path.stat().st_size == 0:
        raise OSMDataError(f"OSM file {path} is empty: download the extract again")
    if not path.name.lower().endswith(OSM_SUFFIXES):
        raise OSMDataError(f"{path} is not an OSM file: expected one of {', '.join(OSM_SUFFIXES)}")
    return path


def _row(obj, geometry: BaseGeometry, osm_type: str) -> dict:
    tags = obj.tags
    row = {"osm_type": osm_type, "osm_id": int(obj.id), "geometry": geometry}
    for key in (*NAME_TAGS, *KIND_TAGS):
        row[key] = tags.get(key)
    return row


def features_from_file(path: str | Path, area: BaseGeometry | None = None) -> gpd.GeoDataFrame:
    """Read every named node, way and multipolygon of an OSM file.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file.
    area
        Optional WGS-84 polygon; features not intersecting it are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature, EPSG:4326: points for nodes, lines or polygons for ways,
        polygons for multipolygon relations.
    """
    path = check_osm_file(path)
    wkb = osmium.geom.WKBFactory()
    rows: list[dict] = []
    name_filter = osmium.filter.KeyFilter(*NAME_TAGS)
    try:
        processor = (osmium.FileProcessor(str(path)).with_locations().with_areas()
                     .with_filter(name_filter))
        for obj in processor:
            try:
                if obj.is_node():
                    rows.append(_row(obj, shapely.Point(obj.location.lon, obj.location.lat), "node"))
                elif obj.is_way():
                    geom = shapely.from_wkb(wkb.create_linestring(obj))
                    if obj.is_closed() and len(obj.nodes) >= 4 and not obj.tags.get("highway"):
                        geom = shapely.Polygon(geom.coords)
                    rows.append(_row(obj, geom, "way"))
                elif obj.is_area() and not obj.from_way():
                    geom = shapely.from_wkb(wkb.create_multipolygon(obj))
                    rows.append(_row(obj, geom, "relation") | {"osm_id": obj.orig_id()})
            except (osmium.InvalidLocationError, RuntimeError):
                continue  # a way or area whose nodes lie outside the extract
    except (RuntimeError, osmium.InvalidLocationError) as exc:  # malformed file or coordinates
        raise OSMDataError(f"cannot read OSM file {path}: {exc}; is it truncated or corrupt?") \
            from None
    gdf = gpd.GeoDataFrame(rows, columns=[*COLUMNS, "geometry"], geometry="geometry",
                           crs=settings.storage_crs)
    if area is not None and len(gdf):
        gdf = gdf[gdf.intersects(area)].reset_index(drop=True)
    return gdf


def features_from_overpass(polygon: BaseGeometry) -> gpd.GeoDataFrame:
    """Download every named feature inside ``polygon`` from Overpass (through osmnx).

    Raises
    ------
    OfflineError
        Within seconds, if Overpass cannot be reached.
    """
    import osmnx as ox

    from wuling_geo._util.online import osmnx_settings, require_online

    require_online(ox.settings.overpass_url, "Overpass",
                   "pass an OSM extract instead: wuling-geo network import FILE.osm.pbf")
    with osmnx_settings():
        try:
            raw = ox.features_from_polygon(polygon, tags={"name": True})
        except ox._errors.InsufficientResponseError:
            raw = gpd.GeoDataFrame(geometry=[], crs=settings.storage_crs)
    return _from_osmnx(raw)


def _from_osmnx(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if raw.empty:
        return gpd.GeoDataFrame(columns=[*COLUMNS, "geometry"], geometry="geometry",
                                crs=settings.storage_crs)
    df = raw.reset_index()
    out = pd.DataFrame({
        "osm_type": df["element"].astype(str),
        "osm_id": df["id"].astype("int64"),
    })
    for key in (*NAME_TAGS, *KIND_TAGS):
        out[key] = df[key].where(df[key].notna(), None) if key in df else None
    gdf = gpd.GeoDataFrame(out, geometry=df.geometry.values, crs=settings.storage_crs)
    # osmnx splits large areas into several queries whose answers overlap at the seams.
    return gdf.drop_duplicates(subset=["osm_type", "osm_id"]).reset_index(drop=True)


def save_features(features: gpd.GeoDataFrame, source: str, path: str | Path | None = None) -> Path:
    """Save features as GeoParquet (atomically) with their source and attribution.

    Networks store their features themselves (:func:`wuling_geo.network.model.save_network`); the
    default ``path`` is the old shared location, read for compatibility.
    """
    path = Path(path) if path is not None else settings.osm_features_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"source": source, "attribution": settings.osm_attribution}
    features = features.copy()
    features.attrs["wuling_geo"] = meta
    with atomic_path(path) as tmp:
        features.to_parquet(tmp, index=False)
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return path


def check_features_path(path: str | Path) -> Path:
    """Return ``path`` if it is a file; raise :class:`OSMDataError` naming it otherwise."""
    path = Path(path)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise OSMDataError(f"OSM file {clip(str(path), 120)} {what}: check `features` (give an "
                           ".osm, .osm.bz2 or .osm.pbf file, or cached features .parquet)",
                           param="features")
    return path


def network_features_path(network_dir: str | Path | None = None) -> Path | None:
    """Return the features file of a network folder (default: the cached network).

    A network without one falls back to the old shared ``<cache>/osm/features.parquet``
    (compatibility with networks built by older versions); ``None`` when neither exists.
    """
    folder = Path(network_dir) if network_dir is not None else settings.network_dir()
    for path in (folder / "features.parquet", settings.osm_features_path()):
        if path.is_file():
            return path
    return None


def load_features(path: str | Path | None = None, network_dir: str | Path | None = None
                  ) -> gpd.GeoDataFrame | None:
    """Return stored OSM features, an OSM file's features, or ``None`` when there are none.

    ``path`` may be a GeoParquet of features or an OSM file; by default the features stored
    with the network in ``network_dir`` (default: the cached network) are used
    (:func:`network_features_path`).

    Raises
    ------
    OSMDataError
        If ``path`` is given but is not a file (a mistyped ``--osm`` is never ignored).
    """
    if path is not None:
        check_features_path(path)
    path = Path(path) if path is not None else network_features_path(network_dir)
    if path is None or not path.exists():
        return None
    if path.name.lower().endswith(OSM_SUFFIXES):
        log.debug("reading named features from %s", path)  # progress chatter: -v shows it
        return features_from_file(path)
    try:
        return gpd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise OSMDataError(f"cached OSM features {path} are unreadable ({exc}); delete the file "
                           "and run 'wuling-geo network fetch' or 'network import' again") from None
