"""Resolve places to WGS-84 positions through a chain of sources, recording provenance.

The chain, for a gazetteer place: (1) the gazetteer's own position; (2) a named
OpenStreetMap feature (from an OSM file or the cached features of ``network fetch`` /
``network import``); (3) Nominatim, bounded to the district (only when ``online``);
(4) unresolved. Free coordinates (``"lon,lat"``) are converted from their datum and checked
against the district.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from . import boundary
from . import datum as _datum
from ._errors import OutsideDistrictError, UnresolvedPlaceError
from ._geo import repair_polygons
from ._progress import info, progress
from .gazetteer import Gazetteer, Place, load_gazetteer, normalise_name
from .osm_features import KIND_TAGS, NAME_TAGS, load_features

METHODS = ("gazetteer", "osm", "nominatim", "coordinates", "unresolved")
_COORD_RE = re.compile(r"^\s*([-+]?\d+(?:\.\d*)?)\s*[,\s]\s*([-+]?\d+(?:\.\d*)?)\s*$")

# Generic suffixes dropped before comparing names ("小南海景区" ~ "小南海"), longest first.
_SUFFIXES = tuple(sorted((normalise_name(s) for s in (
    "国家级风景名胜区", "风景名胜区", "国家地质公园", "旅游景区", "旅游区", "风景区", "景区",
    "古镇", "火车站", "铁路站", "站", "机场", "街道办事处", "街道", "镇", "乡",
    "scenic area", "scenic spot", "railway station", "station", "ancient town", "old town",
    "airport", "subdistrict", "town", "township")), key=len, reverse=True))


def core_name(name: str) -> str:
    """Return a folded name without generic suffixes such as 景区, 古镇, 站 or 'Town'."""
    folded = normalise_name(name)
    for suffix in _SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix) + 1:
            return folded[: -len(suffix)]
    return folded


def _kind_ok(place: Place, tags: dict) -> bool:
    """Whether an OSM feature's tags fit the kind of place (a station must be a station)."""
    t = {k: v for k, v in tags.items() if isinstance(v, str) and v}
    sub = place.subtype
    if sub == "airport":
        return t.get("aeroway") in {"aerodrome", "airport"}
    if sub == "railway_station":
        return (t.get("railway") in {"station", "halt"} or t.get("public_transport") == "station"
                or t.get("building") == "train_station")
    if sub == "railway":
        return t.get("railway") in {"rail", "construction", "preserved"} or t.get("route") in {
            "railway", "train"}
    if sub in {"town", "subdistrict", "district_seat"}:
        return "place" in t or t.get("boundary") == "administrative"
    if sub == "scenic_road":
        return "highway" in t or t.get("route") in {"road", "tourism"}
    if sub == "rail_freight_yard":
        return "railway" in t or t.get("landuse") in {"railway", "industrial"} or "building" in t
    # Scenic areas, parks and companies are never settlements, roads or railway lines.
    return not ({"place", "highway", "route"} & t.keys() or t.get("boundary") == "administrative"
                or t.get("railway") in {"rail", "station", "halt", "tram_stop"})


@dataclass(frozen=True)
class Resolution:
    """Where a place or coordinate resolved to, and how.

    ``lon``/``lat`` are WGS-84 (``None`` when unresolved); ``geometry`` is the matched
    geometry in WGS-84 (a point, or the lines of a railway).
    """

    query: str
    place: Place | None
    lon: float | None
    lat: float | None
    method: str
    source: str
    confidence: str
    input_datum: str = "wgs84"
    geometry: BaseGeometry | None = None
    matched: str = ""
    flags: tuple[str, ...] = field(default=())

    @property
    def resolved(self) -> bool:
        """Whether a position was found."""
        return self.lon is not None

    @property
    def label(self) -> str:
        """Return the place's label, or the coordinates for free points."""
        if self.place is not None:
            return self.place.label
        return f"{self.lon:.5f},{self.lat:.5f}"

    def as_dict(self) -> dict:
        """Return a JSON-ready summary."""
        return {
            "query": self.query,
            "id": self.place.id if self.place else None,
            "name_zh": self.place.name_zh if self.place else None,
            "name_en": self.place.name_en if self.place else None,
            "lon": None if self.lon is None else round(self.lon, 7),
            "lat": None if self.lat is None else round(self.lat, 7),
            "datum": "wgs84", "input_datum": self.input_datum, "method": self.method,
            "source": self.source, "confidence": self.confidence, "matched": self.matched,
            "flags": list(self.flags),
        }


