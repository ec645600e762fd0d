"""Many points on a road network at once: vectorised snapping and times at snapped points.

Both rules live in the network's :class:`~wuling_geo.network.index.NetworkIndex`: snapping
(:meth:`~wuling_geo.network.index.NetworkIndex.snap_points`) and the point rule — a point
part-way along edge u→v is left or entered through either end of its edge (forwards over the
rest of the edge, or backwards over its reverse twin when the road is two-way), or along its
own road from a source on it. :mod:`wuling_geo.network.routing` uses the same rules.
"""

from __future__ import annotations

import numpy as np

from wuling_geo._util.errors import InputError
from wuling_geo.network.index import PointSnaps, link_cost
from wuling_geo.network.model import RoadNetwork, Snap

__all__ = ["PointSnaps", "snap_points", "times_at_points", "to_snaps"]


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
    return network.index.snap_points(lon, lat)


def to_snaps(network: RoadNetwork, snaps: PointSnaps) -> list[Snap]:
    """Return :class:`~wuling_geo.network.model.Snap` objects (for :mod:`wuling_geo.network.routing`)."""
    return network.index.to_snaps(snaps)


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
    index = network.index
    if direction not in ("to", "from"):
        raise InputError(f"unknown direction {direction!r}: use 'from' or 'to'")
    # "to": leave the point towards a node; "from": enter it from a node.
    node, via, share = index.links(points.edge, points.fraction, leave=direction == "to")
    cost = link_cost(via, share, node, times)
    best = np.full(len(points), np.inf)
    idx = np.full(len(points), -1, dtype=np.int64)
    for row in range(3):  # own edge, twin, the junction itself
        at = np.maximum(node[row], 0)
        via_row = node_seconds[at] + cost[row] if direction == "from" else cost[row] + node_seconds[at]
        better = via_row < best
        best = np.where(better, via_row, best)
        idx = np.where(better, which[at], idx)
    for j in range(len(sources)):  # points on a source's own road: drive along it
        ej, fj = sources.edge[j], sources.fraction[j]
        if direction == "to":
            d_via, start, end = index.direct(points.edge, points.fraction, ej, fj)
        else:
            d_via, start, end = index.direct(ej, fj, points.edge, points.fraction)
        direct = np.where(d_via >= 0, (end - start) * times[np.maximum(d_via, 0)], np.inf)
        better = direct < best
        best = np.where(better, direct, best)
        idx = np.where(better, j, idx)
    idx = np.where(np.isfinite(best), idx, -1)
    return best, idx.astype(np.int64)
