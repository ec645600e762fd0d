"""Data shipped with wuling-geo, read through :mod:`importlib.resources`.

Installed as the package ``wuling_geo.geodata`` (this folder, mapped in ``pyproject.toml``):
``gazetteer.toml`` (places and their sourced facts), ``boundary.geojson`` (黔江区 and its
neighbours), ``services.toml`` (rail and air legs), ``speeds.toml`` (speed profile) and
``planning.toml`` (itinerary planning assumptions). Point :data:`wuling_geo.settings.geodata_dir`
(env ``WULING_GEO_DATA``) at a copy of this folder to use your own.
"""
