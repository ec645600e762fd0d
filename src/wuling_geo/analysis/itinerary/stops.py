"""Stops of an itinerary: where they are, how long a visit takes, when they are open.

Dwell-time defaults come from the shipped ``data/planning.toml`` (planning assumptions,
not facts; see that file), opening hours and closing days from the gazetteer's
``[place.visit]`` table.
"""

from __future__ import annotations

import dataclasses
import itertools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias, TypeGuard

from pydantic import AfterValidator, BaseModel, ValidationError

from wuling_geo import settings
from wuling_geo._util import tomlschema
from wuling_geo._util.errors import InputError
from wuling_geo._util.timeparse import WEEKDAYS, parse_duration, parse_window
from wuling_geo._util.tomlschema import STRICT
from wuling_geo.data.gazetteer import CATEGORIES, GRADES, Place, normalise_name
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.places import PlaceLike, Site, as_site

#: What a stop may be given as: a gazetteer name/id, ``"lon,lat"``, a geocoder answer,
#: ``(lon, lat)`` in WGS-84, … (anything :func:`wuling_geo.data.places.as_site` takes).
StopLike: TypeAlias = PlaceLike


@dataclass(frozen=True)
class Stop(Site):
    """A place the itinerary starts, ends, sleeps or calls at: a :class:`Site` plus its schedule.

    ``dwell_s`` is the visit length (s), ``opening`` the opening windows (clock seconds),
    ``closed_days`` the weekdays (0 = Monday) it is closed, ``must`` whether it must be visited.
    """

    dwell_s: int = 0
    opening: tuple[tuple[int, int], ...] = ()
    closed_days: tuple[int, ...] = ()
    must: bool = True

    @property
    def keys(self) -> set[str]:
        """Return the folded names a ``dwell`` mapping may use for this stop."""
        names = {self.query, self.name, self.label}
        if self.place is not None:
            names |= set(self.place.names)
        return {normalise_name(n) for n in names if n}


# ---------------------------------------------------------------- planning defaults

def planning_path() -> Path | None:
    """Return the planning-defaults file set in :data:`settings.planning_file`, if any."""
    return getattr(settings, "planning_file", None)


@lru_cache(maxsize=8)
def _load_planning(path: str | None) -> dict[str, Any]:
    if path is None:
        text = resources.files("wuling_geo.geodata").joinpath("planning.toml").read_text("utf-8")
        where = "wuling_geo/geodata/planning.toml"
    else:
        where = path
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"planning defaults {path}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"planning defaults {where}: TOML syntax: {exc}") from None
    try:
        model = PlanningModel.model_validate(data)
    except ValidationError as exc:
        line, loc, problem = tomlschema.describe(exc, text)
        if exc.errors()[0]["type"] == "extra_forbidden":
            problem = f"is unknown (known: {', '.join(tomlschema.known_fields(PlanningModel, loc))})"
        raise InputError(f"planning defaults {where}:{line}: {tomlschema.field_name(loc)} "
                         f"{problem}") from None
    dwell = model.dwell_minutes
    return {"coordinates": dwell.coordinates, "by_grade": dict(dwell.by_grade),
            "by_category": dict(dwell.by_category)}


def _minutes(value: int) -> int:
    if value < 0:
        raise ValueError("must be a whole number of minutes ≥ 0")
    return value


Minutes = Annotated[int, AfterValidator(_minutes)]


class DwellModel(BaseModel):
    """``[dwell_minutes]``: default visit lengths (minutes) by grade, by category, for ``lon,lat``."""

    model_config = STRICT
    coordinates: Minutes
    by_grade: dict[Literal[GRADES], Minutes] = {}  # type: ignore[valid-type]
    by_category: dict[Literal[CATEGORIES], Minutes] = {}  # type: ignore[valid-type]


class PlanningModel(BaseModel):
    """The planning-defaults file. To add a setting, add a field here with a default."""

    model_config = STRICT
    dwell_minutes: DwellModel


def planning_defaults() -> dict[str, Any]:
    """Return the validated dwell defaults (minutes): ``coordinates``, ``by_grade``, ``by_category``."""
    path = planning_path()
    return _load_planning(None if path is None else str(path))


def default_dwell_minutes(place: Place | None) -> int:
    """Return the default visit length (minutes) of a place, or of a ``lon,lat`` stop."""
    table = planning_defaults()
    if place is None:
        return table["coordinates"]
    if place.visit.dwell_minutes is not None:
        return place.visit.dwell_minutes
    if place.grade in table["by_grade"]:
        return table["by_grade"][place.grade]
    return table["by_category"].get(place.category, table["coordinates"])


# ---------------------------------------------------------------- building stops

def make_stop(item: StopLike, what: str = "stop", must: bool = True,
              geocoder: Geocoder | None = None) -> Stop:
    """Return a :class:`Stop` with default dwell time and the gazetteer's opening hours.

    The place is coerced like every analysis's places (:func:`wuling_geo.data.places.as_site`);
    a ``"lon,lat"`` text must lie in the district.
    """
    site = as_site(item, geocoder, what, require_in_district=True)
    fields = {f.name: getattr(site, f.name) for f in dataclasses.fields(Site)}
    if not site.query and _is_pair(item):
        fields["query"] = f"{float(item[0])},{float(item[1])}"
    place = site.place
    if place is None:
        return Stop(**fields, dwell_s=default_dwell_minutes(None) * 60, must=must)
    opening = tuple(sorted(parse_window(h, f"opening hours of {place.name_zh}")
                           for h in place.visit.opening_hours))
    for (_, hi), (lo, _) in itertools.pairwise(opening):
        if lo < hi:
            raise InputError(f"opening hours of {place.name_zh} overlap "
                             f"({', '.join(place.visit.opening_hours)}): fix the gazetteer")
    closed = tuple(sorted({WEEKDAYS.index(d) for d in place.visit.closed_days}))
    return Stop(**fields, dwell_s=default_dwell_minutes(place) * 60, opening=opening,
                closed_days=closed, must=must)


def _is_pair(item: Any) -> TypeGuard[tuple | list]:
    return (isinstance(item, tuple | list) and len(item) == 2
            and not any(isinstance(v, str) for v in item))


def apply_dwell(stops: list[Stop], dwell: Mapping[str, Any] | None) -> list[Stop]:
    """Return ``stops`` with per-stop visit lengths from ``dwell`` (name/id → minutes or "1h30").

    Raises
    ------
    InputError
        If a key names no stop, or a value is not a duration.
    """
    if not dwell:
        return stops
    out = list(stops)
    for key, value in dwell.items():
        folded = normalise_name(str(key))
        hits = [i for i, s in enumerate(out) if folded in s.keys]
        if not hits:
            names = ", ".join(s.name for s in out)
            raise InputError(f"dwell time given for {key!r}, which is not a stop to visit "
                             f"(stops: {names})")
        seconds = parse_duration(value, f"dwell time for {key}")
        for i in hits:
            out[i] = dataclasses.replace(out[i], dwell_s=seconds)
    return out


def same_place(a: Stop, b: Stop) -> bool:
    """Whether two stops are the same place (same gazetteer id, or the same coordinates)."""
    if a.place is not None and b.place is not None:
        return a.place.id == b.place.id
    return abs(a.lon - b.lon) < 1e-6 and abs(a.lat - b.lat) < 1e-6
