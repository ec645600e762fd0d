"""Multimodal reach and the services file, on SYNTHETIC networks."""

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from wuling_geo import settings as wg_settings
from wuling_geo._util.errors import InputError
from wuling_geo.analysis.catchments.bands import COLUMNS as CATCHMENT_COLUMNS
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.analysis.multimodal import load_services, parse_services, reach
from wuling_geo.network import routing

from .helpers import cli
from .synthetic import from_edge_list, grid_network

wg_settings.quiet = True
WALK = wg_settings.access_speed_kph / 3.6


def lonlat(net, node):
    return float(net.nodes.loc[node, "x"]), float(net.nodes.loc[node, "y"])


def services_text(a, b, in_vehicle=0, boarding=0, frequency=1, extra="", both_ways=False):
    return f"""
[[stop]]
id = "a"
name = "Stop A"
lon = {float(a[0])!r}
lat = {float(a[1])!r}

[[stop]]
id = "b"
name = "Stop B"
lon = {float(b[0])!r}
lat = {float(b[1])!r}

[[service]]
id = "s"
mode = "rail"
from = "a"
to = "b"
both_ways = {str(both_ways).lower()}
in_vehicle_minutes = {in_vehicle}
boarding_minutes = {boarding}
frequency_per_day = {frequency}
{extra}
"""


def random_grid(seed):
    base = grid_network(7, 7, spacing_m=600)
    rng = np.random.default_rng(seed)
    pairs = list(zip(base.edges["u"], base.edges["v"], strict=True))
    return from_edge_list(base.nodes, pairs, {p: float(rng.uniform(15, 80)) for p in pairs})


def road_reach(net, points, limit_s, profile="car"):
    """Plain road reach from several points (each with its walk to the road), per node."""
    snaps = [net.snap(*p) for p in points]
    times = routing.node_times(net, snaps, profile)
    walk = np.array([s.distance_m / WALK for s in snaps])[:, None]
    best = (times + walk).min(axis=0)
    return np.where(best <= limit_s, best, np.inf)


def same(a, b):
    return np.array_equal(np.isinf(a), np.isinf(b)) and np.allclose(a[np.isfinite(a)],
                                                                    b[np.isfinite(b)], atol=1e-6)


# ---------------------------------------------------------------- reach: the stated properties

@hsettings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), a=st.tuples(st.floats(0, 1), st.floats(0, 1)),
       b=st.tuples(st.floats(0, 1), st.floats(0, 1)), limit=st.sampled_from([5, 10, 20]))
def test_zero_time_service_equals_road_reach_from_both_ends(seed, a, b, limit):
    """A zero-time, zero-wait service from A to B makes reach from A equal to road reach
    from {A, B} (each point with its walk to the road)."""
    net = random_grid(seed)
    west, south, east, north = net.edges.total_bounds
    pa = (west + a[0] * (east - west), south + a[1] * (north - south))
    pb = (west + b[0] * (east - west), south + b[1] * (north - south))
    table = parse_services(services_text(pa, pb))
    got = reach(net, pa, table, minutes=[limit])
    assert same(got.node_seconds, road_reach(net, [pa, pb], limit * 60))
    arrival_b = got.stops.set_index("id").loc["b", "arrival_minutes"]
    assert arrival_b == pytest.approx(0, abs=1e-6)


def test_service_that_does_not_run_changes_nothing():
    net = random_grid(1)
    pa, pb = lonlat(net, 1), lonlat(net, 49)
    table = parse_services(services_text(pa, pb, frequency=0))
    assert any("does not run" in note for note in table.notes)
    with_service = reach(net, pa, table, minutes=[10, 20])
    road_only = reach(net, pa, None, minutes=[10, 20])
    assert same(with_service.node_seconds, road_only.node_seconds)
    assert with_service.bands.geometry.equals(road_only.bands.geometry)
    assert same(road_only.node_seconds, road_reach(net, [pa], 20 * 60))


