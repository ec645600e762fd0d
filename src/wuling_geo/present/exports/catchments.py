"""Catchment bands: road catchments (GeoPackage or GeoJSON) and multimodal reach bands."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo._util.files import atomic_path
from wuling_geo.analysis.catchments.stats import inside_as_text
from wuling_geo.analysis.multimodal import Reach
from wuling_geo.present.exports.gpkg import write_gpkg


def write_catchments(gdf: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write catchments atomically to a GeoPackage (layer ``catchments``) or GeoJSON file.

    The GeoPackage layer carries the data's attribution as metadata; every row carries it too.

    Parameters
    ----------
    gdf
        Bands from :func:`wuling_geo.analysis.catchments.bands.catchments`.
    path
        A ``.gpkg`` or ``.geojson`` file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        For another file type.
    OutputError
        For an output location that cannot be written.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in {".gpkg", ".geojson"}:
        raise InputError(f"cannot write catchments to {target.name}: use a .gpkg or .geojson file")
    attribution = "; ".join(sorted(set(gdf["attribution"]))) if len(gdf) else settings.osm_attribution
    gdf = inside_as_text(gdf)  # files hold no lists: features and county shares as JSON
    with atomic_path(target) as tmp:  # tmp ends in the real extension, as GDAL wants
        if suffix == ".gpkg":
            gdf.to_file(tmp, layer="catchments", driver="GPKG", engine="pyogrio",
                        layer_metadata={"attribution": attribution}, geometry_type="Unknown")
        else:
            # the layer name is the file's, not the temporary file's
            gdf.to_file(tmp, driver="GeoJSON", engine="pyogrio", layer=target.stem)
    return target


def write_reach(result: Reach, path: str | Path) -> Path:
    """Write reach bands (layer ``reach``) and stop arrivals (``stops``) to a GeoPackage.

    Parameters
    ----------
    result
        From :func:`wuling_geo.analysis.multimodal.reach`.
    path
        A ``.gpkg`` file.

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
    stops = gpd.GeoDataFrame(result.stops, geometry=gpd.points_from_xy(
        result.stops["lon"], result.stops["lat"]), crs=settings.storage_crs)
    return write_gpkg(path, {"reach": result.bands, "stops": stops},
                      result.bands.attrs.get("attribution", ""))


__all__ = ["write_catchments", "write_reach"]
