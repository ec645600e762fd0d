"""The road network data model: :class:`RoadNetwork`.

A network is two tables — nodes and directed edges — in WGS-84, with travel times per
vehicle profile. Analyses use its compact arrays (:meth:`RoadNetwork.csr`,
:meth:`RoadNetwork.snap`); :attr:`RoadNetwork.graph` gives an osmnx-compatible
``networkx.MultiDiGraph`` when a graph API is wanted.

Node table (index ``node``, int64 OSM or synthetic ids): ``x``, ``y`` (lon, lat).
Edge table (RangeIndex): ``u``, ``v``, ``key``, ``length`` (m), ``highway``, ``name``,
``oneway``, ``speed_kph_<profile>`` and ``travel_time_<profile>`` (s) per profile,
``geometry`` (LineString from u to v, WGS-84).

A network is immutable once analysed: everything derived from it (metric geometry, spatial
index, twins, fastest edge per junction pair, snapping) lives in its
:class:`~wuling_geo.network.index.NetworkIndex` (``network.index``), keyed on the network's
identity. Its tables must not be changed after that — new speeds make a new network
(``RoadNetwork(nodes, edges.assign(...), meta)``); replacing them raises.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pyproj import CRS

from wuling_geo import settings
from wuling_geo._util.errors import NetworkError
from wuling_geo._util.files import atomic_dir
from wuling_geo._util.geo import utm_crs
from wuling_geo._util.memory import release_free_memory
from wuling_geo.network.index import Snap
from wuling_geo.network.storage import CACHE_FORMAT, META, OWNER, read_meta, sha256_file
from wuling_geo.network.storage import verify as verify_checksums

if TYPE_CHECKING:
    from wuling_geo.network.index import NetworkIndex

PROFILES = ("car", "truck")
_TABLES = ("nodes", "edges")
#: Cached properties derived from the tables (set once computed).
_DERIVED = ("_index", "node_ids", "node_position", "edge_u", "edge_v", "crs_metric", "graph")
#: Tables stored beside the edges when a network has them (see :class:`RoadNetwork`).
TURN_TABLES = ("restrictions", "barriers")


@dataclass
class RoadNetwork:
    """A drivable road network with travel times per profile.

    Parameters
    ----------
    nodes
        DataFrame indexed by node id with ``x`` (lon) and ``y`` (lat), WGS-84.
    edges
        GeoDataFrame of directed edges (see the module docstring), EPSG:4326.
    meta
        Provenance: ``source``, ``attribution``, ``created``, ``profiles``, …
    restrictions, barriers
        Turn restrictions and barrier nodes (:mod:`wuling_geo.network.restrictions`), applied
        by every search (:mod:`wuling_geo.network.turns`); ``None`` when there are none.
    """

    nodes: pd.DataFrame
    edges: gpd.GeoDataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    restrictions: pd.DataFrame | None = None
    barriers: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.edges.crs is None:
            self.edges = self.edges.set_crs(settings.storage_crs)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _TABLES and any(key in self.__dict__ for key in _DERIVED):
            msg = (f"a RoadNetwork's {name} cannot be replaced once it has been analysed: "
                   "build a new RoadNetwork from the new tables")
            raise AttributeError(msg)
        super().__setattr__(name, value)

    @cached_property
    def _index(self) -> NetworkIndex:
        from wuling_geo.network.index import NetworkIndex

        return NetworkIndex(self)

    @property
    def index(self) -> NetworkIndex:
        """Everything derived from this network, computed once (see :mod:`wuling_geo.network.index`).

        Raises
        ------
        NetworkError
            If rows were added to or removed from the tables after the index was built.
        """
        index = self._index
        if index.n_nodes != len(self.nodes) or index.n_edges != len(self.edges):
            raise NetworkError("the network's tables changed after it was analysed: build a "
                               "new RoadNetwork from the new tables")
        return index

    # ------------------------------------------------------------ basic facts
    @property
    def profiles(self) -> tuple[str, ...]:
        """Return the profiles with travel times on every edge."""
        return tuple(p for p in PROFILES if f"travel_time_{p}" in self.edges)

    def travel_time(self, profile: str = "car") -> np.ndarray:
        """Return the edges' travel times (seconds) for ``profile``.

        Every analysis reads travel times here, so each one rejects a network whose times
        are not finite and non-negative.

        Raises
        ------
        NetworkError
            If the network has no travel times for that profile, or any that is negative,
            infinite or NaN.
        """
        column = f"travel_time_{profile}"
        if column not in self.edges:
            have = ", ".join(self.profiles) or "none"
            msg = (f"the network has no travel times for profile {profile!r} (has: {have}); "
                   "rebuild it with 'wuling-geo network import/fetch'")
            raise NetworkError(msg)
        times = self.edges[column].to_numpy(dtype=float)
        if len(times) and not (times.min() >= 0 and times.max() < np.inf):  # NaN fails both
            bad = ~(times >= 0) | np.isinf(times)
            msg = (f"the network has {int(bad.sum())} edges without a valid {column} (negative, "
                   "infinite or missing): rebuild it with 'wuling-geo network import/fetch'")
            raise NetworkError(msg)
        return times

    @cached_property
    def node_ids(self) -> np.ndarray:
        """Node ids in array order (position ``i`` in :meth:`csr` is ``node_ids[i]``)."""
        return self.nodes.index.to_numpy(dtype=np.int64)

    @cached_property
    def node_position(self) -> pd.Series:
        """Map node id → array position."""
        return pd.Series(np.arange(len(self.nodes)), index=self.nodes.index)

    @cached_property
    def edge_u(self) -> np.ndarray:
        """Array position of each edge's start node."""
        return self._positions_of(self.edges["u"].to_numpy())

    @cached_property
    def edge_v(self) -> np.ndarray:
        """Array position of each edge's end node."""
        return self._positions_of(self.edges["v"].to_numpy())

    def _positions_of(self, ids: np.ndarray) -> np.ndarray:
        """Return the array positions of node ids (no Series of one label per edge)."""
        at = self.nodes.index.get_indexer(ids)
        if (at < 0).any():
            raise KeyError(f"edge end nodes not in the node table: {np.unique(ids[at < 0])[:5]}")
        return at

    @cached_property
    def crs_metric(self) -> CRS:
        """A metric CRS for this network (the UTM zone of its centre)."""
        west, south, east, north = self.edges.total_bounds
        return utm_crs((west + east) / 2, (south + north) / 2)

    # ------------------------------------------------------------ compact forms
    def csr(self, profile: str = "car", weight: str | None = None) -> sp.csr_matrix:
        """Return the network as a sparse matrix of edge weights (node positions as indices).

        Parallel edges keep their smallest weight. ``weight`` names an edge column
        (``"length"``); by default the profile's travel time is used.
        """
        values = (self.edges[weight].to_numpy(dtype=float) if weight
                  else self.travel_time(profile))
        n = len(self.nodes)
        order = np.lexsort((values, self.edge_v, self.edge_u))
        u, v, w = self.edge_u[order], self.edge_v[order], values[order]
        first = np.ones(len(u), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        # csgraph treats explicit zeros as missing edges: keep zero-time edges reachable.
        w = np.maximum(w[first], 1e-9)
        return sp.csr_matrix((w, (u[first], v[first])), shape=(n, n))

    def snap(self, lon: float, lat: float) -> Snap:
        """Return the nearest point on the network to a WGS-84 point."""
        return self.index.snap(lon, lat)

    # ------------------------------------------------------------ networkx view
    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """Return an osmnx-compatible MultiDiGraph (``travel_time`` is the car profile)."""
        nodes = gpd.GeoDataFrame(self.nodes[["x", "y"]].copy(),
                                 geometry=gpd.points_from_xy(self.nodes["x"], self.nodes["y"]),
                                 crs=settings.storage_crs)
        nodes.index.name = "osmid"
        edges = self.edges.copy()
        if "travel_time_car" in edges:
            edges["travel_time"] = edges["travel_time_car"]
            edges["speed_kph"] = edges.get("speed_kph_car")
        edges = edges.set_index(["u", "v", "key"])
        import osmnx as ox

        graph = ox.convert.graph_from_gdfs(nodes, edges)
        graph.graph.update({k: v for k, v in self.meta.items() if isinstance(v, str | int | float)})
        return graph

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph, meta: dict[str, Any] | None = None) -> RoadNetwork:
        """Build a network from an osmnx-style MultiDiGraph (WGS-84, ``x``/``y`` on nodes)."""
        import osmnx as ox

        nodes, edges = ox.convert.graph_to_gdfs(graph, nodes=True, edges=True,
                                                 fill_edge_geometry=True)
        nodes = pd.DataFrame(nodes[["x", "y"]])
        nodes.index = nodes.index.astype("int64")
        nodes.index.name = "node"
        edges = edges.reset_index()
        return cls(nodes, gpd.GeoDataFrame(edges, geometry="geometry", crs=settings.storage_crs),
                   dict(meta or {}))