def test_arrival_adds_wait_headway_and_in_vehicle_time():
    net = grid_network(6, 6, spacing_m=1000, speed_kph=36)  # 100 s per block
    pa, pb = lonlat(net, 1), lonlat(net, 36)  # 10 blocks apart: 1000 s by road
    extra = "service_hours = 16"
    table = parse_services(services_text(pa, pb, in_vehicle=2, boarding=1, frequency=8,
                                         extra=extra))
    assert table.services[0].wait_minutes == pytest.approx(1 + 16 * 60 / 8 / 2)  # 61 min
    got = reach(net, pa, table, minutes=[70])
    stops = got.stops.set_index("id")
    assert stops.loc["b", "arrival_minutes"] == pytest.approx(1000 / 60)  # the road is faster
    table = parse_services(services_text(pa, pb, in_vehicle=2, boarding=1, frequency=8))
    got = reach(net, pa, table, minutes=[70])
    assert got.stops.set_index("id").loc["b", "arrival_minutes"] == pytest.approx(3)
    assert got.stops.set_index("id").loc["b", "via"].endswith("s")
    # Every node: the better of the road from A and the road from B after 3 minutes.
    snaps = [net.snap(*pa), net.snap(*pb)]
    t = routing.node_times(net, snaps)
    expect = np.minimum(t[0], t[1] + 180)
    assert same(got.node_seconds, np.where(expect <= 4200, expect, np.inf))


def test_one_way_service_and_both_ways():
    net = grid_network(6, 6, spacing_m=1000, speed_kph=36)
    pa, pb = lonlat(net, 1), lonlat(net, 36)
    one_way = parse_services(services_text(pb, pa, in_vehicle=1))  # B → A only
    assert same(reach(net, pa, one_way, [30]).node_seconds, road_reach(net, [pa], 1800))
    both = parse_services(services_text(pb, pa, in_vehicle=1, both_ways=True))
    assert reach(net, pa, both, [30]).stops.set_index("id").loc["a", "arrival_minutes"] == \
        pytest.approx(1)


def test_start_off_the_network_uses_the_stated_assumption():
    net = grid_network(4, 4, spacing_m=1000, speed_kph=36)
    far = (108.40, 29.30)  # about 30 km from the grid
    stop = lonlat(net, 1)
    table = parse_services(services_text(far, stop, in_vehicle=30, boarding=10))
    got = reach(net, far, table, minutes=[60, 90])
    assert any("offnetwork_speed_kph" in note for note in got.notes)
    assert not got.stops.set_index("id").loc["origin", "on_network"]
    assert got.stops.set_index("id").loc["b", "arrival_minutes"] == pytest.approx(40)
    assert got.node_seconds[net.node_position[1]] == pytest.approx(2400, abs=1e-6)
    assert list(got.bands["minutes"]) == [60, 90]
    area = got.bands["area_km2"].to_numpy()  # the whole small grid within 60 min
    assert area[0] > 0 and area[1] == pytest.approx(area[0])
    assert list(got.bands.columns) == [*CATCHMENT_COLUMNS, "geometry"]
    assert (got.bands["mode"] == "multimodal").all()


def test_bands_are_nested_and_follow_node_times():
    net = grid_network(8, 8, spacing_m=1000, speed_kph=36)  # 100 s per block
    got = reach(net, lonlat(net, 1), None, minutes=[5.5, 10.5])
    small, large = got.bands.geometry
    assert small.difference(large).area < 1e-9 * small.area and large.area > small.area
    pts = gpd.points_from_xy(net.nodes["x"], net.nodes["y"])
    for pt, t in zip(pts, got.node_seconds, strict=True):
        assert small.contains(pt) == (t <= 330)
    # Road km: the reached part of every road, a two-way road counted once.
    t = routing.node_times(net, [net.snap(*lonlat(net, 1))])[0]
    edges = net.edges[net.edges["u"] < net.edges["v"]]
    u, v = net.node_position[edges["u"]].to_numpy(), net.node_position[edges["v"]].to_numpy()
    tt = edges["travel_time_car"].to_numpy()
    cover = np.minimum(np.clip((330 - t[u]) / tt, 0, 1) + np.clip((330 - t[v]) / tt, 0, 1), 1)
    expect = float((edges["length"].to_numpy() * cover).sum()) / 1000
    assert got.bands["road_km"].iloc[0] == pytest.approx(expect, rel=1e-6)


