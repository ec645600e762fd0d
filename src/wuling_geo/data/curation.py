"""Curating the gazetteer: candidate positions of places from every source, side by side.

:func:`collect_candidates` asks each enabled source for the places to review: the gazetteer's
own position (for comparison), the named OpenStreetMap features of the network in use or an
OSM file, Nominatim, and the keyed providers (Tianditu, Amap, Baidu). Each answer becomes a
:class:`Proposal` with its provenance (source, method, query, date, the provider's own label
and id). Proposals of two independent sources (OpenStreetMap and Nominatim are one lineage)
within :data:`AGREE_M` of each other agree; usable ones more than :data:`FAR_M` apart are
flagged. Nothing here writes the gazetteer: positions enter it only through
:mod:`wuling_geo.data.gazetteer_edit` (``wuling-geo gazetteer accept``), with their source.

A review is kept as JSON (:meth:`Review.to_record`, :func:`load_review`) beside the table and
map that :mod:`wuling_geo.present.exports.review` writes; it records the gazetteer file and its
SHA-256, so an accept refuses a file that changed since the review was made.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from wuling_geo._util.errors import InputError, OfflineError, ProviderError, clip
from wuling_geo.data import boundary
from wuling_geo.data.gazetteer import CATEGORIES, Gazetteer, Place, normalise_name
from wuling_geo.data.geocode.geocoder import _kind_ok, core_name
from wuling_geo.data.osm_features import KIND_TAGS, NAME_TAGS

#: Sources, in the order they are shown.
SOURCES = ("gazetteer", "osm", "nominatim", "tianditu", "amap", "baidu")
#: Sources that share their data: OpenStreetMap features and Nominatim are one lineage.
LINEAGE = {"gazetteer": "gazetteer", "osm": "openstreetmap", "nominatim": "openstreetmap",
           "tianditu": "tianditu", "amap": "amap", "baidu": "baidu"}
#: Proposals of independent sources at most this far apart (metres) agree.
AGREE_M = 300.0
#: Usable proposals of independent sources farther apart than this (metres) are flagged.
FAR_M = 1000.0
#: Flags that make a proposal unusable (it is shown, never counted as agreement).
BLOCKING = frozenset({"outside-district", "kind-mismatch"})
REVIEW_FILE = "review.json"
_GEOD = Geod(ellps="WGS84")


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the geodesic distance in metres between two WGS-84 ``(lon, lat)`` points."""
    return float(_GEOD.inv(a[0], a[1], b[0], b[1])[2])


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 (hex) of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Proposal:
    """One candidate position of a place, WGS-84, with where it came from.

    ``datum`` is the datum the source gave it in (``lon``/``lat`` are converted); ``label``
    is the source's own name for it, ``ident`` its id there (``way/123``, an Amap POI id).
    """

    place_id: str
    n: int
    source: str
    label: str
    lon: float
    lat: float
    datum: str
    kind: str
    confidence: str
    method: str
    query: str
    date: str
    ident: str = ""
    flags: tuple[str, ...] = ()
    geometry: BaseGeometry | None = field(default=None, compare=False)
    agrees_with: tuple[tuple[int, float], ...] = ()
    far_from: tuple[tuple[int, float], ...] = ()
    nearest: tuple[int, float] | None = None

    @property
    def usable(self) -> bool:
        """Whether it passed the district and kind checks."""
        return not (BLOCKING & set(self.flags))

    def to_record(self) -> dict:
        """Return a JSON-ready record (geometry as GeoJSON)."""
        rec = {k: getattr(self, k) for k in (
            "place_id", "n", "source", "label", "datum", "kind", "confidence", "method",
            "query", "date", "ident")}
        rec.update(lon=round(self.lon, 7), lat=round(self.lat, 7), flags=list(self.flags),
                   agrees_with=[list(x) for x in self.agrees_with],
                   far_from=[list(x) for x in self.far_from],
                   nearest=list(self.nearest) if self.nearest else None,
                   geometry=None if self.geometry is None else shapely.geometry.mapping(
                       self.geometry))
        return rec

    @classmethod
    def from_record(cls, rec: dict) -> Proposal:
        """Rebuild a proposal from :meth:`to_record`."""
        geom = rec.get("geometry")
        return cls(
            **{k: rec[k] for k in ("place_id", "n", "source", "label", "lon", "lat", "datum",
                                   "kind", "confidence", "method", "query", "date", "ident")},
            flags=tuple(rec["flags"]),
            geometry=shapely.geometry.shape(geom) if geom else None,
            agrees_with=tuple((int(a), float(b)) for a, b in rec["agrees_with"]),
            far_from=tuple((int(a), float(b)) for a, b in rec["far_from"]),
            nearest=tuple(rec["nearest"]) if rec.get("nearest") else None)