# ------------------------------------------------------------------ storage

def save_network(network: RoadNetwork, path: str | os.PathLike[str],
                 extras: dict[str, gpd.GeoDataFrame] | None = None) -> Path:
    """Save a network as a folder, atomically: tables, checksums and metadata.

    The folder holds ``nodes.parquet``, ``edges.parquet``, one ``<name>.parquet`` per entry
    of ``extras`` (e.g. ``railways``) and ``meta.json``: the network's ``meta`` plus the
    layout version, the save time and a SHA-256 checksum of every table, which
    :func:`load_network` verifies. ``network.meta`` is updated with what was written.

    Parameters
    ----------
    network
        The network to save.
    path
        The folder; it is replaced as a whole only once everything is written, and only if
        it is absent, empty or a network folder wuling-geo wrote (other files in it are kept).
    extras
        Further GeoDataFrames to store beside the network.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    OutputError
        If the folder holds files wuling-geo did not write, or cannot be written.
    """
    folder = Path(path)
    meta = dict(network.meta)
    release_free_memory()
    with atomic_dir(folder, owner=OWNER) as tmp:
        network.nodes.to_parquet(tmp / "nodes.parquet")
        save_geoparquet(network.edges, tmp / "edges.parquet")
        for name, table in (extras or {}).items():
            table.to_parquet(tmp / f"{name}.parquet", index=False)
        for name in TURN_TABLES:
            table = getattr(network, name)
            if table is not None and len(table):
                table.to_parquet(tmp / f"{name}.parquet", index=False)
        meta["format"] = CACHE_FORMAT
        meta["saved"] = datetime.now(UTC).isoformat(timespec="seconds")
        meta["checksums"] = {p.name: sha256_file(p) for p in sorted(tmp.glob("*.parquet"))}
        (tmp / META).write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str),
                                encoding="utf-8")
    network.meta = meta
    return folder


