"""Resolve places to WGS-84 positions through a chain of sources, recording provenance.

The chain, for a gazetteer place: (1) the gazetteer's own position; (2) a named
OpenStreetMap feature (from an OSM file or the cached features of ``network fetch`` /
``network import``); (3) one online provider, bounded to the district: Nominatim (``online``)
or Tianditu, Amap or Baidu (``provider``, with a key); (4) unresolved. Free coordinates
(``"lon,lat"``) are converted from their datum and checked
against the district.
"""

from __future__ import annotations

import json
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from wuling_geo._util.errors import (
    InputError,
    OfflineError,
    OutsideDistrictError,
    ProviderError,
    UnknownPlaceError,
    UnresolvedPlaceError,
    clip,
)
from wuling_geo._util.geo import repair_polygons
from wuling_geo._util.progress import progress
from wuling_geo.data import boundary
from wuling_geo.data import datum as _datum
from wuling_geo.data.gazetteer import Gazetteer, Place, core_name, load_gazetteer, normalise_name
from wuling_geo.data.osm_features import KIND_TAGS, NAME_TAGS, check_features_path, load_features

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from wuling_geo.data.geocode.provider import RateLimiter

METHODS = ("gazetteer", "osm", "nominatim", "tianditu", "amap", "baidu", "coordinates",
           "unresolved")
_COORD_RE = re.compile(r"^\s*([-+]?\d+(?:\.\d*)?)\s*[,\s]\s*([-+]?\d+(?:\.\d*)?)\s*$")

# Generic suffixes dropped before comparing names ("小南海景区" ~ "小南海"), longest first.
# Pinyin of 镇, 乡, 街道, 景区, 古镇: a name ending in one says what kind of place it is.
_PINYIN_SUFFIXES = tuple(normalise_name(s) for s in ("zhen", "xiang", "jiedao", "jingqu", "guzhen"))



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
    if sub in {"town", "township", "subdistrict", "district_seat"}:
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
    """Return ``(lon, lat)`` if ``text`` is two numbers (``"108.78,29.53"``), else ``None``.

    Full-width digits and the full-width comma a Chinese keyboard types (``108.78，29.53``)
    count as their ASCII forms (Unicode NFKC).
    """
    match = _COORD_RE.match(unicodedata.normalize("NFKC", text))
    return (float(match.group(1)), float(match.group(2))) if match else None


def _bare_name(query: str) -> bool:
    """Whether ``query`` is a bare name (``zhuoshui``), without a suffix saying what it is.

    ``濯水镇`` or ``Zhuoshui Zhen`` name the town; ``zhuoshui`` may mean the town or the
    scenic area.
    """
    folded = normalise_name(query)
    return core_name(query) == folded and not folded.endswith(_PINYIN_SUFFIXES)


def _number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def check_coordinate_text(text: str) -> None:
    """Raise :class:`InputError` if ``text`` is made of numbers but is not a LON,LAT pair.

    ``108.77``, ``108.77,29.53,5`` and ``NaN,NaN`` are coordinates gone wrong, not place
    names: they get a message about coordinates instead of "unknown place".
    """
    folded = unicodedata.normalize("NFKC", text).strip()
    tokens = [t for t in re.split(r"[\s,;，、]+", folded) if t]
    if not tokens or not all(_number(t) for t in tokens):
        return
    shown = clip(text)
    if len(tokens) != 2:
        count = "one number" if len(tokens) == 1 else f"{len(tokens)} numbers"
        raise InputError(f"{shown!r} is {count}, not a coordinate pair: give LON,LAT "
                         "such as 108.78,29.53")
    if not all(math.isfinite(float(t)) for t in tokens):
        raise InputError(f"{shown!r} is not a coordinate pair of finite numbers: give LON,LAT "
                         "such as 108.78,29.53")
    raise InputError(f"{shown!r} is not a coordinate pair: give LON,LAT such as 108.78,29.53")


