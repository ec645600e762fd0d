"""Tourism itineraries: the best order of visits over one or more days, on the road network.

:func:`plan_itinerary` turns stops (gazetteer places or ``lon,lat``) into a plan per day —
arrive, visit, leave, drive time and distance per leg — that honours visit lengths,
opening hours and closing days, the daily window, a daily driving limit and an overnight
base, visits every must-visit stop, fits in as many optional stops as it can and then
drives as little as possible. With no stops and an ``end`` other than the start, the plan is
a plain route: the fastest path from start to end, one leg.

Solver. Travel times between the stops come from the network
(:func:`wuling_geo.network.routing.travel_time_matrix`, rounded to whole seconds). Requests with
at most :data:`settings.itinerary_exact_max_stops` stops are solved *exactly* by dynamic
programming over visited sets (:mod:`wuling_geo.analysis.itinerary.exact`): the plan is optimal. Larger
ones go to OR-Tools routing (one vehicle per day, a time dimension with opening windows, a
driving dimension capped per day, disjunctions with lexicographic penalties) with guided
local search for :data:`settings.itinerary_time_limit` seconds, followed by a repair pass
that inserts any stop that still fits; such plans are feasible but not proven optimal
(``Itinerary.optimal`` says which). Every plan is re-checked against the one definition of
the rules (:func:`wuling_geo.analysis.itinerary.model.simulate`) before it is returned.

Infeasible requests raise :class:`InfeasibleError` naming the rule and the shortfall.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import shapely

from wuling_geo import settings
from wuling_geo._util.errors import InfeasibleError, InputError, NetworkError
from wuling_geo._util.timeparse import (
    WEEKDAYS,
    format_clock,
    parse_clock,
    parse_date,
    parse_duration,
    parse_weekday,
    parse_window,
)
from wuling_geo.analysis.itinerary.exact import solve_exact
from wuling_geo.analysis.itinerary.explain import (
    PARAMS,
    aggregate_shortfall,
    empty_day_problem,
    must_not_fitting,
    never_visitable,
    no_room,
)
from wuling_geo.analysis.itinerary.model import NO_ROAD_S, Problem, check_routes, repair, solve_ortools
from wuling_geo.analysis.itinerary.result import Call, DayPlan, Dropped, Itinerary, Leg, legs_frame
from wuling_geo.analysis.itinerary.stops import Stop, StopLike, apply_dwell, make_stop, same_place
from wuling_geo.data.gazetteer import normalise_name
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.network import routing
from wuling_geo.network.model import RoadNetwork
from wuling_geo.network.snapping import to_snaps
from wuling_geo.network.validation import find_off_network, snap_places

__all__ = ["Call", "DayPlan", "Dropped", "Itinerary", "Leg", "legs_frame", "plan_itinerary"]

# ---------------------------------------------------------------- input checks

def _check_days(days: Any) -> int:
    if isinstance(days, bool) or not isinstance(days, int | np.integer):
        raise InputError(f"days must be a whole number ≥ 1 (got {days!r})")
    if days < 1:
        raise InputError(f"days must be at least 1 (got {days}): plan one day or more")
    if days > settings.itinerary_max_days:
        raise InputError(f"days {days} is more than the {settings.itinerary_max_days} "
                         "a plan may span: plan the trip in parts")
    return int(days)


def _windows(days: int, day_window, start_time, end_time) -> tuple[tuple[int, int], ...]:
    w0, w1 = parse_window(day_window, "day window")
    windows = [[w0, w1] for _ in range(days)]
    if start_time is not None:
        windows[0][0] = parse_clock(start_time, "start time")
    if end_time is not None:
        windows[-1][1] = parse_clock(end_time, "end time")
    for i, (a, b) in enumerate(windows):
        if b <= a:
            raise InputError(f"day {i + 1} would end at {format_clock(b)}, before it starts at "
                             f"{format_clock(a)}: check the start/end time and the day window")
    return tuple((a, b) for a, b in windows)


def _first_weekday(start_weekday, start_date) -> tuple[int | None, _dt.date | None]:
    date = parse_date(start_date) if start_date is not None else None
    weekday = parse_weekday(start_weekday) if start_weekday is not None else None
    if date is not None and weekday is not None and date.weekday() != weekday:
        raise InputError(f"start date {date} is a {WEEKDAYS[date.weekday()]}, not a "
                         f"{WEEKDAYS[weekday]}: give one or make them agree")
    return (date.weekday() if date is not None else weekday), date


def _select_must(visits: list[Stop], must: Iterable[str] | None) -> list[Stop]:
    if must is None:
        return visits
    wanted = {normalise_name(str(m)): str(m) for m in must}
    for key, text in wanted.items():
        if not any(key in s.keys for s in visits):
            raise InputError(f"must-visit {text!r} is not among the stops to visit")
    return [dataclasses.replace(s, must=bool(s.keys & wanted.keys())) for s in visits]


def _snap_all(network: RoadNetwork, places: list[Stop]) -> list:
    snaps = snap_places(network, [p.name for p in places], [p.lon for p in places],
                        [p.lat for p in places], settings.itinerary_max_snap_m, "stop")
    return to_snaps(network, snaps)


def _drop_off_network(network: RoadNetwork, todo: list[Stop]) -> tuple[list[Stop], list[Dropped]]:
    """Leave out optional stops off the network, with the reason; keep the rest in order."""
    _, off = find_off_network(network, [s.name for s in todo], [s.lon for s in todo],
                              [s.lat for s in todo], settings.itinerary_max_snap_m, "stop")
    drop = {o.index: o for o in off if not todo[o.index].must}
    dropped = [Dropped(todo[i].name, todo[i].label,
                       f"off the road network: {o.distance_m / 1000:,.1f} km from the nearest "
                       f"road (limit {settings.itinerary_max_snap_m / 1000:g} km)")
               for i, o in sorted(drop.items())]
    return [s for i, s in enumerate(todo) if i not in drop], dropped


def _matrix(network: RoadNetwork, snaps: list, profile: str) -> np.ndarray:
    seconds = routing.travel_time_matrix(network, snaps, snaps, profile)
    out = np.where(np.isfinite(seconds), np.rint(np.nan_to_num(seconds, posinf=0)), NO_ROAD_S)
    out = np.minimum(out, NO_ROAD_S).astype(np.int64)
    np.fill_diagonal(out, 0)
    return out


def _check_reachable(network: RoadNetwork, snaps: list, profile: str, travel: np.ndarray,
                     stops: list[Stop], bases: list[int], names: list[str]) -> None:
    def why(a: int, b: int) -> str:
        return (routing.barrier_reason(network, snaps[a], snaps[b], profile)
                or "a separate part of the network, one-way roads or turn restrictions")

    for s, stop in enumerate(stops):
        for b in bases:
            if travel[b, s] >= NO_ROAD_S:
                raise NetworkError(f"{stop.name} cannot be reached by road from {names[b]} "
                                   f"({why(b, s)})")
            if travel[s, b] >= NO_ROAD_S:
                raise NetworkError(f"there is no road from {stop.name} back to {names[b]} "
                                   f"({why(s, b)})")
    for a in bases:  # a plain route, or the base of a night
        for b in bases:
            if a != b and travel[a, b] >= NO_ROAD_S:
                raise NetworkError(f"there is no road from {names[a]} to {names[b]} "
                                   f"({why(a, b)})")


# ---------------------------------------------------------------- planning

def plan_itinerary(network: RoadNetwork, start: StopLike, visits: Sequence[StopLike],
                   end: StopLike | None = None, days: int = 1,
                   day_window: str | tuple[str, str] = ("08:00", "18:00"),
                   max_drive_per_day: str | float | None = None,
                   overnight: StopLike | None = None, must: Iterable[str] | None = None,
                   optional: Sequence[StopLike] | None = None,
                   dwell: Mapping[str, Any] | None = None, profile: str = "car",
                   start_time: str | None = None, start_weekday: str | int | None = None,
                   end_time: str | None = None, start_date: str | _dt.date | None = None,
                   geocoder: Geocoder | None = None) -> Itinerary:
    """Plan the best multi-stop, multi-day trip.

    Parameters
    ----------
    network
        The road network (travel times for ``profile``).
    start
        Where day 1 begins: a gazetteer name, id or alias, ``"lon,lat"`` (in the district), a
        :class:`~wuling_geo.data.geocode.geocoder.Resolution`, ``(lon, lat)`` (WGS-84) … (see
        :func:`wuling_geo.data.places.as_sites`).
    visits
        Stops to visit (must-visit unless ``must`` selects some of them). May be empty when
        ``end`` differs from ``start``: the plan is then the fastest route between them.
    end
        Where the last day ends (default: ``start``).
    days
        Number of days (1 … :data:`settings.itinerary_max_days`).
    day_window
        Earliest departure and latest return each day, ``"08:00-18:00"`` or a pair.
    max_drive_per_day
        Driving limit per day: ``"4h"``, ``"90min"`` or minutes (default: none).
    overnight
        Where nights are spent (default: ``start``, i.e. return to the start each day).
    must
        Names/ids of the ``visits`` that must be visited; the others become optional.
    optional
        Further stops, visited only if time allows (most of them, then least driving).
    dwell
        Visit lengths per stop: name/id → minutes or ``"1h30"``. Defaults come from the
        gazetteer's ``[place.visit]`` and ``data/planning.toml`` (planning assumptions).
    profile
        ``"car"`` or ``"truck"``.
    start_time, end_time
        Departure on day 1 and latest arrival on the last day (override the window).
    start_weekday, start_date
        Weekday (``"mon"``) or date of day 1, so closing days apply and days are dated.
    geocoder
        Resolves place names (default: the shipped gazetteer).

    Returns
    -------
    Itinerary

    Raises
    ------
    InputError
        Malformed times, days < 1, unknown or repeated stops, no stop and no distinct end.
    NetworkError
        A stop off the network, or unreachable by road.
    InfeasibleError
        No plan meets the constraints; the message says which one and by how much.

    Examples
    --------
    Two blocks (200 s) each way on a SYNTHETIC grid, half an hour at the stop:

    >>> import wuling_geo as wg
    >>> from wuling_geo.network.synthetic import grid_network
    >>> net = grid_network(6, 6, spacing_m=1000, origin=(108.74, 29.42))
    >>> a, b = [tuple(net.nodes.loc[n, ["x", "y"]]) for n in (1, 3)]
    >>> trip = wg.plan_itinerary(net, start=a, visits=[("b", "SYNTHETIC B", *b)],
    ...                          dwell={"SYNTHETIC B": 30})
    >>> [c.name for c in trip.visits], trip.drive_s, trip.optimal
    (['SYNTHETIC B'], 400, True)
    """
    days = _check_days(days)
    windows = _windows(days, day_window, start_time, end_time)
    max_drive = (parse_duration(max_drive_per_day, "maximum driving per day")
                 if max_drive_per_day is not None else None)
    weekday0, date0 = _first_weekday(start_weekday, start_date)
    start_stop = make_stop(start, "start", geocoder=geocoder)
    end_stop = make_stop(end, "end", geocoder=geocoder) if end is not None else start_stop
    night_stop = (make_stop(overnight, "overnight base", geocoder=geocoder)
                  if overnight is not None else start_stop)
    notes = []
    if overnight is not None and days == 1:
        notes.append("a one-day trip has no overnight base: `overnight` ignored")
    if isinstance(visits, str):
        visits = [visits]
    todo = [make_stop(v, "stop to visit", geocoder=geocoder) for v in visits]
    todo = _select_must(todo, must)
    todo += [make_stop(v, "optional stop", must=False, geocoder=geocoder)
             for v in (optional or ())]
    plain = end is not None and not same_place(end_stop, start_stop)
    if not todo and not plain:
        raise InputError("no stops to visit: name at least one with `visits` or `optional`, "
                         "or an `end` other than the start for a plain route",
                         param=("visits", "optional", "end"))
    for i, a in enumerate(todo):
        for b in todo[:i]:
            if same_place(a, b):
                raise InputError(f"{a.name} is listed twice among the stops: give it once")
    todo = apply_dwell(todo, dwell)
    todo, off_network = _drop_off_network(network, todo)
    if not todo and not plain:
        raise InputError("no stops to visit on the road network: every optional stop lies "
                         f"off it ({', '.join(d.name for d in off_network)})")

    bases: list[Stop] = []
    for base in (start_stop, night_stop if days > 1 else None, end_stop):
        if base is not None and not any(base is x or same_place(base, x) for x in bases):
            bases.append(base)
    n = len(todo)

    def base_loc(stop: Stop) -> int:
        return n + next(i for i, b in enumerate(bases) if b is stop or same_place(b, stop))

    places = todo + bases
    names = [p.name for p in places]
    snaps = _snap_all(network, places)
    # a truck that can leave or reach no start, end or must-visit stop: say which limit
    needed = [i for i, p in enumerate(places) if i >= n or p.must]
    routing.check_reach(network, [snaps[i] for i in needed], [names[i] for i in needed], profile)
    travel = _matrix(network, snaps, profile)
    _check_reachable(network, snaps, profile, travel, todo, [base_loc(b) for b in bases], names)
    day_start = tuple(base_loc(start_stop if d == 0 else night_stop) for d in range(days))
    day_end = tuple(base_loc(end_stop if d == days - 1 else night_stop) for d in range(days))
    weekdays = [None if weekday0 is None else (weekday0 + d) % 7 for d in range(days)]
    if weekday0 is None and any(s.closed_days for s in todo):
        notes.append("closing days not applied: give the weekday or date of day 1")
    open_days = tuple(frozenset(d for d in range(days)
                                if weekdays[d] is None or weekdays[d] not in s.closed_days)
                      for s in todo)
    day_names = tuple(f"day {d + 1}" + ("" if wd is None else f" ({WEEKDAYS[wd].capitalize()})")
                      for d, wd in enumerate(weekdays))
    problem = Problem(travel, tuple(s.dwell_s for s in todo),
                      tuple(s.opening for s in todo), open_days, tuple(s.must for s in todo),
                      day_start, day_end, windows, max_drive, tuple(names), day_names)

    problem, routes, solver, optimal, dropped = _solve(problem)
    plans = _assemble(network, problem, routes, places, snaps, profile, weekdays, date0)
    meta = network.meta or {}
    synthetic = bool(meta.get("synthetic"))
    source = str(meta.get("source", "road network"))
    attribution = str(meta.get("attribution") or ("" if synthetic else settings.osm_attribution))
    dropped_all = (*off_network, *(Dropped(todo[s].name, todo[s].label, why) for s, why in dropped))
    return Itinerary(plans, dropped_all,
                     solver, optimal, profile, source, attribution, synthetic, tuple(notes))


def _solve(problem: Problem):
    """Check, solve and explain; return the problem used, routes, solver, optimality, drops."""
    reason = empty_day_problem(problem)
    if reason:
        raise InfeasibleError(reason, param=PARAMS)
    pre_dropped: list[tuple[int, str]] = []
    closed = list(problem.open_days)
    for s in range(problem.n):
        why = never_visitable(problem, s)
        if why is None:
            continue
        if problem.must[s]:
            raise InfeasibleError(why, param=PARAMS)
        pre_dropped.append((s, why))
        closed[s] = frozenset()
    if pre_dropped:
        problem = Problem(problem.travel, problem.dwell, problem.opening, tuple(closed),
                          problem.must, problem.day_start, problem.day_end, problem.windows,
                          problem.max_drive, problem.names, problem.day_names)
    reason = aggregate_shortfall(problem)
    if reason:
        raise InfeasibleError(reason, param=PARAMS)
    candidates = problem.n - len(pre_dropped)
    if candidates <= settings.itinerary_exact_max_stops:
        routes, solver, optimal = solve_exact(problem), "exact (dynamic programming)", True
    else:
        routes = solve_ortools(problem, settings.itinerary_time_limit)
        solver = f"OR-Tools guided local search ({settings.itinerary_time_limit:g} s)"
        optimal = False
        if routes is not None:
            routes = repair(problem, routes)
    if routes is None:  # even empty days failed; cannot happen after empty_day_problem
        raise InfeasibleError("no plan meets the day windows and driving limit", param=PARAMS)
    check_routes(problem, routes)
    seen = {s for r in routes for s in r}
    missing = [s for s in range(problem.n) if problem.must[s] and s not in seen]
    if missing:
        raise InfeasibleError(must_not_fitting(problem, routes, missing), param=PARAMS)
    pre = dict(pre_dropped)
    dropped = [(s, pre.get(s) or no_room(problem, routes, s)) for s in range(problem.n)
               if not problem.must[s] and s not in seen]
    return problem, routes, solver, optimal, dropped


def _assemble(network, problem: Problem, routes, places: list[Stop], snaps, profile: str,
              weekdays: list[int | None], date0: _dt.date | None) -> tuple[DayPlan, ...]:
    schedules = check_routes(problem, routes)
    paths: dict[tuple[int, int], routing.Path] = {}

    def path(a: int, b: int) -> routing.Path:
        if (a, b) not in paths:
            paths[a, b] = routing.fastest_path(network, snaps[a], snaps[b], profile)
        return paths[a, b]

    def call(loc: int, kind: str, arrive, start, leave) -> Call:
        p = places[loc]
        is_visit = kind == "visit"
        return Call(p.name, p.label, kind, p.lon, p.lat, arrive, start, leave,
                    p.dwell_s if is_visit else 0, p.must if is_visit else None,
                    p.place.id if p.place else None)

    plans = []
    for d, sched in enumerate(schedules):
        first, last = problem.day_start[d], problem.day_end[d]
        start_kind = "start" if d == 0 else "overnight"
        end_kind = "end" if d == problem.days - 1 else "overnight"
        calls = [call(first, start_kind, None, None, sched.depart)]
        calls += [call(c.stop, "visit", c.arrive, c.start, c.leave) for c in sched.calls]
        calls.append(call(last, end_kind, sched.arrive_end, None, None))
        locs = [first, *(c.stop for c in sched.calls), last]
        legs: list[Leg] = []
        for i in range(len(locs) - 1):
            a, b = locs[i], locs[i + 1]
            if a == b:
                continue  # a day spent at the base: no drive
            p = path(a, b)
            geom = p.geometry if isinstance(p.geometry, shapely.LineString) else None
            if geom is None or geom.is_empty or len(geom.coords) < 2:
                pt = snaps[a].point
                geom = shapely.LineString([pt, snaps[b].point if a != b else pt])
            depart = calls[i].leave
            arrive = calls[i + 1].arrive
            assert depart is not None and arrive is not None  # a leg leaves a start or visit
            drive = int(problem.travel[a, b])
            legs.append(Leg(d + 1, len(legs) + 1, places[a].name, places[b].name, depart,
                            arrive, drive, float(p.meters), geom))
        date = date0 + _dt.timedelta(days=d) if date0 is not None else None
        plans.append(DayPlan(d + 1, weekdays[d], date, tuple(calls), tuple(legs)))
    return tuple(plans)

