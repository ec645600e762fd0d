"""Catchment origins: :class:`~wuling_geo.data.places.Site` objects snapped to the road network."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import shapely

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo.data.geocode.geocoder import Geocoder, Resolution
from wuling_geo.data.places import Site, as_sites
from wuling_geo.network.model import RoadNetwork, Snap
from wuling_geo.network.snapping import to_snaps
from wuling_geo.network.validation import snap_places

#: Deprecated alias: a catchment origin is a :class:`~wuling_geo.data.places.Site`.
Origin = Site


def as_origins(origins: Any, geocoder: Geocoder | None = None) -> list[Site]:
    """Return ``origins`` as sites (see :func:`wuling_geo.data.places.as_sites`)."""
    return as_sites(origins, geocoder, "origin")


def snap_origins(network: RoadNetwork, origins: list[Site], max_snap_m: float | None = None
                 ) -> list[Snap]:
    """Snap each origin to the nearest road (the shared rule of :mod:`wuling_geo.network.validation`).

    Raises
    ------
    OffNetworkError
        Naming an origin farther than ``max_snap_m`` (default
        :data:`settings.catchment_max_snap_m`) from every road, or with lat/lon swapped.
    """
    limit = settings.catchment_max_snap_m if max_snap_m is None else max_snap_m
    snaps = snap_places(network, [o.label for o in origins], [o.lon for o in origins],
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
        place = res.place
        assert place is not None  # members keep only resolutions with a place
        if not res.resolved:
            notes.append(f"{place.label}: skipped, no known position")
        elif res.geometry is not None and not isinstance(res.geometry, shapely.Point):
            notes.append(f"{place.label}: skipped, a {res.geometry.geom_type} is not one origin")
        elif "outside-district" in res.flags:
            notes.append(f"{place.label}: skipped, its position lies outside the district")
        else:
            chosen.append(res)
    if not chosen:
        raise InputError(f"no place of category {category!r} has a usable position "
                         f"({len(members)} in the gazetteer): import OSM data with 'wuling-geo "
                         "network import FILE', use `online`, or give places with `origins`",
                         param=("online", "origins"))
    return chosen, notes
