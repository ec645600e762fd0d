"""Benchmark: catchment engine vs the osmnx documentation's isochrone recipe, side by side.

SYNTHETIC road-like networks (benchmarks/synthetic_roads.py; not Qianjiang data) of about
20k and 100k nodes; 30 origins × 4 bands (15, 30, 45, 60 min), polygons included.

(a) this engine: ``wuling_geo.analysis.catchments.bands.catchments`` — one time-limited scipy Dijkstra per
    origin, reached road cut exactly, polygons assembled from the precomputed cells' rings
    and each band's buffered frontier (chained buffers, unioned on a thread per core). Its
    one-off per-network precomputation (the cells of the road map, cached on the network)
    is timed in the first call and also shown on its own; the cached run is also timed on
    one thread.
(b) the osmnx examples' recipe (notebook "isolines-isochrones", ``make_iso_polys``):
    ``nx.ego_graph(G, node, radius=t, distance="travel_time")`` per origin and band, then
    nodes and edges buffered (here by the same 200 m access distance) and ``union_all``.
    The recipe is slow, so it runs on a subset of origins and its time is extrapolated
    linearly to 30 origins (said so in the output).

Also: nearest-facility mode (one multi-source search assigning every node its nearest of
the 30 origins) against a single unbounded one-to-all search.

Run: ``.venv/bin/python benchmarks/bench_catchments.py [--sizes 20000 100000]``.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.synthetic_roads import road_network

from wuling_geo import settings
from wuling_geo._util.threads import worker_count
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.analysis.catchments.polygons import cell_index
from wuling_geo.analysis.catchments.road_reach import road_groups
from wuling_geo.network.routing import nearest_times, node_times

BANDS = (15, 30, 45, 60)


def measure(fn, *args, memory: bool = False, **kw):
    """Return (result, seconds, tracemalloc peak MiB or nan) of one call.

    Tracing memory slows Python code (not GEOS), so only calls that report memory trace it.
    """
    gc.collect()
    if memory:
        tracemalloc.start()
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    seconds = time.perf_counter() - t0
    peak = float("nan")
    if memory:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return out, seconds, peak


def recipe(graph: nx.MultiDiGraph, node: int, minutes, access_m: float) -> list:
    """The osmnx examples' ``make_iso_polys`` (projected graph, edge and node buffers)."""
    polys = []
    for trip_time in sorted(minutes, reverse=True):
        sub = nx.ego_graph(graph, node, radius=trip_time * 60, distance="travel_time")
        node_points = [shapely.Point((d["x"], d["y"])) for _, d in sub.nodes(data=True)]
        nodes_gdf = gpd.GeoDataFrame({"id": list(sub.nodes)}, geometry=node_points).set_index("id")
        edge_lines = []
        for n_fr, n_to in sub.edges():
            f = nodes_gdf.loc[n_fr].geometry
            t = nodes_gdf.loc[n_to].geometry
            edge_lines.append(graph.get_edge_data(n_fr, n_to)[0].get(
                "geometry", shapely.LineString([f, t])))
        n = nodes_gdf.buffer(access_m).geometry
        e = gpd.GeoSeries(edge_lines).buffer(access_m).geometry
        polys.append(gpd.GeoSeries(list(n) + list(e)).union_all())
    return polys


def projected_graph(net) -> nx.MultiDiGraph:
    """The network as an osmnx graph in its metric CRS (set-up, not timed)."""
    import osmnx as ox

    return ox.project_graph(net.graph, to_crs=net.crs_metric)


