"""Write one result table atomically: (Geo)Parquet, GeoPackage or CSV, chosen by suffix."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo._util.files import atomic_path

#: Suffixes each kind of table can be written to.
GEO_SUFFIXES = (".parquet", ".gpkg")
PLAIN_SUFFIXES = (".parquet", ".csv")


def table_suffixes(geo: bool) -> tuple[str, ...]:
    """Return the output suffixes of a table with (``geo``) or without geometries."""
    return GEO_SUFFIXES if geo else PLAIN_SUFFIXES


def check_table_path(path: str | Path, geo: bool) -> Path:
    """Return ``path`` if its suffix suits the table; else raise :class:`InputError`."""
    path = Path(path)
    allowed = table_suffixes(geo)
    if path.suffix.lower() not in allowed:
        raise InputError(f"cannot write {path.name}: give --out FILE{' or FILE'.join(allowed)}")
    return path


def write_part(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a part file (GeoParquet for geometries, else Parquet) atomically."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return Path(path)


def read_part(path: str | Path) -> pd.DataFrame:
    """Read a part written by :func:`write_part`."""
    try:
        return gpd.read_parquet(path)
    except ValueError:  # no geometry metadata: a plain table
        return pd.read_parquet(path)


def write_table(frame: pd.DataFrame, path: str | Path, layer: str) -> Path:
    """Write ``frame`` to ``path`` atomically: GeoParquet/Parquet, GeoPackage (layer) or CSV.

    Raises
    ------
    InputError
        For a suffix that does not suit the table.
    OutputError
        For an output location that cannot be written.
    """
    geo = isinstance(frame, gpd.GeoDataFrame)
    path = check_table_path(path, geo)
    suffix = path.suffix.lower()
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        elif suffix == ".csv":
            frame.to_csv(tmp, index=False, float_format="%.3f")
        else:
            attribution = ("; ".join(sorted(set(frame["attribution"].astype(str))))
                           if "attribution" in frame and len(frame) else settings.osm_attribution)
            frame.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio",
                          layer_metadata={"attribution": attribution}, geometry_type="Unknown")
    return path
