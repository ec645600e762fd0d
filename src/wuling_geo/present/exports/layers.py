"""The map layers: ``layers.gpkg`` (a layer each, EPSG:4326) plus a GeoJSON copy of each."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd

from wuling_geo._util.files import atomic_dir
from wuling_geo.data.layers import LayerReport, layer_attribution


def write_layers(layers: LayerReport | Mapping[str, gpd.GeoDataFrame], out_dir: str | Path
                 ) -> list[Path]:
    """Write ``layers.gpkg`` and ``<layer>.geojson`` files into ``out_dir``, all or nothing.

    Parameters
    ----------
    layers
        The layers, from :func:`wuling_geo.data.layers.resolve_layers` or a mapping of layer
        name to frame (:func:`wuling_geo.data.layers.layer_frames`).
    out_dir
        Folder for the output (created, with missing parents, only once everything is
        written); other files in it are left alone.

    Returns
    -------
    list of Path
        The files written, sorted by name.

    Raises
    ------
    OutputError
        If ``out_dir`` cannot be written (checked before anything is written).
    """
    frames = layers.frames if isinstance(layers, LayerReport) else layers
    out = Path(out_dir)
    with atomic_dir(out, merge=True) as stage:
        gpkg = stage / "layers.gpkg"
        for name, frame in frames.items():
            frame.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio",
                          layer_metadata={"attribution": layer_attribution(name)},
                          geometry_type="Unknown" if name != "boundary" else None)
            frame.to_file(stage / f"{name}.geojson", driver="GeoJSON", engine="pyogrio")
        names = sorted(item.name for item in stage.iterdir())
    return [out / name for name in names]


__all__ = ["write_layers"]
