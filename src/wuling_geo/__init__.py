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
from .boundary import boundaries, district
from .datum import convert, convert_geometry
from .gazetteer import Gazetteer, Place, load_gazetteer
from .geocode import Geocoder, Resolution, geocode
from .layers import write_layers
from .pipeline import build

# --- network (issue 3)
# isort: split
from .network import RoadNetwork as RoadNetwork
from .network import load_network as load_network
from .network import save_network as save_network
from .network_fetch import fetch_network as fetch_network
from .network_import import ImportOptions as ImportOptions
from .network_import import LayerFields as LayerFields
from .network_import import import_network as import_network
from .network_summary import summarize as summarize_network
from .osm_network import ImportFlags as ImportFlags
from .speed_profile import load_profile as load_speed_profile

# --- catchments (issue 4)
# isort: split
from .catchments import catchments as catchments
from .catchments import standard_catchments as standard_catchments
from .catchments import write_catchments as write_catchments

# --- maps (issue 5)
# isort: split
from .webmap import MapReport as MapReport
from .webmap import render_map as render_map
from .webmap import write_index as write_index

# --- itineraries (issue 6)
# isort: split
from .itinerary import Itinerary as Itinerary
from .itinerary import plan_itinerary as plan_itinerary
from .itinerary_export import write_itinerary as write_itinerary

# --- logistics (issue 7)
# isort: split
from .accessibility import FacilitySearch as FacilitySearch
from .accessibility import access_summary as access_summary
from .accessibility import accessibility_surface as accessibility_surface
from .multimodal import Reach as Reach
from .multimodal import load_services as load_services
from .multimodal import reach as reach
from .od_matrix import od_matrix as od_matrix

__version__ = "0.1.0"

__all__ = [
                      "DatumError",
                      "Gazetteer",
                      "GazetteerError",
                      "Geocoder",
                      "ImportFlags",
                      "ImportOptions",
                      "InfeasibleError",
                      "InputError",
                      "LayerFields",
                      "NetworkError",
                      "OSMDataError",
                      "OfflineError",
                      "OutsideDistrictError",
                      "Place",
                      "Resolution",
                      "RoadNetwork",
                      "UnknownPlaceError",
                      "UnresolvedPlaceError",
                      "WulingGeoError",
                      "boundaries",
                      "build",
                      "convert",
                      "convert_geometry",
                      "district",
                      "fetch_network",
                      "geocode",
                      "import_network",
                      "load_gazetteer",
                      "load_network",
                      "load_speed_profile",
                      "save_network",
                      "settings",
                      "summarize_network",
                      "write_layers",
]
