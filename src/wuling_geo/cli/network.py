"""``wuling-geo network import | fetch | info``: build, download and describe road networks."""

from __future__ import annotations

from pathlib import Path

import click

from wuling_geo.cli._options import (
    Finite,
    echo_json,
    info,
    json_option,
    resolve_network_dir,
    truck_options,
)
from wuling_geo.network.area import DEFAULT_BUFFER_KM
from wuling_geo.network.build.graph import MAX_CONSOLIDATE_M
from wuling_geo.network.build.importer import ImportOptions, ImportResult, LayerFields, import_network
from wuling_geo.network.model import PROFILES, load_network
from wuling_geo.network.sources.osm_file import ImportFlags
from wuling_geo.network.summary import summarize
from wuling_geo.network.truck_limits import Vehicle

#: Largest --buffer-km: 200 km around Qianjiang already reaches Chongqing, Wanzhou and Enshi.
MAX_BUFFER_KM = 200.0
#: Largest --snap-m (m) for joining road-layer line ends: beyond this, ends of different
#: roads get joined.
MAX_SNAP_M = 50.0


def _speed_options(func):
    options = [
        click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
                     help="Network folder [default: geodata/cache/network]."),
        click.option("--area", default=None, metavar="qianjiang|neighbours|W,S,E,N|FILE",
                     help="Area to keep: the district, the district and its four neighbouring "
                          "counties, a WGS-84 box or a polygon file [default for OSM: qianjiang]."),
        click.option("--buffer-km", type=Finite(0, MAX_BUFFER_KM), default=None,
                     help=f"Grow the area by this much [default: {DEFAULT_BUFFER_KM:g} for "
                          "qianjiang and neighbours, else 0]."),
        click.option("--profile-file", type=click.Path(dir_okay=False), default=None,
                     help="Speed profile TOML replacing the shipped one (data/speeds.toml)."),
        click.option("--dem", type=click.Path(dir_okay=False), default=None,
                     help="Elevation GeoTIFF for the grade penalty on climbs."),
        click.option("--no-curvature", is_flag=True,
                     help="Switch off the curvature penalty for winding roads."),
        click.option("--no-grade", is_flag=True, help="Switch off the grade penalty (--dem)."),
        click.option("--no-junction-delays", is_flag=True,
                     help="Switch off the delays at traffic signals, stop and give-way signs "
                          "and crossings."),
        click.option("--turn-costs", is_flag=True,
                     help="Add the profile's turn costs by angle (left, right, U-turn); every "
                          "search then runs edge-based, which is slower."),
        click.option("--consolidate-m", type=Finite(0, MAX_CONSOLIDATE_M, min_open=True),
                     default=None,
                     help="Merge intersections closer than this many metres (at most "
                          f"{MAX_CONSOLIDATE_M:g}: larger values chain junctions together "
                          "and inflate road length)."),
        click.option("--keep-ferries", is_flag=True, help="Include ferry routes."),
        click.option("--keep-private", is_flag=True,
                     help="Include ways closed to the public (access=private/no)."),
        click.option("--keep-construction", is_flag=True,
                     help="Include roads under construction or proposed."),
        json_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _options(area, buffer_km, profile_file, dem, no_curvature, no_grade, no_junction_delays,
             turn_costs, consolidate_m, keep_ferries, keep_private, keep_construction,
             layer=None) -> ImportOptions:
    return ImportOptions(
        area=area, buffer_km=buffer_km, speed_file=profile_file, dem=dem,
        flags=ImportFlags(keep_ferries, keep_private, keep_construction),
        curvature=False if no_curvature else None, grade=False if no_grade else None,
        junctions=False if no_junction_delays else None, turn_costs=True if turn_costs else None,
        consolidate_m=consolidate_m, layer=layer or LayerFields())


def _report(result: ImportResult, source: str, as_json: bool) -> None:
    summary = summarize(result.network)
    if as_json:
        echo_json({"folder": str(result.folder), "reused": result.reused,
                   "railways": result.railways,
                   "features": str(result.features) if result.features else None,
                   "notes": result.notes, **summary})
        return
    if result.reused:
        click.echo(f"network at {result.folder} is up to date (same inputs as {source}); "
                   "use --force to rebuild")
    else:
        click.echo(f"built {summary['nodes']:,} nodes, {summary['edges']:,} edges, "
                   f"{summary['road_km']:,.1f} km of road from {source} into {result.folder}")
    for note in result.notes:
        info(f"note: {note}")
    if result.railways:
        info(f"railways: {result.railways} lines")
    if result.features:
        info(f"named features for the geocoder: {result.features}")


@click.group("network")
def network_group() -> None:
    """Build road networks with travel times (import a file, fetch online, describe)."""


@network_group.command("import")
@click.argument("source", type=click.Path(dir_okay=False))
@_speed_options
@click.option("--datum", default="wgs84", show_default=True, metavar="wgs84|gcj02|bd09",
              help="Datum of a road layer (Amap-derived lines: gcj02).")
@click.option("--class-field", default=None, help="Road layer field with the road class.")
@click.option("--speed-field", default=None, help="Road layer field with speeds in km/h.")
@click.option("--oneway-field", default=None, help="Road layer field with one-way flags.")
@click.option("--name-field", default=None, help="Road layer field with road names.")
@click.option("--snap-m", type=Finite(0, MAX_SNAP_M), default=2.0, show_default=True,
              help="Join road layer line ends closer than this (m).")
