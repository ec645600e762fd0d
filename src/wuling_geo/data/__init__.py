"""The data layer: places and their positions, before any road network exists.

Owns datum conversion (WGS-84, GCJ-02, BD-09), the district boundary, the gazetteer and its
places, geocoding (:mod:`.geocode`), OpenStreetMap named features, the scheduled services file
and the geocoded map layers. May import :mod:`wuling_geo._util` and :mod:`wuling_geo.settings`
only.
"""
