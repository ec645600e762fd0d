"""Many points on a road network at once: vectorised snapping and times at snapped points.

Times at snapped points are interpolated along their edges from per-node times.

A point part-way along edge u→v (``fraction`` f from u) is left or entered through either
end of its edge: forwards over the rest of the edge, or backwards over its reverse twin
when the road is two-way — the same rule as :mod:`wuling_geo.network.routing`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer

from wuling_geo import settings
from wuling_geo._util.errors import InputError, NetworkError
from wuling_geo.network.model import RoadNetwork, Snap
from wuling_geo.network.routing import _AT_NODE, reverse_edges


@dataclass(frozen=True)
class PointSnaps:
    """Snaps of many points.

    Per point: the edge index, the fraction along it from ``u`` and the straight distance
    (m) from the point to the road.
    """

    edge: np.ndarray
    fraction: np.ndarray
    distance_m: np.ndarray

    def __len__(self) -> int:
        return len(self.edge)


def snap_points(network: RoadNetwork, lon, lat) -> PointSnaps:
    """Snap WGS-84 points to their nearest edges in one vectorised query.

    Parameters
    ----------
    network
        The road network.
    lon, lat
        Arrays (or sequences) of WGS-84 coordinates.

    Returns
    -------
    PointSnaps
    """
    if len(network.edges) == 0:
        raise NetworkError("the network has no edges")
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.size == 0:
        empty = np.zeros(0)
        return PointSnaps(np.zeros(0, dtype=np.int64), empty, empty)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise InputError("a point has no finite lon,lat: give WGS-84 coordinates")
    to_m = Transformer.from_crs(settings.storage_crs, network.crs_metric, always_xy=True)
    pts = shapely.points(*to_m.transform(lon, lat))
    which, edge = network._edge_tree.query_nearest(pts, all_matches=False)
    order = np.argsort(which, kind="stable")
    edge = edge[order].astype(np.int64)
    lines = network._edges_metric[edge]
    frac = shapely.line_locate_point(lines, pts, normalized=True)
    frac = np.clip(np.nan_to_num(frac, nan=0.0), 0.0, 1.0)
    return PointSnaps(edge, frac, shapely.distance(lines, pts))


def to_snaps(network: RoadNetwork, snaps: PointSnaps) -> list[Snap]:
    """Return :class:`~wuling_geo.network.model.Snap` objects (for :mod:`wuling_geo.network.routing`)."""
    to_ll = Transformer.from_crs(network.crs_metric, settings.storage_crs, always_xy=True)
    snapped = shapely.line_interpolate_point(network._edges_metric[snaps.edge], snaps.fraction,
                                             normalized=True)
    lon, lat = to_ll.transform(shapely.get_x(snapped), shapely.get_y(snapped))
    u = network.edges["u"].to_numpy()[snaps.edge]
    v = network.edges["v"].to_numpy()[snaps.edge]
    return [Snap(int(e), int(a), int(b), float(f), float(d), shapely.Point(x, y))
            for e, a, b, f, d, x, y in zip(snaps.edge, u, v, snaps.fraction, snaps.distance_m,
                                           lon, lat, strict=True)]


def times_at_points(network: RoadNetwork, node_seconds: np.ndarray, which: np.ndarray,
                    points: PointSnaps, sources: PointSnaps, profile: str = "car",
                    direction: str = "to") -> tuple[np.ndarray, np.ndarray]:
    """Return the road time (s) between each point and its nearest source, and which source.

    Parameters
    ----------
    network
        The road network.
    node_seconds, which
        Per node, the time to/from the nearest source and its index, as returned by
        :func:`wuling_geo.network.routing.nearest_times` with the same ``direction``.
    points
        The snapped points to evaluate.
    sources
        The snapped sources of that search (for points on a source's own edge).
    profile
        Vehicle profile of the search.
    direction
        ``"to"``: from each point to the nearest source; ``"from"``: from the nearest
        source to each point.

    Returns
    -------
    seconds, index
        Road seconds (``inf`` if unreachable) and the source index (-1 if unreachable).
    """
    times = network.travel_time(profile)
    twin = reverse_edges(network)
    e, f = points.edge, points.fraction
    u, v = network.edge_u[e], network.edge_v[e]
    tw = twin[e]
    t_fwd = times[e]
    t_back = times[np.maximum(tw, 0)]  # only used where the twin exists (tw >= 0)
    if direction == "to":  # leave the point forwards to v, or backwards (twin) to u
        via_fwd, node_fwd = (1 - f) * t_fwd + node_seconds[v], v
        via_back, node_back = f * t_back + node_seconds[u], u
    elif direction == "from":  # enter the point from u forwards, or from v over the twin
        via_fwd, node_fwd = node_seconds[u] + f * t_fwd, u
        via_back, node_back = node_seconds[v] + (1 - f) * t_back, v
    else:
        raise InputError(f"unknown direction {direction!r}: use 'from' or 'to'")
    via_back = np.where(tw >= 0, via_back, np.inf)
    best = np.minimum(via_fwd, via_back)
    idx = np.where(via_fwd <= via_back, which[node_fwd], which[node_back])
    # A point at a junction is that junction, even on a one-way road.
    for at_node, node in ((f <= _AT_NODE, u), (f >= 1 - _AT_NODE, v)):
        better = at_node & (node_seconds[node] < best)
        best = np.where(better, node_seconds[node], best)
        idx = np.where(better, which[node], idx)
    for j in range(len(sources)):  # points on a source's own road: drive along it
        ej, fj = sources.edge[j], sources.fraction[j]
        same = e == ej
        on_twin = (tw == ej) & (tw >= 0)
        if direction == "to":
            direct_same = np.where(same & (fj >= f), (fj - f) * t_fwd, np.inf)
            direct_twin = np.where(on_twin & (fj >= 1 - f), (fj - (1 - f)) * t_back, np.inf)
        else:
            direct_same = np.where(same & (fj <= f), (f - fj) * t_fwd, np.inf)
            direct_twin = np.where(on_twin & (fj <= 1 - f), ((1 - f) - fj) * t_back, np.inf)
        direct = np.minimum(direct_same, direct_twin)
        better = direct < best
        best = np.where(better, direct, best)
        idx = np.where(better, j, idx)
    idx = np.where(np.isfinite(best), idx, -1)
    return best, idx.astype(np.int64)
