"""The accessibility surface: hexagon times to the nearest facility, and the towns' times."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from wuling_geo.present.exports.gpkg import write_gpkg


def write_surface(surface: gpd.GeoDataFrame, path: str | Path,
                  towns: gpd.GeoDataFrame | None = None) -> Path:
    """Write a surface (and optionally the town times) to a GeoPackage, atomically.

    Layers: ``accessibility`` (the hexagons of
    :func:`wuling_geo.analysis.accessibility.accessibility_surface`) and ``towns`` (points),
    each with the surface's attribution in its layer metadata.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        For a suffix other than ``.gpkg``.
    OutputError
        For an output location that cannot be written.
    """
    layers = {"accessibility": surface}
    if towns is not None and len(towns):
        layers["towns"] = towns
    return write_gpkg(path, layers, surface.attrs.get("attribution", ""))


__all__ = ["write_surface"]
