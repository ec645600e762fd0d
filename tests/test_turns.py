"""Turn restrictions and barriers on a hand-made SYNTHETIC OSM file with known answers.

A crossroads C (node 1) with arms W (2), E (3), S (4), N (5), each 0.01° away, and a ring
road joining the arm ends through the corners: W–S, S–E, E–N, N–W. Every road is a
two-way residential street, so every answer is a sum of the network's own edge times.
"""

from __future__ import annotations

import numpy as np
import pytest

from wuling_geo._util.errors import InputError
from wuling_geo.network import routing, turns
from wuling_geo.network.build.importer import ImportOptions, import_network

from .osm_xml import write_osm

X, Y, D = 108.80, 29.50, 0.01
NODES = [(1, X, Y, {}), (2, X - D, Y, {}), (3, X + D, Y, {}), (4, X, Y - D, {}), (5, X, Y + D, {}),
         (6, X - D, Y - D, {}), (7, X + D, Y - D, {}), (8, X + D, Y + D, {}), (9, X - D, Y + D, {}),
         (30, X + D / 2, Y, {})]
RES = {"highway": "residential"}
WAYS = [(10, [2, 1], RES), (11, [1, 30, 3], RES), (12, [4, 1], RES), (13, [1, 5], RES),
        (20, [2, 6, 4], RES), (21, [4, 7, 3], RES), (22, [3, 8, 5], RES), (23, [5, 9, 2], RES)]


def build(tmp_path, relations=(), tags_30=None, name="net"):
    nodes = [(i, x, y, (tags_30 or {}) if i == 30 else t) for i, x, y, t in NODES]
    osm = write_osm(tmp_path / f"{name}.osm", nodes, WAYS, relations)
    box = f"{X - 2 * D},{Y - 2 * D},{X + 2 * D},{Y + 2 * D}"
    return import_network(osm, tmp_path / name, ImportOptions(area=box))


def rel(rid, value, fr, via, to, kind="restriction", **tags):
    return (rid, [("way", fr, "from"), ("node", via, "via"), ("way", to, "to")],
            {"type": kind, kind: value, **tags})


def t(net, a, b, profile="car"):
    """Edge time a→b (node ids) for ``profile``."""
    e = net.edges[(net.edges["u"] == a) & (net.edges["v"] == b)]
    return float(e[f"travel_time_{profile}"].min())


def mid(net, a, b):
    where = {i: (x, y) for i, x, y, _ in NODES}
    return net.snap((where[a][0] + where[b][0]) / 2, (where[a][1] + where[b][1]) / 2)


def test_no_left_turn_takes_the_shortest_legal_detour(tmp_path):
    # Driving north from S, the left turn into W is forbidden.
    result = build(tmp_path, [rel(100, "no_left_turn", 12, 1, 10)])
    net = result.network
    assert len(net.restrictions) == 1 and "applied 1 turn restrictions" in " ".join(result.notes)
    p, q = mid(net, 4, 1), mid(net, 2, 1)
    plain = 0.5 * t(net, 4, 1) + 0.5 * t(net, 1, 2)
    back_by_ring = 0.5 * t(net, 1, 4) + t(net, 4, 2) + 0.5 * t(net, 2, 1)
    by_north = 0.5 * t(net, 4, 1) + t(net, 1, 5) + t(net, 5, 2) + 0.5 * t(net, 2, 1)
    # U-turns are allowed (no turn costs yet): right to E, back at E, straight on to W.
    u_turn_east = 0.5 * t(net, 4, 1) + t(net, 1, 3) + t(net, 3, 1) + 0.5 * t(net, 1, 2)
    got = routing.travel_time_matrix(net, [p], [q])[0, 0]
    assert got == pytest.approx(min(back_by_ring, by_north, u_turn_east), abs=1e-3)
    assert got > plain + 60
    path = routing.fastest_path(net, p, q)
    assert path.seconds == pytest.approx(got, abs=1e-3)
    assert path.nodes == (1, 3, 1)
    # The turn the other way round (from W into S) is still allowed.
    assert routing.travel_time_matrix(net, [q], [p])[0, 0] == pytest.approx(
        0.5 * t(net, 2, 1) + 0.5 * t(net, 1, 4), abs=1e-3)
    # Node times: node W is reached from p without the left turn too.
    d = routing.node_times(net, [p])[0]
    assert d[net.node_position[2]] == pytest.approx(0.5 * t(net, 1, 4) + t(net, 4, 2), abs=1e-3)


