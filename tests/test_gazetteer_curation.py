"""Curating the gazetteer: candidates side by side, agreement, accept into the file, check.

Offline: the Amap stand-in (tests/provider_standins.py), a Nominatim stand-in and a small
SYNTHETIC OSM file; a copy of the FIXTURE gazetteer in tmp_path. Positions here are made up.
"""

from __future__ import annotations

import csv
import difflib
import json
import shutil

import osmnx as ox
import pytest
import shapely

from wuling_geo import settings
from wuling_geo.data.curation import (
    PlaceReview,
    Proposal,
    Review,
    compare,
    file_sha256,
    metres,
)
from wuling_geo.data.gazetteer import load_gazetteer
from wuling_geo.data.gazetteer_edit import load_place_geometry
from wuling_geo.present.exports.review import csv_cell, to_csv
from wuling_geo.present.maps.review_map import render_review_map

from . import provider_standins as standin
from .fixture_server import FixtureServer
from .helpers import SMALL_GAZETTEER, cli
from .osm_xml import write_osm

# SYNTHETIC OSM features (made-up positions): 神龟峡 ~220 m from the Amap stand-in's point,
# 小南海镇 ~3 km from it, and a closed way outlining 神龟峡.
OSM_NODES = [
    (1, 108.7020, 29.5010, {"name": "神龟峡", "tourism": "attraction"}),
    (2, 108.8300, 29.5800, {"name": "小南海镇", "place": "town"}),
    (11, 108.695, 29.495, {}), (12, 108.705, 29.495, {}), (13, 108.705, 29.505, {}),
]
OSM_WAYS = [(200, [11, 12, 13, 11], {"name": "神龟峡景区", "tourism": "attraction"})]
NOMINATIM = [
    {"lat": "29.5005", "lon": "108.7015", "category": "tourism", "type": "attraction",
     "osm_type": "node", "osm_id": 1, "display_name": "神龟峡, 黔江区 (SYNTHETIC)"},
]


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    monkeypatch.setenv("WULING_GEO_CONFIG", str(tmp_path / "config.toml"))
    for env in ("WULING_GEO_AMAP_KEY", "WULING_GEO_BAIDU_KEY", "WULING_GEO_TIANDITU_KEY"):
        monkeypatch.delenv(env, raising=False)
    monkeypatch.setattr(settings, "provider_backoff", 0.0)
    monkeypatch.setattr(settings, "provider_rates", {"amap": 0, "baidu": 0, "tianditu": 0})


@pytest.fixture
def gaz(tmp_path):
    path = tmp_path / "gazetteer.toml"
    shutil.copy(SMALL_GAZETTEER, path)
    return path


@pytest.fixture
def osm(tmp_path):
    return write_osm(tmp_path / "syn.osm", OSM_NODES, OSM_WAYS)


@pytest.fixture
def services(monkeypatch):
    """The Amap stand-in (keyed) and a Nominatim stand-in."""
    def nominatim(path, params, body):
        return 200, [r for r in NOMINATIM if params.get("q", "") in r["display_name"]]

    with FixtureServer({"/": standin.amap(standin.Scripted())}) as amap, \
            FixtureServer({"/search": nominatim}) as nomi:
        monkeypatch.setattr(settings, "amap_url", amap.url)
        monkeypatch.setenv("WULING_GEO_AMAP_KEY", standin.KEY)
        ox.settings.nominatim_url = nomi.url + "/"
        yield amap, nomi


def review(capsys, gaz, osm, out, *extra):
    code, stdout, err = cli(capsys, "--gazetteer", str(gaz), "gazetteer", "candidates",
                            "神龟峡", "小南海镇", "--osm", str(osm), "--provider", "amap",
                            "--provider", "nominatim", "--out", str(out), *extra)
    assert code == 0, err
    return stdout


