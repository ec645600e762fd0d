"""Itinerary exports and the ``wuling-geo route`` command, on a SYNTHETIC grid network.

The GPX is validated against the Topografix GPX 1.1 XSD shipped in the PyPI package
``gpx`` 0.2.1 (``gpx/gpx.xsd``; the schema cannot be downloaded on these machines).
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
from pathlib import Path

import gpxpy
import pandas as pd
import pytest
from lxml import etree

from tests.synthetic import grid_network
from wuling_geo.analysis.itinerary.planner import plan_itinerary
from wuling_geo.cli import run
from wuling_geo.data.gazetteer import Place, Visit
from wuling_geo.data.geocode.geocoder import Resolution
from wuling_geo.network.model import save_network
from wuling_geo.present.exports import itinerary as itinerary_export
from wuling_geo.present.exports.itinerary import to_csv, to_gpx, to_html, to_markdown, write_itinerary

GPX_XSD = Path(importlib.util.find_spec("gpx").origin).parent / "gpx.xsd"
EXPORTS = {"itinerary.gpx", "itinerary.csv", "itinerary.md", "itinerary.html",
           "itinerary_legs.geojson"}


@pytest.fixture(scope="module")
def grid():
    return grid_network(6, 6, spacing_m=2400, speed_kph=36)


def at(net, node):
    return float(net.nodes.at[node, "x"]), float(net.nodes.at[node, "y"])


def stop(net, node, name, **visit):
    lon, lat = at(net, node)
    p = Place(id=f"p{node}", name_zh=name, name_en=f"Place {node}", category="scenic",
              subtype="scenic_area", grade="4A", visit=Visit(**visit))
    return Resolution(p.id, p, lon, lat, "gazetteer", "test", "high")


@pytest.fixture(scope="module")
def itin(grid):
    return plan_itinerary(grid, at(grid, 1), [stop(grid, 36, "小南海"), stop(grid, 8, "濯水")],
                          optional=[stop(grid, 31, "神龟峡", dwell_minutes=600)], days=2,
                          overnight=at(grid, 22), start_date="2025-07-07")


def test_gpx_validates_against_the_gpx_1_1_schema(itin):
    schema = etree.XMLSchema(etree.parse(str(GPX_XSD)))
    assert "GPX schema version 1.1" in GPX_XSD.read_text(encoding="utf-8")
    text = to_gpx(itin)
    doc = etree.parse(io.BytesIO(text.encode("utf-8")))
    assert schema.validate(doc), schema.error_log
    broken = etree.parse(io.BytesIO(text.replace("<name>", "<nom>", 1)
                                    .replace("</name>", "</nom>", 1).encode("utf-8")))
    assert not schema.validate(broken)  # the check can fail


def test_gpx_content(itin):
    gpx = gpxpy.parse(to_gpx(itin))
    assert [t.name for t in gpx.tracks] == ["Day 1 (Mon 2025-07-07)", "Day 2 (Tue 2025-07-08)"]
    assert [len(t.segments) for t in gpx.tracks] == [len(d.legs) for d in itin.days]
    for track, day in zip(gpx.tracks, itin.days, strict=True):
        for seg, leg in zip(track.segments, day.legs, strict=True):
            assert [(p.longitude, p.latitude) for p in seg.points] == list(leg.geometry.coords)
    assert [len(r.points) for r in gpx.routes] == [len(d.calls) for d in itin.days]
    names = [w.name for w in gpx.waypoints]
    assert {"小南海", "濯水"} <= set(names) and "神龟峡" not in names  # dropped: 10 h visit
    first = next(w for w in gpx.waypoints if w.name == "小南海" or w.name == "濯水")
    call = next(c for c in itin.visits if c.name == first.name)
    assert first.time.utcoffset().total_seconds() == 0
    assert (first.time.hour * 3600 + first.time.minute * 60 + 8 * 3600) % 86400 == call.arrive


def test_csv_markdown_html(itin):
    table = pd.read_csv(io.StringIO(to_csv(itin)), dtype=str, keep_default_na=False)
    assert list(table.columns) == list(itinerary_export.CSV_COLUMNS)
    assert len(table) == sum(len(d.calls) for d in itin.days)
    visits = table[table["kind"] == "visit"]
    assert set(visits["name"]) == {"小南海", "濯水"} and set(visits["must"]) == {"must"}
    assert table["weekday"].iloc[0] == "mon" and table["date"].iloc[0] == "2025-07-07"
    drive = pd.to_numeric(table["drive_in_min"], errors="coerce").sum()
    assert drive == pytest.approx(itin.drive_s / 60, abs=0.1)
    md = to_markdown(itin)
    assert "## Day 1 (Mon 2025-07-07)" in md and "神龟峡" in md and "SYNTHETIC" in md
    assert "planning assumptions" in md
    page = to_html(itin)
    assert page.startswith("<!DOCTYPE html>") and "<h2>Day 2 (Tue 2025-07-08)</h2>" in page


def test_html_escapes_names_and_osm_networks_are_credited(grid):
    osm = type(grid)(grid.nodes, grid.edges, {"source": "OpenStreetMap extract (test)"})
    evil = stop(osm, 8, "<script>alert('x')</script>&co")
    itin = plan_itinerary(osm, at(osm, 1), [evil])
    page = to_html(itin)
    assert "<script>" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;co" in page
    assert "© OpenStreetMap contributors, ODbL" in page and "SYNTHETIC" not in page
    assert "© OpenStreetMap contributors, ODbL" in to_markdown(itin)
    gpx = gpxpy.parse(to_gpx(itin))
    assert gpx.copyright_author == "OpenStreetMap contributors"
    assert "odbl" in gpx.copyright_license


def test_exports_are_all_or_nothing(itin, tmp_path, monkeypatch):
    out = tmp_path / "trip"
    written = write_itinerary(itin, out, with_map=False)
    assert {p.name for p in written} == EXPORTS and all(p.stat().st_size for p in written)
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~mask  # like any new folder, not 0700
    (out / "keep.txt").write_text("mine")
    before = (out / "itinerary.gpx").read_bytes()

    def broken(_):
        raise RuntimeError("disk full")

    monkeypatch.setattr(itinerary_export, "to_html", broken)
    with pytest.raises(RuntimeError):
        write_itinerary(itin, out, with_map=False)
    assert (out / "itinerary.gpx").read_bytes() == before  # old files untouched
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPORTS | {"keep.txt"})  # no stage left
    with pytest.raises(RuntimeError):
        write_itinerary(itin, tmp_path / "new", with_map=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trip"]


def test_map_through_the_web_map_renderer(itin, tmp_path):
    pytest.importorskip("wuling_geo.present.maps.webmap")
    written = write_itinerary(itin, tmp_path / "trip")
    page = (tmp_path / "trip" / "itinerary_map.html").read_text(encoding="utf-8")
    assert "itinerary_map.html" in {p.name for p in written}
    assert "小南海" in page and "SYNTHETIC" in page


# ---------------------------------------------------------------- command line

GAZETTEER = """
[[place]]
id = "lake"
name_zh = "小南海测试"
name_en = "Test Lake"
aliases = ["lake-alias"]
category = "scenic"
subtype = "scenic_area"
grade = "4A"
[place.position]
lon = {lake[0]}
lat = {lake[1]}
datum = "wgs84"
source = "SYNTHETIC test position"
confidence = "high"
[place.visit]
opening_hours = ["08:00-12:00", "13:00-17:00"]
closed_days = ["tue"]

