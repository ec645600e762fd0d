"""Junction delays and turn costs on hand-made SYNTHETIC OSM files with known answers.

The crossroads of :mod:`tests.test_turns`: C (node 1) with arms W (2), E (3), S (4), N (5),
a ring road through the corners, and node 30 half-way along the east arm (way 11: 1, 30, 3).
Every expected time is a sum of the network's own edge run times plus the delays and turn
costs the profile states, computed here from the formula in ``speeds.toml``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuling_geo.network import routing, turns
from wuling_geo.network.build.importer import ImportOptions, import_network
from wuling_geo.network.speed.profile import load_profile

from .helpers import cli
from .osm_xml import write_osm
from .test_turns import NODES, WAYS, D, X, Y, mid

PROFILE = load_profile()
SIGNAL_S = PROFILE.junctions["traffic_signals"]
STOP_S = PROFILE.junctions["stop"]


def build(tmp_path, node_tags=None, ways=WAYS, name="net", **options):
    nodes = [(i, x, y, (node_tags or {}).get(i, t)) for i, x, y, t in NODES]
    osm = write_osm(tmp_path / f"{name}.osm", nodes, ways)
    box = f"{X - 2 * D},{Y - 2 * D},{X + 2 * D},{Y + 2 * D}"
    return import_network(osm, tmp_path / name, ImportOptions(area=box, **options))


def edge(net, a, b):
    return net.edges[(net.edges["u"] == a) & (net.edges["v"] == b)].iloc[0]


def run(net, a, b):
    """Edge run time a→b without its junction delay."""
    e = edge(net, a, b)
    return float(e["travel_time_car"] - e["junction_delay_s"])


def test_a_signal_delays_both_approaches_once(tmp_path):
    result = build(tmp_path, {30: {"highway": "traffic_signals"}})
    net = result.network
    assert edge(net, 1, 30)["junction_delay_s"] == SIGNAL_S
    assert edge(net, 3, 30)["junction_delay_s"] == SIGNAL_S
    assert edge(net, 30, 3)["junction_delay_s"] == 0 and edge(net, 30, 1)["junction_delay_s"] == 0
    assert "junction delays on 2 approaches (2 at traffic signals)" in " ".join(result.notes)
    west = mid(net, 2, 1)
    got = routing.travel_time_matrix(net, [west], [net.snap(X + D, Y)])[0, 0]
    expected = 0.5 * run(net, 2, 1) + run(net, 1, 30) + SIGNAL_S + run(net, 30, 3)
    assert got == pytest.approx(expected, abs=1e-3)
    # switched off, the same trip costs the run times only
    plain = build(tmp_path, {30: {"highway": "traffic_signals"}}, name="off",
                  junctions=False).network
    assert float(plain.edges["junction_delay_s"].sum()) == 0
    got_plain = routing.travel_time_matrix(plain, [west], [plain.snap(X + D, Y)])[0, 0]
    assert got - got_plain == pytest.approx(SIGNAL_S, abs=1e-3)


def test_direction_limits_a_control_to_one_way_of_travel(tmp_path):
    # way 11 runs 1 → 30 → 3: forward is eastbound
    net = build(tmp_path, {30: {"highway": "stop", "direction": "forward"}}).network
    assert edge(net, 1, 30)["junction_delay_s"] == STOP_S
    assert edge(net, 3, 30)["junction_delay_s"] == 0
    net = build(tmp_path, {30: {"highway": "traffic_signals",
                                "traffic_signals:direction": "backward"}}, name="b").network
    assert edge(net, 1, 30)["junction_delay_s"] == 0
    assert edge(net, 3, 30)["junction_delay_s"] == SIGNAL_S


def test_a_stop_sign_at_a_junction_faces_the_minor_road(tmp_path):
    major = {"highway": "primary"}
    ways = [(w, refs, major if w in (10, 11) else tags) for w, refs, tags in WAYS]
    net = build(tmp_path, {1: {"highway": "stop"}}, ways=ways).network
    assert edge(net, 4, 1)["junction_delay_s"] == STOP_S  # residential arms stop
    assert edge(net, 5, 1)["junction_delay_s"] == STOP_S
    assert edge(net, 2, 1)["junction_delay_s"] == 0  # the primary road has priority
    assert edge(net, 3, 1)["junction_delay_s"] == 0  # (node 30 is no junction here)
    # among roads of one class the sign applies to every approach (an all-way stop)
    net = build(tmp_path, {1: {"highway": "stop"}}, name="allway").network
    assert all(edge(net, a, 1)["junction_delay_s"] == STOP_S for a in (2, 3, 4, 5))


def osrm_like_cost(angle: float, turn_s=7.5, bias=1.075) -> float:
    """The ``speeds.toml`` formula, written out independently of the code."""
    a = abs(angle) / 180
    if angle >= 0:
        return turn_s / (1 + math.exp(-(13 * a / bias - 6.5 * bias)))
    return turn_s / (1 + math.exp(-(13 * a * bias - 6.5 / bias)))


def test_turn_costs_make_left_dearer_than_right_and_straight_free(tmp_path):
    result = build(tmp_path, turn_costs=True)
    net = result.network
    assert net.meta["turn_costs"] == PROFILE.turn_costs
    assert turns.applies(net, "car")
    south = mid(net, 4, 1)  # driving north into C
    targets = [net.snap(X - D / 2, Y), net.snap(X + D / 4, Y), net.snap(X, Y + D / 2)]
    got = routing.travel_time_matrix(net, [south], targets)[0]
    base = 0.5 * run(net, 4, 1)
    left = base + osrm_like_cost(-90) + 0.5 * run(net, 1, 2)
    right = base + osrm_like_cost(90) + 0.25 * run(net, 1, 3)
    straight = base + osrm_like_cost(0) + 0.5 * run(net, 1, 5)
    assert got == pytest.approx([left, right, straight], abs=0.05)
    assert osrm_like_cost(-90) - osrm_like_cost(90) > 3  # 5.4 s against 2.1 s
    path = routing.fastest_path(net, south, targets[0])
    assert path.seconds == pytest.approx(left, abs=0.05)


def test_a_u_turn_costs_the_sharpest_turn_and_its_own_penalty(tmp_path):
    net = build(tmp_path, turn_costs=True).network
    into = np.flatnonzero((net.edges["u"] == 4).to_numpy() & (net.edges["v"] == 1).to_numpy())
    back = np.flatnonzero((net.edges["u"] == 1).to_numpy() & (net.edges["v"] == 4).to_numpy())
    cost = turns.turn_costs(net, into, back, PROFILE.turn_costs)[0]
    assert cost == pytest.approx(osrm_like_cost(180) + PROFILE.turn_costs["u_turn_s"], abs=0.05)
    # where only two roads meet (a signal half-way along the east arm) only a U-turn costs
    net = build(tmp_path, {30: {"highway": "traffic_signals"}}, name="s", turn_costs=True).network

    def pick(a, b):
        return np.flatnonzero((net.edges["u"] == a).to_numpy() & (net.edges["v"] == b).to_numpy())

    costs = turns.turn_costs(net, np.r_[pick(1, 30), pick(1, 30)], np.r_[pick(30, 3), pick(30, 1)],
                             PROFILE.turn_costs)
    assert costs[0] == 0
    assert costs[1] == pytest.approx(osrm_like_cost(180) + PROFILE.turn_costs["u_turn_s"], abs=0.05)


@given(st.floats(1e-6, 180), st.booleans(), st.floats(0.8, 1.25))
def test_turn_cost_is_bounded_and_grows_with_the_angle(size, left, bias):
    angle = -size if left else min(size, 179.999)
    cost = osrm_like_cost(angle, bias=bias)
    assert 0 <= cost <= 7.5
    assert osrm_like_cost(angle * 0.5, bias=bias) <= cost + 1e-12  # same side, sharper: dearer
    if bias > 1:  # right-hand traffic: a left turn costs more than the same right turn
        assert osrm_like_cost(-abs(angle), bias=bias) >= osrm_like_cost(abs(angle), bias=bias)



def test_cli_flags_switch_delays_off_and_turn_costs_on(tmp_path, capsys):
    nodes = [(i, x, y, {"highway": "traffic_signals"} if i == 30 else t) for i, x, y, t in NODES]
    osm = write_osm(tmp_path / "g.osm", nodes, WAYS)
    box = f"{X - 2 * D},{Y - 2 * D},{X + 2 * D},{Y + 2 * D}"
    code, out, err = cli(capsys, "network", "import", str(osm), "--area", box, "--out",
                         str(tmp_path / "n"), "--turn-costs", "--no-junction-delays", "--json")
    assert code == 0, err
    from wuling_geo.network.model import load_network

    net = load_network(tmp_path / "n")
    assert net.meta["turn_costs"] == PROFILE.turn_costs
    assert float(net.edges["junction_delay_s"].sum()) == 0
    assert net.meta["profile"]["junction_delays_s"] == {}
    code, out, err = cli(capsys, "network", "info", str(tmp_path / "n"))
    assert code == 0 and "turn costs: on (up to 7.5 s a turn, bias 1.075, U-turn +20 s)" in out
    assert "junction delays:" not in out
    cli(capsys, "network", "import", str(osm), "--area", box, "--out", str(tmp_path / "d"))
    code, out, err = cli(capsys, "network", "info", str(tmp_path / "d"))
    assert "junction delays: 2 approaches (2 at traffic signals)" in out
    assert "turn costs: off" in out


def test_a_profile_without_turn_costs_refuses_the_flag(tmp_path, capsys):
    text = PROFILE.path.read_text(encoding="utf-8")
    cut = text[:text.index("[turn_costs]")] + text[text.index("# Urban or rural"):]
    mine = tmp_path / "mine.toml"
    mine.write_text(cut, encoding="utf-8")
    nodes = [(i, x, y, t) for i, x, y, t in NODES]
    osm = write_osm(tmp_path / "g.osm", nodes, WAYS)
    code, out, err = cli(capsys, "network", "import", str(osm), "--area",
                         f"{X - 2 * D},{Y - 2 * D},{X + 2 * D},{Y + 2 * D}",
                         "--out", str(tmp_path / "n"), "--profile-file", str(mine),
                         "--turn-costs")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "has no [turn_costs] table" in err and "--turn-costs" in err
    assert not (tmp_path / "n").exists()
