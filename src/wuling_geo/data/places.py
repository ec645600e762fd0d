"""Places for every analysis: the one :class:`Site` type and the one coercion into it.

Every analysis (catchments, OD matrices, accessibility facilities, multimodal reach,
itineraries) takes its places through :func:`as_sites`, which accepts:

- a gazetteer name, alias or id, or a ``"lon,lat"`` text (WGS-84), resolved by a
  :class:`~wuling_geo.data.geocode.geocoder.Geocoder` (the shipped gazetteer unless one is
  given);
- a geocoder :class:`~wuling_geo.data.geocode.geocoder.Resolution`;
- a :class:`Site`;
- ``(lon, lat)``, ``(name, lon, lat)`` or ``(id, name, lon, lat)``;
- a dict with ``id``, ``name``, ``lon``, ``lat``;
- a shapely ``Point`` (WGS-84);
- a point GeoDataFrame (``id`` and ``name``/``name_zh`` columns if present), or a mapping
  ``{name: (lon, lat)}``;

one of these alone, or a list of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import shapely

from wuling_geo._util.errors import InputError, UnresolvedPlaceError
from wuling_geo.data.gazetteer import Place
from wuling_geo.data.geocode.geocoder import Geocoder, Resolution

#: Subtypes that are lines (railways, scenic roads), not places to travel to or from.
LINEAR = ("railway", "scenic_road")


@dataclass(frozen=True)
class Site:
    """A named WGS-84 point: what every analysis starts from, goes to or visits.

    Parameters
    ----------
    id
        Gazetteer id, a given id, or the ``"lon,lat"`` text of a free point.
    name
        Short display name (the Chinese name of a gazetteer place).
    lon, lat
        WGS-84 degrees.
    label
        Longer label for messages and maps (``"黔江站 (Qianjiang Station)"``); defaults to
        ``name``.
    category
        Gazetteer category (``"transport"``, ``"logistics"`` …), if known.
    place
        The gazetteer place, if it is one.
    query
        The text the site was resolved from, if any.

    Examples
    --------
    >>> Site("a", "SYNTHETIC A", 108.77, 29.45)
    Site(id='a', name='SYNTHETIC A', lon=108.77, lat=29.45, label='SYNTHETIC A', category=None, query='')
    """

    id: str
    name: str
    lon: float
    lat: float
    label: str = ""
    category: str | None = None
    place: Place | None = field(default=None, repr=False, compare=False)
    query: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)


#: What a single place may be given as (see the module docstring).
PlaceLike: TypeAlias = str | Site | Resolution | shapely.Point | tuple | Mapping


class _LazyGeocoder:
    """The given geocoder, or the default one made on first use (names need a gazetteer)."""

    def __init__(self, geocoder: Geocoder | None) -> None:
        self._geocoder = geocoder

    def get(self) -> Geocoder:
        if self._geocoder is None:
            self._geocoder = Geocoder()
        return self._geocoder


def _free(lon: float, lat: float, name: str | None = None) -> Site:
    text = f"{float(lon):.5f},{float(lat):.5f}"
    return Site(name or text, name or text, float(lon), float(lat))


def site_from_resolution(res: Resolution) -> Site:
    """Return the :class:`Site` of a geocoder resolution.

    Raises
    ------
    UnresolvedPlaceError
        If the resolution has no position.
    """
    if not res.resolved:
        label = res.place.label if res.place is not None else res.query
        raise UnresolvedPlaceError(f"{label} has no known position ({res.source}): import "
                                   "OSM data with 'wuling-geo network import FILE', use "
                                   "`online`, or give lon,lat", param="online")
    if res.place is not None:
        p = res.place
        return Site(p.id, p.name_zh, float(res.lon), float(res.lat), p.label, p.category, p,
                    res.query)
    # A free point is named by its coordinates; a provider's answer keeps the name asked for.
    ident = res.label if res.method == "coordinates" else res.query
    return Site(ident, res.label, float(res.lon), float(res.lat), query=res.query)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _is_single(item: Any) -> bool:
    """Whether a sequence is one place (``(lon, lat)``, ``(name, lon, lat)``, ``(id, name, lon, lat)``)."""
    if not isinstance(item, Sequence) or isinstance(item, str):
        return False
    n = len(item)
    if n < 2 or n > 4 or not (_is_number(item[-2]) and _is_number(item[-1])):
        return False
    return all(isinstance(v, str) for v in item[:-2])


def as_site(item: Any, geocoder: Geocoder | None = None, what: str = "place",
            require_in_district: bool = False) -> Site:
    """Return one place as a :class:`Site` (see the module docstring for what it may be).

    Parameters
    ----------
    item
        The place.
    geocoder
        Resolves names, ids and ``"lon,lat"`` texts (default: the shipped gazetteer).
    what
        What the place is for, in messages (``"origin"``, ``"facility"`` …).
    require_in_district
        Whether ``"lon,lat"`` texts must lie in the district.

    Raises
    ------
    UnknownPlaceError
        For a name not in the gazetteer.
    UnresolvedPlaceError
        For a place without a known position.
    InputError
        For anything that is not a point, or coordinates that are not finite.

    Examples
    --------
    >>> site = as_site((108.77, 29.45))
    >>> site.id, site.lon, site.lat
    ('108.77000,29.45000', 108.77, 29.45)
    """
    return _one(item, _LazyGeocoder(geocoder), what, require_in_district)


def _one(item: Any, geocoder: _LazyGeocoder, what: str, require_in_district: bool) -> Site:
    if isinstance(item, Site):
        site = item
    elif isinstance(item, Resolution):
        site = site_from_resolution(item)
    elif isinstance(item, str):
        res = geocoder.get().locate(item, require_in_district=require_in_district)
        site = site_from_resolution(res)
    elif isinstance(item, shapely.Point):
        if item.is_empty:
            raise InputError(f"an empty point is not a {what}: give lon,lat")
        site = _free(item.x, item.y)
    elif isinstance(item, Mapping) and {"lon", "lat"} <= item.keys():
        ident = str(item.get("id", item.get("name", "")))
        name = str(item.get("name", ident))
        if not ident:
            site = _free(float(item["lon"]), float(item["lat"]))
        else:
            site = Site(ident, name, float(item["lon"]), float(item["lat"]),
                        category=item.get("category"))
    elif _is_single(item):
        if len(item) == 2:
            site = _free(*item)
        elif len(item) == 3:
            site = _free(item[1], item[2], item[0])
        else:
            site = Site(item[0], item[1], float(item[2]), float(item[3]))
    else:
        raise InputError(f"cannot use {item!r} as a {what}: give a name, id or \"lon,lat\", a "
                         "geocoder Resolution, (lon, lat), (id, name, lon, lat) or a Point")
    if not (math.isfinite(site.lon) and math.isfinite(site.lat)):  # scalars: math is quicker
        raise InputError(f"{what} {site.name} has no finite lon,lat")
    return site


def as_sites(items: Any, geocoder: Geocoder | None = None, what: str = "place",
             require_in_district: bool = False) -> list[Site]:
    """Return ``items`` as a list of :class:`Site`.

    Parameters
    ----------
    items
        One place or several (see the module docstring): names, ids, ``"lon,lat"`` texts,
        resolutions, sites, tuples, points, a point GeoDataFrame or ``{name: (lon, lat)}``.
    geocoder
        Resolves names, ids and ``"lon,lat"`` texts (default: the shipped gazetteer, made
        only when a text is given).
    what
        What the places are for, in messages.
    require_in_district
        Whether ``"lon,lat"`` texts must lie in the district.

    Raises
    ------
    UnknownPlaceError
        For a name not in the gazetteer.
    UnresolvedPlaceError
        For a place without a known position.
    InputError
        For anything that is not a point.

    Examples
    --------
    >>> [s.name for s in as_sites([(108.77, 29.45), ("b", "SYNTHETIC B", 108.78, 29.46)])]
    ['108.77000,29.45000', 'SYNTHETIC B']
    """
    if isinstance(items, gpd.GeoDataFrame):
        return _from_frame(items, what)
    if isinstance(items, Mapping) and not {"lon", "lat"} <= items.keys():
        items = [(str(name), *xy) for name, xy in items.items()]
    elif isinstance(items, str | Site | Resolution | shapely.Point | Mapping) or _is_single(items):
        items = [items]
    elif not isinstance(items, Iterable):
        raise InputError(f"cannot use {items!r} as {what}s: give a name, a place or a list of them")
    lazy = _LazyGeocoder(geocoder)
    return [_one(item, lazy, what, require_in_district) for item in items]


def _from_frame(items: gpd.GeoDataFrame, what: str) -> list[Site]:
    geoms = items.geometry.to_crs("EPSG:4326") if items.crs else items.geometry
    if not (geoms.geom_type == "Point").all():
        raise InputError(f"{what}s must be points: use representative points of areas")
    ids = items.get("id", items.index)
    names = next((items[c] for c in ("name", "name_zh") if c in items), ids)
    cats = items["category"] if "category" in items else [None] * len(items)
    sites = [Site(str(i), str(n), float(g.x), float(g.y), category=c)
             for i, n, g, c in zip(ids, names, geoms, cats, strict=True)]
    for s in sites:
        if not (np.isfinite(s.lon) and np.isfinite(s.lat)):
            raise InputError(f"{what} {s.name} has no finite lon,lat")
    return sites


def category_sites(geocoder: Geocoder, category: str, required: bool = True
                   ) -> tuple[list[Site], list[str]]:
    """Return the resolved places of a gazetteer category, and the names left unresolved.

    Lines (railways, scenic roads: :data:`LINEAR`) are left out.

    Raises
    ------
    UnknownPlaceError
        For an unknown category.
    UnresolvedPlaceError
        If ``required`` and no place of the category has a known position.
    """
    places = [p for p in geocoder.gazetteer.by_category(category) if p.subtype not in LINEAR]
    sites, missing = [], []
    for place in places:
        res = geocoder.resolve_place(place)
        if res.resolved:
            sites.append(site_from_resolution(res))
        else:
            missing.append(place.name_zh)
    if required and not sites:
        msg = (f"no {category} place has a known position ({len(missing)} unresolved): import OSM "
               "data with 'wuling-geo network import FILE', use `online`, or name places or "
               "lon,lat instead")
        raise UnresolvedPlaceError(msg, param="online")
    return sites, missing


def resolve_sites(geocoder: Geocoder, queries: Iterable[str], datum: str = "wgs84",
                  require_in_district: bool = True) -> list[Site]:
    """Resolve names, ids or ``lon,lat`` texts in ``datum`` to sites (raises for unknown or unresolved)."""
    return [site_from_resolution(geocoder.locate(q, datum, require_in_district)) for q in queries]