def origins_on(net, k: int, seed: int) -> tuple[list, list[int]]:
    """``k`` origins at random junctions (so both methods start from the same point)."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(net.node_ids, k, replace=False)
    pts = [(f"o{i}", float(net.nodes.at[n, "x"]), float(net.nodes.at[n, "y"]))
           for i, n in enumerate(ids)]
    return pts, [int(n) for n in ids]


def run_size(n_nodes: int, n_origins: int, recipe_origins: int, seed: int) -> None:
    print(f"\n=== SYNTHETIC road-like network, ~{n_nodes:,} nodes (seed {seed}) ===")
    t0 = time.perf_counter()
    net = road_network(n_nodes, seed)
    print(f"generated: {len(net.nodes):,} nodes, {len(net.edges):,} directed edges "
          f"in {time.perf_counter() - t0:.1f} s")
    pts, ids = origins_on(net, n_origins, seed)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # (a) the engine, first call (with the one-off cell precomputation) and cached
    gdf, first, _ = measure(catchments, net, pts, BANDS, stats=False)
    _, again, _ = measure(catchments, net, pts, BANDS, stats=False)
    _, _, peak_a = measure(catchments, net, pts, BANDS, stats=False, memory=True)
    fresh = road_network(n_nodes, seed)
    _, pre, _ = measure(lambda: cell_index(fresh, road_groups(fresh), settings.catchment_access_m,
                                           settings.catchment_quad_segs,
                                           settings.catchment_simplify_m))
    settings.workers = 1
    _, one_thread, _ = measure(catchments, net, pts, BANDS, stats=False)
    settings.workers = None
    _, with_stats, _ = measure(catchments, net, pts, BANDS)
    rss_a = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(a) engine, {n_origins} origins × {len(BANDS)} bands, polygons included:")
    print(f"    first call {first:7.2f} s  (of which cell precomputation {pre:.2f} s, once per "
          f"network)")
    print(f"    next calls {again:7.2f} s  ({1000 * again / (n_origins * len(BANDS)):.0f} ms per "
          f"band) on {worker_count()} threads, {one_thread:.2f} s on one;  with district share "
          f"+ features {with_stats:.2f} s")
    print(f"    peak traced memory {peak_a:7.0f} MiB;  process max RSS {rss_a:.0f} MiB "
          f"(before: {rss0:.0f} MiB)")
    coords = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    print(f"    output: {len(gdf)} polygons, {coords:,} vertices, mean area of 60-min bands "
          f"{gdf.loc[gdf['minutes'] == 60, 'area_km2'].mean():.0f} km²")

    # (b) the osmnx recipe on a subset, extrapolated
    if recipe_origins > 0:
        run_recipe(net, ids[:recipe_origins], n_origins, first, again)
    run_nearest(net, pts, n_origins)


def run_recipe(net, subset: list[int], n_origins: int, first: float, again: float) -> None:
    graph = projected_graph(net)
    _, t_recipe, peak_b = measure(lambda: [recipe(graph, n, BANDS, settings.catchment_access_m)
                                           for n in subset], memory=True)
    rss_b = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_origin = t_recipe / len(subset)
    full = per_origin * n_origins
    print(f"(b) osmnx recipe (ego_graph + buffered nodes/edges + union_all): {len(subset)} "
          f"origins × {len(BANDS)} bands in {t_recipe:.1f} s;")
    print(f"    EXTRAPOLATED linearly to {n_origins} origins: {full:.0f} s "
          f"({per_origin:.1f} s per origin)")
    print(f"    peak traced memory {peak_b:7.0f} MiB;  process max RSS {rss_b:.0f} MiB")
    print(f"ratio recipe / engine: {full / first:.0f}× (first call), {full / again:.0f}× (cached "
          "cells)")


def run_nearest(net, pts, n_origins: int) -> None:
    """Nearest-facility mode vs one unbounded one-to-all search."""
    snaps = [net.snap(x, y) for _, x, y in pts]
    _, single, _ = measure(node_times, net, snaps[:1], "car")
    _, nearest, _ = measure(nearest_times, net, snaps, "car")
    _, near_poly, _ = measure(catchments, net, pts, BANDS, mode="nearest", stats=False)
    print(f"nearest facility for every node ({n_origins} facilities, one multi-source search): "
          f"{nearest:.3f} s vs one unbounded one-to-all search {single:.3f} s → "
          f"{nearest / single:.2f}×;  with {len(BANDS)} band polygons {near_poly:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--origins", type=int, default=30)
    parser.add_argument("--recipe-origins", type=int, nargs="+", default=None,
                        help="origins the recipe runs per size (default: 6 at 20k, 2 at 100k; "
                             "0 skips it)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    settings.quiet = True
    subsets = args.recipe_origins or [6 if n <= 30_000 else 2 for n in args.sizes]
    print(f"catchment benchmark, {args.origins} origins × bands {BANDS} min, access "
          f"{settings.catchment_access_m:.0f} m, simplify {settings.catchment_simplify_m:.0f} m; "
          "SYNTHETIC networks")
    for n, k in zip(args.sizes, subsets, strict=False):
        run_size(n, args.origins, k, args.seed)


if __name__ == "__main__":
    main()
