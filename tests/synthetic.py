"""SYNTHETIC road networks for tests. Not Qianjiang data: never ship or show them as such.

The grids live in :mod:`wuling_geo.network.synthetic` (the package's examples use them too):
lengths and travel times are known exactly.
"""

from __future__ import annotations

from wuling_geo.network.synthetic import SYNTHETIC_LABEL, from_edge_list, grid_network

__all__ = ["SYNTHETIC_LABEL", "from_edge_list", "grid_network"]
