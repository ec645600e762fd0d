"""What a road network holds: size, km of road by class, speeds, components, provenance."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from wuling_geo.network import turns
from wuling_geo.network.model import RoadNetwork
from wuling_geo.network.truck_limits import LIMIT_COLUMNS, Vehicle

#: Speed bands (km/h) for the distribution of road length by speed.
SPEED_BANDS = (0, 20, 30, 40, 60, 80, 100, 130)


def road_km(network: RoadNetwork) -> pd.Series:
    """Return km of road per class, counting a two-way road once (not once per direction)."""
    edges = network.edges
    weight = np.where(edges["oneway"].to_numpy(dtype=bool), 1.0, 0.5) if "oneway" in edges \
        else 0.5
    km = edges["length"].to_numpy(dtype=float) * weight / 1000
    return pd.Series(km, index=edges["highway"].astype(str).to_numpy()).groupby(level=0).sum() \
        .sort_values(ascending=False)


def summarize(network: RoadNetwork) -> dict[str, Any]:
    """Return a JSON-ready summary of a network.

    Returns
    -------
    dict
        ``nodes``, ``edges``, ``road_km`` (total and by class), per profile the length-weighted
        speed quantiles and km of road per speed band, ``components`` (strong and weak) and
        the provenance (``source``, ``created``, ``attribution``, ``area``, ``profile``).

    Examples
    --------
    >>> import wuling_geo as wg
    >>> from wuling_geo.network.synthetic import grid_network
    >>> info = wg.summarize_network(grid_network(6, 6, spacing_m=1000))  # SYNTHETIC
    >>> info["nodes"], info["edges"], info["road_km"], info["components"]
    (36, 120, 60.0, {'strong': 1, 'weak': 1})
    """
    edges = network.edges
    by_class = road_km(network)
    out: dict[str, Any] = {
        "nodes": len(network.nodes),
        "edges": len(edges),
        "road_km": round(float(by_class.sum()), 3),
        "road_km_by_class": {k: round(float(v), 3) for k, v in by_class.items()},
    }
    weight = edges["length"].to_numpy(dtype=float)
    for profile in network.profiles:
        speed = edges[f"speed_kph_{profile}"].to_numpy(dtype=float)
        order = np.argsort(speed)
        cum = np.cumsum(weight[order])
        quant = {}
        for q in (0.1, 0.5, 0.9):
            i = int(np.searchsorted(cum, q * cum[-1])) if len(cum) and cum[-1] > 0 else 0
            quant[f"p{int(q * 100)}"] = round(float(speed[order][min(i, len(order) - 1)]), 1) \
                if len(order) else None
        bands = pd.cut(speed, (*SPEED_BANDS, np.inf), right=False)
        km = pd.Series(weight / 1000).groupby(bands, observed=False).sum()
        out[f"speed_{profile}"] = {
            "min": round(float(speed.min()), 1) if len(speed) else None,
            **quant,
            "max": round(float(speed.max()), 1) if len(speed) else None,
            "km_by_band": {f"{int(iv.left)}-{'' if np.isinf(iv.right) else int(iv.right)}":
                           round(float(v), 3) for iv, v in km.items()},
        }
    if len(edges):
        graph = network.csr(weight="length")
        out["components"] = {
            "strong": int(connected_components(graph, directed=True, connection="strong")[0]),
            "weak": int(connected_components(graph, directed=True, connection="weak")[0]),
        }
    meta = network.meta
    for key in ("source", "created", "attribution", "kind"):
        if key in meta:
            out[key] = meta[key]
    if isinstance(meta.get("area"), dict):
        out["area"] = meta["area"].get("label")
    if isinstance(meta.get("profile"), dict):
        out["profile"] = meta["profile"]
    if isinstance(meta.get("hygiene"), dict):
        out["hygiene"] = meta["hygiene"]
    if "railways" in meta:
        out["railways"] = meta["railways"]
    if isinstance(meta.get("turns"), dict):
        out["turn_rules"] = meta["turns"]
    out["turn_costs"] = meta.get("turn_costs")
    if "truck" in network.profiles:
        out["truck"] = truck_summary(network)
    return out


def truck_summary(network: RoadNetwork) -> dict[str, Any]:
    """Return the truck's vehicle, how many edges carry each limit and how many it may not use."""
    vehicle = Vehicle.from_settings()
    edges = network.edges
    row = turns.restriction_summary(network).set_index("profile").loc["truck"]
    return {"vehicle": asdict(vehicle),
            "edges_with": {c: int(edges[c].notna().sum()) if c in edges else 0
                           for c in LIMIT_COLUMNS}
            | {"hgv_closed": int((~edges["truck_allowed"].astype(bool)).sum())
               if "truck_allowed" in edges else 0},
            "closed_edges": int(row["closed_edges"]),
            "blocking_barriers": int(row["blocking_barriers"])}


def summary_line(network: RoadNetwork) -> str:
    """Return a one-line summary: nodes, edges, km of road, source and date."""
    s = summarize(network)
    source = s.get("source", "unknown source")
    created = str(s.get("created", ""))[:10]
    return (f"road network: {s['nodes']:,} nodes, {s['edges']:,} edges, {s['road_km']:,.1f} km "
            f"of road ({source}{', ' + created if created else ''})")
