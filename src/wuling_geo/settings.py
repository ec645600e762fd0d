"""Global settings for wuling-geo, in one place (the osmnx pattern).

Change them at run time (``wuling_geo.settings.quiet = True``) or through the
environment variables named below. Network endpoints are osmnx's own
(``osmnx.settings.overpass_url`` and ``osmnx.settings.nominatim_url``), so one
setting points both osmnx and wuling-geo at a server.
"""

from __future__ import annotations

import math
import os
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs

from wuling_geo._util.errors import InputError


def shipped_data_dir() -> Path:
    """Return the folder of the data shipped with the package (``wuling_geo.geodata``)."""
    return Path(str(resources.files("wuling_geo.geodata")))


#: Folder of the data in use: ``gazetteer.toml``, ``boundary.geojson``, ``services.toml``.
#: Env: ``WULING_GEO_DATA``; default: the data shipped with the package.
geodata_dir: Path = Path(os.environ.get("WULING_GEO_DATA") or shipped_data_dir())

#: Folder for downloads and derived caches (OSM features, networks, geocoder answers).
#: Env: ``WULING_GEO_CACHE``; default: the user's cache folder (platformdirs).
cache_dir: Path = Path(os.environ.get("WULING_GEO_CACHE") or platformdirs.user_cache_path("wuling-geo"))

#: Folder where rendered maps go by default (relative to the working folder).
maps_dir: Path = Path("maps")

#: Hide progress bars and informational messages.
quiet: bool = False

#: Threads for the heavy geometry (catchment polygons): ``None`` for one per core this
#: process may use, 1 to run in the calling thread. Env: ``WULING_GEO_WORKERS``.
workers: int | None = None

#: Print extra diagnostics.
verbose: bool = False

# ``connect_timeout`` — seconds allowed to open a connection to an online service before
# giving up (offline machines must fail in seconds, not minutes); default 5, env
# ``WULING_GEO_CONNECT_TIMEOUT`` — is read from the environment when first used (see
# :func:`__getattr__`), so a malformed value never breaks ``import wuling_geo`` or ``--help``.

#: Seconds allowed for a whole online answer (Overpass may be slow on large areas).
read_timeout: float = 180.0

#: How far outside the district boundary (km) a position may lie before it is flagged.
district_margin_km: float = 2.0

#: Projected CRS for areas and lengths: UTM zone 49N, whose central meridian (111° E)
#: lies 2.3° from Qianjiang; the scale error there is about 0.02 %.
projected_crs: str = "EPSG:32649"

#: Geographic CRS everything is stored in.
storage_crs: str = "EPSG:4326"

#: Attribution for OpenStreetMap-derived data, required by the ODbL.
osm_attribution: str = "© OpenStreetMap contributors, ODbL"

#: User agent sent to Nominatim and Overpass (their usage policies ask for one).
user_agent: str = "wuling-geo/0.1 (Qianjiang tourism and logistics maps)"


# --- online geocoding providers (issue 13)

#: Base URLs of the providers (a setting so tests and mirrors can point elsewhere).
#: Env: ``WULING_GEO_AMAP_URL``, ``WULING_GEO_BAIDU_URL``, ``WULING_GEO_TIANDITU_URL``.
amap_url: str = os.environ.get("WULING_GEO_AMAP_URL") or "https://restapi.amap.com"
baidu_url: str = os.environ.get("WULING_GEO_BAIDU_URL") or "https://api.map.baidu.com"
tianditu_url: str = os.environ.get("WULING_GEO_TIANDITU_URL") or "https://api.tianditu.gov.cn"

#: Most requests a second each provider object sends. Amap and Baidu give personal keys a
#: concurrency of a few requests a second; Tianditu publishes daily counts, not a rate, so
#: its figure is a cautious choice. Set them to your key's quota.
provider_rates: dict[str, float] = {"amap": 3.0, "baidu": 3.0, "tianditu": 2.0}

#: Retries after throttling or a server error, and the backoff factor (s) between them
#: (urllib3 ``Retry``: factor * 2**(n-1) seconds before the n-th retry).
provider_retries: int = 3
provider_backoff: float = 1.0


def user_config_path() -> Path:
    """Return the user's config file (``WULING_GEO_CONFIG`` or the platformdirs config folder).

    It may hold provider keys under ``[keys]`` (``amap = "..."``); it is never in the
    repository and keys read from it never reach caches, messages or exports.
    """
    env = os.environ.get("WULING_GEO_CONFIG")
    return Path(env) if env else platformdirs.user_config_path("wuling-geo") / "config.toml"


def gazetteer_path() -> Path:
    """Return the path of the gazetteer file in use."""
    return geodata_dir / "gazetteer.toml"


def boundary_path() -> Path:
    """Return the path of the shipped boundary GeoJSON."""
    return geodata_dir / "boundary.geojson"


