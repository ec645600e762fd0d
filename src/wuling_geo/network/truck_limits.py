"""What a truck may not drive: OSM size, weight and access limits against the vehicle's own.

Ways carry ``maxheight``, ``maxwidth``, ``maxlength`` (metres) and ``maxweight`` (tonnes) and
an ``hgv`` access tag; the network stores them per edge as numbers (``NaN``: no limit) and
``truck_allowed``. The truck profile's :class:`Vehicle` (its dimensions, from
:mod:`wuling_geo.settings`) may not enter an edge whose limit is below its own figure (a
limit equal to it is passed: the sign gives the largest vehicle allowed), nor one closed to
heavy goods vehicles. :mod:`wuling_geo.network.turns` applies this to every search.

Parsing follows the OSM wiki's keys ``maxheight``/``maxwidth``/``maxlength``/``maxweight``:
metres by default (``3.5``, ``3.5 m``, ``350 cm``, feet and inches ``12'6"``, ``12 ft 6 in``),
tonnes by default (``7.5``, ``7.5 t``, ``7500 kg``, short tons ``st``, pounds ``lbs``).
``none``, ``default``, ``unsigned`` and ``no`` mean no known limit. Anything else (a negative
or zero figure, ``below_default``, text) is unreadable: counted for the import's notes and
treated as no limit. A value listing several limits (``3.5;4``, or ways merged by Overpass)
sets the lowest. ``maxheight:physical``/``maxwidth:physical`` stand in where the legal key
is absent.

Access: the most specific of ``hgv``, ``goods``, ``motor_vehicle``, ``vehicle``, ``access``
decides (``goods`` is the light goods vehicle in the OSM wiki, but a sign closing a road to
goods vehicles closes it to heavier ones too, and :mod:`wuling_geo.network.restrictions`
already lets ``except=goods`` exempt the truck); the closed values are the importer's.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wuling_geo import settings

#: Edge columns of the limits, metres or tonnes (NaN: none).
LIMIT_COLUMNS = ("maxheight", "maxwidth", "maxlength", "maxweight")
#: Access keys deciding whether a truck may use a way, most specific first.
TRUCK_ACCESS_KEYS = ("hgv", "goods", "motor_vehicle", "vehicle", "access")
#: Access values closing a way (as :data:`wuling_geo.network.sources.osm_file.CLOSED_ACCESS`).
CLOSED_ACCESS = frozenset({"no", "private", "agricultural", "forestry", "emergency",
                           "military", "restricted"})
#: Values meaning "no known limit".
NO_LIMIT = frozenset({"none", "default", "unsigned", "no", ""})
#: The settings holding the truck's height, width, length (m) and weight (t), in that order.
TRUCK_SETTINGS = ("truck_height_m", "truck_width_m", "truck_length_m", "truck_weight_t")
#: Why an edge is closed to the vehicle (bits of :func:`closed_reasons`).
HEIGHT, WIDTH, LENGTH, WEIGHT, ACCESS = 1, 2, 4, 8, 16
#: Reason bit -> (limit name, setting the user may change, vehicle attribute, unit).
REASONS = {HEIGHT: ("maxheight", "truck_height_m", "height_m", "m"),
           WIDTH: ("maxwidth", "truck_width_m", "width_m", "m"),
           LENGTH: ("maxlength", "truck_length_m", "length_m", "m"),
           WEIGHT: ("maxweight", "truck_weight_t", "weight_t", "t")}
#: Plausible limits; a figure outside is unreadable (a typo, or millimetres).
_RANGE = {"m": (0.0, 100.0), "t": (0.0, 1000.0)}

_NUM = r"(\d+(?:\.\d*)?|\.\d+)"
_METRES = re.compile(rf"^{_NUM}\s*(m|metres?|meters?|cm|ft|feet|'|in|inch(?:es)?|\")?$")
_FEET_INCHES = re.compile(rf"^{_NUM}\s*(?:'|ft|feet)\s*{_NUM}\s*(?:\"|''|in|inch(?:es)?)?$")
_TONNES = re.compile(rf"^{_NUM}\s*(t|tonnes?|tons?|kg|st|lbs?)?$")
_TO_METRES = {None: 1.0, "m": 1.0, "metre": 1.0, "metres": 1.0, "meter": 1.0, "meters": 1.0,
              "cm": 0.01, "ft": 0.3048, "feet": 0.3048, "'": 0.3048, "in": 0.0254,
              "inch": 0.0254, "inches": 0.0254, '"': 0.0254}
_TO_TONNES = {None: 1.0, "t": 1.0, "tonne": 1.0, "tonnes": 1.0, "ton": 1.0, "tons": 1.0,
              "kg": 0.001, "st": 0.90718474, "lb": 0.00045359237, "lbs": 0.00045359237}


@dataclass(frozen=True)
class Vehicle:
    """A truck's dimensions: height, width, length (m) and gross weight (t).

    The defaults are the settings' (:data:`wuling_geo.settings` ``truck_*``): a three-axle
    rigid truck at the GB 1589-2016 limits.
    """

    height_m: float
    width_m: float
    length_m: float
    weight_t: float

    @classmethod
    def from_settings(cls) -> Vehicle:
        """Return the vehicle the settings describe now."""
        return cls(*(float(getattr(settings, name)) for name in TRUCK_SETTINGS))

    def describe(self, bits: int = HEIGHT | WIDTH | LENGTH | WEIGHT) -> str:
        """Return e.g. ``"4.5 m high"`` for the figures named by ``bits`` (``""``: none)."""
        words = {HEIGHT: f"{self.height_m:g} m high", WIDTH: f"{self.width_m:g} m wide",
                 LENGTH: f"{self.length_m:g} m long", WEIGHT: f"{self.weight_t:g} t"}
        return ", ".join(w for b, w in words.items() if bits & b)


def vehicle_for(profile: str) -> Vehicle | None:
    """Return the :class:`Vehicle` whose limits apply to ``profile`` (``None``: the car)."""
    return Vehicle.from_settings() if profile == "truck" else None


# ------------------------------------------------------------------ parsing

def _parse(text: object, pattern: re.Pattern[str], units: dict, kind: str) -> float | None:
    """Return the lowest limit a value sets, NaN for none, ``None`` if unreadable."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return math.nan
    value = str(text).strip().lower().replace(",", ".")
    parts = [p.strip() for p in re.split(r"[;|]", value)]
    found: list[float] = []
    for part in parts:
        if part in NO_LIMIT:
            continue
        got = None
        if kind == "m" and (fi := _FEET_INCHES.match(part)):
            got = float(fi.group(1)) * 0.3048 + float(fi.group(2)) * 0.0254
        elif match := pattern.match(part):
            got = float(match.group(1)) * units[match.group(2)]
        low, high = _RANGE[kind]
        if got is None or not low < got <= high:
            return None
        found.append(got)
    return min(found) if found else math.nan


