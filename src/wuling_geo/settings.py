"""Global settings for wuling-geo, in one validated options object (the osmnx pattern).

Read and change them as attributes of this module (``wuling_geo.settings.quiet = True``);
every assignment is checked where it is made, so ``settings.workers = -1`` raises an
:class:`~wuling_geo._util.errors.InputError` on one line naming the setting. The values live
in :data:`options` (a pydantic model with ``validate_assignment``, like ``geopandas.options``);
:func:`describe` lists them.

Some settings follow an environment variable while they are not set in code
(``WULING_GEO_DATA``, ``WULING_GEO_CACHE``, ``WULING_GEO_WORKERS``,
``WULING_GEO_CONNECT_TIMEOUT``, ``WULING_GEO_WEB_ASSETS``, ``WULING_GEO_AMAP_URL``, ...). The
variable is read each time the setting is used, never at import, so a malformed value never
breaks ``import wuling_geo`` or ``--help``; a bad one is a one-line error naming it. Assigning
``None`` to such a setting (or assigning back the value just read from it, as pytest's
``monkeypatch`` does when it undoes a change) makes it follow the environment again.

Paths inside the data and cache folders (:func:`gazetteer_path`, :func:`network_dir`, ...) are
functions computed at call time, so changing :data:`geodata_dir` or :data:`cache_dir` moves
everything under it. Network endpoints are osmnx's own (``osmnx.settings.overpass_url`` and
``osmnx.settings.nominatim_url``), so one setting points both osmnx and wuling-geo at a server.
"""

from __future__ import annotations

import math
import os
import sys
import types
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import platformdirs
import pydantic
from pydantic import BaseModel, ConfigDict, Field

from wuling_geo._util.errors import InputError, clip

Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Count = Annotated[int, Field(ge=1)]


@cache
def shipped_data_dir() -> Path:
    """Return the folder of the data shipped with the package (``wuling_geo.geodata``)."""
    return Path(str(resources.files("wuling_geo.geodata")))