#: Rows per Parquet row group when writing edges (bounds the WKB held at once).
ROW_GROUP = 250_000


def save_geoparquet(frame: gpd.GeoDataFrame, path: Path, row_group: int | None = None) -> None:
    """Write ``frame`` (without its index) as GeoParquet, one row group at a time.

    The file is what :meth:`geopandas.GeoDataFrame.to_parquet` writes (WKB geometry, the same
    ``geo`` metadata), but only one row group's WKB and Arrow table exist at once, not the
    whole table's. Small frames are written by geopandas itself.

    Parameters
    ----------
    frame
        The table.
    path
        The ``.parquet`` file to write.
    row_group
        Rows per row group (default :data:`ROW_GROUP`).
    """
    row_group = row_group or ROW_GROUP
    if len(frame) <= row_group:
        frame.to_parquet(path, index=False)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq
    from geopandas.io.arrow import _encode_metadata

    name = frame.geometry.name
    names = [c for c in frame.columns if c != name]
    # a frame of the same column objects: frame.drop would copy the whole table
    attrs = pd.DataFrame({c: frame[c] for c in names}, copy=False)
    schema = pa.Schema.from_pandas(attrs, preserve_index=False)
    del attrs
    schema = schema.append(pa.field(name, pa.binary()))
    geo = _encode_metadata(_geo_metadata(frame, row_group))
    schema = schema.with_metadata({**(schema.metadata or {}), b"geo": geo})
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        for lo in range(0, len(frame), row_group):
            rows = slice(lo, lo + row_group)
            columns = [pa.array(frame[c].iloc[rows], type=schema.field(c).type, from_pandas=True)
                       for c in names]
            columns.append(pa.array(shapely.to_wkb(frame.geometry.values[rows]),
                                    type=pa.binary()))
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))
            del columns
            release_free_memory()  # Arrow keeps freed pages for reuse unless told


def _geo_metadata(frame: gpd.GeoDataFrame, chunk: int) -> dict[str, Any]:
    """Return geopandas' ``geo`` metadata of ``frame``, reading its geometry ``chunk`` rows at a time.

    :func:`geopandas.io.arrow._create_metadata` takes the bounds of every geometry at once (32
    bytes per row); here they are reduced chunk by chunk, and geopandas describes a frame of
    one geometry per type found.
    """
    from geopandas.io.arrow import _create_metadata

    name = frame.geometry.name
    box = np.array([np.inf, np.inf, -np.inf, -np.inf])
    examples: dict[int, Any] = {}
    for lo in range(0, len(frame), chunk):
        geoms = np.asarray(frame.geometry.values[lo:lo + chunk], dtype=object)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN bounds of missing rows
            bounds = shapely.bounds(geoms)
            box = np.r_[np.fmin(box[:2], np.nanmin(bounds[:, :2], axis=0)),
                        np.fmax(box[2:], np.nanmax(bounds[:, 2:], axis=0))]
        kind = shapely.get_type_id(geoms) * 2 + shapely.has_z(geoms)
        for k, at in zip(*np.unique(kind, return_index=True), strict=True):
            examples.setdefault(int(k), geoms[at])
    sample = gpd.GeoDataFrame({name: gpd.GeoSeries(list(examples.values()), crs=frame.crs)},
                              geometry=name)
    meta = _create_metadata(sample, geometry_encoding={name: "WKB"})
    column = meta["columns"][name]
    column.pop("bbox", None)
    if np.isfinite(box).all():
        column["bbox"] = box.tolist()
    return meta


