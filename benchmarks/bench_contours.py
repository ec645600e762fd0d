"""Benchmark: the contour catchment engine against Valhalla's isochrones and the exact engine.

(1) The real Heidelberg extract (../shared/realdata/heidelberg.test.pbf, imported with
    ``wuling-geo network import``): 30 origins at random junctions × 4 bands (5, 10, 15,
    20 min), polygons included, timed for

    * Valhalla's isochrone service (PyPI ``pyvalhalla-weekly``, the ``bench`` extra):
      tiles built from the same extract in a temporary folder (not timed), then
      ``valhalla.Actor.isochrone`` with the 4 contours per origin, one call at a time on
      one thread;
    * this project's ``contour`` engine (default) and ``exact`` engine, on one thread and
      on the default threads; the contour bands' symmetric difference with the exact
      bands is printed as a share of the exact area.

    Valhalla's ``auto`` costing and its own speeds are not this project's car speeds, so
    its polygons differ: only its times are compared.
(2) The SYNTHETIC road-like network of about 100k nodes (benchmarks/synthetic_roads.py;
    not real roads), 30 origins × 4 bands (15, 30, 45, 60 min), contour engine, first call
    (with its one-off road sampling) and next calls; the exact engine with ``--exact-synthetic``.
(3) With ``--synthetic-pbf``: a SYNTHETIC extract of about 100k junctions written as
    ``.osm.pbf`` (benchmarks/synthetic_osm.py; not real roads), imported with
    ``wuling-geo network import`` and given to Valhalla as well (tiles built from the same
    file, not timed), 30 origins × 15/30/45/60 min: the 100k case with the specialised
    engine beside ours (about 3 minutes in all).

The machine may be shared: every timing is the best of ``--repeat`` runs, wall and process
CPU seconds both printed.

Run: ``.venv/bin/python benchmarks/bench_contours.py [--origins 30] [--cell 25]
[--synthetic-pbf] [--skip-heidelberg] [--skip-synthetic]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.synthetic_osm import write_extract
from benchmarks.synthetic_roads import road_network

from wuling_geo import settings
from wuling_geo.analysis.catchments.bands import catchments, metric_bands
from wuling_geo.analysis.catchments.contours import DEFAULT_CELL_M
from wuling_geo.cli import run
from wuling_geo.network.model import load_network

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
PBF = REALDATA / "heidelberg.test.pbf"
REAL_BANDS = (5, 10, 15, 20)
SYNTHETIC_BANDS = (15, 30, 45, 60)


#: Process CPU seconds of the last :func:`timed` call (the machine is shared: wall time is noisy).
CPU: dict[str, float] = {}


def timed(fn, *args, **kw):
    """Return (result, seconds) of one call; its CPU seconds go to ``CPU["last"]``."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    CPU["last"] = time.process_time() - c0
    return out, time.perf_counter() - t0


def repeated(n: int, fn, *args, **kw) -> tuple[float, float]:
    """Return the best wall and best CPU seconds of ``n`` calls."""
    walls, cpus = [], []
    for _ in range(n):
        _, wall = timed(fn, *args, **kw)
        walls.append(wall)
        cpus.append(CPU["last"])
    return min(walls), min(cpus)


