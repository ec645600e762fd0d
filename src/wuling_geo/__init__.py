"""wuling-geo: tourism and logistics maps for Qianjiang District (黔江区), Chongqing.

The data flow: data (gazetteer, OSM, boundary) → network → analysis (catchments,
accessibility, itineraries) → presentation (maps, exports) → interfaces (CLI, API).
The public API is what this module re-exports.
"""

from __future__ import annotations

from . import settings
from ._errors import (
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
from .boundary import boundaries, district
from .datum import convert, convert_geometry
from .gazetteer import Gazetteer, Place, load_gazetteer
from .geocode import Geocoder, Resolution, geocode
from .layers import write_layers

# network
from .network import RoadNetwork, load_network, save_network
from .network_fetch import fetch_network
from .network_import import ImportOptions, LayerFields, import_network
from .network_summary import summarize as summarize_network
from .osm_network import ImportFlags
from .speed_profile import load_profile as load_speed_profile

# analysis
from .accessibility import FacilitySearch, access_summary, accessibility_surface  # isort: skip
from .catchments import catchments, standard_catchments, write_catchments  # isort: skip
from .itinerary import Itinerary, plan_itinerary  # isort: skip
from .multimodal import Reach, load_services, reach  # isort: skip
from .od_matrix import od_matrix  # isort: skip

# presentation
from .itinerary_export import write_itinerary  # isort: skip
from .webmap import MapReport, render_map, write_index  # isort: skip

# interfaces
from .pipeline import build  # isort: skip

__version__ = "0.1.0"

__all__ = [
    "DatumError",
    "FacilitySearch",
    "Gazetteer",
    "GazetteerError",
    "Geocoder",
    "ImportFlags",
    "ImportOptions",
    "InfeasibleError",
    "InputError",
    "Itinerary",
    "LayerFields",
    "MapReport",
    "NetworkError",
    "OSMDataError",
    "OfflineError",
    "OutsideDistrictError",
    "Place",
    "Reach",
    "Resolution",
    "RoadNetwork",
    "UnknownPlaceError",
    "UnresolvedPlaceError",
    "WulingGeoError",
    "access_summary",
    "accessibility_surface",
    "boundaries",
    "build",
    "catchments",
    "convert",
    "convert_geometry",
    "district",
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
    "save_network",
    "settings",
    "standard_catchments",
    "summarize_network",
    "write_catchments",
    "write_index",
    "write_itinerary",
    "write_layers",
]
