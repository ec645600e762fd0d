"""Truck limits (maxheight, maxwidth, maxlength, maxweight, hgv access, height restrictors).

A hand-made SYNTHETIC OSM file (not Qianjiang): a west road 1–2, an east road 3–4, and
between junctions 2 and 3 a short straight way 11 (the "bridge", tagged per test) and a
longer detour way 12 through 5. From the middle of 1–2 to the middle of 3–4 a car takes the
bridge; a truck the bridge closes takes the detour. Every expected time is a sum of the
network's own edge times.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import osmium
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo.cli import run
from wuling_geo.network import routing, turns
from wuling_geo.network.build.importer import ImportOptions, import_network
from wuling_geo.network.speed.profile import load_profile
from wuling_geo.network.summary import summarize
from wuling_geo.network.truck_limits import limit_columns, parse_metres, parse_tonnes

from .osm_xml import write_osm
from .test_network_realdata import extract_box

X, Y, D = 108.80, 29.50, 0.01
RES = {"highway": "residential"}


def build(tmp_path, bridge=None, detour=None, barrier=None, name="net"):
    nodes = [(1, X - 2 * D, Y, {}), (2, X - D, Y, {}), (3, X + D, Y, {}), (4, X + 2 * D, Y, {}),
             (5, X, Y + D, {}), (30, X, Y, barrier or {})]
    ways = [(10, [1, 2], RES), (11, [2, 30, 3], RES | (bridge or {})),
            (12, [2, 5, 3], RES | (detour or {})), (13, [3, 4], RES)]
    osm = write_osm(tmp_path / f"{name}.osm", nodes, ways)
    box = f"{X - 3 * D},{Y - 2 * D},{X + 3 * D},{Y + 2 * D}"
    return import_network(osm, tmp_path / name, ImportOptions(area=box))


def way_time(net, way, profile):
    """Time (s) of one direction (west to east) of a way, summed over its edges."""
    e = net.edges[(net.edges["way_id"] == way) & ~net.edges["reversed"]]
    return float(e[f"travel_time_{profile}"].sum())


def ends(net):
    return net.snap(X - 1.5 * D, Y), net.snap(X + 1.5 * D, Y)


def expected(net, profile, via):
    return (0.5 * way_time(net, 10, profile) + way_time(net, via, profile)
            + 0.5 * way_time(net, 13, profile))


@pytest.fixture
def truck(monkeypatch):
    """Set the truck's dimensions for one test (restored afterwards)."""
    def set_(**kw):
        for key, value in kw.items():
            monkeypatch.setattr(settings, f"truck_{key}", value)
    return set_


@pytest.mark.parametrize(("tags", "fits", "too_big"), [
    ({"maxheight": "3.5"}, {"height_m": 3.0}, {"height_m": 4.0}),
    ({"maxheight": "11'6\""}, {"height_m": 3.5}, {"height_m": 3.6}),  # 3.5052 m
    ({"maxweight": "20"}, {"weight_t": 18.0}, {"weight_t": 25.0}),
    ({"maxweight": "20000 kg"}, {"weight_t": 20.0}, {"weight_t": 20.5}),  # equal passes
    ({"maxlength": "10 m"}, {"length_m": 9.0}, {"length_m": 12.0}),
    ({"maxwidth": "2.3"}, {"width_m": 2.2}, {"width_m": 2.55}),
])
def test_a_limit_sends_a_bigger_truck_round_the_detour(tmp_path, truck, tags, fits, too_big):
    net = build(tmp_path, bridge=tags).network
    p, q = ends(net)
    car = routing.travel_time_matrix(net, [p], [q], "car")[0, 0]
    assert car == pytest.approx(expected(net, "car", 11), abs=1e-3)
    truck(**too_big)
    big = routing.fastest_path(net, p, q, "truck")
    assert big.seconds == pytest.approx(expected(net, "truck", 12), abs=1e-3)
    assert big.geometry.bounds[3] == pytest.approx(Y + D)  # through the detour's node 5
    assert routing.travel_time_matrix(net, [p], [q], "truck")[0, 0] == pytest.approx(
        big.seconds, abs=1e-3)
    truck(**fits)
    small = routing.fastest_path(net, p, q, "truck")
    assert small.seconds == pytest.approx(expected(net, "truck", 11), abs=1e-3)
    assert small.seconds < big.seconds - 10 and small.geometry.bounds[3] == pytest.approx(Y)


