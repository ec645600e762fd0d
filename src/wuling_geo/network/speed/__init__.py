"""Edge speeds: the speed profile file, speed assignment, mountain penalties, urban areas, DEM grades."""