def parse_metres(text: object) -> float | None:
    r"""Return the limit (m) an OSM ``maxheight``/``maxwidth``/``maxlength`` value sets.

    NaN when it sets none (absent, ``none``, ``default``); ``None`` when it is unreadable
    (see the module docstring).

    Examples
    --------
    >>> parse_metres("3.5"), parse_metres("4.2 m"), round(parse_metres("12'6\""), 4)
    (3.5, 4.2, 3.81)
    >>> parse_metres("none"), parse_metres("below_default"), parse_metres("-1")
    (nan, None, None)
    """
    return _parse(text, _METRES, _TO_METRES, "m")


def parse_tonnes(text: object) -> float | None:
    """Return the limit (t) an OSM ``maxweight`` value sets (NaN: none; ``None``: unreadable).

    Examples
    --------
    >>> parse_tonnes("7.5"), parse_tonnes("3.5 t"), parse_tonnes("3500 kg")
    (7.5, 3.5, 3.5)
    """
    return _parse(text, _TONNES, _TO_TONNES, "t")


def truck_access(tags: Mapping[str, str]) -> str | None:
    """Return the value of the most specific truck access tag a way has (``None``: none)."""
    for key in TRUCK_ACCESS_KEYS:
        value = tags.get(key)
        if value is not None:
            return value
    return None