def read_rows(folder):
    with open(folder / "candidates.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def only_added(old: str, new: str) -> list[str]:
    """Return the added lines; fail if any old line was removed or changed."""
    diff = list(difflib.ndiff(old.splitlines(), new.splitlines()))
    assert not [d for d in diff if d.startswith("- ")], "a line of the file changed"
    return [d[2:] for d in diff if d.startswith("+ ")]


# ------------------------------------------------------------------ candidates

def test_candidates_table_side_by_side_with_agreement_and_flags(capsys, gaz, osm, services,
                                                                 tmp_path):
    before = gaz.read_bytes()
    out = tmp_path / "rev"
    stdout = review(capsys, gaz, osm, out)
    assert "2 places" in stdout and "osm, nominatim, amap" in stdout
    assert gaz.read_bytes() == before  # nothing is accepted automatically
    rows = read_rows(out)
    turtle = [r for r in rows if r["place_id"] == "shengui-gorge"]
    by = {(r["source"], r["ident"] or r["method"]): r for r in turtle}
    osm_row = by[("osm", "node/1")]
    amap_poi = by[("amap", "B0SYN00000")]
    nomi = by[("nominatim", "node/1")]
    # each source's own label; positions in WGS-84; 1-based numbers per place
    assert amap_poi["label"] == "神龟峡" and amap_poi["source_datum"] == "gcj02"
    assert metres((float(amap_poi["lon"]), float(amap_poi["lat"])), (108.70, 29.50)) < 1
    assert sorted(int(r["n"]) for r in turtle) == list(range(1, len(turtle) + 1))
    # OSM and Amap are independent and ~220 m apart: they agree; OSM and Nominatim are one
    # lineage (OpenStreetMap), so they never "agree" with each other
    d = metres((108.7020, 29.5010), (108.70, 29.50))
    assert 150 < d < 300
    assert f"#{amap_poi['n']} ({d:.0f} m)" in osm_row["agrees_with"]
    assert f"#{nomi['n']} " not in osm_row["agrees_with"]
    assert turtle[0]["verdict"] == "agree"
    # the bus stop of the same name is shown, flagged, and agrees with nothing
    stop = by[("amap", "B0SYN00001")]
    assert stop["flags"] == "kind-mismatch" and stop["confidence"] == "none"
    assert stop["agrees_with"] == ""
    # 小南海镇: OSM's town is ~3 km from Amap's: flagged on both, verdict disagree
    town = [r for r in rows if r["place_id"] == "xiaonanhai-town"]
    town_osm = next(r for r in town if r["source"] == "osm")
    assert town_osm["far_from"] and town_osm["verdict"] == "disagree"
    assert int(town_osm["nearest_other_m"]) > 1000
    # the GeoJSON has the same rows as points; the record has the file's hash
    gj = json.loads((out / "candidates.geojson").read_text(encoding="utf-8"))
    assert len(gj["features"]) == len(rows)
    rec = json.loads((out / "review.json").read_text(encoding="utf-8"))
    assert rec["gazetteer_sha256"] == file_sha256(gaz)
    page = (out / "review.html").read_text(encoding="utf-8")
    assert "神龟峡公交站" in page and "WGR.add" in page


def test_unresolved_by_default_and_failing_source_is_noted(capsys, gaz, osm, services,
                                                           tmp_path, monkeypatch):
    monkeypatch.setenv("WULING_GEO_AMAP_KEY", "bad-key-1")
    code, out, err = cli(capsys, "--gazetteer", str(gaz), "gazetteer", "candidates",
                         "--category", "civic", "--osm", str(osm), "--out",
                         str(tmp_path / "rev"))
    assert code == 0, err
    assert "note: amap:" in err and "bad-key-1" not in err + out
    ids = {r["place_id"] for r in read_rows(tmp_path / "rev")}
    # civic places without a position only (the district seat has one)
    assert ids == {"xiaonanhai-town", "zhuoshui-town", "xinhua-township"}


def test_compare_agreement_and_far_flags():
    def prop(n, source, lon, lat, flags=()):
        return Proposal("x", n, source, "", lon, lat, "wgs84", "", "medium", "", "", "",
                        flags=flags)

    base = (108.70, 29.50)
    east_250 = (108.70 + 250 / 96_900, 29.50)
    east_600 = (108.70 + 600 / 96_900, 29.50)
    east_1500 = (108.70 + 1500 / 96_900, 29.50)
    got = compare([prop(1, "osm", *base), prop(2, "nominatim", *east_250),
                   prop(3, "amap", *east_250), prop(4, "baidu", *east_600),
                   prop(5, "tianditu", *east_1500), prop(6, "baidu", *base, ("kind-mismatch",))])
    by = {p.n: p for p in got}
    assert [n for n, _ in by[1].agrees_with] == [3]  # not 2: the same lineage
    assert [n for n, _ in by[3].agrees_with] == [1, 2]  # 4 is 350 m away: not agreeing
    assert 4 not in [n for n, _ in by[1].agrees_with + by[1].far_from]  # 600 m: neither
    assert [n for n, _ in by[1].far_from] == [5]
    assert by[6].agrees_with == () and by[6].far_from == ()  # unusable: never counted
    assert by[6].nearest[0] in (3, 2, 1) and 6 not in [n for n, _ in by[1].agrees_with]
    assert PlaceReview(load_gazetteer(SMALL_GAZETTEER).get("xiaonanhai"), got).verdict == \
        "agree-and-disagree"


def test_csv_and_map_escape_provider_labels(tmp_path):
    nasty = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "<img src=x onerror=alert(1)>"]
    props = [Proposal("xiaonanhai", i + 1, "amap", label, 108.7, 29.5, "gcj02", label,
                      "medium", "geocode", label, "2024-01-01")
             for i, label in enumerate(nasty)]
    place = load_gazetteer(SMALL_GAZETTEER).get("xiaonanhai")
    rev = Review(SMALL_GAZETTEER, "0", "2024-01-01T00:00:00", ("amap",),
                 [PlaceReview(place, props)])
    rows = list(csv.DictReader(to_csv(rev).splitlines()))
    assert [r["label"] for r in rows] == ["'" + s if s[0] in "=+-@" else s for s in nasty]
    assert csv_cell("108.7") == "108.7" and csv_cell("-3") == "'-3"
    page = render_review_map(rev)
    assert "<img src=x" not in page and "\\u003cimg src=x" in page


