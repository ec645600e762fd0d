"""Write accepted positions and geometries into a gazetteer file, keeping its layout.

An accepted position becomes a ``[place.position]`` table (lon, lat in the source's datum,
datum, source, date, confidence) inserted after the place's own fields, above its
``[[place.facts]]``; every other line of the file stays as it was (comments, blank lines,
order). Values are rendered by tomlkit; the new text is checked with the gazetteer's loader
and compared with the old one (every other place unchanged) before it is written atomically.

A line or polygon (a scenic road, a gorge, a park's outline) is stored as a GeoJSON file in
``shapes/`` beside the gazetteer, referenced by a ``[place.geometry]`` table.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
import tomlkit
from shapely.geometry.base import BaseGeometry

from wuling_geo._util.errors import GazetteerError, InputError, clip
from wuling_geo._util.files import atomic_path
from wuling_geo.data import datum as _datum
from wuling_geo.data.curation import REVIEW_FILE, Proposal, Review, file_sha256
from wuling_geo.data.gazetteer import CONFIDENCES, Gazetteer, load_gazetteer, parse_gazetteer

SHAPES_DIR = "shapes"
_HEADER = re.compile(r"^\s*\[")
_PLACE = re.compile(r"^\s*\[\[\s*place\s*\]\]")


def _write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _render(table: str, values: dict, comment: str = "") -> list[str]:
    lines = [f"# {comment}"] if comment else []
    lines.append(f"[place.{table}]")
    for key, value in values.items():
        rendered = repr(value) if isinstance(value, float) else tomlkit.item(value).as_string()
        lines.append(f"{key} = {rendered}")
    return lines


def _section(lines: list[str], index: int) -> tuple[int, int]:
    """Return the line span ``[start, end)`` of the ``index``-th ``[[place]]`` entry."""
    heads = [i for i, line in enumerate(lines) if _PLACE.match(line)]
    start = heads[index]
    end = heads[index + 1] if index + 1 < len(heads) else len(lines)
    return start, end


def _trim_back(lines: list[str], start: int, end: int) -> int:
    """Move ``end`` back over blank and comment lines (they belong to what follows)."""
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def set_table(text: str, place_id: str, table: str, values: dict, comment: str = "") -> str:
    """Return ``text`` with ``[place.<table>]`` of ``place_id`` set to ``values``.

    An existing table of that name is replaced where it stands; a new one goes after the
    place's own fields. Nothing else changes. The result is checked: it parses, it validates,
    and only this table of this place differs.

    Raises
    ------
    GazetteerError
        If the place is not in the file, or the edit would change anything else.
    """
    before = tomllib.loads(text)
    ids = [p.get("id") for p in before.get("place", [])]
    if place_id not in ids:
        raise GazetteerError(f"{place_id!r} is not an id in the gazetteer file")
    lines = text.splitlines()
    start, end = _section(lines, ids.index(place_id))
    header = re.compile(rf"^\s*\[\s*place\s*\.\s*{re.escape(table)}\s*\]")
    old = next((i for i in range(start + 1, end) if header.match(lines[i])), None)
    block = _render(table, values, comment)
    if old is not None:
        stop = next((i for i in range(old + 1, end) if _HEADER.match(lines[i])), end)
        stop = _trim_back(lines, old, stop)
        first = old - 1 if old > start + 1 and lines[old - 1].startswith("# accepted ") else old
        lines[first:stop] = block
    else:
        sub = next((i for i in range(start + 1, end) if _HEADER.match(lines[i])), end)
        at = _trim_back(lines, start, sub)
        lines[at:at] = block
    new = "\n".join(lines) + ("\n" if text.endswith("\n") else "")
    after = tomllib.loads(new)
    for b, a in zip(before["place"], after["place"], strict=True):
        if a.get("id") == place_id:
            a, b = dict(a), dict(b)
            b.pop(table, None)
            if a.pop(table, None) != values or a != b:
                raise GazetteerError(f"editing {place_id} would change more than its {table}: "
                                     "the file's layout is unusual; edit it by hand")
        elif a != b:
            raise GazetteerError(f"editing {place_id} would change {a.get('id')}: edit by hand")
    parse_gazetteer(new, "<edited gazetteer>")
    return new


@dataclass(frozen=True)
class Accepted:
    """What an accept wrote: the place, the values, and the file."""

    place_id: str
    values: dict
    path: Path


def position_values(proposal: Proposal, confidence: str | None = None,
                    today: str | None = None) -> dict:
    """Return the ``[place.position]`` values of a proposal (lon/lat in the source's datum).

    Raises
    ------
    InputError
        For a proposal outside the district, or one that failed the kind check without an
        explicit ``confidence``.
    """
    if "outside-district" in proposal.flags:
        raise InputError(f"candidate {proposal.n} of {proposal.place_id} lies outside the "
                         "district: choose another candidate")
    if confidence is None:
        if not proposal.usable or proposal.confidence not in CONFIDENCES:
            raise InputError(f"candidate {proposal.n} of {proposal.place_id} failed a check "
                             f"({', '.join(proposal.flags) or proposal.confidence}): choose "
                             "another, or give `confidence` after checking it yourself",
                             param="confidence")
        confidence = proposal.confidence
    elif confidence not in CONFIDENCES:
        raise InputError(f"unknown confidence {confidence!r}: use one of {', '.join(CONFIDENCES)}")
    datum = _datum.parse_datum(proposal.datum)
    lon, lat = _datum.convert(proposal.lon, proposal.lat, "wgs84", datum)
    what = f"{proposal.source} {proposal.method} for {proposal.query!r}"
    label = f"{proposal.ident} {proposal.label}".strip()
    source = f"{what}: {label}" if proposal.source != "gazetteer" else proposal.ident
    agree = ", ".join(f"#{n} at {d:.0f} m" for n, d in proposal.agrees_with)
    if agree:
        source += f"; agrees with candidate {agree}"
    return {"lon": round(lon, 6), "lat": round(lat, 6), "datum": datum, "source": source,
            "date": proposal.date or today or _dt.date.today().isoformat(),
            "confidence": confidence}


def _target(gazetteer_path: Path, review: Review) -> Path:
    target = gazetteer_path.resolve()
    if target != review.gazetteer_path:
        raise InputError(f"the review was made for {review.gazetteer_path}, not {target}: pass "
                         f"`gazetteer_path` {review.gazetteer_path}, or make a new review",
                         param="gazetteer_path")
    if not target.is_file():
        raise InputError(f"gazetteer {target} not found: pass `gazetteer_path` FILE",
                         param="gazetteer_path")
    if file_sha256(target) != review.gazetteer_sha256:
        raise InputError(f"{target} changed since the review was made: run 'wuling-geo gazetteer "
                         "candidates' again so the review matches the file")
    return target


def accept(gazetteer_path: str | Path, review: Review, review_dir: str | Path,
           choices: list[tuple[str, int]], *, confidence: str | None = None,
           replace: bool = False) -> list[Accepted]:
    """Write the chosen ``(place id, candidate n)`` positions into the gazetteer file.

    The file must be the one the review was made for, unchanged since (its SHA-256); it is
    rewritten atomically, and the review's record takes the new hash and the accepted list
    so the next accept from the same review works.

    Raises
    ------
    InputError
        For a changed or different file, an unknown candidate, a place with a position
        (without ``replace``), or a place chosen twice.
    """
    target = _target(Path(gazetteer_path), review)
    text = target.read_text(encoding="utf-8")
    gaz = parse_gazetteer(text, target)
    if len({pid for pid, _ in choices}) != len(choices):
        raise InputError("a place is chosen more than once: choose one candidate per place")
    today = _dt.date.today().isoformat()
    done = []
    for place_id, n in choices:
        prop = review.proposal(place_id, n)
        if gaz.get(place_id).position is not None and not replace:
            raise InputError(f"{place_id} already has a position: give `replace` to replace it",
                             param="replace")
        values = position_values(prop, confidence, today)
        comment = f"accepted {today} from candidate {n} of the review of {review.created[:10]}"
        text = set_table(text, place_id, "position", values, comment)
        done.append(Accepted(place_id, values, target))
    _write_text(target, text)
    review.gazetteer_sha256 = file_sha256(target)
    review.accepted += [{"place": a.place_id, "candidate": n, "date": today, **a.values}
                        for a, (_, n) in zip(done, choices, strict=True)]
    _write_text(Path(review_dir) / REVIEW_FILE,
                json.dumps(review.to_record(), ensure_ascii=False, indent=1))
    return done


def choices_from_csv(path: str | Path) -> list[tuple[str, int]]:
    """Return ``(place id, candidate n)`` of the rows marked in the ``accept`` column.

    Raises
    ------
    InputError
        If the file is unreadable, lacks the columns, or marks no row.
    """
    import pandas as pd

    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {clip(str(path), 120)} as CSV ({type(exc).__name__}): "
                         "give the candidates.csv of a review, edited") from None
    missing = [c for c in ("place_id", "n", "accept") if c not in table]
    if missing:
        raise InputError(f"{clip(str(path), 120)} has no {missing[0]!r} column: give the "
                         "candidates.csv of a review, with the chosen rows marked in 'accept'")
    marked = table[table["accept"].str.strip() != ""]
    if marked.empty:
        raise InputError(f"{clip(str(path), 120)} marks no row: put x in the 'accept' column of "
                         "the candidates to accept")
    out = []
    for _, row in marked.iterrows():
        pid = row["place_id"].lstrip("'").strip()
        try:
            out.append((pid, int(row["n"].lstrip("'"))))
        except ValueError:
            raise InputError(f"row of {clip(pid)} has n={clip(row['n'])!r}, not a candidate "
                             "number") from None
    return out


# ---------------------------------------------------------------- geometries

def geometry_from_osm(osm_file: str | Path, ident: str) -> BaseGeometry:
    """Return the line or polygon of a named OSM way or multipolygon relation.

    ``ident`` is ``way/ID`` or ``relation/ID`` (as the review shows it).

    Raises
    ------
    InputError
        For a malformed id, or one not among the named features of the file.
    """
    from wuling_geo.data.osm_features import features_from_file

    match = re.fullmatch(r"\s*(way|relation)\s*/\s*(\d+)\s*", str(ident))
    if not match:
        raise InputError(f"{clip(ident)!r} is not an OSM way or relation: give way/ID or "
                         "relation/ID")
    kind, osm_id = match.group(1), int(match.group(2))
    feats = features_from_file(osm_file)
    rows = feats[(feats.osm_type == kind) & (feats.osm_id == osm_id)]
    if rows.empty:
        raise InputError(f"{kind}/{osm_id} is not among the named ways and multipolygons of "
                         f"{clip(str(osm_file), 120)}: check the id")
    return rows.geometry.iloc[0]


def geometry_from_file(path: str | Path, layer: str | None = None) -> BaseGeometry:
    """Return the one line or polygon feature of a GeoJSON/GPKG file (its CRS kept as given).

    Raises
    ------
    InputError
        If the file cannot be read or does not hold exactly one line or polygon.
    """
    try:
        frame = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(f"cannot read {clip(str(path), 120)} ({type(exc).__name__}): give a "
                         "GeoJSON or GeoPackage file") from None
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if len(frame) != 1:
        raise InputError(f"{clip(str(path), 120)} holds {len(frame)} features: give a file "
                         "with exactly one line or polygon")
    return frame.geometry.iloc[0]


def accept_geometry(gazetteer_path: str | Path, place_id: str, geometry: BaseGeometry, *,
                    datum: str, source: str, confidence: str, date: str | None = None,
                    replace: bool = False) -> Path:
    """Store a place's line or polygon in ``shapes/<id>.geojson`` and reference it.

    Raises
    ------
    InputError
        For a point or empty geometry, an unknown confidence, empty source, or a place that
        has a geometry already (without ``replace``).
    """
    target = Path(gazetteer_path).resolve()
    gaz = load_gazetteer(target)
    place = gaz.get(place_id)
    if geometry is None or geometry.is_empty or geometry.geom_type not in {
            "LineString", "MultiLineString", "Polygon", "MultiPolygon"}:
        kind = "nothing" if geometry is None else geometry.geom_type
        raise InputError(f"{place_id}: a geometry must be a line or polygon, not {kind}")
    if not source.strip():
        raise InputError("`source` is empty: say where the geometry comes from", param="source")
    if confidence not in CONFIDENCES:
        raise InputError(f"unknown confidence {confidence!r}: use one of {', '.join(CONFIDENCES)}")
    if place.geometry is not None and not replace:
        raise InputError(f"{place_id} already has a geometry: give `replace` to replace it",
                         param="replace")
    datum = _datum.parse_datum(datum)
    rel = f"{SHAPES_DIR}/{place_id}.geojson"
    values = {"file": rel, "datum": datum, "source": source.strip(),
              "date": date or _dt.date.today().isoformat(), "confidence": confidence}
    text = set_table(target.read_text(encoding="utf-8"), place_id, "geometry", values,
                     f"accepted {_dt.date.today().isoformat()} ({geometry.geom_type})")
    shape = target.parent / rel
    shape.parent.mkdir(exist_ok=True)
    feature = {"type": "Feature", "properties": {"id": place_id, "datum": datum,
                                                  "source": values["source"]},
               "geometry": shapely.geometry.mapping(shapely.set_precision(geometry, 1e-7))}
    _write_text(shape, json.dumps({"type": "FeatureCollection", "features": [feature]},
                                  ensure_ascii=False))
    _write_text(target, text)
    return shape


def load_place_geometry(gazetteer: Gazetteer, place_id: str) -> BaseGeometry | None:
    """Return a place's stored geometry in WGS-84 (``None`` if it has none).

    Raises
    ------
    GazetteerError
        If the file is missing or does not hold one line or polygon.
    """
    ref = gazetteer.get(place_id).geometry
    if ref is None:
        return None
    folder = Path(gazetteer.path).parent if gazetteer.path else Path.cwd()
    path = folder / ref.file
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        geoms = [shapely.geometry.shape(f["geometry"]) for f in data["features"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GazetteerError(f"{gazetteer.path}: place {place_id}: geometry file {ref.file} is "
                             f"unreadable ({type(exc).__name__}): fix or remove [place.geometry]") \
            from None
    if len(geoms) != 1 or geoms[0].geom_type not in {
            "LineString", "MultiLineString", "Polygon", "MultiPolygon"}:
        raise GazetteerError(f"{gazetteer.path}: place {place_id}: {ref.file} must hold one line "
                             "or polygon")
    return _datum.convert_geometry(geoms[0], ref.datum, "wgs84")


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_file(path: str | Path) -> Gazetteer:
    """Validate a gazetteer file: the loader's checks, position/geometry dates, geometry files.

    Raises
    ------
    GazetteerError
        Naming the file, line and field of the first problem.
    """
    gaz = load_gazetteer(path)
    raw = tomllib.loads(Path(gaz.path).read_text(encoding="utf-8"))
    for place, entry in zip(gaz.places, raw["place"], strict=True):
        for table in ("position", "geometry"):
            date = (entry.get(table) or {}).get("date")
            if date is None:
                continue
            try:
                ok = isinstance(date, _dt.date) or (
                    bool(_DATE.match(str(date))) and _dt.date.fromisoformat(str(date)) is not None)
            except ValueError:
                ok = False
            if not ok:
                raise GazetteerError(f"{gaz.path}:{place.line}: field '{table}.date': "
                                     f"{clip(date)!r} is not a date YYYY-MM-DD")
        load_place_geometry(gaz, place.id)
    return gaz


__all__ = ["SHAPES_DIR", "Accepted", "accept", "accept_geometry", "check_file",
           "choices_from_csv", "geometry_from_file", "geometry_from_osm", "load_place_geometry",
           "position_values", "set_table"]