def access_closed(value: object) -> bool:
    """Whether an access value (``"no"``, ``"yes;no"``) closes the way."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return any(v.strip() in CLOSED_ACCESS for v in str(value).split(";"))


def limit_columns(edges: pd.DataFrame) -> tuple[pd.DataFrame, Counter]:
    """Turn the text limit columns of ``edges`` into numbers and ``truck_access`` into a flag.

    Columns missing (e.g. a road layer) become no limit and open access. Returns the edges
    (changed in place) and a count of unreadable values per key (ways, when the edges have
    a ``way_id``; else edges).
    """
    bad: Counter = Counter()
    n = len(edges)
    for column in LIMIT_COLUMNS:
        if column not in edges:
            edges[column] = np.full(n, np.nan)
            continue
        parse = parse_tonnes if column == "maxweight" else parse_metres
        raw = edges[column]
        if raw.dtype.kind == "f":  # already numbers (a network built before)
            continue
        codes, uniques = pd.factorize(raw.astype(object), use_na_sentinel=True)
        parsed = np.array([parse(u) for u in uniques], dtype=object)
        unreadable = np.array([p is None for p in parsed], dtype=bool)
        values = np.array([np.nan if p is None else p for p in parsed], dtype=float)
        out = np.where(codes >= 0, values[np.maximum(codes, 0)] if len(values) else np.nan,
                       np.nan)
        rows = np.flatnonzero(codes >= 0)
        rows = rows[unreadable[codes[rows]]] if len(unreadable) else rows[:0]
        count = (int(edges["way_id"].iloc[rows].nunique()) if "way_id" in edges
                 else len(rows))  # ways, not directed edges
        if count:
            bad[column] = count
        edges[column] = out
    if "truck_allowed" not in edges:
        access = edges["truck_access"] if "truck_access" in edges else pd.Series([None] * n)
        codes, uniques = pd.factorize(access.astype(object), use_na_sentinel=True)
        closed = np.array([access_closed(u) for u in uniques], dtype=bool)
        edges["truck_allowed"] = ~np.where(codes >= 0, closed[np.maximum(codes, 0)]
                                           if len(closed) else False, False)
    if "truck_access" in edges:
        del edges["truck_access"]
    return edges, bad


# ------------------------------------------------------------------ applying them

def closed_reasons(edges: pd.DataFrame, vehicle: Vehicle) -> np.ndarray:
    """Return per edge why ``vehicle`` may not enter it (bits :data:`HEIGHT` …; 0: open)."""
    n = len(edges)
    out = np.zeros(n, dtype=np.uint8)
    for bit, (column, _setting, attr, _unit) in REASONS.items():
        if column in edges:
            limit = edges[column].to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                out[limit < getattr(vehicle, attr)] |= bit
    if "truck_allowed" in edges:
        out[~edges["truck_allowed"].to_numpy(dtype=bool)] |= ACCESS
    return out


def barrier_too_small(barriers: pd.DataFrame, vehicle: Vehicle) -> np.ndarray:
    """Return per barrier row the reason bits (height, width) it stops ``vehicle`` (0: none)."""
    out = np.zeros(len(barriers), dtype=np.uint8)
    for bit, column, attr in ((HEIGHT, "maxheight", "height_m"), (WIDTH, "maxwidth", "width_m")):
        if column in barriers:
            limit = barriers[column].to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                out[limit < getattr(vehicle, attr)] |= bit
    return out


def _roads(n: int) -> str:
    return f"{n} road" + ("" if n == 1 else "s")


def why_text(bits: np.ndarray, limits: pd.DataFrame, vehicle: Vehicle) -> tuple[str, str]:
    """Return (what closes the roads, what to change) for closed roads with reason ``bits``.

    ``limits`` holds the closed roads' :data:`LIMIT_COLUMNS`, row for row with ``bits``
    (barriers too: their ``maxheight``/``maxwidth``).
    """
    parts, fixes = [], []
    for bit, (column, setting, attr, unit) in REASONS.items():
        hit = (bits & bit) > 0
        if hit.any():
            values = limits.loc[hit, column].to_numpy(dtype=float)
            highest = (f", the highest {np.nanmax(values):g} {unit}"
                       if hit.sum() > 1 and np.isfinite(values).any() else
                       f", {np.nanmax(values):g} {unit}" if np.isfinite(values).any() else "")
            parts.append(f"{column} below {getattr(vehicle, attr):g} {unit} on "
                         f"{_roads(int(hit.sum()))}{highest}")
            fixes.append(f"`{setting}`")
    access = int(((bits & ACCESS) > 0).sum())
    if access:
        parts.append(f"closed to heavy goods vehicles (hgv=no or similar) on {_roads(access)}")
    fix = ("lower " + " or ".join(fixes)) if fixes else ("use the car profile if the vehicle "
                                                        "is not a heavy goods vehicle")
    return "; ".join(parts), fix
