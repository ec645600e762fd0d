"""What a planned itinerary holds: days of calls and legs, dropped stops, totals.

Times are seconds after midnight of the day; :attr:`Itinerary.legs` is the drives as a
GeoDataFrame for maps (the web-map renderer's ``routes=`` layer) and exports.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import shapely

from wuling_geo import settings
from wuling_geo._util.timeparse import WEEKDAYS, format_clock


@dataclass(frozen=True)
class Call:
    """A place on a day's plan. Times are seconds after midnight (``None`` where not applicable)."""

    name: str
    label: str
    kind: str  # "start", "visit", "overnight", "end"
    lon: float
    lat: float
    arrive: int | None
    start: int | None
    leave: int | None
    dwell_s: int = 0
    must: bool | None = None
    place_id: str | None = None

    @property
    def wait_s(self) -> int:
        """Seconds waited for the place to open."""
        return 0 if self.start is None or self.arrive is None else self.start - self.arrive


@dataclass(frozen=True)
class Leg:
    """A drive between two calls, with its road geometry (WGS-84)."""

    day: int
    leg: int
    from_name: str
    to_name: str
    depart: int
    arrive: int
    drive_s: int
    distance_m: float
    geometry: shapely.LineString


@dataclass(frozen=True)
class DayPlan:
    """One day: the calls in order (start first, end last) and the legs between them."""

    day: int  # 1-based
    weekday: int | None
    date: _dt.date | None
    calls: tuple[Call, ...]
    legs: tuple[Leg, ...]

    @property
    def drive_s(self) -> int:
        """Seconds of driving this day."""
        return sum(leg.drive_s for leg in self.legs)

    @property
    def distance_m(self) -> float:
        """Metres driven this day."""
        return float(sum(leg.distance_m for leg in self.legs))

    @property
    def visits(self) -> tuple[Call, ...]:
        """The visits (calls that are not the day's start or end)."""
        return tuple(c for c in self.calls if c.kind == "visit")

    @property
    def title(self) -> str:
        """Return ``"Day 1 (Mon 2025-07-07)"``-style heading text."""
        bits = [WEEKDAYS[self.weekday].capitalize()] if self.weekday is not None else []
        if self.date is not None:
            bits.append(self.date.isoformat())
        return f"Day {self.day}" + (f" ({' '.join(bits)})" if bits else "")


@dataclass(frozen=True)
class Dropped:
    """An optional stop left out, and why."""

    name: str
    label: str
    reason: str


@dataclass
class Itinerary:
    """A planned trip. ``legs`` is a GeoDataFrame (EPSG:4326) of the drives, for maps."""

    days: tuple[DayPlan, ...]
    dropped: tuple[Dropped, ...]
    solver: str
    optimal: bool
    profile: str
    network_source: str
    attribution: str
    synthetic: bool
    notes: tuple[str, ...] = ()
    legs: gpd.GeoDataFrame = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.legs is None:
            self.legs = legs_frame(self.days)

    @property
    def drive_s(self) -> int:
        """Total seconds of driving."""
        return sum(d.drive_s for d in self.days)

    @property
    def distance_m(self) -> float:
        """Total metres driven."""
        return sum(d.distance_m for d in self.days)

    @property
    def visits(self) -> tuple[Call, ...]:
        """Every visit, in trip order."""
        return tuple(c for d in self.days for c in d.visits)

    @property
    def dwell_s(self) -> int:
        """Total seconds spent visiting."""
        return sum(c.dwell_s for c in self.visits)


def legs_frame(days: Iterable[DayPlan]) -> gpd.GeoDataFrame:
    """Return the legs as a GeoDataFrame (EPSG:4326), one row per drive.

    Columns: ``day``, ``leg``, ``from_name``, ``to_name``, ``depart``, ``arrive`` (HH:MM),
    ``drive_min``, ``distance_km``, ``geometry`` (LineString on the roads).
    """
    rows = [{"day": g.day, "leg": g.leg, "from_name": g.from_name, "to_name": g.to_name,
             "depart": format_clock(g.depart), "arrive": format_clock(g.arrive),
             "drive_min": round(g.drive_s / 60, 1), "distance_km": round(g.distance_m / 1000, 2),
             "geometry": g.geometry} for d in days for g in d.legs]
    columns = ["day", "leg", "from_name", "to_name", "depart", "arrive", "drive_min",
               "distance_km", "geometry"]
    if not rows:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=settings.storage_crs)
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs=settings.storage_crs)
