import json
import subprocess
import sys

import pytest

from .helpers import SMALL_GAZETTEER, cli


def test_help_lists_subcommands(capsys):
    code, out, _ = cli(capsys, "--help")
    assert code == 0
    for cmd in ("build", "layers", "geocode", "datum"):
        assert cmd in out


def test_datum_command(capsys):
    code, out, _ = cli(capsys, "datum", "108.83541", "29.51053", "--from", "gcj02", "--to", "wgs84")
    assert code == 0
    lon, lat = map(float, out.split())
    assert (lon, lat) == pytest.approx((108.83111, 29.51333), abs=2e-5)  # FACTS.md airport pair
    code, out, _ = cli(capsys, "datum", "108.8", "29.5", "--to", "bd09", "--json")
    assert json.loads(out)["datum"] == "bd09" and 1000 < json.loads(out)["shift_m"] < 1250


def test_geocode_json(capsys):
    code, out, _ = cli(capsys, "geocode", "黔江站", "--json")
    data = json.loads(out)
    assert code == 0 and data["id"] == "qianjiang-station" and data["method"] == "gazetteer"
    assert data["confidence"] == "low-medium" and data["datum"] == "wgs84"


@pytest.mark.parametrize(("args", "pattern"), [
    (["geocode", "Xiaonanhay"], "unknown place 'Xiaonanhay'.*closest: .*Xiaonanhai"),
    (["geocode", "108.8,29.5", "--datum", "utm"], "unknown datum 'utm'"),
    (["geocode", "29.53,108.77"], "lat,lon swapped"),
    (["geocode", "106.55,29.56"], "outside Qianjiang District"),
    (["datum", "1", "2", "--from", "mars2"], "unknown datum 'mars2'"),
    (["layers", "--out", "/nonexistent/dir/x"], "does not exist"),
    (["--gazetteer", "/nonexistent.toml", "geocode", "JIQ"], "gazetteer file not found"),
])
def test_bad_input_is_one_line_exit_2(capsys, args, pattern):
    import re

    code, out, err = cli(capsys, *args)
    assert code == 2
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert re.search(pattern, err), err
    assert "Traceback" not in err
    assert len(lines) == 1 and lines[0].startswith("wuling-geo: error: ")


def test_usage_errors_exit_2(capsys):
    code, _, err = cli(capsys, "geocode")
    assert code == 2 and "Missing argument 'PLACE'" in err and "Traceback" not in err


def test_malformed_gazetteer_via_cli(capsys, tmp_path):
    bad = tmp_path / "g.toml"
    bad.write_text('[[place]]\nid = "a"\nname_zh = "甲"\nname_en = "A"\ncategory = "nope"\n'
                   'subtype = "x"\n', encoding="utf-8")
    code, _, err = cli(capsys, "--gazetteer", str(bad), "geocode", "A")
    assert code == 2 and f"{bad}:5: field 'category'" in err


def test_layers_and_build(capsys, tmp_path):
    code, out, _ = cli(capsys, "--gazetteer", str(SMALL_GAZETTEER), "layers", "--out",
                       str(tmp_path / "a"))
    assert code == 0 and "layers.gpkg" in out and "gazetteer 4" in out and "unresolved (13)" in out
    code, out, err = cli(capsys, "-q", "build", "--out", str(tmp_path / "b"),
                         "--network", str(tmp_path / "none"), "--maps", str(tmp_path / "maps"))
    assert code == 0 and (tmp_path / "b" / "layers.gpkg").exists()


def test_console_script_exit_code_and_no_traceback():
    proc = subprocess.run([sys.executable, "-c", "from wuling_geo.cli import _entry; _entry()",
                           "geocode", "nowhere-at-all"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("wuling-geo: error: unknown place") and "Traceback" not in proc.stderr


def test_build_with_a_network_draws_catchments_and_railways(capsys, tmp_path):
    import geopandas as gpd
    import shapely

    from wuling_geo.network.model import save_network

    from .synthetic import grid_network

    # A SYNTHETIC grid around 黔江站 and the airport, with one SYNTHETIC railway line.
    net = grid_network(8, 12, spacing_m=1000, origin=(108.76, 29.43))
    rail = gpd.GeoDataFrame({"name": ["SYNTHETIC railway"], "railway": ["rail"]},
                            geometry=[shapely.LineString([(108.77, 29.44), (108.80, 29.50)])],
                            crs=4326)
    save_network(net, tmp_path / "net", extras={"railways": rail})
    code, out, _ = cli(capsys, "-q", "build", "--out", str(tmp_path / "out"),
                       "--network", str(tmp_path / "net"), "--maps", str(tmp_path / "maps"))
    assert code == 0
    assert (tmp_path / "out" / "catchments.gpkg").exists()
    html = (tmp_path / "maps" / "qianjiang.html").read_text(encoding="utf-8")
    assert "SYNTHETIC railway" in html
    assert "等时圈" in html  # catchment bands are drawn (absent from a map without them)
