"""Turn restrictions and barriers on real OSM extracts (../shared/realdata/, not Qianjiang).

The relations are read here independently of :mod:`wuling_geo.network.restrictions`, with
pyosmium: the forbidden manoeuvres are triples of node coordinates (a node of the from way
next to the via node, the via node, a node of the to way next to it), and a route takes one
when its geometry passes through those three points in a row. For every restriction a route
is asked for across its via node; none may take a forbidden turn, while the node-based
search (restrictions ignored) does take some.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium
import pytest

from wuling_geo._util.errors import InputError
from wuling_geo.network import routing
from wuling_geo.network.build.importer import ImportOptions, import_network

from .test_network_realdata import REALDATA, extract_box

CAR_EXEMPT = {"motorcar", "motor_vehicle", "vehicle"}


def _key(lon: float, lat: float) -> tuple[int, int]:
    return round(lon * 1e6), round(lat * 1e6)


def independent_restrictions(pbf: Path) -> list[dict]:
    """Return every car restriction via a node: kind, via point, from/to neighbour points."""
    rels, wanted = [], set()
    for r in osmium.FileProcessor(str(pbf), osmium.osm.RELATION):
        if r.tags.get("type") != "restriction" or "restriction" not in r.tags:
            continue
        if CAR_EXEMPT & {e.strip() for e in r.tags.get("except", "").split(";")}:
            continue
        m = [(x.type, x.ref, x.role) for x in r.members]
        fr = [ref for t, ref, role in m if role == "from" and t == "w"]
        to = [ref for t, ref, role in m if role == "to" and t == "w"]
        via = [ref for t, ref, role in m if role == "via" and t == "n"]
        if len(fr) == 1 and len(to) == 1 and len(via) == 1:
            rels.append((r.tags["restriction"], fr[0], via[0], to[0]))
            wanted |= {fr[0], to[0]}
    ways = {w.id: [(n.ref, n.location.lon, n.location.lat) for n in w.nodes]
            for w in osmium.FileProcessor(str(pbf)).with_locations()
            if w.is_way() and w.id in wanted}
    out = []
    for value, fr, via, to in rels:
        if fr not in ways or to not in ways:
            continue

        def near(way: int, via: int = via) -> tuple[list, tuple | None]:
            nodes = ways[way]
            found, at = [], None
            for i, (ref, lon, lat) in enumerate(nodes):
                if ref == via:
                    at = (lon, lat)
                    found += [nodes[j][1:] for j in (i - 1, i + 1) if 0 <= j < len(nodes)]
            return found, at

        a, at = near(fr)
        b, _ = near(to)
        if at is None or not a or not b:
            continue
        out.append({"kind": value.split("_")[0], "value": value, "via": at, "from": a, "to": b})
    return out


def _along(via: tuple, point: tuple, towards: list) -> bool:
    """Whether ``point`` lies on one of the segments from ``via`` to a node of ``towards``."""
    px, py = point[0] - via[0], point[1] - via[1]
    for tx, ty in towards:
        dx, dy = tx - via[0], ty - via[1]
        norm = np.hypot(dx, dy) * np.hypot(px, py)
        if norm > 0 and (px * dx + py * dy) / norm > 0.9999 and np.hypot(px, py) <= np.hypot(
                dx, dy) * (1 + 1e-6):
            return True
    return False


def violations(coords: list[tuple[float, float]], rules: list[dict]) -> int:
    """Return how many restrictions the line through ``coords`` breaks.

    A turn at a via node comes from the segment before the via point and goes on along the
    segment after it; a path may start or end part-way along those segments.
    """
    keys = [_key(*c) for c in coords]
    bad = 0
    for rule in rules:
        via = _key(*rule["via"])
        for i in range(1, len(keys) - 1):
            if keys[i] != via or not _along(rule["via"], coords[i - 1], rule["from"]):
                continue
            onto = _along(rule["via"], coords[i + 1], rule["to"])
            if (rule["kind"] == "no" and onto) or (rule["kind"] == "only" and not onto):
                bad += 1
    return bad


def _crossing(rule: dict) -> tuple[tuple[float, float], tuple[float, float]]:
    """Return points just before the via node on the from way and just after it on the to way."""
    (vx, vy), (ax, ay) = rule["via"], rule["from"][0]
    bx, by = rule["to"][-1]
    return (vx + 0.3 * (ax - vx), vy + 0.3 * (ay - vy)), (vx + 0.3 * (bx - vx), vy + 0.3 * (by - vy))


@pytest.fixture(scope="module")
def networks(tmp_path_factory):
    got = {}

    def load(name: str):
        if name not in got:
            pbf = REALDATA / name
            if not pbf.exists():
                pytest.skip(f"{pbf} is not on this machine")
            out = tmp_path_factory.mktemp("turns") / name.split(".")[0]
            got[name] = import_network(pbf, out, ImportOptions(area=extract_box(pbf))).network
        return got[name]

    return load


@pytest.mark.parametrize("name", ["monaco.osm.pbf",
                                  # via node 3290886628: an only_straight_on onto a way
                                  # cut off from the network (tests/test_turns.py has its shape)
                                  pytest.param("heidelberg.test.pbf",
                                               marks=[pytest.mark.slow])])
def test_no_route_takes_a_forbidden_turn(name, networks):
    net = networks(name)
    rules = independent_restrictions(REALDATA / name)
    assert len(rules) >= 20
    plain = type(net)(net.nodes, net.edges, net.meta)  # the same roads without restrictions
    checked = broken_by_plain = 0
    by_key = {_key(x, y): i for i, x, y in zip(net.nodes.index, net.nodes["x"], net.nodes["y"],
                                               strict=True)}
    for rule in rules:
        start, end = _crossing(rule)
        a = net.snap(*start)
        if a.distance_m > 15:
            continue  # the way is not a road of the network (outside it, or not for cars)
        # Across the via node onto the to way, and onto every other road leaving it.
        targets = [net.snap(*end)]
        via = [by_key[k]] if (k := _key(*rule["via"])) in by_key else []
        if via:
            for e in np.flatnonzero(net.edge_u == net.node_position[via[0]]):
                mid = net.edges.geometry.iloc[e].interpolate(0.5, normalized=True)
                targets.append(net.snap(mid.x, mid.y))
        for b in targets:
            if a.edge == b.edge or b.distance_m > 15:
                continue
            try:
                path = routing.fastest_path(net, a, b, limit=900)
            except InputError:
                continue  # unreachable under the rules (or beyond 15 min): allowed
            checked += 1
            assert violations(list(path.geometry.coords), rules) == 0, rule
            broken_by_plain += violations(list(routing.fastest_path(plain, a, b).geometry.coords),
                                          rules) > 0
    assert checked >= len(rules)
    assert broken_by_plain > 0  # the node-based search would take forbidden turns here


def test_no_car_route_passes_a_blocking_barrier(networks):
    net = networks("liechtenstein-latest.osm.pbf")
    barriers = net.barriers
    blocking = barriers[~barriers["car"].astype(bool)]
    assert len(blocking) >= 5
    # Independently: every node tagged barrier=bollard/block without an access tag.
    seen = {n.id: (n.location.lon, n.location.lat)
            for n in osmium.FileProcessor(str(REALDATA / "liechtenstein-latest.osm.pbf"),
                                          osmium.osm.NODE)
            if n.tags.get("barrier") in ("bollard", "block") and not any(
                k in n.tags for k in ("access", "motor_vehicle", "motorcar", "vehicle"))
            and n.tags.get("bollard") not in ("rising", "removable")}
    on_graph = [i for i in seen if i in set(net.node_ids)]
    assert on_graph and set(on_graph) <= set(blocking["node"])
    plain = type(net)(net.nodes, net.edges, net.meta)
    passed_plain = 0
    for node in on_graph:
        pos = int(net.node_position[node])
        into = np.flatnonzero(net.edge_v == pos)
        out = np.flatnonzero(net.edge_u == pos)
        pairs = [(e, f) for e in into for f in out if net.edge_u[e] != net.edge_v[f]]
        if not pairs:
            continue
        e, f = pairs[0]
        a = net.snap(*net.edges.geometry.iloc[e].interpolate(0.5, normalized=True).coords[0])
        b = net.snap(*net.edges.geometry.iloc[f].interpolate(0.5, normalized=True).coords[0])
        key = _key(*seen[node])
        try:
            path = routing.fastest_path(net, a, b)
            inner = [_key(*c) for c in path.geometry.coords][1:-1]
            assert key not in inner
        except Exception as exc:
            assert "cannot be reached" in str(exc)
        inner = [_key(*c) for c in routing.fastest_path(plain, a, b).geometry.coords][1:-1]
        passed_plain += key in inner
    assert passed_plain > 0


def test_access_no_ways_stay_out(networks):
    net = networks("liechtenstein-latest.osm.pbf")
    closed = {w.id for w in osmium.FileProcessor(str(REALDATA / "liechtenstein-latest.osm.pbf"),
                                                 osmium.osm.WAY)
              if "highway" in w.tags and ((w.tags.get("access") == "no" and not any(
                  k in w.tags for k in ("motor_vehicle", "motorcar", "vehicle")))
                  or (w.tags.get("motor_vehicle") == "no" and "motorcar" not in w.tags))}
    assert len(closed) > 10
    assert not set(net.edges["way_id"].astype(int)) & closed
