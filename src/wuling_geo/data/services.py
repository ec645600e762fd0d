"""The scheduled-services file (``geodata/services.toml``): stops and rail/air legs.

Stops name a gazetteer place (``place = "qianjiang-station"``) or give ``lon``/``lat`` (with
``datum``); a stop with neither is unresolved. A service runs between two stops with an
in-vehicle time, a boarding/transfer allowance and a frequency. Only sourced figures are
shipped: a service without an in-vehicle time is kept but skipped, with a message saying
what to fill in. ``in_vehicle_basis`` says what the in-vehicle time is: ``typical`` (the
default), ``fastest`` (the fastest train or flight) or ``one_run`` (one named run); a
``fastest`` or ``one_run`` service may leave its boarding allowance and frequency out, and is
then a best case with no wait, said in the table's notes. Malformed values (negative, not
numbers, unknown stops) are errors naming the file and line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from wuling_geo import settings
from wuling_geo._util.errors import InputError, UnknownPlaceError
from wuling_geo.data import datum as _datum
from wuling_geo.data.gazetteer import CONFIDENCES, normalise_name
from wuling_geo.data.geocode.geocoder import Geocoder

MODES = ("rail", "air", "bus", "ferry")
#: What an in-vehicle time is: a typical trip, the fastest run, or one named run.
BASES = ("typical", "fastest", "one_run")
_STOP_KEYS = {"id", "name", "place", "lon", "lat", "datum", "source", "confidence", "note"}
_SERVICE_KEYS = {"id", "name", "mode", "from", "to", "both_ways", "in_vehicle_minutes",
                 "in_vehicle_basis", "boarding_minutes", "frequency_per_day", "service_hours",
                 "source", "confidence", "note"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class ServiceStop:
    """A station or airport a service calls at; ``lon``/``lat`` are WGS-84, ``None`` when unresolved.

    ``input_datum`` is the datum its coordinates were given in; ``confidence`` as stated.
    """

    id: str
    name: str
    lon: float | None
    lat: float | None
    source: str = ""
    input_datum: str = "wgs84"
    confidence: str = ""

    @property
    def resolved(self) -> bool:
        """Whether the stop has a position."""
        return self.lon is not None


@dataclass(frozen=True)
class Service:
    """A scheduled leg from stop ``origin`` to stop ``destination`` (minutes, per day).

    ``in_vehicle_basis`` is one of :data:`BASES`: a ``fastest`` or ``one_run`` time is a best
    case, not a typical trip.
    """

    id: str
    name: str
    mode: str
    origin: str
    destination: str
    in_vehicle_minutes: float | None
    boarding_minutes: float | None
    frequency_per_day: float | None
    service_hours: float | None = None
    both_ways: bool = False
    source: str = ""
    line: int = 0
    in_vehicle_basis: str = "typical"
    confidence: str = ""

    @property
    def wait_minutes(self) -> float:
        """Boarding allowance plus, when ``service_hours`` is given, half the headway."""
        wait = self.boarding_minutes or 0.0
        if self.service_hours and self.frequency_per_day:
            wait += self.service_hours * 60 / self.frequency_per_day / 2
        return wait


@dataclass
class ServiceTable:
    """Stops and services read from a file; ``notes`` say what was skipped and why."""

    stops: dict[str, ServiceStop]
    services: list[Service]
    notes: list[str] = field(default_factory=list)
    path: Path | None = None

    def usable(self) -> list[Service]:
        """Return the services that run, have an in-vehicle time and resolved stops."""
        return [s for s in self.services if self.skip_reason(s) is None]

    def skip_reason(self, service: Service) -> str | None:
        """Return why ``service`` cannot be used, or ``None`` if it can."""
        if service.in_vehicle_minutes is None:
            return ("has no in-vehicle time (no sourced figure): fill in in_vehicle_minutes, "
                    "boarding_minutes and frequency_per_day to use it")
        if service.frequency_per_day == 0:
            return "does not run (frequency_per_day = 0)"
        for stop_id in (service.origin, service.destination):
            if not self.stops[stop_id].resolved:
                return (f"stop {stop_id!r} has no position: give its lon and lat "
                        "(or place = a gazetteer id)")
        return None

    def find(self, query: str) -> ServiceStop | None:
        """Return the stop whose id or name is ``query`` (folded), or ``None``."""
        key = normalise_name(query)
        for stop in self.stops.values():
            if key in (normalise_name(stop.id), normalise_name(stop.name)):
                return stop
        return None

    def legs(self) -> list[tuple[Service, str, str]]:
        """Return (service, from stop, to stop) for every usable direction of travel."""
        out = []
        for s in self.usable():
            out.append((s, s.origin, s.destination))
            if s.both_ways:
                out.append((s, s.destination, s.origin))
        return out


def _header_lines(text: str, table: str) -> list[int]:
    return [i + 1 for i, line in enumerate(text.splitlines())
            if line.strip().startswith(f"[[{table}]]")]


def _field_line(text: str, start: int, key: str) -> int:
    lines = text.splitlines()
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i in range(start, len(lines)):
        if lines[i].strip().startswith("[["):
            break
        if pattern.match(lines[i]):
            return i + 1
    return start


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, line: int, what: str, key: str, problem: str) -> InputError:
        return InputError(f"{self.path}:{_field_line(self.text, line, key)}: {what}: "
                          f"field '{key}' {problem}")

    def text_field(self, raw: dict, line: int, what: str, key: str, default: str | None = None
                   ) -> str:
        if key not in raw:
            if default is not None:
                return default
            raise self.fail(line, what, key, "is missing")
        value = raw[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(line, what, key, "must be non-empty text")
        return value

    def number(self, raw: dict, line: int, what: str, key: str, positive: bool = False
               ) -> float | None:
        if key not in raw:
            return None
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise self.fail(line, what, key, f"must be a number, not {value!r}")
        if value < 0 or (positive and value == 0):
            bound = "> 0" if positive else "≥ 0"
            raise self.fail(line, what, key, f"must be {bound}, not {value}")
        return float(value)


def _stop(raw: dict, line: int, r: _Reader, geocoder: Geocoder) -> ServiceStop:
    sid = r.text_field(raw, line, "stop", "id")
    what = f"stop {sid!r}"
    unknown = sorted(set(raw) - _STOP_KEYS)
    if unknown:
        raise r.fail(line, what, unknown[0], f"is unknown (known: {', '.join(sorted(_STOP_KEYS))})")
    if not _ID_RE.match(sid):
        raise r.fail(line, what, "id", "must be lower-case letters, digits and '-'")
    name = r.text_field(raw, line, what, "name", default=sid)
    has_xy = [k for k in ("lon", "lat") if k in raw]
    if "place" in raw and has_xy:
        raise r.fail(line, what, "place", "and lon/lat are both given: keep one")
    if "place" in raw:
        query = r.text_field(raw, line, what, "place")
        try:
            res = geocoder.resolve_place(geocoder.gazetteer.find(query))
        except UnknownPlaceError as exc:
            raise r.fail(line, what, "place", f"names no gazetteer place ({exc})") from None
        return ServiceStop(sid, name, res.lon, res.lat, f"gazetteer {query} ({res.source})",
                    res.input_datum, res.confidence if res.resolved else "")
    if len(has_xy) == 1:
        missing = "lat" if has_xy == ["lon"] else "lon"
        raise r.fail(line, what, has_xy[0], f"is given without {missing}")
    if not has_xy:
        return ServiceStop(sid, name, None, None, "no position")
    lon, lat = raw["lon"], raw["lat"]
    for key, value, lim in (("lon", lon, 180), ("lat", lat, 90)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not -lim <= value <= lim:
            raise r.fail(line, what, key, f"must be degrees in [-{lim}, {lim}], not {value!r}")
    try:
        src = _datum.parse_datum(r.text_field(raw, line, what, "datum", default="wgs84"))
    except ValueError as exc:
        raise r.fail(line, what, "datum", str(exc)) from None
    wlon, wlat = _datum.convert(float(lon), float(lat), src, "wgs84")
    return ServiceStop(sid, name, wlon, wlat, str(raw.get("source", "user-given lon,lat")), src,
                _confidence(raw, line, r, what))


def _confidence(raw: dict, line: int, r: _Reader, what: str) -> str:
    value = r.text_field(raw, line, what, "confidence", default="")
    if value and value not in CONFIDENCES:
        raise r.fail(line, what, "confidence", f"{value!r} is not one of {', '.join(CONFIDENCES)}")
    return value


def _service(raw: dict, line: int, r: _Reader, stops: dict[str, ServiceStop]) -> Service:
    sid = r.text_field(raw, line, "service", "id")
    what = f"service {sid!r}"
    unknown = sorted(set(raw) - _SERVICE_KEYS)
    if unknown:
        raise r.fail(line, what, unknown[0],
                     f"is unknown (known: {', '.join(sorted(_SERVICE_KEYS))})")
    mode = r.text_field(raw, line, what, "mode")
    if mode not in MODES:
        raise r.fail(line, what, "mode", f"{mode!r} is not one of {', '.join(MODES)}")
    ends = []
    for key in ("from", "to"):
        stop = r.text_field(raw, line, what, key)
        if stop not in stops:
            raise r.fail(line, what, key, f"names unknown stop {stop!r} "
                         f"(stops: {', '.join(stops) or 'none'})")
        ends.append(stop)
    if ends[0] == ends[1]:
        raise r.fail(line, what, "to", "is the same stop as 'from'")
    both = raw.get("both_ways", False)
    if not isinstance(both, bool):
        raise r.fail(line, what, "both_ways", "must be true or false")
    in_vehicle = r.number(raw, line, what, "in_vehicle_minutes")
    boarding = r.number(raw, line, what, "boarding_minutes")
    frequency = r.number(raw, line, what, "frequency_per_day")
    hours = r.number(raw, line, what, "service_hours", positive=True)
    if hours is not None and hours > 24:
        raise r.fail(line, what, "service_hours", f"must be at most 24, not {hours:g}")
    basis = r.text_field(raw, line, what, "in_vehicle_basis", default="typical")
    if basis not in BASES:
        raise r.fail(line, what, "in_vehicle_basis", f"{basis!r} is not one of {', '.join(BASES)}")
    if "in_vehicle_basis" in raw and in_vehicle is None:
        raise r.fail(line, what, "in_vehicle_basis", "is given without in_vehicle_minutes")
    if in_vehicle is not None and basis == "typical":  # a typical trip needs its other figures
        for key, value in (("boarding_minutes", boarding), ("frequency_per_day", frequency)):
            if value is None:
                raise r.fail(line, what, key, "is missing (in_vehicle_minutes is given; "
                             "write 0 if there is no allowance)")
    return Service(sid, str(raw.get("name", sid)), mode, ends[0], ends[1], in_vehicle, boarding,
                   frequency, hours, both, str(raw.get("source", "")), line, basis,
                   _confidence(raw, line, r, what))


def parse_services(text: str, path: Path | str = "<services>",
                   geocoder: Geocoder | None = None) -> ServiceTable:
    """Parse and validate services TOML text.

    Raises
    ------
    InputError
        Naming the file, line and field of the first problem (unknown stop, negative or
        missing figure, unknown field, bad coordinates).
    """
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: TOML syntax: {' '.join(str(exc).split())}") from None
    unknown = sorted(set(data) - {"stop", "service"})
    if unknown:
        raise InputError(f"{path}:1: unknown table {unknown[0]!r}: use [[stop]] and [[service]]")
    raw_stops, raw_services = data.get("stop", []), data.get("service", [])
    if not isinstance(raw_stops, list) or not isinstance(raw_services, list):
        raise InputError(f"{path}:1: write stops as [[stop]] and services as [[service]]")
    r = _Reader(path, text)
    geocoder = geocoder or Geocoder()
    stops: dict[str, ServiceStop] = {}
    for raw, line in zip(raw_stops, _header_lines(text, "stop"), strict=False):
        stop = _stop(raw, line, r, geocoder)
        if stop.id in stops:
            raise r.fail(line, f"stop {stop.id!r}", "id", "is a duplicate")
        stops[stop.id] = stop
    services: list[Service] = []
    for raw, line in zip(raw_services, _header_lines(text, "service"), strict=False):
        service = _service(raw, line, r, stops)
        if any(s.id == service.id for s in services):
            raise r.fail(line, f"service {service.id!r}", "id", "is a duplicate")
        services.append(service)
    table = ServiceTable(stops, services, [], path)
    for s in services:
        reason = table.skip_reason(s)
        way = "" if s.both_ways else ", this direction only"
        known = ("" if s.in_vehicle_minutes is None else
                 f" (known: {s.in_vehicle_minutes:g} min on board from {stops[s.origin].name} to "
                 f"{stops[s.destination].name}{way}, {_BASIS_TEXT[s.in_vehicle_basis]})")
        if reason is not None:
            table.notes.append(f"service {s.id} ({s.name}) skipped: {reason}{known} in {path}")
        elif s.in_vehicle_basis != "typical":
            unknown = [k for k, v in (("boarding allowance", s.boarding_minutes),
                                      ("frequency", s.frequency_per_day)) if v is None]
            wait = (f"; no {' or '.join(unknown)} is given, so its wait is taken as "
                    f"{s.wait_minutes:g} min" if unknown else "")
            table.notes.append(f"service {s.id} ({s.name}) is a best case: "
                               f"{s.in_vehicle_minutes:g} min on board is "
                               f"{_BASIS_TEXT[s.in_vehicle_basis]}{wait}")
    return table


_BASIS_TEXT = {"typical": "a typical trip", "fastest": "the fastest run, not a typical trip",
               "one_run": "one run's time, not known to be typical"}


def load_services(path: str | Path | None = None, geocoder: Geocoder | None = None
                  ) -> ServiceTable:
    """Load a services file (default :func:`wuling_geo.settings.services_path`).

    Raises
    ------
    InputError
        If the file is missing, not UTF-8 or malformed.
    """
    path = Path(path) if path is not None else settings.services_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"services file {path} not found: pass --services FILE") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise InputError(f"cannot read services file {path}: {exc}") from None
    return parse_services(text, path, geocoder)
