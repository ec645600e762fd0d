"""The itinerary problem in whole seconds, its schedule rules, and the OR-Tools model.

A :class:`Problem` has ``n`` stops (locations ``0 … n-1``) and base locations after them
(start, end, overnight base). Day ``d`` leaves ``day_start[d]`` no earlier than
``windows[d][0]`` and must reach ``day_end[d]`` by ``windows[d][1]``. A stop is visited
on one day for ``dwell[i]`` seconds, the whole visit inside one of its opening windows,
on a day it is open; the traveller may wait for a site to open. Driving on a day (all its
legs, the last one home included) may not exceed ``max_drive``.

The objective is lexicographic: visit every must-visit stop, then as many optional stops
as possible, then drive as little as possible in total. :func:`simulate` is the single
definition of these rules: every solver's answer is checked against it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal, overload

import numpy as np

#: Travel time standing for "no road": larger than any day, so never feasible.
NO_ROAD_S = 10_000_000


@dataclass(frozen=True)
class Problem:
    """An itinerary problem (times in whole seconds, clock times in seconds after midnight)."""

    travel: np.ndarray  # (L, L) int64 seconds between locations; NO_ROAD_S for no road
    dwell: tuple[int, ...]  # per stop
    opening: tuple[tuple[tuple[int, int], ...], ...]  # per stop: (open, close); () = always
    open_days: tuple[frozenset[int], ...]  # per stop: trip days (0-based) it is open
    must: tuple[bool, ...]  # per stop
    day_start: tuple[int, ...]  # location where each day begins
    day_end: tuple[int, ...]  # location where each day ends
    windows: tuple[tuple[int, int], ...]  # per day: (earliest departure, latest return)
    max_drive: int | None = None
    names: tuple[str, ...] = field(default=())  # per location, for messages
    day_names: tuple[str, ...] = field(default=())  # per day, for messages ("day 1 (Mon)")

    @property
    def n(self) -> int:
        """Number of stops."""
        return len(self.dwell)

    @property
    def days(self) -> int:
        """Number of days."""
        return len(self.windows)

    def name(self, loc: int) -> str:
        """Return the display name of a location."""
        return self.names[loc] if loc < len(self.names) else f"#{loc}"

    def day_name(self, day: int) -> str:
        """Return the display name of a day (``"day 2"``)."""
        return self.day_names[day] if day < len(self.day_names) else f"day {day + 1}"

    def latest_starts(self, stop: int) -> list[tuple[int, int]]:
        """Return ``(earliest, latest)`` visit-start times per window that fits the dwell."""
        if not self.opening[stop]:
            return [(0, 2 * 24 * 3600)]
        return [(lo, hi - self.dwell[stop]) for lo, hi in self.opening[stop]
                if hi - lo >= self.dwell[stop]]


@dataclass(frozen=True)
class ScheduledVisit:
    """One stop on a day's schedule in the solver: arrival, visit start and departure (clock seconds).

    The public call of a plan is :class:`wuling_geo.analysis.itinerary.result.Call`.
    """

    stop: int
    arrive: int
    start: int
    leave: int
    drive_in: int  # seconds of driving from the previous location


@dataclass(frozen=True)
class DaySchedule:
    """A day's earliest schedule: departure, calls and return."""

    day: int
    depart: int
    calls: tuple[ScheduledVisit, ...]
    arrive_end: int
    drive_home: int
    drive: int


@dataclass(frozen=True)
class Violation:
    """How a (soft-simulated) route breaks a rule; ``excess`` seconds beyond the limit."""

    kind: str  # "closed", "opening", "day_end", "drive", "unreachable"
    excess: int
    day: int
    stop: int | None = None
    arrive: int = 0
    limit: int = 0


def earliest_start(problem: Problem, stop: int, arrive: int) -> int | None:
    """Return the earliest visit start at or after ``arrive`` that fits a window, or None."""
    for lo, hi in problem.latest_starts(stop):
        if arrive <= hi:
            return max(arrive, lo)
    return None


@overload
def simulate(problem: Problem, day: int, route: tuple[int, ...] | list[int],
             soft: Literal[True]) -> tuple[DaySchedule, list[Violation]]: ...
@overload
def simulate(problem: Problem, day: int, route: tuple[int, ...] | list[int],
             soft: bool = False) -> tuple[DaySchedule | None, list[Violation]]: ...
