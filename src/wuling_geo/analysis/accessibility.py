"""Nearest-facility accessibility: time from every part of the district to a facility.

Facilities are those of one category: logistics parks, transport hubs, ….

One multi-source search from the facilities (:func:`wuling_geo.network.routing.nearest_times`)
gives every node's time; a point's time is then read off its snapped edge (through either
end, or straight along the edge to a facility on the same road) plus an access leg over
the straight distance to that road at :data:`wuling_geo.settings.access_speed_kph`.
The surface evaluates that at the centres of an equal-area hexagon grid.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo.analysis.hexgrid import check_cell_size, hex_grid
from wuling_geo.data import boundary
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.places import Site, as_sites
from wuling_geo.network import routing
from wuling_geo.network.model import RoadNetwork
from wuling_geo.network.snapping import snap_points, times_at_points, to_snaps
from wuling_geo.network.validation import snap_places

THRESHOLDS = (15, 30, 60)


class FacilitySearch:
    """Times between any points and the nearest of some facilities, after one search.

    Parameters
    ----------
    network
        The road network.
    facilities
        The facilities: gazetteer names, ids, ``"lon,lat"``, resolutions, points … (see
        :func:`wuling_geo.data.places.as_sites`).
    profile
        ``"car"`` or ``"truck"``.
    direction
        ``"to"``: time from a point to its nearest facility (default); ``"from"``: from
        the nearest facility to the point.
    access_speed_kph
        Speed of the straight leg from a point to its road (default: the setting).
    geocoder
        Resolves facility names (default: the shipped gazetteer).
    """

    def __init__(self, network: RoadNetwork, facilities, profile: str = "car",
                 direction: str = "to", access_speed_kph: float | None = None,
                 geocoder: Geocoder | None = None) -> None:
        self.network = network
        self.facilities: list[Site] = as_sites(facilities, geocoder, "facility")
        if not self.facilities:
            raise InputError("no facilities given: name at least one place or a category")
        speed = settings.access_speed_kph if access_speed_kph is None else access_speed_kph
        if not np.isfinite(speed) or speed <= 0:
            raise InputError(f"access speed {speed} km/h must be a positive number")
        self.profile, self.direction, self.access_speed_kph = profile, direction, float(speed)
        if direction not in routing.DIRECTIONS:
            raise InputError(f"unknown direction {direction!r}: use 'to' or 'from'")
        self.sources = snap_places(network, [f.name for f in self.facilities],
                                   [f.lon for f in self.facilities],
                                   [f.lat for f in self.facilities], settings.max_snap_m,
                                   "facility")
        # "to": per node, the time from it to the nearest facility (reversed search).
        self.node_seconds, self.which = routing.nearest_times(
            network, to_snaps(network, self.sources), profile, direction=direction)

    def times(self, lon, lat) -> pd.DataFrame:
        """Return, per point, the time to/from its nearest facility.

        Returns
        -------
        pandas.DataFrame
            ``minutes`` (road + access; NaN if unreachable), ``road_minutes``,
            ``access_minutes``, ``snap_m``, ``facility_id``, ``facility_name`` (None if
            unreachable).
        """
        pts = snap_points(self.network, lon, lat)
        road, idx = times_at_points(self.network, self.node_seconds, self.which, pts,
                                    self.sources, self.profile, self.direction)
        access = pts.distance_m / (self.access_speed_kph / 3.6)
        ok = np.isfinite(road)
        ids = np.array([f.id for f in self.facilities] + [None], dtype=object)
        names = np.array([f.name for f in self.facilities] + [None], dtype=object)
        pick = np.where(ok, idx, -1)
        return pd.DataFrame({
            "minutes": np.where(ok, (road + access) / 60, np.nan),
            "road_minutes": np.where(ok, road / 60, np.nan),
            "access_minutes": access / 60,
            "snap_m": pts.distance_m,
            "facility_id": ids[pick],
            "facility_name": names[pick],
        })


def accessibility_surface(network: RoadNetwork, facilities, cell_m: float = 500.0,
                          profile: str = "car", area: BaseGeometry | None = None,
                          access_speed_kph: float | None = None, direction: str = "to",
                          search: FacilitySearch | None = None,
                          geocoder: Geocoder | None = None) -> gpd.GeoDataFrame:
    """Return a hexagon grid over the district holding each cell's time to the nearest facility.

    Parameters
    ----------
    network
        The road network.
    facilities
        The facilities, e.g. those of one category: gazetteer names, ids, ``"lon,lat"``,
        resolutions, points … (see :func:`wuling_geo.data.places.as_sites`).
    cell_m
        Hexagon width across flats, metres (0.2165 km² cells at 500 m).
    profile
        ``"car"`` or ``"truck"``.
    area
        WGS-84 polygon to cover (default: the district boundary).
    access_speed_kph
        Speed of the straight leg from a cell centre to its road (default: the setting).
    direction
        ``"to"`` the facility (default) or ``"from"`` it.
    search
        A :class:`FacilitySearch` to reuse (then ``facilities``, ``profile``, ``direction``
        and ``access_speed_kph`` are taken from it).
    geocoder
        Resolves facility names (default: the shipped gazetteer).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell (clipped to the area): ``cell_id``, ``lon``/``lat`` of the centre,
        ``area_km2``, ``minutes`` (NaN where no facility is reachable), ``road_minutes``,
        ``access_minutes``, ``snap_m``, ``facility_id``, ``facility_name``, geometry.
        ``attrs`` carry the profile, cell size and attribution.

    Raises
    ------
    InputError
        For a cell size that would make more than
        :data:`~wuling_geo.settings.accessibility_max_cells` cells, or no facilities.

    Examples
    --------
    On a SYNTHETIC grid, 1 km hexagons over a small box, one facility:

    >>> import shapely
    >>> import wuling_geo as wg
    >>> from wuling_geo.network.synthetic import grid_network
    >>> net = grid_network(6, 6, spacing_m=1000, origin=(108.74, 29.42))
    >>> box = shapely.box(108.74, 29.42, 108.78, 29.45)
    >>> surface = wg.accessibility_surface(net, [("a", "SYNTHETIC A", 108.74, 29.42)], cell_m=1000,
    ...                                    area=box)
    >>> len(surface), list(surface["facility_id"].dropna().unique())
    (25, ['a'])
    """
    area = boundary.district() if area is None else area
    check_cell_size(area, cell_m)  # before any search: fail fast
    if search is None:
        search = FacilitySearch(network, facilities, profile, direction, access_speed_kph,
                                geocoder)
    cells = hex_grid(area, cell_m)
    times = search.times(cells["lon"].to_numpy(), cells["lat"].to_numpy())
    out = pd.concat([cells.drop(columns="geometry"), times], axis=1)
    surface = gpd.GeoDataFrame(out, geometry=cells.geometry.values, crs=settings.storage_crs)
    surface.attrs.update(profile=search.profile, cell_m=float(cell_m), direction=search.direction,
                         access_speed_kph=search.access_speed_kph,
                         attribution=str(network.meta.get("attribution", "")))
    return surface


def access_summary(surface: gpd.GeoDataFrame, towns: pd.DataFrame | None = None,
                   thresholds: Sequence[float] = THRESHOLDS) -> pd.DataFrame:
    """Return the share of the area, and of towns, within each time threshold.

    Parameters
    ----------
    surface
        From :func:`accessibility_surface`.
    towns
        Times at towns (``minutes`` column, e.g. from :meth:`FacilitySearch.times`).
    thresholds
        Minutes.

    Returns
    -------
    pandas.DataFrame
        ``minutes``, ``area_km2``, ``area_share`` (0–1), ``towns``, ``towns_total``,
        ``towns_share`` (NaN without towns).
    """
    total = float(surface["area_km2"].sum())
    rows = []
    for t in thresholds:
        within = surface["minutes"].to_numpy() <= t
        area = float(surface["area_km2"].to_numpy()[within].sum())
        n_towns = int((towns["minutes"] <= t).sum()) if towns is not None else 0
        n_total = len(towns) if towns is not None else 0
        rows.append({"minutes": t, "area_km2": area, "area_share": area / total if total else np.nan,
                     "towns": n_towns, "towns_total": n_total,
                     "towns_share": n_towns / n_total if n_total else np.nan})
    return pd.DataFrame(rows)

