"""Cell indexes of saved networks kept on disk (``_cell_store``), on a SYNTHETIC road-like
network (not Qianjiang): read back instead of rebuilt, the same bands, and a damaged or
missing file only costs a rebuild."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from benchmarks.synthetic_roads import road_network

from wuling_geo import settings
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.analysis.catchments.polygons import CellIndex
from wuling_geo.network.model import load_network, save_network


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("net") / "network"
    save_network(road_network(1200, seed=9), folder)
    return folder


def _origins(net):
    xy = net.nodes[["x", "y"]].to_numpy()
    return [(f"o{i}", float(x), float(y)) for i, (x, y) in enumerate(xy[:: len(xy) // 3][:3])]


def _files():
    return sorted((settings.cache_dir / "cells").glob("*.npz"))


def test_a_saved_networks_cells_are_read_back_not_rebuilt(saved, monkeypatch):
    net = load_network(saved)
    first = catchments(net, _origins(net), (5, 10), engine="exact")
    assert len(_files()) == 1

    def no_build(*_a, **_k):
        raise AssertionError("rebuilt although stored")

    monkeypatch.setattr(CellIndex, "build", no_build)
    again = load_network(saved)
    second = catchments(again, _origins(again), (5, 10), engine="exact")
    assert all(shapely.equals_exact(a, b, 0) for a, b in
               zip(first.geometry, second.geometry, strict=True))
    np.testing.assert_array_equal(first["area_km2"], second["area_km2"])


def test_each_setting_has_its_own_file_and_in_memory_networks_none(saved):
    net = load_network(saved)
    catchments(net, _origins(net), (5,), buffer_m=150, engine="exact")
    catchments(net, _origins(net), (5,), buffer_m=250, engine="exact")
    assert len(_files()) == 2
    catchments(road_network(800, seed=1), [("a", 108.78, 29.45)], (5,), engine="exact")  # never saved
    assert len(_files()) == 2


def test_a_damaged_file_is_rebuilt(saved):
    net = load_network(saved)
    want = catchments(net, _origins(net), (10,), engine="exact")
    (path,) = _files()
    path.write_bytes(path.read_bytes()[:1000])  # cut short
    again = load_network(saved)
    got = catchments(again, _origins(again), (10,), engine="exact")
    assert all(shapely.equals_exact(a, b, 0) for a, b in
               zip(want.geometry, got.geometry, strict=True))
    assert path.stat().st_size > 1000  # written again, whole