def test_road_only_reach_is_drawn_like_a_catchment():
    net = random_grid(11)
    edge = net.edges[(net.edges["u"] == 17) & (net.edges["v"] == 18)].geometry.iloc[0]
    start = edge.interpolate(0.37, normalized=True).coords[0]  # on the road: no walk
    got = reach(net, start, None, minutes=[4, 8]).bands
    ref = catchments(net, [start], minutes=[4, 8], stats=False, engine="exact")
    assert list(got.columns) == list(ref.columns)
    assert got["road_km"].to_numpy() == pytest.approx(ref["road_km"].to_numpy(), rel=1e-5)
    for mine, theirs in zip(got.geometry, ref.geometry, strict=True):
        assert mine.symmetric_difference(theirs).area < 1e-4 * theirs.area


# ---------------------------------------------------------------- the services file

def test_shipped_services_have_only_sourced_figures():
    table = load_services()
    by_id = {s.id: s for s in table.services}
    assert set(by_id) == {"yuxia-hsr", "g8699", "k73", "qianzhangchang-changde", "jiq-air-bus",
                          "liangping-qianjiang-air", "wanzhou-qianjiang-air",
                          "yongchuan-qianjiang-air"}
    # FACTS.md: 61 min is the fastest 重庆东→黔江 time, not a typical one; the first train took 89.
    hsr = by_id["yuxia-hsr"]
    assert (hsr.in_vehicle_minutes, hsr.in_vehicle_basis, hsr.both_ways) == (61, "fastest", False)
    assert "国铁集团" in hsr.source and hsr.confidence == "high"
    assert hsr.boarding_minutes is None and hsr.frequency_per_day is None  # none sourced
    assert (by_id["g8699"].in_vehicle_minutes, by_id["g8699"].in_vehicle_basis) == (89, "one_run")
    assert (by_id["k73"].in_vehicle_minutes, by_id["k73"].origin) == (230, "chongqing-north")
    qzc = by_id["qianzhangchang-changde"]
    assert (qzc.in_vehicle_minutes, qzc.in_vehicle_basis, qzc.frequency_per_day) == (189, "fastest", 12)
    assert by_id["liangping-qianjiang-air"].in_vehicle_minutes == 62  # 14:30 → 15:32
    # The air bus: only the seed's frequency; no time is sourced anywhere.
    bus = by_id["jiq-air-bus"]
    assert bus.in_vehicle_minutes is None and bus.frequency_per_day == 4 and "4–6" in bus.source
    for sid in ("wanzhou-qianjiang-air", "yongchuan-qianjiang-air"):
        assert by_id[sid].in_vehicle_minutes is None
    stops = table.stops
    assert (stops["chongqing-airport"].lon, stops["chongqing-airport"].lat) == (106.651895, 29.712254)
    assert stops["chongqing-airport"].confidence == "high"
    assert (stops["chongqing-north"].lon, stops["chongqing-north"].lat) == (106.547083, 29.610417)
    assert (stops["chongqing-station"].lon, stops["chongqing-station"].lat) == (106.544028, 29.552639)
    assert stops["qianjiang-station"].lon == pytest.approx(108.7861)
    assert not stops["chongqing-east"].resolved  # no position found
    # Only K73 has both ends placed; it is a best case (one run, no wait sourced).
    assert [s.id for s in table.usable()] == ["k73"]
    notes = " | ".join(table.notes)
    assert "yuxia-hsr" in notes and "known: 61 min on board from 重庆东站 to 黔江站, this direction " \
        "only, the fastest run, not a typical trip" in notes
    assert "k73 (K73 重庆北→黔江 (conventional, 渝怀铁路)) is a best case" in notes
    assert re.search(r"jiq-air-bus .* skipped: has no in-vehicle time", notes)