# ------------------------------------------------------------------ accept

def test_accept_keeps_layout_and_writes_provenance(capsys, gaz, osm, services, tmp_path):
    out = tmp_path / "rev"
    review(capsys, gaz, osm, out)
    rows = read_rows(out)
    poi = next(r for r in rows if r["ident"] == "B0SYN00000" and r["place_id"] == "shengui-gorge")
    old = gaz.read_text(encoding="utf-8")
    code, stdout, err = cli(capsys, "--gazetteer", str(gaz), "gazetteer", "accept", "神龟峡",
                            "--candidate", poi["n"], "--review", str(out))
    assert code == 0, err
    new = gaz.read_text(encoding="utf-8")
    added = only_added(old, new)
    assert added[1] == "[place.position]" and added[0].startswith("# accepted ")
    assert len(added) == 8
    # inserted inside the 神龟峡 entry, right after its own fields
    lines = new.splitlines()
    at = lines.index("[place.position]", lines.index('id = "shengui-gorge"'))
    assert lines[at - 2] == 'grade = "4A"'
    pos = load_gazetteer(gaz).get("shengui-gorge").position
    assert pos.datum == "gcj02" and pos.confidence == "medium"
    assert "amap place-search for '神龟峡'" in pos.source and "B0SYN00000" in pos.source
    assert "agrees with candidate" in pos.source
    assert metres((pos.lon, pos.lat), (float(poi["lon"]), float(poi["lat"]))) < 0.5
    assert 'date = "' in "\n".join(added)
    # a second place from the same review still works (the review follows its own edits)
    town = next(r for r in rows if r["place_id"] == "xiaonanhai-town" and r["source"] == "amap")
    code, _, err = cli(capsys, "--gazetteer", str(gaz), "gazetteer", "accept", "小南海镇",
                       "--candidate", town["n"], "--review", str(out))
    assert code == 0, err
    assert load_gazetteer(gaz).get("xiaonanhai-town").position is not None
    # but a hand edit in between makes the review stale
    gaz.write_text(gaz.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    stale = gaz.read_bytes()
    code, _, err = cli(capsys, "--gazetteer", str(gaz), "gazetteer", "accept", "神龟峡",
                       "--candidate", poi["n"], "--review", str(out), "--replace")
    assert code == 2 and "changed since the review" in err and err.count("\n") == 1
    assert gaz.read_bytes() == stale


def test_accept_from_edited_csv_and_refusals(capsys, gaz, osm, services, tmp_path):
    out = tmp_path / "rev"
    review(capsys, gaz, osm, out)
    rows = read_rows(out)
    stop = next(r for r in rows if r["ident"] == "B0SYN00001")
    base = ["--gazetteer", str(gaz), "gazetteer", "accept"]
    before = gaz.read_bytes()
    for args, words in [
        (["神龟峡", "--candidate", stop["n"], "--review", str(out)], "failed a check"),
        (["神龟峡", "--candidate", "99", "--review", str(out)], "no candidate 99"),
        (["濯水景区", "--candidate", "1", "--review", str(out)], "not in this review"),
        (["神龟峡", "--candidate", "1", "--review", str(tmp_path)], "holds no review.json"),
        (["神龟峡"], "give PLACE --candidate N --review DIR"),
        (["--from-csv", str(out / "candidates.csv")], "marks no row"),
    ]:
        code, _, err = cli(capsys, *base, *args)
        assert code == 2 and words in err and err.count("\n") == 1, (args, err)
    other = tmp_path / "other.toml"
    shutil.copy(gaz, other)
    code, _, err = cli(capsys, "--gazetteer", str(other), "gazetteer", "accept", "神龟峡",
                       "--candidate", "1", "--review", str(out))
    assert code == 2 and "the review was made for" in err
    assert gaz.read_bytes() == before
    # the planner marks two rows in a spreadsheet and accepts them together
    osm_turtle = next(r for r in rows if r["place_id"] == "shengui-gorge" and r["source"] == "osm")
    osm_town = next(r for r in rows if r["place_id"] == "xiaonanhai-town" and r["source"] == "osm")
    edited = tmp_path / "edited.csv"
    with open(edited, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "accept": "x" if r in (osm_turtle, osm_town) else ""})
    code, stdout, err = cli(capsys, *base, "--from-csv", str(edited), "--review", str(out))
    assert code == 0, err
    g = load_gazetteer(gaz)
    assert g.get("shengui-gorge").position.source.startswith("osm name match")
    assert "node/2" in g.get("xiaonanhai-town").position.source
    assert g.get("xiaonanhai-town").position.datum == "wgs84"
    code, _, err = cli(capsys, *base, "--from-csv", str(edited), "--review", str(out))
    assert code == 2 and "already has a position" in err


