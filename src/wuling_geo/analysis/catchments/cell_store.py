"""Cell indexes of saved networks kept on disk, so each is built once, not in every run.

A :class:`~wuling_geo.analysis.catchments.polygons.CellIndex` depends only on the road geometry and
on the access distance, quad segments and tolerance. Its file in
``<cache_dir>/cells/`` is named by a digest of exactly those (and of :data:`FORMAT`), so a
changed network or setting never meets a stale index. Files are plain ``.npz`` arrays
(geometries as WKB, no pickles), written atomically; one that cannot be read is rebuilt.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from wuling_geo import settings
from wuling_geo._util.files import atomic_path
from wuling_geo.analysis.catchments.road_reach import RoadGroups

log = logging.getLogger(__name__)

#: Version of the file layout and of the cells' meaning; part of every digest.
FORMAT = 1
_ARRAYS = ("pc_piece", "pc_cell", "pg_piece", "pg_group", "always_open", "tree_cells")
_SCALARS = ("access_m", "quad_segs", "tolerance", "n_pieces", "n_groups", "frame_cell")


def cells_path(groups: RoadGroups, access_m: float, quad_segs: int, tolerance: float) -> Path:
    """Return the file of the cell index of these roads and settings."""
    h = hashlib.sha256(f"{FORMAT}|{access_m!r}|{quad_segs}|{tolerance!r}".encode())
    for array in (groups.ref, groups.twin, groups.start, groups.end,
                  shapely.get_coordinates(groups.geometry),
                  shapely.get_num_coordinates(groups.geometry)):
        h.update(np.ascontiguousarray(array).tobytes())
    return Path(settings.cache_dir) / "cells" / f"{h.hexdigest()[:32]}.npz"


def _pack(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return WKB bytes, their offsets and which entries hold a geometry."""
    has = ~shapely.is_missing(geoms)
    wkb = shapely.to_wkb(geoms[has])
    sizes = np.fromiter((len(w) for w in wkb), dtype=np.int64, count=len(wkb))
    blob = np.frombuffer(b"".join(wkb), dtype=np.uint8)
    return blob, np.concatenate([[0], np.cumsum(sizes)]), has


def _unpack(blob: np.ndarray, offsets: np.ndarray, has: np.ndarray) -> np.ndarray:
    raw = blob.tobytes()
    out = np.full(len(has), None, dtype=object)
    out[has] = shapely.from_wkb([raw[a:b] for a, b in itertools.pairwise(offsets)])
    return out


def save_cells(index, path: Path) -> None:
    """Write a cell index to ``path`` (atomically; the folder is made if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = _pack(index.cells)
    own = _pack(index.own)
    # Typed as Any: numpy's savez stub would match a dict of arrays against allow_pickle.
    arrays: dict[str, Any] = {name: getattr(index, name) for name in _ARRAYS}
    scalars: dict[str, Any] = {name: np.asarray(getattr(index, name)) for name in _SCALARS}
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        np.savez(fh, cells_wkb=cells[0], cells_at=cells[1], cells_has=cells[2],
                 own_wkb=own[0], own_at=own[1], own_has=own[2], **arrays, **scalars)


def load_cells(path: Path) -> dict | None:
    """Return the fields of the cell index stored at ``path``, or ``None`` if absent or unreadable.

    The caller builds its ``CellIndex`` from them (this module stays below the polygon engine).
    """
    if not path.is_file():
        log.debug("cell cache miss: %s", path.name)
        return None
    log.debug("cell cache hit: %s", path.name)
    try:
        with np.load(path, allow_pickle=False) as data:
            cells = _unpack(data["cells_wkb"], data["cells_at"], data["cells_has"])
            own = _unpack(data["own_wkb"], data["own_at"], data["own_has"])
            arrays = {name: data[name] for name in _ARRAYS}
            scalars = {name: data[name].item() for name in _SCALARS}
    except Exception:  # a damaged file (numpy, zipfile and GEOS raise several types)
        return None
    tree_cells = arrays["tree_cells"]
    return {"cells": cells, "own": own, "tree": shapely.STRtree(cells[tree_cells]), **arrays, **scalars}