@dataclass
class PlaceReview:
    """The proposals for one place and what they say together."""

    place: Place
    proposals: list[Proposal]

    @property
    def verdict(self) -> str:
        """``none``, ``one-source``, ``agree``, ``disagree``, ``agree-and-disagree`` or ``unconfirmed``."""
        usable = [p for p in self.proposals if p.usable]
        if not usable:
            return "none"
        agree = any(p.agrees_with for p in usable)
        far = any(p.far_from for p in usable)
        if agree and far:
            return "agree-and-disagree"
        if agree:
            return "agree"
        if far:
            return "disagree"
        return "one-source" if len({LINEAGE[p.source] for p in usable}) == 1 else "unconfirmed"


@dataclass
class Review:
    """A review of candidate positions, tied to one gazetteer file and its content hash."""

    gazetteer_path: Path
    gazetteer_sha256: str
    created: str
    sources: tuple[str, ...]
    places: list[PlaceReview]
    notes: list[str] = field(default_factory=list)
    accepted: list[dict] = field(default_factory=list)

    def proposal(self, place_id: str, n: int) -> Proposal:
        """Return proposal ``n`` of a place (raises :class:`InputError` naming the choices)."""
        for pr in self.places:
            if pr.place.id == place_id:
                for p in pr.proposals:
                    if p.n == n:
                        return p
                have = ", ".join(str(p.n) for p in pr.proposals) or "none"
                raise InputError(f"{place_id} has no candidate {n} in this review "
                                 f"(candidates: {have})")
        raise InputError(f"{place_id} is not in this review: run 'wuling-geo gazetteer "
                         f"candidates {place_id} --out DIR' first")

    def to_record(self) -> dict:
        """Return the JSON record of the review."""
        return {"format": "wuling-geo gazetteer review 1",
                "gazetteer": str(self.gazetteer_path), "gazetteer_sha256": self.gazetteer_sha256,
                "created": self.created, "sources": list(self.sources), "notes": self.notes,
                "accepted": self.accepted,
                "places": [{"id": pr.place.id, "verdict": pr.verdict,
                            "proposals": [p.to_record() for p in pr.proposals]}
                           for pr in self.places]}


def load_review(folder: str | Path, gazetteer: Gazetteer) -> Review:
    """Read the review kept in ``folder`` (its places looked up in ``gazetteer``).

    Raises
    ------
    InputError
        If the folder holds no readable review, or names places the gazetteer lacks.
    """
    path = Path(folder) / REVIEW_FILE
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
        if rec.get("format") != "wuling-geo gazetteer review 1":
            raise ValueError("not a review")
        places = [PlaceReview(gazetteer.get(p["id"]),
                              [Proposal.from_record(r) for r in p["proposals"]])
                  for p in rec["places"]]
        return Review(Path(rec["gazetteer"]), rec["gazetteer_sha256"], rec["created"],
                      tuple(rec["sources"]), places, list(rec.get("notes", [])),
                      list(rec.get("accepted", [])))
    except FileNotFoundError:
        raise InputError(f"{clip(str(folder), 120)} holds no {REVIEW_FILE}: give the `out` folder "
                         "of 'wuling-geo gazetteer candidates'", param="out") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{clip(str(path), 120)} is not a readable review ({type(exc).__name__}"
                         "): make the review again with 'wuling-geo gazetteer candidates'") \
            from None


# ---------------------------------------------------------------- sources

