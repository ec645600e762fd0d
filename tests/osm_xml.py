"""Write small SYNTHETIC OSM XML files for tests (not real Qianjiang data)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr


def write_osm(path: Path, nodes: list[tuple[int, float, float, dict]],
              ways: list[tuple[int, list[int], dict]] = (),
              relations: list[tuple[int, list[tuple[str, int, str]], dict]] = ()) -> Path:
    """Write an OSM XML file: nodes ``(id, lon, lat, tags)``, ways ``(id, node_ids, tags)``."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<osm version="0.6" generator="wuling-geo tests (SYNTHETIC)">']

    def tags(t: dict) -> list[str]:
        return [f"  <tag k={quoteattr(k)} v={quoteattr(str(v))}/>" for k, v in t.items()]

    for nid, lon, lat, t in nodes:
        out.append(f'<node id="{nid}" version="1" lat="{lat}" lon="{lon}">')
        out += tags(t)
        out.append("</node>")
    for wid, refs, t in ways:
        out.append(f'<way id="{wid}" version="1">')
        out += [f'  <nd ref="{r}"/>' for r in refs]
        out += tags(t)
        out.append("</way>")
    for rid, members, t in relations:
        out.append(f'<relation id="{rid}" version="1">')
        out += [f'  <member type="{kind}" ref="{ref}" role="{role}"/>' for kind, ref, role in members]
        out += tags(t)
        out.append("</relation>")
    out.append("</osm>")
    path.write_text("\n".join(out), encoding="utf-8")
    return path
