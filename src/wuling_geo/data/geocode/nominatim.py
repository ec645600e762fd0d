"""A small Nominatim client: district-bounded search with an on-disk answer cache.

It honours ``osmnx.settings.nominatim_url`` (so tests and mirrors point both osmnx and
wuling-geo at one server) and Nominatim's usage policy (a user agent, one request a second,
answers cached so nothing is asked twice). The pace is kept by a
:class:`~wuling_geo.data.geocode.provider.RateLimiter` the caller owns (a geocoder has one),
not by module state.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from pathlib import Path

import osmnx as ox
import requests

from wuling_geo import settings
from wuling_geo._util.errors import OfflineError
from wuling_geo._util.files import atomic_path
from wuling_geo._util.online import require_online
from wuling_geo.data.geocode.provider import RateLimiter

log = logging.getLogger(__name__)

#: Most requests a second Nominatim's usage policy allows.
RATE = 1.0


def _cache_file(params: dict) -> Path:
    key = json.dumps([ox.settings.nominatim_url, params], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return settings.cache_dir / "nominatim" / f"{digest}.json"


def search(query: str, viewbox: tuple[float, float, float, float], limit: int = 5, *,
           limiter: RateLimiter | None = None) -> list[dict]:
    """Search Nominatim for ``query`` inside ``viewbox`` (west, south, east, north; WGS-84).

    Parameters
    ----------
    query, viewbox, limit
        What to search for, where, and the most results.
    limiter
        Spaces successive requests (default: a new one, so pass the same limiter, e.g.
        ``RateLimiter(nominatim.RATE)``, to every call of a batch). A local server
        (127.0.0.1, localhost) is not paced.

    Returns
    -------
    list of dict
        Nominatim ``jsonv2`` results (``lat``/``lon`` as strings, ``category``, ``type``,
        ``osm_type``, ``osm_id``, ``display_name``, ``namedetails``).

    Raises
    ------
    OfflineError
        Within seconds when Nominatim cannot be reached.
    """
    west, south, east, north = viewbox
    params = {"q": query, "format": "jsonv2", "limit": limit, "bounded": 1,
              "viewbox": f"{west},{north},{east},{south}", "countrycodes": "cn",
              "namedetails": 1, "accept-language": "zh,en"}
    cached = _cache_file(params)
    if cached.exists():
        log.debug("Nominatim cache hit for %r", query)
        return json.loads(cached.read_text(encoding="utf-8"))
    url = ox.settings.nominatim_url.rstrip("/") + "/search"
    log.debug("Nominatim cache miss for %r: asking %s", query, url)
    hint = "geocode offline from an OSM extract (`features` FILE) or drop `online`"
    require_online(url, "Nominatim", hint)
    if "127.0.0.1" not in url and "localhost" not in url:
        (limiter or RateLimiter(RATE)).wait()
    try:
        response = requests.get(url, params=params, timeout=(settings.connect_timeout,
                                                               settings.read_timeout),
                                headers={"User-Agent": settings.user_agent})
        response.raise_for_status()
        results = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OfflineError(f"Nominatim search for {query!r} failed ({exc}); {hint}") from None
    with contextlib.suppress(OSError):  # an unwritable cache costs a new request next time
        cached.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(cached) as tmp:
            tmp.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    return results
