"""``network import``: build and cache a network from an OSM file or a user's road layer.

The cached folder is reused when it was built from the same inputs (file size, mtime and a
hash of its head; speed profile; DEM; area; options) and its checksums hold; otherwise it is
rebuilt. The output folder is checked before any work (it may only replace a network folder
wuling-geo wrote), and nothing is written unless the whole build succeeds. An OSM extract's
named features are stored in the network folder, beside the roads.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import InitVar, asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd

from wuling_geo import settings
from wuling_geo._util.errors import InputError, OSMDataError
from wuling_geo._util.files import check_output
from wuling_geo._util.logs import timed
from wuling_geo.data.osm_features import OSM_SUFFIXES, features_from_file
from wuling_geo.network import storage as network_cache
from wuling_geo.network import turns
from wuling_geo.network.area import Area, parse_area
from wuling_geo.network.build.graph import BuildOptions, build_network, check_consolidate_m, split_edges
from wuling_geo.network.model import RoadNetwork, load_network, save_network
from wuling_geo.network.restrictions import read_turn_data
from wuling_geo.network.sources.osm_file import ImportFlags, clip_lines, read_osm_roads
from wuling_geo.network.sources.road_layer import ROAD_LAYER_SUFFIXES, read_road_layer
from wuling_geo.network.speed.assignment import SpeedOptions, junction_seconds, turn_cost_values
from wuling_geo.network.speed.profile import SpeedProfile, load_profile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LayerFields:
    """How to read a user's road layer."""

    datum: str = "wgs84"
    class_field: str | None = None
    speed_field: str | None = None
    oneway_field: str | None = None
    name_field: str | None = None
    snap_m: float = 2.0


@dataclass(frozen=True)
class ImportOptions:
    """Everything that shapes an imported network (all of it is part of the fingerprint).

    ``speed_file`` is the speed-profile TOML (CLI ``--profile-file``; default: the shipped
    China profile). "Profile" alone means the vehicle (``car``, ``truck``) everywhere else;
    ``profile_file=`` is a deprecated spelling of ``speed_file=``.
    """

    area: str | None = None
    buffer_km: float | None = None
    speed_file: str | Path | None = None
    dem: str | Path | None = None
    flags: ImportFlags = field(default_factory=ImportFlags)
    curvature: bool | None = None
    grade: bool | None = None
    junctions: bool | None = None
    turn_costs: bool | None = None
    consolidate_m: float | None = None
    layer: LayerFields = field(default_factory=LayerFields)
    profile_file: InitVar[str | Path | None] = None

    def __post_init__(self, profile_file: str | Path | None) -> None:
        if profile_file is not None:
            warnings.warn("ImportOptions(profile_file=...) is deprecated: use speed_file=",
                          DeprecationWarning, stacklevel=3)
            if self.speed_file is None:
                object.__setattr__(self, "speed_file", profile_file)


@dataclass
class ImportResult:
    """What an import produced."""

    network: RoadNetwork
    folder: Path
    reused: bool
    railways: int = 0
    features: Path | None = None
    notes: list[str] = field(default_factory=list)