# ------------------------------------------------------------------ geometry and check

def test_accept_geometry_from_osm_way_and_user_file(capsys, gaz, osm, tmp_path):
    code, _, err = cli(capsys, "--gazetteer", str(gaz), "gazetteer", "accept", "神龟峡",
                       "--geometry-osm", "way/200", "--osm", str(osm), "--confidence", "medium")
    assert code == 0, err
    g = load_gazetteer(gaz)
    ref = g.get("shengui-gorge").geometry
    assert ref.file == "shapes/shengui-gorge.geojson" and "way/200" in ref.source
    geom = load_place_geometry(g, "shengui-gorge")
    assert geom.geom_type == "Polygon" and geom.contains(shapely.Point(108.70, 29.499))
    code, out, err = cli(capsys, "gazetteer", "check", str(gaz))
    assert code == 0 and "1 with a geometry" in out
    # a user's line in GCJ-02 is kept as given and converted on load
    user = tmp_path / "road.geojson"
    user.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {}, "geometry": {
            "type": "LineString", "coordinates": [[108.70, 29.50], [108.72, 29.51]]}}]}))
    code, _, err = cli(capsys, "--gazetteer", str(gaz), "gazetteer", "accept", "濯水景区",
                       "--geometry-file", str(user), "--datum", "gcj02", "--source",
                       "planner's survey 2024", "--confidence", "medium")
    assert code == 0, err
    line = load_place_geometry(load_gazetteer(gaz), "zhuoshui-scenic-area")
    assert 300 < metres(line.coords[0], (108.70, 29.50)) < 700  # GCJ-02 -> WGS-84 shift
    for args, words in [
        (["神龟峡", "--geometry-osm", "way/999", "--osm", str(osm), "--confidence", "low"],
         "not among the named"),
        (["神龟峡", "--geometry-osm", "node/1", "--osm", str(osm), "--confidence", "low"],
         "not an OSM way or relation"),
        (["神龟峡", "--geometry-osm", "way/200", "--osm", str(osm), "--confidence", "low"],
         "already has a geometry"),
        (["小南海", "--geometry-file", str(user), "--confidence", "low"], "needs --source"),
    ]:
        code, _, err = cli(capsys, "--gazetteer", str(gaz), "gazetteer", "accept", *args)
        assert code == 2 and words in err and err.count("\n") == 1, (args, err)


