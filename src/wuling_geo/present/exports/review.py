"""The review folder of gazetteer curation: a table (CSV, GeoJSON), a map and the record.

:func:`write_review` writes, all or nothing, into the ``--out`` folder:

- ``candidates.csv`` — one row per candidate, the candidates of a place side by side: source,
  the provider's own label and id, WGS-84 position, confidence, flags, which candidates agree
  (≤ 300 m) or lie far apart (> 1 km), the nearest other source's distance, provenance, and an
  empty ``accept`` column for the planner to mark (``wuling-geo gazetteer accept --from-csv``).
  Cells that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a
  carriage return) are prefixed with ``'``.
- ``candidates.geojson`` — the same rows as points (WGS-84).
- ``review.html`` — the review map (:mod:`wuling_geo.present.maps.review_map`).
- ``review.json`` — the record ``accept`` reads (with the gazetteer's SHA-256).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from wuling_geo._util.files import Owner, atomic_dir
from wuling_geo.data.curation import REVIEW_FILE, Review
from wuling_geo.present.exports.tables import csv_cell

FILES = ("candidates.csv", "candidates.geojson", "review.html", REVIEW_FILE)
COLUMNS = ["accept", "place_id", "name_zh", "name_en", "verdict", "n", "source", "label", "lon",
           "lat", "source_datum", "kind", "confidence", "flags", "agrees_with", "far_from",
           "nearest_other", "nearest_other_m", "ident", "method", "query", "date"]
REVIEW_OWNER = Owner("gazetteer review folder", lambda p: (p / REVIEW_FILE).is_file(),
                     frozenset(FILES))


def _pairs(pairs) -> str:
    return "; ".join(f"#{n} ({d:.0f} m)" for n, d in pairs)


def rows(review: Review) -> list[dict]:
    """Return the table rows (values unescaped), places in review order."""
    out = []
    for pr in review.places:
        place = pr.place
        if not pr.proposals:
            out.append({"place_id": place.id, "name_zh": place.name_zh,
                        "name_en": place.name_en, "verdict": pr.verdict})
            continue
        for p in pr.proposals:
            out.append({
                "accept": "", "place_id": place.id, "name_zh": place.name_zh,
                "name_en": place.name_en, "verdict": pr.verdict, "n": p.n, "source": p.source,
                "label": p.label, "lon": f"{p.lon:.7f}", "lat": f"{p.lat:.7f}",
                "source_datum": p.datum, "kind": p.kind, "confidence": p.confidence,
                "flags": ", ".join(p.flags), "agrees_with": _pairs(p.agrees_with),
                "far_from": _pairs(p.far_from),
                "nearest_other": f"#{p.nearest[0]}" if p.nearest else "",
                "nearest_other_m": f"{p.nearest[1]:.0f}" if p.nearest else "",
                "ident": p.ident, "method": p.method, "query": p.query, "date": p.date})
    return out


def to_csv(review: Review) -> str:
    """Return the review table as CSV text (every cell escaped by :func:`csv_cell`)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    for row in rows(review):
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    return buf.getvalue()


def to_geojson(review: Review) -> dict:
    """Return the review table as a GeoJSON FeatureCollection of points (WGS-84)."""
    feats = []
    for row in rows(review):
        if not row.get("lon"):
            continue
        props = {k: v for k, v in row.items() if k not in ("lon", "lat", "accept")}
        feats.append({"type": "Feature", "properties": props, "geometry": {
            "type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]}})
    return {"type": "FeatureCollection", "features": feats}


def write_review(review: Review, folder: str | Path, offline: bool = False) -> list[Path]:
    """Write the review folder atomically; return the files written.

    ``folder`` is replaced only when it is new, empty or a review folder written before.
    """
    from wuling_geo.present.maps.review_map import render_review_map

    page = render_review_map(review, offline=offline)
    with atomic_dir(folder, owner=REVIEW_OWNER) as stage:
        (stage / "candidates.csv").write_text(to_csv(review), encoding="utf-8-sig")
        (stage / "candidates.geojson").write_text(
            json.dumps(to_geojson(review), ensure_ascii=False), encoding="utf-8")
        (stage / "review.html").write_text(page, encoding="utf-8")
        (stage / REVIEW_FILE).write_text(json.dumps(review.to_record(), ensure_ascii=False,
                                                    indent=1), encoding="utf-8")
    return [Path(folder) / name for name in FILES]


__all__ = ["COLUMNS", "FILES", "csv_cell", "rows", "to_csv", "to_geojson", "write_review"]