def origins_on(net, k: int, seed: int) -> list[tuple[str, float, float]]:
    """``k`` origins at random junctions of ``net``."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(net.node_ids, k, replace=False)
    return [(f"o{i}", float(net.nodes.at[n, "x"]), float(net.nodes.at[n, "y"]))
            for i, n in enumerate(ids)]


def engine_times(net, pts, bands, cell: float, exact: bool = True, repeat: int = 3) -> dict:
    """Time the contour (and exact) engine: first call, next calls, one thread (best of ``repeat``).

    ``out[key]`` is wall seconds, ``out[key + " cpu"]`` process CPU seconds.
    """
    out = {}
    gdf, out["contour first"] = timed(catchments, net, pts, bands, stats=False, cell_m=cell)
    out["contour first cpu"] = CPU["last"]
    out["contour"], out["contour cpu"] = repeated(repeat, catchments, net, pts, bands,
                                                  stats=False, cell_m=cell)
    settings.workers = 1
    out["contour 1 thread"], out["contour 1 thread cpu"] = repeated(
        repeat, catchments, net, pts, bands, stats=False, cell_m=cell)
    settings.workers = None
    if exact:
        ref, out["exact first"] = timed(catchments, net, pts, bands, stats=False, engine="exact")
        out["exact first cpu"] = CPU["last"]
        _, out["exact"] = timed(catchments, net, pts, bands, stats=False, engine="exact")
        out["exact cpu"] = CPU["last"]
        a = metric_bands(net, list(gdf.geometry.values))
        b = metric_bands(net, list(ref.geometry.values))
        share = shapely.area(shapely.symmetric_difference(a, b)) / shapely.area(b)
        out["symdiff"] = share
        out["minutes"] = gdf["minutes"].to_numpy()
    return out


def valhalla_times(pbf: Path, pts, bands, workdir: Path, repeat: int = 3) -> float | str:
    """Return the best seconds of ``repeat`` runs of Valhalla's isochrones for every origin
    (CPU seconds in ``CPU["valhalla"]``), or why it could not run."""
    try:
        import valhalla
    except ImportError as exc:
        return f"pyvalhalla-weekly not installed ({exc}); pip install -e .[bench]"
    tiles = workdir / "valhalla_tiles"
    tiles.mkdir()
    config = valhalla.get_config(tile_extract="", tile_dir=tiles)
    config["mjolnir"]["concurrency"] = 1
    conf_path = workdir / "valhalla.json"
    conf_path.write_text(json.dumps(config))
    build = Path(valhalla.__file__).parent / "bin" / "valhalla_build_tiles"
    t0 = time.perf_counter()
    done = subprocess.run([str(build), "-c", str(conf_path), str(pbf)], capture_output=True, cwd=workdir,
                          text=True)
    if done.returncode != 0:
        return f"valhalla_build_tiles failed: {done.stderr.strip().splitlines()[-1:]}"
    print(f"    Valhalla tiles built in {time.perf_counter() - t0:.1f} s (not counted)")
    actor = valhalla.Actor(config)
    contours = [{"time": float(m)} for m in bands]
    request = {"costing": "auto", "contours": contours, "polygons": True}
    actor.isochrone({**request, "locations": [{"lon": pts[0][1], "lat": pts[0][2]}]})  # warm

    def all_origins() -> None:
        for _, lon, lat in pts:
            reply = actor.isochrone({**request, "locations": [{"lon": lon, "lat": lat}]})
            features = (json.loads(reply) if isinstance(reply, str) else reply)["features"]
            assert len(features) == len(bands)

    wall, CPU["valhalla"] = repeated(repeat, all_origins)
    return wall


def show(ours: dict, keys) -> None:
    """Print wall and CPU seconds of the engine runs."""
    for key in keys:
        if key in ours:
            print(f"    wuling-geo {key:<22}      {ours[key]:6.2f} s  (CPU {ours[key + ' cpu']:6.2f} s)")


def show_valhalla(valhalla_s: float | str, ours: dict) -> None:
    """Print Valhalla's seconds and the ratios (above 1: ours is faster)."""
    if isinstance(valhalla_s, str):
        print(f"    Valhalla: not run: {valhalla_s}")
        return
    print(f"    Valhalla isochrones (one thread):        {valhalla_s:6.2f} s  (CPU "
          f"{CPU['valhalla']:6.2f} s)")
    show(ours, ("contour first", "contour", "contour 1 thread", "exact first", "exact"))
    print(f"    ratio Valhalla / contour (one thread): {valhalla_s / ours['contour 1 thread']:.2f}×;"
          f" Valhalla / contour (default threads): {valhalla_s / ours['contour']:.2f}×;"
          f" CPU Valhalla / contour (one thread): "
          f"{CPU['valhalla'] / ours['contour 1 thread cpu']:.2f}×")


