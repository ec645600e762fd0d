"""The shipped boundary file (``geodata/boundary.geojson``), regenerated from its source."""

from __future__ import annotations

from pathlib import Path

import shapely

from wuling_geo import settings
from wuling_geo._util.files import atomic_path
from wuling_geo.data.boundary import extract_boundaries


def write_boundary_file(path: str | Path | None = None) -> Path:
    """Write :func:`wuling_geo.data.boundary.extract_boundaries` as GeoJSON, atomically.

    Parameters
    ----------
    path
        The file to write (default :func:`wuling_geo.settings.boundary_path`, the shipped one).

    Returns
    -------
    Path
        The file written.
    """
    target = Path(path) if path is not None else settings.boundary_path()
    gdf = extract_boundaries()
    gdf.geometry = shapely.set_precision(gdf.geometry.values, 1e-6)
    with atomic_path(target) as tmp:
        tmp.write_text(gdf.to_json(drop_id=True, ensure_ascii=False), encoding="utf-8")
    return target


__all__ = ["write_boundary_file"]