def test_only_straight_on_forbids_every_other_turn(tmp_path):
    net = build(tmp_path, [rel(101, "only_straight_on", 10, 1, 11)]).network
    p, north, south = mid(net, 2, 1), mid(net, 1, 5), mid(net, 1, 4)
    m = routing.travel_time_matrix(net, [p], [north, south, mid(net, 1, 30)])
    via_east = 0.5 * t(net, 2, 1) + t(net, 1, 3) + t(net, 3, 5) + 0.5 * t(net, 5, 1)
    back_west = 0.5 * t(net, 1, 2) + t(net, 2, 5) + 0.5 * t(net, 5, 1)
    u_turn_east = 0.5 * t(net, 2, 1) + t(net, 1, 3) + t(net, 3, 1) + 0.5 * t(net, 1, 5)
    assert m[0, 0] == pytest.approx(min(via_east, back_west, u_turn_east), abs=1e-3)
    assert m[0, 0] > 0.5 * t(net, 2, 1) + 0.5 * t(net, 1, 5) + 60
    assert m[0, 2] == pytest.approx(0.5 * t(net, 2, 1) + 0.25 * t(net, 1, 3), abs=1e-3)
    # The matrix with road distances agrees with the times.
    from wuling_geo.analysis.od_matrix import od_arrays
    from wuling_geo.network.snapping import PointSnaps

    def snaps(items):
        return PointSnaps(np.array([s.edge for s in items]), np.array([s.fraction for s in items]),
                          np.zeros(len(items)))

    if hasattr(PointSnaps, "__dataclass_fields__"):
        sec, _ = od_arrays(net, snaps([p]), snaps([north]))
        assert sec[0, 0] == pytest.approx(m[0, 0], abs=1e-3)


def test_hgv_restriction_and_except_apply_to_their_vehicles(tmp_path):
    net = build(tmp_path, [rel(102, "no_right_turn", 12, 1, 11, kind="restriction:hgv"),
                           rel(103, "no_left_turn", 12, 1, 10, **{"except": "motorcar"})]).network
    p, east, west = mid(net, 4, 1), mid(net, 1, 30), mid(net, 2, 1)
    car = routing.travel_time_matrix(net, [p], [east, west], "car")[0]
    truck = routing.travel_time_matrix(net, [p], [east, west], "truck")[0]
    assert car[0] == pytest.approx(0.5 * t(net, 4, 1) + 0.25 * t(net, 1, 3), abs=1e-3)
    assert truck[0] > 0.5 * t(net, 4, 1, "truck") + 0.25 * t(net, 1, 3, "truck") + 60
    assert car[1] == pytest.approx(0.5 * t(net, 4, 1) + 0.5 * t(net, 1, 2), abs=1e-3)
    assert truck[1] > 0.5 * t(net, 4, 1, "truck") + 0.5 * t(net, 1, 2, "truck") + 60


@pytest.mark.parametrize(("tags", "passes"), [
    ({"barrier": "bollard"}, False), ({"barrier": "block"}, False),
    ({"barrier": "gate"}, True), ({"barrier": "lift_gate"}, True),
    ({"barrier": "bollard", "motor_vehicle": "yes"}, True),
    ({"barrier": "gate", "access": "no"}, False),
    ({"barrier": "bollard", "bollard": "rising"}, True),
    # contradictory tags: the most specific access tag decides; a list of kinds blocks
    ({"barrier": "bollard", "access": "no", "motor_vehicle": "yes"}, True),
    ({"barrier": "gate", "access": "yes", "motorcar": "no"}, False),
    ({"barrier": "gate;bollard"}, False)])
def test_barriers_block_or_let_cars_through(tmp_path, tags, passes):
    net = build(tmp_path, tags_30=tags).network
    west, east = mid(net, 1, 30), mid(net, 30, 3)
    got = routing.travel_time_matrix(net, [west], [east])[0, 0]
    straight = (0.5 * t(net, 1, 30) + 0.5 * t(net, 30, 3) if 30 in net.nodes.index
                else 0.5 * t(net, 1, 3))  # a barrier blocking nobody is not kept
    if passes:
        assert got == pytest.approx(straight, abs=1e-3)
    else:
        assert got > straight + 60  # round the ring
        path = routing.fastest_path(net, west, east)
        assert 30 not in path.nodes
        # Up to the bollard and back is allowed.
        assert routing.node_times(net, [west])[0][net.node_position[30]] < 60


