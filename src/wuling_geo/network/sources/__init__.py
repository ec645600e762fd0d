"""Where road polylines come from: OSM files (pyosmium), Overpass (osmnx), a user's road layer."""
