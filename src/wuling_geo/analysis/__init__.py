"""The analysis layer: what a network answers. It computes and returns; it never writes files.

Travel-time catchments (:mod:`.catchments`), itineraries (:mod:`.itinerary`), origin-destination
matrices, nearest-facility accessibility and multimodal reach. May import
:mod:`wuling_geo.network.model`, :mod:`wuling_geo.data` and below.
"""
