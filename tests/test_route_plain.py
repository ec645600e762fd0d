"""A plain A→B route (``wuling-geo route --start A --end B``, no stops) on the SYNTHETIC grid.

Regression: before issue 14 this failed with "no stops to visit".
"""

from __future__ import annotations

import re

import gpxpy
import numpy as np
import pytest

from wuling_geo._util.errors import InputError
from wuling_geo.analysis.itinerary.planner import plan_itinerary
from wuling_geo.cli import run
from wuling_geo.network import routing
from wuling_geo.network.model import load_network
from wuling_geo.network.snapping import snap_points, to_snaps

# Two points off the grid's nodes (SYNTHETIC network, so snapping onto edges is exercised).
A = (108.7455, 29.4262)
B = (108.8231, 29.5017)


@pytest.fixture(scope="module")
def net(network_dir):
    return load_network(network_dir)


def _expected(net):
    snaps = to_snaps(net, snap_points(net, np.array([A[0], B[0]]), np.array([A[1], B[1]])))
    return routing.fastest_path(net, snaps[0], snaps[1], "car")


def test_plain_route_is_the_fastest_path(net):
    trip = plan_itinerary(net, start=A, visits=[], end=B)
    path = _expected(net)
    assert len(trip.days) == 1
    (leg,) = trip.days[0].legs
    assert leg.drive_s == round(path.seconds) and trip.drive_s == round(path.seconds)
    assert leg.distance_m == pytest.approx(path.meters)
    assert path.meters > 10_000  # a real trip across the grid, not a zero leg
    assert leg.geometry.length == pytest.approx(path.geometry.length)
    assert [c.kind for c in trip.days[0].calls] == ["start", "end"]


def test_cli_plain_route_prints_and_writes_gpx_and_html(net, network_dir, tmp_path, capsys):
    out_dir = tmp_path / "out"
    code = run(["route", "--network", str(network_dir), "--start", f"{A[0]},{A[1]}",
                "--end", f"{B[0]},{B[1]}", "--out", str(out_dir)])
    out, err = capsys.readouterr()
    assert code == 0, err
    path = _expected(net)
    km = f"{path.meters / 1000:.1f}"
    assert km in out, out
    total = next(line for line in out.splitlines() if line.startswith("Total:"))
    assert "visit" not in total and total.endswith(f"driving, {km} km")  # no "0 visits"
    assert (out_dir / "itinerary.html").is_file() and (out_dir / "itinerary_map.html").is_file()
    gpx = gpxpy.parse((out_dir / "itinerary.gpx").read_text(encoding="utf-8"))
    points = [p for t in gpx.tracks for s in t.segments for p in s.points]
    assert len(points) >= len(path.geometry.coords)
    assert (points[0].longitude, points[0].latitude) == pytest.approx(path.geometry.coords[0])
    assert (points[-1].longitude, points[-1].latitude) == pytest.approx(path.geometry.coords[-1])


def test_no_stops_and_no_distinct_end_is_still_an_error(net, network_dir, tmp_path, capsys):
    with pytest.raises(InputError, match="no stops to visit"):
        plan_itinerary(net, start=A, visits=[], end=A)
    out_dir = tmp_path / "out"
    code = run(["route", "--network", str(network_dir), "--start", f"{A[0]},{A[1]}",
                "--end", f"{A[0]},{A[1]}", "--out", str(out_dir)])
    _, err = capsys.readouterr()
    assert code == 2
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and re.search(r"no stops to visit", lines[0]), err
    assert not out_dir.exists()