def _gazetteer_proposal(place: Place) -> dict | None:
    pos = place.position
    if pos is None:
        return None
    return dict(source="gazetteer", label=place.name_zh, lon=pos.lon, lat=pos.lat,
                datum=pos.datum, kind=place.subtype, confidence=pos.confidence,
                method="position", query=place.id, date="", ident=pos.source,
                geometry=shapely.Point(pos.lon, pos.lat))


class _OsmIndex:
    """Named OSM features by folded name and by core name (as the geocoder matches them)."""

    def __init__(self, features: gpd.GeoDataFrame) -> None:
        self.features = features.reset_index(drop=True)
        self.exact: dict[str, list[int]] = {}
        self.core: dict[str, list[int]] = {}
        for tag in NAME_TAGS:
            if tag not in self.features:
                continue
            for i, value in self.features[tag].items():
                if isinstance(value, str) and value:
                    for name in value.split(";"):
                        self.exact.setdefault(normalise_name(name), []).append(i)
                        self.core.setdefault(core_name(name), []).append(i)

    def proposals(self, place: Place, zone: BaseGeometry) -> list[dict]:
        feats, seen, out = self.features, set(), []
        for table, confidence, fold in ((self.exact, "medium", normalise_name),
                                        (self.core, "low-medium", core_name)):
            for name in place.names[:-1]:
                for i in table.get(fold(name), []):
                    if i in seen:
                        continue
                    seen.add(i)
                    tags = {k: feats.at[i, k] for k in KIND_TAGS if k in feats}
                    geom = feats.geometry[i]
                    point = geom if geom.geom_type == "Point" else geom.representative_point()
                    flags = [] if _kind_ok(place, tags) else ["kind-mismatch"]
                    if not geom.intersects(zone):
                        flags.insert(0, "outside-district")
                    label = next((feats.at[i, t] for t in NAME_TAGS
                                  if isinstance(feats.at[i, t], str) and feats.at[i, t]), "")
                    kind = ";".join(f"{k}={v}" for k, v in tags.items()
                                    if isinstance(v, str) and v)
                    out.append(dict(
                        source="osm", label=label, lon=point.x, lat=point.y, datum="wgs84",
                        kind=kind, confidence="none" if flags else confidence,
                        method="name match" if table is self.exact else "core-name match",
                        query=name, date="", ident=f"{feats.osm_type[i]}/{feats.osm_id[i]}",
                        flags=tuple(flags), geometry=geom))
        return out


def _nominatim_proposals(place: Place, zone: BaseGeometry) -> list[dict]:
    from wuling_geo.data.geocode import nominatim

    out, seen = [], set()
    today = _dt.date.today().isoformat()
    for query in (place.name_zh, place.name_en):
        for hit in nominatim.search(query, zone.bounds):
            ident = f"{hit.get('osm_type', '')}/{hit.get('osm_id', '')}"
            if ident in seen:
                continue
            seen.add(ident)
            lon, lat = float(hit["lon"]), float(hit["lat"])
            cls = hit.get("category", hit.get("class", ""))
            flags = [] if _kind_ok(place, {cls: hit.get("type", "")}) else ["kind-mismatch"]
            if not zone.covers(shapely.Point(lon, lat)):
                flags.insert(0, "outside-district")
            out.append(dict(source="nominatim", label=str(hit.get("display_name", "")),
                            lon=lon, lat=lat, datum="wgs84", kind=f"{cls}={hit.get('type', '')}",
                            confidence="none" if flags else "low-medium", method="search",
                            query=query, date=today, ident=ident, flags=tuple(flags),
                            geometry=shapely.Point(lon, lat)))
    return out


def _provider_proposals(provider, place: Place) -> list[dict]:
    out = []
    for c in provider.candidates(place):
        p = c.provenance
        out.append(dict(source=provider.name, label=c.label, lon=c.lon, lat=c.lat,
                        datum=p.datum, kind=f"{c.kind} ({c.place_class})",
                        confidence=c.confidence, method=p.method, query=p.query, date=p.date,
                        ident=c.ident, flags=tuple(c.flags), geometry=c.geometry))
    return out


# ---------------------------------------------------------------- agreement

