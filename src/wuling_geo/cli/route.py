"""``wuling-geo route``: plan a multi-stop, multi-day tourism itinerary, or a plain A→B route."""

from __future__ import annotations

import click

from wuling_geo._util.errors import InputError
from wuling_geo._util.files import check_output
from wuling_geo.analysis.itinerary.planner import plan_itinerary
from wuling_geo.cli._flags import for_flags
from wuling_geo.cli._options import (
    datum_option,
    make_geocoder,
    network_option,
    resolve_network_dir,
    several_values,
    truck_options,
)
from wuling_geo.network.model import PROFILES, load_network
from wuling_geo.present.exports.itinerary import format_text, write_itinerary
from wuling_geo.present.maps.assets import check_assets


def _days(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError(f"--days {text!r} is not a whole number of days (1 or more)") from None


def _dwell(items: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.rpartition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"--dwell {item!r} is not NAME=MINUTES (e.g. 小南海=150 or 小南海=2h30)")
        out[name.strip()] = value.strip()
    return out


@click.command("route", cls=several_values("--visit", "--optional", "--dwell"))
@network_option()
@click.option("--start", required=True, metavar="NAME", help="Where day 1 begins (name, id or LON,LAT).")
@click.option("--visit", "visits", multiple=True, metavar="NAME",
              help="Must-visit stops; several may follow one --visit.")
@click.option("--optional", "optional", multiple=True, metavar="NAME",
              help="Stops visited only if time allows; several may follow one --optional.")
@click.option("--end", default=None, metavar="NAME", help="Where the last day ends [default: --start].")
@click.option("--days", "days_text", default="1", show_default=True, metavar="N",
              help="Number of days.")
@click.option("--day", "day_window", default="08:00-18:00", show_default=True,
              metavar="HH:MM-HH:MM", help="Earliest departure and latest return each day.")
@click.option("--max-drive", default=None, metavar="DURATION",
              help="Most driving per day, e.g. 4h or 150min [default: no limit].")
@click.option("--overnight", default=None, metavar="NAME",
              help="Where nights are spent [default: back to --start each day].")
@click.option("--dwell", multiple=True, metavar="NAME=MIN",
              help="Visit length of a stop in minutes (or 1h30); overrides the defaults.")
@click.option("--start-time", default=None, metavar="HH:MM", help="Departure on day 1.")
@click.option("--end-time", default=None, metavar="HH:MM",
              help="Latest arrival on the last day (e.g. a train to catch).")
@click.option("--date", "start_date", default=None, metavar="YYYY-MM-DD",
              help="Date of day 1 (closing days apply; GPX gets times).")
@click.option("--weekday", default=None, metavar="DAY", help="Weekday of day 1 (mon … sun).")
@click.option("--profile", type=click.Choice(PROFILES), default="car", show_default=True)
@truck_options
@datum_option
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Folder for GPX, CSV, Markdown, HTML, GeoJSON and map exports.")
@click.option("--no-map", is_flag=True, help="Do not draw itinerary_map.html.")
@click.option("--offline", is_flag=True,
              help="Self-contained itinerary_map.html: Leaflet inlined, or stop if 'wuling-geo "
                   "map-assets' has not run [default: inlined when installed].")
@click.pass_context
def route_cmd(ctx: click.Context, network_dir: str | None, start: str, visits: tuple[str, ...],
              optional: tuple[str, ...], end: str | None, days_text: str, day_window: str,
              max_drive: str | None, overnight: str | None, dwell: tuple[str, ...],
              start_time: str | None, end_time: str | None, start_date: str | None,
              weekday: str | None, profile: str, datum: str, out_dir: str | None,
              no_map: bool, offline: bool) -> None:
    """Plan the best route through scenic areas over one or more days.

    Every --visit stop is visited, as many --optional stops as fit, with the least driving,
    within opening hours, the daily window and the driving limit. With no stops and an --end
    other than --start, gives the fastest route from start to end. Prints the plan per day;
    with --out, writes GPX, CSV, Markdown, HTML, the legs as GeoJSON and a web map.
    """
    if out_dir is not None:
        check_output(out_dir, folder=True)
        if offline and not no_map:
            check_assets()
    if not visits and not optional and (end is None or end.strip() == start.strip()):
        raise InputError("no stops to visit: name at least one with --visit or --optional, "
                         "or an --end other than --start for a plain route")
    days = _days(days_text)
    dwell_map = _dwell(dwell)
    geocoder = make_geocoder(ctx, network_dir=network_dir)

    def locate(text: str | None):
        return None if text is None else geocoder.locate(text, datum)

    stops = dict(start=locate(start), end=locate(end), overnight=locate(overnight),
                 visits=[locate(v) for v in visits], optional=[locate(v) for v in optional])
    network = load_network(resolve_network_dir(network_dir))
    itin = plan_itinerary(network, stops["start"], stops["visits"], end=stops["end"], days=days,
                          day_window=day_window, max_drive_per_day=max_drive,
                          overnight=stops["overnight"], optional=stops["optional"],
                          dwell=dwell_map, profile=profile, start_time=start_time,
                          end_time=end_time, start_weekday=weekday, start_date=start_date)
    click.echo(for_flags(format_text(itin)))
    if out_dir is not None:
        for path in write_itinerary(itin, out_dir, with_map=not no_map, offline=offline or None):
            click.echo(f"wrote {path}")


COMMANDS = [route_cmd]
