"""Grades along road edges from a digital elevation model (GeoTIFF, read with rasterio)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from wuling_geo._util.errors import InputError
from wuling_geo._util.geo import utm_crs


@dataclass(frozen=True)
class GradePieces:
    """Edges cut into pieces of about equal length, each with its grade.

    ``edge[i]`` is the edge of piece ``i``, ``fraction[i]`` its share of that edge's length,
    ``rise[i]`` its change of elevation (m) and ``grade[i]`` its rise over run in the edge's
    direction (both 0 where the DEM has no value). ``coverage`` is the share of pieces with
    elevations at both ends.
    """

    edge: np.ndarray
    fraction: np.ndarray
    rise: np.ndarray
    grade: np.ndarray
    coverage: float

    def climb_m(self, n_edges: int) -> np.ndarray:
        """Return each edge's total ascent (m)."""
        return np.bincount(self.edge, weights=np.maximum(self.rise, 0), minlength=n_edges)


def sample_grades(geoms: gpd.GeoSeries, dem_path: str | Path, sample_m: float = 100.0
                  ) -> GradePieces:
    """Cut WGS-84 edge geometries into pieces of about ``sample_m`` and read their grades.

    Parameters
    ----------
    geoms
        Edge LineStrings (EPSG:4326), each running from its start node to its end node.
    dem_path
        A GeoTIFF (any CRS rasterio understands) of elevations in metres.
    sample_m
        Target piece length; every edge has at least one piece.

    Returns
    -------
    GradePieces

    Raises
    ------
    InputError
        If the DEM is missing, unreadable, has no CRS or does not overlap the edges.
    """
    import rasterio
    from rasterio.errors import RasterioError

    dem_path = Path(dem_path)
    if not dem_path.is_file():
        raise InputError(f"DEM file {dem_path} not found: check `dem`", param="dem")
    west, south, east, north = geoms.total_bounds
    metric = utm_crs((west + east) / 2, (south + north) / 2)
    lines = geoms.to_crs(metric).values
    length = shapely.length(lines)
    pieces = np.maximum(1, np.round(length / sample_m)).astype(np.int64)
    counts = pieces + 1
    owner = np.repeat(np.arange(len(lines)), counts)
    start = np.cumsum(counts) - counts
    step = np.arange(owner.size) - start[owner]
    points = shapely.line_interpolate_point(lines[owner], length[owner] * step / pieces[owner])
    xy = shapely.get_coordinates(points)
    try:
        with rasterio.open(dem_path) as ds:
            if ds.crs is None:
                raise InputError(f"DEM {dem_path} has no coordinate reference system: "
                                 "give a GeoTIFF with its CRS set")
            to_dem = Transformer.from_crs(metric, ds.crs, always_xy=True)
            x, y = to_dem.transform(xy[:, 0], xy[:, 1])
            z = _bilinear(ds, np.asarray(x), np.asarray(y))
    except RasterioError as exc:
        raise InputError(f"cannot read DEM {dem_path} ({exc}): give a GeoTIFF of elevations") \
            from None
    first = np.ones(owner.size, dtype=bool)
    first[start] = False  # a piece ends at every point but the first of its edge
    end_idx = np.flatnonzero(first)
    dz = z[end_idx] - z[end_idx - 1]
    edge = owner[end_idx]
    run = length[edge] / pieces[edge]
    with np.errstate(invalid="ignore", divide="ignore"):
        grade = np.where(run > 0, dz / run, 0.0)
    valid = np.isfinite(grade)
    if len(valid) and not valid.any():
        raise InputError(f"DEM {dem_path} does not cover the network (bounds {west:.4f},"
                         f"{south:.4f},{east:.4f},{north:.4f}): give a DEM of the area")
    coverage = float(valid.mean()) if len(valid) else 1.0
    return GradePieces(edge, 1.0 / pieces[edge], np.where(valid, dz, 0.0),
                       np.where(valid, grade, 0.0), coverage)


#: Bilinear weights below this are rounding noise (a point at a grid post).
_NO_WEIGHT = 1e-9


def _bilinear(ds, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return elevations at points (DEM CRS), interpolated between pixel centres; NaN outside."""
    inv = ~ds.transform
    cols = inv.a * x + inv.b * y + inv.c
    rows = inv.d * x + inv.e * y + inv.f
    width, height = ds.width, ds.height
    inside = (cols >= 0) & (cols <= width) & (rows >= 0) & (rows <= height)
    out = np.full(x.shape, np.nan)
    if not inside.any():
        return out
    c = np.clip(cols[inside] - 0.5, 0, width - 1)
    r = np.clip(rows[inside] - 0.5, 0, height - 1)
    c0 = np.minimum(np.floor(c).astype(np.int64), max(width - 2, 0))
    r0 = np.minimum(np.floor(r).astype(np.int64), max(height - 2, 0))
    r_lo, r_hi = int(r0.min()), int(min(r0.max() + 2, height))
    c_lo, c_hi = int(c0.min()), int(min(c0.max() + 2, width))
    from rasterio.windows import Window

    band = ds.read(1, window=Window(c_lo, r_lo, c_hi - c_lo, r_hi - r_lo), masked=True)
    grid = np.ma.filled(band.astype(float), np.nan)
    fc, fr = c - c0, r - r0
    c0, r0 = c0 - c_lo, r0 - r_lo
    c1 = np.minimum(c0 + 1, grid.shape[1] - 1)
    r1 = np.minimum(r0 + 1, grid.shape[0] - 1)
    total, used = np.zeros(len(c)), np.zeros(len(c))
    for rr, cc, weight in ((r0, c0, (1 - fr) * (1 - fc)), (r0, c1, (1 - fr) * fc),
                           (r1, c0, fr * (1 - fc)), (r1, c1, fr * fc)):
        # a void (NaN) counts only where it has weight: a point at a post beside a void
        # (a weight of rounding size, < 1e-9) keeps the post's value
        weight = np.where(weight > _NO_WEIGHT, weight, 0.0)
        total += np.where(weight > 0, weight * grid[rr, cc], 0.0)
        used += weight
    out[inside] = total / used
    return out
