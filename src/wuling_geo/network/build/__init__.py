"""Building a routable network from road polylines, and importing one into a saved folder."""
