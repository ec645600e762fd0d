"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import shapely
from shapely.geometry.base import BaseGeometry

from wuling_geo import settings
from wuling_geo._util.errors import InputError
from wuling_geo._util.files import check_cache
from wuling_geo.data.boundary import district_with_margin
from wuling_geo.data.gazetteer import load_gazetteer
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.network.storage import read_meta


class Finite(click.FloatRange):
    """A float option: a finite number (never ``nan`` or ``inf``) within optional bounds.

    click's ``FLOAT`` accepts ``nan`` and ``inf``, which pass every range check (``nan``
    compares false both ways); every float option of the command line uses this type instead.

    Parameters
    ----------
    min, max
        Bounds, or ``None`` for none.
    min_open, max_open
        Whether a bound itself is excluded.
    """

    name = "number"

    def __init__(self, min: float | None = None, max: float | None = None,
                 min_open: bool = False, max_open: bool = False) -> None:
        super().__init__(min, max, min_open, max_open, clamp=False)

    def convert(self, value, param, ctx):
        """Return ``value`` as a finite float in range; fail with a one-line message."""
        if isinstance(value, str):
            value = value.strip()
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number: give a plain number such as 2.5",
                      param, ctx)
        return super().convert(number, param, ctx)

    def _describe_range(self) -> str:
        if self.min is not None and self.max is None:
            return f"x{'>' if self.min_open else '>='}{self.min:g}"
        if self.max is not None and self.min is None:
            return f"x{'<' if self.max_open else '<='}{self.max:g}"
        if self.min is None:
            return "any finite number"
        lt, gt = ("<" if self.min_open else "<="), ("<" if self.max_open else "<=")
        return f"{self.min:g}{lt}x{gt}{self.max:g}"

    def get_metavar(self, param, ctx=None) -> str:
        """Show the range in --help (e.g. ``FLOAT 0<x<=5000``)."""
        return f"FLOAT {self._describe_range()}" if (self.min, self.max) != (None, None) else "FLOAT"


datum_option = click.option(
    "--datum", default="wgs84", show_default=True, metavar="wgs84|gcj02|bd09",
    help="Datum of LON,LAT places (Amap/Tencent: gcj02, Baidu: bd09).")
online_option = click.option(
    "--online", is_flag=True, help="Ask Nominatim for places the offline steps leave unresolved.")
provider_option = click.option(
    "--provider", type=click.Choice(["tianditu", "amap", "baidu", "nominatim"],
                                    case_sensitive=False), default=None,
    help="Online provider for places the offline steps leave unresolved (Tianditu, Amap and "
         "Baidu need a key: WULING_GEO_<NAME>_KEY or [keys] in the user config file).")
osm_option = click.option(
    "--osm", "osm_file", type=click.Path(dir_okay=False), default=None,
    help="OSM file (.osm, .osm.bz2, .osm.pbf) or cached features to match place names against.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


#: The truck's dimensions: flag, setting, largest value, unit, what it is checked against.
TRUCK_FLAGS = (("--truck-height", "truck_height_m", 10.0, "m", "maxheight of roads and barriers"),
               ("--truck-width", "truck_width_m", 10.0, "m", "maxwidth of roads and barriers"),
               ("--truck-length", "truck_length_m", 50.0, "m", "maxlength of roads"),
               ("--truck-weight", "truck_weight_t", 200.0, "t", "maxweight of roads"))


def truck_options(func: Callable) -> Callable:
    """Add ``--truck-height/--truck-width/--truck-length/--truck-weight`` to a command.

    The command runs with the given figures as the settings ``truck_*`` (the truck profile's
    vehicle, :mod:`wuling_geo.network.truck_limits`); the settings are restored afterwards.
    """
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {setting: kwargs.pop(setting) for _, setting, *_ in TRUCK_FLAGS}
        saved = {name: getattr(settings.options, name) for name in given}
        try:
            for name, value in given.items():
                if value is not None:
                    settings.set_option(name, value)
            return func(*args, **kwargs)
        finally:
            for name, value in saved.items():
                settings.set_option(name, value)

    for flag, setting, high, unit, what in reversed(TRUCK_FLAGS):
        default = settings.Options.model_fields[setting].default
        wrapper = click.option(
            flag, setting, type=Finite(0, high, min_open=True), default=None, metavar=unit.upper(),
            help=f"Truck profile: the vehicle's {flag.removeprefix('--truck-')} ({unit}), "
                 f"checked against the {what} [default: {default:g}, GB 1589-2016; setting "
                 f"{setting}].")(wrapper)
    return wrapper


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


def make_geocoder(ctx: click.Context, online: bool = False, osm_file: str | None = None,
                  network_dir: str | None = None, provider: str | None = None) -> Geocoder:
    """Build a geocoder from the global --gazetteer and the command's options.

    Without ``osm_file`` it matches the named features stored with the network in use
    (``network_dir``, default the cached network). ``online`` (or a ``provider``) first checks
    that the cache, where online answers are kept, is writable.
    """
    if online or provider:
        check_cache()
    gazetteer_path = (ctx.find_root().obj or {}).get("gazetteer")
    folder = resolve_network_dir(network_dir)
    return Geocoder(load_gazetteer(gazetteer_path), features=osm_file, online=online,
                    network=folder, provider=provider, area=network_area(folder))


def network_area(folder: Path) -> tuple[BaseGeometry, str] | None:
    """Return ``(box, name)`` of a network of somewhere else than the district, else ``None``.

    A network imported from an extract elsewhere (its ``meta.json`` area does not meet the
    district) takes places inside its own bounds, and messages name its source.
    """
    meta = read_meta(folder) or {}
    bounds = (meta.get("area") or {}).get("bounds")
    if not (isinstance(bounds, list) and len(bounds) == 4):
        return None
    box = shapely.box(*bounds)
    if box.intersects(district_with_margin()):
        return None
    return box, f"the area of the network ({meta.get('source') or folder})"


def echo_json(data) -> None:
    """Print ``data`` as indented UTF-8 JSON."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def info(message: str) -> None:
    """Print an informational line on stderr unless --quiet."""
    if not settings.quiet:
        click.echo(message, err=True)


def _is_flag(token: str) -> bool:
    """Whether a token is an option name (``-x``/``--xy``), not a value such as ``-3.5``."""
    return token.startswith("-") and len(token) > 1 and not token[1].isdigit() and token != "--"


class _SeveralValues(click.Command):
    """A command whose options in ``several`` take one or more values after one flag.

    ``--from A B --minutes 15 30`` is rewritten to ``--from A --from B --minutes 15
    --minutes 30`` before click parses it (the options are declared ``multiple=True``).
    """

    several: tuple[str, ...] = ()

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        out: list[str] = []
        current = None
        for token in [*args, None]:
            if current is not None and out[-1] == current and (
                    token is None or _is_flag(token) or token == "--"):
                raise InputError(f"{current} needs at least one value after it")
            if token is None:
                break
            if token in self.several:
                current = token
                out.append(token)
                continue
            if _is_flag(token) or token == "--":
                current = None
            elif current is not None and out[-1] != current:
                out.append(current)
            out.append(token)
        return super().parse_args(ctx, out)


def several_values(*options: str) -> type[click.Command]:
    """Return a command class whose ``options`` take several values after one flag."""
    return type("SeveralValuesCommand", (_SeveralValues,), {"several": options})