def test_broken_relations_are_skipped_with_one_note(tmp_path):
    broken = [(104, [("way", 12, "from"), ("node", 1, "via")], {"type": "restriction",
                                                               "restriction": "no_left_turn"}),
              rel(105, "no_left_turn", 12, 6, 10),  # via node on neither way
              rel(106, "no_right_turn", 12, 1, 11)]
    result = build(tmp_path, broken)
    notes = [n for n in result.notes if n.startswith("skipped")]
    assert len(notes) == 1
    assert "1 restrictions with missing from or to way" in notes[0]
    assert "1 via node not on both ways" in notes[0]
    assert len(result.network.restrictions) == 1  # only the good one is stored


def test_restrictions_survive_save_and_load(tmp_path):
    from wuling_geo.network.model import load_network

    build(tmp_path, [rel(100, "no_left_turn", 12, 1, 10)], {"barrier": "bollard"})
    net = load_network(tmp_path / "net")
    assert len(net.restrictions) == 1 and len(net.barriers) == 1
    assert turns.applies(net, "car")
    assert (tmp_path / "net" / "restrictions.parquet").is_file()


def test_networks_without_rules_keep_the_node_based_search(tmp_path):
    net = build(tmp_path).network
    assert net.restrictions is None and net.barriers is None
    assert not turns.applies(net, "car")
    # and the edge-based search gives the same answers there
    snaps = [mid(net, 4, 1), mid(net, 2, 1), mid(net, 30, 3)]
    np.testing.assert_allclose(turns.travel_time_matrix(net, snaps, snaps),
                               routing.travel_time_matrix(net, snaps, snaps), atol=1e-3)


@pytest.mark.parametrize("engine", ["exact", "contour"])
def test_catchment_does_not_enter_a_road_through_a_forbidden_turn(tmp_path, engine):
    """Regression: band edges were entered at their start node's time, forbidden turn or not."""
    from wuling_geo.analysis.catchments.bands import catchments

    free = build(tmp_path, name="free").network
    banned = build(tmp_path, [rel(100, "no_left_turn", 12, 1, 10)], name="banned").network
    a = 0.5 * t(free, 4, 1)  # node C reached driving north
    limit = a + 0.3 * t(free, 1, 2)  # too soon for any legal way onto the west arm
    assert limit < 0.5 * t(free, 1, 4) + t(free, 4, 2)
    km = {}
    for name, net in (("free", free), ("banned", banned)):
        got = catchments(net, [_lonlat(4, 1)], minutes=[limit / 60], engine=engine)
        km[name] = float(got["road_km"].iloc[0])
    west = free.edges[(free.edges["u"] == 1) & (free.edges["v"] == 2)]["length"].iloc[0]
    assert km["free"] - km["banned"] == pytest.approx(0.3 * west / 1000, rel=1e-3)


def _lonlat(a, b):
    where = {i: (x, y) for i, x, y, _ in NODES}
    return ((where[a][0] + where[b][0]) / 2, (where[a][1] + where[b][1]) / 2)


