"""Geocoding: a place name, id or coordinate resolved to a WGS-84 position with provenance.

:mod:`.geocoder` runs the chain (the gazetteer's own position, OpenStreetMap features, online
providers); each online provider has a module of its own (:mod:`.nominatim`, ...).
"""
