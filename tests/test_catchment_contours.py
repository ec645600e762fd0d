"""The contour engine against the exact one: SYNTHETIC analytic layouts, a real extract
(Monaco) and random SYNTHETIC networks, where its bands must nest by construction.

Stated agreement at the default cell (50 m, access 200 m): the symmetric difference of a
contour band and the exact band is under 5 % of the exact band's area (measured on the
Heidelberg extract: 2.3 % on average, 3.9 % at most); on Monaco's small dense bands the
mean is held under 5 % and each band under 7.5 %."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import shapely
from benchmarks.synthetic_roads import road_network
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.test_catchments_analytic import RING, STRAIGHT, TO_M, X0, at, to_metric
from wuling_geo._util.errors import InputError
from wuling_geo.analysis.catchments.bands import catchments, metric_bands
from wuling_geo.analysis.catchments.contours import DEFAULT_CELL_M
from wuling_geo.cli import run
from wuling_geo.network.model import load_network

SHARE = 0.05  # the stated bound on |contour Δ exact| / |exact| at the default cell
REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


def both(net, origins, minutes, **kw):
    """Return (contour, exact) bands, default settings otherwise."""
    kw.setdefault("stats", False)
    return (catchments(net, origins, minutes, engine="contour", **kw),
            catchments(net, origins, minutes, engine="exact", **kw))


def shares(net, contour, exact) -> np.ndarray:
    a = metric_bands(net, list(contour.geometry.values))
    b = metric_bands(net, list(exact.geometry.values))
    return shapely.area(shapely.symmetric_difference(a, b)) / shapely.area(b)


def test_default_engine_is_contour_and_a_bad_engine_or_cell_is_an_error():
    net = STRAIGHT
    rows = catchments(net, [at(5000, 0)], [2], stats=False)
    exact = catchments(net, [at(5000, 0)], [2], stats=False, engine="exact")
    assert not shapely.equals_exact(rows.geometry.iloc[0], exact.geometry.iloc[0], 0)
    with pytest.raises(InputError, match="unknown engine 'grid'"):
        catchments(net, [at(5000, 0)], [2], engine="grid")
    with pytest.raises(InputError, match="grid cell"):
        catchments(net, [at(5000, 0)], [2], cell_m=0)


@pytest.mark.parametrize("minutes", [1, 2.5, 8])
def test_straight_road_cut_where_the_limit_falls(minutes):
    contour, exact = both(STRAIGHT, [at(5000, 0)], [minutes])
    assert shares(STRAIGHT, contour, exact)[0] < SHARE
    reach_m = min(600 * minutes, 5000)  # 10 m/s either way
    xmin, _, xmax, _ = to_metric(contour.geometry.iloc[0], TO_M).bounds
    # the partial road ends at the cut point, plus the access distance (within a cell)
    assert xmax - X0 == pytest.approx(5000 + reach_m + 200, abs=DEFAULT_CELL_M)
    assert xmin - X0 == pytest.approx(5000 - reach_m - 200, abs=DEFAULT_CELL_M)
    assert contour["road_km"].iloc[0] == pytest.approx(exact["road_km"].iloc[0])


def test_ring_road_keeps_its_hole():
    contour, exact = both(RING, [at(2000, 0)], [5, 60])
    assert (shares(RING, contour, exact) < SHARE).all()
    whole = contour.geometry.iloc[1]
    assert whole.geom_type == "Polygon" and len(whole.interiors) == 1
    assert not whole.contains(shapely.Point(at(2000, 2000)))
    assert len(getattr(contour.geometry.iloc[0], "interiors", [])) == 0


def test_road_like_network_agrees_with_the_exact_engine_both_directions():
    net = road_network(900, seed=3)  # SYNTHETIC
    xy = net.nodes[["x", "y"]].to_numpy()[::300][:3]
    pts = [(f"o{i}", float(x), float(y)) for i, (x, y) in enumerate(xy)]
    for direction in ("from", "to"):
        contour, exact = both(net, pts, (5, 10), direction=direction)
        assert (shares(net, contour, exact) < SHARE).all()
    contour, exact = both(net, pts, (5, 10), mode="nearest")
    assert (shares(net, contour, exact) < SHARE).all()


@pytest.fixture(scope="module")
def monaco(tmp_path_factory):
    pbf = REALDATA / "monaco.osm.pbf"
    if not pbf.exists():
        pytest.skip(f"{pbf} is not on this machine")
    out = tmp_path_factory.mktemp("monaco") / "net"
    assert run(["network", "import", str(pbf), "--area", "7.348,43.709,7.492,43.771",
                "--out", str(out)]) == 0
    return load_network(out)


def test_real_extract_agrees_with_the_exact_engine(monaco):
    rng = np.random.default_rng(4)
    ids = rng.choice(monaco.node_ids, 4, replace=False)
    pts = [(f"o{i}", float(monaco.nodes.at[n, "x"]), float(monaco.nodes.at[n, "y"]))
           for i, n in enumerate(ids)]
    contour, exact = both(monaco, pts, (2, 5, 10))
    got = shares(monaco, contour, exact)
    # small dense bands (a 2-minute band in Monaco) differ the most: measured mean 3.3 %, max 5.1 %
    assert got.mean() < SHARE and (got < 1.5 * SHARE).all(), got
    np.testing.assert_allclose(contour["road_km"], exact["road_km"])


NET = road_network(600, seed=5)  # SYNTHETIC


@given(node=st.integers(0, len(NET.nodes) - 1),
       minutes=st.lists(st.floats(0.5, 20), min_size=2, max_size=5, unique=True),
       cell=st.sampled_from([10.0, 25.0, 60.0]), simplify=st.sampled_from([0.0, 25.0, 80.0]),
       direction=st.sampled_from(["from", "to"]))
@example(node=208, minutes=[1.0, 11.0, 12.0], cell=60.0, simplify=0.0, direction="from")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_bands_nest_by_construction(node, minutes, cell, simplify, direction):
    x, y = NET.nodes[["x", "y"]].to_numpy()[node]
    got = catchments(NET, [(float(x), float(y))], minutes, stats=False, cell_m=cell,
                     simplify_m=simplify, direction=direction)
    polys = list(got.geometry)
    for inner, outer in itertools.pairwise(polys):
        # covers is exact; GEOS's difference may leave a sliver of rounding (0.03 m² seen
        # where both bands hold one hole, run the other way round)
        assert outer.covers(inner) or shapely.area(shapely.difference(inner, outer)) <= 1e-14
        assert inner.area <= outer.area * (1 + 1e-12)  # the union may round


def test_a_regional_reach_gets_a_coarser_cell_within_the_cap():
    from wuling_geo.analysis.catchments.contours import MAX_CELLS, cell_for

    small = np.array([[0.0, 0.0], [5000.0, 4000.0]])
    assert cell_for(small, 200.0, 50.0) == 50.0  # a town: the default cell
    huge = np.array([[0.0, 0.0], [180_000.0, 150_000.0]])
    cell = cell_for(huge, 200.0, 50.0)
    width, height = 180_000 + 2 * (200 + 3 * 50), 150_000 + 2 * (200 + 3 * 50)
    assert cell > 50.0 and (width / cell) * (height / cell) == pytest.approx(MAX_CELLS)


def test_network_grid_surface_matches_binning_the_reached_points():
    """The per-network binned grid (reduceat over samples in cell order) gives the same
    bands as binning the reached samples of one origin directly (the previous path)."""
    from wuling_geo.analysis.catchments import contours as c
    from wuling_geo.analysis.catchments.road_reach import road_groups

    net = road_network(900, seed=3)  # SYNTHETIC
    groups = road_groups(net)
    samples = c.road_samples(net, groups, 25.0)
    grid = c._cell_grid(net, samples, 50.0)
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 600, len(samples.xy))  # any times: the binning is what is checked
    t[rng.random(len(t)) < 0.3] = np.inf
    limits = [200.0, 400.0]
    ends = [np.empty((0, 2)), np.empty((0, 2))]
    window = c._grid_surface(grid, t[grid.order], limits, 200.0, ends)
    assert window is not None
    # the same window from the reached samples alone (the engine passes the touched roads')
    sub = np.nonzero(np.isfinite(t[grid.order]))[0]
    part = c._grid_surface(grid, t[grid.order][sub], limits, 200.0, ends, sub)
    assert part is not None and part[2] == window[2]
    for a, b in zip(part[:2], window[:2], strict=True):
        np.testing.assert_array_equal(a, b)
    got = [c._polygons(*r) for r in c._window_bands(*window, limits, 200.0, ends)]
    reached = t <= limits[-1]
    want = c.surface_bands(samples.xy[reached], t[reached], limits, 200.0, 50.0)
    for g, w in zip(got, want, strict=True):
        assert shapely.area(shapely.symmetric_difference(g, w)) < 1e-6 * w.area


def square(x0: float, size: float, y0: float = 0.0) -> np.ndarray:
    return np.array([[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size],
                     [x0, y0]], dtype=float)


def test_a_collapsed_island_between_others_keeps_its_contoured_ring():
    """Regression: a polygon whose outer ring collapses when simplified, between two that
    stay, left a gap in the polygon numbering and shapely refused the rings. Such a ring
    now keeps its contoured course (no point of a band moves farther than the tolerance)."""
    from wuling_geo.analysis.catchments import contours as c

    points = [square(0, 1000), square(2000, 10), square(3000, 1000)]
    offsets = [np.array([0, 5]) for _ in points]
    got = c._delivered((points, offsets), 25.0)
    assert got.geom_type == "MultiPolygon" and len(got.geoms) == 3
    assert got.area == pytest.approx(2 * 1000 * 1000 + 10 * 10)


def test_a_hole_narrower_than_twice_the_tolerance_goes(monkeypatch):
    """A shell bulging 20 m out (simplified away at 25 m) around an 8 m hole in the bulge:
    simplified, the hole collapses (it lies within a strip 2 × 25 m wide), so it goes, as
    GEOS's polygon simplifier drops collapsed holes; no point of the band moves farther than
    the tolerance. A hole away from it is simplified as usual; without simplifying, both stay."""
    from wuling_geo.analysis.catchments import contours as c

    shell = np.array([[0, 0], [500, -20], [1000, 0], [1000, 1000], [0, 1000], [0, 0]], float)
    hole = square(496, 8, y0=-16)[::-1]
    far = square(200, 300, y0=300)[::-1]
    points = [np.concatenate([shell, hole, far])]
    offsets = [np.array([0, 6, 11, 16])]
    raw = c._polygons(points, offsets)
    assert raw.is_valid and len(raw.interiors) == 2
    monkeypatch.setattr(c.shapely, "make_valid", lambda *a, **k: pytest.fail("repaired"))
    got = c._delivered((points, offsets), 25.0)
    assert got.is_valid and len(got.interiors) == 1
    assert got.interiors[0].equals(shapely.LinearRing(far))
    assert got.hausdorff_distance(raw) <= 25.0
    assert c._delivered((points, offsets), 0.0).equals(raw)


def test_a_long_hole_at_most_twice_the_tolerance_wide_goes_a_wider_one_stays():
    """A 40 m × 600 m hole, which Douglas–Peucker at 25 m keeps whole (its corners are 40 m
    off its diagonals), lies within 20 m of its ring: it goes, moving no point of the band
    farther than the tolerance. A 60 m wide one stays, and without simplifying both do."""
    from wuling_geo.analysis.catchments import contours as c

    def hole(y0: float, width: float) -> np.ndarray:
        return np.array([[100, y0], [100, y0 + width], [700, y0 + width], [700, y0],
                         [100, y0]], dtype=float)

    narrow, wide = hole(100, 40), hole(400, 60)
    points = [np.concatenate([square(0, 1000), narrow, wide])]
    offsets = [np.array([0, 5, 10, 15])]
    raw = c._polygons(points, offsets)
    assert raw.is_valid and len(raw.interiors) == 2
    got = c._delivered((points, offsets), 25.0)
    assert got.is_valid and len(got.interiors) == 1
    assert got.interiors[0].equals(shapely.LinearRing(wide))
    # only the narrow hole filled, and no point of it farther than 20 m from the raw band
    assert shapely.difference(got, raw).equals(shapely.Polygon(narrow))
    assert raw.buffer(20.0 + 1e-6).covers(got) and not raw.buffer(19.0).covers(got)
    assert c._delivered((points, offsets), 0.0).equals(raw)


@pytest.mark.parametrize("second", [square(2000, 1000), square(1000, 1000, y0=1000)],
                         ids=["apart", "touching"])
def test_a_band_delivered_in_another_crs_is_the_band_transformed(second):
    """A band delivered in another CRS is made there from its rings' coordinates: the band
    transformed, part for part, both when the quick test shows it valid (parts apart) and
    when GEOS's check does (parts touching at a corner)."""
    from wuling_geo.analysis.catchments import contours as c

    def shift(xy):
        return xy * 1e-5 + [108.7, 29.4]

    hole = square(300, 200, y0=300)[::-1]
    points = [np.concatenate([square(0, 1000), hole]), second]
    offsets = [np.array([0, 5, 10]), np.array([0, 5])]
    want = shapely.transform(c._delivered((points, offsets), 25.0), shift)
    got = c._delivered((points, offsets), 25.0, shift)
    assert got.geom_type == "MultiPolygon" and len(got.geoms) == 2
    assert got.wkb == want.wkb


