"""Write several layers to one GeoPackage atomically, each with its attribution."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd

from wuling_geo._util.errors import InputError
from wuling_geo._util.files import atomic_path


def write_gpkg(path: str | Path, layers: dict[str, gpd.GeoDataFrame], attribution: str) -> Path:
    """Write ``layers`` (name → frame) to ``path``; the file appears whole or not at all.

    The file is built under a temporary name beside ``path`` (ending in ``.gpkg``, as GDAL
    wants) and renamed into place.

    Raises
    ------
    InputError
        For a suffix other than ``.gpkg``.
    OutputError
        For an output location that cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError(f"cannot write {path.name}: give `out` FILE.gpkg", param="out")
    with atomic_path(path) as tmp:
        for name, frame in layers.items():
            frame = _lists_as_json(frame)
            frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio",
                          layer_metadata={"attribution": attribution},
                          geometry_type="Unknown")
    return path


def _lists_as_json(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` with list or dict cells (e.g. ``features_inside``) as JSON text."""
    nested = [c for c in frame.columns if frame[c].dtype == object and c != frame.geometry.name
              and frame[c].map(lambda v: isinstance(v, list | tuple | dict)).any()]
    if not nested:
        return frame
    out = frame.copy()
    for c in nested:
        out[c] = [json.dumps(list(v) if isinstance(v, tuple) else v, ensure_ascii=False)
                  if isinstance(v, list | tuple | dict) else v for v in frame[c]]
    return out
