"""Accessibility surfaces on SYNTHETIC networks: hexagon grid, nearest-facility times, CLI."""

import re

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pyproj import Transformer

from wuling_geo import settings as wg_settings
from wuling_geo._util.errors import InputError
from wuling_geo.analysis.accessibility import FacilitySearch, access_summary, accessibility_surface
from wuling_geo.analysis.catchments.bands import catchments
from wuling_geo.analysis.hexgrid import hex_area_m2, hex_grid
from wuling_geo.data import boundary
from wuling_geo.network import routing

from .helpers import SMALL_GAZETTEER, cli
from .synthetic import from_edge_list, grid_network

wg_settings.quiet = True


def node_site(net, node_id, name=None):
    x, y = net.nodes.loc[node_id, ["x", "y"]]
    return (f"f{node_id}", name or f"facility {node_id}", float(x), float(y))


def grid_area(net, margin_deg=0.004):
    west, south, east, north = net.edges.total_bounds
    return shapely.box(west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg)


def random_grid(seed, one_way_share=0.25):
    """SYNTHETIC 6×6 grid, random speeds, some one-way roads."""
    base = grid_network(6, 6, spacing_m=700)
    rng = np.random.default_rng(seed)
    keep = [(u, v) for u, v in zip(base.edges["u"], base.edges["v"], strict=True)
            if not (u < v and rng.random() < one_way_share)]
    return from_edge_list(base.nodes, keep, {p: float(rng.uniform(15, 80)) for p in keep})


def reference_minutes(net, facilities, lon, lat, profile, direction, speed_kph):
    """Per point: min over facilities of routing's pairwise time, plus the walk to the road."""
    f_snaps = [net.snap(f[2], f[3]) for f in facilities]
    out, which = [], []
    for x, y in zip(lon, lat, strict=True):
        p = net.snap(x, y)
        if direction == "to":
            row = routing.travel_time_matrix(net, [p], f_snaps, profile)[0]
        else:
            row = routing.travel_time_matrix(net, f_snaps, [p], profile)[:, 0]
        best = float(row.min())
        out.append((best + p.distance_m / (speed_kph / 3.6)) / 60 if np.isfinite(best) else np.nan)
        which.append(facilities[int(row.argmin())][0] if np.isfinite(best) else None)
    return np.array(out), which


# ---------------------------------------------------------------- the hexagon grid

def test_hex_grid_covers_the_district_area():
    district = boundary.district()
    cells = hex_grid(district, 2000)
    true_km2 = float(boundary.area_km2(gpd.GeoSeries([district], crs="EPSG:4326")).iloc[0])
    assert cells["area_km2"].sum() == pytest.approx(true_km2, rel=1e-6)
    full = cells["area_km2"].max()
    assert full == pytest.approx(hex_area_m2(2000) / 1e6, rel=1e-6)  # √3/2 · 2 km²
    assert cells["cell_id"].is_unique
    # Clipped cells do not overlap: their areas add up to the area of their union.
    union = gpd.GeoSeries([shapely.union_all(cells.geometry.values)], crs="EPSG:4326")
    assert float(boundary.area_km2(union).iloc[0]) == pytest.approx(true_km2, rel=1e-6)


def test_hex_grid_cells_sit_on_one_lattice_whatever_the_area():
    # geopandas.make_grid anchors its grid at the area's corner; hex_grid's offset puts the
    # centres on the fixed lattice (col·cell [+ cell/2 on odd rows], row·cell·√3/2) in the
    # metric CRS, so a small area's cells are the large area's cells, with the same ids.
    district = boundary.district()
    big = hex_grid(district, 2000).set_index("cell_id")
    small = hex_grid(district.centroid.buffer(0.05).intersection(district), 2000)
    for row in small.itertuples():
        assert (row.lon, row.lat) == pytest.approx((big.at[row.cell_id, "lon"],
                                                    big.at[row.cell_id, "lat"]), abs=1e-9)
    metric = gpd.GeoSeries(gpd.points_from_xy(big["lon"], big["lat"]), crs="EPSG:4326")
    xy = shapely.get_coordinates(metric.to_crs(wg_settings.projected_crs).values)
    rows = np.array([int(i[1:].split("c")[0]) for i in big.index])
    cols = np.array([int(i.split("c")[1]) for i in big.index])
    dy = 2000 * np.sqrt(3) / 2
    np.testing.assert_allclose(xy[:, 1], rows * dy, atol=1e-6)
    np.testing.assert_allclose(xy[:, 0], cols * 2000 + np.where(rows % 2 == 1, 1000, 0), atol=1e-6)


def test_cell_too_small_is_refused_before_any_work(monkeypatch):
    net = grid_network(3, 3)
    monkeypatch.setattr(routing, "nearest_times", lambda *a, **k: pytest.fail("searched"))
    with pytest.raises(InputError, match=r"`cell_m` 5 m would make about [\d,]+ cells.*`cell_m` \d+"):
        accessibility_surface(net, [node_site(net, 1)], cell_m=5)
    with pytest.raises(InputError, match="not a positive number"):
        accessibility_surface(net, [node_site(net, 1)], cell_m=-100)