def parse_lonlat(text: str) -> tuple[float, float] | None:
    """Return ``(lon, lat)`` if ``text`` is two numbers (``"108.78,29.53"``), else ``None``."""
    match = _COORD_RE.match(text)
    return (float(match.group(1)), float(match.group(2))) if match else None


class Geocoder:
    """Resolve gazetteer places and free coordinates.

    Parameters
    ----------
    gazetteer
        The gazetteer to use (default: the shipped one).
    features
        OSM features to match: a GeoDataFrame, a path (cached GeoParquet or OSM file),
        or ``None`` for the cache written by ``network fetch``/``network import``.
    online
        Whether to ask Nominatim for places the offline steps leave unresolved.
    """

    def __init__(self, gazetteer: Gazetteer | None = None, features=None,
                 online: bool = False) -> None:
        self.gazetteer = gazetteer if gazetteer is not None else load_gazetteer()
        self._features_arg = features
        self.online = online

    # -------------------------------------------------------------- OSM feature index
    @cached_property
    def features(self) -> gpd.GeoDataFrame | None:
        """The OSM features matched against (``None`` when there are none)."""
        arg = self._features_arg
        if isinstance(arg, gpd.GeoDataFrame):
            return arg
        return load_features(arg)

    @cached_property
    def _index(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        exact: dict[str, list[int]] = {}
        core: dict[str, list[int]] = {}
        feats = self.features
        if feats is None or feats.empty:
            return exact, core
        for tag in NAME_TAGS:
            if tag not in feats:
                continue
            for i, value in feats[tag].items():
                if not isinstance(value, str) or not value:
                    continue
                for name in value.split(";"):
                    exact.setdefault(normalise_name(name), []).append(i)
                    core.setdefault(core_name(name), []).append(i)
        return exact, core

    @cached_property
    def _zone(self) -> BaseGeometry:
        return boundary.district_with_margin()

    # -------------------------------------------------------------- resolution steps
    def _from_osm(self, place: Place) -> Resolution | None:
        exact, core = self._index
        feats = self.features
        if not exact:
            return None
        for table, confidence in ((exact, "medium"), (core, "low-medium")):
            rows: list[int] = []
            for name in place.names[:-1]:  # not the id
                key = normalise_name(name) if table is exact else core_name(name)
                rows.extend(i for i in table.get(key, []) if i not in rows)
            rows = [i for i in rows if _kind_ok(place, feats.loc[i, list(KIND_TAGS)].to_dict())]
            rows = [i for i in rows if feats.geometry[i].intersects(self._zone)]
            if not rows:
                continue
            if place.subtype == "railway":
                parts, repaired, dropped = repair_polygons(feats.geometry[rows].values)
                if repaired or dropped:
                    info(f"{place.id}: repaired {repaired} invalid OSM polygons, dropped {dropped}")
                geom = shapely.union_all(parts)
                first = rows[0]
            else:
                first = min(rows, key=lambda i: (feats.osm_type[i] == "node",))
                geom = feats.geometry[first]
            point = geom.representative_point() if not isinstance(geom, shapely.Point) else geom
            name = next((feats.at[first, t] for t in NAME_TAGS if isinstance(feats.at[first, t], str)),
                        "")
            return Resolution(place.id, place, point.x, point.y, "osm", "OpenStreetMap",
                              confidence, "wgs84", geom,
                              f"{feats.osm_type[first]}/{feats.osm_id[first]} {name}")
        return None

    def _from_nominatim(self, place: Place) -> Resolution | None:
        from . import _nominatim

        west, south, east, north = self._zone.bounds
        for query in (place.name_zh, place.name_en):
            for hit in _nominatim.search(query, (west, south, east, north)):
                lon, lat = float(hit["lon"]), float(hit["lat"])
                tags = {hit.get("category", hit.get("class", "")): hit.get("type", "")}
                if not (_kind_ok(place, tags) and self._zone.covers(shapely.Point(lon, lat))):
                    continue
                return Resolution(place.id, place, lon, lat, "nominatim", "Nominatim (OpenStreetMap)",
                                  "low-medium", "wgs84", shapely.Point(lon, lat),
                                  f"{hit.get('osm_type', '')}/{hit.get('osm_id', '')} "
                                  f"{hit.get('display_name', '')}")
        return None

    def resolve_place(self, place: Place) -> Resolution:
        """Run the resolution chain for one gazetteer place."""
        if not place.identified:
            return Resolution(place.id, place, None, None, "unresolved",
                              "not identified: the place itself is unconfirmed", "none")
        if place.position is not None:
            pos = place.position
            res = Resolution(place.id, place, pos.lon, pos.lat, "gazetteer", pos.source,
                             pos.confidence, pos.datum, shapely.Point(pos.lon, pos.lat))
        else:
            res = self._from_osm(place)
            if res is None and self.online:
                res = self._from_nominatim(place)
        if res is None:
            where = "OSM features or Nominatim" if self.online else "OSM features"
            return Resolution(place.id, place, None, None, "unresolved",
                              f"no position in the gazetteer or {where}", "none")
        if not self._zone.covers(shapely.Point(res.lon, res.lat)):
            res = replace(res, flags=(*res.flags, "outside-district"))
        return res

    def resolve_all(self) -> list[Resolution]:
        """Resolve every gazetteer place, in gazetteer order (with a progress bar)."""
        return [self.resolve_place(p)
                for p in progress(self.gazetteer.places, "geocoding", unit="place")]

    def resolve(self, query: str, datum: str = "wgs84", require_in_district: bool = True
                ) -> Resolution:
        """Resolve a gazetteer name, alias or id, or ``"lon,lat"`` in ``datum``.

        Raises
        ------
        UnknownPlaceError
            For a name that is not in the gazetteer.
        OutsideDistrictError
            For coordinates outside the district (unless ``require_in_district`` is false),
            or that look like lat,lon swapped.
        DatumError
            For an unknown datum.
        """
        src = _datum.parse_datum(datum)
        lonlat = parse_lonlat(query)
        if lonlat is None:
            return self.resolve_place(self.gazetteer.find(query))
        lon, lat = lonlat
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            boundary.check_in_district(lon, lat, "coordinate")  # reports swapped or invalid
        wlon, wlat = _datum.convert(lon, lat, src, "wgs84")
        flags: tuple[str, ...] = ()
        if require_in_district:
            boundary.check_in_district(wlon, wlat, "coordinate")
        elif not self._zone.covers(shapely.Point(wlon, wlat)):
            flags = ("outside-district",)
        return Resolution(query, None, wlon, wlat, "coordinates", "user input", "as given", src,
                          shapely.Point(wlon, wlat), flags=flags)

    def locate(self, query: str, datum: str = "wgs84", require_in_district: bool = True
               ) -> Resolution:
        """Like :meth:`resolve`, but raise :class:`UnresolvedPlaceError` if no position is known."""
        res = self.resolve(query, datum, require_in_district)
        if not res.resolved:
            msg = (f"{res.place.label} has no known position ({res.source}): import OSM data "
                   "with 'wuling-geo network import FILE', use --online, or give lon,lat")
            raise UnresolvedPlaceError(msg)
        return res


def geocode(query: str, datum: str = "wgs84", *, features=None, online: bool = False
            ) -> Resolution:
    """Resolve one name, id or ``"lon,lat"`` (see :meth:`Geocoder.resolve`)."""
    return Geocoder(features=features, online=online).resolve(query, datum)


__all__ = ["METHODS", "Geocoder", "OutsideDistrictError", "Resolution", "core_name", "geocode",
           "parse_lonlat"]
