"""Write SYNTHETIC OSM extracts (.osm.pbf and the same data as .osm XML) for benchmarks.

The roads are a jittered grid of streets with winding shape nodes, laid out around
108.75 E, 29.45 N so the default ``qianjiang`` area keeps them. They are NOT Qianjiang's
roads: never ship them in geodata/ or show them as real.

Usage::

    .venv/bin/python benchmarks/synthetic_osm.py OUT_STEM [--nodes 100000] [--shape 2] [--seed 0]
        [--pbf-only]

writes ``OUT_STEM.osm.pbf`` and ``OUT_STEM.osm`` (``--pbf-only``: the PBF alone). ``--nodes``
is the number of intersections
(the nodes of the routable graph); every street segment between two intersections gets
``--shape`` winding shape nodes, so the file holds about ``nodes × (1 + 2 × shape)`` OSM nodes.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import osmium
from osmium.osm.mutable import Node, Way
from pyproj import Transformer

CENTRE = (108.75, 29.45)
SPACING_M = 150.0  # 100k intersections fit in the district plus its 20 km buffer
LABEL = "SYNTHETIC benchmark extract (not real roads)"


def _classes(index: int) -> str:
    if index % 12 == 0:
        return "primary"
    if index % 6 == 0:
        return "secondary"
    if index % 3 == 0:
        return "tertiary"
    return "residential" if index % 2 else "unclassified"


def write_extract(stem: str | Path, nodes: int = 100_000, shape: int = 2, seed: int = 0,
                  xml: bool = True) -> tuple[Path, ...]:
    """Write a SYNTHETIC extract with about ``nodes`` intersections; return (pbf, xml) paths.

    With ``xml=False`` only the ``.osm.pbf`` is written (and returned, alone).
    """
    rng = np.random.default_rng(seed)
    k = max(3, round(math.sqrt(nodes)))
    to_ll = Transformer.from_crs("EPSG:32649", "EPSG:4326", always_xy=True)
    x0, y0 = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True).transform(*CENTRE)
    x0 -= k * SPACING_M / 2
    y0 -= k * SPACING_M / 2
    gx = x0 + SPACING_M * np.arange(k)[None, :] + rng.normal(0, 25, (k, k))
    gy = y0 + SPACING_M * np.arange(k)[:, None] + rng.normal(0, 25, (k, k))
    coords: dict[int, tuple[float, float]] = {}
    next_id = 1
    grid_id = np.zeros((k, k), dtype=np.int64)
    for j in range(k):
        for i in range(k):
            grid_id[j, i] = next_id
            coords[next_id] = (gx[j, i], gy[j, i])
            next_id += 1
    ways: list[tuple[list[int], dict[str, str]]] = []

    def segment(a: tuple[int, int], b: tuple[int, int]) -> list[int]:
        nonlocal next_id
        (ja, ia), (jb, ib) = a, b
        xa, ya = coords[grid_id[ja, ia]]
        xb, yb = coords[grid_id[jb, ib]]
        t = np.linspace(0, 1, shape + 2)[1:-1]
        nx, ny = -(yb - ya), xb - xa
        norm = math.hypot(nx, ny)
        wiggle = rng.uniform(2, 15) * np.sin(2 * math.pi * t * rng.integers(1, 4))
        ids = []
        for tt, w in zip(t, wiggle, strict=True):
            coords[next_id] = (xa + tt * (xb - xa) + w * nx / norm, ya + tt * (yb - ya) + w * ny / norm)
            ids.append(next_id)
            next_id += 1
        return ids

    for line in range(k):  # rows (west-east) and columns (south-north)
        for horizontal in (True, False):
            cls = _classes(line)
            start = 0
            while start < k - 1:
                stop = min(k - 1, start + int(rng.integers(1, 6)))
                refs = []
                for s in range(start, stop):
                    a = (line, s) if horizontal else (s, line)
                    b = (line, s + 1) if horizontal else (s + 1, line)
                    if not refs:
                        refs.append(int(grid_id[a]))
                    refs += segment(a, b)
                    refs.append(int(grid_id[b]))
                tags = {"highway": cls, "source": LABEL}
                if cls == "residential" and rng.random() < 0.1:
                    tags["oneway"] = "yes" if rng.random() < 0.5 else "-1"
                if cls in ("primary", "secondary") and rng.random() < 0.5:
                    tags["maxspeed"] = str(int(rng.choice([40, 60, 80])))
                ways.append((refs, tags))
                start = stop
    ids = np.fromiter(coords, dtype=np.int64)
    xy = np.array([coords[i] for i in ids])
    lon, lat = to_ll.transform(xy[:, 0], xy[:, 1])
    stem = Path(stem)
    paths = (stem.with_name(stem.name + ".osm.pbf"), stem.with_name(stem.name + ".osm"))
    if not xml:
        paths = paths[:1]
    for path in paths:
        with osmium.SimpleWriter(str(path), overwrite=True) as writer:
            for nid, x, y in zip(ids, lon, lat, strict=True):
                writer.add_node(Node(id=int(nid), location=(float(x), float(y)), version=1))
            centre = int(grid_id[k // 2, k // 2])
            writer.add_node(Node(id=next_id, location=tuple(map(float, to_ll.transform(
                *coords[centre]))), version=1, tags={"place": "town", "name": "SYNTHETIC Town"}))
            for wid, (refs, tags) in enumerate(ways, start=1):
                writer.add_way(Way(id=wid, nodes=refs, tags=tags, version=1))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stem")
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--shape", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pbf-only", action="store_true", help="do not write the .osm XML")
    args = parser.parse_args()
    for path in write_extract(args.stem, args.nodes, args.shape, args.seed, not args.pbf_only):
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