@click.option("--force", is_flag=True, help="Rebuild even if the cached network is up to date.")
def import_cmd(source, out_dir, area, buffer_km, profile_file, dem, no_curvature, no_grade,
               no_junction_delays, turn_costs, consolidate_m, keep_ferries, keep_private,
               keep_construction, as_json, datum, class_field, speed_field, oneway_field,
               name_field, snap_m, force) -> None:
    """Build a network from SOURCE: an OSM extract (.osm, .osm.bz2, .osm.pbf) or a road layer
    (.gpkg, .geojson, .shp).

    OSM extracts are clipped to --area (Qianjiang plus 20 km by default); their railways and
    named features are stored too. Road layers may be GCJ-02 (--datum gcj02).
    """
    layer = LayerFields(datum, class_field, speed_field, oneway_field, name_field, snap_m)
    options = _options(area, buffer_km, profile_file, dem, no_curvature, no_grade,
                       no_junction_delays, turn_costs, consolidate_m, keep_ferries, keep_private,
                       keep_construction, layer)
    result = import_network(source, out_dir, options, force=force)
    _report(result, Path(source).name, as_json)


@network_group.command("fetch")
@_speed_options
def fetch_cmd(out_dir, area, buffer_km, profile_file, dem, no_curvature, no_grade,
              no_junction_delays, turn_costs, consolidate_m, keep_ferries, keep_private,
              keep_construction, as_json) -> None:
    """Download the drivable network, railways and named features from OpenStreetMap
    (Overpass, through osmnx) for Qianjiang plus a buffer.
    """
    from wuling_geo.network.sources.overpass import fetch_network

    options = _options(area, buffer_km, profile_file, dem, no_curvature, no_grade,
                       no_junction_delays, turn_costs, consolidate_m, keep_ferries, keep_private,
                       keep_construction)
    result = fetch_network(out_dir, options)
    _report(result, "Overpass", as_json)


@network_group.command("info")
@click.argument("network_dir", required=False, type=click.Path(file_okay=False))
@click.option("--profile", "profiles", multiple=True, type=click.Choice(PROFILES),
              help="Vehicle profile whose speeds to show (repeatable) [default: all].")
@truck_options
@json_option
def info_cmd(network_dir: str | None, profiles: tuple[str, ...], as_json: bool) -> None:
    """Describe the network in NETWORK_DIR [default: geodata/cache/network]."""
    folder = resolve_network_dir(network_dir)
    network = load_network(folder)
    for profile in profiles:
        network.travel_time(profile)  # a profile the network lacks: a one-line NetworkError
    summary = summarize(network)
    for other in set(PROFILES) - set(profiles or PROFILES):
        summary.pop(f"speed_{other}", None)
    if as_json:
        echo_json({"folder": str(folder), **summary})
        return
    click.echo(f"network {folder}")
    click.echo(f"  source: {summary.get('source', 'unknown')}")
    click.echo(f"  created: {summary.get('created', 'unknown')}")
    if summary.get("area"):
        click.echo(f"  area: {summary['area']}")
    click.echo(f"  nodes: {summary['nodes']:,}  edges: {summary['edges']:,}  "
               f"road: {summary['road_km']:,.1f} km")
    comps = summary.get("components", {})
    click.echo(f"  components: {comps.get('strong', 0)} strong, {comps.get('weak', 0)} weak")
    click.echo("  km of road by class:")
    for cls, km in summary["road_km_by_class"].items():
        click.echo(f"    {cls:<16} {km:>10,.1f}")
    for profile in PROFILES:
        speed = summary.get(f"speed_{profile}")
        if speed:
            bands = ", ".join(f"{k}: {v:,.1f}" for k, v in speed["km_by_band"].items() if v)
            click.echo(f"  {profile} speed km/h: min {speed['min']}, p10 {speed['p10']}, "
                       f"median {speed['p50']}, p90 {speed['p90']}, max {speed['max']}")
            click.echo(f"    km of edges by band: {bands}")
    if summary.get("profile"):
        prof = summary["profile"]
        click.echo(f"  profile: {prof.get('name')} (curvature {'on' if prof.get('curvature') else 'off'}"
                   f", grade {'on' if prof.get('grade') else 'off'})")
    if "railways" in summary:
        click.echo(f"  railways: {summary['railways']} lines")
    rules = summary.get("turn_rules") or {}
    click.echo(f"  turn rules: {rules.get('restrictions', 0):,} restrictions, "
               f"{rules.get('barriers', 0):,} barrier nodes")
    delays = (summary.get("hygiene") or {}).get("junction_delays") or {}
    if delays:
        parts = ", ".join(f"{n:,} at {k.replace('_', ' ')}" for k, n in sorted(delays.items()))
        click.echo(f"  junction delays: {sum(delays.values()):,} approaches ({parts})")
    costs = summary.get("turn_costs")
    click.echo("  turn costs: " + (f"on (up to {costs['turn_s']:g} s a turn, bias "
                                   f"{costs['bias']:g}, U-turn +{costs['u_turn_s']:g} s)"
                                   if costs else "off"))
    if summary.get("truck"):
        truck = summary["truck"]
        have = ", ".join(f"{k} {v:,}" for k, v in truck["edges_with"].items())
        click.echo(f"  truck limits: edges with {have}")
        click.echo(f"    a truck {Vehicle(**truck['vehicle']).describe()} may not enter "
                   f"{truck['closed_edges']:,} edges; {truck['blocking_barriers']:,} barriers "
                   "stop it")
    click.echo(f"  attribution: {summary.get('attribution', 'not recorded')}")


COMMANDS = [network_group]
