"""Multimodal reach: where a traveller can be within given times by rail or air, then road.

The start may lie inside or outside the district.

The model, in two stages:

1. **Stops.** The start and the services' stops are points. Between any two of them the
   ground time is the least of: a straight walk at :data:`~wuling_geo.settings.access_speed_kph`;
   when both lie on the road network (within :data:`~wuling_geo.settings.offnetwork_snap_m`
   of a road), the road time plus the walks to and from the road; when either lies off it
   (central Chongqing for a Qianjiang network), a straight line at
   :data:`~wuling_geo.settings.offnetwork_speed_kph` (an assumption, printed when used).
   A service adds its wait (boarding allowance, plus half the headway when
   ``service_hours`` is given) and its in-vehicle time. Dijkstra over this small graph
   gives the earliest arrival at every stop.
2. **Roads.** Every point on the network, reached at time *a*, starts a road search with
   offset *a* + its walk to the road; each node keeps the earliest arrival. Bands of
   arrival time are drawn like catchments.

So a service with zero time and zero wait from A to B makes reach from A equal to road
reach from {A, B}; a service that does not run (frequency 0) changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import Geod
from scipy.sparse import csgraph

from wuling_geo import settings
from wuling_geo._util.errors import OffNetworkError
from wuling_geo.analysis.catchments.arrival_bands import bands_from_node_times
from wuling_geo.analysis.catchments.bands import check_minutes
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.places import Site, as_site
from wuling_geo.data.services import (
    MODES,
    Service,
    ServiceStop,
    ServiceTable,
    load_services,
    parse_services,
)
from wuling_geo.network import routing
from wuling_geo.network.model import RoadNetwork
from wuling_geo.network.snapping import snap_points, to_snaps
from wuling_geo.network.validation import find_off_network

_GEOD = Geod(ellps="WGS84")
ORIGIN = "origin"


@dataclass
class Reach:
    """The result of :func:`reach`.

    ``node_seconds`` is the earliest arrival (s) at every node (``inf`` beyond the largest
    band); ``stops`` the arrival at each point with the way there; ``bands`` the arrival
    bands; ``notes`` what was skipped or assumed.
    """

    node_seconds: np.ndarray
    stops: pd.DataFrame
    bands: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)


def _ground_times(network: RoadNetwork, points: list[Site], profile: str, walk_mps: float,
                  far_mps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Return ground times (s) between points, entry times to the network, mask and snaps.

    A point's entry time is the straight leg to its snap: walked when it is on the network,
    at the off-network speed otherwise.
    """
    k = len(points)
    lon = np.array([p.lon for p in points])
    lat = np.array([p.lat for p in points])
    snaps = snap_points(network, lon, lat)
    on_net = snaps.distance_m <= settings.offnetwork_snap_m
    entry = snaps.distance_m / np.where(on_net, walk_mps, far_mps)
    all_snaps = to_snaps(network, snaps)
    ii, jj = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    _, _, crow = _GEOD.inv(lon[ii.ravel()], lat[ii.ravel()], lon[jj.ravel()], lat[jj.ravel()])
    crow = np.asarray(crow).reshape(k, k)
    ground = crow / walk_mps
    off = ~(on_net[:, None] & on_net[None, :])
    ground = np.where(off, np.minimum(ground, crow / far_mps), ground)
    on = np.nonzero(on_net)[0]
    if on.size:
        sub = [all_snaps[i] for i in on]
        road = routing.travel_time_matrix(network, sub, sub, profile)
        road = road + entry[on][:, None] + entry[on][None, :]
        block = ground[np.ix_(on, on)]
        ground[np.ix_(on, on)] = np.minimum(block, road)
    np.fill_diagonal(ground, 0.0)
    return ground, entry, on_net, all_snaps


