"""wuling-geo: tourism and logistics maps for Qianjiang District (黔江区), Chongqing.

The data flow: data (gazetteer, OSM, boundary) → network → analysis (catchments,
accessibility, itineraries) → presentation (maps, exports) → interfaces (CLI, API).
The public API is what this module re-exports.
"""

from __future__ import annotations

import logging as _logging
from importlib import metadata as _metadata

from wuling_geo import settings
from wuling_geo._util.errors import (
    DatumError,
    GazetteerError,
    InfeasibleError,
    InputError,
    NetworkError,
    OfflineError,
    OSMDataError,
    OutsideDistrictError,
    UnknownPlaceError,
    UnresolvedPlaceError,
    WulingGeoError,
)

# data
from wuling_geo.data.boundary import boundaries, district  # isort: skip
from wuling_geo.data.datum import convert, convert_geometry  # isort: skip
from wuling_geo.data.gazetteer import (  # isort: skip
    Fact, Gazetteer, GeometryRef, Place, Position, Visit, load_gazetteer)
from wuling_geo.data.geocode.geocoder import Geocoder, Resolution, geocode  # isort: skip
from wuling_geo.data.layers import LayerReport, resolve_layers  # isort: skip
from wuling_geo.data.places import Site, as_sites  # isort: skip
from wuling_geo.data.services import Service, ServiceStop, ServiceTable  # isort: skip

# network
from wuling_geo.network.build.importer import ImportOptions, ImportResult, LayerFields, import_network  # isort: skip
from wuling_geo.network.model import RoadNetwork, load_network, save_network  # isort: skip
from wuling_geo.network.sources.osm_file import ImportFlags  # isort: skip
from wuling_geo.network.sources.overpass import fetch_network  # isort: skip
from wuling_geo.network.speed.profile import ClassSpeeds, SpeedProfile  # isort: skip
from wuling_geo.network.speed.profile import load_profile as load_speed_profile  # isort: skip
from wuling_geo.network.summary import summarize as summarize_network  # isort: skip

# analysis
from wuling_geo.analysis.accessibility import FacilitySearch, access_summary, accessibility_surface  # isort: skip
from wuling_geo.analysis.catchments.bands import catchments, standard_catchments  # isort: skip
from wuling_geo.analysis.catchments.stats import features_table  # isort: skip
from wuling_geo.analysis.itinerary.planner import Itinerary, plan_itinerary  # isort: skip
from wuling_geo.analysis.itinerary.result import Call, DayPlan, Dropped, Leg  # isort: skip
from wuling_geo.analysis.multimodal import Reach, load_services, reach  # isort: skip
from wuling_geo.analysis.od_matrix import od_matrix  # isort: skip

# presentation
from wuling_geo.present.exports.accessibility import write_surface  # isort: skip
from wuling_geo.present.exports.catchments import write_catchments, write_reach  # isort: skip
from wuling_geo.present.exports.itinerary import write_itinerary  # isort: skip
from wuling_geo.present.exports.layers import write_layers  # isort: skip
from wuling_geo.present.exports.tables import write_matrix  # isort: skip
from wuling_geo.present.maps.webmap import MapReport, render_map, write_index  # isort: skip
from wuling_geo.present.main_job import BuildReport, build  # isort: skip

__version__ = _metadata.version("wuling-geo")

# A library prints nothing unless asked: its log records go nowhere until the application
# (the command line, or the user) adds a handler to the logger "wuling_geo".
_logging.getLogger("wuling_geo").addHandler(_logging.NullHandler())

__all__ = [
    "BuildReport",
    "Call",
    "ClassSpeeds",
    "DatumError",
    "DayPlan",
    "Dropped",
    "FacilitySearch",
    "Fact",
    "Gazetteer",
    "GazetteerError",
    "Geocoder",
    "GeometryRef",
    "ImportFlags",
    "ImportOptions",
    "ImportResult",
    "InfeasibleError",
    "InputError",
    "Itinerary",
    "LayerFields",
    "LayerReport",
    "Leg",
    "MapReport",
    "NetworkError",
    "OSMDataError",
    "OfflineError",
    "OutsideDistrictError",
    "Place",
    "Position",
    "Reach",
    "Resolution",
    "RoadNetwork",
    "Service",
    "ServiceStop",
    "ServiceTable",
    "Site",
    "SpeedProfile",
    "UnknownPlaceError",
    "UnresolvedPlaceError",
    "Visit",
    "WulingGeoError",
    "access_summary",
    "accessibility_surface",
    "as_sites",
    "boundaries",
    "build",
    "catchments",
    "convert",
    "convert_geometry",
    "district",
    "features_table",
    "fetch_network",
    "geocode",
    "import_network",
    "load_gazetteer",
    "load_network",
    "load_services",
    "load_speed_profile",
    "od_matrix",
    "plan_itinerary",
    "reach",
    "render_map",
    "resolve_layers",
    "save_network",
    "settings",
    "standard_catchments",
    "summarize_network",
    "write_catchments",
    "write_index",
    "write_itinerary",
    "write_layers",
    "write_matrix",
    "write_reach",
    "write_surface",
]
