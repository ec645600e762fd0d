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
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

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

    @property
    def drivable(self) -> frozenset[str]:
        """Return the OSM highway classes this profile can route over."""
        return frozenset(self.classes)

    def describe(self) -> dict[str, Any]:
        """Return what the network metadata records about this profile."""
        return {"name": self.name, "file": str(self.path), "sha256": self.sha256,
                "curvature": bool(self.curvature["enabled"]), "grade": bool(self.grade["enabled"])}


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
        raise InputError(f"speed profile {path} not found: check --profile-file")
    raw_bytes = path.read_bytes()
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"speed profile {path} is not valid TOML ({exc})") from None
    reader = _Reader(path)
    classes = {name: reader.class_speeds(name, entry)
               for name, entry in reader.table(data, "classes").items()}
    if not classes:
        reader.fail("classes", "lists no road class")
    zones = {str(k).lower(): {"car": reader.kph(v, f"maxspeed_zones.{k}", "car"),
                              "truck": reader.kph(v, f"maxspeed_zones.{k}", "truck")}
             for k, v in reader.table(data, "maxspeed_zones").items()}
    lanes = {k: {"urban": reader.kph(v, f"lanes_limits.{k}", "urban"),
                 "rural": reader.kph(v, f"lanes_limits.{k}", "rural")}
             for k, v in reader.table(data, "lanes_limits").items()}
    for key in ("no_centre_line", "one_lane_each_way"):
        if key not in lanes:
            reader.fail(f"lanes_limits.{key}", "is missing")
    curvature = reader.section(data, "curvature", ("straight_deg_per_km", "winding_deg_per_km",
                                                   "min_length_m", "simplify_m"))
    if curvature["winding_deg_per_km"] <= curvature["straight_deg_per_km"]:
        reader.fail("curvature.winding_deg_per_km", "must exceed straight_deg_per_km")
    grade = reader.section(data, "grade", ("sample_m", "rolling_resistance", "car_w_per_kg",
                                           "truck_w_per_kg"))
    urban = reader.section(data, "urban", ("city_radius_m", "town_radius_m"), flag=False)
    landuse = reader.table(data["urban"], "landuse", "urban.")
    reader.source(landuse, "urban.landuse")
    urban["landuse"] = [str(v) for v in landuse.get("values", [])]
    urban["landuse_min_km2"] = reader.number(landuse, "urban.landuse", "min_km2", positive=False)
    ferry = reader.table(data, "ferry")
    ferry_kph = reader.value(ferry, "ferry.kph")
    return SpeedProfile(str(data.get("name", path.stem)), path,
                        hashlib.sha256(raw_bytes).hexdigest(), classes, zones, lanes, curvature,
                        grade, urban, ferry_kph)


class _Reader:
    """Validation helpers whose errors name the profile file and the offending key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> NoReturn:
        msg = (f"speed profile {self.path}: {key} {problem}; compare with the shipped "
               f"{default_profile_path()}")
        raise InputError(msg)

    def table(self, data: dict, key: str, prefix: str = "") -> dict:
        value = data.get(key)
        if not isinstance(value, dict):
            self.fail(prefix + key, "is missing or not a table")
        return value

    def source(self, entry: dict, key: str) -> None:
        if not isinstance(entry.get("source"), str) or not entry["source"].strip():
            self.fail(key, "needs a 'source' string saying where its value comes from")

    def number(self, entry: dict, key: str, field: str, positive: bool = True) -> float:
        value = entry.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(f"{key}.{field}", "must be a number")
        if value < 0 or (positive and value == 0):
            self.fail(f"{key}.{field}", "must be positive")
        return float(value)

    def kph(self, entry: Any, key: str, field: str) -> float:
        if not isinstance(entry, dict):
            self.fail(key, "must be a table like { kph = 60, source = \"...\" }")
        self.source(entry, key)
        return self.number(entry, key, field)

    def value(self, section: dict, key: str) -> float:
        entry = section.get(key.rsplit(".", 1)[-1])
        if not isinstance(entry, dict):
            self.fail(key, "must be a table like { value = 1, source = \"...\" }")
        self.source(entry, key)
        return self.number(entry, key, "value")

    def section(self, data: dict, name: str, keys: tuple[str, ...], flag: bool = True) -> dict:
        table = self.table(data, name)
        out: dict[str, Any] = {k: self.value(table, f"{name}.{k}") for k in keys}
        if flag:
            enabled = table.get("enabled", True)
            if not isinstance(enabled, bool):
                self.fail(f"{name}.enabled", "must be true or false")
            out["enabled"] = enabled
        return out

    def class_speeds(self, name: str, entry: Any) -> ClassSpeeds:
        if not isinstance(entry, dict):
            self.fail(f"classes.{name}", "is not a table")
        kph, winding = {}, {}
        for setting in SETTINGS:
            key = f"classes.{name}.{setting}"
            kph[setting] = self.kph(entry.get(setting), key, "kph")
            if setting.startswith("car"):
                winding[setting] = self.number(entry[setting], key, "winding_kph")
                if winding[setting] > kph[setting]:
                    self.fail(f"{key}.winding_kph", "must not exceed kph")
            else:
                winding[setting] = kph[setting]
        return ClassSpeeds(kph, winding)


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
