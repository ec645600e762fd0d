"""Catchments on SYNTHETIC networks whose answers are known exactly: a straight road, a
one-way road, a square ring road (a hole), a junction; and the polygon engine against the
plain union of buffers on a SYNTHETIC road-like network."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from benchmarks.synthetic_roads import road_network
from pyproj import Transformer
from shapely.ops import substring

from tests.synthetic import from_edge_list
from wuling_geo import settings
from wuling_geo._util.geo import utm_crs
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.analysis.catchments.polygons import cell_index, reference_polygon
from wuling_geo.analysis.catchments.road_reach import origin_pieces, reach, road_groups, substrings
from wuling_geo.network.routing import node_times

ORIGIN = (108.70, 29.45)  # SYNTHETIC layouts placed over Qianjiang; not real roads
CRS = utm_crs(*ORIGIN)
TO_M = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
X0, Y0 = TO_M.transform(*ORIGIN)
A = 200.0  # access distance used below
Q = settings.catchment_quad_segs


def layout(points_m: dict[int, tuple[float, float]], pairs, speed_kph=36.0):
    """A SYNTHETIC network from node positions in metres east/north of ORIGIN."""
    lon, lat = TO_LL.transform([X0 + x for x, _ in points_m.values()],
                               [Y0 + y for _, y in points_m.values()])
    nodes = pd.DataFrame({"x": lon, "y": lat},
                         index=pd.Index(list(points_m), name="node", dtype="int64"))
    return from_edge_list(nodes, pairs, speed_kph, crs=CRS)


def at(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_LL.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def metres(lon: float, lat: float) -> tuple[float, float]:
    x, y = TO_M.transform(lon, lat)
    return x - X0, y - Y0


def caps() -> float:
    """Area of two round buffer ends as GEOS draws them (a 4q-gon inscribed in the circle)."""
    return 2 * Q * A * A * math.sin(math.pi / (2 * Q))


def band(net, origin, minutes, **kw):
    return catchments(net, [origin], [minutes], buffer_m=A, simplify_m=0, stats=False,
                      engine="exact", **kw).iloc[0]


# ---------------------------------------------------------------- a straight road
STRAIGHT = layout({1: (0, 0), 2: (10_000, 0)}, [(1, 2), (2, 1)])  # 10 m/s both ways


@pytest.mark.parametrize("minutes", [0.5, 1, 2.5, 8])
def test_straight_road_area_is_a_stadium(minutes):
    row = band(STRAIGHT, at(5000, 0), minutes)
    reach_m = min(600 * minutes, 5000)  # 10 m/s either way, up to the road's ends
    length = 2 * reach_m
    assert row.road_km == pytest.approx(length / 1000, rel=1e-6)
    assert row.area_km2 * 1e6 == pytest.approx(2 * A * length + caps(), rel=1e-6, abs=1)
    assert row.snap_m == pytest.approx(0, abs=1e-3)
    # the cut points sit exactly reach_m either side of the origin
    fx, fy = metres(row.farthest_lon, row.farthest_lat)
    assert abs(fx - 5000) == pytest.approx(reach_m, abs=0.05) and abs(fy) < 0.05
    assert row.farthest_min == pytest.approx(reach_m / 600)
    poly = to_metric(row.geometry, TO_M)
    xmin, ymin, xmax, ymax = poly.bounds
    assert xmin - X0 == pytest.approx(5000 - reach_m - A, abs=0.05)
    assert xmax - X0 == pytest.approx(5000 + reach_m + A, abs=0.05)
    assert ymax - ymin == pytest.approx(2 * A, abs=0.05)


def test_origin_beside_the_road_snaps_and_reports_the_distance():
    row = band(STRAIGHT, at(3000, 150), 1)
    assert row.snap_m == pytest.approx(150, abs=0.01)
    assert row.road_km == pytest.approx(1.2, rel=1e-6)
    assert row.origin_lon == pytest.approx(at(3000, 150)[0])


def test_whole_road_reached_is_the_full_stadium():
    row = band(STRAIGHT, at(5000, 0), 60)
    assert row.road_km == pytest.approx(10, rel=1e-6)
    assert row.area_km2 * 1e6 == pytest.approx(2 * A * 10_000 + caps(), rel=1e-6, abs=1)


# ---------------------------------------------------------------- a one-way road
ONE_WAY = layout({1: (0, 0), 2: (10_000, 0)}, [(1, 2)])


def test_one_way_road_reaches_forward_from_and_backward_to():
    ahead = band(ONE_WAY, at(5000, 0), 1, direction="from")
    behind = band(ONE_WAY, at(5000, 0), 1, direction="to")
    for row in (ahead, behind):
        assert row.road_km == pytest.approx(0.6, rel=1e-6)
        assert row.area_km2 * 1e6 == pytest.approx(2 * A * 600 + caps(), rel=1e-6, abs=1)
    ax = metres(*ahead.geometry.centroid.coords[0])[0]
    bx = metres(*behind.geometry.centroid.coords[0])[0]
    assert ax == pytest.approx(5300, abs=0.5) and bx == pytest.approx(4700, abs=0.5)


# ---------------------------------------------------------------- a ring road: a hole
L = 4000.0
RING = layout({1: (0, 0), 2: (L, 0), 3: (L, L), 4: (0, L)},
              [(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 3), (4, 1), (1, 4)])


def test_ring_road_keeps_its_hole():
    row = band(RING, at(L / 2, 0), 60)
    assert row.road_km == pytest.approx(4 * L / 1000, rel=1e-6)
    # outer square grown by A with rounded corners, minus the inner square shrunk by A
    corner_gap = 4 * A * A - 2 * Q * A * A * math.sin(math.pi / (2 * Q))
    expected = (L + 2 * A) ** 2 - corner_gap - (L - 2 * A) ** 2
    assert row.area_km2 * 1e6 == pytest.approx(expected, rel=1e-6, abs=1)
    assert row.geometry.geom_type == "Polygon" and len(row.geometry.interiors) == 1
    assert not row.geometry.contains(shapely.Point(at(L / 2, L / 2)))


def test_ring_road_partly_reached_is_open():
    # 5 min at 10 m/s: 3 km each way from the middle of the south side
    row = band(RING, at(L / 2, 0), 5)
    assert row.road_km == pytest.approx(6.0, rel=1e-6)
    assert len(getattr(row.geometry, "interiors", [])) == 0
    assert row.area_km2 * 1e6 == pytest.approx(
        reference_area(RING, at(L / 2, 0), 300), rel=1e-7, abs=1)


def to_metric(geom, tr):
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def reference_area(net, origin, seconds, direction="from"):
    """Area of the plain union of buffered reached road, reached road built with
    shapely.ops.substring from the node times (an independent path to the same answer)."""
    snap = net.snap(*origin)
    d = node_times(net, [snap], "car", direction=direction)[0]
    to_m = Transformer.from_crs("EPSG:4326", net.crs_metric, always_xy=True)
    parts = []
    times = net.edges["travel_time_car"].to_numpy()
    for e, geom in enumerate(net.edges.geometry):
        line = to_metric(geom, to_m)
        u, v = net.edge_u[e], net.edge_v[e]
        if direction == "from" and d[u] < seconds:
            parts.append(substring(line, 0, min(1, (seconds - d[u]) / times[e]), normalized=True))
        if e == snap.edge:
            hi = min(1, snap.fraction + seconds / times[e])
            parts.append(substring(line, snap.fraction, hi, normalized=True))
        twin = np.nonzero((net.edge_u == v) & (net.edge_v == u))[0]
        if e == snap.edge and len(twin):
            back = to_metric(net.edges.geometry[twin[0]], to_m)
            lo = 1 - snap.fraction
            parts.append(substring(back, lo, min(1, lo + seconds / times[twin[0]]),
                                   normalized=True))
    return shapely.union_all(shapely.buffer(parts, A, quad_segs=Q)).area


# ---------------------------------------------------------------- a T junction, cut exactly
def test_t_junction_cut_points():
    # origin at node 2; arms of 1 km (10 m/s) west, east and 2 km north at 20 m/s
    net = layout({1: (-1000, 0), 2: (0, 0), 3: (1000, 0), 4: (0, 2000)},
                 [(1, 2), (2, 1), (2, 3), (3, 2), (2, 4), (4, 2)],
                 {(1, 2): 36, (2, 1): 36, (2, 3): 36, (3, 2): 36, (2, 4): 72, (4, 2): 72})
    row = band(net, at(0, 0), 0.75)  # 45 s: 450 m west, 450 m east, 900 m north
    assert row.road_km == pytest.approx(1.8, rel=1e-6)
    fx, fy = metres(row.farthest_lon, row.farthest_lat)
    assert (fx, fy) == pytest.approx((0, 900), abs=0.05)


# ---------------------------------------------------------------- the engine vs a plain union
def test_substrings_match_shapely():
    rng = np.random.default_rng(1)
    lines = shapely.linestrings(rng.uniform(0, 100, (50, 5, 2)))
    s = rng.uniform(0, 0.6, 50)
    e = s + rng.uniform(0.01, 0.4, 50)
    mine = substrings(lines, s, e)
    theirs = [substring(g, a, b, normalized=True) for g, a, b in zip(lines, s, e, strict=True)]
    assert all(shapely.equals_exact(m, t, 1e-9) for m, t in zip(mine, theirs, strict=True))


@pytest.fixture(scope="module")
def roads():
    return road_network(1500, seed=7)  # SYNTHETIC road-like network


@pytest.mark.parametrize("direction", ["from", "to"])
def test_engine_equals_plain_union(roads, direction):
    groups = road_groups(roads)
    cells = cell_index(roads, groups, A, Q)
    times = roads.travel_time("car")
    rng = np.random.default_rng(3)
    west, south, east, north = roads.edges.total_bounds
    snaps = [roads.snap(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(3)]
    d = node_times(roads, snaps, "car", direction=direction)
    checked_full = 0
    for i, snap in enumerate(snaps):
        for seconds in (120, 300, 600, 3600):
            pieces = origin_pieces(roads, groups, [snap], times, seconds, direction)
            r = reach(roads, groups, d[i], seconds, direction, times, pieces)
            fast = cells.polygon(r)
            ref = reference_polygon(r, A, Q)
            assert fast.is_valid
            # the same area up to the joins of chained buffers (round joins vs round ends)
            assert shapely.symmetric_difference(fast, ref).area <= 5e-4 * ref.area + 50
            # and no further apart than the polygonal approximation of round ends and joins
            # (GEOS draws a join with round(angle / quantum) chords: up to 1.5 quanta each)
            slack = A * (1 - math.cos(1.5 * math.pi / (4 * Q))) + 0.5
            assert fast.buffer(slack).covers(ref) and ref.buffer(slack).covers(fast)
            checked_full += np.count_nonzero(r.full)
    assert checked_full > 0


@pytest.mark.parametrize("failure", ["noding", "everything"])
def test_geos_failures_fall_back_to_the_plain_union(roads, monkeypatch, failure):
    """Linework GEOS cannot node is snap-rounded; if building cells fails at all, every
    band is the plain union of its buffered road — slower, never wrong."""
    import wuling_geo.analysis.catchments.polygons as iso

    def broken(*_args, **_kw):
        raise shapely.errors.GEOSException("TopologyException: simulated")

    target = "node" if failure == "noding" else "polygonize"
    monkeypatch.setattr(iso.shapely, target, broken)
    groups = road_groups(roads)
    cells = iso.CellIndex.build(groups, A, Q)
    assert (len(cells.cells) == 0) == (failure == "everything")
    times = roads.travel_time("car")
    snap = roads.snap(*roads.nodes.iloc[len(roads.nodes) // 2][["x", "y"]])
    d = node_times(roads, [snap], "car")[0]
    r = reach(roads, groups, d, 600, "from", times, origin_pieces(roads, groups, [snap], times,
                                                                  600, "from"))
    monkeypatch.undo()
    fast, ref = cells.polygon(r), reference_polygon(r, A, Q)
    slack = A * (1 - math.cos(1.5 * math.pi / (4 * Q))) + 0.5
    assert fast.buffer(slack).covers(ref) and ref.buffer(slack).covers(fast)
