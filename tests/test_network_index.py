"""One source of truth for what is derived from a network, on SYNTHETIC hand-built networks.

Two bugs of the copies it replaced are pinned here: a per-pair "fastest edge" built once
with whichever profile asked first, and a twin ("same road the other way") rule that
paired the two halves of a one-way loop because they had equal lengths.
"""

from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from wuling_geo import settings as wg_settings
from wuling_geo._util.errors import NetworkError
from wuling_geo._util.geo import utm_crs
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.analysis.catchments.road_reach import road_groups
from wuling_geo.analysis.od_matrix import od_arrays
from wuling_geo.network import routing
from wuling_geo.network.model import RoadNetwork, Snap
from wuling_geo.network.snapping import PointSnaps, snap_points, times_at_points

from .synthetic import SYNTHETIC_LABEL, from_edge_list, grid_network

wg_settings.quiet = True

ORIGIN = (108.70, 29.45)
CRS = utm_crs(*ORIGIN)
TO_M = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
X0, Y0 = TO_M.transform(*ORIGIN)


def lonlat(x, y):
    """WGS-84 of a point ``(x, y)`` metres from the test origin."""
    return TO_LL.transform(X0 + x, Y0 + y)


def network(nodes, roads):
    """A SYNTHETIC network from node positions (m) and roads ``(u, v, via, car, truck)``.

    ``via`` are the bends (m) between u and v; ``car``/``truck`` speeds in km/h.
    """
    ids = list(nodes)
    xy = [lonlat(*nodes[i]) for i in ids]
    node_frame = pd.DataFrame({"x": [p[0] for p in xy], "y": [p[1] for p in xy]},
                              index=pd.Index(ids, name="node", dtype="int64"))
    rows = []
    for u, v, via, car, truck in roads:
        line_m = shapely.LineString([nodes[u], *via, nodes[v]])
        coords = [lonlat(x, y) for x, y in line_m.coords]
        rows.append({"u": u, "v": v, "key": 0, "length": line_m.length, "highway": "residential",
                     "name": None, "oneway": False, "speed_kph_car": car,
                     "travel_time_car": line_m.length / (car / 3.6), "speed_kph_truck": truck,
                     "travel_time_truck": line_m.length / (truck / 3.6),
                     "geometry": shapely.LineString(coords)})
    edges = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    return RoadNetwork(node_frame, edges, {"source": SYNTHETIC_LABEL, "synthetic": True,
                                           "attribution": "synthetic"})


def two_way(u, v, via=(), car=36.0, truck=36.0):
    return [(u, v, list(via), car, truck), (v, u, list(reversed(via)), car, truck)]


def snap_at(net, x, y):
    return net.snap(*lonlat(x, y))


def points_at(net, *xy):
    """Vectorised snaps of points ``(x, y)`` metres from the test origin."""
    lon, lat = zip(*(lonlat(x, y) for x, y in xy), strict=True)
    return snap_points(net, list(lon), list(lat))


def metric_length(line):
    xs, ys = np.asarray(line.coords).T
    return shapely.LineString(np.column_stack(TO_M.transform(xs, ys))).length


# ---------------------------------------------------------------- profiles on one network

def lane_and_bypass():
    """1 — 2 ═ 3 — 4: between 2 and 3 a straight lane (1000 m) and a bypass over (1500, 400).

    Cars take the lane (36 km/h both); trucks crawl on it (5 km/h), so they take the bypass
    (2 × 640.3 m at 36 km/h).
    """
    nodes = {1: (0, 0), 2: (1000, 0), 3: (2000, 0), 4: (3000, 0)}
    roads = (two_way(1, 2) + two_way(2, 3, car=36, truck=5)
             + two_way(2, 3, via=[(1500, 400)]) + two_way(3, 4))
    return network(nodes, roads)


BYPASS_M = 2 * float(np.hypot(500, 400))


