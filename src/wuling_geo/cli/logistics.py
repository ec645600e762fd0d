"""Logistics commands: ``matrix`` (OD travel times), ``access`` (nearest-facility surface)
and ``reach`` (rail/air legs then road)."""

from __future__ import annotations

from pathlib import Path

import click
import geopandas as gpd
import pandas as pd

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo._util.files import check_output
from wuling_geo.analysis.accessibility import (
    THRESHOLDS,
    FacilitySearch,
    access_summary,
    accessibility_surface,
)
from wuling_geo.analysis.catchments.bands import check_minutes
from wuling_geo.analysis.multimodal import load_services, reach
from wuling_geo.analysis.od_matrix import od_matrix
from wuling_geo.cli._options import (
    Finite,
    datum_option,
    info,
    make_geocoder,
    network_option,
    resolve_network_dir,
    several_values,
    truck_options,
)
from wuling_geo.data.layers import layer_frames
from wuling_geo.data.places import Site, category_sites, resolve_sites
from wuling_geo.network.model import load_network
from wuling_geo.present.exports.accessibility import write_surface
from wuling_geo.present.exports.catchments import write_reach
from wuling_geo.present.exports.tables import table_suffixes, write_matrix
from wuling_geo.present.maps.assets import check_assets
from wuling_geo.present.maps.webmap import render_map

offline_option = click.option(
    "--offline", is_flag=True,
    help="Self-contained map: Leaflet inlined, or stop if 'wuling-geo map-assets' has not run "
         "[default: inlined when installed; else the page says what it needs if it cannot load].")

profile_option = click.option("--profile", type=click.Choice(["car", "truck"]), default="car",
                              show_default=True, help="Vehicle profile of the road times.")


def _sites(ctx: click.Context, names: tuple[str, ...], category: str | None, datum: str,
           names_opt: str, category_opt: str, network_dir: str | None) -> list[Site]:
    if bool(names) == bool(category):
        raise InputError(f"give either {names_opt} PLACE [PLACE ...] or {category_opt} NAME")
    geocoder = make_geocoder(ctx, network_dir=network_dir)
    if names:
        return resolve_sites(geocoder, names, datum)
    sites, missing = category_sites(geocoder, category)
    if missing:
        info(f"note: {len(missing)} {category} places have no known position and are left out: "
             f"{', '.join(missing)}")
    return sites


def _load(network_dir: str | None):
    return load_network(resolve_network_dir(network_dir))


def _check_out(out: str | None, suffixes: tuple[str, ...]) -> None:
    if out is None:
        return
    if Path(out).suffix.lower() not in suffixes:
        raise InputError(f"cannot write {Path(out).name}: give --out FILE{' or FILE'.join(suffixes)}")
    check_output(Path(out))


def _check_map(map_out: str | None, offline: bool = False) -> None:
    if map_out is None:
        return
    if Path(map_out).suffix.lower() not in {".html", ".htm"}:
        raise InputError(f"cannot write {Path(map_out).name}: give --map FILE.html")
    check_output(Path(map_out))
    if offline:
        check_assets()


def _render(map_out: str | None, offline: bool = False, **overlays) -> None:
    if map_out is None:
        return
    report = render_map(map_out, offline=offline or None, **overlays)
    click.echo(f"wrote {report.path}")


# ---------------------------------------------------------------- matrix

@click.command("matrix", cls=several_values("--from", "--to"))
@network_option()
@click.option("--from", "origins", multiple=True, metavar="PLACE...",
              help="Origins: names, ids or LON,LAT (several after one --from).")
@click.option("--from-category", default=None, metavar="CATEGORY",
              help="All resolved gazetteer places of a category (industry, logistics, …).")
@click.option("--to", "destinations", multiple=True, metavar="PLACE...", help="Destinations.")
@click.option("--to-category", default=None, metavar="CATEGORY",
              help="All resolved places of a category (transport, logistics, …).")
@profile_option
@truck_options
@datum_option
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="Write FILE.csv or FILE.parquet (default: print the table).")
@click.pass_context
def matrix_cmd(ctx: click.Context, network_dir: str | None, origins: tuple[str, ...],
               from_category: str | None, destinations: tuple[str, ...], to_category: str | None,
               profile: str, datum: str, out: str | None) -> None:
    """Travel time and road distance between every origin and destination."""
    _check_out(out, table_suffixes(geo=False))
    o_sites = _sites(ctx, origins, from_category, datum, "--from", "--from-category", network_dir)
    d_sites = _sites(ctx, destinations, to_category, datum, "--to", "--to-category", network_dir)
    frame = od_matrix(_load(network_dir), o_sites, d_sites, profile)
    n_ok = int(frame["reachable"].sum())
    if out:
        write_matrix(frame, out)
        click.echo(f"wrote {out} ({len(o_sites)} × {len(d_sites)} pairs, {n_ok} reachable, "
                   f"{profile})")
    else:
        for row in frame.itertuples():
            time = f"{row.minutes:7.1f} min {row.km:7.1f} km" if row.reachable else "unreachable"
            click.echo(f"{row.origin_name} → {row.destination_name}: {time}")
    if n_ok < len(frame):
        info(f"note: {len(frame) - n_ok} pairs are not connected by road (NaN, reachable=False)")


# ---------------------------------------------------------------- access

@click.command("access", cls=several_values("--facilities"))
@network_option()
@click.option("--category", default=None, metavar="CATEGORY",
              help="Facilities: all resolved gazetteer places of a category (logistics, …).")
@click.option("--facilities", multiple=True, metavar="PLACE...",
              help="Facilities by name, id or LON,LAT instead of a category.")
