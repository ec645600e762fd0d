"""One check of places against a road network, shared by every analysis.

Catchments, routes and itineraries, matrices, accessibility and multimodal reach all put
places on the network through :func:`snap_places`: a place must have finite WGS-84
coordinates and lie within a stated snapping distance of a road. The error names the place,
its distance from the network and whether it lies outside the network's area; a place whose
lat and lon look swapped (the swapped point lies on the network) is named as such.

The network's own travel times are checked where they are read
(:meth:`wuling_geo.network.model.RoadNetwork.travel_time`: finite and not negative).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wuling_geo._util.errors import InputError, OffNetworkError
from wuling_geo.network.model import RoadNetwork
from wuling_geo.network.snapping import PointSnaps, snap_points


@dataclass(frozen=True)
class OffNetwork:
    """A place too far from the network: its index, name, distance (m) and what is wrong."""

    index: int
    name: str
    distance_m: float
    reason: str


def _valid_lonlat(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)


def _inside(network: RoadNetwork, lon: float, lat: float) -> bool:
    west, south, east, north = network.edges.total_bounds
    return bool(west <= lon <= east and south <= lat <= north)


def _describe(network: RoadNetwork, what: str, name: str, lon: float, lat: float,
              distance_m: float, limit_m: float | None, swapped: bool) -> str:
    where = f"{what} {name} ({lon:.5f},{lat:.5f})"
    if swapped:
        return (f"{where} lies {distance_m / 1000:,.1f} km from the road network, but "
                f"{lat:.5f},{lon:.5f} lies on it: its lat and lon look swapped; give LON,LAT")
    area = "" if _inside(network, lon, lat) else " and outside the network's area"
    limit = "" if limit_m is None else f" (limit {limit_m / 1000:g} km)"
    return (f"{where} lies {distance_m / 1000:,.1f} km from the nearest road of the "
            f"network{area}{limit}: choose a place nearer a road, or a network that covers it")


def find_off_network(network: RoadNetwork, names: Sequence[str], lon, lat,
                     max_snap_m: float | None, what: str | Sequence[str] = "place"
                     ) -> tuple[PointSnaps, list[OffNetwork]]:
    """Snap places and return those farther than ``max_snap_m`` from every road, with why.

    Parameters
    ----------
    network
        The road network.
    names
        A name per place, for messages.
    lon, lat
        WGS-84 coordinates.
    max_snap_m
        Snapping distance (m); ``None`` accepts any distance (only coordinates that are not
        valid WGS-84 and swapped lat/lon are reported).
    what
        What the places are ("origin", "stop", "facility"), for messages: one for all, or
        one per place (places of several kinds snapped in one query).

    Returns
    -------
    snaps, off
        The snaps of every place (valid coordinates only; see :func:`snap_places`) and the
        places off the network.

    Raises
    ------
    InputError
        For coordinates that are not finite or not valid WGS-84 lon,lat.
    """
    lon = np.asarray(lon, dtype=float).reshape(-1)
    lat = np.asarray(lat, dtype=float).reshape(-1)
    kinds = [what] * len(lon) if isinstance(what, str) else list(what)
    ok = _valid_lonlat(lon, lat)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        if np.isfinite(lon[i]) and np.isfinite(lat[i]) and abs(lat[i]) > 90 >= abs(lon[i]):
            raise InputError(f"{kinds[i]} {names[i]} ({lon[i]:g},{lat[i]:g}) is not a valid "
                             f"lon,lat; its lat and lon look swapped: give it as "
                             f"{lat[i]:g},{lon[i]:g}")
        raise InputError(f"{kinds[i]} {names[i]} has no valid WGS-84 lon,lat ({lon[i]},"
                         f"{lat[i]}): give LON,LAT with -180 <= lon <= 180 and -90 <= lat <= 90")
    snaps = snap_points(network, lon, lat)
    limit = np.inf if max_snap_m is None else float(max_snap_m)
    # Swapped lat/lon is checked for every place off the network (beyond the limit, or
    # beyond the snapping distance of the analyses when any distance is accepted).
    check = snaps.distance_m > min(limit, _SWAP_CHECK_M)
    off: list[OffNetwork] = []
    idx = np.flatnonzero(check)
    if idx.size:
        s_lon, s_lat = lat[idx], lon[idx]
        can = _valid_lonlat(s_lon, s_lat)
        swapped = np.zeros(idx.size, dtype=bool)
        if can.any():
            alt = snap_points(network, s_lon[can], s_lat[can])
            swapped[np.flatnonzero(can)] = (alt.distance_m <= _SWAP_CHECK_M) & (
                alt.distance_m < snaps.distance_m[idx[can]])
        for k, i in enumerate(idx.tolist()):
            if not swapped[k] and snaps.distance_m[i] <= limit:
                continue
            message = _describe(network, kinds[i], names[i], lon[i], lat[i],
                                snaps.distance_m[i], max_snap_m, bool(swapped[k]))
            off.append(OffNetwork(int(i), names[i], float(snaps.distance_m[i]), message))
    return snaps, off


def snap_places(network: RoadNetwork, names: Sequence[str], lon, lat,
                max_snap_m: float | None, what: str | Sequence[str] = "place") -> PointSnaps:
    """Snap places to the network; raise :class:`InputError` for the first one off it.

    See :func:`find_off_network` for the parameters and the rules.

    Raises
    ------
    InputError
        For a place with invalid coordinates.
    OffNetworkError
        For a place farther than ``max_snap_m`` from every road, or whose lat and lon look
        swapped; the message names it and its distance.
    """
    snaps, off = find_off_network(network, names, lon, lat, max_snap_m, what)
    if off:
        raise OffNetworkError(off[0].reason)
    return snaps


#: Distance (m) within which a place's swapped point must lie for lat/lon to count as
#: swapped: the default snapping distance of the analyses (settings.catchment_max_snap_m).
_SWAP_CHECK_M = 2000.0
