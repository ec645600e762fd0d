"""SYNTHETIC road networks for examples and tests. Not Qianjiang data: never show them as such.

A grid is laid out in metres in a UTM zone and converted to WGS-84, so its lengths and
travel times are known exactly; its metadata says ``synthetic`` and its source
:data:`SYNTHETIC_LABEL`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from wuling_geo._util.geo import utm_crs
from wuling_geo.network.model import RoadNetwork

SYNTHETIC_LABEL = "SYNTHETIC test network (not real roads)"


def grid_network(nx: int = 5, ny: int = 5, spacing_m: float = 1000.0, speed_kph: float = 36.0,
                 origin: tuple[float, float] = (108.70, 29.45),
                 truck_factor: float = 0.8) -> RoadNetwork:
    """Return a SYNTHETIC ``nx`` × ``ny`` grid of two-way streets ``spacing_m`` apart.

    Node ids are ``j * nx + i + 1`` for column ``i`` and row ``j``; the ``origin`` corner
    (lon, lat) is node 1. Every edge takes ``spacing_m / (speed_kph / 3.6)`` seconds by car,
    ``truck_factor`` times the speed by truck.

    Examples
    --------
    >>> net = grid_network(3, 3, spacing_m=1000, speed_kph=36)
    >>> len(net.nodes), len(net.edges), round(float(net.edges["travel_time_car"].iloc[0]))
    (9, 24, 100)
    """
    crs = utm_crs(*origin)
    to_m = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x0, y0 = to_m.transform(*origin)
    ids, xs, ys = [], [], []
    for j in range(ny):
        for i in range(nx):
            ids.append(j * nx + i + 1)
            xs.append(x0 + i * spacing_m)
            ys.append(y0 + j * spacing_m)
    lon, lat = to_ll.transform(np.array(xs), np.array(ys))
    nodes = pd.DataFrame({"x": lon, "y": lat}, index=pd.Index(ids, name="node", dtype="int64"))
    rows = []
    for j in range(ny):
        for i in range(nx):
            a = j * nx + i + 1
            for di, dj in ((1, 0), (0, 1)):
                if i + di < nx and j + dj < ny:
                    b = (j + dj) * nx + (i + di) + 1
                    rows.append((a, b))
                    rows.append((b, a))
    return from_edge_list(nodes, rows, speed_kph, truck_factor, crs)


def from_edge_list(nodes: pd.DataFrame, pairs, speed_kph: float | dict = 36.0,
                   truck_factor: float = 0.8, crs=None) -> RoadNetwork:
    """Return a SYNTHETIC network from node coordinates and (u, v) pairs, straight edges.

    Lengths are measured in the UTM zone of the first node; ``speed_kph`` may be a dict
    keyed by ``(u, v)``.
    """
    crs = crs or utm_crs(float(nodes["x"].iloc[0]), float(nodes["y"].iloc[0]))
    geoms, us, vs = [], [], []
    for u, v in pairs:
        geoms.append(shapely.LineString([(nodes.at[u, "x"], nodes.at[u, "y"]),
                                         (nodes.at[v, "x"], nodes.at[v, "y"])]))
        us.append(u)
        vs.append(v)
    edges = gpd.GeoDataFrame({"u": us, "v": vs, "key": 0}, geometry=geoms, crs="EPSG:4326")
    edges["length"] = edges.geometry.to_crs(crs).length.to_numpy()
    speeds = np.array([speed_kph.get((u, v)) if isinstance(speed_kph, dict) else speed_kph
                       for u, v in pairs], dtype=float)
    edges["highway"] = "residential"
    edges["name"] = None
    edges["oneway"] = False
    edges["speed_kph_car"] = speeds
    edges["travel_time_car"] = edges["length"] / (speeds / 3.6)
    edges["speed_kph_truck"] = speeds * truck_factor
    edges["travel_time_truck"] = edges["length"] / (speeds * truck_factor / 3.6)
    meta = {"source": SYNTHETIC_LABEL, "synthetic": True, "attribution": "synthetic"}
    return RoadNetwork(nodes, edges, meta)
