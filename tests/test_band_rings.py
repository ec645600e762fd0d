"""Band polygons assembled from rings (``_band_rings``) and the threads that compute them:
rings of known shapes, nested bands on a SYNTHETIC road-like network (not Qianjiang) against
a plain union of buffers, and results that do not depend on the number of threads."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
import shapely
from benchmarks.synthetic_roads import road_network
from hypothesis import given
from hypothesis import strategies as st

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo._util.threads import ordered_map, worker_count
from wuling_geo.analysis.catchments import polygon_assembly as _band_rings
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.analysis.catchments.polygon_assembly import (
    Rings,
    apart_and_nested,
    nested_polygons,
    polygon_from_rings,
    ring_keys,
    union_sharing_holes,
)
from wuling_geo.analysis.catchments.polygons import cell_index, reference_polygon
from wuling_geo.analysis.catchments.road_reach import origin_pieces, reach, road_groups
from wuling_geo.cli import run
from wuling_geo.network.routing import node_times

A, Q, T = 200.0, 4, 25.0
SLACK = A * (1 - math.cos(1.5 * math.pi / (4 * Q))) + 0.5


def box(x0, y0, x1, y1):
    return shapely.box(x0, y0, x1, y1)


# ---------------------------------------------------------------- rings of known shapes
def test_each_hole_goes_to_the_smallest_shell_around_it():
    # a frame with a hole, an island in the hole with its own hole, and a square apart
    frame = shapely.Polygon(box(0, 0, 10, 10).exterior, [box(2, 2, 8, 8).exterior])
    island = shapely.Polygon(box(4, 4, 6, 6).exterior, [box(4.5, 4.5, 5.5, 5.5).exterior])
    apart = box(20, 0, 22, 2)
    rings = Rings.concat([Rings.of(g) for g in (island, apart, frame)])  # shells out of order
    assert list(rings.shell) == [True, False, True, True, False]
    got = polygon_from_rings(rings)
    assert got.is_valid
    assert got.area == pytest.approx(100 - 36 + 4 - 1 + 4)
    assert shapely.equals(got, shapely.union_all([frame, island, apart]))


def test_flipped_rings_make_a_cells_hole_a_hole_and_its_island_a_shell():
    cell = box(0, 0, 10, 10)
    hole = shapely.Polygon(box(2, 2, 8, 8).exterior, [box(4, 4, 6, 6).exterior])
    rings = Rings.concat([Rings.of(cell), Rings.of(hole, flip=True)])
    assert list(rings.shell) == [True, False, True]
    assert shapely.equals(polygon_from_rings(rings), cell.difference(hole))


def test_no_shell_is_an_empty_polygon_and_a_hole_without_shell_is_dropped():
    assert polygon_from_rings(Rings.of(shapely.Polygon())).is_empty
    rings = Rings.concat([Rings.of(box(0, 0, 1, 1)), Rings.of(box(5, 5, 6, 6), flip=True)])
    assert shapely.equals(polygon_from_rings(rings), box(0, 0, 1, 1))


def _holed(outline: shapely.Geometry, holes: list[shapely.Geometry]) -> shapely.Geometry:
    """``outline`` less ``holes`` (squares, possibly overlapping each other or the outline)."""
    return shapely.difference(outline, shapely.union_all(holes)) if holes else outline


@given(st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15), st.sampled_from([1, 2, 3]),
                          st.sampled_from(["both", "a", "b"])), max_size=25),
       st.integers(6, 16), st.sampled_from(["none", "apart", "in a hole"]))
def test_union_sharing_holes_is_the_union(holes, reach, island):
    """Random holes, shared by both polygons or in one only, some crossing the smaller
    polygon's outline or each other; the smaller polygon may have an island apart, or one
    inside a hole of the larger polygon: the result equals GEOS's union and is valid."""
    big = _holed(box(0, 0, 20, 20), [box(16.5, 1.5, 19.5, 4.5)] if island == "in a hole" else [])
    small = box(2, 6, reach, reach + 4)
    squares = {k: [box(x + 0.5, y + 0.5, x + 0.5 + s, y + 0.5 + s) for x, y, s, who in holes
                   if who in (k, "both")] for k in ("a", "b")}
    a = _holed(big, squares["a"])
    b = _holed(small, squares["b"])
    if island != "none":
        b = shapely.union(b, box(30, 30, 31, 31) if island == "apart" else box(17.5, 2.5, 18.5, 3.5))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_band_rings, "_FEW_RINGS", 0)  # sort the rings out however few
        got = union_sharing_holes(a, b)
    want = shapely.union(a, b)
    assert got.is_valid
    assert shapely.area(shapely.symmetric_difference(got, want)) < 1e-9