def source_kind(path: str | Path) -> str:
    """Return ``"osm"`` or ``"layer"`` for an input file by its name.

    Raises
    ------
    InputError
        For any other kind of file.
    """
    name = Path(path).name.lower()
    if name.endswith(OSM_SUFFIXES):
        return "osm"
    if name.endswith(ROAD_LAYER_SUFFIXES):
        return "layer"
    kinds = ", ".join((*OSM_SUFFIXES, *ROAD_LAYER_SUFFIXES))
    raise InputError(f"{Path(path).name} is neither an OSM file nor a road layer: expected {kinds}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def import_network(source: str | Path, out: str | Path | None = None,
                   options: ImportOptions | None = None, force: bool = False) -> ImportResult:
    """Build a network from ``source`` into the folder ``out`` (reusing an up-to-date cache).

    Parameters
    ----------
    source
        ``.osm``/``.osm.bz2``/``.osm.pbf`` extract, or a road layer (``.gpkg``, ``.geojson``,
        ``.shp``).
    out
        Network folder (default :func:`settings.network_dir`).
    options
        Area, speed profile, DEM, penalties, consolidation, kept ways, layer fields.
    force
        Rebuild even when the cache is up to date.

    Returns
    -------
    ImportResult

    Raises
    ------
    OSMDataError
        For a missing, empty, truncated or corrupt OSM file, or no drivable roads in the area.
    InputError
        For bad options, profile, DEM or road layer.
    OutputError
        For an output folder that cannot be written or holds files wuling-geo did not write
        (checked before any work).
    """
    options = options or ImportOptions()
    source = Path(source)
    kind = source_kind(source)
    folder = Path(out) if out is not None else settings.network_dir()
    if not source.is_file():
        error = OSMDataError if kind == "osm" else InputError
        raise error(f"{'OSM file' if kind == 'osm' else 'road layer'} {source} not found: "
                    "check the path")
    check_output(folder, folder=True, owner=network_cache.OWNER)
    if kind == "osm" and options.layer.datum.lower() not in ("wgs84", "wgs-84"):
        raise InputError("OSM files are WGS-84: drop `datum` (it applies to road layers)",
                         param="datum")
    check_consolidate_m(options.consolidate_m)
    profile = load_profile(options.speed_file)
    area = parse_area(options.area, options.buffer_km) if kind == "osm" or options.area else None
    dem = Path(options.dem) if options.dem else None
    if dem is not None and not dem.is_file():
        raise InputError(f"DEM file {dem} not found: check `dem`", param="dem")
    inputs = _inputs(kind, source, area, profile, dem, options)
    digest = network_cache.fingerprint(inputs)
    state = network_cache.status(folder, digest)
    log.debug("network cache %s: %s (fingerprint %s)", folder, state, digest[:12])
    if state == "current" and not force:
        features = folder / "features.parquet"
        return ImportResult(load_network(folder), folder, reused=True,
                            features=features if features.is_file() else None)
    if state == "corrupt":
        log.info(f"the cached network at {folder} is corrupt: rebuilding it")
    speed_options = SpeedOptions(options.curvature, options.grade, options.junctions,
                                 options.turn_costs)
    build = BuildOptions(profile, speed_options, dem, options.consolidate_m)
    meta = {"kind": kind, "created": _now(), "fingerprint": digest, "inputs": inputs,
            "profile": profile.describe() | _effective(profile, speed_options, dem),
            "options": {"consolidate_m": options.consolidate_m, **asdict(options.flags)}}
    notes: list[str] = []
    extras = {}
    if kind == "osm":
        assert area is not None  # parse_area always runs for an OSM file
        # named features first: their pass's node-location index is freed before the build
        with timed(log, "named features read"):
            features = features_from_file(source, area.polygon)
        with timed(log, f"network built from {source.name}"):
            network, railways = _from_osm(source, area, build, meta, options.flags, notes)
        extras = {"railways": railways, "features": features}
    else:
        with timed(log, f"network built from {source.name}"):
            network, railways = _from_layer(source, area, build, meta, options.layer, notes)
    with timed(log, f"network saved to {folder}"):
        save_network(network, folder, extras)
    return ImportResult(network, folder, reused=False, notes=notes,
                        railways=0 if railways is None else len(railways),
                        features=folder / "features.parquet" if kind == "osm" else None)


def _inputs(kind: str, source: Path, area: Area | None, profile: SpeedProfile, dem: Path | None,
            options: ImportOptions) -> dict[str, Any]:
    return {
        "kind": kind,
        "source": network_cache.file_fingerprint(source),
        "area": area.spec if area else None,
        "profile": profile.sha256,
        "dem": network_cache.file_fingerprint(dem) if dem else None,
        "flags": asdict(options.flags),
        "curvature": options.curvature,
        "grade": options.grade,
        "junctions": options.junctions,
        "turn_costs": options.turn_costs,
        "consolidate_m": options.consolidate_m,
        "layer": asdict(options.layer) if kind == "layer" else None,
    }


def _effective(profile: SpeedProfile, speeds: SpeedOptions, dem: Path | None) -> dict[str, Any]:
    curvature = profile.curvature["enabled"] if speeds.curvature is None else speeds.curvature
    grade = profile.grade["enabled"] if speeds.grade is None else speeds.grade
    return {"curvature": bool(curvature), "grade": bool(grade and dem is not None),
            "dem": str(dem) if dem else None,
            "junction_delays_s": junction_seconds(profile, speeds),
            "turn_costs": turn_cost_values(profile, speeds)}


def _area_meta(area: Area | None) -> dict[str, Any] | None:
    return None if area is None else {**area.spec, "label": area.label, "bounds": area.bounds}