@click.option("--cell", "cell_m", type=Finite(0, 50_000, min_open=True), default=500.0, show_default=True,
              help="Hexagon width across flats, metres.")
@profile_option
@truck_options
@click.option("--access-speed", type=Finite(0, 50, min_open=True), default=None,
              help=f"Walking speed (km/h) from a cell centre to its road "
                   f"[default: {settings.access_speed_kph:g}].")
@click.option("--direction", type=click.Choice(["to", "from"]), default="to", show_default=True,
              help="Time to the facility, or from it.")
@datum_option
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="Write FILE.gpkg.")
@click.option("--map", "map_out", default=None, type=click.Path(dir_okay=False),
              help="Also draw the surface on a web map FILE.html.")
@offline_option
@click.pass_context
def access_cmd(ctx: click.Context, network_dir: str | None, category: str | None,
               facilities: tuple[str, ...], cell_m: float, profile: str,
               access_speed: float | None, direction: str, datum: str, out: str | None,
               map_out: str | None, offline: bool) -> None:
    """Time from every part of the district to the nearest facility, on a hexagon grid."""
    _check_out(out, (".gpkg",))
    _check_map(map_out, offline)
    from wuling_geo.analysis.hexgrid import check_cell_size
    from wuling_geo.data.boundary import district

    check_cell_size(district(), cell_m)
    sites = _sites(ctx, facilities, category, datum, "--facilities", "--category",
                   network_dir)
    network = _load(network_dir)
    search = FacilitySearch(network, sites, profile, direction, access_speed)
    surface = accessibility_surface(network, sites, cell_m, search=search)
    towns_sites, _ = category_sites(make_geocoder(ctx, network_dir=network_dir), "civic", required=False)
    towns = search.times([t.lon for t in towns_sites], [t.lat for t in towns_sites])
    towns.insert(0, "id", [t.id for t in towns_sites])
    towns.insert(1, "name", [t.name for t in towns_sites])
    summary = access_summary(surface, towns, THRESHOLDS)
    what = f"{category} places" if category else "facilities"
    click.echo(f"time {direction} the nearest of {len(sites)} {what} ({profile}, {len(surface)} "
               f"cells of {cell_m:g} m, {surface['area_km2'].sum():.0f} km²):")
    for row in summary.itertuples():
        towns_txt = (f"{row.towns}/{row.towns_total} towns" if row.towns_total
                     else "no towns with known positions")
        click.echo(f"  within {row.minutes:>3g} min: {100 * row.area_share:5.1f} % of the area, "
                   f"{towns_txt}")
    unreached = surface["minutes"].isna().sum()
    if unreached:
        info(f"note: {unreached} cells reach no facility by road (NaN)")
    if out:
        town_points = gpd.GeoDataFrame(towns, geometry=gpd.points_from_xy(
            [t.lon for t in towns_sites], [t.lat for t in towns_sites]), crs=settings.storage_crs)
        write_surface(surface, out, town_points)
        click.echo(f"wrote {out}")
    _render(map_out, offline, surface=surface)


# ---------------------------------------------------------------- reach

@click.command("reach", cls=several_values("--minutes"))
@network_option()
@click.option("--from", "start", required=True, metavar="PLACE",
              help="Start: a stop of the services file, a gazetteer place, or LON,LAT "
                   "(may lie outside the district).")
@datum_option
@click.option("--services", default=None, type=click.Path(dir_okay=False),
              help="Services TOML [default: geodata/services.toml].")
@click.option("--minutes", multiple=True, type=Finite(0, min_open=True), metavar="M...",
              help="Band limits in minutes [default: 60 90 120].")
@profile_option
@truck_options
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="Write FILE.gpkg.")
@click.option("--map", "map_out", default=None, type=click.Path(dir_okay=False),
              help="Also draw the bands on a web map FILE.html.")
@offline_option
@click.pass_context
def reach_cmd(ctx: click.Context, network_dir: str | None, start: str, datum: str,
              services: str | None, minutes: tuple[float, ...], profile: str, out: str | None,
              map_out: str | None, offline: bool) -> None:
    """Where a traveller can be within given times, by scheduled rail/air legs then road."""
    _check_out(out, (".gpkg",))
    _check_map(map_out, offline)
    minutes = tuple(check_minutes(minutes or (60, 90, 120)))
    geocoder = make_geocoder(ctx, network_dir=network_dir)
    table = load_services(services, geocoder)
    stop = table.find(start)
    if stop is not None:
        if not stop.resolved:
            raise InputError(f"stop {stop.id} ({stop.name}) has no position: give its lon and lat "
                             f"in {table.path}, or start from LON,LAT")
        origin = Site(stop.id, stop.name, float(stop.lon), float(stop.lat))
    else:
        origin = resolve_sites(geocoder, [start], datum, require_in_district=False)[0]
    network = _load(network_dir)
    layers = layer_frames(geocoder.resolve_all())
    result = reach(network, origin, table, minutes, profile, layers=layers)
    for note in result.notes:
        info(f"note: {note}")
    for row in result.stops.itertuples():
        if row.id == "origin":
            continue
        when = (f"{row.arrival_minutes:6.1f} min via {row.via}"
                if row.arrival_minutes == row.arrival_minutes else "not reached")
        click.echo(f"{row.name}: {when}")
    for row in result.bands.itertuples():
        share = row.share_of_district
        where = "" if pd.isna(share) else f", {100 * share:5.1f} % of the district"
        click.echo(f"  within {row.minutes:>4g} min: {row.area_km2:8.1f} km²{where}")
    if out:
        write_reach(result, out)
        click.echo(f"wrote {out}")
    _render(map_out, offline, catchments=result.bands[~result.bands.is_empty])


COMMANDS = [matrix_cmd, access_cmd, reach_cmd]