class Geocoder:
    """Resolve gazetteer places and free coordinates.

    Parameters
    ----------
    gazetteer
        The gazetteer to use (default: the shipped one).
    features
        OSM features to match: a GeoDataFrame, a path (cached GeoParquet or OSM file),
        or ``None`` for the features stored with the network in use (``network``).
    online
        Whether to ask Nominatim for places the offline steps leave unresolved.
    network
        Folder of the network in use, whose features are matched when ``features`` is
        ``None`` (default: the cached network).
    provider
        An online provider to ask instead of Nominatim: ``"tianditu"``, ``"amap"``,
        ``"baidu"`` (each needs a key, see :mod:`.keys`), an
        :class:`~wuling_geo.data.geocode.provider.OnlineProvider`, or ``"nominatim"``
        (the same as ``online=True``).
    area
        ``(polygon, name)`` of the area places must lie in instead of Qianjiang District
        (a network of somewhere else, e.g. a real OSM extract); default the district.

    Notes
    -----
    Asked for one place, a provider's errors (bad key, quota, offline, no match) are raised;
    in :meth:`resolve_all` the first such error is kept in :attr:`notes`, the provider is
    asked no more, and the places it would have resolved stay unresolved.

    Raises
    ------
    OSMDataError
        If ``features`` is a path that is not a file (a mistyped ``--osm`` is never ignored).
    """

    def __init__(self, gazetteer: Gazetteer | None = None, features=None,
                 online: bool = False, network: str | Path | None = None,
                 provider=None, area: tuple[BaseGeometry, str] | None = None) -> None:
        self.area = area
        self.gazetteer = gazetteer if gazetteer is not None else load_gazetteer()
        if features is not None and not isinstance(features, gpd.GeoDataFrame):
            features = check_features_path(features)  # a missing file is an error, at once
        self._features_arg = features
        self.network = network
        if isinstance(provider, str) and provider.strip().lower() == "nominatim":
            online, provider = True, None
        elif isinstance(provider, str):
            from wuling_geo.data.geocode.providers import make_provider

            provider = make_provider(provider)
        self.online = online or provider is not None
        self.provider = provider
        #: Notes on online steps that failed during :meth:`resolve_all` (one line each).
        self.notes: list[str] = []
        self._batch = False
        self._provider_off = False
        self._nominatim_pace: RateLimiter | None = None  # made on the first Nominatim search

    # -------------------------------------------------------------- OSM feature index
    @cached_property
    def features(self) -> gpd.GeoDataFrame | None:
        """The OSM features matched against (``None`` when there are none)."""
        arg = self._features_arg
        if isinstance(arg, gpd.GeoDataFrame):
            return arg
        return load_features(arg, self.network)

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
        return self.area[0] if self.area is not None else boundary.district_with_margin()

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
                    log.info(f"{place.id}: repaired {repaired} invalid OSM polygons, dropped {dropped}")
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
        from wuling_geo.data.geocode import nominatim as _nominatim
        from wuling_geo.data.geocode.provider import RateLimiter

        if self._nominatim_pace is None:
            self._nominatim_pace = RateLimiter(_nominatim.RATE)
        west, south, east, north = self._zone.bounds
        for query in (place.name_zh, place.name_en):
            for hit in _nominatim.search(query, (west, south, east, north),
                                         limiter=self._nominatim_pace):
                lon, lat = float(hit["lon"]), float(hit["lat"])
                tags = {hit.get("category", hit.get("class", "")): hit.get("type", "")}
                if not (_kind_ok(place, tags) and self._zone.covers(shapely.Point(lon, lat))):
                    continue
                return Resolution(place.id, place, lon, lat, "nominatim", "Nominatim (OpenStreetMap)",
                                  "low-medium", "wgs84", shapely.Point(lon, lat),
                                  f"{hit.get('osm_type', '')}/{hit.get('osm_id', '')} "
                                  f"{hit.get('display_name', '')}")
        return None

    def _from_provider(self, place: Place) -> Resolution | None:
        if self._provider_off:
            return None
        prov = self.provider
        try:
            cand = prov.best(place) if self._batch else prov.locate(place)
        except (ProviderError, OfflineError) as exc:
            if not self._batch:
                raise
            self._provider_off = True
            self.notes.append(f"{exc} (not asked again in this run)")
            return None
        if cand is None:
            return None
        return self._provider_resolution(place.id, place, cand)

    def _provider_resolution(self, query: str, place: Place | None, cand) -> Resolution:
        p = cand.provenance
        precision = json.dumps(cand.precision, ensure_ascii=False, default=str)
        return Resolution(query, place, cand.lon, cand.lat, self.provider.name,
                          f"{self.provider.title} {p.method} for {p.query!r}, {p.date}",
                          cand.confidence, p.datum, cand.geometry,
                          f"{cand.ident} {cand.label} ({cand.kind}) {precision}".strip(),
                          cand.flags)

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
            if res is None and self.provider is not None:
                res = self._from_provider(place)
            elif res is None and self.online:
                res = self._from_nominatim(place)
        if res is None:
            online = self.provider.title if self.provider is not None else "Nominatim"
            where = f"OSM features or {online}" if self.online else "OSM features"
            return Resolution(place.id, place, None, None, "unresolved",
                              f"no position in the gazetteer or {where}", "none")
        if not self._zone.covers(shapely.Point(res.lon, res.lat)):
            res = replace(res, flags=(*res.flags, "outside-district"))
        return res

    def resolve_all(self) -> list[Resolution]:
        """Resolve every gazetteer place, in gazetteer order (with a progress bar)."""
        self._batch = True
        try:
            return [self.resolve_place(p)
                    for p in progress(self.gazetteer.places, "geocoding", unit="place")]
        finally:
            self._batch = False

    def resolve(self, query: str, datum: str = "wgs84", require_in_district: bool = True
                ) -> Resolution:
        """Resolve a gazetteer name, alias or id, or ``"lon,lat"`` in ``datum``.

        A bare name shared by an unresolved place and one resolved place (``zhuoshui``: the
        town and the 5A scenic area) gives the resolved one, flagged ``same-name-as:<id>``.

        Raises
        ------
        InputError
            For text made of numbers that is not a LON,LAT pair (``108.77``, ``NaN,NaN``).
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
            check_coordinate_text(query)
            try:
                place = self.gazetteer.find(query)
            except UnknownPlaceError:
                if self.provider is None:
                    raise
                return self._provider_resolution(query, None, self.provider.locate(query))
            res = self.resolve_place(place)
            if _bare_name(query) and query not in self.gazetteer:
                return self._same_name_resolved(query, res) or res
            return res
        lon, lat = lonlat
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            boundary.check_in_district(lon, lat, "coordinate")  # reports swapped or invalid
        wlon, wlat = _datum.convert(lon, lat, src, "wgs84")
        flags: tuple[str, ...] = ()
        if require_in_district:
            boundary.check_in_district(wlon, wlat, "coordinate", self.area)
        elif not self._zone.covers(shapely.Point(wlon, wlat)):
            flags = ("outside-district",)
        return Resolution(query, None, wlon, wlat, "coordinates", "user input", "as given", src,
                          shapely.Point(wlon, wlat), flags=flags)

    def _same_name_resolved(self, query: str, first: Resolution) -> Resolution | None:
        """Return the one resolved place that shares ``query``'s core name, if there is one.

        ``zhuoshui`` names 濯水镇 (the town ``first``) and, by its core name, 濯水景区 (the 5A
        scenic area): the area is returned, flagged with the id of the place of the same name
        left aside. An unresolved town gives way to any resolved place of its name, a resolved
        one only to a graded (A-level) scenic area. Parts of another candidate (濯水古镇 is part
        of 濯水景区) give way to it; among several, a graded place is preferred.
        """
        place = first.place
        key = core_name(query)
        found = []
        for other in self.gazetteer.places:
            if other is place or key not in {core_name(n) for n in other.names[:-1]}:
                continue
            res = self.resolve_place(other)
            if res.resolved and res.geometry is not None and res.geometry.geom_type == "Point":
                found.append(res)
        ids = {r.place.id for r in found}
        found = [r for r in found if r.place.part_of not in ids]
        if len(found) > 1 or first.resolved:
            found = [r for r in found if r.place.grade not in ("", "none")]
        if len(found) != 1:
            return None
        flag = f"same-name-as:{place.id}" + ("" if first.resolved else " (no known position)")
        return replace(found[0], query=query, flags=(*found[0].flags, flag))

    def locate(self, query: str, datum: str = "wgs84", require_in_district: bool = True
               ) -> Resolution:
        """Like :meth:`resolve`, but raise :class:`UnresolvedPlaceError` if no position is known."""
        res = self.resolve(query, datum, require_in_district)
        if not res.resolved:
            msg = (f"{res.place.label} has no known position ({res.source}): import OSM data "
                   "with 'wuling-geo network import FILE', use `online`, or give lon,lat")
            raise UnresolvedPlaceError(msg, param="online")
        return res


def geocode(query: str, datum: str = "wgs84", *, features=None, online: bool = False
            ) -> Resolution:
    """Resolve one name, id or ``"lon,lat"`` (see :meth:`Geocoder.resolve`).

    Parameters
    ----------
    query
        A gazetteer name, alias or id, or ``"lon,lat"``.
    datum
        Datum of ``"lon,lat"``: ``wgs84``, ``gcj02`` or ``bd09``.
    features
        OSM features to match (see :class:`Geocoder`).
    online
        Whether to ask Nominatim for places the offline steps leave unresolved.

    Returns
    -------
    Resolution
        WGS-84 ``lon``/``lat`` (``None`` when unresolved) with method, source and confidence.

    Examples
    --------
    >>> import wuling_geo as wg
    >>> res = wg.geocode("黔江站")  # the shipped gazetteer, offline
    >>> res.place.id, res.method, res.resolved
    ('qianjiang-station', 'gazetteer', True)
    >>> wg.geocode("108.77,29.53").method
    'coordinates'
    """
    return Geocoder(features=features, online=online).resolve(query, datum)


__all__ = ["METHODS", "Geocoder", "OutsideDistrictError", "Resolution", "core_name", "geocode",
           "parse_lonlat"]
