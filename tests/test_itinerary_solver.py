"""The itinerary solvers against an independent brute force, on SYNTHETIC travel-time matrices.

The brute force below knows nothing of the planner's code: it tries every choice of
optional stops, every split of the stops over the days and every order within each day,
and schedules each day by the rules stated in the issue (leave at the day's start, wait
for a site to open, the whole visit inside one opening window, home by the day's end,
driving capped per day).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wuling_geo.analysis.itinerary.exact import solve_exact
from wuling_geo.analysis.itinerary.explain import (
    aggregate_shortfall,
    empty_day_problem,
    must_not_fitting,
    never_visitable,
    no_room,
)
from wuling_geo.analysis.itinerary.model import Problem, check_routes, objective, repair, solve_ortools

H = 3600


# ---------------------------------------------------------------- independent reference

def reference_day(T, dwell, opening, open_days, day, route, start, end, window, max_drive):
    """Return the day's driving seconds if ``route`` is feasible on ``day``, else None."""
    t, loc, drive = window[0], start, 0
    for s in route:
        if day not in open_days[s]:
            return None
        leg = int(T[loc][s])
        arrive, drive = t + leg, drive + leg
        begin = None
        for lo, hi in sorted(opening[s]) or [(0, 10**9)]:
            if hi - lo >= dwell[s] and arrive <= hi - dwell[s]:
                begin = max(arrive, lo)
                break
        if begin is None:
            return None
        t, loc = begin + dwell[s], s
    leg = int(T[loc][end])
    if t + leg > window[1] or (max_drive is not None and drive + leg > max_drive):
        return None
    return drive + leg


def reference_plan(T, dwell, opening, open_days, must, day_start, day_end, windows, max_drive):
    """Return ``(optional stops missed, total driving)`` of the best plan, or None if none."""
    n, days = len(dwell), len(windows)
    best = None
    for assign in itertools.product(range(-1, days), repeat=n):
        if any(must[i] and assign[i] < 0 for i in range(n)):
            continue
        missed = assign.count(-1)
        if best is not None and missed > best[0]:
            continue
        groups = [[i for i in range(n) if assign[i] == d] for d in range(days)]
        for orders in itertools.product(*(itertools.permutations(g) for g in groups)):
            total = 0
            for d, route in enumerate(orders):
                drive = reference_day(T, dwell, opening, open_days, d, route, day_start[d],
                                      day_end[d], windows[d], max_drive)
                if drive is None:
                    break
                total += drive
            else:
                if best is None or (missed, total) < best:
                    best = (missed, total)
    return best


def reference_of(p: Problem):
    return reference_plan(p.travel, p.dwell, p.opening, p.open_days, p.must, p.day_start,
                          p.day_end, p.windows, p.max_drive)


def score(p: Problem, routes) -> tuple[int, int] | None:
    """Planner answer in the reference's terms (None when a must-visit stop is missing)."""
    if routes is None:
        return None
    must_missed, opt_missed, drive = objective(p, routes)
    if must_missed:
        return None
    for d, route in enumerate(routes):  # every day passes the reference's own rules
        assert reference_day(p.travel, p.dwell, p.opening, p.open_days, d, route, p.day_start[d],
                             p.day_end[d], p.windows[d], p.max_drive) is not None
    return opt_missed, drive


# ---------------------------------------------------------------- random SYNTHETIC problems

def random_problem(rng: np.random.Generator, n: int, days: int, overnight: bool = True) -> Problem:
    size = n + 2
    xy = rng.uniform(0, 40_000, (size, 2))
    metres = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    travel = (metres / 12 + rng.integers(0, 400, (size, size))).astype(np.int64)
    np.fill_diagonal(travel, 0)
    if rng.random() < 0.3:  # some one-way detours: an asymmetric matrix
        travel = travel + np.triu(rng.integers(0, 900, (size, size)), 1)
    dwell = tuple(int(x) for x in rng.choice([0, 1800, 3600, 5400, 7200], n))
    opening = []
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            opening.append(())
        elif r < 0.7:
            opening.append(((int(rng.integers(8, 11)) * H, int(rng.integers(13, 18)) * H),))
        else:
            opening.append(((9 * H, 12 * H), (14 * H, 17 * H + 1800)))
    open_days = tuple(frozenset(d for d in range(days) if rng.random() < 0.8) or frozenset({0})
                      for _ in range(n))
    must = tuple(bool(rng.random() < 0.4) for _ in range(n))
    max_drive = [None, 2 * H, 3 * H][int(rng.integers(0, 3))]
    home, night = n, n + 1 if overnight else n
    day_start = tuple([home] + [night] * (days - 1))
    day_end = tuple([night] * (days - 1) + [home])
    windows = tuple((8 * H + int(rng.integers(0, 3)) * 1800, 18 * H) for _ in range(days))
    return Problem(travel, dwell, tuple(opening), open_days, must, day_start, day_end, windows,
                   max_drive, tuple(f"P{i}" for i in range(size)))


