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
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ValidationError, field_validator, model_validator

from wuling_geo import settings
from wuling_geo._util import tomlschema
from wuling_geo._util.errors import GazetteerError, UnknownPlaceError, clip
from wuling_geo._util.tomlschema import STRICT
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


#: Generic suffixes a name may carry (景区, 古镇, 站, 'Town' …): core_name drops them.
_SUFFIXES = tuple(sorted((normalise_name(s) for s in (
    "国家级风景名胜区", "风景名胜区", "国家地质公园", "旅游景区", "旅游区", "风景区", "景区",
    "古镇", "火车站", "铁路站", "站", "机场", "街道办事处", "街道", "镇", "乡",
    "scenic area", "scenic spot", "railway station", "station", "ancient town", "old town",
    "airport", "subdistrict", "town", "township")), key=len, reverse=True))


def core_name(name: str) -> str:
    """Return a folded name without generic suffixes such as 景区, 古镇, 站 or 'Town'."""
    folded = normalise_name(name)
    for suffix in _SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix) + 1:
            return folded[: -len(suffix)]
    return folded


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
#
# The file's schema is the pydantic models below: one per table, strict (no coercion) and
# closed (an unknown key is an error naming it). To add a field, add it to its model with a
# type and a default, and carry it into the dataclass in :func:`_place`.


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must be non-empty text")
    return value


Text = Annotated[str, AfterValidator(_non_empty)]


def _place_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError(f"{value!r} must be lower-case letters, digits and '-'")
    return value


def _opening(value: str) -> str:
    if not _TIME_RANGE_RE.match(value):
        raise ValueError(f"{value!r} is not HH:MM-HH:MM")
    return value


def _weekday(value: str) -> str:
    day = value.lower()[:3]
    if day not in _DAYS:
        raise ValueError(f"{day!r} is not a weekday (mon … sun)")
    return day


def _year(value: int) -> int:
    if not 1990 <= value <= 2100:
        raise ValueError("must be a year")
    return value


def _minutes(value: int) -> int:
    if value < 0:
        raise ValueError("must be a whole number of minutes ≥ 0")
    return value


class PositionModel(BaseModel):
    """``[place.position]``: a coordinate as its source gives it."""

    model_config = STRICT
    lon: float
    lat: float
    datum: str
    source: Text
    confidence: Literal[CONFIDENCES]  # type: ignore[valid-type]
    date: str = ""  # when the source gave it (written by 'wuling-geo gazetteer accept')

    @field_validator("datum")
    @classmethod
    def _datum(cls, value: str) -> str:
        return _datum.parse_datum(value)  # DatumError is a ValueError: its message is kept

    @model_validator(mode="after")
    def _on_earth(self) -> PositionModel:
        if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):
            raise ValueError(f"lon={self.lon}, lat={self.lat} is not a valid coordinate")
        return self


class GeometryModel(BaseModel):
    """``[place.geometry]``: a line or polygon of the place in a GeoJSON file beside the gazetteer."""

    model_config = STRICT
    file: Text
    datum: str
    source: Text
    confidence: Literal[CONFIDENCES]  # type: ignore[valid-type]
    date: str = ""

    @field_validator("datum")
    @classmethod
    def _datum(cls, value: str) -> str:
        return _datum.parse_datum(value)


class FactModel(BaseModel):
    """``[[place.facts]]``: one sourced fact."""

    model_config = STRICT
    key: Text
    value: Any
    source: Text
    confidence: Literal[CONFIDENCES] = "stated"  # type: ignore[valid-type]


class VisitModel(BaseModel):
    """``[place.visit]``: visiting information for the route planner."""

    model_config = STRICT
    dwell_minutes: Annotated[int, AfterValidator(_minutes)] | None = None
    opening_hours: list[Annotated[str, AfterValidator(_opening)]] = []
    closed_days: list[Annotated[str, AfterValidator(_weekday)]] = []
    source: str = ""


class PlaceModel(BaseModel):
    """``[[place]]``: one gazetteer entry, as written in the file."""

    model_config = STRICT
    id: Annotated[str, AfterValidator(_place_id)]
    name_zh: Text
    name_en: Text
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    subtype: Text
    grade: Literal[GRADES] = "none"  # type: ignore[valid-type]
    grade_year: Annotated[int, AfterValidator(_year)] | None = None
    aliases: list[Text] = []
    part_of: str | None = None
    identified: bool = True
    position: PositionModel | None = None
    facts: list[FactModel] = []
    visit: VisitModel | None = None
    geometry: GeometryModel | None = None


def _place(model: PlaceModel, line: int) -> Place:
    position = None
    if model.position is not None:
        p = model.position
        wlon, wlat = _datum.convert(float(p.lon), float(p.lat), p.datum, "wgs84")
        position = Position(round(wlon, 7), round(wlat, 7), p.datum, p.source, p.confidence)
    v = model.visit or VisitModel()
    return Place(
        id=model.id, name_zh=model.name_zh, name_en=model.name_en, category=model.category,
        subtype=model.subtype, grade=model.grade, grade_year=model.grade_year,
        aliases=tuple(model.aliases), part_of=model.part_of, identified=model.identified,
        position=position,
        facts=tuple(Fact(f.key, f.value, f.source, f.confidence) for f in model.facts),
        visit=Visit(v.dwell_minutes, tuple(v.opening_hours), tuple(v.closed_days), v.source),
        line=line,
        geometry=(GeometryRef(g.file, g.datum, g.source, g.confidence, g.date)
                  if (g := model.geometry) is not None else None),
    )


def _fail(path: Path, line: int, field_name: str, problem: str) -> GazetteerError:
    return GazetteerError(f"{path}:{line}: field '{field_name}': {problem}")


def _validate(raw: Any, index: int, path: Path, text: str, lines: dict) -> Place:
    line = lines.get(("place", index), 1)
    try:
        model = PlaceModel.model_validate(raw)
    except ValidationError as exc:
        at, loc, problem = tomlschema.describe(exc, text, ("place", index), line)
        if exc.errors()[0]["type"] == "extra_forbidden":
            known = ", ".join(tomlschema.known_fields(PlaceModel, loc))
            problem = f"unknown field (known: {known})"
        raise _fail(path, at, tomlschema.field_name(loc) or "place", problem) from None
    return _place(model, line)


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
    lines = tomlschema.key_lines(text)
    places = [_validate(raw, i, path, text, lines) for i, raw in enumerate(raw_places)]
    seen: dict[str, Place] = {}
    for i, p in enumerate(places):
        if p.id in seen:
            raise _fail(path, tomlschema.line_of(lines, ("place", i, "id")), "id",
                        f"duplicate id {p.id!r} (first at line {seen[p.id].line})")
        seen[p.id] = p
    for i, p in enumerate(places):
        if p.part_of is not None and p.part_of not in seen:
            raise _fail(path, tomlschema.line_of(lines, ("place", i, "part_of")), "part_of",
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
        raise GazetteerError(f"{path}: gazetteer file not found; pass `gazetteer_path` FILE",
                             param="gazetteer_path") from None
    except UnicodeDecodeError as exc:
        raise GazetteerError(f"{path}:1: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:  # a folder, a path under a file, no permission
        raise GazetteerError(f"{path}: cannot read the gazetteer ({exc.strerror}); check the "
                             "data folder (WULING_GEO_DATA) or pass `gazetteer_path` FILE",
                             param="gazetteer_path") from None
    return parse_gazetteer(text, path)
