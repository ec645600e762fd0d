"""``network fetch``: download the drivable network, railways and named features via osmnx.

The area defaults to Qianjiang District plus a 20 km buffer. The Overpass query selects the
speed profile's highway classes with the same exclusions as :mod:`wuling_geo.network.sources.osm_file`
(expressed as an Overpass filter, so the most-specific-access-tag rule is approximated);
osmnx builds and simplifies the graph, and the same topology hygiene and speed model as an
offline import then apply. Known difference: osmnx treats a motorway without a ``oneway``
tag as two-way. The network's metadata records the query, the date and the attribution.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from wuling_geo import settings
from wuling_geo._util.errors import OSMDataError
from wuling_geo._util.files import check_cache, check_output
from wuling_geo._util.progress import info
from wuling_geo.data.osm_features import features_from_overpass
from wuling_geo.network.area import parse_area
from wuling_geo.network.build.graph import BuildOptions, build_network, check_consolidate_m
from wuling_geo.network.build.importer import ImportOptions, ImportResult, _effective, _hygiene_notes
from wuling_geo.network.model import RoadNetwork, save_network
from wuling_geo.network.sources.osm_file import EXCLUDED_SERVICE, RAIL_COLUMNS, ImportFlags, drivable_class
from wuling_geo.network.speed.assignment import SpeedOptions
from wuling_geo.network.speed.profile import SpeedProfile, load_profile
from wuling_geo.network.storage import OWNER

#: Way tags osmnx keeps on edges (on top of its defaults) for the speed model.
EXTRA_WAY_TAGS = ["maxspeed:forward", "maxspeed:backward", "maxspeed:hgv", "name:zh", "route",
                  "duration", "motorcar", "motor_vehicle", "vehicle", "construction", "proposed"]
OFFLINE_HINT = ("import an OSM extract instead: wuling-geo network import FILE.osm.pbf "
                "(e.g. a Geofabrik China extract)")


def overpass_filters(profile: SpeedProfile, flags: ImportFlags) -> list[str]:
    """Return the Overpass way filters (a union) selecting the profile's drivable ways."""
    classes = sorted(profile.drivable)
    if flags.keep_construction:
        classes += ["construction", "proposed"]
    road = f'["highway"~"^({"|".join(classes)})$"]["area"!~"^yes$"]'
    if not flags.keep_private:
        for key in ("access", "vehicle", "motor_vehicle", "motorcar"):
            road += f'["{key}"!~"^(no|private)$"]'
    road += f'["service"!~"^({"|".join(sorted(EXCLUDED_SERVICE))})$"]'
    filters = [road]
    if flags.keep_ferries:
        filters.append('["route"="ferry"]')
    return filters


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


_TAG_COLUMNS = ("highway", "area", "access", "service", "motorcar", "motor_vehicle", "vehicle",
                "route", "construction", "proposed")


def _edge_class(record: dict[str, Any], profile: SpeedProfile, flags: ImportFlags) -> str | None:
    """Return the drivable class of an osmnx edge (merged ways: the first drivable value)."""
    highway = record.pop("highway")
    tags = {k: _first(v) for k, v in record.items() if _first(v) is not None}
    values = [v for v in (highway if isinstance(highway, list) else [highway])
              if isinstance(v, str)]
    if not values:
        return drivable_class(tags, profile.drivable, flags)  # a ferry has no highway tag
    for value in values:
        found = drivable_class(tags | {"highway": value}, profile.drivable, flags)
        if found is not None:
            return found
    return None


def _edges_from_graph(network: RoadNetwork, profile: SpeedProfile, flags: ImportFlags
                      ) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Turn osmnx edges (merged ways carry lists) into the builder's edge table."""
    edges = network.edges
    n = len(edges)

    def col(name: str) -> pd.Series:
        return edges[name] if name in edges else pd.Series([None] * n, index=edges.index)

    records = edges.reindex(columns=list(_TAG_COLUMNS)).to_dict("records")
    classes = [_edge_class(rec, profile, flags) for rec in records]
    keep = np.array([c is not None for c in classes], dtype=bool)
    table = pd.DataFrame({
        "u": edges["u"].to_numpy(np.int64), "v": edges["v"].to_numpy(np.int64),
        "way_id": col("osmid").map(_first).astype("Int64").to_numpy(),
        "highway": classes,
        "name": col("name").map(_first).where(col("name").notna(), col("name:zh").map(_first)),
        "ref": col("ref").map(_first),
        "oneway": col("oneway").map(lambda v: bool(_first(v))).to_numpy(bool),
        "reversed": col("reversed").map(lambda v: bool(_first(v))).to_numpy(bool),
        "maxspeed": col("maxspeed"),
        "maxspeed_forward": col("maxspeed:forward"),
        "maxspeed_backward": col("maxspeed:backward"),
        "maxspeed_hgv": col("maxspeed:hgv"),
        "lanes": col("lanes").map(_first),
        "duration": col("duration").map(_first),
    })
    gdf = gpd.GeoDataFrame(table, geometry=edges.geometry.values, crs=settings.storage_crs)
    return network.nodes, gdf[keep].reset_index(drop=True)


