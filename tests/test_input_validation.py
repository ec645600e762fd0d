"""Input validation shared by every command (issue 11): numbers, environment, places, messages.

Networks here are SYNTHETIC grids (tests/synthetic.py); the gazetteer is the shipped one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from wuling_geo import settings
from wuling_geo._util.errors import InputError, NetworkError, OffNetworkError
from wuling_geo._util.progress import bar
from wuling_geo.analysis.accessibility import FacilitySearch
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.analysis.itinerary.planner import plan_itinerary
from wuling_geo.analysis.multimodal import reach
from wuling_geo.analysis.od_matrix import od_matrix
from wuling_geo.network.build.graph import MAX_CONSOLIDATE_M, check_consolidate_m

from .helpers import SMALL_GAZETTEER, cli
from .synthetic import grid_network

SRC = str(Path(__file__).resolve().parents[1] / "src")
ON = (108.78, 29.45)  # on the SYNTHETIC grid of the network_dir fixture and grid() below


def grid():
    """A SYNTHETIC 6 × 6 km grid south-west of the district seat."""
    return grid_network(7, 7, spacing_m=1000, origin=(108.74, 29.42))


def one_line_error(err: str) -> str:
    err = err.strip()
    assert err.startswith("wuling-geo: error: ") and "\n" not in err, err
    return err


# ---------------------------------------------------------------- 1. finite numbers

FLOATS = {
    "buffer nan": (["network", "import", "x.osm.pbf", "--buffer-km", "nan"], "'--buffer-km'"),
    "buffer inf": (["network", "import", "x.osm.pbf", "--buffer-km", "inf"], "'--buffer-km'"),
    "snap -inf": (["network", "import", "x.gpkg", "--snap-m", "-inf"], "'--snap-m'"),
    "consolidate nan": (["network", "fetch", "--consolidate-m", "nan"], "'--consolidate-m'"),
    "access nan": (["catchments", "--from", "黔江站", "--access", "nan"], "'--access'"),
    "simplify nan": (["catchments", "--from", "黔江站", "--simplify", "NaN"], "'--simplify'"),
    "cell inf": (["access", "--category", "logistics", "--cell", "inf"], "'--cell'"),
    "walk nan": (["access", "--category", "logistics", "--access-speed", "nan"],
                 "'--access-speed'"),
    "reach minutes nan": (["reach", "--from", "黔江站", "--minutes", "nan"], "'--minutes'"),
    "datum lon nan": (["datum", "nan", "29.5"], "'LON'"),
}


@pytest.mark.parametrize("case", list(FLOATS))
def test_nan_and_infinity_are_refused_by_every_float_option(capsys, case):
    args, name = FLOATS[case]
    code, _, err = cli(capsys, *args)
    assert code == 2
    err = one_line_error(err)
    assert name in err and "not a finite number" in err


@pytest.mark.parametrize(("args", "bound"), [
    (["catchments", "--from", "黔江站", "--access", "0"], "0<x<=2000"),
    (["catchments", "--from", "黔江站", "--simplify", "-1"], "0<=x<=500"),
    (["network", "import", "x.osm.pbf", "--buffer-km", "1e6"], "0<=x<=200"),
    (["network", "import", "x.osm.pbf", "--consolidate-m", "100"], f"0<x<={MAX_CONSOLIDATE_M:g}"),
])
def test_float_options_have_bounds(capsys, args, bound):
    code, _, err = cli(capsys, *args)
    assert code == 2 and bound in one_line_error(err)


def test_consolidation_is_bounded_in_the_api_too():
    assert check_consolidate_m(None) is None and check_consolidate_m(15) == 15
    for bad in (100, 0, -1, float("nan"), float("inf")):
        with pytest.raises(InputError, match="`consolidate_m`"):
            check_consolidate_m(bad)


# ---------------------------------------------------------------- 2. environment variables

def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": SRC, **env}
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True,
                          text=True, timeout=120)


def test_a_malformed_environment_variable_breaks_neither_import_nor_help():
    code = ("from wuling_geo.cli import run; import sys; "
            "sys.exit(run(['--help']) + run(['catchments', '--help']))")
    done = _python(code, WULING_GEO_CONNECT_TIMEOUT="abc", WULING_GEO_WORKERS="many")
    assert done.returncode == 0, done.stderr
    assert "Usage: wuling-geo" in done.stdout and "Traceback" not in done.stderr


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "-3", "0"])
def test_a_malformed_timeout_is_an_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("WULING_GEO_CONNECT_TIMEOUT", value)
    with pytest.raises(InputError, match=r"WULING_GEO_CONNECT_TIMEOUT=.* set it to a number "
                                         r"from 0\.1 to 600"):
        _ = settings.connect_timeout
    monkeypatch.setenv("WULING_GEO_CONNECT_TIMEOUT", "2.5")
    assert settings.connect_timeout == 2.5
    monkeypatch.delenv("WULING_GEO_CONNECT_TIMEOUT")
    assert settings.connect_timeout == 5.0


def test_a_command_using_the_timeout_reports_it_on_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("WULING_GEO_CONNECT_TIMEOUT", "abc")
    code, _, err = cli(capsys, "network", "fetch", "--out", str(tmp_path / "net"))
    assert code == 2 and "WULING_GEO_CONNECT_TIMEOUT='abc'" in one_line_error(err)
    assert not (tmp_path / "net").exists()


# ---------------------------------------------------------------- 3. silently wrong results

def test_road_layer_speeds_are_bounded_and_replacements_reported(tmp_path, capsys):
    lines = [shapely.LineString([(108.77 + 0.01 * i, 29.53), (108.78 + 0.01 * i, 29.53)])
             for i in range(6)]
    layer = gpd.GeoDataFrame({"highway": ["primary"] * 6,
                              "kph": ["1000000", "-5", "0", "fast", "", "45"]},
                             geometry=lines, crs="EPSG:4326")
    path = tmp_path / "roads.geojson"
    layer.to_file(path)
    out = tmp_path / "net"
    code, stdout, err = cli(capsys, "network", "import", str(path), "--speed-field", "kph",
                            "--out", str(out), "--json")
    assert code == 0, err
    notes = " ".join(json.loads(stdout)["notes"])
    assert "replaced 5 road-layer speeds" in notes
    for reason in ("1 above 150 km/h", "2 zero or negative", "1 not a number", "1 empty"):
        assert reason in notes, notes
    from wuling_geo.network.model import load_network

    speeds = load_network(out).edges["speed_kph_car"]
    assert speeds.max() <= 150 and (speeds > 0).all()
    assert (speeds == 45).any()  # the valid speed is kept


def _negative(network):
    network.edges.loc[0, "travel_time_car"] = -60.0
    return network


ANALYSES = {
    "catchments": lambda n: catchments(n, [ON], (10,), stats=False),
    "route": lambda n: plan_itinerary(n, ON, [(108.79, 29.46)]),
    "matrix": lambda n: od_matrix(n, [ON], [(108.79, 29.46)]),
    "access": lambda n: FacilitySearch(n, [ON]),
    "reach": lambda n: reach(n, ON, minutes=(10,)),
}


@pytest.mark.parametrize("analysis", list(ANALYSES))
def test_every_analysis_refuses_negative_travel_times(analysis):
    with pytest.raises(NetworkError, match=r"1 edges without a valid travel_time_car"):
        ANALYSES[analysis](_negative(grid()))


FAR = (60.0, 29.45)  # about 4,700 km west: not on a network of Qianjiang
PLACES = {
    "catchments": lambda n, p: catchments(n, [p], (10,), stats=False),
    "route": lambda n, p: plan_itinerary(n, ON, [p]),
    "matrix origin": lambda n, p: od_matrix(n, [p], [ON]),
    "matrix destination": lambda n, p: od_matrix(n, [ON], [p]),
    "access": lambda n, p: FacilitySearch(n, [p]),
}


@pytest.mark.parametrize("analysis", list(PLACES))
def test_every_analysis_refuses_a_place_far_from_the_network(analysis):
    with pytest.raises(OffNetworkError, match=r"lies [\d,.]+ km from the nearest road of the "
                                              r"network and outside the network's area"):
        PLACES[analysis](grid(), FAR)


@pytest.mark.parametrize("analysis", [*list(PLACES), "reach"])
def test_every_analysis_names_swapped_lat_lon(analysis):
    swapped = (ON[1], ON[0])
    run_it = (lambda n, p: reach(n, p, minutes=(10,))) if analysis == "reach" else PLACES[analysis]
    with pytest.raises(InputError, match=r"lat and lon look swapped"):
        run_it(grid(), swapped)


def test_reach_refuses_a_start_that_reaches_nothing():
    with pytest.raises(OffNetworkError, match=r"start .* km from the road network and reaches "
                                              r"neither it nor a scheduled stop within 120 min"):
        reach(grid(), FAR, minutes=(60, 120))


def test_an_off_network_optional_stop_is_dropped_with_a_reason(network_dir, capsys):
    code, out, err = cli(capsys, "route", "--network", str(network_dir), "--start", "黔江站",
                         "--visit", "108.78,29.45", "--optional", "濯水景区")
    assert code == 0, err
    assert "濯水景区" in out and "off the road network" in out and "km from the nearest road" in out
    code, _, err = cli(capsys, "route", "--network", str(network_dir), "--start", "黔江站",
                       "--visit", "濯水景区")
    assert code == 2 and "stop 濯水景区" in one_line_error(err)


# ---------------------------------------------------------------- 4. --osm

@pytest.mark.parametrize("command", [["geocode", "黔江站"], ["layers"]])
def test_a_missing_osm_file_is_an_error(capsys, tmp_path, command):
    out = tmp_path / "layers"
    extra = ["--out", str(out)] if command == ["layers"] else []
    code, _, err = cli(capsys, *command, *extra, "--osm", str(tmp_path / "missing.osm.pbf"))
    assert code == 2 and "missing.osm.pbf does not exist" in one_line_error(err)
    assert not out.exists()


# ---------------------------------------------------------------- 5. messages

@pytest.mark.parametrize(("text", "message"), [
    ("108.77", "is one number, not a coordinate pair"),
    ("108.77,29.53,5", "is 3 numbers, not a coordinate pair"),
    ("NaN,NaN", "not a coordinate pair of finite numbers"),
    ("inf 29.5", "not a coordinate pair of finite numbers"),
])
def test_malformed_coordinates_get_a_message_about_coordinates(capsys, text, message):
    code, _, err = cli(capsys, "geocode", text)
    err = one_line_error(err)
    assert code == 2 and message in err and "unknown place" not in err and "closest" not in err


def test_the_full_width_comma_separates_a_coordinate_pair(capsys):
    code, out, _ = cli(capsys, "geocode", "108.77，29.53", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["lon"], data["lat"], data["method"]) == (108.77, 29.53, "coordinates")


def test_a_long_input_is_not_echoed_whole(capsys):
    code, _, err = cli(capsys, "geocode", "x" * 10_000)
    err = one_line_error(err)
    assert code == 2 and len(err) < 300 and "10,000 characters" in err


def test_a_bare_name_prefers_the_resolved_scenic_area_over_the_unresolved_town(capsys):
    # The small fixture gazetteer knows no position for 濯水镇.
    code, out, _ = cli(capsys, "--gazetteer", str(SMALL_GAZETTEER), "geocode", "zhuoshui", "--json")
    data = json.loads(out)
    assert code == 0 and data["id"] == "zhuoshui-scenic-area"
    assert "same-name-as:zhuoshui-town (no known position)" in data["flags"]
    for town in ("濯水镇", "Zhuoshui Zhen", "zhuoshui-town"):  # the town named as a town
        code, out, _ = cli(capsys, "--gazetteer", str(SMALL_GAZETTEER), "geocode", town, "--json")
        assert json.loads(out)["id"] == "zhuoshui-town"


def test_a_bare_name_prefers_the_5a_area_over_a_resolved_town_too(capsys):
    # The shipped gazetteer has the 濯水镇 seat's position: the 5A area still wins a bare name.
    code, out, _ = cli(capsys, "geocode", "zhuoshui", "--json")
    data = json.loads(out)
    assert code == 0 and data["id"] == "zhuoshui-scenic-area"
    assert "same-name-as:zhuoshui-town" in data["flags"]
    code, out, _ = cli(capsys, "geocode", "濯水镇", "--json")
    assert json.loads(out)["id"] == "zhuoshui-town" and json.loads(out)["method"] == "gazetteer"


@pytest.mark.parametrize(("args", "text"), [
    (["catchments", "--bogus"], "No such option '--bogus'"),
    (["network", "import"], "Missing argument 'SOURCE'"),
    (["route", "--visit", "x"], "Missing option '--start'"),
])
def test_click_usage_errors_are_one_line(capsys, args, text):
    code, _, err = cli(capsys, *args)
    err = one_line_error(err)
    assert code == 2 and text in err and err.endswith("--help')")


def test_progress_bars_only_on_a_terminal(monkeypatch):
    monkeypatch.setattr(settings, "quiet", False)

    class Terminal:
        def isatty(self) -> bool:
            return True

        def write(self, text: str) -> int:
            return len(text)

        def flush(self) -> None:
            pass

    with bar("test") as b:  # stderr is captured by pytest: not a terminal
        assert b.disable
    monkeypatch.setattr(sys, "stderr", Terminal())
    with bar("test") as b:
        assert not b.disable