@pytest.mark.parametrize("first", ["car", "truck"])
def test_each_profile_routes_on_its_own_fastest_road(first):
    net = lane_and_bypass()
    a, b = snap_at(net, 500, 0), snap_at(net, 2500, 0)
    expected = {"car": 2000.0, "truck": 1000.0 + BYPASS_M}
    order = [first, "truck" if first == "car" else "car"]
    for profile in order:  # both on the same network object, the first one filling caches
        path = routing.fastest_path(net, a, b, profile)
        assert path.meters == pytest.approx(expected[profile], abs=1.0), profile
        assert metric_length(path.geometry) == pytest.approx(expected[profile], abs=1.0), profile
        seconds, meters = od_arrays(net, points_at(net, (500, 0)), points_at(net, (2500, 0)),
                                    profile)
        assert meters[0, 0] == pytest.approx(path.meters, abs=1e-6)
        assert seconds[0, 0] == pytest.approx(path.seconds, abs=1e-6)


# ---------------------------------------------------------------- one twin rule

def one_way_loop():
    """A one-way loop 2 → 3 → 2 in two halves of equal length, and a two-way road 1 — 2.

    The top half 2 → 3 runs over (500, 300), the bottom half 3 → 2 under (500, -300): the
    same length, but different roads, each one-way. Every edge at 36 km/h (10 m/s).
    """
    nodes = {1: (-1000, 0), 2: (0, 0), 3: (1000, 0)}
    roads = [*two_way(1, 2), (2, 3, [(500, 300)], 36.0, 36.0), (3, 2, [(500, -300)], 36.0, 36.0)]
    return network(nodes, roads)


HALF = 2 * float(np.hypot(500, 300)) / 10.0  # seconds per half of the loop


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_reversed_alike_is_geos_equals_exact_of_the_reverse(seed):
    """The twin test settles pairs whose coordinates match reversed to the bit itself and
    leaves the rest to GEOS: together the same answer as ``equals_exact`` of ``a`` and ``b``
    reversed, for exact reverses, reverses moved within and beyond the tolerance, the same
    direction, another vertex count and empty lines."""
    from wuling_geo.network.index import _reversed_alike

    rng = np.random.default_rng(seed)
    a, b = [], []
    for kind in rng.integers(0, 6, 40):
        xy = rng.uniform(0, 5000, (int(rng.integers(2, 7)), 2))
        a.append(shapely.LineString(xy))
        back = xy[::-1].copy()
        if kind == 1:  # within the tolerance, or just beyond it
            back[int(rng.integers(len(back)))] += rng.choice([0.004, 0.02])
        elif kind == 2:
            back = xy
        elif kind == 3:
            back = np.vstack([back, back[-1:] + 1.0])
        elif kind == 4:
            a[-1], back = shapely.LineString(), np.empty((0, 2))
        b.append(shapely.LineString(back))
    a, b = np.array(a, dtype=object), np.array(b, dtype=object)
    want = shapely.equals_exact(a, shapely.reverse(b), tolerance=0.01)
    np.testing.assert_array_equal(_reversed_alike(a, b, 0.01), want)
    assert want.any() and not want.all()


def test_reversed_alike_leaves_exact_reverses_to_no_geos_copy(monkeypatch):
    """Pairs whose coordinates match reversed to the bit (the two directions of an imported
    road) are settled without a reversed copy; only the others go to GEOS."""
    from wuling_geo.network import index

    asked = []
    real = shapely.reverse
    monkeypatch.setattr(index.shapely, "reverse", lambda g: asked.append(len(g)) or real(g))
    xy = np.array([[0.0, 0.0], [10.0, 5.0], [20.0, 0.0]])
    a = np.array([shapely.LineString(xy)] * 3, dtype=object)
    b = np.array([shapely.LineString(xy[::-1]), shapely.LineString(xy[::-1] + 0.004),
                  shapely.LineString(xy)], dtype=object)
    assert list(index._reversed_alike(a, b, 0.01)) == [True, True, False]
    assert asked == [2]


def test_halves_of_a_one_way_loop_are_not_twins():
    net = one_way_loop()
    assert list(routing.reverse_edges(net)) == [1, 0, -1, -1]
    groups = road_groups(net)
    assert len(groups) == 3 and list(groups.twin) == [1, -1, -1]