def test_union_sharing_holes_keeps_a_shared_hole_out_of_the_overlay(monkeypatch):
    a = shapely.Polygon(box(0, 0, 10, 10).exterior, [box(1, 1, 2, 2).exterior, box(6, 6, 7, 7).exterior])
    b = shapely.Polygon(box(0.5, 0.5, 5, 5).exterior, [box(1, 1, 2, 2).exterior])
    monkeypatch.setattr(_band_rings, "_FEW_RINGS", 0)
    seen = []
    real = _band_rings._union
    monkeypatch.setattr(_band_rings, "_union", lambda x, y: seen.append((x, y)) or real(x, y))
    got = union_sharing_holes(a, b)
    assert got.equals(shapely.union(a, b))
    assert all(len(shapely.get_rings(g)) == 1 for pair in seen for g in pair)  # shells only


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=3, max_size=9,
                unique=True).flatmap(lambda p: st.tuples(st.just(p), st.permutations(p))),
       st.integers(0, 20), st.booleans())
def test_ring_keys_are_equal_exactly_for_the_same_ring(pair, shift, backwards):
    """A ring, the same ring started elsewhere and run either way (equal keys), the same
    vertices joined in another order (equal keys only when the edges are the same), and a
    ring one coordinate bit away (another key)."""
    points, shuffled = pair
    turned = points[shift % len(points):] + points[:shift % len(points)]
    turned = turned[::-1] if backwards else turned
    moved = [(points[0][0] + 1e-9, points[0][1]), *points[1:]]
    keys = ring_keys(shapely.linearrings([points, turned, moved, shuffled]))

    def edges(ring):
        return Counter(frozenset(e) for e in zip(ring, ring[1:] + ring[:1], strict=True))

    assert keys[0] == keys[1]
    assert keys[0] != keys[2]
    assert (keys[0] == keys[3]) == (edges(points) == edges(shuffled))


_SQUARE = st.tuples(st.integers(-2, 20), st.integers(-2, 20), st.integers(1, 6))


@given(st.lists(st.tuples(_SQUARE, st.lists(_SQUARE, max_size=4)), min_size=1, max_size=5))
def test_apart_and_nested_is_validity_with_rings_apart(parts):
    """Random polygons of squares (a shell and holes each: holes outside, crossing, nested
    in or touching others; polygons inside others or apart): the quick test says valid
    exactly when GEOS does and no two rings meet, so it never passes an invalid band."""
    def ring(x, y, size):
        return box(x, y, x + size, y + size).exterior

    rings, poly_of = [], []
    for i, (shell, holes) in enumerate(parts):
        for sq in [shell, *holes]:
            rings.append(ring(*sq))
            poly_of.append(i)
    rings_a, poly_of_a = np.array(rings, dtype=object), np.array(poly_of)
    polys = shapely.polygons(rings_a, indices=poly_of_a)
    a, b = shapely.STRtree(rings_a).query(rings_a, predicate="intersects")
    want = bool(shapely.is_valid(shapely.multipolygons(polys))) and not (a != b).any()
    assert apart_and_nested(rings_a, poly_of_a, polys) == want


# ---------------------------------------------------------------- nested bands
@pytest.fixture(scope="module")
def roads():
    return road_network(2500, seed=11)  # SYNTHETIC road-like network


