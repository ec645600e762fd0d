"""``network fetch``: download the drivable network, railways and named features via osmnx.

The area defaults to Qianjiang District plus a 20 km buffer. The Overpass query selects the
speed profile's highway classes with the same exclusions as :mod:`wuling_geo.network.sources.osm_file`
(expressed as a union of Overpass filters, the most-specific-access-tag rule included);
osmnx builds the graph, and the same topology hygiene and speed model as an offline import
then apply. Known difference: osmnx treats a motorway without a ``oneway`` tag as two-way.
The network's metadata records the query, the date and the attribution.

Merged ways. osmnx's default simplification joins consecutive ways at nodes where only two
streets meet and keeps the *set* of their differing tags as a list (a road whose limit changes
from 30 to 60 km/h becomes one edge with ``maxspeed=['60', '30']``, in no particular order).
No single value of such a list is the speed of the edge, so the fetch does not let osmnx merge
across ways: it simplifies with ``edge_attrs_differ=['osmid']``, which keeps a node wherever
one way ends and another begins. Every edge then lies within one OSM way (the split of the
offline import, :func:`wuling_geo.network.build.graph.split_ways`), all its parts carry that way's
tags, and its travel time is the sum over its parts at their one speed, each penalty applied
to the edge's own geometry. Should a list still arrive (:func:`merge_tag_lists`), its values
are combined deliberately, never by taking the first: see :data:`MERGE_RULES`.
"""

from __future__ import annotations

import logging
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
from wuling_geo._util.logs import timed
from wuling_geo.data.osm_features import features_from_overpass
from wuling_geo.network import turns
from wuling_geo.network.area import parse_area
from wuling_geo.network.build.graph import BuildOptions, build_network, check_consolidate_m
from wuling_geo.network.build.importer import ImportOptions, ImportResult, _effective, _hygiene_notes
from wuling_geo.network.model import RoadNetwork, save_network
from wuling_geo.network.restrictions import (
    CONTROL_COLUMNS,
    CONTROL_NODE_TAGS,
    control_direction,
    control_kind,
)
from wuling_geo.network.sources.osm_file import (
    CLOSED_ACCESS,
    EXCLUDED_SERVICE,
    RAIL_COLUMNS,
    ImportFlags,
    drivable_class,
)
from wuling_geo.network.sources.overpass_turns import fetch_turn_data
from wuling_geo.network.speed.assignment import SpeedOptions
from wuling_geo.network.speed.profile import SpeedProfile, load_profile
from wuling_geo.network.storage import OWNER
from wuling_geo.network.truck_limits import TRUCK_ACCESS_KEYS

log = logging.getLogger(__name__)

#: Way tags osmnx keeps on edges (on top of its defaults) for the speed model.
EXTRA_WAY_TAGS = ["maxspeed:forward", "maxspeed:backward", "maxspeed:hgv", "name:zh", "route",
                  "duration", "motorcar", "motor_vehicle", "vehicle", "construction", "proposed",
                  "maxheight", "maxheight:physical", "maxwidth", "maxwidth:physical", "maxlength",
                  "maxweight", "hgv", "goods"]
OFFLINE_HINT = ("import an OSM extract instead: wuling-geo network import FILE.osm.pbf "
                "(e.g. a Geofabrik China extract)")


#: Access keys from the most to the least specific for a car (as in
#: :mod:`wuling_geo.network.sources.osm_file`).
ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")


def overpass_filters(profile: SpeedProfile, flags: ImportFlags) -> list[str]:
    """Return the Overpass way filters (a union) selecting the profile's drivable ways.

    The offline import decides access by the most specific access tag present
    (``motorcar``, then ``motor_vehicle``, ``vehicle``, ``access``): ``motor_vehicle=no``
    with ``motorcar=yes`` is open to cars. Overpass filters only AND their clauses, so the
    rule becomes one filter per deciding key: "this key is present and open, every more
    specific key is absent", plus "none of them is present". A value is closed when any of
    its ``;``-separated parts is in :data:`~wuling_geo.network.sources.osm_file.CLOSED_ACCESS`.
    """
    classes = sorted(profile.drivable)
    if flags.keep_construction:
        classes += ["construction", "proposed"]
    road = f'["highway"~"^({"|".join(classes)})$"]["area"!~"^yes$"]'
    road += f'["service"!~"^({"|".join(sorted(EXCLUDED_SERVICE))})$"]'
    if flags.keep_private:
        filters = [road]
    else:
        closed = f'"(^|;) *({"|".join(sorted(CLOSED_ACCESS))}) *(;|$)"'
        filters = []
        for i, key in enumerate(ACCESS_KEYS):
            absent = "".join(f'[!"{k}"]' for k in ACCESS_KEYS[:i])
            open_ = f'["{key}"!~{closed}]'
            filters.append(road + absent + (open_ if key == "access" else f'["{key}"]{open_}'))
    if flags.keep_ferries:
        filters.append('["route"="ferry"]')
    return filters


