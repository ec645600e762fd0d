"""Nothing lost, nothing crashes: what the writing commands may replace, and unwritable targets.

Every test here failed on the code before issue 11's fix: a user's folder given as
``network import --out`` was deleted, ``--out .`` crashed, ``map`` overwrote a user's
``index.html``, every import replaced the shared place-name cache, unwritable targets crashed
with ``PermissionError`` after the work, and a failed ``build --online`` left a folder behind.
The tests run as root, which ignores permission bits, so unwritable targets are paths under a
regular file, under ``/proc``, or a folder ``os.access`` reports read-only; the real
``PermissionError`` path is a write made to fail.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import osmnx as ox
import pytest

from tests.helpers import cli
from tests.test_network_osm import AREA, NODES, WAYS, write_osm
from wuling_geo import settings
from wuling_geo._util.errors import OutputError
from wuling_geo._util.files import check_output
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.osm_features import features_from_file, load_features, save_features
from wuling_geo.network.model import load_network


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative name → content)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def one_line_error(code: int, err: str, *words: str) -> str:
    """Assert a clean exit-2 error of one line containing ``words``; return it."""
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.replace("\r", "\n").splitlines() if "error" in line]
    assert len(lines) == 1 and lines[0].startswith("wuling-geo: error: "), err  # progress aside
    for word in words:
        assert word in lines[0], err
    return lines[0]


@pytest.fixture
def osm(tmp_path) -> Path:
    """A tiny SYNTHETIC OSM extract (four roads near 0°N 0°E) with one named sight."""
    nodes = dict(NODES) | {12: (0.015, 0.004)}
    return write_osm(tmp_path / "tiny.osm", nodes, WAYS,
                     node_tags={12: {"tourism": "attraction", "name": "SYNTHETIC Sight"}})


@pytest.fixture
def user_folder(tmp_path) -> Path:
    """A folder of the user's own files, with a subfolder."""
    folder = tmp_path / "my documents"
    (folder / "photos").mkdir(parents=True)
    (folder / "thesis.txt").write_text("years of work", encoding="utf-8")
    (folder / "photos" / "a.jpg").write_bytes(b"\xff\xd8\xff")
    return folder


# ------------------------------------------------------------ network folders