def osm_features_path() -> Path:
    """Return the path of the cached OSM features (GeoParquet) the geocoder matches."""
    return cache_dir / "osm" / "features.parquet"


def network_dir() -> Path:
    """Return the default folder of the cached road network."""
    return cache_dir / "network"


# --- logistics (issue 7)

#: Speed (km/h) of the straight access leg between a point (a hexagon's centre, a town, a
#: stop) and its nearest road: walking pace, about 1.4 m/s. A modelling assumption.
access_speed_kph: float = 5.0

#: Largest accessibility grid allowed (about 0.5 M cells: 75 m hexagons over the district),
#: so a too-small ``--cell`` fails at once instead of exhausting memory.
accessibility_max_cells: int = 500_000

#: A place (matrix origin or destination, accessibility facility) farther than this (m) from
#: every road of the network is an error naming it (see ``wuling_geo.network.validation``).
max_snap_m: float = 2000.0

#: A point farther than this (m) from every road is off the road network: multimodal legs
#: to and from it are straight lines at :data:`offnetwork_speed_kph`.
offnetwork_snap_m: float = 2000.0

#: Straight-line speed (km/h) assumed for legs off the road network, e.g. across central
#: Chongqing to 重庆东站. An assumption, not a measured figure: set it to what you believe.
offnetwork_speed_kph: float = 20.0


def services_path() -> Path:
    """Return the path of the scheduled services file (rail and air legs)."""
    return geodata_dir / "services.toml"


#: Highest speed (km/h) accepted from a road layer's speed field. China's highest legal limit
#: is 120 km/h (cars on expressways, data/speeds.toml); 150 leaves room for design speeds and
#: rounding while catching typos such as 1000000. Empty, non-numeric, zero, negative or higher
#: values are replaced by the class speed, and the import says how many and why.
max_road_speed_kph: float = 150.0


# --- maps (issue 5)

#: Folder of the npm packages (Leaflet and its plugins) that ``wuling-geo map --offline``
#: inlines; filled by ``wuling-geo map-assets``. Env: ``WULING_GEO_WEB_ASSETS``.
web_assets_dir: Path = Path(os.environ.get("WULING_GEO_WEB_ASSETS")
                           or platformdirs.user_data_path("wuling-geo") / "web-assets")

#: Tolerance (m) to which lines and polygons are simplified for display on web maps.
map_simplify_m: float = 10.0

#: Decimal places kept in web-map coordinates (6 decimals ≈ 0.1 m).
map_decimals: int = 6


# --- itineraries (issue 6)

#: Itineraries with at most this many stops to visit are solved exactly (dynamic
#: programming; the plan is optimal); larger ones by OR-Tools guided local search.
itinerary_exact_max_stops: int = 8

#: Seconds OR-Tools searches on itineraries too large to solve exactly (on SYNTHETIC
#: 9–20-stop plans, 1 s found plans as good as 5 s and as the exact solver up to 14 stops).
itinerary_time_limit: float = 2.0

#: Most days an itinerary may span.
itinerary_max_days: int = 14

#: A stop farther than this (m) from every road of the network is not covered by it.
itinerary_max_snap_m: float = 2000.0

#: Planning defaults (dwell times) to use instead of the shipped
#: ``planning.toml``.
planning_file: Path | None = None


# --- catchments (issue 4)

#: Access distance (m): a catchment is the reached road buffered by this much and unioned —
#: the land within a short walk or side road of a road you can drive in time. 200 m keeps
#: valleys between roads out while joining a town's streets into one area.
catchment_access_m: float = 200.0

#: Tolerance (m) to which catchment polygons are simplified (keeps the map light).
catchment_simplify_m: float = 25.0

#: Segments per quarter circle of the buffers' round ends (4: within 2 % of the radius).
catchment_quad_segs: int = 4

#: An origin farther than this (m) from every road of the network is an error.
catchment_max_snap_m: float = 2000.0

#: Largest band accepted, in minutes (ten hours).
catchment_max_minutes: float = 600.0


# --- environment variables (issue 11)

#: Numeric environment variables: name -> (setting, kind, lowest, highest, default). Each is
#: read and checked when its setting is first used, never at import.
ENV_NUMBERS: dict[str, tuple[str, type, float, float, float | None]] = {
    "WULING_GEO_CONNECT_TIMEOUT": ("connect_timeout", float, 0.1, 600.0, 5.0),
    "WULING_GEO_WORKERS": ("workers", int, 1, 1024, None),
}


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
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise InputError(f"environment variable {name}={shown!r} is not valid: set it to "
                         f"{what} from {low:g} to {high:g}, or unset it")
    return kind(value)


def __getattr__(name: str) -> Any:
    """Read settings that come from the environment lazily (PEP 562)."""
    if name == "connect_timeout":
        return env_number("WULING_GEO_CONNECT_TIMEOUT")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
