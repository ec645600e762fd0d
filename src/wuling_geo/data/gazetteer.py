"""The gazetteer: every place wuling-geo maps, read from ``geodata/gazetteer.toml``.

Positions are stored in the file as their source gives them (datum included) and
converted to WGS-84 on load; the input datum is kept with each position.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wuling_geo import settings
from wuling_geo._util.errors import GazetteerError, UnknownPlaceError, clip
from wuling_geo.data import datum as _datum

CATEGORIES = ("scenic", "transport", "logistics", "industry", "civic")
GRADES = ("5A", "4A", "none")
CONFIDENCES = ("high", "medium-high", "medium", "low-medium", "low", "stated")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TIME_RANGE_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Position:
    """A coordinate with its provenance; ``lon``/``lat`` are WGS-84."""

    lon: float
    lat: float
    datum: str
    source: str
    confidence: str


@dataclass(frozen=True)
class GeometryRef:
    """A line or polygon of a place, kept in a GeoJSON file beside the gazetteer.

    ``file`` is relative to the gazetteer's folder; its coordinates are in ``datum``.
    """

    file: str
    datum: str
    source: str
    confidence: str
    date: str = ""


@dataclass(frozen=True)
class Fact:
    """One sourced fact about a place."""

    key: str
    value: Any
    source: str
    confidence: str = "stated"


@dataclass(frozen=True)
class Visit:
    """Visiting information used by the route planner (all optional)."""

    dwell_minutes: int | None = None
    opening_hours: tuple[str, ...] = ()
    closed_days: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Place:
    """A gazetteer entry."""

    id: str
    name_zh: str
    name_en: str
    category: str
    subtype: str
    grade: str = "none"
    grade_year: int | None = None
    aliases: tuple[str, ...] = ()
    part_of: str | None = None
    identified: bool = True
    position: Position | None = None
    facts: tuple[Fact, ...] = ()
    visit: Visit = field(default_factory=Visit)
    line: int = 0
    geometry: GeometryRef | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Return every name the place answers to (Chinese, English, aliases, id)."""
        return (self.name_zh, self.name_en, *self.aliases, self.id)

    @property
    def label(self) -> str:
        """Return ``"name_zh (name_en)"`` for messages."""
        return f"{self.name_zh} ({self.name_en})"


