"""A small Nominatim client: district-bounded search with an on-disk answer cache.

It honours ``osmnx.settings.nominatim_url`` (so tests and mirrors point both osmnx and
wuling-geo at one server) and Nominatim's usage policy (a user agent, one request a second,
answers cached so nothing is asked twice).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from pathlib import Path

import osmnx as ox
import requests

from wuling_geo import settings
from wuling_geo._util.errors import OfflineError
from wuling_geo._util.files import atomic_path
from wuling_geo._util.online import require_online

_last_request = 0.0


def _cache_file(params: dict) -> Path:
    key = json.dumps([ox.settings.nominatim_url, params], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return settings.cache_dir / "nominatim" / f"{digest}.json"


def search(query: str, viewbox: tuple[float, float, float, float], limit: int = 5) -> list[dict]:
    """Search Nominatim for ``query`` inside ``viewbox`` (west, south, east, north; WGS-84).

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
    global _last_request
    west, south, east, north = viewbox
    params = {"q": query, "format": "jsonv2", "limit": limit, "bounded": 1,
              "viewbox": f"{west},{north},{east},{south}", "countrycodes": "cn",
              "namedetails": 1, "accept-language": "zh,en"}
    cached = _cache_file(params)
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    url = ox.settings.nominatim_url.rstrip("/") + "/search"
    hint = "geocode offline from an OSM extract (--osm FILE) or drop --online"
    require_online(url, "Nominatim", hint)
    wait = 1.0 - (time.monotonic() - _last_request)
    if wait > 0 and "127.0.0.1" not in url and "localhost" not in url:
        time.sleep(wait)
    try:
        response = requests.get(url, params=params, timeout=(settings.connect_timeout,
                                                               settings.read_timeout),
                                headers={"User-Agent": settings.user_agent})
        _last_request = time.monotonic()
        response.raise_for_status()
        results = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OfflineError(f"Nominatim search for {query!r} failed ({exc}); {hint}") from None
    with contextlib.suppress(OSError):  # an unwritable cache costs a new request next time
        cached.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(cached) as tmp:
            tmp.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    return results