def test_hgv_no_closes_the_road_to_every_truck_but_not_to_cars(tmp_path, truck):
    net = build(tmp_path, bridge={"hgv": "no"}).network
    p, q = ends(net)
    truck(height_m=1.0, width_m=1.0, length_m=1.0, weight_t=1.0)
    assert routing.travel_time_matrix(net, [p], [q], "truck")[0, 0] == pytest.approx(
        expected(net, "truck", 12), abs=1e-3)
    assert routing.travel_time_matrix(net, [p], [q], "car")[0, 0] == pytest.approx(
        expected(net, "car", 11), abs=1e-3)
    # hgv=yes opens what motor_vehicle=... leaves open; the most specific tag decides
    net2 = build(tmp_path, bridge={"goods": "no", "hgv": "yes"}, name="n2").network
    assert routing.travel_time_matrix(net2, [p], [q], "truck")[0, 0] == pytest.approx(
        expected(net2, "truck", 11), abs=1e-3)


def test_a_height_restrictor_below_the_truck_blocks_it(tmp_path, truck):
    net = build(tmp_path, barrier={"barrier": "height_restrictor", "maxheight": "3.2"}).network
    p, q = ends(net)
    assert routing.travel_time_matrix(net, [p], [q], "car")[0, 0] == pytest.approx(
        expected(net, "car", 11), abs=1e-3)
    truck(height_m=3.5)
    assert routing.travel_time_matrix(net, [p], [q], "truck")[0, 0] == pytest.approx(
        expected(net, "truck", 12), abs=1e-3)
    truck(height_m=3.0)
    assert routing.travel_time_matrix(net, [p], [q], "truck")[0, 0] == pytest.approx(
        expected(net, "truck", 11), abs=1e-3)
    assert summarize(net)["truck"]["blocking_barriers"] == 0
    truck(height_m=3.5)
    assert summarize(net)["truck"]["blocking_barriers"] == 1


def test_changing_the_vehicle_never_reuses_a_stale_graph(tmp_path, truck):
    net = build(tmp_path, bridge={"maxheight": "3.5"}).network
    p, q = ends(net)
    times = []
    for h in (4.0, 3.0, 4.0):
        truck(height_m=h)
        times.append(routing.node_times(net, [p], "truck")[0, net.node_position[3]])
    assert times[0] == times[2] and times[1] < times[0] - 10
    info = summarize(net)["truck"]
    assert info["edges_with"]["maxheight"] == 2 and info["closed_edges"] == 2  # both ways


def test_a_truck_taller_than_every_road_out_gets_a_reason(tmp_path, truck):
    net = build(tmp_path, bridge={"maxheight": "3.5"}, detour={"maxheight": "4.2"}).network
    p, q = ends(net)
    truck(height_m=4.5)
    with pytest.raises(InputError) as err:
        routing.fastest_path(net, p, q, "truck")
    message = str(err.value)
    assert message == ("nothing is reachable for a truck 4.5 m high: every road leaving the "
                       "origin is closed to it (maxheight below 4.5 m on 2 roads, the highest "
                       "4.2 m); lower `truck_height_m`")
    with pytest.raises(InputError, match="nothing is reachable"):
        routing.node_times(net, [p], "truck")
    # the way back: the destination cannot be reached either, and says why
    with pytest.raises(InputError, match="cannot reach the destination"):
        routing.node_times(net, [p], "truck", direction="to")
    truck(height_m=4.0)
    assert routing.fastest_path(net, p, q, "truck").seconds == pytest.approx(
        expected(net, "truck", 12), abs=1e-3)


def test_unreadable_limits_are_counted_not_fatal(tmp_path):
    result = build(tmp_path, bridge={"maxheight": "-1"}, detour={"maxheight": "below_default"})
    assert "unreadable truck limits treated as no limit: maxheight of 2 ways" in " ".join(
        result.notes)
    assert result.network.meta["hygiene"]["unreadable_limits"] == {"maxheight": 2}
    assert result.network.edges["maxheight"].isna().all()


def test_limit_columns_parse_a_mixed_column():
    import pandas as pd

    edges = pd.DataFrame({"maxheight": ["3.5", None, "4 m;3.8", "default", "x"],
                          "maxweight": ["7.5 t", "3500 kg", None, "none", "-2"],
                          "truck_access": ["no", "yes", None, "private;yes", "destination"]})
    out, bad = limit_columns(edges)
    np.testing.assert_allclose(out["maxheight"], [3.5, np.nan, 3.8, np.nan, np.nan])
    np.testing.assert_allclose(out["maxweight"], [7.5, 3.5, np.nan, np.nan, np.nan])
    assert out["truck_allowed"].tolist() == [False, True, True, False, True]
    assert np.isnan(out["maxlength"]).all() and dict(bad) == {"maxheight": 1, "maxweight": 1}


@given(st.decimals(min_value="0.01", max_value="99.99", places=2))
def test_metres_parse_in_every_spelling(value):
    v = float(value)
    for text in (f"{value}", f"{value} m", f"{value}m", f" {value} M ", f"{value};99.995"):
        assert parse_metres(text) == pytest.approx(v, abs=1e-12)
    assert parse_metres(f"{str(value).replace('.', ',')}") == pytest.approx(v, abs=1e-12)
    assert parse_tonnes(f"{value} t") == pytest.approx(v, abs=1e-12)
    assert parse_tonnes(f"{int(value * 100) * 10} kg") == pytest.approx(v, abs=1e-9)


