"""Time and peak memory of ``network import`` on a SYNTHETIC extract (region-sized networks).

Each import runs in a fresh subprocess; its peak resident memory is read with
``resource.getrusage(RUSAGE_CHILDREN)`` after it exits, so the figure covers the whole job
(reading the PBF, building, saving, named features). ``--stages`` also prints the child's
resident memory after each stage (read, clip, split, build, save).

Usage::

    .venv/bin/python benchmarks/bench_import_memory.py PBF [PBF ...] [--stages]
        [--save out.json]

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
    for name in ("read_osm_roads", "split_ways", "build_network", "save_network",
                 "features_from_file"):
        wrap(importer, name)
result = import_network(Path(sys.argv[1]), Path(sys.argv[2]), ImportOptions(), force=True)
print(len(result.network.nodes), len(result.network.edges))
"""


def measure(pbf: Path, stages: bool) -> dict[str, float]:
    """Import ``pbf`` in a subprocess; return its wall time, peak RSS and network size."""
    with tempfile.TemporaryDirectory(prefix="wuling-mem-") as work:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, str(pbf), str(Path(work) / "net"),
                               "1" if stages else "0"], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(done.stderr)
    if done.returncode:
        raise SystemExit(f"import of {pbf} failed (exit {done.returncode})")
    if peak <= before:
        raise SystemExit("peak RSS is not measurable: measure one extract per run")
    nodes, edges = map(int, done.stdout.split()[-2:])
    return {"seconds": seconds, "peak_mb": peak / 1024, "nodes": nodes, "edges": edges,
            "mb_per_million_nodes": peak / 1024 / (nodes / 1e6),
            "us_per_node": seconds / nodes * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pbf", type=Path, nargs="+")
    parser.add_argument("--stages", action="store_true", help="print RSS after each stage")
    parser.add_argument("--save", type=Path, default=None)
    args = parser.parse_args()
    figures = {}
    for pbf in args.pbf:
        fig = measure(pbf, args.stages)
        figures[pbf.name] = fig
        print(f"{pbf.name}: {fig['nodes']:,} nodes / {fig['edges']:,} edges in "
              f"{fig['seconds']:.1f} s ({fig['us_per_node']:.1f} µs/node), peak RSS "
              f"{fig['peak_mb']:,.0f} MB ({fig['mb_per_million_nodes']:,.0f} MB per million "
              "nodes)", flush=True)
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