def run_heidelberg(k: int, cell: float, seed: int, repeat: int) -> None:
    print(f"\n=== real extract {PBF.name}: {k} origins × bands {REAL_BANDS} min ===")
    if not PBF.exists():
        print(f"    {PBF} is not on this machine: skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # the extract's own box (its header says 0,0,180,90)
        assert run(["network", "import", str(PBF), "--area", "7.707469,49.306323,9.105622,"
                    "49.517832", "--out", str(work / "net")]) == 0
        net = load_network(work / "net")
        pts = origins_on(net, k, seed)
        print(f"    network: {len(net.nodes):,} nodes, {len(net.edges):,} directed edges")
        valhalla_s = valhalla_times(PBF, pts, REAL_BANDS, work, repeat)
        ours = engine_times(net, pts, REAL_BANDS, cell, repeat=repeat)
    show_valhalla(valhalla_s, ours)
    if isinstance(valhalla_s, str):
        show(ours, ("contour first", "contour", "contour 1 thread", "exact first", "exact"))
    print(f"    ratio exact / contour: {ours['exact'] / ours['contour']:.1f}×")
    share = ours["symdiff"]
    per_band = ", ".join(f"{m:g} min {100 * share[ours['minutes'] == m].mean():.1f} %"
                         for m in REAL_BANDS)
    print(f"    contour vs exact, symmetric difference / exact area: mean "
          f"{100 * share.mean():.1f} %, max {100 * share.max():.1f} % ({per_band})")


def run_synthetic(k: int, cell: float, seed: int, exact: bool, repeat: int) -> None:
    print(f"\n=== SYNTHETIC road-like network, ~100,000 nodes: {k} origins × bands "
          f"{SYNTHETIC_BANDS} min ===")
    net = road_network(100_000, seed)
    pts = origins_on(net, k, seed)
    ours = engine_times(net, pts, SYNTHETIC_BANDS, cell, exact=exact, repeat=repeat)
    show(ours, ("contour first", "contour", "contour 1 thread", "exact first", "exact"))
    print("    (Valhalla not run here: the network is generated in memory; see --synthetic-pbf)")
    if exact:
        print(f"    contour vs exact, symmetric difference / exact area: mean "
              f"{100 * ours['symdiff'].mean():.1f} %, max {100 * ours['symdiff'].max():.1f} %")


def run_synthetic_pbf(k: int, cell: float, seed: int, repeat: int) -> None:
    print(f"\n=== SYNTHETIC .osm.pbf, ~100,000 junctions (not real roads): {k} origins × bands "
          f"{SYNTHETIC_BANDS} min, Valhalla beside ===")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (pbf,) = write_extract(work / "synthetic100k", 100_000, seed=seed, xml=False)
        assert run(["network", "import", str(pbf), "--out", str(work / "net")]) == 0
        net = load_network(work / "net")
        pts = origins_on(net, k, seed)
        print(f"    network: {len(net.nodes):,} nodes, {len(net.edges):,} directed edges")
        valhalla_s = valhalla_times(pbf, pts, SYNTHETIC_BANDS, work, repeat)
        ours = engine_times(net, pts, SYNTHETIC_BANDS, cell, exact=False, repeat=repeat)
    show_valhalla(valhalla_s, ours)
    if isinstance(valhalla_s, str):
        show(ours, ("contour first", "contour", "contour 1 thread"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=30)
    parser.add_argument("--cell", type=float, default=DEFAULT_CELL_M)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--exact-synthetic", action="store_true",
                        help="also time the exact engine on the 100k network (slow)")
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--skip-heidelberg", action="store_true")
    parser.add_argument("--synthetic-pbf", action="store_true",
                        help="also the 100k SYNTHETIC .osm.pbf case with Valhalla beside (slow)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs after the first call (best wall and CPU shown)")
    args = parser.parse_args()
    settings.quiet = True
    print(f"contour engine benchmark: cell {args.cell:g} m, access "
          f"{settings.catchment_access_m:g} m, simplify {settings.catchment_simplify_m:g} m")
    if not args.skip_heidelberg:
        run_heidelberg(args.origins, args.cell, args.seed, args.repeat)
    if not args.skip_synthetic:
        run_synthetic(args.origins, args.cell, args.seed, args.exact_synthetic, args.repeat)
    if args.synthetic_pbf:
        run_synthetic_pbf(args.origins, args.cell, args.seed, args.repeat)


if __name__ == "__main__":
    main()
