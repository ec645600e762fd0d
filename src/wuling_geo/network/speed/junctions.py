"""Junction delays: time lost at traffic signals, stop and give-way signs and crossings.

OSM maps traffic control on nodes (:func:`wuling_geo.network.restrictions.control_kind`);
the importer splits the road graph at every such node, so a control is always the end of
the edges that approach it. An edge *into* a control node carries the control's delay
(seconds, from the profile's ``[junctions]`` table), added to its travel time, when the
control applies to that approach:

- ``direction=forward|backward`` (``traffic_signals:direction`` for signals) limits it to
  traffic along or against the way's node order;
- a ``stop`` or ``give_way`` sign without a direction on a junction of roads of different
  classes applies to the approaches of the lower classes only (the sign faces the minor
  road); among roads of one class it applies to every approach (an all-way stop);
- signals, crossings and level crossings without a direction apply to every approach.

A vehicle passing a control pays its delay once, and leaving from a control costs nothing.
Like the rest of an edge's time, the delay is spread along the edge when a point part-way
along it is timed (at most one delay early at the edge's start).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from wuling_geo.network.restrictions import CONTROL_KINDS

#: Road classes from the highest; links rank with their road, unknown classes last.
CLASS_RANK = {name: rank for rank, names in enumerate((
    ("motorway", "motorway_link"), ("trunk", "trunk_link"), ("primary", "primary_link"),
    ("secondary", "secondary_link"), ("tertiary", "tertiary_link"),
    ("unclassified", "residential", "road"), ("living_street",), ("service",)))
    for name in names}
_LOWEST = len(set(CLASS_RANK.values()))


def class_rank(highway: pd.Series) -> np.ndarray:
    """Return each edge's class rank (0 = motorway; higher = lower class)."""
    first = highway.astype(str).str.split(";").str[0].str.strip()
    return first.map(CLASS_RANK).fillna(_LOWEST).to_numpy(dtype=np.int64)


def junction_delays(edges: pd.DataFrame, controls: pd.DataFrame | None,
                    seconds: dict[str, float]) -> tuple[np.ndarray, Counter]:
    """Return each edge's junction delay (s) and how many approaches each kind delays.

    Parameters
    ----------
    edges
        Directed edges with ``u``, ``v``, ``reversed`` and ``highway``.
    controls
        Control nodes: ``node``, ``kind`` (one of :data:`CONTROL_KINDS`) and ``direction``
        (``forward``, ``backward`` or ``both``).
    seconds
        Delay per kind; kinds not listed cost nothing.

    Returns
    -------
    tuple
        Delays in edge order, and a count of delayed approaches by kind.
    """
    delay = np.zeros(len(edges))
    counts: Counter = Counter()
    if controls is None or not len(controls) or not len(edges):
        return delay, counts
    table = controls.drop_duplicates("node").set_index("node")
    v = edges["v"].to_numpy(dtype=np.int64)
    kind = pd.Series(v).map(table["kind"]).to_numpy(dtype=object)
    direction = pd.Series(v).map(table["direction"]).to_numpy(dtype=object)
    reversed_ = edges["reversed"].to_numpy(dtype=bool)
    applies = (direction == "both") | ((direction == "forward") & ~reversed_) | (
        (direction == "backward") & reversed_)
    signs = np.isin(kind, ("stop", "give_way")) & (direction == "both")
    if signs.any():
        rank = class_rank(edges["highway"])
        # the highest and lowest class of the roads at each edge's end node
        ends = np.r_[v, edges["u"].to_numpy(dtype=np.int64)]
        at_node = pd.Series(np.r_[rank, rank]).groupby(ends).agg(["min", "max"]).reindex(v)
        top, bottom = at_node["min"].to_numpy(), at_node["max"].to_numpy()
        # a sign faces the minor roads; among roads of one class, every one (an all-way sign)
        applies &= ~signs | (rank > top) | (top == bottom)
    for name in CONTROL_KINDS:
        hit = applies & (kind == name)
        value = float(seconds.get(name, 0.0))
        if hit.any() and value > 0:
            delay[hit] = value
            counts[name] = int(hit.sum())
    return delay, counts


def add_junction_delays(edges: pd.DataFrame, controls: pd.DataFrame | None,
                        seconds: dict[str, float], profiles: tuple[str, ...] = ("car", "truck")
                        ) -> Counter:
    """Add the junction delays to ``edges`` in place (``junction_delay_s`` and travel times).

    Returns
    -------
    collections.Counter
        The delayed approaches by kind.
    """
    delay, counts = junction_delays(edges, controls, seconds)
    edges["junction_delay_s"] = delay
    for profile in profiles:
        column = f"travel_time_{profile}"
        if column in edges:
            edges[column] = edges[column].to_numpy(dtype=float) + delay
    return counts