def _railways(polygon) -> gpd.GeoDataFrame:
    import osmnx as ox

    try:
        raw = ox.features_from_polygon(polygon, tags={"railway": "rail"})
    except ox._errors.InsufficientResponseError:
        raw = gpd.GeoDataFrame(geometry=[], crs=settings.storage_crs)
    if raw.empty:
        return gpd.GeoDataFrame(columns=[*RAIL_COLUMNS, "geometry"], geometry="geometry",
                                crs=settings.storage_crs)
    raw = raw.reset_index()
    raw = raw[raw.geom_type.isin(["LineString", "MultiLineString"])]
    if "railway" in raw:
        raw = raw[raw["railway"] == "rail"]
    get = lambda k: raw[k].where(raw[k].notna(), None) if k in raw else None  # noqa: E731
    out = pd.DataFrame({"osm_id": raw["id"].astype("int64"), "name": get("name"),
                        "name_zh": get("name:zh"), "usage": get("usage"),
                        "service": get("service"), "maxspeed": get("maxspeed"),
                        "electrified": get("electrified")})
    out = gpd.GeoDataFrame(out, geometry=raw.geometry.values, crs=settings.storage_crs)
    # a way crossing the sub-areas osmnx queries separately comes back more than once
    return out.drop_duplicates("osm_id").reset_index(drop=True)


def fetch_network(out: str | Path | None = None, options: ImportOptions | None = None
                  ) -> ImportResult:
    """Download and cache the network of an area (default: Qianjiang + 20 km) from Overpass.

    Parameters
    ----------
    out
        Network folder (default :func:`settings.network_dir`).
    options
        Area and buffer, speed profile, DEM, penalties, consolidation and kept ways (the
        road-layer fields are ignored).

    Returns
    -------
    ImportResult

    Raises
    ------
    OfflineError
        Within seconds, when Overpass cannot be reached.
    OSMDataError
        When the area holds no drivable roads.
    OutputError
        Before any download, for an output folder that cannot be written or holds files
        wuling-geo did not write, or an unusable cache folder (Overpass answers go there).
    """
    import osmnx as ox

    from wuling_geo._util.online import configure_osmnx, require_online

    options = options or ImportOptions()
    folder = Path(out) if out is not None else settings.network_dir()
    check_consolidate_m(options.consolidate_m)
    check_output(folder, folder=True, owner=OWNER)
    check_cache()
    profile = load_profile(options.profile_file)
    area = parse_area(options.area, options.buffer_km)
    dem = Path(options.dem) if options.dem else None
    configure_osmnx()
    require_online(ox.settings.overpass_url, "Overpass", OFFLINE_HINT)
    filters = overpass_filters(profile, options.flags)
    saved_tags = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = list(dict.fromkeys(saved_tags + EXTRA_WAY_TAGS))
    info(f"downloading the road network of {area.label} from {ox.settings.overpass_url}")
    try:
        graph = ox.graph_from_polygon(area.polygon, simplify=True, retain_all=True,
                                      custom_filter=filters)
    except ox._errors.InsufficientResponseError:
        raise OSMDataError(f"Overpass returned no drivable roads for {area.label}: check --area")\
            from None
    finally:
        ox.settings.useful_tags_way = saved_tags
    if graph.number_of_edges() == 0:
        raise OSMDataError(f"Overpass returned no drivable roads for {area.label}: check --area")
    nodes, edges = _edges_from_graph(RoadNetwork.from_graph(graph), profile, options.flags)
    if edges.empty:
        raise OSMDataError(f"no drivable roads for {area.label} in the Overpass answer")
    info("downloading named features and railways")
    features = features_from_overpass(area.polygon)
    # osmnx queries large areas in parts; a feature on a seam comes back more than once
    features = features.drop_duplicates(["osm_type", "osm_id"]).reset_index(drop=True)
    railways = _railways(area.polygon)
    places = features[features["place"].isin(["city", "town"])
                      & (features.geom_type == "Point")]
    places = pd.DataFrame({"lon": places.geometry.x, "lat": places.geometry.y,
                           "place": places["place"], "name": places["name"]})
    landuse = features[features["landuse"].isin(profile.urban["landuse"])
                       & features.geom_type.isin(["Polygon", "MultiPolygon"])].geometry
    speed_options = SpeedOptions(options.curvature, options.grade)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    meta = {
        "kind": "overpass", "created": created,
        "source": f"OpenStreetMap via Overpass ({ox.settings.overpass_url}), {created[:10]}",
        "attribution": settings.osm_attribution,
        "query": {"overpass_url": ox.settings.overpass_url, "way_filters": filters,
                  "osmnx": "graph_from_polygon(simplify=True, retain_all=True)",
                  "features": {"name": True}, "railways": {"railway": "rail"}},
        "area": {**area.spec, "label": area.label, "bounds": area.bounds},
        "profile": profile.describe() | _effective(profile, speed_options, dem),
        "options": {"consolidate_m": options.consolidate_m, **asdict(options.flags)},
    }
    build = BuildOptions(profile, speed_options, dem, options.consolidate_m)
    network, report = build_network(nodes, edges, build, places, landuse, meta)
    network.meta["hygiene"] = report.as_dict()
    network.meta["railways"] = len(railways)
    notes: list[str] = []
    _hygiene_notes(report, notes)
    save_network(network, folder, {"railways": railways, "features": features})
    return ImportResult(network, folder, reused=False, railways=len(railways),
                        features=folder / "features.parquet", notes=notes)
