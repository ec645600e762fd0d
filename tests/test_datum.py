import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from wuling_geo._util.errors import DatumError
from wuling_geo.data import datum


def metres(a, b):
    """Haversine distance in metres between (lon, lat) pairs."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371000 * math.asin(math.sqrt(h))


# Published reference pairs (WGS-84 → GCJ-02) from the eviltransform project's tests
# (lat, lon order there): Shanghai, Shenzhen, Beijing.
WGS_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    # wandergis/coordtransform's example: WGS-84 (116.404, 39.915)
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
]
# GCJ-02 → BD-09, wandergis/coordtransform's example.
GCJ_BD = [((116.404, 39.915), (116.41036949371029, 39.92133699351021))]


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_published_wgs_gcj_pairs(wgs, gcj):
    assert metres(datum.convert(*wgs, "wgs84", "gcj02"), gcj) < 0.01
    assert metres(datum.convert(*gcj, "gcj02", "wgs84"), wgs) < 0.05


@pytest.mark.parametrize(("gcj", "bd"), GCJ_BD)
def test_published_gcj_bd_pair(gcj, bd):
    assert metres(datum.convert(*gcj, "gcj02", "bd09"), bd) < 0.01
    assert metres(datum.convert(*bd, "bd09", "gcj02"), gcj) < 0.05


def test_facts_airport_pair_in_qianjiang():
    # FACTS.md: JIQ reference point WGS-84 29.51333 N, 108.83111 E = GCJ-02 29.51053, 108.83541
    # (both rounded to 5 decimals, about 1 m).
    got = datum.convert(108.83111, 29.51333, "wgs84", "gcj02")
    assert metres(got, (108.83541, 29.51053)) < 1.5
    # FACTS.md: the offset at Qianjiang is about 0.5 km (GCJ-02) and 1.1 km (BD-09).
    assert 400 < datum.shift_m(108.78, 29.5, "wgs84", "gcj02") < 600
    assert 1000 < datum.shift_m(108.78, 29.5, "wgs84", "bd09") < 1250


def test_facts_zhuoshui_pair():
    # FACTS.md: GCJ-02 29.299416, 108.778624 = WGS-84 29.30224, 108.77427
    got = datum.convert(108.778624, 29.299416, "gcj02", "wgs84")
    assert metres(got, (108.77427, 29.30224)) < 1.5


def test_against_independent_implementation():
    import eviltransform

    for lon, lat in [(108.78, 29.53), (108.5, 29.1), (108.94, 29.86), (116.4, 39.9)]:
        g = datum.convert(lon, lat, "wgs84", "gcj02")
        ref_lat, ref_lon = eviltransform.wgs2gcj(lat, lon)
        assert metres(g, (ref_lon, ref_lat)) < 0.01
        w = datum.convert(*g, "gcj02", "wgs84")
        ref_lat, ref_lon = eviltransform.gcj2wgs_exact(g[1], g[0])
        assert metres(w, (ref_lon, ref_lat)) < 0.25  # eviltransform stops iterating at ~0.1 m
        assert metres(w, (lon, lat)) < 0.001


china = st.tuples(st.floats(75, 134), st.floats(18, 53))


@settings(max_examples=200, deadline=None)
@given(china, st.sampled_from(["gcj02", "bd09"]))
def test_round_trip_under_one_metre_in_china(point, other):
    there = datum.convert(*point, "wgs84", other)
    back = datum.convert(*there, other, "wgs84")
    assert metres(back, point) < 1.0
    # and the other way round
    back2 = datum.convert(*datum.convert(*point, other, "wgs84"), "wgs84", other)
    assert metres(back2, point) < 1.0


def test_outside_china_unchanged():
    assert datum.convert(24.94, 60.17, "wgs84", "gcj02") == (24.94, 60.17)  # Helsinki


def test_arrays_match_scalars():
    lons, lats = np.array([108.6, 108.8, 108.9]), np.array([29.2, 29.5, 29.8])
    xs, ys = datum.convert(lons, lats, "gcj02", "wgs84")
    for i in range(3):
        assert (xs[i], ys[i]) == datum.convert(float(lons[i]), float(lats[i]), "gcj02", "wgs84")


def test_geometry_keeps_structure():
    poly = shapely.Polygon([(108.7, 29.4), (108.8, 29.4), (108.8, 29.5)], [])
    line = shapely.LineString([(108.7, 29.4), (108.8, 29.5)])
    out = datum.convert_geometry(shapely.GeometryCollection([poly, line]), "wgs84", "gcj02")
    assert [g.geom_type for g in out.geoms] == ["Polygon", "LineString"]
    x, y = datum.convert(108.7, 29.4, "wgs84", "gcj02")
    assert out.geoms[1].coords[0] == pytest.approx((x, y))


@pytest.mark.parametrize("name", ["wgs84", "WGS-84", "gcj02", "GCJ-02", "amap", "bd09", "Baidu"])
def test_parse_datum_aliases(name):
    assert datum.parse_datum(name) in datum.DATUMS


def test_unknown_datum_message():
    with pytest.raises(DatumError, match="unknown datum 'utm'.*wgs84, gcj02, bd09"):
        datum.parse_datum("utm")


# ---------------------------------------------------------------- the numpy path against prcoords

def _prcoords(lon, lat, src, dst):
    """Convert one point with prcoords itself, as datum.convert did point by point."""
    import warnings

    import prcoords

    forward = {"gcj02": prcoords.wgs_gcj, "bd09": prcoords.wgs_bd}
    inverse = {"gcj02": prcoords.gcj_wgs_bored, "bd09": prcoords.bd_wgs_bored}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        point = prcoords.Coords(lat, lon)
        if src != "wgs84":
            point = inverse[src](point)
        if dst != "wgs84":
            point = forward[dst](point)
    return point.lon, point.lat


# The Wuling mountains around Qianjiang, with a margin.
wuling = st.tuples(st.floats(107.5, 109.5), st.floats(28.5, 30.5))
pairs = st.sampled_from([(a, b) for a in datum.DATUMS for b in datum.DATUMS if a != b])


@settings(max_examples=300, deadline=None)
@given(st.lists(wuling, min_size=1, max_size=50), pairs)
def test_numpy_path_agrees_with_prcoords_under_1cm(points, pair):
    src, dst = pair
    lons, lats = np.array(points).T
    xs, ys = datum.convert(lons, lats, src, dst)
    for x, y, lon, lat in zip(xs, ys, lons, lats, strict=True):
        assert metres((x, y), _prcoords(lon, lat, src, dst)) < 0.01


@settings(max_examples=300, deadline=None)
@given(st.lists(wuling, min_size=1, max_size=50), st.sampled_from(["gcj02", "bd09"]))
def test_numpy_round_trips_in_wuling_as_close_as_prcoords(points, other):
    # prcoords' inverses stop once a correction is under 1e-5 degrees: its own round trips
    # close to 3 mm (GCJ-02) and 2 cm (BD-09) over the region; the numpy path keeps that rule.
    bound = {"gcj02": 0.005, "bd09": 0.025}[other]
    lons, lats = np.array(points).T
    for src, dst in (("wgs84", other), (other, "wgs84")):
        back = datum.convert(*datum.convert(lons, lats, src, dst), dst, src)
        for x, y, lon, lat in zip(*back, lons, lats, strict=True):
            ref = _prcoords(*_prcoords(lon, lat, src, dst), dst, src)
            assert metres((x, y), (lon, lat)) < min(bound, metres(ref, (lon, lat)) + 0.001)


def test_prcoords_semantics_kept_outside_china_and_for_missing_values():
    # prcoords leaves WGS-84 → GCJ-02 alone outside China but shifts BD-09 everywhere, and its
    # iterative inverses run outside China too: the numpy path does the same.
    lons = np.array([24.94, -74.0, 151.2, np.nan, 108.78, np.inf])
    lats = np.array([60.17, 40.7, -33.9, 29.5, np.nan, 29.5])
    for src in datum.DATUMS:
        for dst in datum.DATUMS:
            if src == dst:
                continue
            xs, ys = datum.convert(lons, lats, src, dst)
            for i in range(3):
                assert metres((xs[i], ys[i]), _prcoords(lons[i], lats[i], src, dst)) < 0.01
            np.testing.assert_array_equal(xs[3:], lons[3:])  # not finite: passed through
            np.testing.assert_array_equal(ys[3:], lats[3:])


def test_large_arrays_keep_shape_and_match_small_ones():
    # More points than one chunk, in a 2-d array: same answers as converted one chunk at a time.
    rng = np.random.default_rng(1)
    lons = rng.uniform(107.5, 109.5, (3, 50_000))
    lats = rng.uniform(28.5, 30.5, (3, 50_000))
    xs, ys = datum.convert(lons, lats, "bd09", "wgs84")
    assert xs.shape == ys.shape == (3, 50_000)
    for i in (0, 77_777, 149_999):
        x, y = datum.convert(lons.flat[i], lats.flat[i], "bd09", "wgs84")
        assert (xs.flat[i], ys.flat[i]) == (x, y)
