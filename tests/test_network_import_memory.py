"""Region-sized imports in bounded memory (issue 15 §3) give the same network as before.

The import builds, projects and writes edges in chunks; these tests shrink the chunks so a
small real extract (Monaco) crosses many chunk boundaries, and check the network is the one
the unchunked code built (digest recorded from the main branch before the change).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from wuling_geo.network.build import graph
from wuling_geo.network.build.importer import ImportOptions, import_network
from wuling_geo.network.model import RoadNetwork, load_geoparquet, load_network, save_geoparquet

MONACO = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "monaco.osm.pbf"
MONACO_BOX = "7.40,43.72,7.45,43.76"
#: sha256 of the Monaco network built by main before the memory work (since issue 14: split
#: at traffic-control nodes, with junction delays and the truck's limit columns; digest
#: ff49b22e…), with its ``graph.FLOAT32_COLUMNS`` cast to float32 and ``highway`` to a
#: categorical: the streamed build must give exactly that network. Since lengths are measured
#: once per road (both directions the same to the bit; 282 of them were an ulp apart, at most
#: 6.8e-13 m) the digest is 52dfb4e0…, every other column unchanged.
MONACO_DIGEST = "52dfb4e0028f8a26b87da854af7e5dd2a08fcd17d429e89d8e553d9475308f1e"


def digest(net: RoadNetwork) -> str:
    """Return a hash of every edge column (values and dtypes, WKB geometry) and the nodes."""
    h = hashlib.sha256()
    for column in net.edges.columns:
        values = net.edges[column]
        if column == "geometry":
            h.update(b"".join(shapely.to_wkb(values.values, byte_order=1)))
        else:
            h.update(column.encode() + str(values.dtype).encode())
            h.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
    h.update(pd.util.hash_pandas_object(net.nodes, index=True).to_numpy().tobytes())
    h.update(str(list(net.nodes.dtypes)).encode())
    return h.hexdigest()


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 300 edges and row groups of 700 rows, and the sizes of the projections made."""
    from wuling_geo.network import model

    monkeypatch.setattr(graph, "CHUNK_EDGES", 300)
    monkeypatch.setattr(model, "ROW_GROUP", 700)
    projected: list[int] = []
    original, metric = gpd.GeoSeries.to_crs, graph.EdgeShapes.metric

    def to_crs(self, *args, **kwargs):
        projected.append(len(self))
        return original(self, *args, **kwargs)

    def shapes_metric(self, part, *args, **kwargs):
        out = metric(self, part, *args, **kwargs)
        projected.append(len(out))
        return out

    monkeypatch.setattr(gpd.GeoSeries, "to_crs", to_crs)
    monkeypatch.setattr(graph.EdgeShapes, "metric", shapes_metric)
    return projected


def test_chunked_import_of_monaco_is_the_network_main_built(tmp_path, small_chunks):
    if not MONACO.exists():
        pytest.skip(f"{MONACO} is not on this machine")
    result = import_network(MONACO, tmp_path / "net", ImportOptions(area=MONACO_BOX))
    built = result.network
    assert (len(built.nodes), len(built.edges)) == (1573, 2862)
    # the edges were projected to metres a chunk at a time, never all at once
    assert small_chunks and max(small_chunks) <= 300
    assert digest(built) == MONACO_DIGEST
    loaded = load_network(tmp_path / "net")
    assert pq.ParquetFile(tmp_path / "net" / "edges.parquet").num_row_groups == 5
    assert digest(loaded) == MONACO_DIGEST
    pd.testing.assert_frame_equal(pd.DataFrame(loaded.edges), pd.DataFrame(built.edges))


def test_write_geoparquet_in_row_groups_reads_back_as_geopandas_writes_it(tmp_path):
    n = 1000
    rng = np.random.default_rng(0)
    frame = gpd.GeoDataFrame(
        {"a": np.arange(n), "name": [None] * (n - 1) + ["z"], "none": [None] * n,
         "flag": rng.random(n) < 0.5, "f": rng.random(n), "cls": ["primary", "tertiary"] * 500},
        geometry=shapely.linestrings(rng.random(3 * n), rng.random(3 * n),
                                     indices=np.repeat(np.arange(n), 3)), crs=4326)
    frame.to_parquet(tmp_path / "whole.parquet", index=False)
    save_geoparquet(frame, tmp_path / "groups.parquet", row_group=300)
    assert pq.ParquetFile(tmp_path / "groups.parquet").num_row_groups == 4
    whole = gpd.read_parquet(tmp_path / "whole.parquet")
    groups = gpd.read_parquet(tmp_path / "groups.parquet")
    pd.testing.assert_frame_equal(groups, whole)
    assert groups.crs == whole.crs
    meta = pq.read_metadata(tmp_path / "groups.parquet").metadata
    assert meta[b"geo"] == pq.read_metadata(tmp_path / "whole.parquet").metadata[b"geo"]


