"""Catchments, matrices and routes from the command line on every real OSM extract.

Each extract of ../shared/realdata/ (not Qianjiang) is imported with ``network import``;
the places are nodes of the imported network itself, given as LON,LAT. Every file written
must name the extract and never Qianjiang (issue 14): a network of somewhere else takes
places inside its own area, and its outputs say where their roads came from.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from wuling_geo.cli import run
from wuling_geo.network.model import load_network

from .test_network_realdata import REALDATA, extract_box

EXTRACTS = ["monaco.osm.pbf", "andorra.osm.pbf", "liechtenstein-latest.osm.pbf",
            "heidelberg.test.pbf"]
MINUTES = ("3", "6")

pytestmark = pytest.mark.slow


def _no_qianjiang(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert "qianjiang" not in text.lower() and "黔江" not in text, path.name
    # JSON written with ASCII escapes: 黔江 is \u9ed4\u6c5f
    assert "\\u9ed4\\u6c5f" not in text.lower(), path.name


@pytest.mark.parametrize("name", EXTRACTS)
def test_catchments_matrix_and_route_name_the_extract(name, tmp_path, capsys):
    pbf = REALDATA / name
    if not pbf.exists():
        pytest.skip(f"{pbf} is not on this machine")
    net_dir = tmp_path / "net"
    assert run(["-q", "network", "import", str(pbf), "--area", extract_box(pbf), "--out",
                str(net_dir)]) == 0
    net = load_network(net_dir)
    # three nodes of the network itself, seeded, with at least one edge out of them
    rng = np.random.default_rng(14)
    leaving = np.unique(net.edge_u)
    picks = rng.choice(leaving, 3, replace=False)
    points = [f"{net.nodes['x'].iloc[i]:.7f},{net.nodes['y'].iloc[i]:.7f}" for i in picks]
    capsys.readouterr()

    bands = tmp_path / "bands.geojson"
    assert run(["catchments", "--network", str(net_dir), "--from", points[0], "--minutes",
                *MINUTES, "--out", str(bands)]) == 0
    gdf = gpd.read_file(bands)
    assert list(gdf["minutes"]) == [float(m) for m in MINUTES]
    small, large = gdf.geometry.iloc[0], gdf.geometry.iloc[1]
    assert small.area > 0 and large.buffer(1e-9).covers(small)  # bands nested
    assert (gdf["attribution"].str.contains(name)).all()
    assert gdf["share_of_district"].isna().all()  # a network elsewhere: no district share
    assert shapely.Point(*map(float, points[0].split(","))).distance(small) < 1e-3

    matrix = tmp_path / "m.csv"
    assert run(["matrix", "--network", str(net_dir), "--from", *points, "--to", *points,
                "--out", str(matrix)]) == 0
    with matrix.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 9 and all(name in r["attribution"] for r in rows)
    minutes = np.array([float(r["minutes"]) for r in rows]).reshape(3, 3)
    assert np.isfinite(minutes).all()  # one strongly connected network: every pair reachable
    assert np.allclose(np.diag(minutes), 0) and (minutes[~np.eye(3, dtype=bool)] > 0).all()

    trip = tmp_path / "trip"
    assert run(["route", "--network", str(net_dir), "--start", points[0], "--end", points[1],
                "--out", str(trip), "--no-map"]) == 0
    legs = gpd.read_file(trip / "itinerary_legs.geojson")
    assert len(legs) == 1 and legs["drive_min"].iloc[0] > 0
    # drive_min is whole seconds shown to 0.1 min: within half a tenth and half a second
    assert legs["drive_min"].iloc[0] == pytest.approx(minutes[0, 1], abs=0.05 + 0.5 / 60)

    tour = tmp_path / "tour"
    assert run(["route", "--network", str(net_dir), "--start", points[0], "--visit",
                points[1], points[2], "--out", str(tour)]) == 0
    printed = capsys.readouterr().out
    assert "Total: 2 visits" in printed and name in printed
    assert "qianjiang" not in printed.lower() and "黔江" not in printed

    written = [bands, matrix, *sorted(trip.iterdir()), *sorted(tour.iterdir())]
    assert (tour / "itinerary_map.html").is_file()
    for path in written:
        _no_qianjiang(path)
    named = {p.name for p in written if name in p.read_text(encoding="utf-8-sig")}
    assert named >= {"bands.geojson", "m.csv", "itinerary.gpx", "itinerary.md",
                     "itinerary.html", "itinerary_map.html", "itinerary.csv",
                     "itinerary_legs.geojson"}
    meta = json.loads((net_dir / "meta.json").read_text(encoding="utf-8"))
    assert name in meta["source"] and name in meta["attribution"]
