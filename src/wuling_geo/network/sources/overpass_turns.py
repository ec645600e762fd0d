"""Turn restrictions and barrier nodes from Overpass, for ``network fetch``.

osmnx downloads ways and their nodes only; the relations and barrier nodes that
:mod:`wuling_geo.network.turns` applies are asked for here, in one query per part of the
area (osmnx's own subdivision, request pacing, cache and error handling are used), and read
by the same :class:`~wuling_geo.network.restrictions.TurnDataCollector` as an OSM file, so a
fetched network honours exactly the rules an imported one does.
"""

from __future__ import annotations

from collections import OrderedDict

from osmnx import _overpass
from shapely.geometry.base import BaseGeometry

from wuling_geo.network.restrictions import TurnData, TurnDataCollector


def turn_query(polygon_coords: str) -> str:
    """Return the Overpass QL query for one part of the area (osmnx's ``poly`` string).

    Restriction relations with a member in the part (``type=restriction`` and its
    ``restriction:<vehicle>`` forms) and barrier nodes inside it, printed with their tags
    and members (``out body``).
    """
    where = f"(poly:'{polygon_coords}')"
    return (f"{_overpass._make_overpass_settings()};("
            f"relation['type'~'^restriction']{where};"
            f"node['barrier']{where};"
            ");out;")


def fetch_turn_data(polygon: BaseGeometry) -> TurnData:
    """Download the restrictions and barriers inside ``polygon`` (WGS-84) from Overpass.

    Raises
    ------
    Exception
        osmnx's errors for an unreachable or failing server (the caller words them).
    """
    collect = TurnDataCollector()
    seen: set[tuple[str, int]] = set()
    for coords in _overpass._make_overpass_polygon_coord_strs(polygon):
        answer = _overpass._overpass_request(OrderedDict(data=turn_query(coords)))
        for element in answer.get("elements", []):
            key = (element.get("type", ""), int(element.get("id", 0)))
            if key in seen:  # a part's seam: the same element answered twice
                continue
            seen.add(key)
            tags = {str(k): str(v) for k, v in (element.get("tags") or {}).items()}
            if key[0] == "node":
                collect.node(key[1], float(element["lon"]), float(element["lat"]), tags)
            elif key[0] == "relation":
                members = [(str(m.get("type", "")), int(m.get("ref", 0)), str(m.get("role", "")))
                           for m in element.get("members", [])]
                collect.relation(key[1], tags, members)
    return collect.result()


__all__ = ["fetch_turn_data", "turn_query"]