#: How a list of differing values (ways merged into one edge) becomes one value.
#: ``join``: the sorted distinct values in OSM's multi-value form ``"a;b"``, which the readers
#: downstream already interpret: a ``maxspeed`` of ``"30;60"`` sets the lowest limit (30), an
#: access tag of ``"no;yes"`` closes the edge, a name shows every name. ``fewest``: the
#: smallest number (``lanes``: the narrowest part caps the speed). ``smallest``: the smallest
#: id (``osmid``). ``any``: true if any part is (``oneway``, ``reversed``). ``highway`` is
#: handled by :func:`_edge_class`: the slowest drivable class of the parts.
MERGE_RULES: dict[str, str] = {
    "name": "join", "name:zh": "join", "ref": "join", "maxspeed": "join",
    "maxspeed:forward": "join", "maxspeed:backward": "join", "maxspeed:hgv": "join",
    "area": "join", "access": "join", "service": "join", "motorcar": "join",
    "motor_vehicle": "join", "vehicle": "join", "route": "join", "construction": "join",
    "proposed": "join", "duration": "join", "lanes": "fewest", "osmid": "smallest",
    # truck limits: joined, the reader takes the lowest ("3.5;4" -> 3.5) and any closed access
    "maxheight": "join", "maxheight:physical": "join", "maxwidth": "join",
    "maxwidth:physical": "join", "maxlength": "join", "maxweight": "join", "hgv": "join",
    "goods": "join",
    "oneway": "any", "reversed": "any",
}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def merge_values(values: list[Any], rule: str) -> Any:
    """Combine the differing values of merged ways into one by ``rule`` (see :data:`MERGE_RULES`).

    Parameters
    ----------
    values
        The values osmnx kept for one edge (any order).
    rule
        ``"join"``, ``"fewest"``, ``"smallest"`` or ``"any"``.

    Returns
    -------
    object
        One scalar, or ``None`` when no value is present.
    """
    present = [v for v in values if not _missing(v)]
    if not present:
        return None
    if rule == "any":
        return any(bool(v) for v in present)
    if rule == "smallest":
        return min(int(v) for v in present)
    if rule == "fewest":
        numbers = pd.to_numeric(pd.Series([str(v) for v in present]), errors="coerce").dropna()
        return str(int(numbers.min())) if len(numbers) else None
    parts = sorted({p.strip() for v in present for p in str(v).split(";") if p.strip()})
    return ";".join(parts) if parts else None


