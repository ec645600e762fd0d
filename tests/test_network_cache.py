"""The network cache: exact reload, checksums, input fingerprints, and the build stage."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from tests.synthetic import grid_network
from tests.test_network_osm import AREA, NODES, WAYS, write_osm
from wuling_geo._util.errors import NetworkError
from wuling_geo.network.build.importer import ImportOptions, import_network
from wuling_geo.network.model import load_extra, load_network, save_network
from wuling_geo.network.storage import status
from wuling_geo.present.main_job import BuildReport, _network_stage


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_reload_equals_saved(tmp_path):
    net = grid_network(4, 3)
    rail = net.edges.iloc[:2][["geometry"]].assign(name=["SYNTHETIC a", "SYNTHETIC b"])
    save_network(net, tmp_path / "net", {"railways": rail})
    back = load_network(tmp_path / "net")
    pd.testing.assert_frame_equal(back.nodes, net.nodes)
    assert_geodataframe_equal(back.edges, net.edges)
    assert back.meta["source"] == net.meta["source"]
    assert set(back.meta["checksums"]) == {"nodes.parquet", "edges.parquet", "railways.parquet"}
    assert_geodataframe_equal(load_extra(tmp_path / "net", "railways"), rail.reset_index(drop=True))
    assert (back.csr() != net.csr()).nnz == 0


@pytest.mark.parametrize("table", ["edges.parquet", "nodes.parquet"])
def test_corrupt_table_is_never_used(tmp_path, table):
    save_network(grid_network(), tmp_path / "net")
    flip_byte(tmp_path / "net" / table)
    with pytest.raises(NetworkError, match=f"corrupt: {table} does not match its checksum"):
        load_network(tmp_path / "net")
    assert status(tmp_path / "net") == "corrupt"


def test_missing_meta_or_checksums(tmp_path):
    save_network(grid_network(), tmp_path / "net")
    meta_path = tmp_path / "net" / "meta.json"
    meta = json.loads(meta_path.read_text())
    del meta["checksums"]
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(NetworkError, match="has no checksums"):
        load_network(tmp_path / "net")
    meta_path.unlink()
    with pytest.raises(NetworkError, match="no readable meta.json"):
        load_network(tmp_path / "net")
    with pytest.raises(NetworkError, match="no road network at"):
        load_network(tmp_path / "nothing")


def test_corrupt_railways_table(tmp_path):
    net = grid_network()
    save_network(net, tmp_path / "net", {"railways": net.edges.iloc[:1][["geometry"]]})
    flip_byte(tmp_path / "net" / "railways.parquet")
    with pytest.raises(NetworkError, match="checksum"):
        load_extra(tmp_path / "net", "railways")


def test_same_inputs_reuse_changed_inputs_rebuild(tmp_path):
    src = write_osm(tmp_path / "grid.osm", NODES, WAYS)
    out = tmp_path / "net"
    first = import_network(src, out, ImportOptions(area=AREA))
    assert not first.reused
    again = import_network(src, out, ImportOptions(area=AREA))
    assert again.reused and again.network.meta["fingerprint"] == first.network.meta["fingerprint"]
    assert_geodataframe_equal(again.network.edges, first.network.edges)
    # other options: rebuilt
    assert not import_network(src, out, ImportOptions(area=AREA, curvature=False)).reused
    assert not import_network(src, out, ImportOptions(area=AREA)).reused
    # a changed file (new way): rebuilt, and the new road is there
    extra = [*WAYS, (105, [1, 4], {"highway": "service"})]
    write_osm(src, NODES, extra)
    changed = import_network(src, out, ImportOptions(area=AREA))
    assert not changed.reused and 105 in set(changed.network.edges["way_id"])
    # same content but touched: the fingerprint includes the mtime, so it is rebuilt
    stat = src.stat()
    os.utime(src, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert not import_network(src, out, ImportOptions(area=AREA)).reused
    assert import_network(src, out, ImportOptions(area=AREA)).reused
    assert not import_network(src, out, ImportOptions(area=AREA), force=True).reused


def test_changed_profile_rebuilds(tmp_path):
    from wuling_geo.network.speed.profile import default_profile_path
    src = write_osm(tmp_path / "grid.osm", NODES, WAYS)
    prof = tmp_path / "fast.toml"
    prof.write_text(default_profile_path().read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "net"
    base = import_network(src, out, ImportOptions(area=AREA, speed_file=prof))
    assert base.network.edges["speed_kph_car"].max() == 80
    prof.write_text(prof.read_text(encoding="utf-8").replace(
        'car_rural = { kph = 80, winding_kph = 60', 'car_rural = { kph = 90, winding_kph = 60'),
        encoding="utf-8")
    faster = import_network(src, out, ImportOptions(area=AREA, speed_file=prof))
    assert not faster.reused and faster.network.edges["speed_kph_car"].max() == 90


def test_corrupt_cache_is_rebuilt_by_import(tmp_path):
    src = write_osm(tmp_path / "grid.osm", NODES, WAYS)
    out = tmp_path / "net"
    import_network(src, out, ImportOptions(area=AREA))
    flip_byte(out / "edges.parquet")
    result = import_network(src, out, ImportOptions(area=AREA))
    assert not result.reused
    assert len(load_network(out).edges) == 8


def test_build_stage_loads_the_network(tmp_path):
    report = BuildReport(tmp_path / "out")
    _network_stage(report, tmp_path / "none")
    assert report.network is None and "network import" in report.notes[0]
    net = grid_network(3, 3)
    save_network(net, tmp_path / "net")
    report = BuildReport(tmp_path / "out")
    _network_stage(report, tmp_path / "net")
    assert report.network is not None and len(report.network.nodes) == 9
    assert report.notes == ["road network: 9 nodes, 24 edges, 12.0 km of road "
                            "(SYNTHETIC test network (not real roads))"]
    flip_byte(tmp_path / "net" / "edges.parquet")
    report = BuildReport(tmp_path / "out")
    _network_stage(report, tmp_path / "net")
    assert report.network is None and "corrupt" in report.notes[0]