@given(st.integers(1, 30), st.integers(0, 11))
def test_feet_and_inches_parse(feet, inches):
    want = feet * 0.3048 + inches * 0.0254
    for text in (f"{feet}'{inches}\"", f"{feet}' {inches}\"", f"{feet} ft {inches} in"):
        assert parse_metres(text) == pytest.approx(want, abs=1e-12)
    assert parse_metres(f"{feet}'") == pytest.approx(feet * 0.3048, abs=1e-12)


@pytest.mark.parametrize("text", ["-1", "0", "below_default", "3.5 furlongs", "abc", "1e3"])
def test_unreadable_metres(text):
    assert parse_metres(text) is None


@pytest.mark.parametrize("text", [None, "none", "default", "unsigned", "no", float("nan")])
def test_no_limit(text):
    assert math.isnan(parse_metres(text))


def test_route_cli_uses_the_truck_height_and_says_when_it_is_too_tall(tmp_path, capsys):
    folder = tmp_path / "net"
    build(tmp_path, bridge={"maxheight": "3.5"}, detour={"maxheight": "4.2"})
    start, end = f"{X - 1.5 * D},{Y}", f"{X + 1.5 * D},{Y}"
    args = ["route", "--network", str(folder), "--start", start, "--end", end,
            "--profile", "truck", "--no-map"]
    assert run([*args, "--truck-height", "3"]) == 0
    low = capsys.readouterr().out
    assert run([*args, "--truck-height", "4"]) == 0
    high = capsys.readouterr().out
    assert low != high
    assert settings.truck_height_m == 4.0  # the flag did not stay set
    assert run([*args, "--truck-height", "4.5"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "nothing is reachable for a truck 4.5 m high" in err and "lower --truck-height" in err
    assert run([*args, "--truck-height", "0"]) == 2
    assert "--truck-height" in capsys.readouterr().err


# ------------------------------------------------------------------ real data

REAL = Path("/work/shared/realdata/heidelberg.test.pbf")


def _plain_float(text: str) -> float | None:
    """An independent reader for the plain values the extract uses (``3.4``, ``2.5 t``)."""
    try:
        return float(text.removesuffix(" t").removesuffix("t").strip())
    except ValueError:
        return None


@pytest.mark.slow
def test_heidelberg_import_keeps_every_limit_of_its_roads(tmp_path, truck):
    """Limits read independently with pyosmium (heidelberg.test.pbf, not Qianjiang)."""
    if not REAL.is_file():
        pytest.skip("real OSM extracts not available")
    classes = load_profile().drivable
    tags: dict[int, dict[str, str]] = {}
    for w in osmium.FileProcessor(str(REAL), osmium.osm.WAY):
        if w.tags.get("highway") in classes:
            got = {k: w.tags[k] for k in ("maxheight", "maxweight", "hgv") if k in w.tags}
            if got:
                tags[w.id] = got
    result = import_network(REAL, tmp_path / "hd", ImportOptions(area=extract_box(REAL)))
    edges = result.network.edges
    by_way = edges.groupby("way_id")[["maxheight", "maxweight", "truck_allowed"]].first()
    checked = {"maxheight": 0, "maxweight": 0, "hgv": 0}
    for way, want in tags.items():
        if way not in by_way.index:
            continue  # not kept (closed to cars, outside the largest component)
        row = by_way.loc[way]
        for key in ("maxheight", "maxweight"):
            value = _plain_float(want[key]) if key in want else None
            if value is None:
                assert math.isnan(row[key]), (way, key, want)
            else:
                assert row[key] == pytest.approx(value), (way, key, want)
                checked[key] += 1
        if "hgv" in want:
            assert bool(row["truck_allowed"]) == (want["hgv"] != "no"), (way, want)
            checked["hgv"] += 1
    # the extract's drivable ways hold 130 maxheight (52 of them "default"), 100 maxweight and
    # 141 hgv tags; the kept ways (car-open, largest component) 24, 88 and 135 of them
    assert checked == {"maxheight": 24, "maxweight": 88, "hgv": 135}
    truck(height_m=4.0, width_m=2.55, length_m=12.0, weight_t=25.0)
    closed = turns.rules(result.network, "truck").closed
    independent = ((edges["maxheight"] < 4.0) | (edges["maxweight"] < 25.0)
                   | (edges["maxwidth"] < 2.55) | (edges["maxlength"] < 12.0)
                   | ~edges["truck_allowed"].astype(bool))
    assert set(closed.tolist()) == set(np.flatnonzero(independent.to_numpy()).tolist())
    assert len(closed) > 100
