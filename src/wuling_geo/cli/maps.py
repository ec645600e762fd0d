"""``wuling-geo map`` (web maps) and ``wuling-geo map-assets`` (Leaflet for offline maps)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo._util.files import check_output
from wuling_geo.cli._options import (
    echo_json,
    info,
    json_option,
    make_geocoder,
    network_option,
    resolve_network_dir,
)
from wuling_geo.data.layers import layer_frames
from wuling_geo.network.model import load_network
from wuling_geo.present.maps.assets import check_assets, install_assets
from wuling_geo.present.maps.i18n import check_lang
from wuling_geo.present.maps.webmap import check_basemap, render_map

CATCHMENT_FILES = ("catchments.gpkg", "catchments.geojson", "catchments.parquet")


def _catchments_in(folder: Path) -> Path:
    for name in CATCHMENT_FILES:
        if (folder / name).is_file():
            return folder / name
    msg = (f"no catchments in {folder} (looked for {', '.join(CATCHMENT_FILES)}): compute them "
           f"with 'wuling-geo catchments --network {folder} ... --out {folder / CATCHMENT_FILES[0]}' "
           "or pass --catchments FILE.gpkg")
    raise InputError(msg)


@click.command("map")
@network_option()
@click.option("--catchments", "catchments", is_flag=False, flag_value="", default=None,
              metavar="[FILE]",
              help="Draw catchment bands from FILE (.gpkg, .geojson, .parquet); with no FILE, "
                   "from the network folder's catchments.gpkg.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="HTML file to write [default: maps/qianjiang.html].")
@click.option("--basemap", default="osm", show_default=True, metavar="osm|amap|none",
              help="Tiles: OpenStreetMap, Amap/高德 (overlays converted to GCJ-02), or none.")
@click.option("--offline", is_flag=True,
              help="Self-contained page: Leaflet and plugins inlined, or stop if 'wuling-geo "
                   "map-assets' has not run [default: inlined when installed; else linked from "
                   "CDNs, and the page says what it needs if they cannot load].")
@click.option("--lang", default="zh", show_default=True, metavar="zh|en",
              help="Interface language and which name comes first.")
@click.option("--title", default=None, help="Page title.")
@json_option
@click.pass_context
def map_cmd(ctx: click.Context, network_dir: str | None, catchments: str | None, out: str | None,
            basemap: str, offline: bool, lang: str, title: str | None, as_json: bool) -> None:
    """Render the web map (layers, railways, main roads, catchments) and update maps/index.html."""
    check_basemap(basemap)
    check_lang(lang)
    target = Path(out) if out else settings.maps_dir / "qianjiang.html"
    check_output(target)
    if offline:
        check_assets()
    folder = resolve_network_dir(network_dir)
    if catchments == "":
        catchments = _catchments_in(folder)
    network = load_network(folder) if network_dir or (folder / "edges.parquet").exists() else None
    railways = folder / "railways.parquet" if (folder / "railways.parquet").is_file() else None
    layers = layer_frames(make_geocoder(ctx, network_dir=network_dir).resolve_all())
    report = render_map(target, layers=layers, catchments=catchments, network=network,
                        railways=railways, basemap=basemap, offline=offline or None, lang=lang,
                        title=title, index=True)
    if as_json:
        echo_json(dataclasses.asdict(report))
        return
    click.echo(report.summary())
    if report.index is not None:
        click.echo(f"wrote {report.index}")
    if report.index_kept is not None:
        info(f"note: left {report.index_kept} alone (not written by wuling-geo)")
    if report.unresolved:
        info(f"note: {len(report.unresolved)} places have no position; the map lists them in a panel")


@click.command("map-assets")
@click.option("--dir", "folder", type=click.Path(file_okay=False), default=None,
              help="Install folder [default: the user data folder; env WULING_GEO_WEB_ASSETS].")
@click.option("--check", is_flag=True, help="Only check that the assets are installed.")
def map_assets_cmd(folder: str | None, check: bool) -> None:
    """Install Leaflet and its plugins from npm, for 'wuling-geo map --offline'."""
    path = Path(folder) if folder else None
    root = check_assets(path) if check else install_assets(path)
    click.echo(f"Leaflet and plugins ready in {root}")


COMMANDS = [map_cmd, map_assets_cmd]