SMALL = [(seed, n, days) for seed, (n, days) in enumerate(
    [(2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (2, 2), (3, 2), (4, 2), (5, 2), (3, 3), (4, 3),
     (5, 3)] * 4)]


@pytest.mark.parametrize(("seed", "n", "days"), SMALL)
def test_exact_solver_matches_brute_force(seed, n, days):
    p = random_problem(np.random.default_rng(seed), n, days, overnight=seed % 2 == 0)
    routes = solve_exact(p)
    assert score(p, routes) == reference_of(p)
    if routes is not None:
        check_routes(p, routes)


@pytest.mark.parametrize(("seed", "n", "days"), SMALL[:24:2])
def test_ortools_model_matches_brute_force_on_small_problems(seed, n, days):
    # The OR-Tools model is what plans with more stops use: on small problems its guided
    # local search must reach the same optimum (this checks the model, penalties included).
    p = random_problem(np.random.default_rng(seed), n, days, overnight=seed % 2 == 0)
    routes = solve_ortools(p, 0.3)
    want = reference_of(p)
    got = score(p, repair(p, routes)) if routes is not None else None
    assert got == want


def test_an_empty_day_still_pays_its_drive():
    # Day 1 ends at the overnight base B (far away), day 2 goes B → A. Putting both stops on
    # day 2 would look free to a solver that ignores empty days' start→end drive.
    T = np.array([[0, 600, 900, 3000],
                  [600, 0, 700, 3100],
                  [900, 700, 0, 200],
                  [3000, 3100, 200, 0]])
    p = Problem(T, (0, 0), ((), ()), (frozenset({0, 1}),) * 2, (True, True), (2, 3), (3, 2),
                ((8 * H, 18 * H),) * 2)
    best = reference_of(p)
    assert score(p, solve_exact(p)) == best
    assert score(p, repair(p, solve_ortools(p, 0.2))) == best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n=st.integers(1, 5), days=st.integers(1, 3))
def test_every_plan_honours_every_rule(seed, n, days):
    p = random_problem(np.random.default_rng(seed), n, days, overnight=bool(seed % 2))
    routes = solve_exact(p)
    if routes is None:
        assert reference_of(p) is None
        return
    schedules = check_routes(p, routes)
    for sched in schedules:
        w0, w1 = p.windows[sched.day]
        assert w0 <= sched.depart and sched.arrive_end <= w1
        if p.max_drive is not None:
            assert sched.drive <= p.max_drive
        t, loc = sched.depart, p.day_start[sched.day]
        for call in sched.calls:
            assert call.arrive == t + p.travel[loc, call.stop]  # no teleporting
            assert call.start >= call.arrive and call.leave - call.start == p.dwell[call.stop]
            assert sched.day in p.open_days[call.stop]
            if p.opening[call.stop]:
                assert any(lo <= call.start and call.leave <= hi for lo, hi in p.opening[call.stop])
            t, loc = call.leave, call.stop
        assert sched.arrive_end == t + p.travel[loc, p.day_end[sched.day]]
    if score(p, routes) is None:  # a must-visit stop left out: the brute force agrees
        assert reference_of(p) is None
    else:
        assert score(p, routes) == reference_of(p)


# ---------------------------------------------------------------- explanations

def one_stop(travel_out: int, dwell: int, opening=(), window=(8 * H, 18 * H), max_drive=None,
             open_days=frozenset({0})) -> Problem:
    T = np.array([[0, travel_out], [travel_out, 0]])
    return Problem(T, (dwell,), (opening,), (open_days,), (True,), (1,), (1,), (window,),
                   max_drive, ("小南海", "黔江站"), ("day 1 (Mon)",))


def test_closing_time_message_names_the_times():
    p = one_stop(40 * 60, 0, opening=((8 * H, 17 * H),), window=(17 * H, 23 * H))
    assert never_visitable(p, 0) == "小南海 closes at 17:00; earliest arrival 17:40"
    p = one_stop(40 * 60, 2 * H, opening=((8 * H, 17 * H),), window=(14 * H, 23 * H))
    assert never_visitable(p, 0) is None  # arrives 14:40, can start by 15:00
    p = one_stop(40 * 60, 2 * H, opening=((8 * H, 17 * H),), window=(15 * H, 23 * H))
    assert never_visitable(p, 0) == ("小南海 closes at 17:00; a 2h00 visit must start by 15:00, "
                                     "earliest arrival 15:40")