def compare(proposals: list[Proposal]) -> list[Proposal]:
    """Mark which proposals agree (≤ :data:`AGREE_M`) or lie far apart (> :data:`FAR_M`).

    Only usable proposals of different lineages are compared; each also records its nearest
    proposal of another lineage.
    """
    out = []
    for p in proposals:
        agree, far, nearest = [], [], None
        for q in proposals:
            if q is p or LINEAGE[q.source] == LINEAGE[p.source]:
                continue
            d = round(metres((p.lon, p.lat), (q.lon, q.lat)), 1)
            if nearest is None or d < nearest[1]:
                nearest = (q.n, d)
            if not (p.usable and q.usable):
                continue
            if d <= AGREE_M:
                agree.append((q.n, d))
            elif d > FAR_M:
                far.append((q.n, d))
        out.append(replace(p, agrees_with=tuple(agree), far_from=tuple(far), nearest=nearest))
    return out


# ---------------------------------------------------------------- collection

def select_places(gazetteer: Gazetteer, queries: tuple[str, ...] = (), *, all_places: bool = False,
                  category: str | None = None) -> list[Place]:
    """Return the places to review: those named, else the unresolved ones (or all).

    "Unresolved" means without a gazetteer position; places not yet identified are left out
    unless named.
    """
    if category is not None and category not in CATEGORIES:
        raise InputError(f"unknown category {category!r}: use one of {', '.join(CATEGORIES)}")
    if queries:
        chosen: list[Place] = []
        for q in queries:
            place = gazetteer.find(q)
            if place not in chosen:
                chosen.append(place)
        return [p for p in chosen if category is None or p.category == category]
    return [p for p in gazetteer.places
            if (category is None or p.category == category) and p.identified
            and (all_places or p.position is None)]


def collect_candidates(gazetteer: Gazetteer, places: list[Place], *,
                       features: gpd.GeoDataFrame | None = None, providers: tuple = (),
                       nominatim: bool = False) -> Review:
    """Ask every enabled source about ``places``; return the :class:`Review`.

    Parameters
    ----------
    gazetteer
        The gazetteer the places come from; it must have been read from a file.
    places
        The places to review (:func:`select_places`).
    features
        Named OSM features to match (``None``: no OSM source).
    providers
        :class:`~wuling_geo.data.geocode.provider.OnlineProvider` objects to ask.
    nominatim
        Whether to ask Nominatim.

    Notes
    -----
    A source that fails (offline, bad key, quota) is noted in :attr:`Review.notes` and asked
    no more; the other sources go on.
    """
    if gazetteer.path is None or not Path(gazetteer.path).is_file():
        raise InputError("the gazetteer was not read from a file: pass `gazetteer_path` FILE",
                         param="gazetteer_path")
    zone = boundary.district_with_margin()
    index = _OsmIndex(features) if features is not None and len(features) else None
    sources = ["gazetteer"] + (["osm"] if index else []) + (["nominatim"] if nominatim else [])
    sources += [p.name for p in providers]
    off: set[str] = set()
    notes: list[str] = []
    reviews = []
    for place in places:
        raw: list[dict] = []
        own = _gazetteer_proposal(place)
        if own:
            raw.append(own)
        if index:
            raw.extend(index.proposals(place, zone))
        asks = ([("nominatim", lambda p: _nominatim_proposals(p, zone))] if nominatim else [])
        asks += [(prov.name, lambda p, prov=prov: _provider_proposals(prov, p))
                 for prov in providers]
        for name, ask in asks:
            if name in off:
                continue
            try:
                raw.extend(ask(place))
            except (ProviderError, OfflineError) as exc:
                off.add(name)
                notes.append(f"{name}: {exc} (not asked again in this review)")
        props = [Proposal(place_id=place.id, n=i, **r) for i, r in enumerate(raw, start=1)]
        reviews.append(PlaceReview(place, compare(props)))
    path = Path(gazetteer.path).resolve()
    return Review(path, file_sha256(path), _dt.datetime.now().astimezone().isoformat(
        timespec="seconds"), tuple(sources), reviews, notes)


__all__ = ["AGREE_M", "FAR_M", "LINEAGE", "SOURCES", "PlaceReview", "Proposal", "Review",
           "collect_candidates", "compare", "file_sha256", "load_review", "metres",
           "select_places"]