def test_fastest_time_is_used_as_a_best_case_with_no_wait():
    net = grid_network(6, 6, spacing_m=1000, speed_kph=36)  # 100 s per block
    pa, pb = lonlat(net, 1), lonlat(net, 36)  # 1000 s apart by road
    text = services_text(pa, pb, in_vehicle=3).replace("boarding_minutes = 0\n", "").replace(
        "frequency_per_day = 1\n", 'in_vehicle_basis = "fastest"\n')
    table = parse_services(text)
    service = table.services[0]
    assert service.in_vehicle_basis == "fastest" and service.wait_minutes == 0
    assert table.notes == ["service s (s) is a best case: 3 min on board is the fastest run, not a "
                           "typical trip; no boarding allowance or frequency is given, so its wait "
                           "is taken as 0 min"]
    got = reach(net, pa, table, minutes=[30])
    assert got.stops.set_index("id").loc["b", "arrival_minutes"] == pytest.approx(3)
    assert table.notes[0] in got.notes
    # A typical time still needs its boarding allowance and frequency.
    with pytest.raises(InputError, match="'boarding_minutes' is missing"):
        parse_services(text.replace('in_vehicle_basis = "fastest"', 'in_vehicle_basis = "typical"'))


GOOD = services_text((108.7, 29.4), (108.8, 29.5), in_vehicle=10, boarding=5, frequency=3)


@pytest.mark.parametrize(("edit", "pattern"), [
    (('to = "b"', 'to = "zz"'), r":\d+: service 's': field 'to' names unknown stop 'zz'"),
    (("in_vehicle_minutes = 10", "in_vehicle_minutes = -10"), r"'in_vehicle_minutes' must be ≥ 0"),
    (("boarding_minutes = 5", ""), r"'boarding_minutes' is missing"),
    (("frequency_per_day = 3", 'frequency_per_day = "often"'), r"must be a number, not 'often'"),
    (('mode = "rail"', 'mode = "rocket"'), r"'rocket' is not one of rail, air"),
    (('name = "Stop A"', 'name = "Stop A"\ncolour = "red"'), r"field 'colour' is unknown"),
    (('lat = 29.4\n', ''), r"field 'lon' is given without lat"),
    (('to = "b"', 'to = "a"'), r"is the same stop as 'from'"),
    (('id = "b"', 'id = "a"'), r"stop 'a': field 'id' is a duplicate"),
    (("[[service]]", "[[service]\n"), r"TOML syntax"),
    (("frequency_per_day = 3", 'frequency_per_day = 3\nin_vehicle_basis = "usual"'),
     r"'in_vehicle_basis' 'usual' is not one of typical, fastest, one_run"),
    (("in_vehicle_minutes = 10", 'in_vehicle_basis = "fastest"'),
     r"'in_vehicle_basis' is given without in_vehicle_minutes"),
    (('name = "Stop A"', 'name = "Stop A"\nconfidence = "sure"'),
     r"stop 'a': field 'confidence' 'sure' is not one of high"),
])
def test_bad_services_file_is_a_one_line_input_error(edit, pattern):
    text = GOOD.replace(*edit, 1)
    with pytest.raises(InputError, match=pattern) as info:
        parse_services(text, "svc.toml")
    assert "\n" not in str(info.value)


def test_error_names_the_line():
    text = GOOD.replace("in_vehicle_minutes = 10", "in_vehicle_minutes = -1")
    line = next(i + 1 for i, row in enumerate(text.splitlines()) if "in_vehicle" in row)
    with pytest.raises(InputError, match=rf"^svc\.toml:{line}: "):
        parse_services(text, "svc.toml")


def test_stop_by_gazetteer_place_and_unknown_place():
    table = parse_services('[[stop]]\nid = "jiq"\nplace = "JIQ"\n')
    assert table.stops["jiq"].lon == pytest.approx(108.83111)
    with pytest.raises(InputError, match="names no gazetteer place"):
        parse_services('[[stop]]\nid = "x"\nplace = "Atlantis"\n')


def test_service_with_unresolved_stop_is_skipped_with_a_message():
    text = GOOD.replace('lon = 108.8\nlat = 29.5\n', '')
    table = parse_services(text)
    assert table.usable() == [] and "stop 'b' has no position" in table.notes[0]