def normalise_name(text: str) -> str:
    """Fold a name for matching: NFKC, case-folded, without spaces, punctuation or tone marks."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s\-_'’·.,()（）]", "", text)


class Gazetteer:
    """An ordered, id-indexed collection of :class:`Place` with name lookup."""

    def __init__(self, places: list[Place], path: Path | None = None) -> None:
        self.places = list(places)
        self.path = path
        self._by_id = {p.id: p for p in self.places}
        self._by_name: dict[str, list[Place]] = {}
        for place in self.places:
            for name in place.names:
                bucket = self._by_name.setdefault(normalise_name(name), [])
                if place not in bucket:
                    bucket.append(place)

    def __iter__(self):
        return iter(self.places)

    def __len__(self) -> int:
        return len(self.places)

    def __contains__(self, place_id: str) -> bool:
        return place_id in self._by_id

    def get(self, place_id: str) -> Place:
        """Return the place with id ``place_id`` (raises :class:`UnknownPlaceError`)."""
        if place_id not in self._by_id:
            raise UnknownPlaceError(self._unknown_message(place_id))
        return self._by_id[place_id]

    def by_category(self, category: str) -> list[Place]:
        """Return the places of a category, in file order."""
        if category not in CATEGORIES:
            msg = f"unknown category {category!r}: use one of {', '.join(CATEGORIES)}"
            raise UnknownPlaceError(msg)
        return [p for p in self.places if p.category == category]

    def parts_of(self, place_id: str) -> list[Place]:
        """Return the places that are parts of ``place_id``."""
        return [p for p in self.places if p.part_of == place_id]

    def find(self, query: str) -> Place:
        """Return the place whose id, name or alias matches ``query``.

        Matching folds case, width, spaces, punctuation and pinyin tone marks. An exact
        match on id or a name wins; a query that names several places is ambiguous.

        Raises
        ------
        UnknownPlaceError
            If nothing matches (the message lists the closest names) or the query is
            ambiguous (the message lists the candidates' ids).
        """
        if query in self._by_id:
            return self._by_id[query]
        matches = self._by_name.get(normalise_name(query), [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            ids = ", ".join(p.id for p in matches)
            msg = f"{clip(query)!r} names several places ({ids}): give one of these ids"
            raise UnknownPlaceError(msg)
        raise UnknownPlaceError(self._unknown_message(query))

    def closest_names(self, query: str, n: int = 5) -> list[str]:
        """Return up to ``n`` gazetteer names most like ``query``."""
        names = sorted({name for p in self.places for name in (p.name_zh, p.name_en, *p.aliases)})
        folded = {normalise_name(name): name for name in names}
        hits = difflib.get_close_matches(normalise_name(query), list(folded), n=n, cutoff=0.4)
        if not hits:  # short Chinese queries: fall back to shared characters
            key = normalise_name(query)
            scored = sorted(folded, key=lambda f: -len(set(f) & set(key)))
            hits = [f for f in scored[:n] if set(f) & set(key)]
        return [folded[h] for h in hits]

    def _unknown_message(self, query: str) -> str:
        near = self.closest_names(query) if len(query) <= 100 else []
        hint = f"; closest: {', '.join(near)}" if near else ""
        return (f"unknown place {clip(query)!r}: not a gazetteer id, name or alias{hint} "
                "(or give lon,lat)")


# ---------------------------------------------------------------- loading and validation

def _entry_lines(text: str) -> list[int]:
    """Return the 1-based line of each ``[[place]]`` header, in order."""
    return [i + 1 for i, line in enumerate(text.splitlines())
            if line.strip().startswith("[[place]]")]


def _field_line(text: str, start: int, name: str) -> int:
    """Return the line of ``name = …`` (or ``[place.name]``) in the entry at ``start``."""
    lines = text.splitlines()
    pattern = re.compile(rf"^\s*(\[+place\.{re.escape(name)}\]+|{re.escape(name)}\s*=)")
    for i in range(start, len(lines)):  # ``start`` is 1-based: this begins after the header
        if lines[i].strip().startswith("[[place]]"):
            break
        if pattern.match(lines[i]):
            return i + 1
    return start


class _Validator:
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, line: int, field_name: str, problem: str) -> GazetteerError:
        return GazetteerError(f"{self.path}:{line}: field '{field_name}': {problem}")

    def require(self, raw: dict, line: int, key: str, kind: type, where: str = "") -> Any:
        name = f"{where}{key}"
        if key not in raw:
            return self._missing(line, name)
        value = raw[key]
        ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
        if not ok or (isinstance(value, str) and not value.strip()):
            kind_name = {str: "non-empty text", int: "a whole number",
                         float: "a number", bool: "true or false"}.get(kind, kind.__name__)
            raise self.fail(_field_line(self.text, line, key), name, f"must be {kind_name}")
        return value

    def _missing(self, line: int, name: str):
        raise self.fail(line, name, "is missing")

    def choice(self, raw: dict, line: int, key: str, options: tuple[str, ...],
               default: str | None = None, where: str = "") -> str:
        if key not in raw and default is not None:
            return default
        value = self.require(raw, line, key, str, where)
        if value not in options:
            raise self.fail(_field_line(self.text, line, key), f"{where}{key}",
                            f"{value!r} is not one of {', '.join(options)}")
        return value


def _number(raw: dict, key: str, v: _Validator, line: int) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise v.fail(_field_line(v.text, line, key), f"position.{key}",
                     "must be a number in degrees")
    return float(value)


def _position(raw: Any, v: _Validator, line: int) -> Position:
    pline = _field_line(v.text, line, "position")
    if not isinstance(raw, dict):
        raise v.fail(pline, "position", "must be a table with lon, lat, datum, source, confidence")
    lon, lat = _number(raw, "lon", v, line), _number(raw, "lat", v, line)
    try:
        datum = _datum.parse_datum(v.require(raw, pline, "datum", str, "position."))
    except ValueError as exc:
        raise v.fail(pline, "position.datum", str(exc)) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise v.fail(pline, "position", f"lon={lon}, lat={lat} is not a valid coordinate")
    source = v.require(raw, pline, "source", str, "position.")
    confidence = v.choice(raw, pline, "confidence", CONFIDENCES, where="position.")
    wlon, wlat = _datum.convert(lon, lat, datum, "wgs84")
    return Position(round(wlon, 7), round(wlat, 7), datum, source, confidence)


def _facts(raw: Any, v: _Validator, line: int) -> tuple[Fact, ...]:
    if not isinstance(raw, list):
        raise v.fail(_field_line(v.text, line, "facts"), "facts", "must be [[place.facts]] tables")
    facts = []
    for item in raw:
        fline = _field_line(v.text, line, "facts")
        if not isinstance(item, dict):
            raise v.fail(fline, "facts", "each fact must be a table")
        key = v.require(item, fline, "key", str, "facts.")
        if "value" not in item:
            raise v.fail(fline, "facts.value", f"fact {key!r} has no value")
        source = v.require(item, fline, "source", str, "facts.")
        conf = v.choice(item, fline, "confidence", CONFIDENCES, default="stated", where="facts.")
        facts.append(Fact(key, item["value"], source, conf))
    return tuple(facts)


def _visit(raw: Any, v: _Validator, line: int) -> Visit:
    vline = _field_line(v.text, line, "visit")
    if not isinstance(raw, dict):
        raise v.fail(vline, "visit", "must be a table")
    dwell = raw.get("dwell_minutes")
    if dwell is not None and (isinstance(dwell, bool) or not isinstance(dwell, int) or dwell < 0):
        raise v.fail(vline, "visit.dwell_minutes", "must be a whole number of minutes ≥ 0")
    hours = tuple(raw.get("opening_hours", ()))
    for h in hours:
        if not isinstance(h, str) or not _TIME_RANGE_RE.match(h):
            raise v.fail(vline, "visit.opening_hours", f"{h!r} is not HH:MM-HH:MM")
    closed = tuple(str(d).lower()[:3] for d in raw.get("closed_days", ()))
    for d in closed:
        if d not in _DAYS:
            raise v.fail(vline, "visit.closed_days", f"{d!r} is not a weekday (mon … sun)")
    return Visit(dwell, hours, closed, str(raw.get("source", "")))


def _geometry(raw: Any, v: _Validator, line: int) -> GeometryRef:
    gline = _field_line(v.text, line, "geometry")
    if not isinstance(raw, dict):
        raise v.fail(gline, "geometry", "must be a table with file, datum, source, confidence")
    file = v.require(raw, gline, "file", str, "geometry.")
    try:
        datum = _datum.parse_datum(v.require(raw, gline, "datum", str, "geometry."))
    except ValueError as exc:
        raise v.fail(gline, "geometry.datum", str(exc)) from None
    source = v.require(raw, gline, "source", str, "geometry.")
    confidence = v.choice(raw, gline, "confidence", CONFIDENCES, where="geometry.")
    return GeometryRef(file, datum, source, confidence, str(raw.get("date", "")))


_KNOWN = {"id", "name_zh", "name_en", "aliases", "category", "subtype", "grade", "grade_year",
          "part_of", "identified", "position", "facts", "visit", "geometry"}


def _place(raw: dict, v: _Validator, line: int) -> Place:
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise v.fail(_field_line(v.text, line, unknown[0]), unknown[0],
                     f"unknown field (known: {', '.join(sorted(_KNOWN))})")
    pid = v.require(raw, line, "id", str)
    if not _ID_RE.match(pid):
        raise v.fail(_field_line(v.text, line, "id"), "id",
                     f"{pid!r} must be lower-case letters, digits and '-'")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise v.fail(_field_line(v.text, line, "aliases"), "aliases", "must be a list of names")
    grade_year = raw.get("grade_year")
    if grade_year is not None and (isinstance(grade_year, bool) or not isinstance(grade_year, int)
                                   or not 1990 <= grade_year <= 2100):
        raise v.fail(_field_line(v.text, line, "grade_year"), "grade_year", "must be a year")
    identified = raw.get("identified", True)
    if not isinstance(identified, bool):
        raise v.fail(_field_line(v.text, line, "identified"), "identified",
                     "must be true or false")
    return Place(
        id=pid,
        name_zh=v.require(raw, line, "name_zh", str),
        name_en=v.require(raw, line, "name_en", str),
        category=v.choice(raw, line, "category", CATEGORIES),
        subtype=v.require(raw, line, "subtype", str),
        grade=v.choice(raw, line, "grade", GRADES, default="none"),
        grade_year=grade_year,
        aliases=tuple(aliases),
        part_of=raw.get("part_of"),
        identified=identified,
        position=_position(raw["position"], v, line) if "position" in raw else None,
        facts=_facts(raw.get("facts", []), v, line),
        visit=_visit(raw["visit"], v, line) if "visit" in raw else Visit(),
        line=line,
        geometry=_geometry(raw["geometry"], v, line) if "geometry" in raw else None,
    )


def parse_gazetteer(text: str, path: Path | str = "<gazetteer>") -> Gazetteer:
    """Parse and validate gazetteer TOML text.

    Raises
    ------
    GazetteerError
        Naming the file, line and field of the first problem.
    """
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc), text)
        raise GazetteerError(f"{path}:{line}: TOML syntax: {exc}") from None
    raw_places = data.get("place")
    if not isinstance(raw_places, list) or not raw_places:
        raise GazetteerError(f"{path}:1: field 'place': no [[place]] entries found")
    v = _Validator(path, text)
    lines = _entry_lines(text)
    places = [_place(raw, v, lines[i] if i < len(lines) else 1)
              for i, raw in enumerate(raw_places)]
    seen: dict[str, Place] = {}
    for p in places:
        if p.id in seen:
            raise v.fail(_field_line(text, p.line, "id"), "id",
                         f"duplicate id {p.id!r} (first at line {seen[p.id].line})")
        seen[p.id] = p
    for p in places:
        if p.part_of is not None and p.part_of not in seen:
            raise v.fail(_field_line(text, p.line, "part_of"), "part_of",
                         f"{p.part_of!r} is not an id in the gazetteer")
    return Gazetteer(places, path)


def _line_from_message(message: str, text: str) -> int:
    match = re.search(r"line (\d+)", message)
    if match:
        return int(match.group(1))
    return len(text.splitlines()) if "end of document" in message else 1


def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """Load the gazetteer file (default :func:`settings.gazetteer_path`)."""
    path = Path(path) if path is not None else settings.gazetteer_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GazetteerError(f"{path}: gazetteer file not found; pass --gazetteer FILE") from None
    except UnicodeDecodeError as exc:
        raise GazetteerError(f"{path}:1: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:  # a folder, a path under a file, no permission
        raise GazetteerError(f"{path}: cannot read the gazetteer ({exc.strerror}); check the "
                             "data folder (WULING_GEO_DATA) or pass --gazetteer FILE") from None
    return parse_gazetteer(text, path)
