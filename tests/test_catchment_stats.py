"""Catchment statistics: the district share counted ring by ring equals a plain overlay."""

from __future__ import annotations

import pytest
import shapely
from benchmarks.synthetic_roads import road_network

from wuling_geo.analysis.catchments.bands import catchments, metric_bands
from wuling_geo.analysis.catchments.stats import _district_in, area_within, district_share


def test_area_within_counts_holes_inside_across_and_outside_the_region():
    region = shapely.box(0, 0, 10, 10)
    shapely.prepare(region)
    holes = [shapely.box(1, 1, 2, 2).exterior,  # inside the region
             shapely.box(9, 4, 11, 5).exterior,  # across its outline
             shapely.box(12, 1, 13, 2).exterior]  # outside it
    poly = shapely.MultiPolygon([shapely.Polygon(shapely.box(-5, -5, 15, 15).exterior, holes),
                                 shapely.box(1.25, 1.25, 1.75, 1.75),  # an island in a hole
                                 shapely.box(20, 20, 21, 21)])  # a part outside the region
    assert poly.is_valid
    assert area_within(poly, region) == pytest.approx(shapely.intersection(poly, region).area)
    assert area_within(poly, region) == pytest.approx(100 - 1 - 1 + 0.25)
    assert area_within(shapely.box(20, 20, 21, 21), region) == 0.0


def test_district_share_of_real_bands_equals_the_overlay():
    # SYNTHETIC road-like network laid over the district (not real roads)
    net = road_network(3000, seed=4, centre=(108.77, 29.52))
    pts = [(f"o{i}", float(x), float(y)) for i, (x, y) in
           enumerate(net.nodes[["x", "y"]].to_numpy()[::700][:3])]
    bands = catchments(net, pts, (10, 30, 60), stats=False)
    district, area = _district_in(net.crs_metric.to_wkt())
    holes = 0
    for poly in metric_bands(net, list(bands.geometry)):
        holes += sum(shapely.get_num_interior_rings(shapely.get_parts(poly)))
        want = shapely.intersection(district, poly).area
        assert area_within(poly, district) == pytest.approx(want, rel=1e-9, abs=1e-3)
        assert district_share(net, poly) == round(want / area, 4)
    assert holes > 0  # the ring-by-ring count was exercised