def _bands(net, seconds, tolerance, direction="from"):
    groups = road_groups(net)
    cells = cell_index(net, groups, A, Q, tolerance)
    times = net.travel_time("car")
    west, south, east, north = net.edges.total_bounds
    rng = np.random.default_rng(5)
    snaps = [net.snap(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(3)]
    d = node_times(net, snaps, "car", direction=direction)
    out = []
    for i, snap in enumerate(snaps):
        reaches = [reach(net, groups, d[i], s, direction, times,
                         origin_pieces(net, groups, [snap], times, s, direction)) for s in seconds]
        out.append((cells, reaches, nested_polygons(cells, [cells.frontier(r) for r in reaches])))
    return out


@pytest.mark.parametrize("direction", ["from", "to"])
def test_nested_bands_are_nested_valid_and_equal_the_plain_union(roads, monkeypatch, direction):
    """Each band lies within the simplification tolerance (plus the chords of round ends)
    of the plain union of its buffered road, holds the band before exactly, and some cell
    becomes full under the band before (the case the holes are trimmed for)."""
    trimmed = []
    real = _band_rings._adjusted

    def spy(*args):
        got = real(*args)
        trimmed.extend(got)
        return got

    monkeypatch.setattr(_band_rings, "_adjusted", spy)
    seconds = (240, 480, 900, 1800, 3600)
    holes = 0
    for cells, reaches, polygons in _bands(roads, seconds, T, direction):
        to_out, _ = cells.transforms("storage")
        for k, (r, band) in enumerate(zip(reaches, polygons, strict=True)):
            assert band.is_valid
            if k:
                out = shapely.difference(polygons[k - 1], band)
                assert out.area <= 1e-3 / 111_000 * out.length / 2  # slivers under 1 mm
            ref = shapely.transform(reference_polygon(r, A, Q), to_out)
            slack = (T + SLACK) / 111_000 * 1.2  # metres to degrees, with room for longitude
            assert shapely.buffer(ref, slack).covers(band) and shapely.buffer(band, slack).covers(ref)
            holes += sum(shapely.get_num_interior_rings(shapely.get_parts(band)))
    assert holes > 0 and trimmed


def test_unsimplified_bands_match_the_plain_union_closely(roads):
    for cells, reaches, polygons in _bands(roads, (600, 1800), 0.0):
        to_out, _ = cells.transforms("storage")
        for r, band in zip(reaches, polygons, strict=True):
            ref = shapely.transform(reference_polygon(r, A, Q), to_out)
            assert shapely.symmetric_difference(band, ref).area <= 5e-4 * ref.area


# ---------------------------------------------------------------- threads
def test_ordered_map_keeps_the_order_and_passes_errors_on():
    assert list(ordered_map(lambda x: x * x, range(50), workers=3)) == [x * x for x in range(50)]
    assert list(ordered_map(str, [], workers=2)) == []

    def boom(x):
        if x == 7:
            raise InputError("seven")
        return x

    with pytest.raises(InputError, match="seven"):
        list(ordered_map(boom, range(20), workers=2))


def test_results_do_not_depend_on_the_threads(roads, monkeypatch):
    pts = [(f"o{i}", float(x), float(y)) for i, (x, y) in
           enumerate(roads.nodes[["x", "y"]].to_numpy()[::400][:4])]
    got = {}
    for workers in (1, 3):
        monkeypatch.setattr(settings, "workers", workers)
        got[workers] = catchments(roads, pts, (10, 20), stats=False)
    assert got[1].drop(columns="geometry").equals(got[3].drop(columns="geometry"))
    assert all(shapely.equals_exact(a, b, 0) for a, b in
               zip(got[1].geometry, got[3].geometry, strict=True))


@pytest.mark.parametrize("value", ["0", "two", "-1", "1.5"])
def test_a_bad_worker_count_is_a_one_line_error(monkeypatch, capsys, value, network_dir):
    monkeypatch.setattr(settings, "workers", None)
    monkeypatch.setenv("WULING_GEO_WORKERS", value)
    with pytest.raises(InputError, match="WULING_GEO_WORKERS"):
        worker_count()
    code = run(["-q", "catchments", "--network", str(network_dir), "--from", "黔江站",
                "--minutes", "10"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "WULING_GEO_WORKERS" in err


def test_worker_count_follows_the_option_the_setting_and_the_environment(monkeypatch, capsys,
                                                                        network_dir):
    monkeypatch.setenv("WULING_GEO_WORKERS", "3")
    assert worker_count() == 3
    monkeypatch.setattr(settings, "workers", 1)
    assert worker_count() == 1
    code = run(["-q", "--workers", "2", "catchments", "--network", str(network_dir), "--from",
                "黔江站", "--minutes", "10"])
    assert code == 0 and settings.workers == 2 and worker_count() == 2
    capsys.readouterr()
    code = run(["-q", "--workers", "0", "catchments", "--network", str(network_dir), "--from",
                "黔江站", "--minutes", "10"])
    assert code == 2 and "--workers" in capsys.readouterr().err
