"""``--area neighbours``: Qianjiang and the four adjacent counties of geodata/boundary.geojson."""

from __future__ import annotations

import pytest
import shapely

from wuling_geo.data.boundary import NEIGHBOUR_ADCODES, area_km2, boundaries, district
from wuling_geo.network.area import parse_area


def _km2(geom) -> float:
    import geopandas as gpd

    return float(area_km2(gpd.GeoSeries([geom], crs="EPSG:4326")).iloc[0])


def test_neighbours_area_is_the_union_of_all_five_counties():
    gdf = boundaries()
    assert set(gdf["adcode"]) == {500114, *NEIGHBOUR_ADCODES}
    area = parse_area("neighbours", 0)
    union = shapely.union_all(gdf.geometry.values)
    for geom in gdf.geometry:  # every county lies within the area
        assert _km2(geom.difference(area.polygon)) < 0.01
    assert _km2(area.polygon.symmetric_difference(union)) < 0.01
    total = float(area_km2(gdf.geometry).sum())
    assert _km2(area.polygon) == pytest.approx(total, rel=0.005)  # counties barely overlap
    assert _km2(area.polygon) > 4 * _km2(district())
    assert area.spec["area"] == "neighbours" and area.spec["buffer_km"] == 0
    assert "4 neighbouring counties" in area.label


def test_neighbours_area_buffer_default_and_explicit():
    bare = parse_area("Neighbours", 0).polygon
    grown = parse_area("neighbours", 5).polygon
    assert grown.covers(bare) and _km2(grown) > _km2(bare) + 100
    default = parse_area("neighbours")
    assert default.spec["buffer_km"] == 20 and default.polygon.covers(grown)
    # the default area is unchanged: the district alone
    assert _km2(parse_area("qianjiang", 0).polygon) == pytest.approx(_km2(district()))
