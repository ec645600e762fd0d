"""Why a plan cannot be made, or why a stop was left out — in one line, with numbers.

Each check names the rule that fails and by how much: ``"小南海景区 closes at 17:00; a
2h00 visit must start by 15:00, earliest arrival 15:40"``. The checks run from the most
specific (one stop on its own) to the most general (all must-visit stops together), so the
message points at the real obstacle.
"""

from __future__ import annotations

from wuling_geo._util.timeparse import format_clock as clock
from wuling_geo._util.timeparse import format_duration as dur
from wuling_geo.analysis.itinerary.model import (
    NO_ROAD_S,
    Problem,
    Violation,
    best_insertion,
    simulate,
)

#: Parameters the messages of this module name (for :class:`InfeasibleError`'s ``param``).
PARAMS = ("day_window", "max_drive_per_day", "dwell", "optional")

_HINT = ("add a day, widen `day_window` or `max_drive_per_day`, shorten `dwell`, or make it "
         "`optional`")


def _windows_text(problem: Problem, stop: int) -> str:
    return ", ".join(f"{clock(a)}-{clock(b)}" for a, b in problem.opening[stop])


def never_visitable(problem: Problem, stop: int) -> str | None:
    """Return why ``stop`` can be visited on no day, even alone; ``None`` if it can."""
    name = problem.name(stop)
    if not problem.open_days[stop]:
        days = ", ".join(problem.day_name(d) for d in range(problem.days))
        return f"{name} is closed on every day of the trip ({days})"
    if not problem.latest_starts(stop):
        longest = max(b - a for a, b in problem.opening[stop])
        return (f"{name} is open at most {dur(longest)} at a time ({_windows_text(problem, stop)}) "
                f"but the visit takes {dur(problem.dwell[stop])}: shorten it with `dwell`")
    tried = []
    for day in sorted(problem.open_days[stop]):
        schedule, broken = simulate(problem, day, (stop,), soft=True)
        if not broken:
            return None
        tried.append((sum(v.excess for v in broken), day, broken, schedule.calls[0].start))
    _, day, broken, start = min(tried)
    return _alone(problem, stop, day, broken[0], start)


def _alone(problem: Problem, stop: int, day: int, v: Violation, visit_start: int) -> str:
    """Describe a rule broken by a day that visits only ``stop``."""
    name = problem.name(stop)
    start, end = problem.name(problem.day_start[day]), problem.name(problem.day_end[day])
    if v.kind == "unreachable":
        return f"{name} cannot be reached by road from {start} or back to {end}"
    if v.kind == "opening":
        return _late(problem, stop, v)
    if v.kind == "day_end":
        opens = ""
        reach = problem.windows[day][0] + int(problem.travel[problem.day_start[day], stop])
        if problem.opening[stop] and visit_start > reach:
            opens = (f", the visit can start at {clock(visit_start)} at the earliest (open "
                     f"{_windows_text(problem, stop)})")
        return (f"a {dur(problem.dwell[stop])} visit to {name} does not fit in a day: leaving "
                f"{start} at {clock(problem.windows[day][0])}{opens}, the earliest return to "
                f"{end} is {clock(v.arrive)}, {dur(v.excess)} after the day ends at "
                f"{clock(v.limit)}")
    return (f"driving from {start} to {name} and on to {end} takes {dur(v.arrive)}, "
            f"{dur(v.excess)} over the daily limit of {dur(v.limit)}")


def _late(problem: Problem, stop: int, v: Violation) -> str:
    name = problem.name(stop)
    windows = problem.latest_starts(stop)
    close = next(hi for lo, hi in reversed(problem.opening[stop])
                 if hi - lo >= problem.dwell[stop]) if problem.opening[stop] else v.limit
    if problem.dwell[stop] == 0:
        return f"{name} closes at {clock(close)}; earliest arrival {clock(v.arrive)}"
    return (f"{name} closes at {clock(close)}; a {dur(problem.dwell[stop])} visit must start by "
            f"{clock(windows[-1][1])}, earliest arrival {clock(v.arrive)}")


