"""``wuling-geo build``: the main job."""

from __future__ import annotations

import click

from wuling_geo.cli._options import info, make_geocoder, network_option, online_option, osm_option
from wuling_geo.cli.data import print_layer_report
from wuling_geo.present.main_job import build


@click.command("build")
@click.option("--out", "out_dir", default="out", show_default=True,
              type=click.Path(file_okay=False), help="Folder for data outputs.")
@click.option("--maps", "maps_dir", default=None, type=click.Path(file_okay=False),
              help="Folder for web maps [default: maps/].")
@network_option()
@online_option
@osm_option
@click.pass_context
def build_cmd(ctx: click.Context, out_dir: str, maps_dir: str | None, network_dir: str | None,
              online: bool, osm_file: str | None) -> None:
    """Build everything: layers, then catchments and maps when a network is available."""
    report = build(out_dir, network_dir, maps_dir,
                   make_geocoder(ctx, online, osm_file, network_dir))
    if report.layers is not None:
        print_layer_report(report.layers)
    for path in report.outputs:
        if path.name != "layers.gpkg" and path.suffix in {".gpkg", ".html"}:
            click.echo(f"wrote {path}")
    for note in report.notes:
        info(f"note: {note}")


COMMANDS = [build_cmd]