class Options(BaseModel):
    """Every setting of wuling-geo, validated on assignment.

    A setting whose value is ``None`` here and that has an environment variable
    (:data:`ENV_SETTINGS`) takes the variable's value, or its default, when read through
    the module.
    """

    model_config = ConfigDict(validate_assignment=True, extra="forbid", allow_inf_nan=False,
                              use_attribute_docstrings=True)

    geodata_dir: Path | None = None
    """Folder of the data in use: ``gazetteer.toml``, ``boundary.geojson``, ``services.toml``.
    Env: ``WULING_GEO_DATA``; default: the data shipped with the package."""

    cache_dir: Path | None = None
    """Folder for downloads and derived caches (OSM features, networks, geocoder answers).
    Env: ``WULING_GEO_CACHE``; default: the user's cache folder (platformdirs)."""

    maps_dir: Path = Path("maps")
    """Folder where rendered maps go by default (relative to the working folder)."""

    quiet: bool = False
    """Hide progress bars and informational messages."""

    verbose: bool = False
    """Log debug diagnostics (timings of the big steps, cache hits and misses, query URLs)."""

    workers: Annotated[int, Field(ge=1, le=1024)] | None = None
    """Threads for the heavy geometry (catchment polygons): ``None`` for one per core this
    process may use, 1 to run in the calling thread. Env: ``WULING_GEO_WORKERS``."""

    connect_timeout: Annotated[float, Field(ge=0.1, le=600)] | None = None
    """Seconds allowed to open a connection to an online service before giving up (offline
    machines must fail in seconds, not minutes). Env: ``WULING_GEO_CONNECT_TIMEOUT``; default 5."""

    read_timeout: Positive = 180.0
    """Seconds allowed for a whole online answer (Overpass may be slow on large areas)."""

    district_margin_km: NonNegative = 2.0
    """How far outside the district boundary (km) a position may lie before it is flagged."""

    projected_crs: str = "EPSG:32649"
    """Projected CRS for areas and lengths: UTM zone 49N, whose central meridian (111° E)
    lies 2.3° from Qianjiang; the scale error there is about 0.02 %."""

    storage_crs: str = "EPSG:4326"
    """Geographic CRS everything is stored in."""

    osm_attribution: str = "© OpenStreetMap contributors, ODbL"
    """Attribution for OpenStreetMap-derived data, required by the ODbL."""

    user_agent: str = "wuling-geo/0.1 (Qianjiang tourism and logistics maps)"
    """User agent sent to Nominatim and Overpass (their usage policies ask for one)."""

    # --- online geocoding providers (issue 13)

    amap_url: str | None = None
    """Base URL of Amap (a setting so tests and mirrors can point elsewhere).
    Env: ``WULING_GEO_AMAP_URL``."""

    baidu_url: str | None = None
    """Base URL of Baidu. Env: ``WULING_GEO_BAIDU_URL``."""

    tianditu_url: str | None = None
    """Base URL of Tianditu. Env: ``WULING_GEO_TIANDITU_URL``."""

    provider_rates: dict[str, NonNegative] = Field(
        default_factory=lambda: {"amap": 3.0, "baidu": 3.0, "tianditu": 2.0})
    """Most requests a second each provider object sends (0: no limit). Amap and Baidu give
    personal keys a concurrency of a few requests a second; Tianditu publishes daily counts,
    not a rate, so its figure is a cautious choice. Set them to your key's quota."""

    provider_retries: Annotated[int, Field(ge=0, le=20)] = 3
    """Retries after throttling or a server error."""

    provider_backoff: NonNegative = 1.0
    """Backoff factor (s) between retries (urllib3 ``Retry``: factor * 2**(n-1) seconds
    before the n-th retry)."""

    # --- logistics (issue 7)

    access_speed_kph: Positive = 5.0
    """Speed (km/h) of the straight access leg between a point (a hexagon's centre, a town, a
    stop) and its nearest road: walking pace, about 1.4 m/s. A modelling assumption."""

    accessibility_max_cells: Count = 500_000
    """Largest accessibility grid allowed (about 0.5 M cells: 75 m hexagons over the
    district), so a too-small cell size fails at once instead of exhausting memory."""

    max_snap_m: Positive = 2000.0
    """A place (matrix origin or destination, accessibility facility) farther than this (m)
    from every road of the network is an error naming it (``wuling_geo.network.validation``)."""

    offnetwork_snap_m: Positive = 2000.0
    """A point farther than this (m) from every road is off the road network: multimodal legs
    to and from it are straight lines at :data:`offnetwork_speed_kph`."""

    offnetwork_speed_kph: Positive = 20.0
    """Straight-line speed (km/h) assumed for legs off the road network, e.g. across central
    Chongqing to 重庆东站. An assumption, not a measured figure: set it to what you believe."""

    max_road_speed_kph: Positive = 150.0
    """Highest speed (km/h) accepted from a road layer's speed field. China's highest legal
    limit is 120 km/h (cars on expressways, data/speeds.toml); 150 leaves room for design
    speeds and rounding while catching typos such as 1000000. Empty, non-numeric, zero,
    negative or higher values are replaced by the class speed, and the import says how many."""

    # --- maps (issue 5)

    web_assets_dir: Path | None = None
    """Folder of the npm packages (Leaflet and its plugins) that ``wuling-geo map --offline``
    inlines; filled by ``wuling-geo map-assets``. Env: ``WULING_GEO_WEB_ASSETS``."""

    map_simplify_m: NonNegative = 10.0
    """Tolerance (m) to which lines and polygons are simplified for display on web maps."""

    map_decimals: Annotated[int, Field(ge=0, le=15)] = 6
    """Decimal places kept in web-map coordinates (6 decimals ≈ 0.1 m)."""

    # --- itineraries (issue 6)

    itinerary_exact_max_stops: Annotated[int, Field(ge=0, le=16)] = 8
    """Itineraries with at most this many stops to visit are solved exactly (dynamic
    programming; the plan is optimal); larger ones by OR-Tools guided local search."""

    itinerary_time_limit: Positive = 2.0
    """Seconds OR-Tools searches on itineraries too large to solve exactly (on SYNTHETIC
    9–20-stop plans, 1 s found plans as good as 5 s and as the exact solver up to 14 stops)."""

    itinerary_max_days: Count = 14
    """Most days an itinerary may span."""

    itinerary_max_snap_m: Positive = 2000.0
    """A stop farther than this (m) from every road of the network is not covered by it."""

    planning_file: Path | None = None
    """Planning defaults (dwell times) to use instead of the shipped ``planning.toml``."""

    # --- trucks (issue 14): the truck profile's vehicle, checked against OSM limits

    truck_height_m: Annotated[float, Field(gt=0, le=10)] = 4.0
    """Height (m) of the truck profile's vehicle: a road or height restrictor with a lower
    ``maxheight`` is closed to it. Default 4.0 m, the GB 1589-2016 height limit (check
    against the standard)."""

    truck_width_m: Annotated[float, Field(gt=0, le=10)] = 2.55
    """Width (m) of the truck (``maxwidth``). Default 2.55 m, the GB 1589-2016 width limit."""

    truck_length_m: Annotated[float, Field(gt=0, le=50)] = 12.0
    """Length (m) of the truck (``maxlength``). Default 12 m, the GB 1589-2016 limit for a
    rigid truck (check against the standard)."""

    truck_weight_t: Annotated[float, Field(gt=0, le=200)] = 25.0
    """Gross weight (t) of the truck (``maxweight``). Default 25 t, the GB 1589-2016 limit
    for a three-axle rigid truck (check against the standard)."""

    # --- catchments (issue 4)

    catchment_access_m: Positive = 200.0
    """Access distance (m): a catchment is the reached road buffered by this much and unioned
    — the land within a short walk or side road of a road you can drive in time. 200 m keeps
    valleys between roads out while joining a town's streets into one area."""

    catchment_simplify_m: NonNegative = 25.0
    """Tolerance (m) to which catchment polygons are simplified (keeps the map light)."""

    catchment_quad_segs: Annotated[int, Field(ge=1, le=64)] = 4
    """Segments per quarter circle of the buffers' round ends (4: within 2 % of the radius)."""

    catchment_max_snap_m: Positive = 2000.0
    """An origin farther than this (m) from every road of the network is an error."""

    catchment_max_minutes: Positive = 600.0
    """Largest band accepted, in minutes (ten hours)."""


