"""Time and peak memory of ``network import`` on a SYNTHETIC extract (region-sized networks).

Each import runs in a fresh subprocess; its peak resident memory is read with
``resource.getrusage(RUSAGE_CHILDREN)`` after it exits, so the figure covers the whole job
(reading the PBF, building, saving, named features); its CPU time (user + system) is read
the same way, a figure a loaded machine disturbs less than the wall time. ``--stages`` also
prints the child's resident memory after each stage (read, split, build, save). The saved
network is then reloaded (``load_network``) in another subprocess, which reports its own
time and peak RSS.

The default ``--area`` is a box around the whole SYNTHETIC grid (up to about 3 million
intersections), so nothing is clipped away: with the default ``qianjiang`` area, a
1-million-intersection extract keeps only about 370,000 nodes.

Usage::

    .venv/bin/python benchmarks/bench_import_memory.py PBF [PBF ...] [--stages]
        [--area W,S,E,N] [--save out.json]

Make the extracts with ``benchmarks/synthetic_osm.py STEM --nodes N --pbf-only``. The data is
SYNTHETIC, never Qianjiang's roads.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import resource, sys, time
from pathlib import Path
from wuling_geo import settings
from wuling_geo.network.build import importer
from wuling_geo.network.build.importer import ImportOptions, import_network

settings.quiet = True
stages = sys.argv[3] == "1"
t0 = time.perf_counter()


def rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


def wrap(module, name):
    original = getattr(module, name)

    def timed(*args, **kwargs):
        result = original(*args, **kwargs)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  after {name:<16} {time.perf_counter() - t0:7.1f} s  rss {rss_mb():7.0f} MB"
              f"  peak so far {peak:7.0f} MB", file=sys.stderr, flush=True)
        return result

    setattr(module, name, timed)


if stages:
    for name in ("read_osm_roads", "split_edges", "build_network", "save_network",
                 "features_from_file"):
        wrap(importer, name)
result = import_network(Path(sys.argv[1]), Path(sys.argv[2]), ImportOptions(area=sys.argv[4]),
                        force=True)
print(len(result.network.nodes), len(result.network.edges))
"""


RELOAD = r"""
import resource, sys, time
from wuling_geo.network.model import load_network

t0 = time.perf_counter()
net = load_network(sys.argv[1])
seconds = time.perf_counter() - t0
print(len(net.edges), seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

#: A box around the whole SYNTHETIC grid of benchmarks/synthetic_osm.py (up to ~3M nodes).
WHOLE_GRID = "107,28,110.5,31"


def measure(pbf: Path, stages: bool, area: str = WHOLE_GRID) -> dict[str, float]:
    """Import ``pbf`` in a subprocess; return its wall and CPU time, peak RSS, network size."""
    with tempfile.TemporaryDirectory(prefix="wuling-mem-") as work:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        before, cpu0 = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, str(pbf), str(Path(work) / "net"),
                               "1" if stages else "0", area], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu0
        sys.stderr.write(done.stderr)
        if done.returncode:
            raise SystemExit(f"import of {pbf} failed (exit {done.returncode})")
        reload = subprocess.run([sys.executable, "-c", RELOAD, str(Path(work) / "net")],
                                capture_output=True, text=True, check=True)
        _, reload_s, reload_mb = map(float, reload.stdout.split()[-3:])
    if peak <= before:
        raise SystemExit("peak RSS is not measurable: measure one extract per run")
    nodes, edges = map(int, done.stdout.split()[-2:])
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak / 1024, "nodes": nodes,
            "edges": edges,
            "mb_per_million_nodes": peak / 1024 / (nodes / 1e6),
            "us_per_node": seconds / nodes * 1e6, "cpu_us_per_node": cpu / nodes * 1e6,
            "reload_seconds": reload_s, "reload_peak_mb": reload_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pbf", type=Path, nargs="+")
    parser.add_argument("--stages", action="store_true", help="print RSS after each stage")
    parser.add_argument("--area", default=WHOLE_GRID, help="import area (default: the grid)")
    parser.add_argument("--save", type=Path, default=None)
    args = parser.parse_args()
    figures = {}
    for pbf in args.pbf:
        fig = measure(pbf, args.stages, args.area)
        figures[pbf.name] = fig
        print(f"{pbf.name}: {fig['nodes']:,} nodes / {fig['edges']:,} edges in "
              f"{fig['seconds']:.1f} s ({fig['us_per_node']:.1f} µs/node; CPU "
              f"{fig['cpu_seconds']:.1f} s, {fig['cpu_us_per_node']:.1f} µs/node), peak RSS "
              f"{fig['peak_mb']:,.0f} MB ({fig['mb_per_million_nodes']:,.0f} MB per million "
              f"nodes); reload {fig['reload_seconds']:.1f} s, peak RSS "
              f"{fig['reload_peak_mb']:,.0f} MB", flush=True)
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
