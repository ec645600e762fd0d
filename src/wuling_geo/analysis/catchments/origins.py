"""Catchment origins: places, coordinates or named points, snapped to the road network."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from wuling_geo import settings
from wuling_geo._util.errors import InputError, UnresolvedPlaceError
from wuling_geo.data.geocode.geocoder import Resolution
from wuling_geo.network.model import RoadNetwork, Snap
from wuling_geo.network.snapping import to_snaps
from wuling_geo.network.validation import snap_places


@dataclass(frozen=True)
class Origin:
    """A catchment origin: an id, a display name, a WGS-84 position and its category."""

    id: str
    name: str
    lon: float
    lat: float
    category: str | None = None


def as_origins(origins: Any) -> list[Origin]:
    """Return ``origins`` as a list of :class:`Origin`.

    Accepts geocoder :class:`~wuling_geo.data.geocode.geocoder.Resolution` objects, ``(lon, lat)`` pairs,
    ``(name, lon, lat)`` triples, shapely points, :class:`Origin` objects, a single one of
    these, or a mapping ``{name: (lon, lat)}``.

    Raises
    ------
    UnresolvedPlaceError
        For a resolution without a position.
    InputError
        For anything else that is not a point.
    """
    if isinstance(origins, Mapping):
        origins = [(name, *xy) for name, xy in origins.items()]
    elif isinstance(origins, Resolution | Origin | shapely.Point) or _is_pair(origins):
        origins = [origins]
    out = []
    for item in origins:
        if isinstance(item, Origin):
            out.append(item)
        elif isinstance(item, Resolution):
            if not item.resolved:
                raise UnresolvedPlaceError(f"{item.label} has no known position ({item.source}): "
                                           "give lon,lat or resolve it first")
            place = item.place
            out.append(Origin(place.id if place else item.label, item.label, float(item.lon),
                              float(item.lat), place.category if place else None))
        elif isinstance(item, shapely.Point):
            out.append(_free(item.x, item.y))
        elif _is_pair(item):
            out.append(_free(*item))
        elif (isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 3
              and isinstance(item[0], str) and _is_pair(item[1:])):
            out.append(Origin(item[0], item[0], float(item[1]), float(item[2])))
        else:
            raise InputError(f"cannot use {item!r} as an origin: give a geocoder Resolution, "
                             "(lon, lat) or (name, lon, lat)")
    return out


def _is_pair(item: Any) -> bool:
    return (isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2
            and all(isinstance(v, int | float | np.floating) for v in item))


def _free(lon: float, lat: float) -> Origin:
    label = f"{float(lon):.5f},{float(lat):.5f}"
    return Origin(label, label, float(lon), float(lat))


def snap_origins(network: RoadNetwork, origins: list[Origin], max_snap_m: float | None = None
                 ) -> list[Snap]:
    """Snap each origin to the nearest road (the shared rule of :mod:`wuling_geo.network.validation`).

    Raises
    ------
    OffNetworkError
        Naming an origin farther than ``max_snap_m`` (default
        :data:`settings.catchment_max_snap_m`) from every road, or with lat/lon swapped.
    """
    limit = settings.catchment_max_snap_m if max_snap_m is None else max_snap_m
    snaps = snap_places(network, [o.name for o in origins], [o.lon for o in origins],
                        [o.lat for o in origins], limit, "origin")
    return to_snaps(network, snaps)


def category_origins(resolutions: Iterable[Resolution], category: str
                     ) -> tuple[list[Resolution], list[str]]:
    """Return the resolved point places of ``category`` usable as origins, and notes on the rest.

    Unresolved places, lines (railways, scenic roads) and places flagged outside the district
    are left out; each gets a note saying why.

    Raises
    ------
    InputError
        If no place of the category can be used.
    """
    chosen, notes = [], []
    members = [r for r in resolutions if r.place is not None and r.place.category == category]
    for res in members:
        if not res.resolved:
            notes.append(f"{res.place.label}: skipped, no known position")
        elif res.geometry is not None and not isinstance(res.geometry, shapely.Point):
            notes.append(f"{res.place.label}: skipped, a {res.geometry.geom_type} is not one origin")
        elif "outside-district" in res.flags:
            notes.append(f"{res.place.label}: skipped, its position lies outside the district")
        else:
            chosen.append(res)
    if not chosen:
        raise InputError(f"no place of category {category!r} has a usable position "
                         f"({len(members)} in the gazetteer): import OSM data with 'wuling-geo "
                         "network import FILE', use --online, or give places with --from")
    return chosen, notes
