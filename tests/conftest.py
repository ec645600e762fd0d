"""Shared test set-up: every test gets its own cache folder, and osmnx settings are restored."""

from __future__ import annotations

import osmnx as ox
import pytest

from wuling_geo import settings


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Keep downloads and derived caches out of geodata/ and apart between tests."""
    monkeypatch.setattr(settings, "cache_dir", tmp_path / "cache")
    monkeypatch.setattr(settings, "quiet", True)
    saved = {k: getattr(ox.settings, k) for k in (
        "overpass_url", "nominatim_url", "overpass_rate_limit", "use_cache", "requests_timeout",
        "cache_folder", "doh_url_template", "http_user_agent")}
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
