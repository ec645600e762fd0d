"""Speed model: maxspeed parsing, the profile file, curvature and DEM grade penalties.

Roads are SYNTHETIC, on the equator in UTM zone 31 (EPSG:32631), where the equator is the
straight line y = 0, so grades and turning angles built in metres are known exactly.
"""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Transformer

from tests.test_network_osm import equator_m, write_osm
from wuling_geo._util.errors import InputError
from wuling_geo.network.build.importer import ImportOptions, import_network
from wuling_geo.network.speed.mountain import G, climb_speed_kph, curvature_factor, turning_deg_per_km
from wuling_geo.network.speed.profile import (
    SETTINGS,
    default_profile_path,
    load_profile,
    parse_duration_s,
    parse_maxspeed,
)

ZONES = load_profile().zones
TO_LL = Transformer.from_crs("EPSG:32631", "EPSG:4326", always_xy=True)
TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32631", always_xy=True)


@pytest.mark.parametrize(("value", "expected"), [
    ("60", 60), ("60 km/h", 60), ("60kmh", 60), ("45 kph", 45), ("40 mph", 40 * 1.609344),
    ("10 knots", 18.52), ("CN:urban", 50), ("cn:rural", 70), ("CN:motorway", 120),
    ("60;80", 60), ("80|60", 60), ("none", None), ("signals", None), ("", None), (None, None),
    ("walk", 6), ("0", None), (["50", "30"], 30), (float("nan"), None), ("fast", None),
])
def test_parse_maxspeed(value, expected):
    got = parse_maxspeed(value, ZONES)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_zone_values_differ_by_vehicle():
    assert parse_maxspeed("CN:motorway", ZONES, "truck") == 100


@given(st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=4))
def test_lists_take_the_lowest(speeds):
    assert parse_maxspeed(";".join(map(str, speeds)), ZONES) == min(speeds)
    assert parse_maxspeed(";".join(f"{s} mph" for s in speeds), ZONES) == \
        pytest.approx(min(speeds) * 1.609344)


@pytest.mark.parametrize(("value", "seconds"), [("00:10", 600), ("1:30", 5400),
                                                ("0:01:30", 90), ("25", 1500), ("x", None),
                                                (None, None), ("0:00", None)])
def test_parse_duration(value, seconds):
    assert parse_duration_s(value) == seconds


def test_shipped_profile_values_have_sources_and_order():
    data = tomllib.loads(default_profile_path().read_text(encoding="utf-8"))
    for name, entry in data["classes"].items():
        for setting in SETTINGS:
            assert entry[setting]["source"].strip(), f"{name}.{setting}"
        for setting in ("rural", "urban"):
            car, truck = entry[f"car_{setting}"], entry[f"truck_{setting}"]
            assert car["winding_kph"] <= car["kph"]
            assert truck["kph"] <= car["kph"], f"{name}: trucks are never faster than cars"
    # the legal caps of FACTS.md
    assert data["classes"]["motorway"]["car_rural"]["kph"] == 120
    assert data["classes"]["motorway"]["truck_rural"]["kph"] == 100


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace('car_rural = { kph = 80, winding_kph = 60, source = "JTG B01-2014 '
                         '二级公路 80 (plain) / 60 (mountain)" }',
                         'car_rural = { kph = 80, winding_kph = 60 }'),
     r"classes\.primary\.car_rural needs a 'source'"),
    (lambda t: t.replace("kph = 80, winding_kph = 60", "kph = 80, winding_kph = 90"),
     r"winding_kph must not exceed kph"),
    (lambda t: t.replace("kph = 80, winding_kph = 60", "kph = -80, winding_kph = 60"),
     r"kph must be positive"),
    (lambda t: t.replace("[ferry]", "[ferr]"), r"ferry is missing"),
    (lambda t: t + "\n[[broken", r"not valid TOML"),
])
def test_bad_profile_files(tmp_path, edit, message):
    text = default_profile_path().read_text(encoding="utf-8")
    path = tmp_path / "speeds.toml"
    path.write_text(edit(text), encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        load_profile(path)
    assert "\n" not in str(info.value)


def test_missing_profile_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_profile(tmp_path / "nope.toml")


# ------------------------------------------------------------------ curvature

def test_turning_of_known_shapes():
    import shapely
    stairs = shapely.LineString([(0, 0), (250, 0), (250, 250), (500, 250), (500, 500)])
    straight = shapely.LineString([(0, 0), (300, 1), (600, 0)])  # a 1 m kink: below 5 m noise
    square = shapely.LineString([(0, 0), (50, 0), (50, 50), (0, 50)])  # short: counted as 200 m
    got = turning_deg_per_km(np.array([stairs, straight, square]), 5.0, 200.0)
    assert got == pytest.approx([270.0, 0.0, 180 / 0.2])


@given(st.floats(0, 2000), st.floats(0, 2000), st.floats(0.3, 1.0))
def test_curvature_factor_bounded_and_monotone(t1, t2, ratio):
    f1, f2 = curvature_factor(np.array([t1, t2]), np.array([ratio, ratio]), 60, 360)
    assert ratio - 1e-12 <= f1 <= 1 and ratio - 1e-12 <= f2 <= 1
    if t1 <= t2:
        assert f1 >= f2 - 1e-12


def _stairs_file(tmp_path):
    x0, y0 = TO_M.transform(0.001, 0.0)
    pts = [(0, 0), (250, 0), (250, 250), (500, 250), (500, 500)]
    lon, lat = TO_LL.transform([x0 + x for x, _ in pts], [y0 + y for _, y in pts])
    nodes = {i + 1: (float(a), float(b)) for i, (a, b) in enumerate(zip(lon, lat, strict=True))}
    return write_osm(tmp_path / "stairs.osm", nodes,
                     [(1, list(nodes), {"highway": "primary"})])


def test_curvature_penalty_on_a_winding_road(tmp_path):
    src = _stairs_file(tmp_path)
    area = "-0.01,-0.01,0.02,0.02"
    edges = import_network(src, tmp_path / "net", ImportOptions(area=area)).network.edges
    row = edges[edges["u"] == 1].iloc[0]
    # 270° over 1000 m (UTM): w = (270 − 60) / (360 − 60) = 0.7; primary rural ratio 60/80
    factor = 1 - 0.7 * (1 - 60 / 80)
    # (OSM stores 7 decimals of a degree, about 1 cm: angles are exact to ~1e-5)
    assert row["turning_deg_per_km"] == pytest.approx(270, rel=1e-5)
    assert row["speed_kph_car"] == pytest.approx(80 * factor, rel=1e-5)
    assert row["speed_kph_truck"] == pytest.approx(60)  # truck cap below the car speed
    assert row["travel_time_car"] == pytest.approx(row["length"] / (80 * factor / 3.6), rel=1e-5)
    off = import_network(src, tmp_path / "net2", ImportOptions(area=area, curvature=False))
    assert off.network.edges["speed_kph_car"].iloc[0] == 80
    assert not off.network.meta["profile"]["curvature"]


# ------------------------------------------------------------------ grades

def test_climb_speed_formula():
    v = climb_speed_kph(np.array([0.06, 0.0, -0.05]), 8.0, 0.01)
    assert v[0] == pytest.approx(3.6 * 8.0 / (G * 0.07))
    assert np.isinf(v[1]) and np.isinf(v[2])


def _plane_dem(path, grade: float, x_range: tuple[float, float]):
    import rasterio
    from affine import Affine
    res = 10.0
    x_min, x_max = x_range
    width = int((x_max - x_min) / res)
    height = 40
    xs = x_min + (np.arange(width) + 0.5) * res
    z = np.tile(100 + grade * (xs - x_min), (height, 1)).astype("float64")
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1,
                       dtype="float64", crs="EPSG:32631",
                       transform=Affine(res, 0, x_min, 0, -res, 200.0)) as ds:
        ds.write(z, 1)
    return path


