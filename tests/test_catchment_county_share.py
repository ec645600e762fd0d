"""Catchment statistics per county: the share of Qianjiang and of each neighbouring county reached.

A SYNTHETIC grid (not real roads) is laid across the 黔江/彭水 border, so its bands cover
parts of both counties.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from tests.synthetic import grid_network
from wuling_geo.analysis.catchments.bands import catchments, metric_bands
from wuling_geo.analysis.catchments.stats import county_records
from wuling_geo.data.boundary import boundaries
from wuling_geo.present.exports.catchments import write_catchments

# A point on the 黔江/彭水 border (from geodata/boundary.geojson); the grid is centred on it.
BORDER = (108.550004, 29.41395)
N, SPACING = 11, 1200.0


@pytest.fixture(scope="module")
def bands():
    half_lon = (N - 1) / 2 * SPACING / 96_900  # ≈ metres per degree of longitude at 29.4° N
    half_lat = (N - 1) / 2 * SPACING / 110_850
    net = grid_network(N, N, spacing_m=SPACING, origin=(BORDER[0] - half_lon, BORDER[1] - half_lat))
    centre = net.nodes.loc[(N // 2) * N + N // 2 + 1, ["x", "y"]]
    gdf = catchments(net, [("o", "SYNTHETIC centre", float(centre.x), float(centre.y))],
                     (4, 8), layers={})
    return net, gdf


def test_county_shares_match_the_overlay_and_sum_to_the_band(bands):
    net, gdf = bands
    counties = boundaries()
    metric = counties.geometry.to_crs(net.crs_metric).values
    union = shapely.union_all(metric)
    for band, poly in zip(gdf.itertuples(), metric_bands(net, list(gdf.geometry)), strict=True):
        records = band.county_share
        assert [r["adcode"] for r in records] == list(counties["adcode"])
        assert [r["county"] for r in records] == list(counties["name_zh"])
        shares = {r["adcode"]: r["share"] for r in records}
        assert all(0.0 <= s <= 1.0 for s in shares.values())
        # the band crosses the border: some of both counties, none of the far ones
        assert shares[500114] > 0 and shares[500243] > 0
        assert shares[500242] == shares[422802] == shares[422826] == 0.0
        assert shares[500114] == band.share_of_district
        for rec, county in zip(records, metric, strict=True):
            want = shapely.intersection(poly, county).area / county.area
            assert rec["share"] == pytest.approx(want, abs=5e-5)
        # share × county area, summed, is the band's area inside the five counties
        covered = sum(r["share"] * c.area for r, c in zip(records, metric, strict=True))
        slack = sum(5e-5 * c.area for c in metric)
        assert covered == pytest.approx(shapely.intersection(poly, union).area, abs=slack)
        assert covered <= poly.area + slack
    small, large = (dict((r["adcode"], r["share"]) for r in b) for b in gdf["county_share"])
    assert all(small[k] <= large[k] for k in small)  # nested bands


def test_county_share_is_json_in_files_and_reads_back(bands, tmp_path):
    _, gdf = bands
    path = write_catchments(gdf, tmp_path / "bands.gpkg")
    back = gpd.read_file(path)
    assert isinstance(back["county_share"].iloc[0], str)  # GeoPackage text, not a list
    for stored, mem in zip(back["county_share"], gdf["county_share"], strict=True):
        assert county_records(stored) == mem


def test_no_stats_no_county_share(bands):
    net, _ = bands
    centre = net.nodes.loc[1, ["x", "y"]]
    gdf = catchments(net, [("o", "SYNTHETIC", float(centre.x), float(centre.y))], (4,),
                     stats=False)
    assert gdf["county_share"].iloc[0] is None


def test_county_shares_are_shown_in_the_table_and_the_map_popups(bands):
    from wuling_geo.cli.catchments import format_table
    from wuling_geo.present.maps.i18n import county_summary
    from wuling_geo.present.maps.overlays import catchment_overlays

    _, gdf = bands
    records = {r["adcode"]: r for r in gdf["county_share"].iloc[1]}
    qj, ps = records[500114], records[500243]
    want_en = f"{qj['name_en']} {100 * qj['share']:.1f} %, {ps['name_en']} {100 * ps['share']:.1f} %"
    assert county_summary(gdf["county_share"].iloc[1], "en") == want_en
    assert f"counties reached: {want_en}" in format_table(gdf)
    # the same from a file's JSON text, and in Chinese
    import json

    text = json.dumps(gdf["county_share"].iloc[1], ensure_ascii=False)
    assert county_summary(text, "zh").startswith(f"{qj['county']} {100 * qj['share']:.1f} %")
    overlays, _, _ = catchment_overlays(gdf, lambda geoms: list(geoms), "zh")
    popups = " ".join(str(s) for o in overlays for s in o.shapes)
    assert "各区县面积占比" in popups and qj["county"] in popups and ps["county"] in popups