def load_geoparquet(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """Read a GeoParquet file as :func:`geopandas.read_parquet` does, with less memory.

    A file of several row groups with one WKB geometry column (what :func:`save_geoparquet`
    writes) has its attribute columns converted at once and its geometry a row group at a
    time, so the whole file's WKB and Arrow table never sit beside the shapely geometries.
    Any other file is read by geopandas.
    """
    import pyarrow.parquet as pq
    from geopandas.io.arrow import _remove_id_from_member_of_ensembles

    file = pq.ParquetFile(path)
    geo = json.loads((file.schema_arrow.metadata or {}).get(b"geo", b"{}"))
    name = geo.get("primary_column")
    columns = geo.get("columns") or {}
    if (file.metadata.num_row_groups < 2 or len(columns) != 1 or name not in columns
            or columns[name].get("encoding") != "WKB"):
        file.close()
        return gpd.read_parquet(path)
    names = file.schema_arrow.names
    with file:
        attrs = file.read(columns=[c for c in names if c != name], use_pandas_metadata=True)
        frame = attrs.to_pandas(split_blocks=True, self_destruct=True)
        del attrs
        release_free_memory()  # the Arrow table's pages, before the geometries need memory
        geoms = np.empty(file.metadata.num_rows, dtype=object)
        lo = 0
        for group in range(file.metadata.num_row_groups):
            wkb = file.read_row_group(group, columns=[name]).column(0)
            geoms[lo:lo + len(wkb)] = shapely.from_wkb(np.asarray(wkb))
            lo += len(wkb)
            del wkb
            release_free_memory()
    crs = columns[name].get("crs", "OGC:CRS84")
    if isinstance(crs, dict):
        _remove_id_from_member_of_ensembles(crs)
    frame.insert(names.index(name), name, gpd.array.from_shapely(geoms, crs=crs))
    return gpd.GeoDataFrame(frame, geometry=name, copy=False)  # copy=True would copy it all


def load_network(path: str | os.PathLike[str], verify: bool = True) -> RoadNetwork:
    """Load a network folder written by :func:`save_network`.

    Parameters
    ----------
    path
        The folder.
    verify
        Check every table against its checksum first (fast: one read of each file).

    Raises
    ------
    NetworkError
        If the folder is missing, incomplete, corrupt (a checksum fails) or unreadable; the
        message says how to build a new one.

    Examples
    --------
    >>> import tempfile
    >>> import wuling_geo as wg
    >>> from wuling_geo.network.synthetic import grid_network
    >>> folder = wg.save_network(grid_network(3, 3), tempfile.mkdtemp() + "/network")  # SYNTHETIC
    >>> net = wg.load_network(folder)
    >>> len(net.nodes), len(net.edges), net.meta["synthetic"]
    (9, 24, True)
    """
    folder = Path(path)
    if not (folder / "edges.parquet").exists():
        msg = (f"no road network at {folder}: build one with 'wuling-geo network import FILE' "
               "or 'wuling-geo network fetch'")
        raise NetworkError(msg)
    meta = read_meta(folder)
    if meta is None:
        raise NetworkError(f"road network at {folder} has no readable {META}: rebuild it with "
                           "'wuling-geo network import' or 'network fetch'")
    if verify:
        verify_checksums(folder, meta)
    try:
        nodes = pd.read_parquet(folder / "nodes.parquet")
        edges = load_geoparquet(folder / "edges.parquet")
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise NetworkError(f"road network at {folder} is unreadable ({exc}); rebuild it") from None
    turn_tables = {}
    for name in TURN_TABLES:
        if (folder / f"{name}.parquet").is_file():
            try:
                turn_tables[name] = pd.read_parquet(folder / f"{name}.parquet")
            except Exception as exc:  # pyarrow raises several types for damaged files
                raise NetworkError(f"road network at {folder} has an unreadable {name} table "
                                   f"({exc}); rebuild it") from None
    return RoadNetwork(nodes, edges, meta, **turn_tables)


def load_extra(path: str | os.PathLike[str], name: str) -> gpd.GeoDataFrame | None:
    """Return the ``<name>.parquet`` table stored with a network (e.g. ``railways``), if any.

    Raises
    ------
    NetworkError
        If the table exists but does not match its checksum.
    """
    folder = Path(path)
    table = folder / f"{name}.parquet"
    if not table.exists():
        return None
    meta = read_meta(folder) or {}
    digest = (meta.get("checksums") or {}).get(table.name)
    if digest is None or sha256_file(table) != digest:
        raise NetworkError(f"{table} is corrupt (checksum mismatch): rebuild the network")
    return gpd.read_parquet(table)