def empty_day_problem(problem: Problem) -> str | None:
    """Return why some day fails even with no visits (base to base); ``None`` if none does."""
    for day in range(problem.days):
        _, broken = simulate(problem, day, ())
        if not broken:
            continue
        v = broken[0]
        start, end = problem.name(problem.day_start[day]), problem.name(problem.day_end[day])
        what = problem.day_name(day)
        if v.kind == "unreachable":
            return f"{what}: there is no road from {start} to {end}"
        if v.kind == "day_end":
            return (f"{what}: driving from {start} to {end} alone ends at {clock(v.arrive)}, "
                    f"{dur(v.excess)} after the day ends at {clock(v.limit)}")
        return (f"{what}: driving from {start} to {end} alone takes {dur(v.arrive)}, "
                f"{dur(v.excess)} over the daily limit of {dur(v.limit)}")
    return None


def aggregate_shortfall(problem: Problem) -> str | None:
    """Return why the must-visit stops cannot fit by simple totals; ``None`` if they might.

    Every must-visit stop needs its visit plus one drive into it, at least the shortest
    drive from any place the trip could come from; the days offer their windows (and the
    driving limit). Both sides are bounds, so a shortfall proves the request infeasible.
    """
    must = [s for s in range(problem.n) if problem.must[s]]
    if not must:
        return None
    sources = sorted(set(problem.day_start) | set(range(problem.n)))
    drive_in = 0
    for s in must:
        drive_in += min(int(problem.travel[a, s]) for a in sources if a != s)
    need = drive_in + sum(problem.dwell[s] for s in must)
    have = sum(w1 - w0 for w0, w1 in problem.windows)
    days = problem.days
    plural = "s" if days > 1 else ""
    if need > have:
        return (f"the {len(must)} must-visit stops need at least {dur(need)} of visits and "
                f"driving but {days} day{plural} of travel give {dur(have)} ({dur(need - have)} "
                f"short): add a day, widen `day_window` or make some stops `optional`")
    if problem.max_drive is not None and drive_in > days * problem.max_drive:
        allowed = days * problem.max_drive
        return (f"the {len(must)} must-visit stops need at least {dur(drive_in)} of driving but "
                f"{days} day{plural} × {dur(problem.max_drive)} allow {dur(allowed)} "
                f"({dur(drive_in - allowed)} short): add a day or raise `max_drive_per_day`")
    return None


def no_room(problem: Problem, routes: tuple[tuple[int, ...], ...], stop: int) -> str:
    """Describe why ``stop`` cannot join ``routes``: its least-bad slot and what that breaks."""
    name = problem.name(stop)
    ins = best_insertion(problem, routes, stop)
    if ins is None:
        return never_visitable(problem, stop) or f"{name} is closed on every day of the trip"
    route = routes[ins.day]
    after = problem.day_start[ins.day] if ins.position == 0 else route[ins.position - 1]
    where = f"{problem.day_name(ins.day)} after {problem.name(after)}"
    if not ins.broken:
        return f"{name} was not placed by the solver although it fits {where}"
    v = max(ins.broken, key=lambda b: b.excess)
    if v.kind == "unreachable" or v.excess >= NO_ROAD_S:
        return f"{name} cannot be reached by road from the other stops"
    if v.kind == "opening" and v.stop == stop:
        text = _late(problem, stop, v)
        return f"no time left for it: {where}, {text}"
    if v.kind == "opening" and v.stop is not None:
        return (f"no time left for it: {where}, it makes {problem.name(v.stop)} late "
                f"(arrival {clock(v.arrive)}, latest start {clock(v.limit)})")
    if v.kind == "day_end":
        return (f"no time left for it: at best ({where}) the day ends at {clock(v.arrive)}, "
                f"{dur(v.excess)} after {clock(v.limit)}")
    return (f"no time left for it: at best ({where}) the day needs {dur(v.arrive)} of driving, "
            f"{dur(v.excess)} over the {dur(v.limit)} limit")


def must_not_fitting(problem: Problem, routes: tuple[tuple[int, ...], ...],
                     missing: list[int]) -> str:
    """Return the one-line explanation for must-visit stops the best plan leaves out."""
    first = missing[0]
    reason = no_room(problem, routes, first)
    reason = reason.removeprefix("no time left for it: ")
    others = ""
    if len(missing) > 1:
        others = f" (and {len(missing) - 1} more: {', '.join(problem.name(s) for s in missing[1:])})"
    return (f"must-visit {problem.name(first)} does not fit with the other stops{others}: "
            f"{reason} ({_HINT})")