def test_import_never_replaces_a_users_folder(capsys, osm, user_folder):
    before = snapshot(user_folder)
    code, _, err = cli(capsys, "network", "import", str(osm), "--area", AREA,
                       "--out", str(user_folder))
    one_line_error(code, err, str(user_folder), "not a road network folder", "left alone")
    assert snapshot(user_folder) == before
    assert not [p for p in user_folder.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("out", [".", ".."])
def test_import_into_the_current_folder_is_a_clean_error(capsys, osm, tmp_path, monkeypatch,
                                                         out):
    here = tmp_path / "work" / "here"
    here.mkdir(parents=True)
    (here / "notes.txt").write_text("mine", encoding="utf-8")
    monkeypatch.chdir(here)
    before = snapshot(tmp_path / "work")
    code, _, err = cli(capsys, "network", "import", str(osm), "--area", AREA, "--out", out)
    one_line_error(code, err, "current folder")
    assert snapshot(tmp_path / "work") == before


def test_fetch_refuses_a_users_folder_before_downloading(capsys, user_folder, closed_port_url):
    ox.settings.overpass_url = closed_port_url + "/api"
    before = snapshot(user_folder)
    code, _, err = cli(capsys, "network", "fetch", "--out", str(user_folder))
    one_line_error(code, err, "not a road network folder")  # not the offline error
    assert snapshot(user_folder) == before


def test_rebuilding_a_network_keeps_the_users_files_in_it(capsys, osm, tmp_path):
    net = tmp_path / "net"
    assert cli(capsys, "network", "import", str(osm), "--area", AREA, "--out", str(net))[0] == 0
    (net / "catchments.gpkg").write_bytes(b"the user's catchments")
    code, _, err = cli(capsys, "network", "import", str(osm), "--area", AREA, "--out", str(net),
                       "--force")
    assert code == 0, err
    assert (net / "catchments.gpkg").read_bytes() == b"the user's catchments"
    assert len(load_network(net).edges) > 0
    # an empty folder is fine too
    (tmp_path / "empty").mkdir()
    code, _, err = cli(capsys, "network", "import", str(osm), "--area", AREA,
                       "--out", str(tmp_path / "empty"))
    assert code == 0, err


def test_import_leaves_the_shared_feature_cache_alone(capsys, osm, tmp_path):
    # an older version's shared cache, holding the place names of a real import
    old = save_features(features_from_file(osm), "an earlier import")
    before = old.read_bytes()
    scratch = write_osm(tmp_path / "scratch.osm", NODES, WAYS[:1])  # no named sight
    code, _, err = cli(capsys, "network", "import", str(scratch), "--area", AREA,
                       "--out", str(tmp_path / "scratch-net"))
    assert code == 0, err
    assert old.read_bytes() == before
    # the features live with the network they came from, and the geocoder reads those
    names = set(load_features(network_dir=tmp_path / "scratch-net")["name"].dropna())
    assert names == {"SYNTHETIC Primary"}
    geocoder = Geocoder(network=tmp_path / "scratch-net")
    assert "SYNTHETIC Sight" not in set(geocoder.features["name"].dropna())
    # a network without features of its own falls back to the old shared cache
    assert "SYNTHETIC Sight" in set(Geocoder(network=tmp_path / "none").features["name"])


# ------------------------------------------------------------ map index

def test_map_never_overwrites_a_users_index(capsys, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><title>My site</title></html>", encoding="utf-8")
    code, _, err = cli(capsys, "map", "--out", str(site / "x.html"), "--basemap", "none")
    assert code == 0, err
    assert (site / "index.html").read_text(encoding="utf-8") == \
        "<html><title>My site</title></html>"
    assert "left" in err or settings.quiet  # a note on stderr unless --quiet
    assert (site / "x.html").is_file()


def test_map_rewrites_its_own_index(tmp_path):
    from wuling_geo.present.maps.webmap import is_own_index, render_map, write_index

    first = write_index(tmp_path)
    assert is_own_index(first) and "x.html" not in first.read_text(encoding="utf-8")
    report = render_map(tmp_path / "x.html", layers={}, basemap="none", index=True)
    assert report.index == first and "x.html" in first.read_text(encoding="utf-8")
    first.write_text("<title>someone else's</title>", encoding="utf-8")
    report = render_map(tmp_path / "y.html", layers={}, basemap="none", index=True)
    assert report.index is None and report.index_kept == first
    with pytest.raises(OutputError, match="not written by wuling-geo"):
        write_index(tmp_path)
    assert first.read_text(encoding="utf-8") == "<title>someone else's</title>"


# ------------------------------------------------------------ unwritable outputs, checked first

def commands(folder: Path, network: Path, osm: Path) -> dict[str, list[str]]:
    """Every writing command with its output under ``folder`` (``network``: never read)."""
    net = ["--network", str(network)]
    return {
        "layers": ["layers", "--out", str(folder / "layers")],
        "build": ["build", "--out", str(folder / "out"), "--maps", str(folder / "maps"), *net],
        "network import": ["network", "import", str(osm), "--area", AREA,
                           "--out", str(folder / "net")],
        "network fetch": ["network", "fetch", "--out", str(folder / "net")],
        "catchments": ["catchments", *net, "--from", "黔江站", "--out", str(folder / "c.gpkg")],
        "map": ["map", *net, "--out", str(folder / "m.html")],
        "route": ["route", *net, "--start", "黔江站", "--visit", "JIQ",
                  "--out", str(folder / "trip")],
        "matrix": ["matrix", *net, "--from", "黔江站", "--to", "JIQ",
                   "--out", str(folder / "m.csv")],
        "access": ["access", *net, "--facilities", "JIQ", "--out", str(folder / "a.gpkg")],
        "access --map": ["access", *net, "--facilities", "JIQ", "--map", str(folder / "a.html")],
        "reach": ["reach", *net, "--from", "黔江站", "--out", str(folder / "r.gpkg")],
        "reach --map": ["reach", *net, "--from", "黔江站", "--map", str(folder / "r.html")],
    }


COMMANDS = list(commands(Path(), Path(), Path()))


@pytest.fixture
def no_work(monkeypatch, closed_port_url):
    """Make any start of the work fail loudly: geocoding every place, or going online."""
    def work(*_args, **_kwargs):
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr(Geocoder, "resolve_all", work)
    ox.settings.overpass_url = closed_port_url + "/api"


@pytest.mark.parametrize("name", COMMANDS)
def test_output_under_a_file_fails_first(capsys, tmp_path, osm, no_work, name):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder", encoding="utf-8")
    # the network is missing: had the work started first, that would be the error
    args = commands(a_file / "sub", tmp_path / "no-network", osm)[name]
    code, _, err = cli(capsys, *args)
    one_line_error(code, err, "a-file", "not a folder")
    assert a_file.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize("name", ["layers", "network import", "catchments", "route", "matrix"])
def test_read_only_folder_fails_first(capsys, tmp_path, osm, no_work, monkeypatch, name):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if Path(path) == locked and mode & os.W_OK:
            return False  # what a read-only folder answers a non-root user
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    code, _, err = cli(capsys, *commands(locked, tmp_path / "no-network", osm)[name])
    one_line_error(code, err, "not writable", str(locked))
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("path", ["/proc/wuling-geo-out.csv", "/proc/self/x/out.csv"])
def test_unwritable_system_location(path):
    with pytest.raises(OutputError, match="cannot write|does not exist"):
        check_output(path)


def test_a_write_that_fails_is_one_line_and_leaves_nothing(capsys, tmp_path, network_dir,
                                                           monkeypatch):
    import wuling_geo._util.files as files

    def refuse(*_args):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.os, "replace", refuse)  # the final rename is refused
    out = tmp_path / "m.csv"
    code, _, err = cli(capsys, "matrix", "--network", str(network_dir), "--from", "黔江站",
                       "--to", "JIQ", "--out", str(out))
    one_line_error(code, err, f"cannot write {out}", "Permission denied")
    assert sorted(tmp_path.iterdir()) == []


def test_a_network_write_that_fails_leaves_the_old_network(capsys, tmp_path, osm, monkeypatch):
    import pandas as pd

    net = tmp_path / "net"
    assert cli(capsys, "network", "import", str(osm), "--area", AREA, "--out", str(net))[0] == 0
    before = snapshot(net)

    def refuse(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", refuse)
    code, _, err = cli(capsys, "network", "import", str(osm), "--area", AREA, "--out", str(net),
                       "--force")
    one_line_error(code, err, "cannot write", "Permission denied")
    assert snapshot(net) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net", "tiny.osm"]


# ------------------------------------------------------------ the cache folder

def test_unusable_cache_fails_before_anything_is_written(capsys, tmp_path, monkeypatch,
                                                         closed_port_url):
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    monkeypatch.setattr(settings, "cache_dir", a_file / "cache")
    ox.settings.overpass_url = closed_port_url + "/api"
    ox.settings.nominatim_url = closed_port_url + "/"
    code, _, err = cli(capsys, "network", "fetch", "--out", str(tmp_path / "net"))
    one_line_error(code, err, "WULING_GEO_CACHE")
    assert not (tmp_path / "net").exists()
    code, _, err = cli(capsys, "geocode", "--online", "爱莉丝庄园")
    one_line_error(code, err, "WULING_GEO_CACHE")


def test_import_elsewhere_does_not_need_the_cache(capsys, tmp_path, osm, monkeypatch):
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    monkeypatch.setattr(settings, "cache_dir", a_file / "cache")
    code, _, err = cli(capsys, "network", "import", str(osm), "--area", AREA,
                       "--out", str(tmp_path / "net"))
    assert code == 0, err
    assert (tmp_path / "net" / "features.parquet").is_file()


# ------------------------------------------------------------ a failed build

def test_failed_online_build_leaves_no_folder(capsys, tmp_path, closed_port_url):
    ox.settings.nominatim_url = closed_port_url + "/"
    # no --network: the default (an empty cache) has none, so the build goes on to geocode
    code, _, err = cli(capsys, "-q", "build", "--online", "--out", str(tmp_path / "out"),
                       "--maps", str(tmp_path / "maps"))
    one_line_error(code, err, "Nominatim")
    assert sorted(tmp_path.iterdir()) == []


def test_render_map_writes_only_the_page_it_is_asked_for(tmp_path):
    from wuling_geo.present.maps.webmap import render_map

    report = render_map(tmp_path / "only.html", layers={}, basemap="none")
    assert report.index is None and sorted(p.name for p in tmp_path.iterdir()) == ["only.html"]
