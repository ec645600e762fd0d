"""Global settings for wuling-geo, in one place (the osmnx pattern).

Change them at run time (``wuling_geo.settings.quiet = True``) or through the
environment variables named below. Network endpoints are osmnx's own
(``osmnx.settings.overpass_url`` and ``osmnx.settings.nominatim_url``), so one
setting points both osmnx and wuling-geo at a server.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO_GEODATA = Path(__file__).resolve().parents[2] / "geodata"


def _default_geodata_dir() -> Path:
    env = os.environ.get("WULING_GEO_DATA")
    if env:
        return Path(env)
    local = Path.cwd() / "geodata"
    if (local / "gazetteer.toml").exists():
        return local
    return _REPO_GEODATA


#: Folder of shipped data: ``gazetteer.toml``, ``boundary.geojson``. Env: ``WULING_GEO_DATA``.
geodata_dir: Path = _default_geodata_dir()

#: Folder for downloads and derived caches (OSM features, networks, geocoder answers).
#: Env: ``WULING_GEO_CACHE``; default ``<geodata_dir>/cache``.
cache_dir: Path = Path(os.environ.get("WULING_GEO_CACHE", geodata_dir / "cache"))

#: Folder where rendered maps go by default.
maps_dir: Path = geodata_dir.parent / "maps"

#: Hide progress bars and informational messages.
quiet: bool = False

#: Print extra diagnostics.
verbose: bool = False

#: Seconds allowed to open a connection to an online service before giving up.
#: Offline machines must fail in seconds, not minutes.
connect_timeout: float = float(os.environ.get("WULING_GEO_CONNECT_TIMEOUT", "5"))

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
