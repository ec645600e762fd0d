"""Batches of many origins: split into chunks, compute one chunk, merge the chunks back.

A :class:`BatchJob` describes one analysis (``catchments``, ``matrix`` or ``access``) over
many origins. :meth:`BatchJob.task` gives the small, picklable arguments of one chunk and
:func:`run_chunk` computes it — in any process: the network is loaded once per process by
:func:`cached_network`, keyed by its folder, never shipped with a task. :func:`merge_chunks`
puts the chunk results back in chunk order, which is the single-process order: the rows of
every analysis here depend only on their own origin. Scheduling and writing live in
:mod:`wuling_geo.present.batch`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from wuling_geo import settings
from wuling_geo._util.errors import InputError, WulingGeoError
from wuling_geo.analysis.accessibility import FacilitySearch
from wuling_geo.analysis.catchments.bands import catchments, check_minutes
from wuling_geo.analysis.catchments.origins import Origin
from wuling_geo.analysis.od_matrix import CH_MIN_ORIGINS, od_matrix
from wuling_geo.data.places import Site, as_sites
from wuling_geo.network import contraction, turns
from wuling_geo.network.model import RoadNetwork, load_network
from wuling_geo.network.truck_limits import TRUCK_SETTINGS

KINDS = ("catchments", "matrix", "access")
#: Origins per chunk by default: big enough to amortise a task's overhead (~ms), small enough
#: to balance the load and lose little to a dead worker.
DEFAULT_CHUNK = {"catchments": 10, "matrix": 50, "access": 5000}
#: Networks (and facility searches) kept per process.
CACHED = 2


@functools.lru_cache(maxsize=CACHED)
def cached_network(folder: str) -> RoadNetwork:
    """Return the network saved in ``folder``, loaded once per process."""
    return load_network(folder)


@functools.lru_cache(maxsize=CACHED)
def _facility_search(folder: str, facilities: tuple[Site, ...], profile: str, direction: str,
                     access_speed_kph: float | None,
                     vehicle: tuple[float, ...] | None = None) -> FacilitySearch:
    """Return the search (``vehicle``: the truck it was made for, part of the cache key)."""
    return FacilitySearch(cached_network(folder), list(facilities), profile, direction,
                          access_speed_kph)


@dataclass(frozen=True)
class BatchJob:
    """One analysis over many origins, cut into chunks.

    Parameters
    ----------
    kind
        ``"catchments"`` (bands per origin), ``"matrix"`` (origins × ``targets``) or
        ``"access"`` (each origin's time to/from the nearest of ``targets``).
    network_dir
        Folder of a saved network (each process loads it once).
    origins
        The origins (a catchment's start, a matrix row, a point of the access table).
    targets
        Matrix destinations, or access facilities; empty for catchments.
    profile
        ``"car"`` or ``"truck"``.
    minutes, direction, access_m, simplify_m
        Catchment bands and options (:func:`wuling_geo.analysis.catchments.bands.catchments`);
        ``direction`` is also the access direction (``"to"`` or ``"from"`` the facility).
    access_speed_kph
        Access: speed of the straight leg from a point to its road.
    vehicle
        The truck's height, width, length (m) and weight (t); default, for the truck
        profile, the settings' ``truck_*`` when the job is made (worker processes do not
        share the settings, so the job carries them).
    chunk_size
        Origins per task (default :data:`DEFAULT_CHUNK` of the kind).
    """

    kind: str
    network_dir: str
    origins: tuple[Site, ...]
    targets: tuple[Site, ...] = ()
    profile: str = "car"
    minutes: tuple[float, ...] = (15.0, 30.0, 45.0, 60.0)
    direction: str = "from"
    access_m: float | None = None
    simplify_m: float | None = None
    access_speed_kph: float | None = None
    chunk_size: int = 0
    vehicle: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"unknown batch {self.kind!r}: use one of {', '.join(KINDS)}")
        object.__setattr__(self, "network_dir", str(Path(self.network_dir).resolve()))
        object.__setattr__(self, "origins", tuple(as_sites(list(self.origins))))
        object.__setattr__(self, "targets", tuple(as_sites(list(self.targets))))
        if not self.origins:
            raise InputError("a batch needs at least one origin")
        if self.kind != "catchments" and not self.targets:
            what = "destination" if self.kind == "matrix" else "facility"
            raise InputError(f"a {self.kind} batch needs at least one {what}")
        if self.kind == "catchments":
            object.__setattr__(self, "minutes", tuple(check_minutes(self.minutes)))
        if self.profile == "truck" and self.vehicle is None:
            object.__setattr__(self, "vehicle", tuple(
                float(getattr(settings, name)) for name in TRUCK_SETTINGS))
        if self.chunk_size <= 0:
            object.__setattr__(self, "chunk_size", DEFAULT_CHUNK[self.kind])

    @property
    def n_chunks(self) -> int:
        """Number of chunks."""
        return -(-len(self.origins) // self.chunk_size)

    def chunk(self, index: int) -> tuple[Site, ...]:
        """Return the origins of chunk ``index``."""
        return self.origins[index * self.chunk_size:(index + 1) * self.chunk_size]

    def task(self, index: int) -> dict[str, Any]:
        """Return the picklable arguments of chunk ``index`` for :func:`run_chunk`."""
        spec = {k: v for k, v in asdict(self).items() if k != "origins"}
        spec["origins"] = self.chunk(index)
        spec["targets"] = self.targets
        spec["engine"] = self.matrix_engine
        return spec

    @property
    def matrix_engine(self) -> str:
        """Return how the chunks answer a matrix (see :func:`od_arrays`'s ``engine``).

        A big matrix is answered by the contraction hierarchy in every chunk (built once
        by :func:`prepare`, kept with the network cache), not one search per origin.
        """
        return "ch" if self.kind == "matrix" and len(self.origins) >= CH_MIN_ORIGINS else "auto"

    def key(self) -> str:
        """Return a fingerprint of the job: its inputs, chunking and network version.

        A resumed batch continues only a work folder made by the same key.
        """
        spec = asdict(self)
        meta = Path(self.network_dir) / "meta.json"
        spec["network_meta"] = hashlib.sha256(meta.read_bytes()).hexdigest() if meta.exists() else ""
        text = json.dumps(spec, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ChunkError:
    """An input or data error met by a chunk, returned (not raised) so it is not retried."""

    def __init__(self, error: WulingGeoError) -> None:
        self.error = error


def prepare(job: BatchJob) -> None:
    """Build here what every chunk shares and the cache keeps, before the chunks start.

    A big matrix's contraction hierarchy is built once and saved with the network cache,
    so the workers of a local cluster read it back instead of each building it.
    """
    if job.matrix_engine == "ch":
        network = cached_network(job.network_dir)
        if not turns.applies(network, job.profile):  # turn rules: edge-based, no hierarchy
            contraction.hierarchy(network, job.profile)


def run_chunk(spec: dict[str, Any]) -> pd.DataFrame | ChunkError:
    """Compute one chunk (see :meth:`BatchJob.task`); safe to call in any process.

    Returns
    -------
    pandas.DataFrame or ChunkError
        The chunk's rows, in the order of the single-process result; a
        :class:`ChunkError` for bad input (so the scheduler does not retry it).
    """
    settings.quiet = True  # no bars from worker processes
    settings.workers = 1  # one thread per task: the processes share the cores
    for name, value in zip(TRUCK_SETTINGS, spec.get("vehicle") or (), strict=False):
        setattr(settings, name, value)  # the job's truck (a worker has the defaults)
    try:
        return compute_chunk(spec)
    except WulingGeoError as exc:
        return ChunkError(exc)


def compute_chunk(spec: dict[str, Any]) -> pd.DataFrame:
    """Compute one chunk in this process and return its rows (errors are raised)."""
    network = cached_network(spec["network_dir"])
    origins: tuple[Site, ...] = spec["origins"]
    kind = spec["kind"]
    if kind == "catchments":
        points = [Origin(s.id, s.name, s.lon, s.lat) for s in origins]
        return catchments(network, points, spec["minutes"], mode="each",
                          direction=spec["direction"], profile=spec["profile"],
                          access_m=spec["access_m"], simplify_m=spec["simplify_m"])
    if kind == "matrix":
        frame = od_matrix(network, list(origins), list(spec["targets"]), spec["profile"],
                          engine=spec.get("engine", "auto"))
        frame["attribution"] = frame.attrs.get("attribution", "")
        return frame
    search = _facility_search(spec["network_dir"], tuple(spec["targets"]), spec["profile"],
                              spec["direction"], spec["access_speed_kph"],
                              spec.get("vehicle"))
    return access_table(search, origins)


def access_table(search: FacilitySearch, points) -> gpd.GeoDataFrame:
    """Return each point's time to (or from) its nearest facility, as WGS-84 points."""
    sites = as_sites(list(points))
    lon, lat = [s.lon for s in sites], [s.lat for s in sites]
    table = search.times(lon, lat)
    table.insert(0, "id", [s.id for s in sites])
    table.insert(1, "name", [s.name for s in sites])
    table["direction"] = search.direction
    table["profile"] = search.profile
    table["attribution"] = str(search.network.meta.get("attribution") or settings.osm_attribution)
    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(lon, lat), crs=settings.storage_crs)


def merge_chunks(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Return the chunk results (in chunk order) as one table in single-process order."""
    if not frames:
        raise InputError("no chunk results to merge")
    merged = pd.concat(frames, ignore_index=True)
    if isinstance(frames[0], gpd.GeoDataFrame):
        merged = gpd.GeoDataFrame(merged, geometry=frames[0].geometry.name, crs=frames[0].crs)
    return merged


def single_process(job: BatchJob) -> pd.DataFrame:
    """Return the whole job computed here, one chunk after another (the reference result)."""
    return merge_chunks([compute_chunk(job.task(i)) for i in range(job.n_chunks)])


def read_points(path: str | Path) -> list[Site]:
    """Read points from a CSV (``lon``, ``lat``; optional ``id``, ``name``) or a vector file.

    Raises
    ------
    InputError
        For a missing or unreadable file, missing columns or non-point geometries.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"points file {path} not found: give a CSV with lon,lat columns or a "
                         "GeoPackage/GeoParquet/GeoJSON of points")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            table = pd.read_csv(path)
            missing = {"lon", "lat"} - set(table.columns)
            if missing:
                raise InputError(f"{path.name} lacks the column(s) {', '.join(sorted(missing))}: "
                                 "give lon and lat in WGS-84 (id and name are optional)")
            ids = table["id"].astype(str) if "id" in table else pd.Series(range(len(table))).astype(str)
            names = table["name"].astype(str) if "name" in table else ids
            return as_sites([(i, n, lo, la) for i, n, lo, la in
                             zip(ids, names, table["lon"], table["lat"], strict=True)])
        frame = gpd.read_parquet(path) if suffix == ".parquet" else gpd.read_file(path)
    except InputError:
        raise
    except Exception as exc:  # pandas, pyarrow and GDAL each raise their own types
        reason = " ".join(str(exc).split(";")[0].split())
        raise InputError(f"cannot read points from {path.name} ({reason}): give a CSV with lon,lat "
                         "columns or a GeoPackage/GeoParquet/GeoJSON of points") from None
    return as_sites(frame)