def test_gcj02_stop_is_converted():
    text = '[[stop]]\nid = "jiq"\nlon = 108.83541\nlat = 29.51053\ndatum = "gcj02"\n'
    stop = parse_services(text).stops["jiq"]
    assert (stop.lon, stop.lat) == pytest.approx((108.83111, 29.51333), abs=2e-5)
    assert stop.input_datum == "gcj02"  # the datum it was given in is kept


# ---------------------------------------------------------------- CLI

def write_services(folder: Path, text: str) -> Path:
    path = folder / "svc.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_reach_from_outside_the_district(capsys, tmp_path, network_dir):
    svc = write_services(tmp_path, """
[[stop]]
id = "far"
name = "Far station (SYNTHETIC)"
lon = 106.55
lat = 29.56
[[stop]]
id = "qj"
place = "qianjiang-station"
[[service]]
id = "train"
mode = "rail"
from = "far"
to = "qj"
in_vehicle_minutes = 50
boarding_minutes = 10
frequency_per_day = 10
""")
    out = tmp_path / "reach.gpkg"
    code, text, _ = cli(capsys, "reach", "--network", str(network_dir), "--from", "106.55,29.56",
                        "--services", str(svc), "--minutes", "90", "120", "--out", str(out))
    assert code == 0, text
    assert re.search(r"qj: +60\.0 min via ground to far → train", text)
    assert set(dict(pyogrio.list_layers(out))) == {"reach", "stops"}
    bands = gpd.read_file(out, layer="reach")
    assert list(bands["minutes"]) == [90, 120] and (bands["area_km2"] > 0).all()
    page = tmp_path / "reach.html"
    code, text, _ = cli(capsys, "reach", "--network", str(network_dir), "--from", "far",
                        "--services", str(svc), "--minutes", "90", "--map", str(page))
    assert code == 0 and "qj:" in text
    assert page.read_text(encoding="utf-8").count('"kind": "band"') == 1


def test_cli_one_hour_circle_from_qianjiang_says_what_is_known_and_not(capsys, network_dir):
    """The seed's "1-hour circle" from 黔江站 with the shipped services (SYNTHETIC roads)."""
    code, text, err = cli(capsys, "reach", "--network", str(network_dir), "--from", "黔江站",
                          "--minutes", "60")
    assert code == 0, err
    said = text + err
    # Known: the fastest train takes 61 min on board, one way, before any wait.
    assert re.search(r"yuxia-hsr .* skipped: stop 'chongqing-east' has no position.*known: 61 min "
                     r"on board from 重庆东站 to 黔江站, this direction only, the fastest run", said)
    assert "known: 89 min on board" in said  # the first train
    # Not known: the air shuttle's times, 重庆东站's position.
    assert re.search(r"jiq-air-bus .* skipped: has no in-vehicle time", said)
    # Chongqing North is placed but off this network: the ground assumption is stated.
    assert "重庆北站 lie(s) off the road network" in said and "offnetwork_speed_kph" in said
    assert re.search(r"within +60 min: +[\d.]+ km²", text)


@pytest.mark.parametrize(("args", "pattern"), [
    (["--from", "Atlantis"], "unknown place 'Atlantis'"),
    (["--from", "重庆东站"], r"stop chongqing-east \(重庆东站\) has no position"),
    (["--from", "JIQ", "--minutes", "-5"], r"'--minutes': -5.0 is not in the range x>0"),
    (["--from", "JIQ", "--services", "SVC"], "names unknown stop 'nowhere'"),
    (["--from", "JIQ", "--services", "OUT/none.toml"], "services file .* not found"),
    (["--from", "JIQ", "--out", "OUT/r.shp"], r"FILE\.gpkg"),
])
def test_cli_reach_bad_input(capsys, tmp_path, network_dir, args, pattern):
    bad = write_services(tmp_path, GOOD.replace('to = "b"', 'to = "nowhere"'))
    args = [a.replace("SVC", str(bad)).replace("OUT", str(tmp_path)) for a in args]
    code, _, err = cli(capsys, "reach", "--network", str(network_dir), "--out",
                       str(tmp_path / "r.gpkg"), *args)
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert code == 2 and re.search(pattern, err), err
    assert "Traceback" not in err and len(lines) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc.toml"]
