"""``wuling-geo catchments`` and the build stage on a SYNTHETIC grid laid over Qianjiang
(not real roads): output files, the table, nearest mode, and bad input (one line, exit 2,
no output file)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from pyproj import Transformer

from tests.synthetic import grid_network
from wuling_geo import settings
from wuling_geo._util.errors import InputError, NetworkError, UnknownPlaceError, UnresolvedPlaceError
from wuling_geo._util.geo import utm_crs
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.analysis.catchments.stats import features_table, inside_counts, inside_records
from wuling_geo.cli import run
from wuling_geo.data.geocode.geocoder import Geocoder
from wuling_geo.data.layers import LayerReport
from wuling_geo.network.model import save_network
from wuling_geo.present.exports.catchments import write_catchments
from wuling_geo.present.main_job import BuildReport, _catchments_stage

# 11 × 15 km SYNTHETIC grid covering 黔江站 (108.7861, 29.4459) and the airport
# (108.83111, 29.51333) from the gazetteer; 濯水景区 (29.30 N) lies far off it.
GRID = dict(nx=11, ny=15, spacing_m=1000.0, origin=(108.75, 29.42))


@pytest.fixture(scope="module")
def grid():
    return grid_network(**GRID)


@pytest.fixture
def net_dir(tmp_path, grid):
    save_network(grid, tmp_path / "net")
    return tmp_path / "net"


def cli(capsys, *args):
    code = run(["-q", *args])
    out, err = capsys.readouterr()
    return code, out, err.strip()


def test_catchments_to_gpkg_with_table(capsys, net_dir, tmp_path):
    out = tmp_path / "bands.gpkg"
    code, text, err = cli(capsys, "catchments", "--network", str(net_dir), "--from", "黔江站",
                          "108.80,29.48", "--minutes", "5", "10", "--out", str(out))
    assert code == 0, err
    counties = [x for x in text.splitlines() if x.strip().startswith("counties reached:")]
    lines = [x for x in text.splitlines() if x not in counties]
    assert lines[0].split()[:3] == ["origin", "min", "snap"] and len(lines) == 2 + 4
    assert lines[2].startswith("黔江站") and lines[4].startswith("108.80000,29.48000")
    assert len(counties) == 4 and all("Qianjiang District" in x for x in counties)
    gdf = gpd.read_file(out, layer="catchments")
    assert list(gdf["minutes"]) == [5, 10, 5, 10]
    assert set(gdf["origin_id"]) == {"qianjiang-station", "108.80000,29.48000"}
    meta = pyogrio.read_info(out, layer="catchments")["layer_metadata"]
    assert meta["attribution"] == "synthetic"  # the network's own credit line
    for _, rows in gdf.groupby("origin_id"):
        small, large = rows.sort_values("minutes").geometry
        assert large.buffer(1e-9).covers(small)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bands")]


def test_geojson_json_and_nearest_category(capsys, net_dir, tmp_path):
    out = tmp_path / "near.geojson"
    code, text, err = cli(capsys, "catchments", "--network", str(net_dir), "--category",
                          "transport", "--mode", "nearest", "--minutes", "5", "--json",
                          "--out", str(out))
    assert code == 0, err
    rows = json.loads(text)
    assert len(rows) == 1 and rows[0]["mode"] == "nearest" and rows[0]["origin_id"] == "transport"
    assert rows[0]["n_origins"] >= 2  # the airport and 黔江站 at least (railway lines skipped)
    assert gpd.read_file(out).iloc[0]["origin_id"] == "transport"


def test_features_inside_name_the_places(grid, tmp_path):
    crs = utm_crs(*GRID["origin"])
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    to_ll = Transformer.from_crs(crs, 4326, always_xy=True)
    x0, y0 = to_m.transform(*GRID["origin"])

    def at(dx, dy):  # metres east/north of the grid node in column 3, row 3
        return to_ll.transform(x0 + 3000 + dx, y0 + 3000 + dy)

    # 100 m off a street 300 m away; 150 m off a street 4 km away; 500 m from any street
    where = [at(300, 100), at(4000, 150), at(500, 500)]
    layers = {"scenic": gpd.GeoDataFrame(
        {"id": ["a", "b", "c"], "name_zh": ["甲", "乙", "丙"], "grade": ["4A", "5A", "4A"]},
        geometry=gpd.points_from_xy(*zip(*where, strict=True)), crs=4326)}
    gdf = catchments(grid, [at(0, 0)], (1, 60), layers=layers)  # 10 m/s: 600 m in a minute
    near, far = gdf["features_inside"]  # structured records, not JSON text
    assert near == [{"layer": "scenic", "id": "a", "name": "甲", "grade": "4A"}]
    assert [(r["id"], r["name"], r["grade"]) for r in far] == [("a", "甲", "4A"), ("b", "乙", "5A")]
    assert inside_counts(far) == {"scenic": {"count": 2, "by_grade": {"4A": 1, "5A": 1}}}
    table = features_table(gdf)
    assert list(table["minutes"]) == [1, 60, 60] and list(table["id"]) == ["a", "a", "b"]
    # Files hold the records as JSON text; reading them back gives the same records.
    out = tmp_path / "inside.gpkg"
    write_catchments(gdf, out)
    back = gpd.read_file(out, layer="catchments")
    assert [inside_records(v) for v in back["features_inside"]] == list(gdf["features_inside"])
    assert 0 < gdf["share_of_district"].iloc[0] < gdf["share_of_district"].iloc[1] < 1


BAD = {
    "unknown origin": (["--from", "nowhere-land"], "unknown place 'nowhere-land'"),
    "off the network": (["--from", "濯水景区"], r"km from the nearest road of the network"),
    "zero minutes": (["--from", "黔江站", "--minutes", "0"], "band 0 min is out of range"),
    "negative minutes": (["--from", "黔江站", "--minutes", "-5"], "band -5 min is out of range"),
    "absurd minutes": (["--from", "黔江站", "--minutes", "601"], "at most 600"),
    "not minutes": (["--from", "黔江站", "--minutes", "soon"], "'soon' is not a number"),
    "empty category": (["--category", "logistics"], "no place of category 'logistics'"),
    "outside district": (["--from", "109.5,30.5"], "outside Qianjiang District"),
    "both": (["--from", "黔江站", "--category", "scenic"], "either --from"),
    "neither": ([], "either --from"),
    "no value": (["--from", "--minutes", "5"], "--from needs at least one value"),
    "bad suffix": (["--from", "黔江站", "--out", "x.shp"], "use a .gpkg or .geojson"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_one_line_exit_2_no_output(capsys, net_dir, tmp_path, monkeypatch, case):
    args, message = BAD[case]
    monkeypatch.chdir(tmp_path)
    if "--out" not in args:
        args = [*args, "--out", "bands.gpkg"]
    code, _, err = cli(capsys, "catchments", "--network", str(net_dir), *args)
    assert code == 2
    assert err.startswith("wuling-geo: error: ") and "\n" not in err, err
    assert re.search(message, err), err
    assert not [p for p in tmp_path.iterdir() if "bands" in p.name or p.name == "x.shp"]


def test_usage_error_exit_2(capsys, net_dir):
    code, _, err = cli(capsys, "catchments", "--network", str(net_dir), "--from", "黔江站",
                       "--mode", "all")
    assert code == 2 and "Invalid value for '--mode'" in err and "Traceback" not in err


@pytest.mark.parametrize("damage", ["missing", "no truck times", "nan times"])
def test_bad_network_one_line_exit_2(capsys, grid, tmp_path, damage):
    folder = tmp_path / "net"
    profile = "car"
    if damage != "missing":
        net = grid_network(**GRID)
        if damage == "no truck times":
            net.edges = net.edges.drop(columns=["travel_time_truck", "speed_kph_truck"])
            profile = "truck"
        else:
            net.edges.loc[3, "travel_time_car"] = np.nan
        save_network(net, folder)
    code, _, err = cli(capsys, "catchments", "--network", str(folder), "--from", "黔江站",
                       "--profile", profile, "--out", str(tmp_path / "b.gpkg"))
    assert code == 2 and err.startswith("wuling-geo: error: ") and "\n" not in err, err
    expected = {"missing": "no road network at", "no truck times": "no travel times for profile",
                "nan times": "without a valid travel_time_car"}[damage]
    assert expected in err
    assert not (tmp_path / "b.gpkg").exists()


def test_api_errors(grid):
    with pytest.raises(InputError, match="unknown mode"):
        catchments(grid, [(108.76, 29.43)], mode="every")
    with pytest.raises(InputError, match="unknown direction"):
        catchments(grid, [(108.76, 29.43)], direction="both")
    with pytest.raises(InputError, match="no origins"):
        catchments(grid, [])
    with pytest.raises(InputError, match="cannot use"):
        catchments(grid, [("黔江站",)])
    with pytest.raises(UnknownPlaceError):  # names are resolved now (tests/test_places.py)
        catchments(grid, ["no such place anywhere"])
    with pytest.raises(InputError, match=r"origin far-away \(108\.90000,29\.80000\) lies"):
        catchments(grid, {"far-away": (108.9, 29.8)})
    unresolved = Geocoder().resolve("小南海景区")
    if not unresolved.resolved:
        with pytest.raises(UnresolvedPlaceError, match="no known position"):
            catchments(grid, [unresolved])
    with pytest.raises(NetworkError, match="profile 'bus'"):
        catchments(grid, [(108.76, 29.43)], profile="bus")


def test_build_stage_writes_the_standard_set(grid, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    report = BuildReport(out)
    report.network = grid
    report.layers = LayerReport(resolutions=Geocoder().resolve_all())
    _catchments_stage(report)
    path = out / "catchments.gpkg"
    assert path in report.outputs and path.exists()
    gdf = report.catchments
    assert {"wulingshan-airport", "qianjiang-station"} <= set(gdf["origin_id"])
    assert (gdf.groupby("origin_id").size() == 4).all()  # 15, 30, 45, 60 minutes
    assert gpd.read_file(path, layer="catchments").shape[0] == len(gdf)
    notes = " ".join(report.notes)
    assert "濯水景区" in notes and "km from the nearest road" in notes  # off this grid
    assert "logistics" in notes  # no logistics place has a position yet
    assert gdf["attribution"].eq("synthetic").all() or settings.osm_attribution in set(
        gdf["attribution"])


def test_build_stage_without_network_does_nothing(tmp_path):
    report = BuildReport(tmp_path)
    report.layers = LayerReport(resolutions=Geocoder().resolve_all())
    _catchments_stage(report)
    assert report.catchments is None and not report.outputs
