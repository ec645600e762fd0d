"""Read the drivable roads, railways and urban markers of an OSM file with pyosmium.

``.osm``, ``.osm.bz2`` and ``.osm.pbf`` are read directly (libosmium decodes PBF; nothing is
converted to XML). A way is drivable when its ``highway`` class is in the speed profile and
the tag rules below allow cars:

- ``area=yes``, ``highway=construction|proposed`` (unless ``keep_construction``: then the
  class is the ``construction``/``proposed`` value) are not roads;
- the most specific access tag of ``motorcar``, ``motor_vehicle``, ``vehicle``, ``access``
  closes the way when it is ``no``, ``private`` or another non-public value (unless
  ``keep_private``);
- ``service=parking|parking_aisle|private|emergency_access`` are not through roads;
- ferries (``route=ferry`` ways) are included only with ``keep_ferries``.

Truck limits (``maxheight``, ``maxwidth``, ``maxlength``, ``maxweight``) and the deciding truck
access value (``hgv``, ``goods``, ...) are kept as text; :mod:`wuling_geo.network.truck_limits`
reads them.

Direction: ``oneway=yes|true|1`` one way in node order, ``-1|reverse`` against it,
``no|false|0|reversible|alternating`` both ways; otherwise roundabouts
(``junction=roundabout|circular``) and motorways are one-way, everything else two-way.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from wuling_geo import settings
from wuling_geo._util.errors import OSMDataError
from wuling_geo._util.progress import bar
from wuling_geo.data.osm_features import check_osm_file
from wuling_geo.network.build.graph import Ways
from wuling_geo.network.truck_limits import truck_access

CLOSED_ACCESS = frozenset({"no", "private", "agricultural", "forestry", "emergency",
                           "military", "restricted"})
EXCLUDED_SERVICE = frozenset({"parking", "parking_aisle", "private", "emergency_access"})
ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
ONEWAY_BOTH = frozenset({"no", "false", "0", "reversible", "alternating"})
WAY_COLUMNS = ["way_id", "highway", "name", "ref", "direction", "maxspeed", "maxspeed_forward",
               "maxspeed_backward", "maxspeed_hgv", "lanes", "duration", "maxheight", "maxwidth",
               "maxlength", "maxweight", "truck_access"]
RAIL_COLUMNS = ["osm_id", "name", "name_zh", "usage", "service", "maxspeed", "electrified"]


@dataclass(frozen=True)
class ImportFlags:
    """What to keep that a car network normally excludes."""

    keep_ferries: bool = False
    keep_private: bool = False
    keep_construction: bool = False


@dataclass
class OSMRoads:
    """What one pass over an OSM file yields.

    ``ways`` is set to ``None`` by a consumer that has split them into edges, to free them.
    """

    ways: Ways | None
    railways: gpd.GeoDataFrame
    places: pd.DataFrame
    landuse: gpd.GeoSeries


def drivable_class(tags: Mapping[str, str] | osmium.osm.TagList, classes: frozenset[str],
                   flags: ImportFlags = ImportFlags()) -> str | None:
    """Return the class a way is driven as, or ``None`` if cars cannot use it.

    Parameters
    ----------
    tags
        The way's tags.
    classes
        The drivable highway classes (the speed profile's).
    flags
        Whether to keep private, construction and ferry ways.
    """
    highway = tags.get("highway")
    if highway is None:
        if flags.keep_ferries and tags.get("route") == "ferry":
            return "ferry"
        return None
    if tags.get("area") == "yes":
        return None
    if highway in ("construction", "proposed"):
        if not flags.keep_construction:
            return None
        highway = tags.get(highway) or ""
    if highway not in classes:
        return None
    if not flags.keep_private:
        for key in ("motorcar", "motor_vehicle", "vehicle", "access"):
            value = tags.get(key)
            if value is not None:
                if any(v.strip() in CLOSED_ACCESS for v in value.split(";")):
                    return None
                break
    if tags.get("service") in EXCLUDED_SERVICE:
        return None
    return highway


def way_direction(tags: Mapping[str, str], highway: str) -> int:
    """Return 1 (one-way in node order), -1 (one-way against it) or 0 (both ways)."""
    oneway = (tags.get("oneway") or "").strip().lower()
    if oneway in ONEWAY_FORWARD:
        return 1
    if oneway in ONEWAY_BACKWARD:
        return -1
    if oneway in ONEWAY_BOTH:
        return 0
    if tags.get("junction") in ("roundabout", "circular") or highway == "motorway":
        return 1
    return 0


#: Way columns read from tags: (column, tag, fallback tag).
_TEXT_TAGS = (("name", "name", "name:zh"), ("ref", "ref", None), ("maxspeed", "maxspeed", None),
              ("maxspeed_forward", "maxspeed:forward", None),
              ("maxspeed_backward", "maxspeed:backward", None),
              ("maxspeed_hgv", "maxspeed:hgv", None), ("lanes", "lanes", None),
              ("duration", "duration", None),
              # truck limits (wuling_geo.network.truck_limits parses them)
              ("maxheight", "maxheight", "maxheight:physical"),
              ("maxwidth", "maxwidth", "maxwidth:physical"), ("maxlength", "maxlength", None),
              ("maxweight", "maxweight", None))

#: Text columns: the tags above and the deciding truck access value.
_TEXT_COLUMNS = (*(column for column, _, _ in _TEXT_TAGS), "truck_access")
#: Text columns only read while building (parsed into numbers, then dropped): categoricals,
#: so each of a region's millions of edges holds a small code, not a pointer (about 250 MB
#: less at 1M SYNTHETIC nodes).
_PARSED_COLUMNS = frozenset({"maxspeed_forward", "maxspeed_backward", "maxspeed_hgv", "duration",
                             "maxheight", "maxwidth", "maxlength", "maxweight", "truck_access"})


class _WayColumns:
    """Way attributes gathered column by column, without a Python object per way.

    Numbers go to typed arrays; a text tag is kept only for the ways that have it, each
    distinct string stored once.
    """

    def __init__(self) -> None:
        self.way_id, self.direction, self.highway = array("q"), array("b"), array("l")
        self.text: dict[str, tuple[array[int], list[str]]] = {
            column: (array("q"), []) for column in _TEXT_COLUMNS}
        self.strings: dict[str, str] = {}
        self.classes: dict[str, int] = {}

    def add(self, way_id: int, cls: str, tags) -> None:
        row = len(self.way_id)
        self.way_id.append(way_id)
        self.direction.append(way_direction(tags, cls) if cls != "ferry" else 0)
        self.highway.append(self.classes.setdefault(cls, len(self.classes)))
        for column, tag, fallback in _TEXT_TAGS:
            value = (tags.get(tag) or tags.get(fallback)) if fallback else tags.get(tag)
            if value is not None:
                rows, values = self.text[column]
                rows.append(row)
                values.append(self.strings.setdefault(value, value))
        access = truck_access(tags)
        if access is not None:
            rows, values = self.text["truck_access"]
            rows.append(row)
            values.append(self.strings.setdefault(access, access))

    def frame(self) -> pd.DataFrame:
        """Return the attributes as a DataFrame with :data:`WAY_COLUMNS`."""
        n = len(self.way_id)
        names = np.array(list(self.classes), dtype=object)
        columns: dict[str, object] = {
            "way_id": np.frombuffer(self.way_id, dtype=np.int64).copy(),
            "highway": names[np.frombuffer(self.highway, dtype=np.int_)].tolist() if n else []}
        for column in _TEXT_COLUMNS:
            rows, values = self.text[column]
            at = np.frombuffer(rows, dtype=np.int64)
            if column in _PARSED_COLUMNS:
                categories, code = np.unique(np.array(values, dtype=object), return_inverse=True)
                codes = np.full(n, -1, dtype=np.int32)
                codes[at] = code
                columns[column] = pd.Categorical.from_codes(codes, pd.Index(categories, dtype=object))
                continue
            full = np.full(n, None, dtype=object)
            full[at] = values
            columns[column] = full.tolist()
        columns["direction"] = np.frombuffer(self.direction, dtype=np.int8).copy()
        return pd.DataFrame(columns)[WAY_COLUMNS]


def read_osm_roads(path: str | Path, classes: frozenset[str], flags: ImportFlags = ImportFlags(),
                   landuse_kinds: frozenset[str] = frozenset()) -> OSMRoads:
    """Read drivable ways, railways, place nodes and landuse areas from an OSM file.

    Parameters
    ----------
    path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf``.
    classes
        Drivable highway classes.
    flags
        See :class:`ImportFlags`.
    landuse_kinds
        ``landuse`` values whose closed ways mark built-up areas.

    Returns
    -------
    OSMRoads
        Unclipped roads (missing node locations are NaN), railway lines, ``place=city|town``
        nodes and landuse polygons, all WGS-84.

    Raises
    ------
    OSMDataError
        If the file is missing, empty, truncated or corrupt.
    """
    path = check_osm_file(path)
    refs, lons, lats = array("q"), array("d"), array("d")
    offsets, rails, places, landuse = array("q", [0]), [], [], []
    rows = _WayColumns()
    nan = float("nan")
    keys = osmium.filter.KeyFilter("highway", "railway", "route", "landuse", "place")
    try:
        processor = osmium.FileProcessor(str(path)).with_locations().with_filter(keys)
        with bar(f"reading {path.name}", unit=" objects") as progress:
            count = 0
            for count, obj in enumerate(processor, 1):
                if count % 20000 == 0:
                    progress.update(20000)
                tags = obj.tags
                if isinstance(obj, osmium.osm.Node):
                    place = tags.get("place")
                    if place in ("city", "town"):
                        places.append((obj.location.lon, obj.location.lat, place,
                                       tags.get("name")))
                    continue
                if not isinstance(obj, osmium.osm.Way):
                    continue
                # every tag read once: a road's columns look up about 30 keys
                way_tags = {tag.k: tag.v for tag in tags}
                cls = drivable_class(way_tags, classes, flags)
                if cls is not None:
                    for nd in obj.nodes:
                        refs.append(nd.ref)
                        loc = nd.location
                        if loc.valid():
                            lons.append(loc.lon)
                            lats.append(loc.lat)
                        else:
                            lons.append(nan)
                            lats.append(nan)
                    offsets.append(len(refs))
                    rows.add(obj.id, cls, way_tags)
                if way_tags.get("railway") == "rail":
                    rails.append(_rail_row(obj, way_tags))
                if way_tags.get("landuse") in landuse_kinds and obj.is_closed():
                    ring = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                    if len(ring) >= 4:
                        landuse.append(shapely.Polygon(ring))
            progress.update(count % 20000)
    except (RuntimeError, osmium.InvalidLocationError) as exc:  # malformed file or coordinates
        raise OSMDataError(f"cannot read OSM file {path}: {exc}; is it truncated or corrupt? "
                           "download it again") from None
    attrs = rows.frame()
    del rows
    ways = Ways(attrs, np.frombuffer(offsets, dtype=np.int64), np.frombuffer(refs, dtype=np.int64),
                np.frombuffer(lons, dtype=np.float64), np.frombuffer(lats, dtype=np.float64))
    rail_rows = [r for r in rails if r is not None]
    railways = gpd.GeoDataFrame([r[0] for r in rail_rows], columns=RAIL_COLUMNS,
                                geometry=[r[1] for r in rail_rows], crs=settings.storage_crs)
    place_frame = pd.DataFrame(places, columns=["lon", "lat", "place", "name"])
    landuse_series = gpd.GeoSeries(landuse, crs=settings.storage_crs)
    return OSMRoads(ways, railways, place_frame, landuse_series)


def _rail_row(obj, tags) -> tuple[tuple, BaseGeometry] | None:
    coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
    if len(coords) < 2:
        return None
    row = (obj.id, tags.get("name") or tags.get("name:zh"), tags.get("name:zh"),
           tags.get("usage"), tags.get("service"), tags.get("maxspeed"), tags.get("electrified"))
    return row, shapely.LineString(coords)


def clip_lines(lines: gpd.GeoDataFrame, area: BaseGeometry | None) -> gpd.GeoDataFrame:
    """Return the parts of ``lines`` inside ``area`` (all of them when ``area`` is ``None``)."""
    if area is None or lines.empty:
        return lines.reset_index(drop=True)
    inside = lines[lines.intersects(area)].copy()
    inside["geometry"] = inside.geometry.intersection(area)
    inside = inside[~inside.geometry.is_empty]
    return inside.reset_index(drop=True)
