"""DEM grades on Andorra from the real SRTM3 tile N42E001 (../shared/realdata/, not Qianjiang).

The project reads elevations with :func:`wuling_geo.network.speed.dem.sample_grades`:
bilinear interpolation between pixel centres. Here the same tile is read independently:

- its raw bytes with numpy (SRTM ``.hgt``: 1201 × 1201 big-endian int16, row 0 at 43° N,
  posts every 3″, -32768 = void): at an exact grid post the project must return the raw
  value, which pins the georeferencing (post = pixel centre) and the row/column order;
- with rasterio (``zip+file://…!/N42E001.hgt``) and scipy's ``RegularGridInterpolator``
  (linear, i.e. bilinear, over the pixel centres): the same points along each of 300
  seeded edges of the imported network give the same rises, grades and climbs.

Both sides interpolate bilinearly on the same posts at the same points, so the tolerance is
floating-point noise (1e-6 m; measured about 6e-10 m); a different interpolation would not
pass (rasterio's own ``sample()`` is nearest-post and differs by metres: it is checked only
to lie within the four posts around each point).
"""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from pyproj import Transformer
from scipy.interpolate import RegularGridInterpolator

from wuling_geo.cli import run
from wuling_geo.network.model import load_network
from wuling_geo.network.speed.dem import _bilinear, sample_grades

from .test_network_realdata import REALDATA, extract_box

TILE = REALDATA / "N42E001.hgt.zip"
ANDORRA = REALDATA / "andorra.osm.pbf"
SIZE = 1201  # SRTM3: posts every 3 arc-seconds, both edges included
VOID = -32768
SAMPLE_M = 100.0  # geodata/speeds.toml [grade] sample_m
TOL_M = 1e-6

pytestmark = pytest.mark.skipif(not (TILE.exists() and ANDORRA.exists()),
                                reason="../shared/realdata/ is not on this machine")


def raw_posts() -> np.ndarray:
    """Return the tile's elevations read straight from the .hgt bytes (row 0 = 43° N)."""
    data = zipfile.ZipFile(TILE).read("N42E001.hgt")
    assert len(data) == SIZE * SIZE * 2
    return np.frombuffer(data, ">i2").reshape(SIZE, SIZE)


