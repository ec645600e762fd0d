"""Write SYNTHETIC OSM extracts (.osm.pbf and the same data as .osm XML) for benchmarks.

The roads are a jittered grid of streets with winding shape nodes, laid out around
108.75 E, 29.45 N so the default ``qianjiang`` area keeps them. They are NOT Qianjiang's
roads: never ship them in geodata/ or show them as real.

Usage::

    .venv/bin/python benchmarks/synthetic_osm.py OUT_STEM [--nodes 100000] [--shape 2] [--seed 0]
        [--pbf-only] [--restrictions FRACTION]

writes ``OUT_STEM.osm.pbf`` and ``OUT_STEM.osm`` (``--pbf-only``: the PBF alone). ``--nodes``
is the number of intersections
(the nodes of the routable graph); every street segment between two intersections gets
``--shape`` winding shape nodes, so the file holds about ``nodes × (1 + 2 × shape)`` OSM nodes.

``--restrictions FRACTION`` adds ``type=restriction`` relations on about that share of the
intersections (seeded; the roads stay those of the same seed without it): ``no_left_turn``
and ``only_straight_on`` via a node, a few ``no_right_turn`` via a one-segment cross street
(via a way), and ``barrier=bollard`` on about a tenth as many street segments. They are
SYNTHETIC too, tagged ``source`` like the roads.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import osmium
from osmium.osm.mutable import Node, Relation, Way
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
                  xml: bool = True, restrictions: float = 0.0) -> tuple[Path, ...]:
    """Write a SYNTHETIC extract with about ``nodes`` intersections; return (pbf, xml) paths.

    With ``xml=False`` only the ``.osm.pbf`` is written (and returned, alone).
    ``restrictions``: the share of intersections given a turn restriction (module docstring).
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
    spans: list[tuple[bool, int, int, int]] = []  # per way: horizontal, line, first, last

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
                spans.append((horizontal, line, start, stop))
                start = stop
    relations, bollards = (_turn_rules(spans, ways, grid_id, restrictions, seed) if restrictions
                           else ([], set()))
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
                tags = {"barrier": "bollard", "source": LABEL} if int(nid) in bollards else {}
                writer.add_node(Node(id=int(nid), location=(float(x), float(y)), version=1,
                                     tags=tags))
            centre = int(grid_id[k // 2, k // 2])
            writer.add_node(Node(id=next_id, location=tuple(map(float, to_ll.transform(
                *coords[centre]))), version=1, tags={"place": "town", "name": "SYNTHETIC Town"}))
            for wid, (refs, tags) in enumerate(ways, start=1):
                writer.add_way(Way(id=wid, nodes=refs, tags=tags, version=1))
            for rid, (members, value) in enumerate(relations, start=1):
                writer.add_relation(Relation(id=rid, members=members, version=1, tags={
                    "type": "restriction", "restriction": value, "source": LABEL}))
    return paths


def _turn_rules(spans: list[tuple[bool, int, int, int]], ways: list[tuple[list[int], dict]],
                grid_id: np.ndarray, share: float, seed: int
                ) -> tuple[list[tuple[list[tuple[str, int, str]], str]], set[int]]:
    """Return SYNTHETIC restriction relations (members, value) and bollard node ids.

    Via-node rules: from the row street arriving at an intersection from the west, either
    ``no_left_turn`` onto the column street or ``only_straight_on`` onto the row street
    leaving east (where one row way ends and the next begins). Via-way rules: from a row
    street ending at an intersection, along a one-segment column street, onto the row
    street starting at its far end. Bollards: a shape node in the middle of a segment.
    """
    rng = np.random.default_rng([seed, 14])  # apart from the roads' stream: same roads
    k = grid_id.shape[0]
    row_at: dict[tuple[int, int], list[int]] = {}  # (row, column) → row ways through it
    col_at: dict[tuple[int, int], list[int]] = {}
    ends_at: dict[tuple[int, int], int] = {}  # row way ending at (row, column)
    starts_at: dict[tuple[int, int], int] = {}
    short_cols: list[tuple[int, int, int]] = []  # one-segment column ways: way, column, row
    for wid, (horizontal, line, first, last) in enumerate(spans, start=1):
        for s in range(first, last + 1):
            (row_at if horizontal else col_at).setdefault(
                (line, s) if horizontal else (s, line), []).append(wid)
        if horizontal:
            ends_at[(line, last)] = wid
            starts_at[(line, first)] = wid
        elif last == first + 1:
            short_cols.append((wid, line, first))
    relations: list[tuple[list[tuple[str, int, str]], str]] = []
    cells = rng.choice(k * k, size=int(share * k * k), replace=False)
    for cell in cells:
        j, i = divmod(int(cell), k)
        via = int(grid_id[j, i])
        west = [w for w in row_at.get((j, i), []) if spans[w - 1][2] < i]
        if not west:
            continue
        if (j, i) in ends_at and (j, i) in starts_at and rng.random() < 0.4:
            relations.append(([("w", ends_at[(j, i)], "from"), ("n", via, "via"),
                               ("w", starts_at[(j, i)], "to")], "only_straight_on"))
        elif col_at.get((j, i)):
            relations.append(([("w", west[0], "from"), ("n", via, "via"),
                               ("w", col_at[(j, i)][0], "to")], "no_left_turn"))
    fits = [(wid, i, j) for wid, i, j in short_cols if (j, i) in ends_at and (j + 1, i) in starts_at]
    picks = rng.permutation(len(fits))[:max(1, len(cells) // 20)] if fits else []
    for p in picks:
        wid, i, j = fits[int(p)]
        relations.append(([("w", ends_at[(j, i)], "from"), ("w", wid, "via"),
                           ("w", starts_at[(j + 1, i)], "to")], "no_right_turn"))
    bollards: set[int] = set()
    inner = [refs[1:-1] for refs, _ in ways]
    for w in rng.choice(len(ways), size=min(len(ways), int(share * k * k / 10)), replace=False):
        if len(inner[w]):
            bollards.add(int(inner[w][len(inner[w]) // 2]))
    return relations, bollards


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stem")
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--shape", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pbf-only", action="store_true", help="do not write the .osm XML")
    parser.add_argument("--restrictions", type=float, default=0.0, metavar="FRACTION",
                        help="share of intersections given a turn restriction (default 0)")
    args = parser.parse_args()
    for path in write_extract(args.stem, args.nodes, args.shape, args.seed, not args.pbf_only,
                              args.restrictions):
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
