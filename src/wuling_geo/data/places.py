"""Named points for the logistics analyses: origins, destinations, facilities, towns.

Analyses take a list of :class:`Site`; :func:`as_sites` accepts geocoder resolutions,
``(id, name, lon, lat)`` tuples, ``(lon, lat)`` pairs or a point GeoDataFrame.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from wuling_geo._util.errors import InputError, UnresolvedPlaceError
from wuling_geo.data.geocode.geocoder import Geocoder, Resolution

#: Subtypes that are lines (railways, scenic roads), not places to travel to or from.
LINEAR = ("railway", "scenic_road")


@dataclass(frozen=True)
class Site:
    """A named WGS-84 point."""

    id: str
    name: str
    lon: float
    lat: float


def _from_resolution(res: Resolution) -> Site:
    if not res.resolved:
        raise UnresolvedPlaceError(f"{res.label} has no known position ({res.source}): import "
                                   "OSM data with 'wuling-geo network import FILE' or give lon,lat")
    if res.place is not None:
        return Site(res.place.id, res.place.name_zh, float(res.lon), float(res.lat))
    return Site(res.query, res.label, float(res.lon), float(res.lat))


def _from_item(item) -> Site:
    if isinstance(item, Site):
        return item
    if isinstance(item, Resolution):
        return _from_resolution(item)
    if isinstance(item, dict):
        return Site(str(item["id"]), str(item.get("name", item["id"])), float(item["lon"]),
                    float(item["lat"]))
    if isinstance(item, tuple | list):
        if len(item) == 2:
            lon, lat = map(float, item)
            return Site(f"{lon:.5f},{lat:.5f}", f"{lon:.5f},{lat:.5f}", lon, lat)
        if len(item) == 4:
            return Site(str(item[0]), str(item[1]), float(item[2]), float(item[3]))
    raise InputError(f"cannot use {item!r} as a place: give a Resolution, (id, name, lon, lat) "
                     "or (lon, lat)")


def as_sites(items) -> list[Site]:
    """Return ``items`` as a list of :class:`Site`.

    Parameters
    ----------
    items
        A point GeoDataFrame (``id`` and ``name``/``name_zh`` columns if present), or an
        iterable of :class:`Site`, geocoder :class:`~wuling_geo.data.geocode.geocoder.Resolution`,
        ``(id, name, lon, lat)``, ``(lon, lat)`` or dicts with ``id``, ``name``, ``lon``, ``lat``.

    Raises
    ------
    UnresolvedPlaceError
        For a resolution without a position.
    InputError
        For anything else that is not a point.
    """
    if isinstance(items, gpd.GeoDataFrame):
        geoms = items.geometry.to_crs("EPSG:4326") if items.crs else items.geometry
        if not (geoms.geom_type == "Point").all():
            raise InputError("places must be points: use representative points of areas")
        ids = items.get("id", items.index)
        names = next((items[c] for c in ("name", "name_zh") if c in items), ids)
        return [Site(str(i), str(n), float(g.x), float(g.y))
                for i, n, g in zip(ids, names, geoms, strict=True)]
    if isinstance(items, Site | Resolution):
        items = [items]
    sites = [_from_item(item) for item in items]
    for s in sites:
        if not (np.isfinite(s.lon) and np.isfinite(s.lat)):
            raise InputError(f"place {s.name} has no finite lon,lat")
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
            sites.append(_from_resolution(res))
        else:
            missing.append(place.name_zh)
    if required and not sites:
        msg = (f"no {category} place has a known position ({len(missing)} unresolved): import OSM "
               "data with 'wuling-geo network import FILE', use --online, or name places or "
               "lon,lat instead")
        raise UnresolvedPlaceError(msg)
    return sites, missing


def resolve_sites(geocoder: Geocoder, queries: Iterable[str], datum: str = "wgs84",
                  require_in_district: bool = True) -> list[Site]:
    """Resolve names, ids or ``lon,lat`` texts to sites (raises for unknown or unresolved)."""
    return [_from_resolution(geocoder.locate(q, datum, require_in_district)) for q in queries]
