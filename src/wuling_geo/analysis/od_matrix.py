"""Origin–destination matrices: fastest road time and its road distance for every pair.

Once the network has a contraction hierarchy (:mod:`wuling_geo.network.contraction`, built
for a large matrix and stored in the cache), the times and road metres to the destinations'
road ends come from its many-to-many search. Otherwise one Dijkstra search per origin (on
scipy's compiled code, origins in chunks) gives the times to every node and the
shortest-path tree; the road distance along that tree is summed by pointer jumping
(:func:`wuling_geo._util.trees.tree_lengths`). Both give the same answers. Destinations
are read off the per-node results with the point rule of the network's index
(:class:`wuling_geo.network.index.NetworkIndex`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csgraph

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo._util.progress import bar
from wuling_geo._util.spans import spans
from wuling_geo._util.trees import tree_lengths
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.places import as_sites
from wuling_geo.network import contraction, routing, turns
from wuling_geo.network.index import link_cost
from wuling_geo.network.model import RoadNetwork
from wuling_geo.network.snapping import PointSnaps
from wuling_geo.network.validation import snap_places

COLUMNS = ("origin_id", "origin_name", "destination_id", "destination_name", "minutes", "km",
           "reachable")
#: Origins searched together (memory: chunk × nodes × 8 bytes per array).
CHUNK = 32
#: Road metres are summed over the whole tree when more than 1/WALK_FACTOR of the nodes are
#: destination ends, else by walking up from those ends.
WALK_FACTOR = 64
#: With ``engine="auto"``, a matrix from at least this many origins builds the network's
#: contraction hierarchy if it has none yet (the build costs about as much as 2,000 plain
#: searches, once: it is stored for every later matrix); fewer origins use it if it exists.
CH_MIN_ORIGINS = 200


def _use_ch(network: RoadNetwork, profile: str, engine: str, k: int, m: int) -> bool:
    """Return whether to answer with the contraction hierarchy."""
    if engine not in {"auto", "ch", "dijkstra"}:
        raise InputError(f"unknown matrix engine {engine!r}: use 'auto', 'ch' or 'dijkstra'")
    if engine != "auto":
        return engine == "ch"
    return k >= CH_MIN_ORIGINS or contraction.is_built(network, profile)


def _step_meters(network: RoadNetwork, parent: np.ndarray, child: np.ndarray,
                 origins: PointSnaps, lengths: np.ndarray,
                 pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Return the metres of tree edges parent → child (a parent ≥ n is an origin's virtual node)."""
    n = len(network.nodes)
    keys, edges = pairs
    out = np.empty(len(parent))
    real = parent < n
    out[real] = lengths[edges[np.searchsorted(keys, parent[real].astype(np.int64) * n
                                              + child[real])]]
    i = parent[~real] - n  # the first, partial edge out of an origin's virtual node
    e, f = origins.edge[i], origins.fraction[i]
    forward = child[~real] == network.edge_v[e]
    # Backwards over the twin; on a one-way road only the zero link of a junction snap.
    twin = network.index.twin[e]
    back = np.where(twin >= 0, lengths[np.maximum(twin, 0)], lengths[e])
    out[~real] = np.where(forward, (1 - f) * lengths[e], f * back)
    return out


def _tree_meters(network: RoadNetwork, pred: np.ndarray, origins: PointSnaps,
                 lengths: np.ndarray, pairs: tuple[np.ndarray, np.ndarray],
                 nodes: np.ndarray) -> np.ndarray:
    """Return road metres along each search's tree to ``nodes`` (rows × len(nodes)).

    Many nodes: sum over the whole tree by pointer jumping (O(N log depth)); few: walk up
    from just those nodes (O(depth · len(nodes))).
    """
    rows, size = pred.shape
    if len(nodes) * WALK_FACTOR > size:
        col = np.broadcast_to(np.arange(size), (rows, size))
        step = np.zeros((rows, size))
        has = pred >= 0
        step[has] = _step_meters(network, pred[has], col[has], origins, lengths, pairs)
        offset = (np.arange(rows) * size)[:, None]
        flat_pred = np.where(has, pred + offset, -1).ravel()
        return tree_lengths(flat_pred, step.ravel()).reshape(rows, size)[:, nodes]
    n = len(network.nodes)
    cur = np.broadcast_to(nodes, (rows, len(nodes))).astype(np.int64)
    row = np.broadcast_to(np.arange(rows)[:, None], cur.shape)
    total = np.zeros(cur.shape)
    live = pred[row, cur] >= 0
    while live.any():
        r, c = row[live], cur[live]
        parent = pred[r, c].astype(np.int64)
        total[live] += _step_meters(network, parent, c, origins, lengths, pairs)
        cur[live] = parent
        live[live] = (parent < n) & (pred[r, np.minimum(parent, size - 1)] >= 0)
    return total