def _from_osm(source: Path, area: Area, build: BuildOptions, meta: dict, flags: ImportFlags,
              notes: list[str]) -> tuple[RoadNetwork, gpd.GeoDataFrame]:
    roads = read_osm_roads(source, build.profile.drivable, flags,
                           frozenset(build.profile.urban["landuse"]))
    assert roads.ways is not None  # a fresh read always holds its ways
    ways = roads.ways.clip(area.polygon)
    if len(ways) == 0:
        where = roads.ways.bounds()
        hint = (f"the file's roads lie within {','.join(f'{b:.4f}' for b in where)}: pass "
                "`area` W,S,E,N" if where else "the file holds no drivable roads at all")
        raise OSMDataError(f"no drivable roads in {source.name} within {area.label}; {hint}",
                          param="area")
    turn_data = read_turn_data(source)
    nodes, edges, shapes = split_edges(ways, turn_data.via_nodes())
    del ways
    roads.ways = None  # the edges hold the coordinates now: free the rest before the build
    meta = meta | {"source": f"OpenStreetMap extract {source.name}",
                   "attribution": f"{settings.osm_attribution} (extract {source.name})",
                   "area": _area_meta(area)}
    network, report = build_network(nodes, edges, build, roads.places, roads.landuse, meta,
                                    shapes=shapes, controls=turn_data.controls)
    del nodes, edges, shapes
    network.meta["hygiene"] = report.as_dict()
    _hygiene_notes(report, notes)
    turns.attach(network, turn_data.restrictions, turn_data.barriers, turn_data.skipped, notes)
    railways = clip_lines(roads.railways, area.polygon)
    network.meta["railways"] = len(railways)
    return network, railways


def _from_layer(source: Path, area: Area | None, build: BuildOptions, meta: dict,
                layer: LayerFields, notes: list[str]) -> tuple[RoadNetwork, None]:
    ways, counts = read_road_layer(source, layer.datum, layer.class_field, layer.speed_field,
                                   layer.oneway_field, layer.name_field, layer.snap_m,
                                   build.profile.drivable)
    if area is not None:
        ways = ways.clip(area.polygon)
        if len(ways) == 0:
            raise InputError(f"no roads of {source.name} lie within {area.label}: check `area` "
                             "and `datum`", param=("area", "datum"))
    nodes, edges, shapes = split_edges(ways)
    meta = meta | {"source": f"road layer {source.name} ({layer.datum} → WGS-84)",
                   "attribution": f"road layer {source.name} (supplied by the user)",
                   "area": _area_meta(area), "layer": counts}
    network, report = build_network(nodes, edges, build, meta=meta, shapes=shapes)
    network.meta["hygiene"] = report.as_dict()
    if counts["dropped_not_for_cars"]:
        notes.append(f"dropped {counts['dropped_not_for_cars']} features whose class is not "
                     "for cars")
    if counts["speeds_replaced"]:
        why = ", ".join(f"{n} {reason}" for reason, n in counts["speeds_replaced"].items())
        notes.append(f"replaced {sum(counts['speeds_replaced'].values())} road-layer speeds "
                     f"by the class speed of the profile ({why}; a speed must be above 0 and "
                     f"at most {settings.max_road_speed_kph:g} km/h)")
    if counts["snapped_ends"]:
        notes.append(f"snapped {counts['snapped_ends']} line ends within {layer.snap_m:g} m")
    _hygiene_notes(report, notes)
    return network, None


def _hygiene_notes(report, notes: list[str]) -> None:
    if report.dropped_edges:
        notes.append(f"kept the largest strongly connected component; dropped "
                     f"{report.components - 1} smaller ones ({report.dropped_nodes} nodes, "
                     f"{report.dropped_edges} edges, {report.dropped_km:.1f} km)")
    if report.consolidated_nodes:
        notes.append(f"merged {report.consolidated_nodes} intersection nodes")
    if report.invalid_landuse:
        notes.append(f"repaired {report.invalid_landuse} invalid OSM landuse polygons "
                     "(shapely.make_valid) for the urban area")
    if report.unreadable_limits:
        notes.append("unreadable truck limits treated as no limit: " + ", ".join(
            f"{key} of {n} ways" for key, n in report.unreadable_limits.items())
            + " (negative, zero, 'below_default' or text)")
    if report.dem_coverage is not None and report.dem_coverage < 0.99:
        notes.append(f"the DEM covers {report.dem_coverage:.0%} of the road pieces; the rest "
                     "has no grade penalty")

    if report.junction_delays:
        parts = ", ".join(f"{n} at {kind.replace('_', ' ')}"
                          for kind, n in sorted(report.junction_delays.items()))
        notes.append(f"junction delays on {sum(report.junction_delays.values())} approaches "
                     f"({parts})")