[[place]]
id = "town"
name_zh = "古镇测试"
name_en = "Test Town"
category = "scenic"
subtype = "ancient_town"
grade = "5A"
[place.position]
lon = {town[0]}
lat = {town[1]}
datum = "wgs84"
source = "SYNTHETIC test position"
confidence = "high"

[[place]]
id = "station"
name_zh = "车站测试"
name_en = "Test Station"
category = "transport"
subtype = "railway_station"
[place.position]
lon = {station[0]}
lat = {station[1]}
datum = "wgs84"
source = "SYNTHETIC test position"
confidence = "high"
"""


@pytest.fixture
def setup(grid, tmp_path):
    gaz = tmp_path / "gazetteer.toml"
    gaz.write_text(GAZETTEER.format(lake=at(grid, 36), town=at(grid, 8), station=at(grid, 1)),
                   encoding="utf-8")
    save_network(grid, tmp_path / "net")
    return ["--gazetteer", str(gaz), "route", "--network", str(tmp_path / "net")]


def cli(capsys, *args):
    code = run([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_route_command_plans_prints_and_exports(setup, tmp_path, capsys):
    x, y = 108.72, 29.46  # a lon,lat stop
    code, out, err = cli(capsys, *setup, "--start", "车站测试", "--visit", "lake-alias", "古镇测试",
                         "--optional", f"{x},{y}", "--days", "2", "--weekday", "mon",
                         "--dwell", "古镇测试=1h30", "--max-drive", "3h", "--out",
                         tmp_path / "out", "--no-map")
    assert code == 0, err
    assert "Day 1 (Mon)" in out and "Day 2 (Tue)" in out
    assert re.search(r"\n  \d\d:\d\d  古镇测试 \(Test Town\): arrive \d\d:\d\d.*\(1h30\)\n", out)
    assert "Solver: exact (dynamic programming) (optimal)" in out
    assert {p.name for p in (tmp_path / "out").iterdir()} == EXPORTS
    table = pd.read_csv(tmp_path / "out" / "itinerary.csv", encoding="utf-8-sig")
    lake = table[table["place_id"] == "lake"]
    assert list(lake["day"]) == [1]  # closed on Tuesdays
    assert set(table.loc[table["kind"] == "visit", "name"]) >= {"小南海测试", "古镇测试"}


@pytest.mark.parametrize(("args", "pattern"), [
    (["--visit", "lake", "--days", "0"], r"days must be at least 1 \(got 0\)"),
    (["--visit", "lake", "--days", "two"], r"--days 'two' is not a whole number"),
    (["--visit", "lake", "--day", "8h-18h"], r"day window '8h' is not a clock time"),
    (["--visit", "lake", "--max-drive", "lots"], r"'lots' is not a duration"),
    (["--visit", "lake", "--dwell", "lake"], r"--dwell 'lake' is not NAME=MINUTES"),
    (["--visit", "nowhere-at-all"], r"unknown place 'nowhere-at-all'"),
    (["--visit", "lake", "--weekday", "tue", "--days", "1"], r"closed on every day of the trip"),
    (["--visit", "lake", "--start-time", "16:50", "--day", "08:00-22:00"],
     r"closes at 17:00; a 2h00 visit must start by 15:00, earliest arrival 17:30"),
    (["--visit", "108.78,29.70"], r"km from the nearest road of the network"),
    (["--optional"], r"--optional needs at least one value after it"),
    (["--days", "2"], r"no stops to visit"),
])
def test_route_errors_are_one_line_exit_2_and_write_nothing(setup, tmp_path, capsys, args, pattern):
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, *setup, "--start", "station", *args, "--out", out_dir)
    assert code == 2
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("wuling-geo: error: "), err
    assert re.search(pattern, err), err
    assert not out_dir.exists()


def test_missing_output_parent_fails_before_planning(setup, tmp_path, capsys):
    code, _, err = cli(capsys, *setup, "--start", "station", "--visit", "lake", "--out",
                       tmp_path / "no" / "such" / "dir")
    assert code == 2 and "does not exist" in err
