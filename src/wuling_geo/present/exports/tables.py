"""Result tables written atomically: (Geo)Parquet, GeoPackage or CSV, chosen by suffix."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo._util.files import atomic_path, check_output

#: First characters that make a spreadsheet run a cell as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """Return a CSV cell a spreadsheet shows as text: a formula-like start gets a ``'``."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every text cell made safe by :func:`csv_cell` (numbers stay)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [v if v is None or (isinstance(v, float) and v != v) else csv_cell(v)
                           for v in out[column]]
    return out


#: Suffixes each kind of table can be written to.
GEO_SUFFIXES = (".parquet", ".gpkg")
PLAIN_SUFFIXES = (".csv", ".parquet")


def table_suffixes(geo: bool) -> tuple[str, ...]:
    """Return the output suffixes of a table with (``geo``) or without geometries."""
    return GEO_SUFFIXES if geo else PLAIN_SUFFIXES


def check_table_path(path: str | Path, geo: bool) -> Path:
    """Return ``path`` if its suffix suits the table; else raise :class:`InputError`."""
    path = Path(path)
    allowed = table_suffixes(geo)
    if path.suffix.lower() not in allowed:
        raise InputError(f"cannot write {path.name}: give `out` FILE{' or FILE'.join(allowed)}",
                         param="out")
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
            csv_safe(frame).to_csv(tmp, index=False, float_format="%.3f")
        else:
            attribution = ("; ".join(sorted(set(frame["attribution"].astype(str))))
                           if "attribution" in frame and len(frame) else settings.osm_attribution)
            frame.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio",
                          layer_metadata={"attribution": attribution}, geometry_type="Unknown")
    return path


def write_matrix(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a matrix (:func:`wuling_geo.analysis.od_matrix.od_matrix`) atomically.

    Parameters
    ----------
    frame
        The matrix; its ``attrs["attribution"]`` becomes an ``attribution`` column.
    path
        A ``.csv`` (times and distances to 3 decimals) or ``.parquet`` file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        For another suffix.
    OutputError
        For an output location that cannot be written.
    """
    path = check_table_path(path, geo=False)
    check_output(path)
    out = frame.copy()
    out["attribution"] = frame.attrs.get("attribution", "")
    return write_table(out, path, layer="matrix")
