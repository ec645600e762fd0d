"""A local Overpass API stand-in that answers osmnx's queries from a real OSM extract.

osmnx 2 sends two kinds of Overpass QL query (``osmnx/_overpass.py``), both POSTed as the
form field ``data`` to ``<url>/interpreter``:

* networks: ``[out:json][timeout:T];(way<filters>(poly:'lat lon ...');>;);out;``
* features: ``[out:json][timeout:T];((node['k'='v'](poly:'...');(._;>;););(way...)...);out;``

and, when rate limiting is on, reads ``<url>/status``. :class:`OverpassStandin` answers both
from a PBF read once with pyosmium, applying the query's tag filters and polygon with the
semantics documented for Overpass QL:

* ``["k"]`` / ``[!"k"]`` the key is present / absent; ``["k"="v"]`` / ``["k"!="v"]``
  equal / not equal (a missing key is "not equal"); ``["k"~"re"]`` / ``["k"!~"re"]`` the
  value matches / does not match the regular expression (an unanchored search; a missing
  key does not match ``~`` and passes ``!~``).
* ``(poly:...)``: a node inside the polygon, a way with a segment inside or crossing it, a
  relation with such a member node or way.
* ``>`` (recurse down): the nodes of the ways, the member nodes and ways of relations and the
  nodes of those ways.

The answer is Overpass JSON (``{"version": 0.6, "elements": [...]}``, nodes then ways then
relations, each by id, as ``out;`` (body) prints them). An extract holds no node beyond its
border: a way whose nodes are partly missing is printed with its longest run of present nodes
(counted in ``trimmed_ways``), as the offline import clips such a way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import osmium
import shapely

from tests.fixture_server import FixtureServer

#: ``GET /status`` as the real server prints it; osmnx reads the fifth line.
STATUS = ("Connected as: 2130706433\nCurrent time: 2024-01-01T00:00:00Z\n"
          "Announced endpoint: none\nRate limit: 2\n2 slots available now.\n"
          "Currently running queries (pid, space limit, time limit, start time):\n")

_SELECT = re.compile(r"(node|way|relation)((?:\[[^\]]*\])*)\(poly:(['\"])([^'\"]*)\3\)")
_CLAUSE = re.compile(r"""\[\s*(!?)\s*(['"])(.*?)\2\s*(?:(!=|=|!~|~)\s*(['"])(.*?)\5)?\s*\]""")


@dataclass
class Extract:
    """An OSM extract held in memory: nodes, ways and relations with their tags."""

    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    node_tags: dict[int, dict[str, str]]
    ways: dict[int, tuple[list[int], dict[str, str]]]
    relations: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]]
    _way_lines: dict[int, shapely.LineString | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.position = {int(n): i for i, n in enumerate(self.node_ids)}

    def way_refs(self, way_id: int) -> list[int]:
        """Return the way's node ids: its longest run of nodes present in the extract."""
        refs = self.ways[way_id][0]
        best: list[int] = []
        run: list[int] = []
        for ref in refs:
            if ref in self.position:
                run.append(ref)
                if len(run) > len(best):
                    best = run
            else:
                run = []
        return list(best)

    def way_line(self, way_id: int) -> shapely.Geometry | None:
        """Return the way as a LineString (a Point for a one-node run), or ``None``."""
        if way_id not in self._way_lines:
            idx = [self.position[r] for r in self.way_refs(way_id)]
            if not idx:
                geom = None
            elif len(idx) == 1:
                geom = shapely.Point(self.lon[idx[0]], self.lat[idx[0]])
            else:
                geom = shapely.LineString(np.c_[self.lon[idx], self.lat[idx]])
            self._way_lines[way_id] = geom
        return self._way_lines[way_id]


@lru_cache(maxsize=4)
def load_extract(path: str) -> Extract:
    """Read an OSM file (any format pyosmium reads) into memory, once per path."""
    ids, lon, lat = [], [], []
    node_tags: dict[int, dict[str, str]] = {}
    ways: dict[int, tuple[list[int], dict[str, str]]] = {}
    relations: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]] = {}
    kinds = {"n": "node", "w": "way", "r": "relation"}
    for obj in osmium.FileProcessor(str(path)):
        if obj.is_node():
            if not obj.location.valid():
                continue
            ids.append(obj.id)
            lon.append(obj.location.lon)
            lat.append(obj.location.lat)
            if len(obj.tags):
                node_tags[obj.id] = dict(obj.tags)
        elif obj.is_way():
            ways[obj.id] = ([n.ref for n in obj.nodes], dict(obj.tags))
        elif obj.is_relation():
            members = [(kinds[m.type], m.ref, m.role) for m in obj.members]
            relations[obj.id] = (members, dict(obj.tags))
    return Extract(np.array(ids, dtype=np.int64), np.array(lon), np.array(lat), node_tags,
                   ways, relations)


def parse_filters(text: str) -> list[tuple[str, str | None, str | None]]:
    """Return ``(key, operator, value)`` for each ``[...]`` tag clause of a QL selector."""
    clauses = []
    for match in _CLAUSE.finditer(text):
        op = "absent" if match.group(1) else match.group(4)
        clauses.append((match.group(3), op, match.group(6)))
    if sum(len(m.group(0)) for m in _CLAUSE.finditer(text)) != len(text):
        raise ValueError(f"unsupported Overpass tag filter {text!r}")
    return clauses


