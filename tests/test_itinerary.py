"""plan_itinerary on SYNTHETIC grid networks: optimality, rules, errors and explanations.

Travel times for the references come from networkx on the network's own graph (not from
wuling_geo.network.routing), and the best plans from the brute force in test_itinerary_solver.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_h
from hypothesis import strategies as st

from tests.synthetic import from_edge_list, grid_network
from tests.test_itinerary_solver import reference_plan
from wuling_geo import settings
from wuling_geo._util.errors import InfeasibleError, InputError, NetworkError, WulingGeoError
from wuling_geo._util.timeparse import WEEKDAYS
from wuling_geo.analysis.itinerary.planner import plan_itinerary
from wuling_geo.data.gazetteer import Place, Visit
from wuling_geo.data.geocode.geocoder import Resolution

H = 3600


@pytest.fixture(scope="module")
def grid():
    # 6 × 6 two-way grid, 2.4 km blocks at 36 km/h: every block takes exactly 4 min.
    return grid_network(6, 6, spacing_m=2400, speed_kph=36)


def at(net, node: int) -> tuple[float, float]:
    return float(net.nodes.at[node, "x"]), float(net.nodes.at[node, "y"])


def place(net, node: int, name: str, grade: str = "4A", category: str = "scenic",
          opening=(), closed=(), dwell=None) -> Resolution:
    lon, lat = at(net, node)
    p = Place(id=f"p{node}", name_zh=name, name_en=f"Place {node}", category=category,
              subtype="scenic_area", grade=grade, aliases=(f"alias{node}",),
              visit=Visit(dwell, tuple(opening), tuple(closed), "test"))
    return Resolution(p.id, p, lon, lat, "gazetteer", "test", "high")


def reference_seconds(net, nodes: list[int]) -> np.ndarray:
    g = nx.DiGraph()
    for u, v, t in zip(net.edges["u"], net.edges["v"], net.edges["travel_time_car"], strict=True):
        g.add_edge(int(u), int(v), w=float(t))
    return np.array([[round(nx.shortest_path_length(g, a, b, weight="w")) for b in nodes]
                     for a in nodes])


# ---------------------------------------------------------------- optimality

CASES = [  # seed, must stops, optional stops, days, max drive (h), overnight node, day window
    (1, 3, 0, 1, None, None, (8, 18)), (2, 2, 2, 1, None, None, (8, 18)),
    (3, 3, 2, 2, None, 22, (8, 18)), (4, 2, 3, 2, 1.0, None, (8, 18)),
    (5, 4, 1, 3, None, 15, (8, 18)), (6, 1, 4, 2, 0.8, 30, (8, 18)),
    (7, 2, 3, 1, None, None, (9, 14)), (8, 1, 4, 2, None, 36, (10, 15)),
    (9, 3, 0, 1, None, None, (9, 13)),  # infeasible: the brute force agrees
]


@pytest.mark.parametrize(("seed", "n_must", "n_opt", "days", "max_drive_h", "night", "window"),
                         CASES)
def test_plans_match_brute_force(grid, monkeypatch, seed, n_must, n_opt, days, max_drive_h, night,
                                 window):
    rng = np.random.default_rng(seed)
    nodes = [int(x) for x in rng.choice(np.arange(2, 37), n_must + n_opt, replace=False)
             if x != night]
    nodes = nodes[:n_must + n_opt]
    dwell = [int(x) for x in rng.choice([30, 60, 120, 180], len(nodes))]
    opening = [() if rng.random() < 0.5 else ("09:00-12:00", "14:00-17:30") for _ in nodes]
    stops = [place(grid, node, f"S{node}", opening=o, dwell=d)
             for node, o, d in zip(nodes, opening, dwell, strict=True)]
    must, optional = stops[:n_must], stops[n_must:]
    kwargs = dict(days=days, max_drive_per_day=None if max_drive_h is None else f"{max_drive_h}h",
                  overnight=None if night is None else at(grid, night),
                  day_window=f"{window[0]:02d}:00-{window[1]:02d}:00")
    home = 1
    bases = [home] if night is None else [home, night]
    T = reference_seconds(grid, nodes + bases)
    n = len(nodes)
    night_loc = n if night is None else n + 1
    best = reference_plan(
        T, [d * 60 for d in dwell],
        [() if not o else ((9 * H, 12 * H), (14 * H, 17 * H + 1800)) for o in opening],
        [frozenset(range(days))] * n, [True] * n_must + [False] * n_opt,
        [n] + [night_loc] * (days - 1), [night_loc] * (days - 1) + [n],
        [(window[0] * H, window[1] * H)] * days,
        None if max_drive_h is None else round(max_drive_h * H))
    try:
        itin = plan_itinerary(grid, at(grid, home), must, optional=optional, **kwargs)
    except InfeasibleError:
        assert best is None
        return
    assert itin.optimal and itin.solver.startswith("exact")
    assert (len(itin.dropped), itin.drive_s) == best
    # OR-Tools (used for larger plans) agrees here too.
    monkeypatch.setattr(settings, "itinerary_exact_max_stops", 0)
    monkeypatch.setattr(settings, "itinerary_time_limit", 0.5)
    heuristic = plan_itinerary(grid, at(grid, home), must, optional=optional, **kwargs)
    assert not heuristic.optimal and heuristic.solver.startswith("OR-Tools")
    assert (len(heuristic.dropped), heuristic.drive_s) == best


def test_plan_follows_the_rules_and_roads(grid):
    stops = [place(grid, 8, "A", opening=("08:00-12:00", "13:00-17:00")),
             place(grid, 36, "B", grade="5A"), place(grid, 31, "C", grade="none")]
    itin = plan_itinerary(grid, at(grid, 1), stops, days=2, max_drive_per_day="2h",
                          start_weekday="fri", start_time="09:00")
    assert [c.dwell_s for c in itin.visits] and {c.name: c.dwell_s for c in itin.visits} == {
        "A": 120 * 60, "B": 180 * 60, "C": 60 * 60}  # planning.toml: 4A, 5A, unrated scenic
    assert [d.title for d in itin.days] == ["Day 1 (Fri)", "Day 2 (Sat)"]
    roads = shapely.union_all(grid.edges.geometry.values)
    for day in itin.days:
        assert day.calls[0].leave >= (9 * H if day.day == 1 else 8 * H)
        assert day.calls[-1].arrive <= 18 * H and day.drive_s <= 2 * H
        if not day.legs:  # a day spent at the base
            assert not day.visits and day.calls[0].lon == day.calls[-1].lon
            continue
        for prev, call, leg in zip(day.calls[:-1], day.calls[1:], day.legs, strict=True):
            assert leg.depart == prev.leave and call.arrive == leg.depart + leg.drive_s
            assert leg.from_name == prev.name and leg.to_name == call.name
            assert leg.geometry.coords[0] == pytest.approx(prev_xy(prev), abs=1e-6)
            assert leg.geometry.coords[-1] == pytest.approx(prev_xy(call), abs=1e-6)
            assert roads.buffer(1e-7).covers(leg.geometry)  # on the roads
            assert leg.distance_m == pytest.approx(leg.drive_s * 10, rel=1e-6)  # 36 km/h
        for call in day.visits:
            if call.name == "A":
                assert any(lo <= call.start and call.leave <= hi
                           for lo, hi in ((8 * H, 12 * H), (13 * H, 17 * H)))
    legs = itin.legs
    assert list(legs.columns) == ["day", "leg", "from_name", "to_name", "depart", "arrive",
                                  "drive_min", "distance_km", "geometry"]
    assert legs.crs.to_epsg() == 4326 and (legs.geom_type == "LineString").all()
    assert legs["drive_min"].sum() == pytest.approx(itin.drive_s / 60)


def prev_xy(call):
    return (call.lon, call.lat)


def test_lunch_closure_means_waiting(grid):
    # 4 min to A; a 2 h visit cannot start at 08:04 and end after 10:00 → waits for 13:00.
    a = place(grid, 2, "A", opening=("08:00-10:00", "13:00-17:00"), dwell=120)
    itin = plan_itinerary(grid, at(grid, 1), [a])
    (visit,) = itin.visits
    assert visit.start == 13 * H and visit.leave == 15 * H
    assert itin.days[0].calls[0].leave == 13 * H - 4 * 60  # leaves later instead of waiting


def test_closed_days_move_the_visit(grid):
    a = place(grid, 8, "A", closed=("mon",))
    itin = plan_itinerary(grid, at(grid, 1), [a], days=2, start_weekday="mon")
    assert [len(d.visits) for d in itin.days] == [0, 1]
    itin = plan_itinerary(grid, at(grid, 1), [a], days=2)  # weekday unknown
    assert any("closing days not applied" in n for n in itin.notes)
    with pytest.raises(InfeasibleError, match=r"^A is closed on every day of the trip \(day 1 \(Mon\)\)$"):
        plan_itinerary(grid, at(grid, 1), [a], start_date="2025-07-07")  # a Monday


def test_end_time_and_dwell_overrides(grid):
    a, b = place(grid, 36, "A"), place(grid, 6, "B", dwell=45)
    itin = plan_itinerary(grid, at(grid, 1), [a, b], dwell={"alias36": "1h30"}, end_time="12:00")
    assert {c.name: c.dwell_s for c in itin.visits} == {"A": 90 * 60, "B": 45 * 60}
    assert itin.days[-1].calls[-1].arrive <= 12 * H
    point = plan_itinerary(grid, at(grid, 1), [at(grid, 2)])
    assert point.visits[0].dwell_s == 60 * 60  # planning.toml: coordinates
    with pytest.raises(InputError, match="dwell time given for 'nowhere', which is not a stop"):
        plan_itinerary(grid, at(grid, 1), [a], dwell={"nowhere": 10})


def test_optional_stops_dropped_with_reason_and_must_selection(grid):
    a, b, c = place(grid, 36, "A"), place(grid, 31, "B"), place(grid, 6, "C")
    itin = plan_itinerary(grid, at(grid, 1), [a], optional=[b, c], day_window="08:00-13:00")
    assert [v.name for v in itin.visits] == ["A"] and itin.visits[0].must
    assert {d.name for d in itin.dropped} == {"B", "C"}
    assert all(d.reason.startswith("no time left for it: ") for d in itin.dropped)
    itin = plan_itinerary(grid, at(grid, 1), [a, b, c], must=["B"], day_window="08:00-13:00")
    assert [v.name for v in itin.visits] == ["B"] and len(itin.dropped) == 2


# ---------------------------------------------------------------- explanations and errors

def test_closing_time_is_explained(grid):
    # Node 36 is 10 blocks (40 min) from node 1.
    lake = place(grid, 36, "小南海", opening=("08:00-17:00",), dwell=0)
    with pytest.raises(InfeasibleError) as err:
        plan_itinerary(grid, at(grid, 1), [lake], start_time="17:00", day_window="08:00-22:00")
    assert str(err.value) == "小南海 closes at 17:00; earliest arrival 17:40"
    lake = place(grid, 36, "小南海", opening=("08:00-17:00",))
    with pytest.raises(InfeasibleError) as err:
        plan_itinerary(grid, at(grid, 1), [lake], start_time="14:30", day_window="08:00-22:00")
    assert str(err.value) == ("小南海 closes at 17:00; a 2h00 visit must start by 15:00, "
                              "earliest arrival 15:10")


def test_too_much_for_the_days_is_explained(grid):
    # Four 8 h visits in three 10 h days: each fits alone, all four cannot.
    stops = [place(grid, node, f"S{node}", dwell=480) for node in (6, 31, 36, 21)]
    with pytest.raises(InfeasibleError) as err:
        plan_itinerary(grid, at(grid, 1), stops, days=3)
    assert str(err.value).startswith("the 4 must-visit stops need at least 3")
    assert "but 3 days of travel give 30h00 (" in str(err.value)
    with pytest.raises(InfeasibleError, match="over the daily limit of 30 min"):
        plan_itinerary(grid, at(grid, 1), [place(grid, 36, "far")], max_drive_per_day="30min")
    two = [place(grid, 36, "A", dwell=270), place(grid, 31, "B", dwell=270)]  # 10h20 with driving
    with pytest.raises(InfeasibleError, match=r"^must-visit [AB] does not fit with the other stops: "
                                              r".*the day ends at 1[89]:\d\d"):
        plan_itinerary(grid, at(grid, 1), two)
    with pytest.raises(InfeasibleError, match=r"^day 1: driving from 108\.70000,29\.45000 to "
                                              r"108\.82133,29\.56030 alone ends at 08:40, 10 min "
                                              r"after the day ends at 08:30$"):
        plan_itinerary(grid, at(grid, 1), [place(grid, 2, "A")], end=at(grid, 36),
                       day_window="08:00-08:30")


def test_unreachable_stops_are_named():
    nodes = pd.DataFrame({"x": [108.70, 108.71, 108.72, 108.75, 108.76],
                          "y": [29.45, 29.45, 29.45, 29.45, 29.45]},
                         index=pd.Index([1, 2, 3, 4, 5], name="node"))
    # 1 ⇄ 2 two-way, 2 → 3 one-way (a trap), 4 ⇄ 5 a separate piece of road.
    net = from_edge_list(nodes, [(1, 2), (2, 1), (2, 3), (4, 5), (5, 4)])
    lon, lat = nodes.loc[1, "x"], nodes.loc[1, "y"]
    trap = Resolution("trap", Place("trap", "单行陷阱", "Trap", "scenic", "scenic_area"),
                      108.72, 29.45, "gazetteer", "test", "high")
    with pytest.raises(NetworkError, match=r"^there is no road from 单行陷阱 back to 108\.70000,29\.45000"):
        plan_itinerary(net, (lon, lat), [trap])
    with pytest.raises(NetworkError, match=r"^108\.76000,29\.45000 cannot be reached by road from "):
        plan_itinerary(net, (lon, lat), [(108.76, 29.45)])
    with pytest.raises(NetworkError, match=r"km from the nearest road of the network"):
        plan_itinerary(net, (lon, lat), [(108.76, 29.60)])


@pytest.mark.parametrize(("kwargs", "pattern"), [
    (dict(days=0), r"days must be at least 1 \(got 0\)"),
    (dict(days=-2), r"days must be at least 1"),
    (dict(days="2"), r"days must be a whole number"),
    (dict(days=99), r"more than the 14 a plan may span"),
    (dict(day_window="8-18"), r"day window '8' is not a clock time"),
    (dict(day_window="08:00-25:00"), r"'25:00' is not a clock time"),
    (dict(day_window="18:00-08:00"), r"ends before it starts"),
    (dict(start_time="7.30"), r"start time '7.30' is not a clock time"),
    (dict(start_time="19:00"), r"day 1 would end at 18:00, before it starts at 19:00"),
    (dict(max_drive_per_day="four hours"), r"maximum driving per day 'four hours' is not a duration"),
    (dict(start_weekday="funday"), r"weekday 'funday' is not one of mon"),
    (dict(start_date="2025-13-01"), r"date '2025-13-01' is not a date"),
    (dict(start_date="2025-07-07", start_weekday="tue"), r"is a mon, not a tue"),
    (dict(dwell={"A": "soon"}), r"dwell time for A 'soon' is not a duration"),
    (dict(must=["Z"]), r"must-visit 'Z' is not among the stops"),
])
def test_bad_input_is_one_line(grid, kwargs, pattern):
    with pytest.raises(InputError, match=pattern) as err:
        plan_itinerary(grid, at(grid, 1), [place(grid, 8, "A")], **kwargs)
    assert "\n" not in str(err.value)


def test_no_and_repeated_stops(grid):
    with pytest.raises(InputError, match="no stops to visit"):
        plan_itinerary(grid, at(grid, 1), [])
    with pytest.raises(InputError, match="A is listed twice"):
        plan_itinerary(grid, at(grid, 1), [place(grid, 8, "A")], optional=[place(grid, 8, "A")])
    unresolved = Resolution("x", Place("x", "无位置", "Nowhere", "scenic", "scenic_area"),
                            None, None, "unresolved", "no position", "none")
    with pytest.raises(WulingGeoError, match="无位置 .* has no known position"):
        plan_itinerary(grid, at(grid, 1), [unresolved])


def test_larger_plans_use_ortools_and_stay_feasible(grid, monkeypatch):
    rng = np.random.default_rng(11)
    nodes = [int(x) for x in rng.choice(np.arange(2, 37), 12, replace=False)]
    stops = [place(grid, node, f"S{node}", dwell=int(rng.choice([20, 40, 60]))) for node in nodes]
    monkeypatch.setattr(settings, "itinerary_time_limit", 1.0)
    itin = plan_itinerary(grid, at(grid, 1), stops[:4], optional=stops[4:], days=2,
                          max_drive_per_day="1h30")
    assert itin.solver.startswith("OR-Tools") and not itin.optimal
    assert len(itin.visits) + len(itin.dropped) == 12
    assert {"S" + str(n) for n in nodes[:4]} <= {v.name for v in itin.visits}
    for day in itin.days:
        assert day.drive_s <= 90 * 60 and day.calls[-1].arrive <= 18 * H


def test_the_issue_example(grid):
    # "Arrive at 黔江站 at 9:00, two days, must see 濯水古镇 and 小南海, fit in 神龟峡 if
    # there is time, back for the 17:30 train on day 2" — on the SYNTHETIC grid.
    station, town, lake, gorge = 1, 8, 36, 31
    must = [place(grid, town, "濯水古镇", grade="none"), place(grid, lake, "小南海")]
    gorge_stop = place(grid, gorge, "神龟峡", dwell=360)
    itin = plan_itinerary(grid, at(grid, station), must, optional=[gorge_stop], days=2,
                          start_time="09:00", end_time="17:30")
    assert itin.days[0].calls[0].leave >= 9 * H and itin.days[-1].calls[-1].arrive <= 17 * H + 1800
    assert {"濯水古镇", "小南海"} <= {v.name for v in itin.visits}
    T = reference_seconds(grid, [town, lake, gorge, station])
    best = reference_plan(T, [60 * 60, 120 * 60, 360 * 60], [(), (), ()],
                          [frozenset({0, 1})] * 3, [True, True, False], [3, 3], [3, 3],
                          [(9 * H, 18 * H), (8 * H, 17 * H + 1800)], None)
    assert (len(itin.dropped), itin.drive_s) == best


@settings_h(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_returned_plan_honours_the_rules(grid, data):
    draw = data.draw
    nodes = draw(st.lists(st.integers(2, 36), min_size=1, max_size=5, unique=True))
    days = draw(st.integers(1, 3))
    w0, w1 = draw(st.sampled_from([(8, 18), (9, 17), (7, 12)]))
    max_drive = draw(st.sampled_from([None, 30, 60, 90]))
    weekday = draw(st.integers(0, 6))
    stops, rules = [], {}
    for node in nodes:
        dwell = draw(st.sampled_from([0, 30, 60, 120, 200]))
        opening = draw(st.sampled_from([(), ("09:00-12:00",), ("08:00-11:00", "13:30-17:00")]))
        closed = draw(st.sampled_from([(), ("mon",), ("sat", "sun")]))
        name = f"S{node}"
        stops.append(place(grid, node, name, opening=opening, closed=closed, dwell=dwell))
        rules[name] = (dwell * 60, [tuple(int(t[:2]) * H + int(t[3:]) * 60 for t in w.split("-"))
                                    for w in opening], closed)
    n_must = draw(st.integers(0, len(stops)))
    kwargs = dict(days=days, day_window=f"{w0:02d}:00-{w1:02d}:00", start_weekday=weekday,
                  max_drive_per_day=None if max_drive is None else f"{max_drive}min")
    T = reference_seconds(grid, [*nodes, 1])
    n = len(nodes)
    best = reference_plan(
        T, [rules[s.place.name_zh][0] for s in stops], [rules[s.place.name_zh][1] for s in stops],
        [frozenset(d for d in range(days) if WEEKDAYS[(weekday + d) % 7]
                   not in rules[s.place.name_zh][2]) for s in stops],
        [i < n_must for i in range(n)], [n] * days, [n] * days, [(w0 * H, w1 * H)] * days,
        None if max_drive is None else max_drive * 60)
    try:
        itin = plan_itinerary(grid, at(grid, 1), stops[:n_must], optional=stops[n_must:], **kwargs)
    except InfeasibleError as exc:
        assert best is None, str(exc)
        assert "\n" not in str(exc)
        return
    assert (len(itin.dropped), itin.drive_s) == best
    index = {node: i for i, node in enumerate([*nodes, 1])}
    loc = {f"S{node}": index[node] for node in nodes}
    seen = []
    for day in itin.days:
        assert day.weekday == (weekday + day.day - 1) % 7
        assert day.calls[0].leave >= w0 * H and day.calls[-1].arrive <= w1 * H
        assert max_drive is None or day.drive_s <= max_drive * 60
        here = index[1]
        for prev, call in zip(day.calls[:-1], day.calls[1:], strict=True):
            there = loc.get(call.name, index[1])
            assert call.arrive == prev.leave + T[here, there]  # drive times from networkx
            here = there
        for call in day.visits:
            dwell, windows, closed = rules[call.name]
            assert call.leave - call.start == dwell and call.start >= call.arrive
            assert WEEKDAYS[day.weekday] not in closed
            assert not windows or any(lo <= call.start and call.leave <= hi for lo, hi in windows)
            seen.append(call.name)
    assert len(seen) == len(set(seen))
    assert {s.place.name_zh for s in stops[:n_must]} <= set(seen)
    assert set(seen) | {d.name for d in itin.dropped} == {s.place.name_zh for s in stops}
