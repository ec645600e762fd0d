"""One vocabulary of places: every analysis takes names, ids, ``lon,lat`` and points alike.

Places come from the FIXTURE gazetteer (tests/data/gazetteer_small.toml); roads from the
SYNTHETIC grid of the ``network_dir`` fixture (not real roads).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import wuling_geo as wg
from wuling_geo._util.errors import InputError, UnknownPlaceError, UnresolvedPlaceError
from wuling_geo.analysis.accessibility import FacilitySearch
from wuling_geo.analysis.itinerary.stops import Stop, make_stop
from wuling_geo.data.gazetteer import load_gazetteer
from wuling_geo.data.places import Site, as_site, as_sites

from .helpers import SMALL_GAZETTEER


@pytest.fixture(scope="module")
def geocoder():
    return wg.Geocoder(load_gazetteer(SMALL_GAZETTEER))


@pytest.fixture(scope="module")
def net(network_dir):
    return wg.load_network(network_dir)


# ---------------------------------------------------------------- the coercion

def test_every_form_becomes_the_same_site(geocoder):
    res = geocoder.locate("黔江站")
    by_name = as_site("黔江站", geocoder)
    assert by_name == as_site("qianjiang-station", geocoder) == as_site(res)
    assert by_name == as_site("Qianjiang Station", geocoder)  # the English name
    assert (by_name.id, by_name.name, by_name.category) == ("qianjiang-station", "黔江站", "transport")
    assert by_name.label == res.place.label and by_name.place is res.place
    lon, lat = by_name.lon, by_name.lat
    free = [as_site((lon, lat)), as_site([lon, lat]), as_site(shapely.Point(lon, lat)),
            as_site(f"{lon},{lat}", geocoder)]
    assert {(s.id, s.lon, s.lat) for s in free} == {(f"{lon:.5f},{lat:.5f}", lon, lat)}
    assert as_site(("a", "SYNTHETIC A", lon, lat)) == Site("a", "SYNTHETIC A", lon, lat)
    assert as_site({"id": "a", "name": "SYNTHETIC A", "lon": lon, "lat": lat}).name == "SYNTHETIC A"
    assert as_site(("named", lon, lat)).id == "named"


def test_collections_and_single_places(geocoder):
    assert [s.id for s in as_sites("黔江站", geocoder)] == ["qianjiang-station"]
    assert [s.id for s in as_sites(["黔江站", "JIQ"], geocoder)] == ["qianjiang-station",
                                                                     "wulingshan-airport"]
    assert [s.id for s in as_sites({"x": (108.8, 29.5)})] == ["x"]
    assert [s.id for s in as_sites((108.8, 29.5))] == ["108.80000,29.50000"]
    frame = gpd.GeoDataFrame({"id": ["p", "q"], "name_zh": ["甲", "乙"], "category": ["logistics"] * 2},
                             geometry=gpd.points_from_xy([108.8, 108.81], [29.5, 29.51]), crs=4326)
    sites = as_sites(frame)
    assert [(s.id, s.name, s.category) for s in sites] == [("p", "甲", "logistics"),
                                                            ("q", "乙", "logistics")]


def test_bad_places_say_what_is_wrong(geocoder):
    with pytest.raises(UnknownPlaceError):
        as_sites(["no such place anywhere"], geocoder)
    with pytest.raises(UnresolvedPlaceError, match="no known position"):
        as_sites(["小南海景区"], geocoder)  # in the FIXTURE gazetteer without a position
    with pytest.raises(InputError, match="cannot use .* as a origin"):
        as_sites([object()], geocoder, "origin")
    with pytest.raises(InputError, match="finite"):
        as_site((float("nan"), 29.5))
    with pytest.raises(InputError, match="coordinate"):
        as_site("108.77", geocoder)  # numbers, not a pair: a message about coordinates


def test_itinerary_stop_is_a_site(geocoder):
    stop = make_stop("黔江站", geocoder=geocoder)
    assert isinstance(stop, Stop) and isinstance(stop, Site)
    assert (stop.id, stop.name, stop.category) == ("qianjiang-station", "黔江站", "transport")
    assert stop.dwell_s > 0 and stop.must


# ---------------------------------------------------------------- every analysis takes names

def test_catchments_take_names(net, geocoder):
    by_name = wg.catchments(net, ["黔江站"], minutes=(5,), stats=False, geocoder=geocoder)
    by_res = wg.catchments(net, [geocoder.locate("黔江站")], minutes=(5,), stats=False)
    assert list(by_name["origin_id"]) == ["qianjiang-station"]
    assert by_name["origin_name"].iloc[0] == by_res["origin_name"].iloc[0]
    assert by_name.geometry.iloc[0].equals(by_res.geometry.iloc[0])
    nearest = wg.catchments(net, ["黔江站", "JIQ"], minutes=(5,), mode="nearest", stats=False,
                            geocoder=geocoder)
    assert nearest["origin_id"].iloc[0] == "transport"  # their shared category
    assert nearest["n_origins"].iloc[0] == 2


def test_od_matrix_takes_names(net, geocoder):
    by_name = wg.od_matrix(net, ["黔江站"], ["JIQ", "district-seat"], geocoder=geocoder)
    by_res = wg.od_matrix(net, [geocoder.locate("黔江站")],
                          [geocoder.locate("JIQ"), geocoder.locate("district-seat")])
    assert list(by_name["origin_id"]) == ["qianjiang-station"] * 2
    assert list(by_name["destination_id"]) == ["wulingshan-airport", "district-seat"]
    assert by_name["reachable"].all()
    np.testing.assert_allclose(by_name["minutes"], by_res["minutes"])


def test_accessibility_takes_facility_names(net, geocoder):
    site = as_site("JIQ", geocoder)
    area = shapely.box(site.lon - 0.02, site.lat - 0.02, site.lon + 0.02, site.lat + 0.02)
    surface = wg.accessibility_surface(net, ["JIQ"], cell_m=1500, area=area, geocoder=geocoder)
    assert set(surface["facility_id"].dropna()) == {"wulingshan-airport"}
    assert surface["minutes"].notna().any()
    search = FacilitySearch(net, "黔江站", geocoder=geocoder)
    assert search.facilities[0].id == "qianjiang-station"


def test_reach_takes_a_name(net, geocoder):
    result = wg.reach(net, "黔江站", None, minutes=(5,), geocoder=geocoder)
    assert list(result.bands["origin_id"]) == ["qianjiang-station"]
    assert result.stops["name"].iloc[0] == "黔江站"


def test_plan_itinerary_takes_names(net, geocoder):
    trip = wg.plan_itinerary(net, start="黔江站", visits=["JIQ"], geocoder=geocoder)
    assert [c.place_id for c in trip.visits] == ["wulingshan-airport"]
    assert trip.days[0].calls[0].name == "黔江站"


# ---------------------------------------------------------------- one vocabulary

def test_returned_types_are_exported():
    import dataclasses
    import typing

    import pandas as pd

    names = {**vars(wg), "gpd": gpd, "pd": pd, "np": np, "shapely": shapely}
    missing = set()
    for name in wg.__all__:
        obj = getattr(wg, name)
        if not callable(obj) or isinstance(obj, type):
            continue
        ret = typing.get_type_hints(obj, localns=names).get("return")
        todo = [ret]
        while todo:
            t = todo.pop()
            todo += list(typing.get_args(t))
            if isinstance(t, type) and t.__module__.startswith("wuling_geo"):
                if t.__name__ not in wg.__all__:
                    missing.add(t.__name__)
                if dataclasses.is_dataclass(t):  # what a result holds is public too
                    hints = typing.get_type_hints(t, localns=names)
                    todo += [hints.get(f.name) for f in dataclasses.fields(t)]
    assert not missing, f"returned by public functions but not exported: {sorted(missing)}"


def test_one_name_for_one_thing():
    from wuling_geo.analysis.catchments import road_reach
    from wuling_geo.analysis.itinerary import model
    from wuling_geo.data import services
    from wuling_geo.present.maps import overlays

    assert not hasattr(road_reach, "Reach") and wg.Reach.__module__.endswith("multimodal")
    assert not hasattr(services, "Stop") and wg.ServiceStop is services.ServiceStop
    assert not hasattr(model, "Call") and wg.Call.__module__.endswith("itinerary.result")
    assert not hasattr(model, "UNREACHABLE") and not hasattr(overlays, "UNREACHABLE")
    assert isinstance(model.NO_ROAD_S, int) and overlays.UNREACHABLE_COLOUR.startswith("#")


def test_deprecated_spellings_still_work(net):
    with pytest.warns(DeprecationWarning, match="speed_file"):
        options = wg.ImportOptions(profile_file="speeds.toml")
    assert options.speed_file == "speeds.toml"
    with pytest.warns(DeprecationWarning, match="buffer_m"):
        old = wg.catchments(net, [(108.76, 29.43)], (2,), stats=False, access_m=150)
    new = wg.catchments(net, [(108.76, 29.43)], (2,), stats=False, buffer_m=150)
    assert old.geometry.iloc[0].equals(new.geometry.iloc[0]) and new["buffer_m"].iloc[0] == 150
