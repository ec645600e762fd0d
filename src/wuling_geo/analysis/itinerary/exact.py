"""Exact itinerary search for small problems: dynamic programming over visited sets.

A label is a partial plan: the day, the set of stops visited so far, where the traveller
is, the clock time, the driving done today and the driving done in total. Labels with the
same day, set and place are compared, and one that is no earlier, has driven no less
today and no less in total than another is dropped (it can never lead to a better plan,
because every rule is monotone in those three numbers: waiting is allowed, and opening
windows, the day's end and the driving limit are upper bounds). Every surviving complete
plan is scored with :func:`~wuling_geo.analysis.itinerary.model.objective`, so the best one is
optimal — not a heuristic answer. The work grows as ``2^n``: use it for small ``n``.
"""

from __future__ import annotations

from wuling_geo.analysis.itinerary.model import NO_ROAD_S, Problem, earliest_start, objective

# A label: (clock, drive today, drive in total, routes so far as a tuple of tuples).
_Label = tuple[int, int, int, tuple[tuple[int, ...], ...]]


def _insert(front: list[_Label], label: _Label) -> None:
    """Add ``label`` to a Pareto front on (clock, drive today, total drive), in place."""
    t, dt, tot = label[0], label[1], label[2]
    for other in front:
        if other[0] <= t and other[1] <= dt and other[2] <= tot:
            return
    front[:] = [o for o in front if not (t <= o[0] and dt <= o[1] and tot <= o[2])]
    front.append(label)


def solve_exact(problem: Problem) -> tuple[tuple[int, ...], ...] | None:
    """Return an optimal plan (the stops of each day) or ``None`` if even empty days fail.

    Must-visit stops are preferred over any number of optional ones, as in the OR-Tools
    model, so the answer shows which must-visit stops cannot fit when not all can.
    """
    n, travel, dwell = problem.n, problem.travel, problem.dwell
    track_today = problem.max_drive is not None
    limit = problem.max_drive if problem.max_drive is not None else 0  # read only if tracked
    best: tuple | None = None
    # Labels at the start of the current day, keyed by visited set.
    starts: dict[int, list[_Label]] = {0: [(problem.windows[0][0], 0, 0, ())]}
    for day in range(problem.days):
        w0, w1 = problem.windows[day]
        home = problem.day_end[day]
        # fronts[(visited, place)] → labels; place is a stop index or -1 for the day's start.
        fronts: dict[tuple[int, int], list[_Label]] = {
            (mask, -1): [(w0, 0, tot, (*routes, ())) for _, _, tot, routes in labels]
            for mask, labels in starts.items()}
        # A key (set, stop) is fed only by keys whose set has one stop fewer: handle the
        # keys level by level (by set size), so each front is complete when extended.
        levels: list[list[tuple[int, int]]] = [[] for _ in range(n + 1)]
        for key in fronts:
            levels[key[0].bit_count()].append(key)
        for level in levels:
            for key in level:
                mask, place = key
                loc = problem.day_start[day] if place < 0 else place
                for t, dtoday, tot, routes in fronts[key]:
                    for stop in range(n):
                        if mask >> stop & 1 or day not in problem.open_days[stop]:
                            continue
                        leg = int(travel[loc, stop])
                        if leg >= NO_ROAD_S:
                            continue
                        today = dtoday + leg
                        if track_today and today > limit:
                            continue
                        start = earliest_start(problem, stop, t + leg)
                        if start is None or start + dwell[stop] > w1:
                            continue
                        new_key = (mask | 1 << stop, stop)
                        label = (start + dwell[stop], today if track_today else 0, tot + leg,
                                 (*routes[:-1], routes[-1] + (stop,)))
                        if new_key not in fronts:
                            fronts[new_key] = []
                            levels[new_key[0].bit_count()].append(new_key)
                        _insert(fronts[new_key], label)
        # Close the day: drive to the day's end location.
        starts = {}
        for (mask, place), labels in fronts.items():
            loc = problem.day_start[day] if place < 0 else place
            leg = int(travel[loc, home])
            if leg >= NO_ROAD_S:
                continue
            for t, dtoday, tot, routes in labels:
                if t + leg > w1 or (track_today and dtoday + leg > limit):
                    continue
                closed = (w0, 0, tot + leg, routes)
                if day + 1 < problem.days:
                    _insert(starts.setdefault(mask, []), closed)
                    continue
                # Ties: visit earlier rather than later in the trip, then a fixed order.
                score = (objective(problem, routes), tuple(-len(r) for r in routes), routes)
                if best is None or score < best:
                    best = score
    return None if best is None else best[2]