def test_rings_that_meet_and_a_hole_out_of_its_shell_are_spoilt():
    """``_spoilt`` marks the rings that keep their contoured course: two rings that cross,
    and a hole outside its shell (with that shell); a ring apart from all is not."""
    from wuling_geo.analysis.catchments import contours as c

    rings = shapely.linearrings([square(0, 100), square(50, 100, y0=50), square(500, 100),
                                 square(300, 10)[::-1], square(1000, 100)])
    poly_of = np.array([0, 1, 2, 2, 3])  # the third polygon's hole lies outside it
    assert list(c._spoilt(rings, poly_of)) == [True, True, True, True, False]


@pytest.mark.parametrize("direction", ["from", "to"])
def test_one_way_road_ends_get_times_not_nan(direction, monkeypatch):
    """Regression: the sample at each end of a one-way road got NaN (inf·0 on the missing
    direction), and a NaN hid its whole cell from the surface (a minimum with NaN is NaN),
    junction cells included."""
    from tests.test_catchments_analytic import layout
    from wuling_geo.analysis.catchments import contours as c

    chain = layout({1: (0, 0), 2: (2000, 0), 3: (4000, 0)}, [(1, 2), (2, 3)])  # one-way
    seen = []
    real = c._grid_surface

    def spy(grid, t, *args, **kw):
        seen.append(t.copy())
        return real(grid, t, *args, **kw)

    monkeypatch.setattr(c, "_grid_surface", spy)
    x = 0.0 if direction == "from" else 4000.0
    catchments(chain, [at(x, 0)], [10], stats=False, direction=direction)  # 400 s: all reached
    (t,) = seen
    assert not np.isnan(t).any()
    assert np.isfinite(t).all() and t.max() == pytest.approx(400.0)