def simulate(problem: Problem, day: int, route: tuple[int, ...] | list[int],
             soft: bool = False) -> tuple[DaySchedule | None, list[Violation]]:
    """Schedule ``route`` (stop indices) on ``day`` as early as possible.

    Returns the schedule (``None`` if a rule is broken and ``soft`` is false) and the
    rules broken. With ``soft``, a late visit goes ahead when the traveller gets there,
    so every violation along the day is measured.
    """
    travel = problem.travel
    w0, w1 = problem.windows[day]
    t, loc, drive = w0, problem.day_start[day], 0
    calls: list[ScheduledVisit] = []
    broken: list[Violation] = []
    for stop in route:
        if day not in problem.open_days[stop]:
            broken.append(Violation("closed", 0, day, stop))
        leg = int(travel[loc, stop])
        if leg >= NO_ROAD_S:
            broken.append(Violation("unreachable", NO_ROAD_S, day, stop))
            if not soft:
                return None, broken
        arrive = t + leg
        drive += leg
        start = earliest_start(problem, stop, arrive)
        if start is None:
            windows = problem.latest_starts(stop)
            limit = windows[-1][1] if windows else 0
            broken.append(Violation("opening", arrive - limit, day, stop, arrive, limit))
            start = arrive
        if broken and not soft:
            return None, broken
        calls.append(ScheduledVisit(stop, arrive, start, start + problem.dwell[stop], leg))
        t, loc = start + problem.dwell[stop], stop
    home = int(travel[loc, problem.day_end[day]])
    if home >= NO_ROAD_S:
        broken.append(Violation("unreachable", NO_ROAD_S, day, None))
    drive += home
    arrive_end = t + home
    if arrive_end > w1:
        broken.append(Violation("day_end", arrive_end - w1, day, None, arrive_end, w1))
    if problem.max_drive is not None and drive > problem.max_drive:
        broken.append(Violation("drive", drive - problem.max_drive, day, None, drive,
                                problem.max_drive))
    if broken and not soft:
        return None, broken
    # Leave base later instead of waiting at the first stop.
    depart = w0
    if calls and calls[0].start > calls[0].arrive and not broken:
        shift = calls[0].start - calls[0].arrive
        depart += shift
        first = calls[0]
        calls[0] = ScheduledVisit(first.stop, first.arrive + shift, first.start, first.leave, first.drive_in)
    return DaySchedule(day, depart, tuple(calls), arrive_end, home, drive), broken


def objective(problem: Problem, routes: tuple[tuple[int, ...], ...]) -> tuple[int, int, int]:
    """Return ``(must-visit stops missed, optional stops missed, total driving seconds)``."""
    seen = {s for r in routes for s in r}
    must_missed = sum(1 for s in range(problem.n) if problem.must[s] and s not in seen)
    opt_missed = sum(1 for s in range(problem.n) if not problem.must[s] and s not in seen)
    drive = 0
    for day, route in enumerate(routes):
        locs = [problem.day_start[day], *route, problem.day_end[day]]
        drive += sum(int(problem.travel[a, b]) for a, b in itertools.pairwise(locs))
    return must_missed, opt_missed, drive


def check_routes(problem: Problem, routes: tuple[tuple[int, ...], ...]) -> list[DaySchedule]:
    """Return the schedules of ``routes``; raise ``RuntimeError`` if any rule is broken.

    A broken rule here is a solver bug, never bad input: every returned plan passes.
    """
    if len(routes) != problem.days:
        raise RuntimeError(f"solver returned {len(routes)} days for {problem.days}")
    stops = [s for r in routes for s in r]
    if len(stops) != len(set(stops)) or any(not 0 <= s < problem.n for s in stops):
        raise RuntimeError(f"solver returned an invalid stop list {routes}")
    out = []
    for day, route in enumerate(routes):
        schedule, broken = simulate(problem, day, route)
        if schedule is None:
            raise RuntimeError(f"solver returned an infeasible day {day + 1}: {broken}")
        out.append(schedule)
    return out


# ---------------------------------------------------------------- OR-Tools routing model

def _penalties(problem: Problem) -> tuple[int, int]:
    """Return (optional-stop penalty, must-visit penalty) that make the objective lexicographic."""
    finite = np.where(problem.travel >= NO_ROAD_S, 0, problem.travel)
    bound = int(finite.max(axis=1).sum()) * max(1, problem.days) + 1  # > any total drive
    n_optional = sum(1 for m in problem.must if not m)
    return bound, (n_optional + 1) * bound


