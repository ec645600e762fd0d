"""Shared test set-up: every test gets its own cache folder, and osmnx settings are restored."""

from __future__ import annotations

import os
from pathlib import Path

import osmnx as ox
import pytest

from wuling_geo import settings

#: Leaflet and its plugins as .ci/run installs them (npm, not committed), for offline pages.
CHECKOUT_WEB_ASSETS = Path(__file__).resolve().parents[1] / "build" / "web-assets"
if CHECKOUT_WEB_ASSETS.exists():
    os.environ.setdefault("WULING_GEO_WEB_ASSETS", str(CHECKOUT_WEB_ASSETS))


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Keep downloads and derived caches out of geodata/ and apart between tests."""
    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    monkeypatch.setattr(settings, "quiet", True)
    monkeypatch.setattr(settings, "workers", None)  # 'wuling-geo --workers N' sets it
    saved = {k: getattr(ox.settings, k) for k in (
        "overpass_url", "nominatim_url", "overpass_rate_limit", "use_cache", "requests_timeout",
        "cache_folder", "doh_url_template", "http_user_agent", "useful_tags_way", "useful_tags_node")}
    yield
    for key, value in saved.items():
        setattr(ox.settings, key, value)


@pytest.fixture
def closed_port_url():
    """A 127.0.0.1 URL on which nothing listens (an offline service)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def network_dir(tmp_path_factory):
    """A saved SYNTHETIC grid over part of the district (covers 黔江站, JIQ and the seat)."""
    from wuling_geo.network.model import save_network

    from .synthetic import grid_network

    folder = tmp_path_factory.mktemp("net") / "network"
    save_network(grid_network(12, 14, spacing_m=1000, origin=(108.74, 29.42)), folder)
    return folder