def od_arrays(network: RoadNetwork, origins: PointSnaps, targets: PointSnaps,
              profile: str = "car", engine: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Return (seconds, metres) from each snapped origin to each snapped target.

    Unreachable pairs are ``inf``. Metres are measured along the fastest path found.
    ``engine``: ``"dijkstra"`` (one scipy search per origin), ``"ch"`` (the network's
    contraction hierarchy, :mod:`wuling_geo.network.contraction`, built once and cached) or
    ``"auto"`` (``"ch"`` from :data:`CH_MIN_ORIGINS` origins or once the hierarchy exists).
    Both give the same times and distances.
    """
    # --- turn hook: restrictions or barriers for this profile need the edge-based search.
    if turns.applies(network, profile):
        return turns.od_arrays(network, network.index.to_snaps(origins),
                               network.index.to_snaps(targets), profile)
    # --- end turn hook
    times = network.travel_time(profile)
    lengths = network.edges["length"].to_numpy(dtype=float)
    if _use_ch(network, profile, engine, len(origins), len(targets)):
        seconds, meters = contraction.point_matrix(network, origins, targets, times, lengths,
                                                   profile)
    else:
        seconds, meters = _searched(network, origins, targets, times, lengths, profile)
    _along_shared_roads(network, origins, targets, times, lengths, seconds, meters)
    meters[~np.isfinite(seconds)] = np.inf
    return seconds, meters


def _searched(network: RoadNetwork, origins: PointSnaps, targets: PointSnaps,
              times: np.ndarray, lengths: np.ndarray, profile: str
              ) -> tuple[np.ndarray, np.ndarray]:
    """Return (seconds, metres) through the roads' ends by one Dijkstra search per origin."""
    index = network.index
    n, k, m = len(network.nodes), len(origins), len(targets)
    # Targets are entered through the start of their edge, over the twin from its end, or
    # are the junction itself (the index's point rule).
    node, via, share = index.links(targets.edge, targets.fraction, leave=False)
    cost_s = link_cost(via, share, node, times)
    cost_m = link_cost(via, share, node, lengths)
    needed = np.unique(node[node >= 0])
    if not len(needed):
        needed = np.zeros(1, dtype=np.int64)
    col = np.searchsorted(needed, np.maximum(node, 0))  # where node < 0 the cost is inf
    graph = routing.search_graph(network, index.to_snaps(origins), profile, "from")
    pairs = index.pair_edges(profile)
    seconds = np.full((k, m), np.inf)
    meters = np.full((k, m), np.inf)
    with bar("origins", total=k, unit="origin") as progress:
        for start in range(0, k, CHUNK):
            idx = np.arange(start, min(start + CHUNK, k))
            full, pred = csgraph.dijkstra(graph, directed=True, indices=n + idx,
                                          return_predecessors=True)
            dist = full[:, needed]
            dist_m = _tree_meters(network, pred, origins, lengths, pairs, needed)
            opt = np.stack([dist[:, col[row]] + cost_s[row] for row in range(3)])
            opt_m = np.stack([dist_m[:, col[row]] + cost_m[row] for row in range(3)])
            choice = np.argmin(opt, axis=0)
            seconds[idx] = np.take_along_axis(opt, choice[None], 0)[0]
            meters[idx] = np.take_along_axis(opt_m, choice[None], 0)[0]
            progress.update(len(idx))
    return seconds, meters


def _along_shared_roads(network: RoadNetwork, origins: PointSnaps, targets: PointSnaps,
                        times: np.ndarray, lengths: np.ndarray, seconds: np.ndarray,
                        meters: np.ndarray) -> None:
    """Where an origin lies on a target's road and driving along it is faster, take that drive.

    Updates ``seconds`` and ``meters`` in place; only the pairs on one road (the same edge,
    or an edge and its twin) are looked at
    (:meth:`~wuling_geo.network.index.NetworkIndex.direct`).
    """
    index = network.index
    t_edge = targets.edge
    order = np.argsort(t_edge, kind="stable")
    ordered = t_edge[order]
    rows, cols = [], []
    for road in (origins.edge, index.twin[origins.edge]):  # no twin: -1, matching no edge
        lo = np.searchsorted(ordered, road, "left")
        count = np.searchsorted(ordered, road, "right") - lo
        rows.append(np.repeat(np.arange(len(road)), count))
        cols.append(order[spans(lo, count)])
    i, j = np.concatenate(rows), np.concatenate(cols)
    if not len(i):
        return
    via, start, end = index.direct(origins.edge[i], origins.fraction[i], t_edge[j],
                                   targets.fraction[j])
    span, at = end - start, np.maximum(via, 0)
    drive = np.where(via >= 0, span * times[at], np.inf)
    better = drive < seconds[i, j]  # ties keep the path through the junctions
    i, j, span, at = i[better], j[better], span[better], at[better]
    seconds[i, j] = drive[better]
    meters[i, j] = span * lengths[at]


def od_matrix(network: RoadNetwork, origins, destinations, profile: str = "car",
              geocoder: Geocoder | None = None, engine: str = "auto") -> pd.DataFrame:
    """Return the fastest road time and its road distance for every origin–destination pair.

    Points are snapped to their nearest road; times run between the snapped points.

    Parameters
    ----------
    network
        The road network.
    origins, destinations
        Places: gazetteer names, ids or aliases, ``"lon,lat"``, geocoder resolutions,
        ``(id, name, lon, lat)`` tuples, ``(lon, lat)`` pairs, a point GeoDataFrame … (see
        :func:`wuling_geo.data.places.as_sites`).
    profile
        ``"car"`` or ``"truck"``.
    geocoder
        Resolves place names (default: the shipped gazetteer).
    engine
        ``"auto"``, ``"ch"`` or ``"dijkstra"``, as for :func:`od_arrays` (the same numbers).

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per pair in origin-major order: ``origin_id``, ``origin_name``,
        ``destination_id``, ``destination_name``, ``minutes``, ``km`` (along the fastest
        path), ``reachable``, plus ``origin_snap_m``/``destination_snap_m`` (distance from
        each place to its road). Unreachable pairs have ``reachable`` False and NaN
        minutes and km — never zero. ``attrs`` carry the profile and attribution.

    Raises
    ------
    InputError
        If there are no origins or no destinations.
    NetworkError
        If the network lacks the profile's travel times.

    Examples
    --------
    On a SYNTHETIC grid of 1 km blocks at 36 km/h, two blocks apart:

    >>> import wuling_geo as wg
    >>> from wuling_geo.network.synthetic import grid_network
    >>> net = grid_network(6, 6, spacing_m=1000, origin=(108.74, 29.42))
    >>> a, b = [tuple(net.nodes.loc[n, ["x", "y"]]) for n in (1, 3)]
    >>> m = wg.od_matrix(net, [("a", "SYNTHETIC A", *a)], [("b", "SYNTHETIC B", *b)])
    >>> m[["origin_id", "destination_id", "minutes", "km"]].round(2).to_dict("records")
    [{'origin_id': 'a', 'destination_id': 'b', 'minutes': 3.33, 'km': 2.0}]
    """
    o_sites = as_sites(origins, geocoder, "origin")
    d_sites = as_sites(destinations, geocoder, "destination")
    if not o_sites or not d_sites:
        raise InputError("an OD matrix needs at least one origin and one destination")
    if profile not in network.profiles:  # fail early (od_arrays checks the times' values)
        network.travel_time(profile)
    k, m = len(o_sites), len(d_sites)
    places = o_sites + d_sites  # one snapping query for both sides
    snaps = snap_places(network, [s.name for s in places], [s.lon for s in places],
                        [s.lat for s in places], settings.max_snap_m,
                        ["origin"] * k + ["destination"] * m)
    o_snap = PointSnaps(snaps.edge[:k], snaps.fraction[:k], snaps.distance_m[:k])
    d_snap = PointSnaps(snaps.edge[k:], snaps.fraction[k:], snaps.distance_m[k:])
    seconds, meters = od_arrays(network, o_snap, d_snap, profile, engine)
    ok = np.isfinite(seconds).ravel()
    row, col = np.repeat(np.arange(k), m), np.tile(np.arange(m), k)

    # Each side's ids and names are converted to pandas' text type once, then repeated.
    o_text = pd.Index([s.id for s in o_sites] + [s.name for s in o_sites]).array
    d_text = pd.Index([s.id for s in d_sites] + [s.name for s in d_sites]).array
    frame = pd.DataFrame({
        "origin_id": o_text.take(row),
        "origin_name": o_text.take(row + k),
        "destination_id": d_text.take(col),
        "destination_name": d_text.take(col + m),
        "minutes": np.where(ok, seconds.ravel() / 60, np.nan),
        "km": np.where(ok, meters.ravel() / 1000, np.nan),
        "reachable": ok,
        "origin_snap_m": np.repeat(o_snap.distance_m, m),
        "destination_snap_m": np.tile(d_snap.distance_m, k),
    }, copy=False)
    frame.attrs.update(profile=profile, attribution=str(network.meta.get("attribution", "")))
    return frame