def test_contours_on_one_thread_that_lets_go_of_the_gil_are_the_serial_ones():
    """The engine contours with contourpy's "threaded" algorithm on one thread (it releases
    the GIL, so other origins' threads run meanwhile): the polygons must be the serial ones."""
    import contourpy

    from wuling_geo.analysis.catchments import contours as c

    rng = np.random.default_rng(7)
    dist = np.abs(np.cumsum(np.cumsum(rng.standard_normal((120, 150)), 0), 1)).astype(np.float32)
    win = c._Window(1000.0, 2000.0, 50.0, dist.shape)
    got_points, got_offsets = c._contour(dist, 3, 4, win, float(np.median(dist)))
    xs = (np.arange(4, 4 + dist.shape[1]) + 0.5) * 50.0 + 1000.0
    ys = (np.arange(3, 3 + dist.shape[0]) + 0.5) * 50.0 + 2000.0
    points, offsets = contourpy.contour_generator(
        xs, ys, dist, name="serial", fill_type=contourpy.FillType.OuterOffset).filled(
        -1.0, float(np.median(dist)))
    assert len(points) == len(got_points) > 3
    for a, b in zip(points, got_points, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(offsets, got_offsets, strict=True):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), density=st.floats(0.0005, 0.5),
       shape=st.tuples(st.integers(1, 90), st.integers(1, 90)))
