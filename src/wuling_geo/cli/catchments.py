"""``wuling-geo catchments``: travel-time bands from (or to) places, with reach statistics."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click
import pandas as pd

from wuling_geo._util.errors import InputError
from wuling_geo._util.files import check_output
from wuling_geo._util.logs import timed
from wuling_geo.analysis.catchments.bands import (
    ENGINES,
    MODES,
    catchments,
    category_origins,
    check_minutes,
)
from wuling_geo.analysis.catchments.stats import inside_counts
from wuling_geo.cli._options import (
    Finite,
    datum_option,
    echo_json,
    info,
    json_option,
    make_geocoder,
    network_option,
    resolve_network_dir,
    several_values,
    truck_options,
)
from wuling_geo.data.layers import layer_frames
from wuling_geo.network.model import PROFILES, load_network
from wuling_geo.network.routing import DIRECTIONS
from wuling_geo.present.exports.catchments import write_catchments
from wuling_geo.present.maps.i18n import county_summary

log = logging.getLogger("wuling_geo.cli")

CATEGORIES = ("scenic", "transport", "logistics", "industry")
#: Largest --access (m): the catchment snapping limit; a wider buffer claims land no road reaches.
ACCESS_MAX_M = 2000.0
#: Largest --simplify (m): beyond this the polygons lose the valleys the bands are drawn for.
SIMPLIFY_MAX_M = 500.0


def _inside_summary(value) -> str:
    parts = []
    for layer, entry in inside_counts(value).items():
        if entry["count"]:
            grades = " ".join(f"{g}×{n}" for g, n in entry.get("by_grade", {}).items())
            parts.append(f"{layer} {entry['count']}" + (f" ({grades})" if grades else ""))
    return ", ".join(parts)


def format_table(gdf) -> str:
    """Return the bands as a plain-text table."""
    head = (f"{'origin':<26} {'min':>5} {'snap m':>6} {'km²':>9} {'district':>8} {'road km':>8}  "
            f"{'farthest point (lon,lat min)':<30} inside")
    lines = [head, "-" * len(head)]
    for row in gdf.itertuples():
        share = "" if pd.isna(row.share_of_district) else f"{100 * row.share_of_district:.1f}%"
        name = row.origin_id if row.mode == "nearest" else row.origin_name
        far = f"{row.farthest_lon:.4f},{row.farthest_lat:.4f} {row.farthest_min:.1f}"
        lines.append(f"{name[:26]:<26} {row.minutes:>5g} {row.snap_m:>6.0f} {row.area_km2:>9.2f} "
                     f"{share:>8} {row.road_km:>8.1f}  {far:<30} "
                     f"{_inside_summary(row.features_inside)}")
        counties = county_summary(getattr(row, "county_share", None), "en")
        if counties:
            lines.append(f"{'':<26} counties reached: {counties}")
    return "\n".join(lines)


@click.command("catchments", cls=several_values("--from", "--minutes"))
@network_option()
@click.option("--from", "origins", multiple=True, metavar="ORIGIN",
              help="Places to start from (name, id or LON,LAT); several may follow one --from.")
@click.option("--category", type=click.Choice(CATEGORIES), default=None,
              help="Use every resolved place of a gazetteer category instead of --from.")
@click.option("--minutes", "minutes", multiple=True, metavar="MIN",
              help="Bands in minutes, e.g. --minutes 15 30 60  [default: 15 30 45 60].")
@click.option("--mode", type=click.Choice(MODES), default="each", show_default=True,
              help="each: a catchment per origin; nearest: one, to the nearest origin.")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="from", show_default=True,
              help="from the origins, or to them.")
@click.option("--profile", type=click.Choice(PROFILES), default="car", show_default=True)
@truck_options
@datum_option
@click.option("--access", "access_m", type=Finite(0, ACCESS_MAX_M, min_open=True), default=None, metavar="M",
              help="Access distance the reached road is buffered by [default: settings, 200 m].")
@click.option("--simplify", "simplify_m", type=Finite(0, SIMPLIFY_MAX_M), default=None, metavar="M",
              help="Simplification tolerance of the polygons [default: settings, 25 m].")
@click.option("--engine", type=click.Choice(ENGINES), default="contour", show_default=True,
              help="contour: bands from a travel-time grid (fast); exact: the buffered reached "
                   "road itself (slower, for reports).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None,
              help="Write the bands to FILE.gpkg or FILE.geojson.")
@json_option
@click.pass_context
def catchments_cmd(ctx: click.Context, network_dir: str | None, origins: tuple[str, ...],
                   category: str | None, minutes: tuple[str, ...], mode: str, direction: str,
                   profile: str, datum: str, access_m: float | None, simplify_m: float | None,
                   engine: str, out_file: str | None, as_json: bool) -> None:
    """Travel-time catchments: the land within each band of driving from (or to) places.

    Each band is the reached road — cut exactly where the time runs out — buffered by the
    access distance; with holes where valleys stay out of reach. Prints a table of bands
    with area, share of the district, road km, the farthest point and the mapped features
    inside; --out writes the polygons.
    """
    if bool(origins) == bool(category):
        raise InputError("give either --from ORIGIN [ORIGIN ...] or --category NAME (not both)")
    bands = check_minutes(minutes or (15, 30, 45, 60))
    if out_file is not None:
        suffix = Path(out_file).suffix.lower()
        if suffix not in {".gpkg", ".geojson"}:
            raise InputError(f"cannot write catchments to {Path(out_file).name}: "
                             "use a .gpkg or .geojson file")
        check_output(Path(out_file))
    geocoder = make_geocoder(ctx, network_dir=network_dir)
    resolutions = geocoder.resolve_all()
    if category:
        chosen, notes = category_origins(resolutions, category)
        for note in notes:
            info(note)
    else:
        chosen = [geocoder.locate(text, datum) for text in origins]
    with timed(log, "network loaded"):
        network = load_network(resolve_network_dir(network_dir))
    with timed(log, f"catchments of {len(chosen)} origins"):
        gdf = catchments(network, chosen, bands, mode=mode, direction=direction,
                         profile=profile, buffer_m=access_m, simplify_m=simplify_m,
                         layers=layer_frames(resolutions), group=category, engine=engine)
    if as_json:
        echo_json(json.loads(gdf.drop(columns="geometry").to_json(orient="records",
                                                                  force_ascii=False)))
    else:
        click.echo(format_table(gdf))
    if out_file is not None:
        write_catchments(gdf, out_file)
        info(f"wrote {out_file}")


COMMANDS = [catchments_cmd]