def test_grade_penalty_from_a_planar_dem(tmp_path):
    # a straight road along the equator, climbing 6 % eastwards on a planar DEM
    nodes = {1: (0.001, 0.0), 2: (0.011, 0.0)}
    src = write_osm(tmp_path / "hill.osm", nodes, [(1, [1, 2], {"highway": "primary"})])
    x1, _ = TO_M.transform(0.001, 0.0)
    x2, _ = TO_M.transform(0.011, 0.0)
    dem = _plane_dem(tmp_path / "dem.tif", 0.06, (x1 - 500, x2 + 500))
    net = import_network(src, tmp_path / "net", ImportOptions(area="-0.01,-0.01,0.02,0.01",
                                                              dem=dem)).network
    edges = net.edges.set_index(["u", "v"])
    length = equator_m(0.01)
    up, down = edges.loc[(1, 2)], edges.loc[(2, 1)]
    truck_climb = 3.6 * 8 / (G * (0.06 + 0.01))  # profile: 8 W/kg, c_rr 0.01
    assert up["speed_kph_truck"] == pytest.approx(truck_climb, rel=1e-6)
    assert up["travel_time_truck"] == pytest.approx(length / (truck_climb / 3.6), rel=1e-6)
    assert up["speed_kph_car"] == pytest.approx(80)  # a car's 50 W/kg climbs 6 % at 262 km/h
    assert down["speed_kph_truck"] == pytest.approx(60)  # descents are not penalised
    assert up["climb_m"] == pytest.approx(0.06 * (x2 - x1), rel=1e-6)
    assert down["climb_m"] == pytest.approx(0, abs=1e-6)
    assert net.meta["profile"]["grade"] is True
    no_grade = import_network(src, tmp_path / "net2", ImportOptions(
        area="-0.01,-0.01,0.02,0.01", dem=dem, grade=False)).network
    assert no_grade.edges["speed_kph_truck"].max() == 60 and "climb_m" not in no_grade.edges


def test_dem_that_misses_the_roads(tmp_path):
    nodes = {1: (0.001, 0.0), 2: (0.011, 0.0)}
    src = write_osm(tmp_path / "hill.osm", nodes, [(1, [1, 2], {"highway": "primary"})])
    dem = _plane_dem(tmp_path / "far.tif", 0.06, (100000.0, 102000.0))
    with pytest.raises(InputError, match="does not cover the network"):
        import_network(src, tmp_path / "net", ImportOptions(area="-0.01,-0.01,0.02,0.01",
                                                            dem=dem))
    with pytest.raises(InputError, match="DEM file .* not found"):
        import_network(src, tmp_path / "net", ImportOptions(area="-0.01,-0.01,0.02,0.01",
                                                            dem=tmp_path / "none.tif"))
    assert not (tmp_path / "net").exists()
    assert math.isfinite(equator_m(0.01))
