"""Benchmark the itinerary planner on a district-sized SYNTHETIC road network.

For 5, 10 and 20 stops over 1–3 days, prints the time to snap the stops, to build the
travel-time matrix, to solve (exact DP up to ``settings.itinerary_exact_max_stops`` stops,
OR-Tools guided local search beyond — which by design searches for its whole time limit),
to trace the legs' road geometry, and the total. For the 5-stop plans the OR-Tools model is
also run on the same problem, side by side with the exact solver.

Usage::

    .venv/bin/python benchmarks/bench_itinerary.py [--nodes 27000] [--seed 0]
        [--save out.json] [--baseline previous.json]

``--baseline`` prints a saved run's totals and the ratio (this run / baseline) next to each
row. The network is SYNTHETIC (benchmarks/synthetic_roads.py), never Qianjiang data.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_roads import road_network
from wuling_geo import settings
from wuling_geo.analysis.itinerary import planner as itin_mod
from wuling_geo.analysis.itinerary.model import objective
from wuling_geo.network import routing

CASES = [(stops, days) for stops in (5, 10, 20) for days in (1, 2, 3)]


class Timer:
    """Wrap functions and add their wall time to named buckets."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.last: dict[str, object] = {}

    def wrap(self, owner, name: str, bucket: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                result = original(*args, **kwargs)
            finally:
                self.spent[bucket] = self.spent.get(bucket, 0.0) + time.perf_counter() - t0
            self.last[bucket] = (args, result)
            return result

        setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=27_000,
                        help="grid nodes; 27k at 300 m spacing covers about 2,400 km², "
                             "the district's area")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", type=Path, default=None, help="write the results as JSON")
    parser.add_argument("--baseline", type=Path, default=None, help="compare with a saved run")
    args = parser.parse_args()
    settings.quiet = True

    t0 = time.perf_counter()
    net = road_network(args.nodes, seed=args.seed)
    build_s = time.perf_counter() - t0
    west, south, east, north = net.edges.total_bounds
    print(f"SYNTHETIC network: {len(net.nodes):,} nodes, {len(net.edges):,} edges, "
          f"{(east - west) * 96.9:.0f} × {(north - south) * 111.2:.0f} km, built in {build_s:.1f} s")
    print(f"exact solver up to {settings.itinerary_exact_max_stops} stops; OR-Tools time limit "
          f"{settings.itinerary_time_limit:g} s; day 08:00-18:00, 4 h driving/day, 60 min per "
          "visit, 2 must-visit stops, the rest optional\n")

    timer = Timer()
    timer.wrap(itin_mod, "_snap_all", "snap")
    timer.wrap(routing, "travel_time_matrix", "matrix")
    timer.wrap(itin_mod, "solve_exact", "solve")
    timer.wrap(itin_mod, "solve_ortools", "solve")
    timer.wrap(itin_mod, "repair", "solve")
    timer.wrap(routing, "fastest_path", "paths")

    baseline = json.loads(args.baseline.read_text()) if args.baseline else {}
    rng = np.random.default_rng(args.seed)
    ids = net.nodes.index.to_numpy()
    xy = net.nodes[["x", "y"]].to_numpy()
    centre = xy.mean(axis=0)
    home = xy[np.argmin(((xy - centre) ** 2).sum(axis=1))]
    results = {}
    header = (f"{'stops':>5} {'days':>4} {'solver':<8} {'snap s':>7} {'matrix s':>8} "
              f"{'solve s':>8} {'paths s':>8} {'total s':>8} {'visits':>6} {'drive':>6}")
    if baseline:
        header += f" {'base s':>7} {'ratio':>6}"
    print(header)
    for n_stops, days in CASES:
        picks = xy[rng.choice(len(ids), n_stops + 1, replace=False)]
        stops = [(float(x), float(y)) for x, y in picks[:n_stops]]
        night = (float(picks[-1][0]), float(picks[-1][1]))
        kwargs = dict(optional=stops[2:], days=days, max_drive_per_day="4h",
                      overnight=night if days > 1 else None)
        timer.spent.clear()
        t0 = time.perf_counter()
        plan = itin_mod.plan_itinerary(net, (float(home[0]), float(home[1])), stops[:2], **kwargs)
        total = time.perf_counter() - t0
        spent = dict(timer.spent)
        engine = "exact" if plan.optimal else "OR-Tools"
        key = f"{n_stops}x{days}"
        results[key] = {"total_s": total, **{f"{k}_s": v for k, v in spent.items()},
                        "visits": len(plan.visits), "drive_min": plan.drive_s / 60,
                        "solver": engine}
        row = (f"{n_stops:>5} {days:>4} {engine:<8} {spent.get('snap', 0):>7.3f} "
               f"{spent.get('matrix', 0):>8.3f} {spent.get('solve', 0):>8.3f} "
               f"{spent.get('paths', 0):>8.3f} {total:>8.3f} {len(plan.visits):>6} "
               f"{plan.drive_s / 60:>5.0f}m")
        if baseline.get(key):
            row += f" {baseline[key]['total_s']:>7.3f} {total / baseline[key]['total_s']:>6.2f}"
        print(row)
        if plan.optimal:  # the OR-Tools model on the same problem, for comparison
            (problem,), _ = timer.last["solve"]
            t1 = time.perf_counter()
            routes = itin_mod.repair(problem, itin_mod.solve_ortools(
                problem, settings.itinerary_time_limit))
            ort_s = time.perf_counter() - t1
            exact = objective(problem, timer.last["solve"][1])
            heuristic = objective(problem, routes)
            same = "same plan value" if heuristic == exact else f"worse: {heuristic} vs {exact}"
            print(f"{'':>5} {'':>4} {'OR-Tools':<8} {'':>7} {'':>8} {ort_s:>8.3f} "
                  f"{'':>8} {'':>8}   ({same} as exact; {ort_s / spent['solve']:,.0f}× the "
                  "exact solver's time)")
            results[key]["ortools_s"] = ort_s
            results[key]["ortools_same"] = heuristic == exact
    if args.save:
        args.save.write_text(json.dumps(results, indent=2))
        print(f"\nsaved {args.save}")


if __name__ == "__main__":
    main()