def solve_ortools(problem: Problem, time_limit_s: float) -> tuple[tuple[int, ...], ...] | None:
    """Solve with OR-Tools routing (feasible plans, not proven optimal).

    One vehicle per day (an empty day still costs its drive from start to end), a time
    dimension with the opening windows, a driving dimension capped per day, and a
    disjunction per stop. Must-visit stops carry a penalty larger than all optional ones
    together, optional stops one larger than any total driving time, so the solver's
    objective is the lexicographic one of :func:`objective`. Guided local search runs for
    ``time_limit_s`` seconds.

    Returns
    -------
    tuple or None
        The stops of each day in order, or ``None`` if no solution was found.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n, days = problem.n, problem.days
    size = problem.travel.shape[0]
    manager = pywrapcp.RoutingIndexManager(size, days, list(problem.day_start),
                                           list(problem.day_end))
    routing = pywrapcp.RoutingModel(manager)
    travel = [[int(x) for x in row] for row in problem.travel]
    dwell = list(problem.dwell) + [0] * (size - n)
    busy = [[dwell[i] + travel[i][j] for j in range(size)] for i in range(size)]
    drive_cb = routing.RegisterTransitMatrix(travel)
    time_cb = routing.RegisterTransitMatrix(busy)
    routing.SetArcCostEvaluatorOfAllVehicles(drive_cb)
    for day in range(days):  # an empty day still drives from its start to its end
        routing.SetVehicleUsedWhenEmpty(True, day)

    horizon = 2 * 24 * 3600
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for day, (w0, w1) in enumerate(problem.windows):
        time.CumulVar(routing.Start(day)).SetRange(w0, w1)
        time.CumulVar(routing.End(day)).SetRange(w0, w1)
    cap = problem.max_drive if problem.max_drive is not None else NO_ROAD_S
    routing.AddDimensionWithVehicleCapacity(drive_cb, 0, [cap] * days, True, "drive")

    optional_penalty, must_penalty = _penalties(problem)
    for stop in range(n):
        index = manager.NodeToIndex(stop)
        routing.AddDisjunction([index], must_penalty if problem.must[stop] else optional_penalty)
        windows = problem.latest_starts(stop)
        if not windows or not problem.open_days[stop]:
            routing.ActiveVar(index).SetValue(0)  # can never be visited
            continue
        var = time.CumulVar(index)
        var.SetRange(windows[0][0], windows[-1][1])
        for (_, hi), (lo, _) in itertools.pairwise(windows):
            if lo > hi + 1:
                var.RemoveInterval(hi + 1, lo - 1)
        for day in range(days):  # (SetAllowedVehiclesForIndex's binding rejects lists in 9.15)
            if day not in problem.open_days[stop]:
                routing.VehicleVar(index).RemoveValue(day)

    for loc in set(range(n, size)) - set(problem.day_start) - set(problem.day_end):
        index = manager.NodeToIndex(loc)  # a base no day uses: never visited
        routing.AddDisjunction([index], 0)
        routing.ActiveVar(index).SetValue(0)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION)
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    routes = []
    for day in range(days):
        index = solution.Value(routing.NextVar(routing.Start(day)))
        route = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        routes.append(tuple(route))
    return tuple(routes)


# ---------------------------------------------------------------- insertion

@dataclass(frozen=True)
class Insertion:
    """The least-bad place for a stop in a plan: ``routes[day]`` gets it at ``position``."""

    day: int
    position: int
    broken: tuple[Violation, ...]
    extra_drive: int

    @property
    def excess(self) -> int:
        """Total seconds by which rules are broken (0 when the insertion is feasible)."""
        return sum(v.excess for v in self.broken)


def best_insertion(problem: Problem, routes: tuple[tuple[int, ...], ...], stop: int
                   ) -> Insertion | None:
    """Return where ``stop`` fits best into ``routes`` (least excess, then least extra drive).

    ``None`` if the stop is open on no day of the trip.
    """
    base = objective(problem, routes)[2]
    best: Insertion | None = None
    for day in sorted(problem.open_days[stop]):
        route = routes[day]
        for pos in range(len(route) + 1):
            trial = (*route[:pos], stop, *route[pos:])
            _, broken = simulate(problem, day, trial, soft=True)
            new_routes = (*routes[:day], trial, *routes[day + 1:])
            candidate = Insertion(day, pos, tuple(broken), objective(problem, new_routes)[2] - base)
            if best is None or (candidate.excess, candidate.extra_drive) < (
                    best.excess, best.extra_drive):
                best = candidate
    return best


def repair(problem: Problem, routes: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
    """Insert left-out stops wherever they fit (must-visit first, cheapest first).

    A heuristic solver can stop short of a possible insertion; this never makes a plan
    worse under :func:`objective`.
    """
    while True:
        seen = {s for r in routes for s in r}
        options = []
        for stop in range(problem.n):
            if stop in seen:
                continue
            ins = best_insertion(problem, routes, stop)
            if ins is not None and ins.excess == 0:
                options.append((not problem.must[stop], ins.extra_drive, stop, ins))
        if not options:
            return routes
        _, _, stop, ins = min(options, key=lambda o: o[:3])
        day = routes[ins.day]
        grown = (*day[:ins.position], stop, *day[ins.position:])
        routes = (*routes[:ins.day], grown, *routes[ins.day + 1:])