# ---------------------------------------------------------------- times

def test_access_leg_and_interpolation_analytic():
    net = grid_network(3, 1, spacing_m=1000, speed_kph=36)  # 1 — 2 — 3, 100 s per km
    search = FacilitySearch(net, [node_site(net, 1)], access_speed_kph=3.6)  # 1 m/s walking
    to_m = Transformer.from_crs("EPSG:4326", net.crs_metric, always_xy=True)
    to_ll = Transformer.from_crs(net.crs_metric, "EPSG:4326", always_xy=True)
    (x1, x2, _), (y1, y2, _) = to_m.transform(net.nodes["x"].to_numpy(), net.nodes["y"].to_numpy())
    # 30 % along 2 → 3, 120 m to the side of the road.
    ux, uy = (x2 - x1) / 1000, (y2 - y1) / 1000
    lon, lat = to_ll.transform(x2 + 300 * ux - 120 * uy, y2 + 300 * uy + 120 * ux)
    t = search.times([lon, net.nodes["x"].iloc[0]], [lat, net.nodes["y"].iloc[0]])
    assert t["road_minutes"].iloc[0] == pytest.approx(130 / 60, abs=1e-4)
    assert t["snap_m"].iloc[0] == pytest.approx(120, abs=0.1)
    assert t["access_minutes"].iloc[0] == pytest.approx(2.0, abs=1e-3)  # 120 m at 1 m/s
    assert t["minutes"].iloc[0] == pytest.approx(130 / 60 + 2, abs=2e-3)
    assert t["minutes"].iloc[1] == pytest.approx(0, abs=1e-6) and t["facility_id"].iloc[1] == "f1"


@hsettings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), direction=st.sampled_from(["to", "from"]),
       profile=st.sampled_from(["car", "truck"]),
       facility_nodes=st.lists(st.integers(1, 36), min_size=1, max_size=3, unique=True))
def test_surface_matches_pairwise_reference(seed, direction, profile, facility_nodes):
    net = random_grid(seed)
    facilities = [node_site(net, n) for n in facility_nodes]
    surface = accessibility_surface(net, facilities, cell_m=900, profile=profile,
                                    area=grid_area(net), direction=direction)
    ref, which = reference_minutes(net, facilities, surface["lon"], surface["lat"], profile,
                                   direction, wg_settings.access_speed_kph)
    got = surface["minutes"].to_numpy()
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    ok = ~np.isnan(ref)
    assert got[ok] == pytest.approx(ref[ok], abs=1e-6)
    # Which facility: the reference's, unless two are equally near.
    f_snaps = [net.snap(f[2], f[3]) for f in facilities]
    for i in np.nonzero(ok)[0][:20]:
        if surface["facility_id"].iloc[i] != which[i]:
            p = net.snap(surface["lon"].iloc[i], surface["lat"].iloc[i])
            pair = ([p], f_snaps) if direction == "to" else (f_snaps, [p])
            row = routing.travel_time_matrix(net, *pair, profile).ravel()
            chosen = [f[0] for f in facilities].index(surface["facility_id"].iloc[i])
            assert row[chosen] == pytest.approx(row.min(), abs=1e-6)


def test_surface_agrees_with_nearest_times_at_junctions():
    net = random_grid(7, one_way_share=0.0)
    facilities = [node_site(net, 1), node_site(net, 30)]
    search = FacilitySearch(net, facilities)
    snaps = [net.snap(f[2], f[3]) for f in facilities]
    node_s, which = routing.nearest_times(net, snaps, direction="to")
    t = search.times(net.nodes["x"].to_numpy(), net.nodes["y"].to_numpy())
    assert t["road_minutes"].to_numpy() * 60 == pytest.approx(node_s, abs=1e-6)
    assert t["access_minutes"].to_numpy() == pytest.approx(0, abs=1e-6)


def test_surface_agrees_with_catchments_nearest_mode():
    """A cell inside the t-minute band of the catchment engine's nearest mode has road time
    ≤ t, and a cell whose road point is reached in time and lies within the access
    distance is inside the band.

    The catchment is the reached road buffered by a = catchment_access_m and simplified
    to s = catchment_simplify_m; a cell time is taken from the cell's *nearest* road point.
    A centre inside the band lies within a + s of a reached point q; its nearest road point
    p is then within 2(a + s) of q, which on a two-way grid with blocks longer than 2(a + s)
    is at most 2√2(a + s) by road: that is the slack allowed, at the grid's 10 m/s.
    """
    net = grid_network(9, 9, spacing_m=1000, speed_kph=36)
    facilities = [node_site(net, 1), node_site(net, 61)]
    surface = accessibility_surface(net, facilities, cell_m=250, area=grid_area(net))
    bands = catchments(net, [f[2:] for f in facilities], minutes=[5, 10], mode="nearest",
                       direction="to", stats=False, engine="exact")
    a, s = wg_settings.catchment_access_m, wg_settings.catchment_simplify_m
    slack_min = 2 * np.sqrt(2) * (a + s) / 10 / 60
    centres = gpd.points_from_xy(surface["lon"], surface["lat"])
    road = surface["road_minutes"].to_numpy()
    for limit, band in zip(bands["minutes"], bands.geometry, strict=True):
        inside = shapely.contains(band, centres)
        assert inside.sum() > 20
        assert (road[inside] <= limit + slack_min).all()
        sure = (road <= limit - 1e-6) & (surface["snap_m"].to_numpy() <= a - s - 5)
        assert sure.sum() > 20 and inside[sure].all()


