"""Benchmark ``network import`` on a district-sized SYNTHETIC extract against osmnx.

Writes a SYNTHETIC extract (benchmarks/synthetic_osm.py; default 100k intersections) as
``.osm.pbf`` and the same data as ``.osm`` XML, then times, side by side:

- building the network: ``wuling-geo network import`` of the PBF (pyosmium, the whole job:
  roads, speeds, hygiene, cache and named features) and of the XML, versus
  ``osmnx.graph_from_xml`` on the XML (graph only, no speeds);
- reloading it: the cached folder (``load_network``, checksums verified; and with the CSR
  arrays analyses use) versus ``osmnx.load_graphml`` of the same-size osmnx graph.

Usage::

    .venv/bin/python benchmarks/bench_network_import.py [--nodes 100000] [--shape 2]
        [--seed 0] [--workdir DIR] [--skip-osmnx] [--save out.json] [--baseline prev.json]

``--baseline`` prints a saved run's figures and the ratio (this run / baseline) beside each
row. The data is SYNTHETIC, never Qianjiang's roads.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_osm import write_extract
from wuling_geo import settings
from wuling_geo.network.build import importer as network_import
from wuling_geo.network.build.importer import ImportOptions, import_network
from wuling_geo.network.model import load_network


class Phases:
    """Add the wall time of wrapped module functions to named buckets."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, module, name: str, bucket: str) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[bucket] = self.spent.get(bucket, 0.0) + time.perf_counter() - t0

        setattr(module, name, timed)


def timed(func, repeat: int = 1):
    """Return (best wall time, last result) of ``repeat`` calls."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000, help="intersections")
    parser.add_argument("--shape", type=int, default=2, help="shape nodes per street segment")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--skip-osmnx", action="store_true")
    parser.add_argument("--save", type=Path, default=None)
    parser.add_argument("--baseline", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="wuling-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    settings.quiet = True
    settings.cache_dir = work / "cache"
    fig: dict[str, float] = {}

    fig["generate_s"], (pbf, xml) = timed(lambda: write_extract(work / "synthetic", args.nodes,
                                                                  args.shape, args.seed))
    fig["pbf_mb"] = pbf.stat().st_size / 1e6
    fig["xml_mb"] = xml.stat().st_size / 1e6

    phases = Phases()
    for name, bucket in (("read_osm_roads", "read"), ("build_network", "build"),
                         ("save_network", "save"), ("_save_features", "features")):
        phases.wrap(network_import, name, bucket)
    fig["ours_pbf_s"], result = timed(lambda: import_network(pbf, work / "net_pbf",
                                                             ImportOptions(), force=True))
    fig.update({f"ours_pbf_{k}_s": v for k, v in phases.spent.items()})
    net = result.network
    fig["ours_nodes"], fig["ours_edges"] = len(net.nodes), len(net.edges)
    phases.spent.clear()
    fig["ours_xml_s"], _ = timed(lambda: import_network(xml, work / "net_xml", ImportOptions(),
                                                        force=True))
    fig["ours_reuse_s"], _ = timed(lambda: import_network(pbf, work / "net_pbf",
                                                          ImportOptions()), repeat=3)
    fig["reload_s"], loaded = timed(lambda: load_network(work / "net_pbf"), repeat=3)
    fig["reload_csr_s"], _ = timed(lambda: load_network(work / "net_pbf").csr("car"), repeat=3)
    fig["reload_nocheck_s"], _ = timed(lambda: load_network(work / "net_pbf", verify=False),
                                       repeat=3)
    assert len(loaded.nodes) == fig["ours_nodes"]

    if not args.skip_osmnx:
        import osmnx as ox
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig["osmnx_xml_s"], graph = timed(lambda: ox.graph_from_xml(
                xml, simplify=True, retain_all=True))
        fig["osmnx_nodes"], fig["osmnx_edges"] = graph.number_of_nodes(), graph.number_of_edges()
        graphml = work / "osmnx.graphml"
        fig["graphml_save_s"], _ = timed(lambda: ox.save_graphml(graph, graphml))
        del graph
        fig["graphml_reload_s"], _ = timed(lambda: ox.load_graphml(graphml))

    report(fig, args)
    if args.save:
        args.save.write_text(json.dumps(fig, indent=2))
    print(f"\nwork folder: {work}")


def report(fig: dict[str, float], args) -> None:
    base = json.loads(args.baseline.read_text()) if args.baseline else {}

    def row(label: str, key: str, other: str | None = None) -> None:
        ours = fig.get(key)
        theirs = fig.get(other) if other else None
        cells = [f"{label:<40}", f"{ours:>10.2f}" if ours is not None else f"{'-':>10}"]
        cells.append(f"{theirs:>10.2f}" if theirs is not None else f"{'':>10}")
        cells.append(f"{theirs / ours:>8.1f}×" if theirs and ours else f"{'':>9}")
        if base.get(key):
            cells.append(f"   baseline {base[key]:.2f} (this/baseline {ours / base[key]:.2f})")
        print(" ".join(cells))

    print(f"SYNTHETIC extract: {args.nodes:,} intersections requested, {args.shape} shape "
          f"nodes per segment; PBF {fig['pbf_mb']:.1f} MB, XML {fig['xml_mb']:.1f} MB "
          f"(written in {fig['generate_s']:.1f} s)")
    print(f"network: wuling-geo {fig['ours_nodes']:,.0f} nodes / {fig['ours_edges']:,.0f} edges"
          + (f"; osmnx {fig['osmnx_nodes']:,.0f} nodes / {fig['osmnx_edges']:,.0f} edges"
             if "osmnx_nodes" in fig else ""))
    print(f"\n{'seconds':<40} {'wuling-geo':>10} {'osmnx':>10} {'osmnx/ours':>9}")
    row("import PBF (whole job) vs graph_from_xml", "ours_pbf_s", "osmnx_xml_s")
    for part in ("read", "build", "save", "features"):
        row(f"  of which {part}", f"ours_pbf_{part}_s")
    row("import the same data as XML", "ours_xml_s", "osmnx_xml_s")
    row("import again, cache up to date", "ours_reuse_s")
    row("reload cache vs load_graphml", "reload_s", "graphml_reload_s")
    row("reload cache + CSR arrays", "reload_csr_s", "graphml_reload_s")
    row("reload cache, checksums not verified", "reload_nocheck_s")
    row("save_graphml (for reference)", "graphml_save_s")


if __name__ == "__main__":
    main()
