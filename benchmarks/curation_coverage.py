"""How many places of the SHIPPED gazetteer each curation source resolves offline.

Run from the checkout: ``python benchmarks/curation_coverage.py [EXTRACT.osm.pbf ...]``
(default: the real extracts in ../shared/realdata/). The online providers need the network
and keys, so they are not counted here; the extracts are not of Qianjiang, so they are
expected to resolve nothing (a feature must lie in the district and fit the place's kind).
"""

from __future__ import annotations

import sys
from pathlib import Path

from wuling_geo.data import boundary
from wuling_geo.data.curation import _OsmIndex
from wuling_geo.data.gazetteer import load_gazetteer
from wuling_geo.data.osm_features import features_from_file


def main(paths: list[Path]) -> None:
    gaz = load_gazetteer()
    zone = boundary.district_with_margin()
    identified = [p for p in gaz.places if p.identified]
    placed = sum(p.position is not None for p in identified)
    print(f"shipped gazetteer: {len(gaz.places)} places ({len(identified)} identified)")
    print(f"  gazetteer positions: {placed} resolved, {len(identified) - placed} without")
    for path in paths:
        feats = features_from_file(path)
        index = _OsmIndex(feats)
        named = usable = 0
        for place in identified:
            props = index.proposals(place, zone)
            named += bool(props)
            usable += any(not p["flags"] for p in props)
        print(f"  OSM {path.name}: {len(feats)} named features; name matches for {named} "
              f"places, usable (in the district, right kind) for {usable}")


if __name__ == "__main__":
    default = sorted((Path(__file__).resolve().parents[2] / "shared" / "realdata").glob("*.pbf"))
    main([Path(a) for a in sys.argv[1:]] or default)
