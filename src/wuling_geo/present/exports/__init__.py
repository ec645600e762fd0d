"""File exports: every ``write_*`` of the package, each returning the path(s) it wrote.

:mod:`.layers` (``layers.gpkg`` and GeoJSON copies), :mod:`.catchments` (catchment and
multimodal reach bands), :mod:`.accessibility` (the nearest-facility surface), :mod:`.tables`
(OD matrices as CSV or Parquet), :mod:`.itinerary` (GPX, CSV, Markdown, HTML), :mod:`.gpkg`
(several layers in one GeoPackage) and :mod:`.boundary` (the shipped boundary file).
"""
