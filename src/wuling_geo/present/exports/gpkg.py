"""Write several layers to one GeoPackage atomically, each with its attribution."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd

from wuling_geo._util.errors import InputError
from wuling_geo._util.files import check_output_folder


def write_gpkg(path: str | Path, layers: dict[str, gpd.GeoDataFrame], attribution: str) -> Path:
    """Write ``layers`` (name → frame) to ``path``; the file appears whole or not at all.

    The file is built in a temporary folder beside ``path`` under its final name (GDAL
    wants the ``.gpkg`` extension) and renamed into place.

    Raises
    ------
    InputError
        For a suffix other than ``.gpkg`` or a missing output folder.
    """
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError(f"cannot write {path.name}: give --out FILE.gpkg")
    check_output_folder(path)
    stage = Path(tempfile.mkdtemp(prefix=f".{path.stem}.", dir=path.resolve().parent))
    try:
        tmp = stage / path.name
        for name, frame in layers.items():
            frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio",
                          layer_metadata={"attribution": attribution},
                          geometry_type="Unknown")
        os.replace(tmp, path)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return path
