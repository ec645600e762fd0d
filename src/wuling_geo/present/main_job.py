"""``wuling-geo build``: the main job, run end to end.

Stages run in data-flow order — layers, network, catchments, maps — and each builds what
it can: without a road network the layers and maps are still written, and the report
says how to add one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wuling_geo import settings
from wuling_geo._util.files import check_output
from wuling_geo._util.logs import timed
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.layers import LayerReport, resolve_layers
from wuling_geo.present.exports.layers import write_layers

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import geopandas as gpd

    from wuling_geo.network.model import RoadNetwork


@dataclass
class BuildReport:
    """What a build produced, stage by stage."""

    out_dir: Path
    network_dir: Path | None = None
    layers: LayerReport | None = None
    network: RoadNetwork | None = None  # the loaded road network, when one is cached
    catchments: gpd.GeoDataFrame | None = None  # the standard catchment bands
    outputs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _network_stage(report: BuildReport, network_dir: Path) -> None:
    """Load the cached road network into ``report.network`` and note its summary.

    Without a network, or with a corrupt one (never used), the note says how to build one.
    """
    from wuling_geo._util.errors import NetworkError
    from wuling_geo.network.model import load_network
    from wuling_geo.network.summary import summary_line

    if not (network_dir / "edges.parquet").exists():
        report.notes.append(
            f"no road network at {network_dir}: add one with 'wuling-geo network fetch' "
            "(online) or 'wuling-geo network import FILE.osm.pbf', then run 'wuling-geo build' "
            "again")
        return
    try:
        report.network = load_network(network_dir)
    except NetworkError as exc:
        report.notes.append(f"{exc} (the build went on without it)")
        return
    report.notes.append(summary_line(report.network))


def _catchments_stage(report: BuildReport) -> None:
    """Compute the standard catchments when a network is loaded; write ``catchments.gpkg``.

    The airport, 黔江站 and each scenic area get bands of their own; the logistics places
    get nearest-facility bands. Origins without a position or off the network are skipped
    with a note. The bands are kept on ``report.catchments`` for the map stage.
    """
    if report.network is None or report.layers is None:
        return
    from wuling_geo.analysis.catchments.bands import standard_catchments
    from wuling_geo.present.exports.catchments import write_catchments

    gdf, notes = standard_catchments(report.network, report.layers.resolutions)
    report.notes.extend(notes)
    if gdf is None:
        report.notes.append("catchments: no origin with a known position on the network")
        return
    path = write_catchments(gdf, Path(report.out_dir) / "catchments.gpkg")
    report.catchments = gdf
    report.outputs.append(path)
    report.notes.append(f"catchments: {gdf['origin_id'].nunique()} origin sets, {len(gdf)} bands "
                        f"in {path}")


def _maps_stage(report: BuildReport, maps_dir: Path) -> None:
    """Render ``maps/qianjiang.html`` and ``maps/index.html`` from what the build has.

    Layers always; main roads from ``report.network``, railways from the network folder's
    ``railways.parquet``, and the catchment bands when the catchments stage made them. The
    page is self-contained when the offline assets are installed (``wuling-geo map-assets``),
    else it loads Leaflet from CDNs.
    """
    from wuling_geo.present.maps.assets import missing_assets
    from wuling_geo.present.maps.webmap import render_map

    maps_dir = Path(maps_dir)
    maps_dir.mkdir(parents=True, exist_ok=True)  # checked at the start of the build
    railways = None
    if report.network is not None and (report.network_dir / "railways.parquet").is_file():
        railways = report.network_dir / "railways.parquet"
    offline = not missing_assets()
    map_report = render_map(
        maps_dir / "qianjiang.html", layers=report.layers.frames, catchments=report.catchments,
        network=report.network, railways=railways, offline=offline, index=True)
    report.outputs.append(map_report.path)
    if map_report.index is not None:
        report.outputs.append(map_report.index)
    if map_report.index_kept is not None:
        report.notes.append(f"left {map_report.index_kept} alone (not written by wuling-geo)")
    report.notes.append(map_report.summary())
    if not offline:
        report.notes.append("the map loads Leaflet from public CDNs (slow or blocked in mainland "
                            "China): run 'wuling-geo map-assets' once, then build again for a "
                            "self-contained map")


def build(out_dir: str | Path = "out", network_dir: str | Path | None = None,
          maps_dir: str | Path | None = None, geocoder: Geocoder | None = None,
          require_network: bool = False) -> BuildReport:
    """Run the main job: layers, then network, catchments and maps where possible.

    Parameters
    ----------
    out_dir
        Folder for data outputs (``layers.gpkg``, catchments, …).
    network_dir
        Cached network folder (default :func:`settings.network_dir`).
    maps_dir
        Folder for the web maps (default :data:`settings.maps_dir`).
    geocoder
        Geocoder to use (default: offline, shipped gazetteer, cached OSM features).
    require_network
        Raise :class:`NetworkError` before anything is written when the network cannot be
        loaded, instead of building the layers and map without it.

    Returns
    -------
    BuildReport

    Raises
    ------
    OutputError
        Before any work, if ``out_dir`` or ``maps_dir`` cannot be written. A build that fails
        part-way leaves no new folder behind.
    """
    maps_dir = Path(maps_dir) if maps_dir else settings.maps_dir
    check_output(out_dir, folder=True)
    check_output(maps_dir, folder=True)
    geocoder = geocoder or Geocoder(network=network_dir)
    report = BuildReport(Path(out_dir),
                         Path(network_dir) if network_dir else settings.network_dir())
    if require_network:  # a network the user named must load: fail before writing anything
        from wuling_geo.network.model import load_network

        report.network = load_network(report.network_dir)
    with timed(log, "layers"):
        report.layers = resolve_layers(geocoder)  # geocodes every place, once
        report.layers.paths = write_layers(report.layers, out_dir)
    report.outputs.extend(report.layers.paths)
    with timed(log, "network stage"):
        if report.network is None:
            _network_stage(report, report.network_dir)
        else:
            from wuling_geo.network.summary import summary_line

            report.notes.append(summary_line(report.network))
    with timed(log, "catchments stage"):
        _catchments_stage(report)
    with timed(log, "maps stage"):
        _maps_stage(report, maps_dir)
    return report