#: The values set in code (``None``: follow the environment, see :data:`ENV_SETTINGS`).
options = Options()


# --- environment variables (issue 11)

#: Numeric environment variables: name -> (setting, kind, lowest, highest, default). Each is
#: read and checked when its setting is used, never at import.
ENV_NUMBERS: dict[str, tuple[str, type, float, float, float | None]] = {
    "WULING_GEO_CONNECT_TIMEOUT": ("connect_timeout", float, 0.1, 600.0, 5.0),
    "WULING_GEO_WORKERS": ("workers", int, 1, 1024, None),
}

#: Text environment variables: setting -> (variable, default when unset).
ENV_TEXTS: dict[str, tuple[str, Callable[[], Any]]] = {
    "geodata_dir": ("WULING_GEO_DATA", shipped_data_dir),
    "cache_dir": ("WULING_GEO_CACHE", lambda: platformdirs.user_cache_path("wuling-geo")),
    "web_assets_dir": ("WULING_GEO_WEB_ASSETS",
                       lambda: platformdirs.user_data_path("wuling-geo") / "web-assets"),
    "amap_url": ("WULING_GEO_AMAP_URL", lambda: "https://restapi.amap.com"),
    "baidu_url": ("WULING_GEO_BAIDU_URL", lambda: "https://api.map.baidu.com"),
    "tianditu_url": ("WULING_GEO_TIANDITU_URL", lambda: "https://api.tianditu.gov.cn"),
}

#: Every setting that follows an environment variable: setting -> variable.
ENV_SETTINGS: dict[str, str] = ({v[0]: k for k, v in ENV_NUMBERS.items()}
                                | {k: v[0] for k, v in ENV_TEXTS.items()})


def env_number(name: str) -> float | int | None:
    """Return the value of the numeric environment variable ``name``, or its default if unset.

    Parameters
    ----------
    name
        A key of :data:`ENV_NUMBERS`.

    Raises
    ------
    InputError
        If the variable is set to anything but a finite number in its range; the message
        names the variable and what it may be.
    """
    _setting, kind, low, high, default = ENV_NUMBERS[name]
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    what = "a whole number" if kind is int else "a number"
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if (not math.isfinite(value) or not low <= value <= high
            or (kind is int and not value.is_integer())):
        raise InputError(f"environment variable {name}={clip(text, 40)!r} is not valid: set it "
                         f"to {what} from {low:g} to {high:g}, or unset it")
    return kind(value)


def _from_environment(name: str) -> Any:
    """Return the value of setting ``name`` taken from its environment variable or default."""
    if name in ENV_TEXTS:
        variable, default = ENV_TEXTS[name]
        text = os.environ.get(variable, "").strip()
        if not text:
            return default()
        return Path(text) if name.endswith("_dir") else text
    return env_number(ENV_SETTINGS[name])


#: The last value each environment setting returned: assigning it back means "follow the
#: environment again" (how ``monkeypatch`` restores a setting it changed).
_last_read: dict[str, Any] = {}


def get_option(name: str) -> Any:
    """Return the value of setting ``name`` (what ``settings.<name>`` returns).

    Raises
    ------
    AttributeError
        If there is no such setting.
    InputError
        If the setting follows an environment variable set to a malformed value.
    """
    if name not in Options.model_fields:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(options, name)
    if value is None and name in ENV_SETTINGS:
        value = _from_environment(name)
        _last_read[name] = value
    return value


