"""A user's road layer: datum conversion, topology (snapping, splitting), fields, errors.

The layers are SYNTHETIC lines laid out in metres in UTM 49N around 108.77 E, 29.53 N (not
real roads). GCJ-02 copies are made with the independent ``eviltransform`` package.
"""

from __future__ import annotations

import eviltransform
import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from wuling_geo._util.errors import DatumError, InputError
from wuling_geo.cli import run
from wuling_geo.network.build.graph import split_ways
from wuling_geo.network.build.importer import ImportOptions, LayerFields, import_network
from wuling_geo.network.sources.road_layer import read_road_layer
from wuling_geo.network.speed.profile import load_profile

UTM = "EPSG:32649"
TO_M = Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
TO_LL = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
X0, Y0 = TO_M.transform(108.77, 29.53)


def line(*pts) -> shapely.LineString:
    lon, lat = TO_LL.transform([X0 + x for x, _ in pts], [Y0 + y for _, y in pts])
    return shapely.LineString(zip(lon, lat, strict=True))


def metric(lon, lat):
    x, y = TO_M.transform(lon, lat)
    return np.asarray(x) - X0, np.asarray(y) - Y0


# a cross at (500, 0) sharing a vertex; a T-junction drawn 1 m short at (250, 0); an end
# 1.5 m from another end at (1000, 0); a crossing at (750, 0) without a shared vertex (a
# bridge), whose ends join the cross's arms so it belongs to the network.
ROADS = [
    ("main", [(0, 0), (500, 0), (1000, 0)], "二级公路", None, "no"),
    ("cross", [(500, -500), (500, 0), (500, 500)], "primary", None, "no"),
    ("tee", [(250, 300), (250, 1.0)], "县道", None, "no"),
    ("tail", [(1001.5, 0), (1500, 0)], "主干路", 45, "no"),
    ("bridge", [(500, 500), (750, 300), (750, -300), (500, -500)], "residential", None, "yes"),
    ("back", [(0, 0), (250, 300)], "residential", None, "-1"),
]


def roads_frame(to_gcj: bool = False) -> gpd.GeoDataFrame:
    geoms = []
    for _, pts, *_ in ROADS:
        geom = line(*pts)
        if to_gcj:
            geom = shapely.LineString([eviltransform.wgs2gcj(lat, lon)[::-1]
                                       for lon, lat in geom.coords])
        geoms.append(geom)
    return gpd.GeoDataFrame({"name": [r[0] for r in ROADS], "grade": [r[2] for r in ROADS],
                             "kph": [r[3] for r in ROADS], "dir": [r[4] for r in ROADS]},
                            geometry=geoms, crs="EPSG:4326")


FIELDS = {"class_field": "grade", "speed_field": "kph", "oneway_field": "dir"}


def test_topology_snaps_ends_and_splits_at_shared_vertices(tmp_path):
    path = tmp_path / "roads.gpkg"
    roads_frame().to_file(path)
    ways, counts = read_road_layer(path, snap_m=2.0, classes=load_profile().drivable, **FIELDS)
    nodes, edges = split_ways(ways.clip(None))
    x, y = metric(nodes["x"].to_numpy(), nodes["y"].to_numpy())
    tree = cKDTree(np.column_stack([x, y]))
    for where in [(0, 0), (250, 0), (500, 0), (1000.75, 0), (1500, 0), (500, 500), (500, -500),
                  (250, 300)]:
        dist, _ = tree.query(where)
        assert dist < 0.01, f"a node at {where}"
    assert tree.query((750, 0))[0] > 100, "the bridge crosses without a node"
    assert counts["snapped_ends"] >= 3
    # main is split at the T-junction (250) and the cross (500): three pieces, two-way
    main = edges[edges["name"] == "main"]
    assert len(main) == 6
    tee_end = edges[(edges["name"] == "tee") & ~edges["reversed"]].geometry.iloc[0].coords[-1]
    assert np.hypot(*metric(*tee_end)) == pytest.approx(250, abs=0.01)