def test_day_end_drive_limit_and_closed_day_messages():
    p = one_stop(2 * H, 3 * H)  # 08:00 + 2h + 3h + 2h = 15:00, fits
    assert never_visitable(p, 0) is None
    p = one_stop(4 * H, 3 * H)  # back at 19:00
    assert never_visitable(p, 0) == ("a 3h00 visit to 小南海 does not fit in a day: leaving 黔江站 "
                                     "at 08:00, the earliest return to 黔江站 is 19:00, 1h00 "
                                     "after the day ends at 18:00")
    p = one_stop(2 * H + 300, H, max_drive=4 * H)
    assert never_visitable(p, 0) == ("driving from 黔江站 to 小南海 and on to 黔江站 takes 4h10, "
                                     "10 min over the daily limit of 4h00")
    p = one_stop(600, H, open_days=frozenset())
    assert never_visitable(p, 0) == "小南海 is closed on every day of the trip (day 1 (Mon))"
    p = one_stop(600, 5 * H, opening=((8 * H, 12 * H), (14 * H, 17 * H)))
    assert never_visitable(p, 0) == ("小南海 is open at most 4h00 at a time (08:00-12:00, "
                                     "14:00-17:00) but the visit takes 5h00: shorten it with `dwell`")


def test_aggregate_shortfall_says_how_much_is_missing():
    # Three must-visit stops 30 min apart, 4 h visits each, one day of 10 h: 13h30 needed.
    T = np.full((4, 4), 1800)
    np.fill_diagonal(T, 0)
    p = Problem(T, (4 * H,) * 3, ((),) * 3, (frozenset({0}),) * 3, (True,) * 3, (3,), (3,),
                ((8 * H, 18 * H),), None, ("A", "B", "C", "base"))
    assert aggregate_shortfall(p) == (
        "the 3 must-visit stops need at least 13h30 of visits and driving but 1 day of travel "
        "give 10h00 (3h30 short): add a day, widen `day_window` or make some stops `optional`")
    assert solve_exact(p) is not None and reference_of(p) is None  # bound agrees with search
    p2 = Problem(T, (0,) * 3, ((),) * 3, (frozenset({0, 1}),) * 3, (True,) * 3, (3, 3), (3, 3),
                 ((8 * H, 18 * H),) * 2, 40 * 60, ("A", "B", "C", "base"))
    assert aggregate_shortfall(p2) == (
        "the 3 must-visit stops need at least 1h30 of driving but 2 days × 40 min allow 1h20 "
        "(10 min short): add a day or raise `max_drive_per_day`")


def test_must_visit_that_does_not_fit_is_named_with_the_overrun():
    # Two must-visit stops, each fine alone, together 1h over the day.
    T = np.array([[0, 3600, 3600], [3600, 0, 3600], [3600, 3600, 0]])
    p = Problem(T, (4 * H, 4 * H), ((), ()), (frozenset({0}),) * 2, (True, True), (2,), (2,),
                ((8 * H, 18 * H),), None, ("濯水景区", "小南海", "黔江站"), ("day 1",))
    assert reference_of(p) is None
    routes = solve_exact(p)
    missing = [s for s in range(2) if s not in routes[0]]
    assert len(missing) == 1
    message = must_not_fitting(p, routes, missing)
    assert message.startswith(f"must-visit {p.name(missing[0])} does not fit with the other stops: ")
    assert "the day ends at 19:00, 1h00 after 18:00" in message
    assert "\n" not in message


def test_dropped_optional_reason_and_empty_day():
    T = np.array([[0, 3600, 3600], [3600, 0, 3600], [3600, 3600, 0]])
    p = Problem(T, (4 * H, 4 * H), ((), ()), (frozenset({0}),) * 2, (True, False), (2,), (2,),
                ((8 * H, 18 * H),), None, ("A", "B", "base"), ("day 1",))
    routes = solve_exact(p)
    assert routes == ((0,),)
    assert no_room(p, routes, 1) == ("no time left for it: at best (day 1 after base) the day ends "
                                     "at 19:00, 1h00 after 18:00")
    far = Problem(np.array([[0, 9 * H], [9 * H, 0]]), (), (), (), (), (0,), (1,),
                  ((8 * H, 16 * H),), None, ("A", "B"), ("day 1",))
    assert empty_day_problem(far) == ("day 1: driving from A to B alone ends at 17:00, 1h00 "
                                      "after the day ends at 16:00")
