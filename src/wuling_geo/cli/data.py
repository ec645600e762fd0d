"""Commands on the data layer: ``datum``, ``geocode``, ``layers``."""

from __future__ import annotations

import click

from wuling_geo._util.files import check_output
from wuling_geo.cli._options import (
    Finite,
    datum_option,
    echo_json,
    info,
    json_option,
    make_geocoder,
    online_option,
    osm_option,
    provider_option,
)
from wuling_geo.data import datum as _datum
from wuling_geo.data.layers import coverage, coverage_line, resolve_layers
from wuling_geo.present.exports.layers import write_layers


@click.command("datum")
@click.argument("lon", type=Finite(), metavar="LON")
@click.argument("lat", type=Finite(), metavar="LAT")
@click.option("--from", "src", default="wgs84", show_default=True, metavar="DATUM",
              help="Datum of the input: wgs84, gcj02 or bd09.")
@click.option("--to", "dst", default="wgs84", show_default=True, metavar="DATUM",
              help="Datum to convert to.")
@json_option
def datum_cmd(lon: float, lat: float, src: str, dst: str, as_json: bool) -> None:
    """Convert the point LON LAT between WGS-84, GCJ-02 (Amap) and BD-09 (Baidu)."""
    src_d, dst_d = _datum.parse_datum(src), _datum.parse_datum(dst)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise click.BadParameter(f"{lon} {lat} is not a longitude latitude pair "
                                 "(give longitude first)")
    x, y = _datum.convert(lon, lat, src_d, dst_d)
    if as_json:
        echo_json({"lon": round(x, 7), "lat": round(y, 7), "datum": dst_d, "from": src_d,
                   "shift_m": round(_datum.shift_m(lon, lat, src_d, dst_d), 1)})
    else:
        click.echo(f"{x:.7f} {y:.7f}")


@click.command("geocode")
@click.argument("place")
@datum_option
@online_option
@provider_option
@osm_option
@json_option
@click.pass_context
def geocode_cmd(ctx: click.Context, place: str, datum: str, online: bool, provider: str | None,
                osm_file: str | None, as_json: bool) -> None:
    """Resolve PLACE (name, alias, id or LON,LAT) to WGS-84 and print its provenance.

    With --provider tianditu|amap|baidu a name that is not in the gazetteer is asked of the
    provider as it is.
    """
    res = make_geocoder(ctx, online, osm_file, provider=provider).resolve(place, datum)
    if as_json:
        echo_json(res.as_dict())
        return
    if not res.resolved:
        click.echo(f"{res.label}: unresolved ({res.source})")
        return
    flags = f"  flags: {', '.join(res.flags)}" if res.flags else ""
    click.echo(f"{res.label}: {res.lon:.6f},{res.lat:.6f} (WGS-84)\n"
               f"  method: {res.method}  source: {res.source}  confidence: {res.confidence}"
               f"  input datum: {res.input_datum}{flags}")


@click.command("layers")
@click.option("--out", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Folder for layers.gpkg and the GeoJSON copies.")
@online_option
@provider_option
@osm_option
@click.pass_context
def layers_cmd(ctx: click.Context, out_dir: str, online: bool, provider: str | None,
               osm_file: str | None) -> None:
    """Geocode every gazetteer place and write layers.gpkg plus GeoJSON copies."""
    check_output(out_dir, folder=True)  # before geocoding, which may be slow or online
    geocoder = make_geocoder(ctx, online, osm_file, provider=provider)
    report = resolve_layers(geocoder)
    report.paths = write_layers(report, out_dir)
    print_layer_report(report)
    for note in geocoder.notes:
        click.echo(f"note: {note}", err=True)


def print_layer_report(report) -> None:
    """Print what a layer run wrote and how places resolved."""
    gpkg = next(p for p in report.paths if p.name == "layers.gpkg")
    click.echo(f"wrote {gpkg} ({', '.join(f'{k} {v}' for k, v in report.counts.items())})")
    click.echo("resolved by method: " + ", ".join(f"{m} {n}" for m, n in
                                                  sorted(report.methods.items())))
    click.echo("resolved per layer: " + "; ".join(
        f"{layer} {coverage_line(counts)}" for layer, counts in coverage(report.frames).items()))
    if report.unresolved:
        names = ", ".join(r.place.name_zh for r in report.unresolved)
        click.echo(f"unresolved ({len(report.unresolved)}): {names}")
        info("  add OSM data ('wuling-geo network import FILE' or 'network fetch') or --online "
             "to resolve more")
    for res in report.flagged:
        click.echo(f"flagged: {res.place.name_zh}: {', '.join(res.flags)}")


COMMANDS = [datum_cmd, geocode_cmd, layers_cmd]