def test_gcj02_layer_lines_up_with_wgs84(tmp_path):
    wgs, gcj = tmp_path / "wgs.gpkg", tmp_path / "gcj.geojson"
    roads_frame().to_file(wgs)
    roads_frame(to_gcj=True).to_file(gcj)
    a = import_network(wgs, tmp_path / "a", ImportOptions(layer=LayerFields(**FIELDS))).network
    b = import_network(gcj, tmp_path / "b", ImportOptions(
        layer=LayerFields(datum="gcj02", **FIELDS))).network
    xa, ya = metric(a.nodes["x"].to_numpy(), a.nodes["y"].to_numpy())
    xb, yb = metric(b.nodes["x"].to_numpy(), b.nodes["y"].to_numpy())
    dist, match = cKDTree(np.column_stack([xa, ya])).query(np.column_stack([xb, yb]))
    assert len(a.nodes) == len(b.nodes) and dist.max() < 1.0
    ids = dict(zip(b.nodes.index, a.nodes.index[match], strict=True))
    assert {(ids[u], ids[v]) for u, v in zip(b.edges["u"], b.edges["v"], strict=True)} == \
        set(zip(a.edges["u"], a.edges["v"], strict=True))
    ga = a.edges.set_index(["u", "v"]).geometry.to_crs(UTM)
    gb = b.edges.assign(u=b.edges["u"].map(ids), v=b.edges["v"].map(ids)) \
        .set_index(["u", "v"]).geometry.to_crs(UTM)
    for key in ga.index:
        assert ga[key].hausdorff_distance(gb[key]) < 1.0
    # and the raw GCJ-02 coordinates are ~0.5 km off: without --datum they would not line up
    raw = import_network(gcj, tmp_path / "c", ImportOptions(layer=LayerFields(**FIELDS))).network
    xc, yc = metric(raw.nodes["x"].to_numpy(), raw.nodes["y"].to_numpy())
    assert len(xc) == len(xa)
    assert np.hypot(xc.mean() - xa.mean(), yc.mean() - ya.mean()) > 400
    assert b.meta["attribution"].startswith("road layer")


def test_fields_set_classes_speeds_and_directions(tmp_path):
    path = tmp_path / "roads.gpkg"
    roads_frame().to_file(path)
    net = import_network(path, tmp_path / "net", ImportOptions(layer=LayerFields(**FIELDS)))
    edges = net.network.edges
    by_name = edges.groupby("name")
    assert set(by_name.get_group("main")["highway"]) == {"primary"}  # 二级公路
    assert set(by_name.get_group("tee")["highway"]) == {"secondary"}  # 县道
    tail = by_name.get_group("tail")
    assert tail["urban"].all() and (tail["speed_kph_car"] == 45).all()  # speed field wins
    bridge = by_name.get_group("bridge")
    assert bridge["oneway"].all() and not bridge["reversed"].any()
    back = by_name.get_group("back")
    assert len(back) == 1 and back["reversed"].all()  # -1: travel from (250,300) to (0,0)
    start = back.geometry.iloc[0].coords[0]
    assert np.hypot(*(np.array(metric(*start)) - (250, 300))) < 0.01
    main = by_name.get_group("main")
    assert (main["speed_kph_car"] == 80).all() and not main["urban"].any()


@pytest.mark.parametrize(("fields", "message"), [
    ({"class_field": "kind"}, r"no field 'kind' for `class_field` \(fields: name, grade"),
    ({"oneway_field": "nope"}, r"no field 'nope' for `oneway_field`"),
    ({"class_field": "name"}, r"classes the speed profile does not know \(main, cross"),
    ({"oneway_field": "name"}, r"one-way field 'name' has values"),
    ({"datum": "mars2"}, r"unknown datum 'mars2'"),
])
def test_bad_fields(tmp_path, fields, message):
    path = tmp_path / "roads.gpkg"
    roads_frame().to_file(path)
    with pytest.raises(InputError, match=message) as info:
        import_network(path, tmp_path / "net", ImportOptions(layer=LayerFields(**fields)))
    assert "\n" not in str(info.value)
    assert not (tmp_path / "net").exists()
    if "datum" in fields:
        assert isinstance(info.value, DatumError)


def test_layers_without_line_geometry(tmp_path):
    nulls = tmp_path / "nulls.geojson"
    nulls.write_text('{"type":"FeatureCollection","features":[{"type":"Feature",'
                     '"properties":{"name":"x"},"geometry":null}]}')
    with pytest.raises(InputError, match="has no geometry"):
        import_network(nulls, tmp_path / "net")
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"name": ["p"]}, geometry=[shapely.Point(108.77, 29.53)],
                     crs="EPSG:4326").to_file(points)
    with pytest.raises(InputError, match="no line geometries"):
        import_network(points, tmp_path / "net")
    foot = tmp_path / "foot.geojson"
    gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[line((0, 0), (100, 0))],
                     crs="EPSG:4326").to_file(foot)
    with pytest.raises(InputError, match="no roads for cars"):
        import_network(foot, tmp_path / "net")
    assert not (tmp_path / "net").exists()


def test_cli_imports_a_gcj02_layer(tmp_path, capsys):
    gcj = tmp_path / "amap.geojson"
    roads_frame(to_gcj=True).to_file(gcj)
    out = tmp_path / "net"
    args = ["network", "import", str(gcj), "--datum", "gcj02", "--class-field", "grade",
            "--speed-field", "kph", "--oneway-field", "dir", "--out", str(out)]
    assert run(args) == 0
    assert "built" in capsys.readouterr().out
    assert run([*args[:-2], "--out", str(out), "--oneway-field", "name"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("wuling-geo: error: road layer amap.geojson: one-way field 'name'")
    assert "\n" not in err
