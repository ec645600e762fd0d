"""Tables: an origin–destination matrix as CSV or Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wuling_geo._util.errors import InputError
from wuling_geo._util.files import atomic_path, check_output


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
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".parquet"}:
        raise InputError(f"cannot write {path.name}: give --out FILE.csv or FILE.parquet")
    check_output(path)
    out = frame.copy()
    out["attribution"] = frame.attrs.get("attribution", "")
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            out.to_csv(tmp, index=False, float_format="%.3f")
        else:
            out.to_parquet(tmp, index=False)
    return path


__all__ = ["write_matrix"]