def post_lonlat(row: np.ndarray, col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the position of grid posts: N42E001 spans 1–2° E, 42–43° N."""
    return 1.0 + col / (SIZE - 1), 43.0 - row / (SIZE - 1)


def _posts_over_andorra(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``n`` seeded grid posts (row, col) inside the extract's box, away from voids.

    Bilinear reads the next posts east and south too (weight 0 at a post), so every post
    within two of a returned one holds a value.
    """
    west, south, east, north = (float(v) for v in extract_box(ANDORRA).split(","))
    raw = raw_posts()
    rows = rng.integers(round((43 - north) * 1200) + 2, round((43 - south) * 1200) - 2, 4 * n)
    cols = rng.integers(round((west - 1) * 1200) + 2, round((east - 1) * 1200) - 2, 4 * n)
    clear = np.array([(raw[r - 2:r + 3, c - 2:c + 3] != VOID).all()
                      for r, c in zip(rows, cols, strict=True)])
    return rows[clear][:n], cols[clear][:n]


def test_elevation_at_grid_posts_is_the_raw_value():
    rows, cols = _posts_over_andorra(np.random.default_rng(14), 500)
    lon, lat = post_lonlat(rows, cols)
    with rasterio.open(TILE) as ds:
        got = _bilinear(ds, lon, lat)
    assert np.abs(got - raw_posts()[rows, cols]).max() < TOL_M
    # the same posts through the public function: a two-post line rises by the raw difference
    rng = np.random.default_rng(15)
    step_r, step_c = rng.integers(-1, 2, len(rows)), rng.integers(-1, 2, len(rows))
    moved = (step_r != 0) | (step_c != 0)
    rows, cols, step_r, step_c = rows[moved], cols[moved], step_r[moved], step_c[moved]
    lon2, lat2 = post_lonlat(rows + step_r, cols + step_c)
    lines = gpd.GeoSeries(shapely.linestrings(np.stack(
        [np.c_[lon[moved], lat[moved]], np.c_[lon2, lat2]], axis=1)), crs=4326)
    pieces = sample_grades(lines, TILE, SAMPLE_M)  # 90–130 m lines: one piece each
    assert (pieces.edge == np.arange(len(lines))).all()
    expected = raw_posts()[rows + step_r, cols + step_c].astype(float) - raw_posts()[rows, cols]
    assert np.abs(pieces.rise - expected).max() < 1e-5
    assert pieces.coverage == 1.0


def test_a_void_post_gives_no_grade():
    raw = raw_posts()
    row, col = (int(v[0]) for v in np.nonzero(raw == VOID))
    lon, lat = post_lonlat(np.array([row]), np.array([col]))
    with rasterio.open(TILE) as ds:
        assert np.isnan(_bilinear(ds, lon, lat)).all()


def test_a_post_beside_a_void_keeps_its_value():
    """Regression: a zero-weight void neighbour (east or south) made the post's value NaN."""
    raw = raw_posts()
    void = raw == VOID
    beside = np.zeros_like(void)
    beside[:-1, :-1] = ~void[:-1, :-1] & (void[:-1, 1:] | void[1:, :-1])
    rows, cols = np.nonzero(beside)
    assert len(rows) > 0
    rows, cols = rows[:50], cols[:50]
    lon, lat = post_lonlat(rows, cols)
    with rasterio.open(TILE) as ds:
        got = _bilinear(ds, lon, lat)
    assert np.abs(got - raw[rows, cols]).max() < TOL_M


def _independent(geoms: gpd.GeoSeries, ds) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Return per edge the bilinear elevations at the project's sample points, and all points.

    The points are the definition of :func:`sample_grades`: the edge in UTM zone 31N cut into
    ``max(1, round(length / 100 m))`` equal pieces.
    """
    heights = ds.read(1, masked=True).astype(float).filled(np.nan)
    t = ds.transform
    lat_c = t.f + t.e * (np.arange(ds.height) + 0.5)
    lon_c = t.c + t.a * (np.arange(ds.width) + 0.5)
    interp = RegularGridInterpolator((lat_c[::-1], lon_c), heights[::-1], method="linear")
    to_m = Transformer.from_crs(4326, 32631, always_xy=True)
    to_ll = Transformer.from_crs(32631, 4326, always_xy=True)
    bilinear, points_ll = [], []
    for geom in geoms:
        line = shapely.LineString(np.c_[to_m.transform(*np.asarray(geom.coords).T)])
        k = max(1, round(line.length / SAMPLE_M))
        points = shapely.line_interpolate_point(line, line.length * np.arange(k + 1) / k)
        lon, lat = to_ll.transform(*shapely.get_coordinates(points).T)
        bilinear.append(interp(np.c_[lat, lon]))
        points_ll.append(np.c_[lon, lat])
    lon, lat = np.concatenate(points_ll).T
    return bilinear, lon, lat


@pytest.fixture(scope="module")
def andorra_with_dem(tmp_path_factory):
    out = tmp_path_factory.mktemp("dem") / "andorra"
    assert run(["network", "import", str(ANDORRA), "--area", extract_box(ANDORRA), "--dem",
                str(TILE), "--out", str(out)]) == 0
    return load_network(out)


@pytest.mark.slow
def test_grades_agree_with_an_independent_reading(andorra_with_dem):
    net = andorra_with_dem
    assert net.meta["profile"]["dem"].endswith("N42E001.hgt.zip")
    edges = net.edges
    idx = np.sort(np.random.default_rng(14).choice(len(edges), 300, replace=False))
    geoms = edges.geometry.iloc[idx].reset_index(drop=True)
    with rasterio.open(f"zip+file://{TILE}!/N42E001.hgt") as ds:
        bilinear, lon, lat = _independent(geoms, ds)
    lengths = shapely.length(geoms.to_crs(32631).values)
    rise = np.concatenate([np.diff(z) for z in bilinear])
    run_m = np.concatenate([np.full(len(z) - 1, n / (len(z) - 1))
                            for z, n in zip(bilinear, lengths, strict=True)])
    grade = rise / run_m
    ok = np.isfinite(rise)
    assert ok.mean() > 0.99  # a few pieces touch SRTM voids
    # the project's pieces at the same points
    pieces = sample_grades(geoms, TILE, SAMPLE_M)
    assert len(pieces.rise) == len(rise)
    assert np.abs(pieces.rise[ok] - rise[ok]).max() < TOL_M
    assert np.abs(pieces.grade[ok] - grade[ok]).max() < TOL_M / SAMPLE_M * 10
    assert (pieces.rise[~ok] == 0).all() and (pieces.grade[~ok] == 0).all()  # void: no grade
    # the climbs stored by `network import --dem` (what the grade penalty used)
    climb = np.array([np.nansum(np.maximum(np.diff(z), 0)) for z in bilinear])
    stored = edges["climb_m"].to_numpy(float)[idx]
    assert np.abs(stored - climb).max() < TOL_M
    assert climb.max() > 100  # real mountain roads, not a flat test
    # rasterio's own sample() reads the nearest post: the raw value there, and the bilinear
    # value lies between the four posts around the point
    with rasterio.open(TILE) as ds:
        near = np.array([v[0] for v in ds.sample(zip(lon, lat, strict=True))], dtype=float)
    raw = raw_posts().astype(float)
    row, col = (43.0 - lat) * (SIZE - 1), (lon - 1.0) * (SIZE - 1)
    assert (near == raw[np.round(row).astype(int), np.round(col).astype(int)]).all()
    r0, c0 = np.floor(row).astype(int), np.floor(col).astype(int)
    corners = np.stack([raw[r0, c0], raw[r0 + 1, c0], raw[r0, c0 + 1], raw[r0 + 1, c0 + 1]])
    z = np.concatenate(bilinear)
    clear = (corners != VOID).all(axis=0)
    assert clear.mean() > 0.99
    assert (z[clear] >= corners[:, clear].min(axis=0) - TOL_M).all()
    assert (z[clear] <= corners[:, clear].max(axis=0) + TOL_M).all()
    assert np.isnan(z[~clear]).all()