@pytest.mark.parametrize(("edit", "words"), [
    (('datum = "gcj02"', 'datum = "tokyo"'), "position.datum"),
    (('confidence = "high"', 'confidence = "sure"'), "position.confidence"),
    (('confidence = "high"', 'confidence = "high"\ndate = "2024-13-40"'), "position.date"),
    (('subtype = "cold_chain"', 'subtype = "cold_chain"\n[place.geometry]\nfile = "no.geojson"\n'
      'datum = "wgs84"\nsource = "x"\nconfidence = "low"'), "no.geojson is unreadable"),
])
def test_check_catches_errors(capsys, gaz, edit, words):
    text = gaz.read_text(encoding="utf-8")
    assert edit[0] in text
    gaz.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    code, out, err = cli(capsys, "gazetteer", "check", str(gaz))
    assert code == 2 and words in err and err.count("\n") == 1 and str(gaz) in err


def test_check_ok_and_bad_inputs_exit_2(capsys, gaz, tmp_path):
    code, out, _ = cli(capsys, "gazetteer", "check", str(gaz))
    assert code == 0 and "17 places" in out
    afile = tmp_path / "afile"
    afile.write_text("x")
    for args, words in [
        (["gazetteer", "check", str(tmp_path / "missing.toml")], "not found"),
        (["--gazetteer", str(gaz), "gazetteer", "candidates", "不存在", "--offline", "--out",
          str(tmp_path / "r")], "unknown place"),
        (["--gazetteer", str(gaz), "gazetteer", "candidates", "--category", "bogus",
          "--offline", "--out", str(tmp_path / "r")], "unknown category"),
        (["--gazetteer", str(gaz), "gazetteer", "candidates", "神龟峡", "--offline", "--out",
          str(afile)], "is a file"),
        (["--gazetteer", str(gaz), "gazetteer", "candidates", "神龟峡", "--offline",
          "--provider", "amap", "--out", str(tmp_path / "r")], "contradict"),
    ]:
        code, _, err = cli(capsys, *args)
        assert code == 2 and words in err and err.count("\n") == 1, (args, err)
    assert not (tmp_path / "r").exists()