def test_label_points_in_opencvs_numbering_and_any_other(seed, density, shape):
    """OpenCV numbers the road cells in raster order, which the road points are taken in
    as they are; labels numbered any other way are read from the labels."""
    import cv2

    from wuling_geo.analysis.catchments import contours as c

    rng = np.random.default_rng(seed)
    road = rng.random(shape) < density
    road.flat[rng.integers(road.size)] = True
    _, label = cv2.distanceTransformWithLabels((~road).view(np.uint8), cv2.DIST_L2,
                                               cv2.DIST_MASK_5, labelType=cv2.DIST_LABEL_PIXEL)
    n = int(road.sum())
    np.testing.assert_array_equal(label[road], np.arange(1, n + 1))
    points = (rng.random(n) + 1j * rng.random(n)).astype(np.complex64)
    want = np.r_[0, points].astype(np.complex64)
    np.testing.assert_array_equal(c._label_points(label, road, points), want)
    if n > 1:  # the same cells numbered in another order
        order = rng.permutation(n) + 1
        while order[0] == 1 and order[-1] == n:
            order = rng.permutation(n) + 1
        shuffled = label.copy()
        shuffled[road] = order
        np.testing.assert_array_equal(c._label_points(shuffled, road, points)[order], points)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), density=st.floats(0.0005, 0.3),
       shape=st.tuples(st.integers(1, 120), st.integers(1, 120)))