def test_split_ways_in_chunks_matches_one_chunk(monkeypatch):
    """Backward edges are built reversed directly; chunking does not change them."""
    attrs = pd.DataFrame({"highway": ["primary", "residential"], "direction": [0, -1]})
    ways = graph.Ways(attrs, np.array([0, 4, 7]), np.array([1, 2, 3, 4, 3, 5, 6]),
                      np.arange(7, dtype=float), np.arange(7, dtype=float) * 2)
    _, whole = graph.split_ways(ways)
    monkeypatch.setattr(graph, "CHUNK_EDGES", 1)
    _, chunked = graph.split_ways(ways)
    pd.testing.assert_frame_equal(pd.DataFrame(chunked), pd.DataFrame(whole))
    # way 0 splits at node 3 (shared): 1-2-3 and 3-4 both ways; way 1 (3-5-6, one-way against
    # its order) gives 6→3
    pairs = list(zip(whole["u"], whole["v"], strict=True))
    assert pairs == [(1, 3), (3, 4), (3, 1), (4, 3), (6, 3)]
    assert list(whole["reversed"]) == [False, False, True, True, True]
    assert shapely.get_coordinates(whole.geometry.values[2]).tolist() == [[2, 4], [1, 2], [0, 0]]


def test_linestrings_freeing_coordinates_block_by_block_are_the_plain_ones(monkeypatch):
    """Built in the order of their lowest position, blocks freed behind them: same lines."""
    rng = np.random.default_rng(1)
    n = 50_000
    lon, lat = rng.random(n), rng.random(n)
    starts = np.sort(rng.choice(n - 10, 4000, replace=False))
    ends = starts + rng.integers(1, 9, len(starts))
    # forward edges, then the backward ones, as split_edges orders them
    first, last = np.r_[starts, ends].astype(np.int32), np.r_[ends, starts].astype(np.int32)
    plain = graph.EdgeShapes(lon, lat, first, last).linestrings()
    monkeypatch.setattr(graph, "_BLOCK", 1000)
    monkeypatch.setattr(graph, "CHUNK_EDGES", 700)
    shapes = graph.EdgeShapes(lon, lat, first, last)
    released = shapes.linestrings(release=True)
    assert (shapely.to_wkb(released) == shapely.to_wkb(plain)).all()
    assert len(shapes) == 0 and len(shapes.lon) == 0  # the shapes let go of their arrays
    assert shapely.get_coordinates(plain[4000]).tolist() == [
        [lon[i], lat[i]] for i in range(ends[0], starts[0] - 1, -1)]


def test_geo_metadata_read_in_chunks_is_geopandas_own(tmp_path):
    """Bounds and geometry types reduced chunk by chunk: the ``geo`` metadata geopandas writes."""
    rng = np.random.default_rng(2)
    geoms = [*shapely.points(rng.random((5, 2)) * 10 - 20), None,
             *shapely.linestrings(rng.random((3, 3, 3)) * 5 + 30)]  # 2D points, a gap, 3D lines
    frame = gpd.GeoDataFrame({"a": np.arange(len(geoms))}, geometry=geoms, crs=4326)
    frame.to_parquet(tmp_path / "whole.parquet", index=False)
    save_geoparquet(frame, tmp_path / "groups.parquet", row_group=2)
    assert pq.ParquetFile(tmp_path / "groups.parquet").num_row_groups == 5
    meta = pq.read_metadata(tmp_path / "groups.parquet").metadata
    assert meta[b"geo"] == pq.read_metadata(tmp_path / "whole.parquet").metadata[b"geo"]
    pd.testing.assert_frame_equal(load_geoparquet(tmp_path / "groups.parquet"),
                                  gpd.read_parquet(tmp_path / "whole.parquet"))