def test_a_point_on_a_one_way_loop_goes_on_round():
    net = one_way_loop()
    # A tenth of the way along the top half, driving 2 → 3: back to junction 2 only by
    # going on round the loop (9/10 + 1 halves), never by reversing along the top half.
    x = 0.2 * 500
    origin = snap_at(net, x, 0.2 * 300)
    assert origin.edge == 2 and origin.fraction == pytest.approx(0.1, abs=1e-6)
    legal = (1 - origin.fraction) * HALF + HALF
    d = routing.node_times(net, [origin])[0]
    assert d[net.node_position[2]] == pytest.approx(legal, abs=1e-6)
    target = snap_at(net, -500, 0)  # half-way to node 1
    path = routing.fastest_path(net, origin, target)
    assert path.seconds == pytest.approx(legal + 50.0, abs=1e-6)
    assert routing.travel_time_matrix(net, [origin], [target])[0, 0] == pytest.approx(
        legal + 50.0, abs=1e-6)
    pts = points_at(net, (x, 0.2 * 300))
    seconds, _ = od_arrays(net, pts, points_at(net, (-500, 0)))
    assert seconds[0, 0] == pytest.approx(legal + 50.0, abs=1e-6)
    # Times at points from a facility at node 1: reaching the point means entering the top
    # half at junction 2, never coming backwards from junction 3.
    facility = points_at(net, (-1000, 0))
    node_s, which = routing.nearest_times(net, [routing_snap(net, facility)], direction="from")
    at, _ = times_at_points(net, node_s, which, pts, facility, direction="from")
    assert at[0] == pytest.approx(100.0 + origin.fraction * HALF, abs=1e-6)


def routing_snap(net, snaps):
    from wuling_geo.network.snapping import to_snaps

    return to_snaps(net, snaps)[0]


def test_catchment_on_a_one_way_loop_does_not_reverse():
    net = one_way_loop()
    origin = lonlat(0.2 * 500, 0.2 * 300)
    frame = catchments(net, [origin], minutes=[0.5], stats=False)
    # 30 s from a point 10 % along the top half: 30 s forwards only (300 m), no road behind.
    assert frame["road_km"].iloc[0] == pytest.approx(0.3, abs=1e-3)


# ---------------------------------------------------------------- one point rule

