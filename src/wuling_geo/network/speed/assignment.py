"""Free-flow speeds and travel times per edge for the ``car`` and ``truck`` profiles.

The rules (documented in ``data/speeds.toml``): an explicit ``maxspeed`` (direction-specific
``maxspeed:forward``/``:backward`` first) or a road layer's speed wins; otherwise the profile's
class speed for the edge's urban/rural setting, capped by the legal limit the ``lanes`` tag
implies. Cars are then slowed on winding roads (curvature penalty); trucks drive no faster
than the car, the class's truck cap and ``maxspeed:hgv``; with a DEM both are slowed on
climbs (grade penalty). Ferries use their ``duration`` tag or the profile's ferry speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from wuling_geo._util.errors import InputError, NetworkError
from wuling_geo.network.speed.dem import GradePieces
from wuling_geo.network.speed.mountain import climb_speed_kph, curvature_factor, turning_deg_per_km
from wuling_geo.network.speed.profile import SpeedProfile, parse_duration_s, parse_maxspeed

FERRY = "ferry"


@dataclass(frozen=True)
class SpeedOptions:
    """Which penalties to apply (``None``: as the profile says)."""

    curvature: bool | None = None
    grade: bool | None = None
    junctions: bool | None = None
    turn_costs: bool | None = None


def junction_seconds(profile: SpeedProfile, options: SpeedOptions) -> dict[str, float]:
    """Return the junction delays (s by control kind) that apply, empty when switched off."""
    return {} if options.junctions is False else dict(profile.junctions)


def turn_cost_values(profile: SpeedProfile, options: SpeedOptions) -> dict[str, float] | None:
    """Return the turn-cost settings that apply, or ``None`` when turn costs are off.

    ``options.turn_costs=True`` switches on the profile's ``[turn_costs]`` even when its
    ``enabled`` is false.

    Raises
    ------
    InputError
        If turn costs are asked for and the profile has no ``[turn_costs]`` table.
    """
    enabled = profile.turn_costs_enabled if options.turn_costs is None else options.turn_costs
    if not enabled:
        return None
    if profile.turn_costs is None:
        raise InputError(f"speed profile {profile.path} has no [turn_costs] table: copy it from "
                         "the shipped speeds.toml or drop `turn_costs`", param="turn_costs")
    return dict(profile.turn_costs)


def _column(edges: pd.DataFrame, name: str) -> pd.Series:
    if name in edges:  # as text: the importer keeps some tags as categoricals
        column = edges[name]
        return column.astype(object) if isinstance(column.dtype, pd.CategoricalDtype) else column
    return pd.Series([None] * len(edges), index=edges.index, dtype=object)


def _parsed(values: pd.Series, profile: SpeedProfile, vehicle: str) -> np.ndarray:
    """Parse maxspeed values, each distinct value once."""
    def parse(value: object) -> float:
        limit = parse_maxspeed(value, profile.zones, vehicle)
        return np.nan if limit is None else limit

    try:
        codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    except TypeError:  # lists (ways merged by osmnx) are not hashable
        return np.array([parse(v) for v in values.to_numpy(dtype=object)], dtype=float)
    table = np.array([parse(v) for v in uniques] + [np.nan], dtype=float)
    return table[codes]  # code -1 (missing) picks the trailing NaN


def _lookup(classes: pd.Series, urban: np.ndarray, profile: SpeedProfile, vehicle: str,
            winding: bool = False) -> np.ndarray:
    out = np.full(len(classes), np.nan)
    for setting, mask in (("urban", urban), ("rural", ~urban)):
        key = f"{vehicle}_{setting}"
        table = {name: (cs.winding_kph if winding else cs.kph)[key]
                 for name, cs in profile.classes.items()}
        out[mask] = classes[mask].map(table).to_numpy(dtype=float)
    return out


def _lanes_cap(edges: pd.DataFrame, urban: np.ndarray, profile: SpeedProfile) -> np.ndarray:
    lanes = pd.to_numeric(_column(edges, "lanes"), errors="coerce").to_numpy(dtype=float)
    oneway = edges["oneway"].to_numpy(dtype=bool)
    cap = np.full(len(edges), np.inf)
    limits = profile.lanes_limits
    for key, mask in (("one_lane_each_way", (~oneway & (lanes == 2)) | (oneway & (lanes == 1))),
                      ("no_centre_line", ~oneway & (lanes == 1))):
        value = np.where(urban, limits[key]["urban"], limits[key]["rural"])
        cap = np.where(mask, value, cap)
    return cap


def assign_speeds(edges: gpd.GeoDataFrame, profile: SpeedProfile,
                  options: SpeedOptions | None = None, grades: GradePieces | None = None,
                  metric_geoms: np.ndarray | None = None,
                  turning: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """Return ``edges`` with speeds (km/h) and travel times (s) for the car and truck profiles.

    Parameters
    ----------
    edges
        Directed edges with ``highway``, ``length`` (m), ``oneway``, ``reversed``, ``urban``
        and optionally ``maxspeed``, ``maxspeed_forward``, ``maxspeed_backward``,
        ``maxspeed_hgv``, ``lanes``, ``duration`` (ferries), ``user_speed`` (km/h).
    profile
        The speed profile.
    options
        Switches for the curvature and grade penalties (default: the profile's).
    grades
        Grades along the edges from :func:`wuling_geo.network.speed.dem.sample_grades` (grade penalty).
    metric_geoms
        The edge geometries in a metric CRS (for the curvature penalty).
    turning
        The edges' turning (deg/km, :func:`~wuling_geo.network.speed.mountain.turning_deg_per_km`
        of ``metric_geoms``) when already measured; it replaces ``metric_geoms``.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``turning_deg_per_km``, ``speed_kph_car``, ``travel_time_car``,
        ``speed_kph_truck``, ``travel_time_truck`` (and ``climb_m`` with grades).

    Raises
    ------
    NetworkError
        If an edge's class is not in the profile.
    """
    options = options or SpeedOptions()
    out = edges.copy(deep=False)  # copy-on-write: the new columns never reach ``edges``
    n = len(out)
    classes = out["highway"].astype(object)
    ferry = (classes == FERRY).to_numpy()
    unknown = sorted(set(classes[~ferry]) - profile.drivable)
    if unknown:
        msg = (f"road classes {', '.join(map(str, unknown))} have no speeds in profile "
               f"{profile.path}: add them to its [classes]")
        raise NetworkError(msg)
    urban = out["urban"].to_numpy(dtype=bool) if "urban" in out else np.zeros(n, dtype=bool)
    reverse = out["reversed"].to_numpy(dtype=bool) if "reversed" in out else np.zeros(n, bool)
    directional = _column(out, "maxspeed_backward").where(reverse, _column(out, "maxspeed_forward"))
    raw = directional.where(directional.notna(), _column(out, "maxspeed"))
    limit_car = _parsed(raw, profile, "car")
    limit_truck = _parsed(raw, profile, "truck")
    hgv = _parsed(_column(out, "maxspeed_hgv"), profile, "truck")
    limit_truck = np.where(np.isnan(hgv), limit_truck, hgv)
    user = pd.to_numeric(_column(out, "user_speed"), errors="coerce").to_numpy(dtype=float)
    user = np.where(user > 0, user, np.nan)

    class_car = _lookup(classes, urban, profile, "car")
    class_winding = _lookup(classes, urban, profile, "car", winding=True)
    base = np.minimum(class_car, _lanes_cap(out, urban, profile))
    base = np.where(np.isnan(user), base, user)
    base = np.where(np.isnan(limit_car), base, limit_car)

    use_curvature = profile.curvature["enabled"] if options.curvature is None else options.curvature
    measured = use_curvature and n and (turning is not None or metric_geoms is not None)
    if turning is not None:
        turning = np.array(turning, dtype=float)
    elif measured:
        assert metric_geoms is not None  # measured needs turning or metric_geoms
        turning = turning_deg_per_km(metric_geoms, profile.curvature["simplify_m"],
                                     profile.curvature["min_length_m"])
    else:
        turning = np.zeros(n)
    if measured:
        ratio = np.where(class_car > 0, class_winding / class_car, 1.0)
        base = base * curvature_factor(turning, ratio, profile.curvature["straight_deg_per_km"],
                                       profile.curvature["winding_deg_per_km"])
    car = base
    truck = np.fmin(np.minimum(car, _lookup(classes, urban, profile, "truck")), limit_truck)

    length = out["length"].to_numpy(dtype=float)
    if ferry.any():
        seconds = np.array([parse_duration_s(v) or np.nan
                            for v in _column(out, "duration").to_numpy(dtype=object)[ferry]])
        ferry_kph = np.where(np.isnan(seconds), profile.ferry_kph,
                             length[ferry] / np.where(np.isnan(seconds), 1, seconds) * 3.6)
        car[ferry] = ferry_kph
        truck[ferry] = ferry_kph
        turning[ferry] = 0.0

    use_grade = profile.grade["enabled"] if options.grade is None else options.grade
    time_car = length / (car / 3.6)
    time_truck = length / (truck / 3.6)
    if grades is not None and use_grade and n:
        time_car = _graded_time(car, length, grades, profile.grade["car_w_per_kg"], profile,
                                ferry)
        time_truck = _graded_time(truck, length, grades, profile.grade["truck_w_per_kg"],
                                  profile, ferry)
        out["climb_m"] = grades.climb_m(n)
        with np.errstate(invalid="ignore", divide="ignore"):  # effective speeds over the edge
            car = np.where(time_car > 0, length / time_car * 3.6, car)
            truck = np.where(time_truck > 0, length / time_truck * 3.6, truck)
    out["turning_deg_per_km"] = turning
    out["speed_kph_car"] = car
    out["speed_kph_truck"] = truck
    out["travel_time_car"] = time_car
    out["travel_time_truck"] = time_truck
    return out


def _graded_time(speed: np.ndarray, length: np.ndarray, grades: GradePieces, w_per_kg: float,
                 profile: SpeedProfile, ferry: np.ndarray) -> np.ndarray:
    """Travel time with each piece of an edge no faster than the climb speed of its grade."""
    climb = climb_speed_kph(grades.grade, w_per_kg, profile.grade["rolling_resistance"])
    climb = np.where(ferry[grades.edge], np.inf, climb)
    piece_speed = np.minimum(speed[grades.edge], climb)
    piece_time = grades.fraction * length[grades.edge] / (piece_speed / 3.6)
    return np.bincount(grades.edge, weights=piece_time, minlength=len(length))
