"""Fail fast when an online service cannot be reached.

Without a network, DNS fails or a connection hangs until a long read timeout; a probe with
a short connect timeout turns either into an :class:`OfflineError` within seconds.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import osmnx as ox

from wuling_geo import settings
from wuling_geo._util.errors import OfflineError


@contextlib.contextmanager
def osmnx_settings(**extra: Any) -> Iterator[None]:
    """Apply wuling-geo's HTTP settings to osmnx inside the block, and restore osmnx's after.

    The user agent, read timeout and cache folder (``cache_dir/http``) are wuling-geo's; the
    endpoints (``overpass_url``, ``nominatim_url``) and rate limiting stay the caller's. DNS
    over HTTPS is off: :func:`require_online` has already resolved the host.

    Parameters
    ----------
    **extra
        Further ``osmnx.settings`` values for the block (``useful_tags_way=[...]``).
    """
    changes: dict[str, Any] = {"http_user_agent": settings.user_agent,
                               "requests_timeout": settings.read_timeout,
                               "cache_folder": str(settings.cache_dir / "http"),
                               "doh_url_template": None, **extra}
    saved = {name: getattr(ox.settings, name) for name in changes}
    try:
        for name, value in changes.items():
            setattr(ox.settings, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)


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