@pytest.mark.parametrize(("o_side", "t_side"), [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_a_point_behind_on_a_two_way_road_is_reached_directly(o_side, t_side):
    """Origin at 500 m, target at 250 m of a 1 km two-way road: 25 s back along the road.

    The same answer whichever of the road's two edges each point is put on (snapping may
    pick either); the old copies drove on to a junction and back (up to 75 s) for some.
    """
    net = grid_network(2, 1, spacing_m=1000, speed_kph=36)  # 1 ⇄ 2, 100 s each way

    def on(side, metres):
        edge = side  # edge 0 is 1 → 2, edge 1 its twin 2 → 1
        f = metres / 1000 if side == 0 else 1 - metres / 1000
        return Snap(edge, int(net.edges.u[edge]), int(net.edges.v[edge]), f, 0.0,
                    shapely.Point(0, 0))

    o, t = on(o_side, 500), on(t_side, 250)
    assert routing.travel_time_matrix(net, [o], [t])[0, 0] == pytest.approx(25.0, abs=1e-6)
    path = routing.fastest_path(net, o, t)
    assert (path.seconds, path.meters) == pytest.approx((25.0, 250.0), abs=1e-6)
    def many(snap):
        return PointSnaps(np.array([snap.edge]), np.array([snap.fraction]), np.zeros(1))

    seconds, meters = od_arrays(net, many(o), many(t))
    assert (seconds[0, 0], meters[0, 0]) == pytest.approx((25.0, 250.0), abs=1e-6)
    # Accessibility: from the point at 500 m to a facility at 250 m, and from it to the point.
    for direction, point, source in (("to", o, t), ("from", t, o)):
        node_s, which = routing.nearest_times(net, [source], direction=direction)
        at, _ = times_at_points(net, node_s, which, many(point), many(source),
                                direction=direction)
        assert at[0] == pytest.approx(25.0, abs=1e-6), direction


# ---------------------------------------------------------------- one owner of derived data

def test_derived_data_has_one_owner_and_the_frames_are_fixed():
    net = grid_network(3, 3)
    before = set(net.__dict__)
    index = net.index
    assert net.index is index
    site = lonlat(400, 0)
    routing.fastest_path(net, net.snap(*site), net.snap(*lonlat(1500, 2000)), "truck")
    od_arrays(net, points_at(net, (400, 0)), points_at(net, (400, 0)), "car")
    catchments(net, [site], minutes=[2], stats=False)
    added = set(net.__dict__) - before
    # Only the network's own declared cached properties, the index among them: no module
    # writes caches of its own into the network.
    assert "_index" in added, added
    assert all(isinstance(getattr(RoadNetwork, key, None), cached_property) for key in added), added
    with pytest.raises(AttributeError, match="new RoadNetwork"):
        net.edges = net.edges.copy()


def test_changed_tables_are_caught():
    net = lane_and_bypass()
    a, b = snap_at(net, 500, 0), snap_at(net, 2500, 0)
    assert routing.fastest_path(net, a, b, "truck").meters == pytest.approx(1000 + BYPASS_M, abs=1)
    # Times changed in place (unsupported, but never answered from stale data): the
    # fastest edge per pair is rebuilt from the times it is asked with.
    lane = (net.edges["u"] == 2) & (net.edges["v"] == 3) & (net.edges["length"] < 1001)
    net.edges.loc[lane, "travel_time_truck"] = 1.0
    assert routing.fastest_path(net, a, b, "truck").meters == pytest.approx(2000.0, abs=1)
    net.edges.loc[len(net.edges)] = net.edges.iloc[0]  # a row added in place
    with pytest.raises(NetworkError, match="new RoadNetwork"):
        net.index  # noqa: B018


def test_snapping_indexes_each_road_once_and_finds_the_nearest():
    """The snapping tree holds one edge per road (the lower twin of a two-way road); snaps are
    the nearest of all edges all the same, and a two-way road's point is on its lower twin."""
    net = grid_network(5, 4, spacing_m=300)
    keep = [(u, v) for u, v in zip(net.edges["u"], net.edges["v"], strict=True)
            if not (u < v and (u + v) % 3 == 0)]  # some roads one-way
    net = from_edge_list(net.nodes, keep, {p: 40.0 for p in keep})
    index = net.index
    twin = index.twin
    assert (twin >= 0).any() and (twin < 0).any()
    assert len(index.tree_edges) == int((twin < 0).sum() + (twin >= 0).sum() // 2)
    rng = np.random.default_rng(2)
    xy = rng.uniform([-100, -100], [1300, 1000], (200, 2))
    west, south = net.nodes["x"].min(), net.nodes["y"].min()
    to_m = Transformer.from_crs("EPSG:4326", index.crs, always_xy=True)
    x0, y0 = to_m.transform(west, south)
    lon, lat = Transformer.from_crs(index.crs, "EPSG:4326", always_xy=True).transform(
        x0 + xy[:, 0], y0 + xy[:, 1])
    snaps = snap_points(net, lon, lat)
    pts = shapely.points(x0 + xy[:, 0], y0 + xy[:, 1])
    every = shapely.distance(np.asarray(index.edges_metric)[None, :], pts[:, None])
    np.testing.assert_allclose(snaps.distance_m, every.min(axis=1), atol=1e-6)
    np.testing.assert_allclose(snaps.distance_m, every[np.arange(len(pts)), snaps.edge],
                               atol=1e-6)
    assert ((twin[snaps.edge] < 0) | (snaps.edge < twin[snaps.edge])).all()


def test_a_memo_is_built_once_while_threads_wait_for_it():
    """Regression: two threads asking for a value not yet built each built it (the two
    catchment threads each sampled the 100k network's roads on a first call). Now one
    builds and the other waits for that value; a build that fails leaves nothing behind."""
    import threading
    import time

    index = grid_network(3, 3).index
    built = []

    def build():
        built.append(threading.current_thread().name)
        time.sleep(0.2)
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(index.memo("slow", build)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and len(got) == 3 and got[0] is got[1] is got[2]

    def broken():
        raise ValueError("no")

    with pytest.raises(ValueError):
        index.memo("flaky", broken)
    assert not index.has_memo("flaky") and index.memo("flaky", lambda: 7) == 7