def reach(network: RoadNetwork, origin, services: ServiceTable | None = None,
          minutes: Sequence[float] = (60, 90, 120), profile: str = "car",
          layers=None, geocoder: Geocoder | None = None) -> Reach:
    """Return where a traveller starting at ``origin`` can be within ``minutes``.

    Parameters
    ----------
    network
        The road network (travel after the last scheduled leg is by road).
    origin
        The start: a gazetteer name, id or alias, ``"lon,lat"``, a
        :class:`~wuling_geo.data.places.Site`, geocoder resolution or ``(lon, lat)`` (see
        :func:`wuling_geo.data.places.as_sites`); it may lie outside the district.
    services
        Scheduled legs (:func:`load_services`); ``None`` for road only.
    minutes
        Band limits in minutes (e.g. 60 90 120).
    profile
        Road profile, ``"car"`` or ``"truck"``.
    layers
        Features to list inside each band, as for :func:`wuling_geo.analysis.catchments.bands.catchments`.
    geocoder
        Resolves a place name (default: the shipped gazetteer).

    Returns
    -------
    Reach
        Bands with the columns of :data:`wuling_geo.analysis.catchments.bands.COLUMNS` (``mode``
        ``"multimodal"``), nested, drawn like catchments.

    Examples
    --------
    Road only (no services) on a SYNTHETIC grid:

    >>> import wuling_geo as wg
    >>> from wuling_geo.network.synthetic import grid_network
    >>> net = grid_network(6, 6, spacing_m=1000, origin=(108.74, 29.42))
    >>> result = wg.reach(net, ("a", "SYNTHETIC A", 108.74, 29.42), minutes=(3,))
    >>> list(result.bands["origin_id"]), list(result.bands["minutes"])
    (['a'], [3.0])
    """
    limits = check_minutes(minutes)
    given = as_site(origin, geocoder, "start")
    # The shared place check: any distance is accepted (the start may lie off the network),
    # but not coordinates that are invalid or whose lat and lon look swapped.
    _, off = find_off_network(network, [given.name], [given.lon], [given.lat], None, "start")
    if off:
        raise OffNetworkError(off[0].reason)
    origin_id = given.id
    start = Site(ORIGIN, given.name, given.lon, given.lat)
    table = services or ServiceTable({}, [])
    notes = list(table.notes)
    legs = table.legs()
    used = sorted({stop for _, a, b in legs for stop in (a, b)})
    stops: list[ServiceStop] = [table.stops[s] for s in used]
    points = [start]
    for s in stops:
        assert s.lon is not None and s.lat is not None  # legs() keeps only resolved stops
        points.append(Site(s.id, s.name, float(s.lon), float(s.lat)))
    walk_mps = settings.access_speed_kph / 3.6
    far_mps = settings.offnetwork_speed_kph / 3.6
    ground, entry, on_net, snaps = _ground_times(network, points, profile, walk_mps, far_mps)
    index = {p.id: i for i, p in enumerate(points)}
    k = len(points)
    graph = ground.copy()
    via = np.full((k, k), "ground", dtype=object)
    for service, a, b in legs:
        in_vehicle = service.in_vehicle_minutes
        assert in_vehicle is not None  # legs() keeps only services with an in-vehicle time
        seconds = (service.wait_minutes + in_vehicle) * 60
        i, j = index[a], index[b]
        if seconds < graph[i, j]:
            graph[i, j], via[i, j] = seconds, service.id
    # csgraph drops zero (and, from dense input, tiny) weights: pass a sparse matrix with
    # zero-time legs carried as a tiny positive time.
    ii, jj = np.nonzero(np.isfinite(graph) & ~np.eye(k, dtype=bool))
    sparse = sp.csr_matrix((np.maximum(graph[ii, jj], 1e-9), (ii, jj)), shape=(k, k))
    arrival, pred = csgraph.dijkstra(sparse, directed=True, indices=0, return_predecessors=True)
    arrival[0] = 0.0
    top = max(limits) * 60
    if not on_net[0] and entry[0] > top and not (arrival[1:] <= top).any():
        raise OffNetworkError(
            f"start {given.name} ({given.lon:.5f},{given.lat:.5f}) lies "
            f"{snaps[0].distance_m / 1000:,.1f} km from the road network and reaches neither it "
            f"nor a scheduled stop within {max(limits):g} min: start nearer the network or a "
            "stop of the services file")
    if not on_net[0]:
        notes.append(f"the start lies {snaps[0].distance_m / 1000:.1f} km from the road network: "
                     f"legs off the network are straight lines at {settings.offnetwork_speed_kph:g} "
                     "km/h (settings.offnetwork_speed_kph, an assumption)")
    elif not on_net.all():
        off_names = ", ".join(p.name for p, on in zip(points, on_net, strict=True) if not on)
        notes.append(f"{off_names} lie(s) off the road network: ground legs to and from them are "
                     f"straight lines at {settings.offnetwork_speed_kph:g} km/h "
                     "(settings.offnetwork_speed_kph, an assumption)")
    rows = []
    for i, p in enumerate(points):
        way, j = [], i
        while j > 0 and pred[j] >= 0:
            way.append(via[pred[j], j] if via[pred[j], j] != "ground" else f"ground to {points[j].id}")
            j = pred[j]
        rows.append({"id": p.id, "name": p.name, "lon": p.lon, "lat": p.lat,
                     "arrival_minutes": round(arrival[i] / 60, 6) if np.isfinite(arrival[i])
                     else np.nan,
                     "on_network": bool(on_net[i]), "via": " → ".join(reversed(way))})
    # Every reached point enters the road network at its snap: the road search starts there.
    limit = limits[-1] * 60
    offsets = arrival + entry
    sources = [i for i in range(k) if offsets[i] <= limit]
    node_seconds = np.full(len(network.nodes), np.inf)
    if sources:
        times = routing.node_times(network, [snaps[i] for i in sources], profile, limit=limit,
                                   direction="from")
        node_seconds = (times + offsets[sources][:, None]).min(axis=0)
        node_seconds[node_seconds > limit] = np.inf
    else:
        notes.append(f"no road is reached within {limits[-1]:g} minutes: check the services' "
                     "stops and times, or start nearer the network")
    bands = bands_from_node_times(network, node_seconds, [snaps[i] for i in sources],
                                  offsets[sources], limits, profile, origin_id=origin_id,
                                  origin_name=start.name, origin_lonlat=(start.lon, start.lat),
                                  layers=layers)
    bands.attrs["attribution"] = str(network.meta.get("attribution", ""))
    return Reach(node_seconds, pd.DataFrame(rows), bands, notes)


__all__ = ["MODES", "Reach", "Service", "ServiceStop", "ServiceTable", "load_services",
           "parse_services", "reach"]