def test_only_turn_onto_a_road_outside_the_network_forbids_every_exit(tmp_path):
    """Heidelberg, via node 3290886628: the only way allowed was dropped (not strongly connected).

    There, two one-way roads meet and part at the via node, and the only_straight_on's to way
    leads out of the extract, so it is not in the kept network. The rule was skipped and the
    from way turned onto the other exit; here the same shape: the to way (14) is a one-way
    dead end, which the import drops with its node.
    """
    nodes = [*NODES, (40, X + D / 2, Y + D / 10, {})]
    ways = sorted([*WAYS, (14, [1, 40], RES | {"oneway": "yes"})], key=lambda w: w[0])
    osm = write_osm(tmp_path / "out.osm", nodes, ways, [rel(107, "only_straight_on", 10, 1, 14)])
    box = f"{X - 2 * D},{Y - 2 * D},{X + 2 * D},{Y + 2 * D}"
    result = import_network(osm, tmp_path / "net", ImportOptions(area=box))
    net = result.network
    assert 40 not in net.nodes.index and 14 not in set(net.edges["way_id"])
    assert len(net.restrictions) == 1 and not [n for n in result.notes if n.startswith("skipped")]
    p = mid(net, 2, 1)
    targets = [mid(net, 1, 5), mid(net, 1, 4), mid(net, 1, 30)]
    got = routing.travel_time_matrix(net, [p], targets)[0]
    # every exit at C is forbidden from W: back to W and round the ring
    assert got[0] == pytest.approx(0.5 * t(net, 1, 2) + t(net, 2, 5) + 0.5 * t(net, 5, 1),
                                   abs=1e-3)
    assert got[1] == pytest.approx(0.5 * t(net, 1, 2) + t(net, 2, 4) + 0.5 * t(net, 4, 1),
                                   abs=1e-3)
    assert got[2] > 0.5 * t(net, 2, 1) + 0.25 * t(net, 1, 3) + 60
    path = routing.fastest_path(net, p, targets[0])
    assert path.nodes == (2, 5)  # back to W, not through C


def test_a_place_behind_a_bollard_is_explained(tmp_path, capsys):
    """A dead-end spur behind a bollard: the error names the barrier and where it is."""
    from .helpers import cli

    spur = [(40, X - D / 2, Y + D / 2, {"barrier": "bollard"}), (41, X - D / 2, Y + D)]
    nodes = [*NODES, spur[0], (*spur[1], {})]
    ways = sorted([*WAYS, (15, [1, 40, 41], RES)], key=lambda w: w[0])
    osm = write_osm(tmp_path / "spur.osm", nodes, ways)
    box = f"{X - 2 * D},{Y - 2 * D},{X + 2 * D},{Y + 2 * D}"
    net = import_network(osm, tmp_path / "net", ImportOptions(area=box)).network
    start, behind = mid(net, 4, 1), net.snap(X - D / 2, Y + 0.75 * D)
    with pytest.raises(InputError, match=r"bollard at node 40 \(108\.79500,29\.50500\)"):
        routing.fastest_path(net, start, behind)
    code = cli(capsys, "route", "--network", str(tmp_path / "net"), "--start",
               f"{X},{Y - D / 2}", "--end", f"{X - D / 2},{Y + 0.75 * D}")
    assert code[0] == 2 and len(code[2].strip().splitlines()) == 1
    assert "barriers closed to it: bollard at node 40" in code[2]


def test_a_point_behind_on_the_same_two_way_road_is_driven_to_directly(tmp_path):
    """Regression: the edge-based matrices sent it round a junction (or a U-turn) instead."""
    from dataclasses import replace

    from wuling_geo.analysis.od_matrix import od_arrays
    from wuling_geo.network.snapping import PointSnaps

    net = build(tmp_path, [rel(100, "no_left_turn", 12, 1, 10)]).network
    assert turns.applies(net, "car")
    a, b = net.snap(X + 0.6 * D, Y), net.snap(X + 0.2 * D, Y)  # both on the road C–E
    assert t(net, 1, 3) == pytest.approx(t(net, 3, 1))
    if b.edge != a.edge:  # the same point on a's edge, and on its twin
        b, c = replace(b, edge=a.edge, u=a.u, v=a.v, fraction=1 - b.fraction), b
    else:
        c = replace(b, edge=int(net.index.twin[a.edge]), u=a.v, v=a.u, fraction=1 - b.fraction)
    gap = abs(a.fraction - b.fraction)
    want = gap * t(net, 1, 3)
    metres = gap * float(net.edges["length"].iloc[a.edge])
    pts = [a, b, c]
    m = routing.travel_time_matrix(net, pts, pts)
    expect = np.array([[0, want, want], [want, 0, 0], [want, 0, 0]])
    np.testing.assert_allclose(m, expect, atol=1e-6)
    points = PointSnaps(np.array([p.edge for p in pts]), np.array([p.fraction for p in pts]),
                        np.zeros(3))
    sec, met = od_arrays(net, points, points)
    np.testing.assert_allclose(sec, expect, atol=1e-6)
    np.testing.assert_allclose(met, expect / want * metres, atol=1e-6)
