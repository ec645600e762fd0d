"""Benchmark datum conversion: the numpy path of ``wuling_geo.data.datum`` against prcoords.

Random points over the Wuling mountains (lon 107.5–109.5 E, lat 28.5–30.5 N) are converted
WGS-84 → GCJ-02 → WGS-84 and WGS-84 → BD-09 → WGS-84 (the inverses are the iterative ones).
For each conversion it prints, per point, the time of ``datum.convert`` on all points (wall
clock, on its threads, and CPU time summed over threads) and, on a sample of them, the CPU
time of prcoords called point by point and of the per-point path ``datum.convert`` took
before it was vectorised (prcoords inside ``warnings.catch_warnings``, one call per point);
single-threaded Python's CPU time is its wall time on an idle machine, and CPU time stays
steady on a shared one. Ratios are (per-point path) / (numpy wall), with (per-point path) /
(numpy CPU) in brackets; the last column is the largest disagreement with prcoords (m).

Usage::

    .venv/bin/python benchmarks/bench_datum.py [--points 1000000] [--sample 100000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import prcoords

from wuling_geo.data import datum

PRCOORDS = {
    ("wgs84", "gcj02"): prcoords.wgs_gcj,
    ("gcj02", "wgs84"): prcoords.gcj_wgs_bored,
    ("wgs84", "bd09"): prcoords.wgs_bd,
    ("bd09", "wgs84"): prcoords.bd_wgs_bored,
}


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Return haversine distances (m) between arrays of points."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371000 * np.arcsin(np.sqrt(h))


def old_path(lon: float, lat: float, func) -> tuple[float, float]:
    """Convert one point as ``datum.convert`` did before it was vectorised."""
    if not (np.isfinite(lon) and np.isfinite(lat)):
        return lon, lat
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        point = func(prcoords.Coords(lat, lon))
    return float(point.lon), float(point.lat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000,
                        help="points converted one by one with prcoords (timed per point)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    lon = rng.uniform(107.5, 109.5, args.points)
    lat = rng.uniform(28.5, 30.5, args.points)
    inputs = {"wgs84": (lon, lat)}
    for other in ("gcj02", "bd09"):
        inputs[other] = datum.convert(lon, lat, "wgs84", other)
    n = min(args.sample, args.points)
    print(f"{args.points:,} points (numpy), {n:,} of them point by point (prcoords)")
    print(f"{'conversion':<16}{'numpy wall':>11}{'numpy CPU':>10}{'prcoords':>10}{'ratio':>13}"
          f"{'old path':>10}{'ratio':>13}{'max diff m':>12}   (µs per point)")
    for (src, dst), func in PRCOORDS.items():
        x, y = inputs[src]
        start, cpu = time.perf_counter(), time.process_time()
        out_x, out_y = datum.convert(x, y, src, dst)
        numpy_wall = (time.perf_counter() - start) / args.points * 1e6
        numpy_cpu = (time.process_time() - cpu) / args.points * 1e6
        ref = np.empty((n, 2))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.process_time()
            for i in range(n):
                point = func(prcoords.Coords(y[i], x[i]))
                ref[i] = point.lon, point.lat
            ref_us = (time.process_time() - start) / n * 1e6
        start = time.process_time()
        for i in range(n):
            old_path(float(x[i]), float(y[i]), func)
        old_us = (time.process_time() - start) / n * 1e6
        diff = metres(out_x[:n], out_y[:n], ref[:, 0], ref[:, 1]).max()
        ratios = [f"{t / numpy_wall:.0f}x ({t / numpy_cpu:.0f}x)" for t in (ref_us, old_us)]
        print(f"{src + ' → ' + dst:<16}{numpy_wall:>11.3f}{numpy_cpu:>10.3f}{ref_us:>10.2f}"
              f"{ratios[0]:>13}{old_us:>10.2f}{ratios[1]:>13}{diff:>12.2e}")

if __name__ == "__main__":
    main()