def test_nearest_road_cell_is_the_exact_one_or_a_near_tie(seed, density, shape):
    """The distances run over OpenCV's discrete Voronoi diagram (a 5 × 5 chamfer mask).
    Against scipy's exact feature transform: each cell's road cell is the nearest one up to
    the contoured distance (200 m, 4 cells here) and a cell beyond; farther out, where it
    changes no band, within 4 % of it; the distance is measured to that cell's road point."""
    from scipy import ndimage

    from wuling_geo.analysis.catchments import contours as c

    rng = np.random.default_rng(seed)
    road = rng.random(shape) < density
    road.flat[rng.integers(road.size)] = True
    cell = 50.0
    # road points at the cell centres: the distance is then the one between centres
    cy, cx = np.indices(shape) + 0.5
    px, py = (cx * cell).astype(np.float32), (cy * cell).astype(np.float32)
    win = c._Window(0.0, 0.0, cell, shape)
    (r0, c0), got = c._distances(road, (px + 1j * py).astype(np.complex64), win, 200.0)
    exact = ndimage.distance_transform_edt(~road) * cell
    exact = exact[r0:r0 + got.shape[0], c0:c0 + got.shape[1]]
    assert got.shape == exact.shape
    near = exact <= 250.0
    np.testing.assert_allclose(got[near], exact[near], rtol=1e-6, atol=1e-3)
    assert (got >= exact - 1e-3).all() and (got <= exact * 1.04 + 1e-3).all()
    # off-centre road points: measured to the point itself
    px += rng.uniform(-0.5, 0.5, shape).astype(np.float32) * cell
    _, moved = c._distances(road, (px + 1j * py).astype(np.complex64), win, 200.0)
    on = np.nonzero(road[r0:, c0:])
    np.testing.assert_allclose(moved[on], np.abs(px[r0:, c0:][on] - cx[r0:, c0:][on] * cell),
                               atol=1e-3)
