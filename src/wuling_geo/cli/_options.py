"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import settings
from ..gazetteer import load_gazetteer
from ..geocode import Geocoder

datum_option = click.option(
    "--datum", default="wgs84", show_default=True, metavar="wgs84|gcj02|bd09",
    help="Datum of LON,LAT places (Amap/Tencent: gcj02, Baidu: bd09).")
online_option = click.option(
    "--online", is_flag=True, help="Ask Nominatim for places the offline steps leave unresolved.")
osm_option = click.option(
    "--osm", "osm_file", type=click.Path(dir_okay=False), default=None,
    help="OSM file (.osm, .osm.bz2, .osm.pbf) or cached features to match place names against.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def network_option(required: bool = False):
    """Return the ``--network DIR`` option (default: the cached network)."""
    return click.option(
        "--network", "network_dir", type=click.Path(file_okay=False), default=None,
        required=required,
        help="Network folder from 'wuling-geo network fetch/import' "
             "[default: geodata/cache/network].")


def resolve_network_dir(network_dir: str | None) -> Path:
    """Return the network folder to use."""
    return Path(network_dir) if network_dir else settings.network_dir()


def make_geocoder(ctx: click.Context, online: bool = False, osm_file: str | None = None
                  ) -> Geocoder:
    """Build a geocoder from the global --gazetteer and the command's options."""
    gazetteer_path = (ctx.find_root().obj or {}).get("gazetteer")
    return Geocoder(load_gazetteer(gazetteer_path), features=osm_file, online=online)


def echo_json(data) -> None:
    """Print ``data`` as indented UTF-8 JSON."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def info(message: str) -> None:
    """Print an informational line on stderr unless --quiet."""
    if not settings.quiet:
        click.echo(message, err=True)