def merge_tag_lists(edges: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Return ``edges`` with list values combined by :data:`MERGE_RULES`, and how many held one.

    Columns without a rule (osmnx's ``length``, ``bridge``, ...) are joined like names.
    ``highway`` is left as it is for :func:`_edge_class`.
    """
    out = edges.copy()
    merged = np.zeros(len(out), dtype=bool)
    for column in out.columns:
        if column in ("highway", "geometry") or out[column].dtype != object:
            continue
        is_list = out[column].map(lambda v: isinstance(v, list)).to_numpy(bool)
        if not is_list.any():
            continue
        merged |= is_list
        rule = MERGE_RULES.get(column, "join")
        out[column] = out[column].astype(object)
        out.loc[is_list, column] = pd.Series(
            [merge_values(v, rule) for v in out.loc[is_list, column]],
            index=out.index[is_list], dtype=object)
    return out, int(merged.sum())


def _scalar(value: Any) -> Any:
    return None if _missing(value) else value


_TAG_COLUMNS = ("highway", "area", "access", "service", "motorcar", "motor_vehicle", "vehicle",
                "route", "construction", "proposed")


def _edge_class(record: dict[str, Any], profile: SpeedProfile, flags: ImportFlags) -> str | None:
    """Return the drivable class of an osmnx edge; of merged classes, the slowest drivable one."""
    highway = record.pop("highway")
    tags = {k: v for k, v in record.items() if _scalar(v) is not None}
    values = [v for v in (highway if isinstance(highway, list) else [highway])
              if isinstance(v, str)]
    if not values:
        return drivable_class(tags, profile.drivable, flags)  # a ferry has no highway tag
    found = {cls for value in values
             if (cls := drivable_class(tags | {"highway": value}, profile.drivable, flags))}
    if len(found) <= 1:
        return found.pop() if found else None

    def rural_car_kph(name: str) -> float:
        cs = profile.classes.get(name)
        return cs.kph["car_rural"] if cs is not None else np.inf

    return min(sorted(found), key=rural_car_kph)


def _edges_from_graph(network: RoadNetwork, profile: SpeedProfile, flags: ImportFlags
                      ) -> tuple[pd.DataFrame, gpd.GeoDataFrame, int]:
    """Turn osmnx edges into the builder's edge table (lists combined by :data:`MERGE_RULES`).

    Returns the nodes, the edges and how many edges held merged (list) values.
    """
    edges, n_merged = merge_tag_lists(network.edges)
    n = len(edges)

    def col(name: str) -> pd.Series:
        if name in edges:
            return edges[name].map(_scalar).astype(object)
        return pd.Series([None] * n, index=edges.index, dtype=object)

    records = edges.reindex(columns=list(_TAG_COLUMNS)).to_dict("records")
    classes = [_edge_class(rec, profile, flags) for rec in records]
    keep = np.array([c is not None for c in classes], dtype=bool)
    name = col("name")
    table = pd.DataFrame({
        "u": edges["u"].to_numpy(np.int64), "v": edges["v"].to_numpy(np.int64),
        "way_id": col("osmid").astype("Int64").to_numpy(),
        "highway": classes,
        "name": name.where(name.notna(), col("name:zh")),
        "ref": col("ref"),
        "oneway": col("oneway").map(bool).to_numpy(bool),
        "reversed": col("reversed").map(bool).to_numpy(bool),
        "maxspeed": col("maxspeed"),
        "maxspeed_forward": col("maxspeed:forward"),
        "maxspeed_backward": col("maxspeed:backward"),
        "maxspeed_hgv": col("maxspeed:hgv"),
        "lanes": col("lanes"),
        "duration": col("duration"),
        "maxheight": _first_present(col("maxheight"), col("maxheight:physical")),
        "maxwidth": _first_present(col("maxwidth"), col("maxwidth:physical")),
        "maxlength": col("maxlength"),
        "maxweight": col("maxweight"),
        "truck_access": _first_present(*(col(k) for k in TRUCK_ACCESS_KEYS)),
    })
    gdf = gpd.GeoDataFrame(table, geometry=edges.geometry.values, crs=settings.storage_crs)
    return network.nodes, gdf[keep].reset_index(drop=True), n_merged


def _controls(graph) -> pd.DataFrame:
    """Mark the graph's traffic-control nodes (attribute ``control``) and return them.

    The same rules as the file importer's (:func:`control_kind`, :func:`control_direction`).
    """
    rows = []
    for node, data in graph.nodes(data=True):
        tags = {k: str(v) for k, v in data.items() if k in CONTROL_NODE_TAGS}
        kind = control_kind(tags)
        if kind is not None:
            data["control"] = kind
            rows.append((int(node), kind, control_direction(tags, kind)))
    return pd.DataFrame(rows, columns=CONTROL_COLUMNS).astype(
        {"node": "int64", "kind": str, "direction": str})


def _first_present(*columns: pd.Series) -> pd.Series:
    """Return per row the first non-missing value of ``columns`` (the most specific tag)."""
    out = columns[0]
    for column in columns[1:]:
        out = out.where(out.notna(), column)
    return out


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


def _urban_inputs(polygon, profile: SpeedProfile) -> tuple[pd.DataFrame, gpd.GeoSeries]:
    """Download what decides urban speeds: city/town nodes and built-up landuse ways.

    Named or not (the named features alone miss most landuse areas), and the same kinds as
    the offline import reads (:func:`wuling_geo.network.sources.osm_file.read_osm_roads`): ``place`` nodes
    and closed ``landuse`` ways.
    """
    import osmnx as ox

    kinds = sorted(profile.urban["landuse"])
    try:
        raw = ox.features_from_polygon(polygon, tags={"landuse": kinds,
                                                      "place": ["city", "town"]})
    except ox._errors.InsufficientResponseError:
        raw = gpd.GeoDataFrame(geometry=[], crs=settings.storage_crs)
    if raw.empty:
        return (pd.DataFrame({"lon": [], "lat": [], "place": [], "name": []}),
                gpd.GeoSeries([], crs=settings.storage_crs))
    raw = raw.reset_index()
    raw = raw[~raw.duplicated(["element", "id"])]  # osmnx asks large areas in parts
    get = lambda k: raw[k] if k in raw else pd.Series(None, index=raw.index)  # noqa: E731
    nodes = raw[(raw["element"] == "node") & get("place").isin(["city", "town"])]
    places = pd.DataFrame({"lon": nodes.geometry.x, "lat": nodes.geometry.y,
                           "place": get("place")[nodes.index], "name": get("name")[nodes.index]})
    ways = raw[(raw["element"] == "way") & get("landuse").isin(kinds)
               & raw.geom_type.isin(["Polygon", "MultiPolygon"])]
    return places.reset_index(drop=True), gpd.GeoSeries(ways.geometry.values,
                                                        crs=settings.storage_crs)


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

    from wuling_geo._util.online import osmnx_settings, require_online

    options = options or ImportOptions()
    folder = Path(out) if out is not None else settings.network_dir()
    check_consolidate_m(options.consolidate_m)
    check_output(folder, folder=True, owner=OWNER)
    check_cache()
    profile = load_profile(options.speed_file)
    area = parse_area(options.area, options.buffer_km)
    dem = Path(options.dem) if options.dem else None
    require_online(ox.settings.overpass_url, "Overpass", OFFLINE_HINT)
    filters = overpass_filters(profile, options.flags)
    tags = list(dict.fromkeys([*ox.settings.useful_tags_way, *EXTRA_WAY_TAGS]))
    node_tags = list(dict.fromkeys([*ox.settings.useful_tags_node, *CONTROL_NODE_TAGS]))
    with osmnx_settings(useful_tags_way=tags, useful_tags_node=node_tags):
        log.info(f"downloading the road network of {area.label} from {ox.settings.overpass_url}")
        try:
            with timed(log, "Overpass road query"):
                graph = ox.graph_from_polygon(area.polygon, simplify=False, retain_all=True,
                                              custom_filter=filters)
        except ox._errors.InsufficientResponseError:
            raise OSMDataError(f"Overpass returned no drivable roads for {area.label}: check "
                               "`area`", param="area") from None
        if graph.number_of_edges() == 0:
            raise OSMDataError(f"Overpass returned no drivable roads for {area.label}: check "
                               "`area`", param="area")
        controls = _controls(graph)
        with timed(log, "Overpass restriction and barrier query"):
            turn_data = fetch_turn_data(area.polygon)
        for node in turn_data.via_nodes():  # via and barrier nodes must be edge ends too
            if node in graph.nodes:
                graph.nodes[node].setdefault("control", "junction")
        # merge only within a way (see the module docstring): no edge mixes two ways' tags;
        # traffic-control, via and barrier nodes stay edge ends, as the file importer keeps them
        graph = ox.simplify_graph(graph, edge_attrs_differ=["osmid"],
                                  node_attrs_include=["control"])
        nodes, edges, n_merged = _edges_from_graph(RoadNetwork.from_graph(graph), profile,
                                                   options.flags)
        if edges.empty:
            raise OSMDataError(f"no drivable roads for {area.label} in the Overpass answer")
        log.info("downloading named features and railways")
        features = features_from_overpass(area.polygon)
        # osmnx queries large areas in parts; a feature on a seam comes back more than once
        features = features.drop_duplicates(["osm_type", "osm_id"]).reset_index(drop=True)
        railways = _railways(area.polygon)
        places, landuse = _urban_inputs(area.polygon, profile)
    speed_options = SpeedOptions(options.curvature, options.grade, options.junctions,
                                 options.turn_costs)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    meta = {
        "kind": "overpass", "created": created,
        "source": f"OpenStreetMap via Overpass ({ox.settings.overpass_url}), {created[:10]}",
        "attribution": settings.osm_attribution,
        "query": {"overpass_url": ox.settings.overpass_url, "way_filters": filters,
                  "osmnx": "graph_from_polygon(simplify=False, retain_all=True), "
                           "simplify_graph(edge_attrs_differ=['osmid'], "
                           "node_attrs_include=['control'])",
                  "features": {"name": True}, "railways": {"railway": "rail"},
                  "urban": {"landuse": sorted(profile.urban["landuse"]),
                            "place": ["city", "town"]}},
        "area": {**area.spec, "label": area.label, "bounds": area.bounds},
        "profile": profile.describe() | _effective(profile, speed_options, dem),
        "options": {"consolidate_m": options.consolidate_m, **asdict(options.flags)},
    }
    build = BuildOptions(profile, speed_options, dem, options.consolidate_m)
    network, report = build_network(nodes, edges, build, places, landuse, meta,
                                    controls=controls)
    network.meta["hygiene"] = report.as_dict()
    network.meta["railways"] = len(railways)
    network.meta["merged_tag_edges"] = n_merged
    notes: list[str] = []
    if n_merged:
        notes.append(f"{n_merged} edges joined ways with differing tags; their values were "
                     "combined (lowest speed limit, most restrictive access, fewest lanes)")
    _hygiene_notes(report, notes)
    turns.attach(network, turn_data.restrictions, turn_data.barriers, turn_data.skipped, notes)
    save_network(network, folder, {"railways": railways, "features": features})
    return ImportResult(network, folder, reused=False, railways=len(railways),
                        features=folder / "features.parquet", notes=notes)