def set_option(name: str, value: Any) -> None:
    """Set setting ``name`` to ``value`` (what ``settings.<name> = value`` does).

    Raises
    ------
    InputError
        If there is no such setting or the value is not valid for it; the one-line message
        names the setting and what it may be.
    """
    if name not in Options.model_fields:
        raise InputError(f"there is no setting {name!r}: see wuling_geo.settings.describe()")
    if name in ENV_SETTINGS and value is not None and value is _last_read.get(name):
        value = None  # the value just read back: follow the environment again
    try:
        setattr(options, name, value)
    except pydantic.ValidationError as exc:
        problem = exc.errors()[0]["msg"]
        raise InputError(f"setting {name}={clip(repr(value), 40)} is not valid: "
                         f"{problem[:1].lower()}{problem[1:]}") from None


def describe() -> str:
    """Return every setting with its current value and what it means, one per line."""
    lines = []
    for name, field in Options.model_fields.items():
        env = f" [env {ENV_SETTINGS[name]}]" if name in ENV_SETTINGS else ""
        try:
            shown = repr(get_option(name))
        except InputError as exc:
            shown = f"<{exc}>"
        doc = " ".join((field.description or "").split())
        lines.append(f"{name} = {shown}{env}: {doc}")
    return "\n".join(lines)


def user_config_path() -> Path:
    """Return the user's config file (``WULING_GEO_CONFIG`` or the platformdirs config folder).

    It may hold provider keys under ``[keys]`` (``amap = "..."``); it is never in the
    repository and keys read from it never reach caches, messages or exports.
    """
    env = os.environ.get("WULING_GEO_CONFIG")
    return Path(env) if env else platformdirs.user_config_path("wuling-geo") / "config.toml"


def gazetteer_path() -> Path:
    """Return the path of the gazetteer file in use (in :data:`geodata_dir`)."""
    return Path(get_option("geodata_dir")) / "gazetteer.toml"


def boundary_path() -> Path:
    """Return the path of the boundary GeoJSON in use (in :data:`geodata_dir`)."""
    return Path(get_option("geodata_dir")) / "boundary.geojson"


def services_path() -> Path:
    """Return the path of the scheduled services file (rail and air legs)."""
    return Path(get_option("geodata_dir")) / "services.toml"


def osm_features_path() -> Path:
    """Return the path of the cached OSM features (GeoParquet) the geocoder matches."""
    return Path(get_option("cache_dir")) / "osm" / "features.parquet"


def network_dir() -> Path:
    """Return the default folder of the cached road network (in :data:`cache_dir`)."""
    return Path(get_option("cache_dir")) / "network"


class _SettingsModule(types.ModuleType):
    """The type of this module: reading and assigning a setting go through :data:`options`."""

    def __getattr__(self, name: str) -> Any:
        return get_option(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in Options.model_fields or (not name.startswith("_") and name not in vars(self)):
            set_option(name, value)  # a setting, or a typo that would silently do nothing
        else:
            super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if name in Options.model_fields:
            set_option(name, Options.model_fields[name].get_default(call_default_factory=True))
        else:
            super().__delattr__(name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *Options.model_fields})


sys.modules[__name__].__class__ = _SettingsModule

# The settings as type checkers see them (annotations only: the values live in :data:`options`
# and are read through _SettingsModule). A test checks they match :class:`Options`.
geodata_dir: Path
cache_dir: Path
maps_dir: Path
quiet: bool
verbose: bool
workers: int | None
connect_timeout: float
read_timeout: float
district_margin_km: float
projected_crs: str
storage_crs: str
osm_attribution: str
user_agent: str
amap_url: str
baidu_url: str
tianditu_url: str
provider_rates: dict[str, float]
provider_retries: int
provider_backoff: float
access_speed_kph: float
accessibility_max_cells: int
max_snap_m: float
offnetwork_snap_m: float
offnetwork_speed_kph: float
max_road_speed_kph: float
web_assets_dir: Path
map_simplify_m: float
map_decimals: int
itinerary_exact_max_stops: int
itinerary_time_limit: float
itinerary_max_days: int
itinerary_max_snap_m: float
planning_file: Path | None
truck_height_m: float
truck_width_m: float
truck_length_m: float
truck_weight_t: float
catchment_access_m: float
catchment_simplify_m: float
catchment_quad_segs: int
catchment_max_snap_m: float
catchment_max_minutes: float