def tags_match(tags: dict[str, str], clauses: list[tuple[str, str | None, str | None]]) -> bool:
    """Return whether ``tags`` pass every clause (Overpass QL semantics)."""
    for key, op, value in clauses:
        present = key in tags
        if op is None:
            ok = present
        elif op == "absent":
            ok = not present
        elif op == "=":
            ok = present and tags[key] == value
        elif op == "!=":
            ok = not present or tags[key] != value
        elif op == "~":
            ok = present and re.search(value or "", tags[key]) is not None
        else:  # "!~"
            ok = not present or re.search(value or "", tags[key]) is None
        if not ok:
            return False
    return True


def _polygon(coords: str) -> shapely.Polygon:
    values = np.array(coords.split(), dtype=float).reshape(-1, 2)
    polygon = shapely.Polygon(values[:, ::-1])  # Overpass poly lists lat lon pairs
    shapely.prepare(polygon)
    return polygon


class OverpassStandin:
    """Answer osmnx's Overpass queries from an OSM extract.

    Parameters
    ----------
    path
        The extract (e.g. ``../shared/realdata/andorra.osm.pbf``).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.data = load_extract(str(path))
        self.queries: list[str] = []
        self.trimmed_ways = 0

    def _select(self, kind: str, clauses, polygon) -> tuple[set[int], set[int], set[int]]:
        d = self.data
        positive = any(op in (None, "=", "~") for _, op, _ in clauses)
        if kind == "node":
            pool = d.node_tags.items() if positive else (
                (int(n), d.node_tags.get(int(n), {})) for n in d.node_ids)
            ids = [n for n, tags in pool if tags_match(tags, clauses)]
            pos = np.array([d.position[n] for n in ids], dtype=np.int64)
            inside = shapely.contains_xy(polygon, d.lon[pos], d.lat[pos]) if len(pos) else []
            return {n for n, ok in zip(ids, inside, strict=True) if ok}, set(), set()
        if kind == "way":
            ids = [w for w, (_, tags) in d.ways.items() if tags_match(tags, clauses)]
            lines = np.array([d.way_line(w) for w in ids], dtype=object)
            hit = shapely.intersects(lines, polygon) if len(ids) else []
            return set(), {w for w, ok in zip(ids, hit, strict=True) if ok}, set()
        rels = set()
        for rid, (members, tags) in d.relations.items():
            if not tags_match(tags, clauses):
                continue
            for mtype, ref, _ in members:
                if mtype == "node" and ref in d.position:
                    i = d.position[ref]
                    if shapely.contains_xy(polygon, d.lon[i], d.lat[i]):
                        rels.add(rid)
                        break
                elif mtype == "way" and ref in d.ways:
                    line = d.way_line(ref)
                    if line is not None and polygon.intersects(line):
                        rels.add(rid)
                        break
        return set(), set(), rels

    def answer(self, query: str) -> dict:
        """Return the Overpass JSON answer to one QL query."""
        self.queries.append(query)
        d = self.data
        nodes: set[int] = set()
        ways: set[int] = set()
        rels: set[int] = set()
        selectors = list(_SELECT.finditer(query))
        if not selectors or not query.startswith("[out:json]"):
            raise ValueError(f"unsupported Overpass query {query[:120]!r}")
        for match in selectors:
            polygon = _polygon(match.group(4))
            n, w, r = self._select(match.group(1), parse_filters(match.group(2)), polygon)
            nodes |= n
            ways |= w
            rels |= r
        if ">" in query:  # every form osmnx sends recurses down from what it selects
            for rid in rels:
                for mtype, ref, _ in d.relations[rid][0]:
                    if mtype == "node" and ref in d.position:
                        nodes.add(ref)
                    elif mtype == "way" and ref in d.ways:
                        ways.add(ref)
            for wid in ways:
                nodes.update(d.way_refs(wid))
        elements: list[dict] = []
        for nid in sorted(nodes):
            i = d.position[nid]
            element = {"type": "node", "id": nid, "lat": round(float(d.lat[i]), 7),
                       "lon": round(float(d.lon[i]), 7)}
            if nid in d.node_tags:
                element["tags"] = d.node_tags[nid]
            elements.append(element)
        for wid in sorted(ways):
            refs, tags = d.ways[wid]
            kept = d.way_refs(wid)
            if len(kept) < 2:
                continue
            if len(kept) != len(refs):
                self.trimmed_ways += 1
            element = {"type": "way", "id": wid, "nodes": kept}
            if tags:
                element["tags"] = tags
            elements.append(element)
        for rid in sorted(rels):
            members, tags = d.relations[rid]
            elements.append({"type": "relation", "id": rid, "tags": tags, "members": [
                {"type": t, "ref": ref, "role": role} for t, ref, role in members]})
        return {"version": 0.6, "generator": f"wuling-geo tests: Overpass stand-in ({self.path.name})",
                "osm3s": {"copyright": "© OpenStreetMap contributors, ODbL"}, "elements": elements}

    def handler(self, path: str, params: dict[str, str], body: str) -> tuple[int, object]:
        """Answer a request routed by :class:`~tests.fixture_server.FixtureServer`."""
        if path.endswith("/status"):
            return 200, STATUS
        if not path.endswith("/interpreter"):
            return 404, {"error": f"no such endpoint {path}"}
        try:
            return 200, self.answer(params.get("data", ""))
        except ValueError as exc:  # what real Overpass answers to a query it cannot parse
            return 400, f"Error: {exc}"

    def serve(self) -> FixtureServer:
        """Return a :class:`FixtureServer` answering on ``<url>/api/interpreter``."""
        return FixtureServer({"/api": self.handler})
