"""File exports: GeoPackages, itineraries (GPX, CSV, Markdown, HTML) and other tables."""