def test_truck_surface_is_slower():
    net = grid_network(5, 5, spacing_m=1000, truck_factor=0.8)
    area, fac = grid_area(net), [node_site(net, 13)]
    car = accessibility_surface(net, fac, 500, area=area)
    truck = accessibility_surface(net, fac, 500, profile="truck", area=area)
    assert truck["road_minutes"].to_numpy() == pytest.approx(car["road_minutes"].to_numpy() / 0.8)
    assert truck.attrs["profile"] == "truck"


def test_unreachable_cells_are_nan_not_zero():
    nodes = grid_network(4, 1, spacing_m=1000).nodes
    net = from_edge_list(nodes, [(1, 2), (2, 1), (3, 4), (4, 3)])  # two separate roads
    s = accessibility_surface(net, [node_site(net, 1)], 300, area=grid_area(net, 0.002))
    east = s["lon"] > float(nodes.loc[3, "x"]) - 1e-4
    assert s.loc[east, "minutes"].isna().all() and s.loc[east, "facility_id"].isna().all()
    assert s.loc[~east, "minutes"].notna().any()


def test_summary_shares():
    cells = gpd.GeoDataFrame({"area_km2": [1.0, 2.0, 3.0, 4.0], "minutes": [5, 20, 45, np.nan]},
                             geometry=[shapely.Point(0, 0)] * 4, crs="EPSG:4326")
    towns = gpd.pd.DataFrame({"minutes": [10, 50, np.nan]})
    s = access_summary(cells, towns, (15, 30, 60)).set_index("minutes")
    assert s["area_share"].to_list() == pytest.approx([0.1, 0.3, 0.6])
    assert s["towns"].to_list() == [1, 1, 2] and (s["towns_total"] == 3).all()


# ---------------------------------------------------------------- CLI

def test_cli_access_writes_layers_and_summary(capsys, tmp_path, network_dir):
    out = tmp_path / "access.gpkg"
    code, text, _ = cli(capsys, "--gazetteer", str(SMALL_GAZETTEER), "access", "--network",
                        str(network_dir), "--facilities", "JIQ", "108.80,29.47", "--cell", "1500",
                        "--profile", "truck", "--out", str(out))
    assert code == 0, text
    # The FIXTURE gazetteer locates one civic place (the district seat).
    assert re.search(r"within\s+15 min:\s+[\d.]+ % of the area, [01]/1 towns", text)
    layers = dict(pyogrio.list_layers(out))
    assert set(layers) == {"accessibility", "towns"}
    surface = gpd.read_file(out, layer="accessibility")
    assert {"minutes", "facility_id", "area_km2"} <= set(surface.columns)
    # A free point is named by its coordinates, as in every analysis (data/places.py).
    assert set(surface["facility_id"].dropna()) <= {"wulingshan-airport", "108.80000,29.47000"}
    assert pyogrio.read_info(out, layer="accessibility")["layer_metadata"]["attribution"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["access.gpkg"]


def test_cli_access_draws_the_surface_on_a_map(capsys, tmp_path, network_dir):
    page = tmp_path / "access.html"
    code, text, _ = cli(capsys, "-q", "access", "--network", str(network_dir), "--facilities",
                        "JIQ", "--cell", "3000", "--map", str(page))
    assert code == 0 and f"wrote {page}" in text
    html = page.read_text(encoding="utf-8")
    assert html.count('"kind": "hex"') > 100 and "OpenStreetMap contributors" in html


@pytest.mark.parametrize(("args", "pattern"), [
    (["--facilities", "JIQ", "--map", "OUT/a.png"], r"--map FILE\.html"),
    (["--category", "harbours"], "unknown category 'harbours'"),
    (["--category", "logistics"], "no logistics place has a known position"),
    (["--facilities", "Nowhereville"], "unknown place 'Nowhereville'"),
    (["--facilities", "JIQ", "--cell", "10"], r"--cell 10 m would make about .* cells"),
    (["--facilities", "JIQ", "--out", "OUT/a.geojson"], r"FILE\.gpkg"),
    ([], "give either --facilities"),
])
def test_cli_access_bad_input(capsys, tmp_path, network_dir, args, pattern):
    args = [a.replace("OUT", str(tmp_path)) for a in args]
    code, _, err = cli(capsys, "access", "--network", str(network_dir),
                       "--out", str(tmp_path / "a.gpkg"), *args)
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert code == 2 and re.search(pattern, err), err
    assert "Traceback" not in err and len(lines) == 1
    assert list(tmp_path.iterdir()) == []
