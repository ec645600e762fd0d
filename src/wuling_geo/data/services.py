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

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, ValidationError, field_validator

from wuling_geo import settings
from wuling_geo._util import tomlschema
from wuling_geo._util.errors import InputError, UnknownPlaceError
from wuling_geo._util.tomlschema import STRICT
from wuling_geo.data import datum as _datum
from wuling_geo.data.gazetteer import CONFIDENCES, normalise_name
from wuling_geo.data.geocode.geocoder import Geocoder

MODES = ("rail", "air", "bus", "ferry")
#: What an in-vehicle time is: a typical trip, the fastest run, or one named run.
BASES = ("typical", "fastest", "one_run")
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


# ---------------------------------------------------------------- the file's schema
#
# One pydantic model per table, strict (no coercion) and closed (an unknown key is an error
# naming it). To add a field, add it to the model with a type and a default and carry it
# into the dataclass in _stop or _service. Checks across entries (unknown or duplicate stops,
# a half-given position, a basis without a time) follow the models.


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must be non-empty text")
    return value


def _stop_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError("must be lower-case letters, digits and '-'")
    return value


def _at_least_zero(value: float) -> float:
    if value != value or value < 0:
        raise ValueError(f"must be ≥ 0, not {value}")
    return float(value)


def _hours(value: float) -> float:
    if value != value or value <= 0:
        raise ValueError(f"must be > 0, not {value}")
    if value > 24:
        raise ValueError(f"must be at most 24, not {value:g}")
    return float(value)


def _degrees(limit: float):
    def check(value: float) -> float:
        if not -limit <= value <= limit:
            raise ValueError(f"must be degrees in [-{limit:g}, {limit:g}], not {value!r}")
        return float(value)
    return AfterValidator(check)


Text = Annotated[str, AfterValidator(_non_empty)]
Minutes = Annotated[float, AfterValidator(_at_least_zero)]


class StopModel(BaseModel):
    """``[[stop]]``: a station or airport, by gazetteer place or by ``lon``/``lat``."""

    model_config = STRICT
    id: Annotated[str, AfterValidator(_stop_id)]
    name: Text | None = None
    place: Text | None = None
    lon: Annotated[float, _degrees(180)] | None = None
    lat: Annotated[float, _degrees(90)] | None = None
    datum: Text = "wgs84"
    source: str | None = None
    confidence: Literal[CONFIDENCES] | None = None  # type: ignore[valid-type]
    note: str = ""

    @field_validator("datum")
    @classmethod
    def _datum(cls, value: str) -> str:
        return _datum.parse_datum(value)  # DatumError is a ValueError: its message is kept


class ServiceModel(BaseModel):
    """``[[service]]``: a scheduled leg between two stops (minutes, runs per day)."""

    model_config = STRICT
    id: Text
    name: str | None = None
    mode: Literal[MODES]  # type: ignore[valid-type]
    origin: Text = Field(alias="from")
    destination: Text = Field(alias="to")
    both_ways: bool = False
    in_vehicle_minutes: Minutes | None = None
    in_vehicle_basis: Literal[BASES] | None = None  # type: ignore[valid-type]  # None: typical
    boarding_minutes: Minutes | None = None
    frequency_per_day: Minutes | None = None
    service_hours: Annotated[float, AfterValidator(_hours)] | None = None
    source: str = ""
    confidence: Literal[CONFIDENCES] | None = None  # type: ignore[valid-type]
    note: str = ""


_KEYS = {"origin": "from", "destination": "to"}


def _fail(path: Path, line: int, what: str, key: str, problem: str) -> InputError:
    return InputError(f"{path}:{line}: {what}: field '{key}' {problem}")


def _validate(model: type[BaseModel], raw: object, loc: tuple[str, int], path: Path, text: str,
              lines: dict) -> tuple[BaseModel, str]:
    sid = raw.get("id") if isinstance(raw, dict) else None
    what = f"{loc[0]} {sid!r}" if isinstance(sid, str) and sid.strip() else loc[0]
    try:
        return model.model_validate(raw), what
    except ValidationError as exc:
        at, where, problem = tomlschema.describe(exc, text, loc, lines.get(loc, 1))
        if exc.errors()[0]["type"] == "extra_forbidden":
            known = sorted(_KEYS.get(k, k) for k in tomlschema.known_fields(model, where))
            problem = f"is unknown (known: {', '.join(known)})"
        key = _KEYS.get(tomlschema.field_name(where), tomlschema.field_name(where)) or loc[0]
        raise _fail(path, at, what, key, problem) from None


