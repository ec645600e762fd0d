"""Web maps: folium pages with bilingual text, offline assets, overlays and the page's own script."""
