"""Fail fast when an online service cannot be reached.

Without a network, DNS fails or a connection hangs until a long read timeout; a probe with
a short connect timeout turns either into an :class:`OfflineError` within seconds.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import osmnx as ox

from wuling_geo import settings
from wuling_geo._util.errors import OfflineError


def configure_osmnx() -> None:
    """Apply wuling-geo's HTTP settings (user agent, timeouts, cache folder) to osmnx."""
    ox.settings.http_user_agent = settings.user_agent
    ox.settings.requests_timeout = settings.read_timeout
    ox.settings.cache_folder = str(settings.cache_dir / "http")
    # Never fall back to DNS-over-HTTPS: the preflight below has already resolved the host.
    ox.settings.doh_url_template = None


def require_online(url: str, service: str, offline_hint: str) -> None:
    """Raise :class:`OfflineError` unless a TCP connection to ``url``'s host opens quickly.

    Parameters
    ----------
    url
        The service's base URL (e.g. ``osmnx.settings.overpass_url``).
    service
        Its name for the message ("Overpass", "Nominatim").
    offline_hint
        What the user can do instead, appended to the message.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=settings.connect_timeout):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        msg = (f"cannot reach {service} at {host}:{port} ({reason}); this machine seems "
               f"offline: {offline_hint}")
        raise OfflineError(msg) from None
