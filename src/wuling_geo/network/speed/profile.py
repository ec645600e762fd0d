"""Speed profiles: the TOML file of class speeds, legal limits and penalty settings.

The shipped profile (``speeds.toml`` of :mod:`wuling_geo.geodata`) derives every value from JTG B01-2014,
CJJ 37-2012 and the Road Traffic Safety Law regulations, or marks it as an assumption; a
user replaces it with ``--profile-file``. This module reads and validates a profile and
parses OSM ``maxspeed`` and ``duration`` values; :mod:`wuling_geo.network.speed.assignment` applies it.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from wuling_geo._util import tomlschema
from wuling_geo._util.errors import InputError

SETTINGS = ("car_rural", "car_urban", "truck_rural", "truck_urban")
_MPH = 1.609344
_KNOT = 1.852
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?$")


@dataclass(frozen=True)
class ClassSpeeds:
    """Speeds (km/h) of one OSM highway class: ``kph[setting]``, ``winding_kph[setting]``."""

    kph: dict[str, float]
    winding_kph: dict[str, float]


@dataclass(frozen=True)
class SpeedProfile:
    """A validated speed profile (see ``data/speeds.toml`` for the meaning of each part)."""

    name: str
    path: Path
    sha256: str
    classes: dict[str, ClassSpeeds]
    zones: dict[str, dict[str, float]]
    lanes_limits: dict[str, dict[str, float]]
    curvature: dict[str, Any]
    grade: dict[str, Any]
    urban: dict[str, Any]
    ferry_kph: float
    junctions: dict[str, float] = field(default_factory=dict)
    turn_costs: dict[str, float] | None = None
    turn_costs_enabled: bool = False

    @property
    def drivable(self) -> frozenset[str]:
        """Return the OSM highway classes this profile can route over."""
        return frozenset(self.classes)

    def describe(self) -> dict[str, Any]:
        """Return what the network metadata records about this profile."""
        return {"name": self.name, "file": str(self.path), "sha256": self.sha256,
                "curvature": bool(self.curvature["enabled"]), "grade": bool(self.grade["enabled"]),
                "junction_delays_s": dict(self.junctions),
                "turn_costs": self.turn_costs if self.turn_costs_enabled else None}


def default_profile_path() -> Path:
    """Return the path of the shipped profile ``speeds.toml``."""
    return Path(str(resources.files("wuling_geo.geodata") / "speeds.toml"))


def load_profile(path: str | Path | None = None) -> SpeedProfile:
    """Read and validate a speed profile.

    Parameters
    ----------
    path
        A TOML file laid out like the shipped ``speeds.toml``; default: the shipped one.

    Returns
    -------
    SpeedProfile

    Raises
    ------
    InputError
        If the file is missing or malformed; the message names the file and the key.
    """
    path = Path(path) if path is not None else default_profile_path()
    if not path.is_file():
        raise InputError(f"speed profile {path} not found: check `speed_file`", param="speed_file")
    raw_bytes = path.read_bytes()
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"speed profile {path} is not valid TOML ({exc})") from None
    try:
        m = ProfileModel.model_validate(data)
    except ValidationError as exc:
        raise _error(path, raw_bytes.decode("utf-8"), exc) from None
    classes = {name: ClassSpeeds({k: getattr(c, k).kph for k in SETTINGS},
                                 {k: getattr(c, k).winding_kph for k in SETTINGS})
               for name, c in m.classes.items()}
    zones = {str(k).lower(): {"car": z.car, "truck": z.truck} for k, z in m.maxspeed_zones.items()}
    lanes = {k: {"urban": v.urban, "rural": v.rural} for k, v in m.lanes_limits.items()}
    curvature = {k: getattr(m.curvature, k).value for k in _CURVATURE} | {
        "enabled": m.curvature.enabled}
    grade = {k: getattr(m.grade, k).value for k in _GRADE} | {"enabled": m.grade.enabled}
    urban = {"city_radius_m": m.urban.city_radius_m.value,
             "town_radius_m": m.urban.town_radius_m.value,
             "landuse": list(m.urban.landuse.values), "landuse_min_km2": m.urban.landuse.min_km2}
    junctions = ({k: getattr(m.junctions, k).value for k in _JUNCTIONS}
                 if m.junctions is not None and m.junctions.enabled else {})
    turn_costs = ({k: getattr(m.turn_costs, k).value for k in _TURN_COSTS}
                  if m.turn_costs is not None else None)
    return SpeedProfile(m.name or path.stem, path, hashlib.sha256(raw_bytes).hexdigest(), classes,
                        zones, lanes, curvature, grade, urban, m.ferry.kph.value, junctions,
                        turn_costs, m.turn_costs is not None and m.turn_costs.enabled)


# ---------------------------------------------------------------- the file's schema
#
# One pydantic model per table, strict (no coercion); keys the models do not name are ignored
# (a profile may carry notes). To add a setting, add it to its model with a type and a default
# and carry it into SpeedProfile in load_profile.


def _positive(value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise ValueError("must be positive")
    return float(value)


def _at_least_zero(value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise ValueError("must be positive")
    return float(value)


def _source(value: str) -> str:
    if not value.strip():
        raise ValueError("needs a 'source' string saying where its value comes from")
    return value


Kph = Annotated[float, AfterValidator(_positive)]
Source = Annotated[str, AfterValidator(_source)]
_LOOSE = ConfigDict(strict=True, extra="ignore", frozen=True)


class _Sourced(BaseModel):
    model_config = _LOOSE
    source: Source


class TruckSpeed(_Sourced):
    """``{ kph = 60, source = "..." }``: a class speed for trucks."""

    kph: Kph

    @property
    def winding_kph(self) -> float:
        """Trucks are not slowed further on winding roads: their ``kph``."""
        return self.kph


class CarSpeed(_Sourced):
    """``{ kph = 80, winding_kph = 60, source = "..." }``: a class speed for cars."""

    kph: Kph
    winding_kph: Kph

    @field_validator("winding_kph")
    @classmethod
    def _not_above_kph(cls, value: float, info: ValidationInfo) -> float:
        if "kph" in info.data and value > info.data["kph"]:
            raise ValueError("must not exceed kph")
        return value


class ClassModel(BaseModel):
    """``[classes.NAME]``: the speeds of one OSM highway class."""

    model_config = _LOOSE
    car_rural: CarSpeed
    car_urban: CarSpeed
    truck_rural: TruckSpeed
    truck_urban: TruckSpeed


class ZoneModel(_Sourced):
    """``"CN:urban" = { car = 50, truck = 50, source = "..." }``."""

    car: Kph
    truck: Kph


class LanesModel(_Sourced):
    """``no_centre_line = { urban = 30, rural = 40, source = "..." }``."""

    urban: Kph
    rural: Kph


class Value(_Sourced):
    """``{ value = 60, source = "..." }``."""

    value: Kph


class CurvatureModel(BaseModel):
    """``[curvature]``."""

    model_config = _LOOSE
    enabled: bool = True
    straight_deg_per_km: Value
    winding_deg_per_km: Value
    min_length_m: Value
    simplify_m: Value

    @field_validator("winding_deg_per_km")
    @classmethod
    def _above_straight(cls, value: Value, info: ValidationInfo) -> Value:
        straight = info.data.get("straight_deg_per_km")
        if straight is not None and value.value <= straight.value:
            raise ValueError("must exceed straight_deg_per_km")
        return value


class GradeModel(BaseModel):
    """``[grade]``."""

    model_config = _LOOSE
    enabled: bool = True
    sample_m: Value
    rolling_resistance: Value
    car_w_per_kg: Value
    truck_w_per_kg: Value


class LanduseModel(_Sourced):
    """``landuse = { values = [...], min_km2 = 0.2, source = "..." }``."""

    values: list[str] = []
    min_km2: Annotated[float, AfterValidator(_at_least_zero)]


class UrbanModel(BaseModel):
    """``[urban]``."""

    model_config = _LOOSE
    city_radius_m: Value
    town_radius_m: Value
    landuse: LanduseModel


class FerryModel(BaseModel):
    """``[ferry]``."""

    model_config = _LOOSE
    kph: Value


class Seconds(_Sourced):
    """``{ value = 2, source = "..." }``: a time in seconds, zero allowed."""

    value: Annotated[float, AfterValidator(_at_least_zero)]


class JunctionsModel(BaseModel):
    """``[junctions]``: delay (s) at each kind of traffic-control node."""

    model_config = _LOOSE
    enabled: bool = True
    traffic_signals: Seconds
    stop: Seconds
    give_way: Seconds
    crossing: Seconds
    level_crossing: Seconds


class TurnCostsModel(BaseModel):
    """``[turn_costs]``: the cost of turning by angle (edge-based searches)."""

    model_config = _LOOSE
    enabled: bool = False
    turn_s: Seconds
    bias: Value
    u_turn_s: Seconds


class ProfileModel(BaseModel):
    """A speed profile file."""

    model_config = _LOOSE
    name: str | None = None
    classes: dict[str, ClassModel]
    maxspeed_zones: dict[str, ZoneModel]
    lanes_limits: dict[str, LanesModel]
    curvature: CurvatureModel
    grade: GradeModel
    urban: UrbanModel
    ferry: FerryModel
    junctions: JunctionsModel | None = None
    turn_costs: TurnCostsModel | None = None

    @field_validator("classes")
    @classmethod
    def _some(cls, value: dict[str, ClassModel]) -> dict[str, ClassModel]:
        if not value:
            raise ValueError("lists no road class")
        return value

    @field_validator("lanes_limits")
    @classmethod
    def _both(cls, value: dict[str, LanesModel]) -> dict[str, LanesModel]:
        for key in ("no_centre_line", "one_lane_each_way"):
            if key not in value:
                raise ValueError(f"has no {key}")
        return value


_CURVATURE = ("straight_deg_per_km", "winding_deg_per_km", "min_length_m", "simplify_m")
_GRADE = ("sample_m", "rolling_resistance", "car_w_per_kg", "truck_w_per_kg")
_JUNCTIONS = ("traffic_signals", "stop", "give_way", "crossing", "level_crossing")
_TURN_COSTS = ("turn_s", "bias", "u_turn_s")


def _error(path: Path, text: str, exc: ValidationError) -> InputError:
    """Return the first error of ``exc`` as one line naming the file, line and key."""
    line, loc, problem = tomlschema.describe(exc, text)
    kind = exc.errors()[0]["type"]
    if loc and loc[-1] == "source" and kind in ("missing", "string_type"):
        loc, problem = loc[:-1], "needs a 'source' string saying where its value comes from"
    elif kind == "missing":
        problem = "is missing"
    elif kind in ("model_type", "dict_type"):
        problem = "is missing or not a table"
    key = ".".join(str(p) for p in loc) or "profile"
    return InputError(f"speed profile {path}:{line}: {key} {problem}; compare with the shipped "
                      f"{default_profile_path()}")


def parse_maxspeed(value: object, zones: dict[str, dict[str, float]] | None = None,
                   vehicle: str = "car") -> float | None:
    """Return the speed limit (km/h) an OSM ``maxspeed`` value sets, or ``None``.

    Parameters
    ----------
    value
        The tag value: ``"60"``, ``"60 km/h"``, ``"40 mph"``, ``"CN:urban"``, ``"60;80"``
        (several limits: the lowest), ``"none"`` (no limit: ``None``), ….
    zones
        Named limits from the profile's ``[maxspeed_zones]`` (keys in lower case).
    vehicle
        ``"car"`` or ``"truck"``: which value of a zone to use.

    Returns
    -------
    float or None
        ``None`` when the value sets no usable limit (missing, ``none``, ``signals``,
        unparseable); the caller falls back to the class speed.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, list | tuple):
        parts = [parse_maxspeed(v, zones, vehicle) for v in value]
        found = [p for p in parts if p is not None]
        return min(found) if found else None
    text = str(value).strip().lower()
    if not text:
        return None
    if ";" in text or "|" in text:
        return parse_maxspeed(re.split(r"[;|]", text), zones, vehicle)
    match = _NUMBER.match(text)
    if match:
        number = float(match.group(1))
        unit = match.group(2)
        if unit == "mph":
            number *= _MPH
        elif unit == "knots":
            number *= _KNOT
        return number if number > 0 else None
    zone = (zones or {}).get(text)
    if zone is not None:
        return zone[vehicle]
    return None


def parse_duration_s(value: object) -> float | None:
    """Return an OSM ``duration`` (``"HH:MM"``, ``"HH:MM:SS"`` or minutes) in seconds."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) == 2:
                seconds = parts[0] * 3600 + parts[1] * 60
            elif len(parts) == 3:
                seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
            else:
                return None
        else:
            seconds = float(text) * 60
    except ValueError:
        return None
    return seconds if seconds > 0 and math.isfinite(seconds) else None