def _stop(m: StopModel, what: str, line_of, path: Path, geocoder: Geocoder) -> ServiceStop:
    name = m.name if m.name is not None else m.id
    has_xy = [k for k in ("lon", "lat") if getattr(m, k) is not None]
    if m.place is not None and has_xy:
        raise _fail(path, line_of("place"), what, "place", "and lon/lat are both given: keep one")
    if m.place is not None:
        try:
            res = geocoder.resolve_place(geocoder.gazetteer.find(m.place))
        except UnknownPlaceError as exc:
            raise _fail(path, line_of("place"), what, "place",
                        f"names no gazetteer place ({exc})") from None
        return ServiceStop(m.id, name, res.lon, res.lat, f"gazetteer {m.place} ({res.source})",
                    res.input_datum, res.confidence if res.resolved else "")
    if len(has_xy) == 1:
        missing = "lat" if has_xy == ["lon"] else "lon"
        raise _fail(path, line_of(has_xy[0]), what, has_xy[0], f"is given without {missing}")
    if not has_xy:
        return ServiceStop(m.id, name, None, None, "no position")
    wlon, wlat = _datum.convert(float(m.lon), float(m.lat), m.datum, "wgs84")
    source = m.source if m.source is not None else "user-given lon,lat"
    return ServiceStop(m.id, name, wlon, wlat, source, m.datum, m.confidence or "")


def _service(m: ServiceModel, what: str, line_of, path: Path, stops: dict[str, ServiceStop],
             line: int) -> Service:
    for key, stop in (("from", m.origin), ("to", m.destination)):
        if stop not in stops:
            raise _fail(path, line_of(key), what, key, f"names unknown stop {stop!r} "
                        f"(stops: {', '.join(stops) or 'none'})")
    if m.origin == m.destination:
        raise _fail(path, line_of("to"), what, "to", "is the same stop as 'from'")
    if m.in_vehicle_basis is not None and m.in_vehicle_minutes is None:
        raise _fail(path, line_of("in_vehicle_basis"), what, "in_vehicle_basis",
                    "is given without in_vehicle_minutes")
    basis = m.in_vehicle_basis or "typical"
    if m.in_vehicle_minutes is not None and basis == "typical":  # a typical trip needs its other figures
        for key in ("boarding_minutes", "frequency_per_day"):
            if getattr(m, key) is None:
                raise _fail(path, line_of(key), what, key, "is missing (in_vehicle_minutes is "
                            "given; write 0 if there is no allowance)")
    return Service(m.id, m.name if m.name is not None else m.id, m.mode, m.origin, m.destination,
                   m.in_vehicle_minutes, m.boarding_minutes, m.frequency_per_day,
                   m.service_hours, m.both_ways, m.source, line, basis, m.confidence or "")


def _key_line(lines: dict, entry: tuple[str, int], key: str) -> int:
    return tomlschema.line_of(lines, (*entry, key))


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
    lines = tomlschema.key_lines(text)
    geocoder = geocoder or Geocoder()
    stops: dict[str, ServiceStop] = {}
    for i, raw in enumerate(raw_stops):
        model, what = _validate(StopModel, raw, ("stop", i), path, text, lines)
        line_of = functools.partial(_key_line, lines, ("stop", i))
        stop = _stop(model, what, line_of, path, geocoder)
        if stop.id in stops:
            raise _fail(path, line_of("id"), what, "id", "is a duplicate")
        stops[stop.id] = stop
    services: list[Service] = []
    for i, raw in enumerate(raw_services):
        model, what = _validate(ServiceModel, raw, ("service", i), path, text, lines)
        line_of = functools.partial(_key_line, lines, ("service", i))
        service = _service(model, what, line_of, path, stops, lines.get(("service", i), 1))
        if any(s.id == service.id for s in services):
            raise _fail(path, line_of("id"), what, "id", "is a duplicate")
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
        raise InputError(f"services file {path} not found: pass `services_path` FILE",
                         param="services_path") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise InputError(f"cannot read services file {path}: {exc}") from None
    return parse_services(text, path, geocoder)
