"""Property tests on random SYNTHETIC networks (crossing roads without junctions, one-way
streets, several speeds): nested bands, the engine equal to a plain union of buffers,
"from" equal to "to" on a symmetric network, and invariance to the order of origins."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from tests.synthetic import from_edge_list
from wuling_geo import settings as wg_settings
from wuling_geo._util.geo import utm_crs
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.analysis.catchments.polygons import cell_index, reference_polygon
from wuling_geo.analysis.catchments.road_reach import origin_pieces, reach, road_groups
from wuling_geo.network.routing import node_times

CENTRE = (108.78, 29.50)  # SYNTHETIC, placed over Qianjiang; not real roads
CRS = utm_crs(*CENTRE)
TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
X0, Y0 = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(*CENTRE)
A = 150.0
Q = wg_settings.catchment_quad_segs
SLACK = A * (1 - math.cos(1.5 * math.pi / (4 * Q))) + 0.5
MM_DEG = 1e-3 / 111_000  # 1 mm in degrees (a degree of latitude is 111 km; longitude less)
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                report_multiple_bugs=False)


@st.composite
def networks(draw, symmetric: bool = False):
    """A random road map: nodes in a 4 km square joined to some of their nearest neighbours."""
    n = draw(st.integers(4, 18))
    xy = np.array(draw(st.lists(st.tuples(st.floats(0, 4000), st.floats(0, 4000)),
                                min_size=n, max_size=n, unique=True)))
    pairs, speeds = [], {}
    for i in range(n):
        near = np.argsort(np.hypot(*(xy - xy[i]).T))[1:draw(st.integers(2, 4))]
        for j in near:
            if (i, j) in speeds or (j, i) in speeds or np.allclose(xy[i], xy[j], atol=1.0):
                continue
            kph = draw(st.sampled_from([20.0, 40.0, 60.0]))
            pairs.append((i, int(j)))
            speeds[(i, int(j))] = kph
            if symmetric or draw(st.booleans()) or draw(st.booleans()):  # most roads two-way
                pairs.append((int(j), i))
                speeds[(int(j), i)] = kph
    assume(pairs)
    lon, lat = TO_LL.transform(X0 + xy[:, 0], Y0 + xy[:, 1])
    nodes = pd.DataFrame({"x": lon, "y": lat}, index=pd.Index(range(n), name="node", dtype="int64"))
    net = from_edge_list(nodes, pairs, speeds, crs=CRS)
    k = draw(st.integers(1, 3))
    edges = draw(st.lists(st.integers(0, len(pairs) - 1), min_size=k, max_size=k))
    fractions = draw(st.lists(st.floats(0, 1), min_size=k, max_size=k))
    origins = []
    for e, f in zip(edges, fractions, strict=True):
        p = shapely.line_interpolate_point(net.edges.geometry[e], f, normalized=True)
        origins.append((f"o{len(origins)}", p.x, p.y))
    minutes = sorted(set(draw(st.lists(st.sampled_from([0.5, 1, 2, 3, 5, 10]), min_size=1,
                                       max_size=4))))
    return net, origins, minutes


def run(net, origins, minutes, **kw):
    return catchments(net, origins, minutes, buffer_m=A, simplify_m=kw.pop("simplify_m", 0),
                      stats=False, engine="exact", **kw)


@FAST
@given(networks(), st.sampled_from(["from", "to"]), st.sampled_from([0, 20]))
def test_bands_are_nested_and_grow(case, direction, tolerance):
    net, origins, minutes = case
    gdf = run(net, origins, minutes, direction=direction, simplify_m=tolerance)
    for _, rows in gdf.groupby("origin_id", sort=False):
        rows = rows.sort_values("minutes")
        polys = list(rows.geometry)
        for small, large in itertools.pairwise(polys):
            # nested exactly, up to the rounding of the overlay: what sticks out (covers()
            # itself can trip over collinear shared edges) is slivers under 1 mm wide on
            # average — GEOS snaps nearly coincident outlines (equal buffers of a road)
            out = shapely.difference(small, large)
            assert out.area <= MM_DEG * out.length / 2
            assert large.is_valid
        assert np.all(np.diff(rows["area_km2"]) >= -1e-9)
        assert np.all(np.diff(rows["road_km"]) >= -1e-9)
        assert (rows["farthest_min"] <= rows["minutes"] + 1e-9).all()


@FAST
@given(networks(), st.sampled_from(["from", "to"]))
def test_engine_equals_plain_union_of_buffers(case, direction):
    net, origins, minutes = case
    groups = road_groups(net)
    cells = cell_index(net, groups, A, Q)
    times = net.travel_time("car")
    snaps = [net.snap(x, y) for _, x, y in origins]
    d = node_times(net, snaps, "car", direction=direction)
    for i, snap in enumerate(snaps):
        for m in minutes:
            seconds = 60 * m
            r = reach(net, groups, d[i], seconds, direction, times,
                      origin_pieces(net, groups, [snap], times, seconds, direction))
            fast = cells.polygon(r)
            ref = reference_polygon(r, A, Q)
            assert fast.is_valid
            if ref.is_empty:  # e.g. "to" the start of a one-way road's only way out
                assert fast.is_empty
                continue
            assert fast.buffer(SLACK).covers(ref) and ref.buffer(SLACK).covers(fast)
            # areas differ by at most the outline times the approximation slack
            assert abs(fast.area - ref.area) <= SLACK * ref.boundary.length


@FAST
@given(networks(symmetric=True))
def test_from_equals_to_on_a_symmetric_network(case):
    net, origins, minutes = case
    out = run(net, origins[:1], minutes, direction="from")
    back = run(net, origins[:1], minutes, direction="to")
    for a, b in zip(out.itertuples(), back.itertuples(), strict=True):
        assert a.road_km == b.road_km
        assert abs(a.area_km2 - b.area_km2) <= 1e-6 * max(a.area_km2, 1e-3)
        assert shapely.symmetric_difference(a.geometry, b.geometry).area <= 1e-9 * max(
            a.geometry.area, 1e-9) + 1e-12


@FAST
@given(networks(), st.randoms(use_true_random=False))
def test_order_of_origins_does_not_matter(case, rnd):
    net, origins, minutes = case
    shuffled = origins[:]
    rnd.shuffle(shuffled)
    for mode in ("each", "nearest"):
        a = run(net, origins, minutes, mode=mode).sort_values(["origin_id", "minutes"])
        b = run(net, shuffled, minutes, mode=mode).sort_values(["origin_id", "minutes"])
        assert list(a["origin_id"]) == list(b["origin_id"])
        np.testing.assert_allclose(a["road_km"], b["road_km"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(a["area_km2"], b["area_km2"], rtol=1e-9, atol=1e-9)
        for g, h in zip(a.geometry, b.geometry, strict=True):
            assert shapely.symmetric_difference(g, h).area <= 1e-9 * max(g.area, 1e-9) + 1e-12
