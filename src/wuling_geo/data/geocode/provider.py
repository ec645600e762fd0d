"""The common machinery of the online geocoding providers (Tianditu, Amap, Baidu).

A provider turns a place (or a free name) into :class:`Candidate` answers: the provider's own
label, a WGS-84 position (converted from the provider's datum on the way in), the provider's
own precision fields, its type, a place class (:mod:`.kinds`), a confidence derived from the
precision and from checks (inside the district, right kind of place, name agrees), and the
:class:`Provenance` of the answer. :meth:`OnlineProvider.candidates` lists them all (the
gazetteer curation workflow shows them); :meth:`OnlineProvider.best` picks one.

Requests carry documented parameters only, restricted to Qianjiang (adcode 500114); each
provider object has its own rate limiter; throttling and server errors are retried with
urllib3's :class:`~urllib3.util.retry.Retry` backoff; answers are cached on disk under
``settings.cache_dir/geocode/<provider>/`` (named by a digest of the request without the key,
written atomically). Keys never reach cache names, cache contents or messages.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import threading
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import ClassVar, NoReturn

import requests
import shapely
from requests.adapters import HTTPAdapter
from shapely.geometry.base import BaseGeometry
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from wuling_geo import settings
from wuling_geo._util.errors import (
    NoMatchError,
    OfflineError,
    ProviderError,
    ProviderKeyError,
    QuotaError,
)
from wuling_geo._util.files import atomic_path
from wuling_geo._util.online import require_online
from wuling_geo.data import boundary
from wuling_geo.data import datum as _datum
from wuling_geo.data.gazetteer import Place
from wuling_geo.data.geocode import kinds
from wuling_geo.data.geocode.keys import provider_key, redact

log = logging.getLogger(__name__)

#: Confidence steps, best first ("none": the candidate failed a check).
CONFIDENCE_STEPS = ("high", "medium-high", "medium", "low-medium", "low", "none")
DISTRICT_NAME = "重庆市黔江区"
DISTRICT_ADCODE = str(boundary.DISTRICT_ADCODE)
OFFLINE_HINT = ("geocode offline instead: drop `provider` (the gazetteer and OSM features "
                "need no network) or give `features` FILE")


def lower(confidence: str, steps: int = 1) -> str:
    """Return ``confidence`` lowered by ``steps`` (never below ``"low"``)."""
    i = CONFIDENCE_STEPS.index(confidence) if confidence in CONFIDENCE_STEPS else 4
    return CONFIDENCE_STEPS[min(i + steps, 4)]


@dataclass(frozen=True)
class Provenance:
    """Where a candidate came from: which provider and endpoint, asked what, and when."""

    provider: str
    method: str
    query: str
    date: str
    endpoint: str
    datum: str


@dataclass(frozen=True)
class Candidate:
    """One answer of a provider, in WGS-84, with the provider's own precision fields.

    ``flags`` name the checks it failed (``outside-district``, ``kind-mismatch``,
    ``name-mismatch``); a candidate with ``outside-district`` or ``kind-mismatch`` is not
    :attr:`accepted` and has confidence ``"none"``.
    """

    label: str
    lon: float
    lat: float
    kind: str
    place_class: str
    precision: dict = field(hash=False)
    confidence: str
    provenance: Provenance
    ident: str = ""
    flags: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        """Whether the candidate passed the district and kind checks."""
        return not ({"outside-district", "kind-mismatch"} & set(self.flags))

    @property
    def geometry(self) -> BaseGeometry:
        """The candidate's point (WGS-84)."""
        return shapely.Point(self.lon, self.lat)

    def as_dict(self) -> dict:
        """Return a JSON-ready summary (no key in it: keys never enter candidates)."""
        out = asdict(self)
        out["lon"], out["lat"] = round(self.lon, 7), round(self.lat, 7)
        out["datum"], out["flags"], out["accepted"] = "wgs84", list(self.flags), self.accepted
        return out


@dataclass(frozen=True)
class Hit:
    """A provider answer as parsed, before conversion and checks (position in ``datum``)."""

    label: str
    lon: float
    lat: float
    kind: str
    place_class: str
    precision: dict = field(hash=False)
    base_confidence: str = "medium"
    ident: str = ""
    named: bool = True  # False: the label is not the place's name (an address, an echo)


class RateLimiter:
    """Space calls at least ``1 / rate`` seconds apart (thread-safe; one per provider object)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next call is allowed."""
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


class Throttled(Exception):
    """A provider said 'too many requests' in its answer body."""


def _retry_policy() -> Retry:
    return Retry(total=settings.provider_retries, connect=0, read=settings.provider_retries,
                 status=settings.provider_retries, backoff_factor=settings.provider_backoff,
                 status_forcelist=(429, 500, 502, 503, 504), allowed_methods={"GET"},
                 respect_retry_after_header=True, raise_on_status=False)


class OnlineProvider:
    """Base of the online providers; subclasses say how to ask and how to read the answers.

    Parameters
    ----------
    key
        The provider key (default: :func:`~wuling_geo.data.geocode.keys.provider_key`).
    base_url
        The service root (default: ``settings.<name>_url``), e.g. a local stand-in.
    rate
        Most requests a second (default: ``settings.provider_rates[name]``).

    Raises
    ------
    ProviderKeyError
        If no key is given or configured.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    datum: ClassVar[str]

    def __init__(self, key: str | None = None, base_url: str | None = None,
                 rate: float | None = None) -> None:
        self._key = (key or "").strip() or provider_key(self.name, self.title)
        self.base_url = (base_url or getattr(settings, f"{self.name}_url")).rstrip("/")
        self.limiter = RateLimiter(settings.provider_rates[self.name] if rate is None else rate)
        self._session = requests.Session()
        self._session.mount("http://", HTTPAdapter(max_retries=_retry_policy()))
        self._session.mount("https://", HTTPAdapter(max_retries=_retry_policy()))
        self._session.headers["User-Agent"] = settings.user_agent
        self._reachable = False

    def __repr__(self) -> str:  # never show the key
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    # ------------------------------------------------------------------ subclass hooks
    def requests_for(self, query: str) -> list[tuple[str, str, dict]]:
        """Return ``(method, endpoint, params)`` of each request to ask for ``query``."""
        raise NotImplementedError

    def key_params(self) -> dict:
        """Return the request parameters that carry the key."""
        raise NotImplementedError

    def check(self, status: int, answer: object) -> bool:
        """Raise on an error answer; return ``False`` for 'no result', ``True`` otherwise.

        Raises :class:`Throttled` when the answer says to slow down.
        """
        raise NotImplementedError

    def parse(self, method: str, answer: dict) -> list[Hit]:
        """Return the hits of an answer."""
        raise NotImplementedError

    # ------------------------------------------------------------------ HTTP and cache
    def _fail(self, error: type[Exception], text: str) -> Exception:
        return error(redact(f"{self.title}: {text}", self._key))

    def _cache_file(self, endpoint: str, params: dict) -> Path:
        ident = json.dumps([self.base_url, endpoint, params], sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:20]
        return settings.cache_dir / "geocode" / self.name / f"{digest}.json"

    def fetch(self, endpoint: str, params: dict) -> tuple[dict | None, str]:
        """Return ``(answer, date fetched)`` for a request (``None``: no result), cached."""
        cached = self._cache_file(endpoint, params)
        if cached.exists():
            try:
                record = json.loads(cached.read_text(encoding="utf-8"))
                log.debug("%s cache hit: %s", self.title, cached.name)
                return record["answer"], record["date"]
            except (OSError, ValueError, KeyError):
                cached.unlink(missing_ok=True)  # damaged: ask again
        url = self.base_url + endpoint
        log.debug("%s cache miss: asking %s (key not shown)", self.title, url)
        if not self._reachable:
            require_online(url, self.title, OFFLINE_HINT)
            self._reachable = True
        retry = _retry_policy()
        while True:
            self.limiter.wait()
            try:
                response = self._session.get(url, params={**params, **self.key_params()},
                                             timeout=(settings.connect_timeout,
                                                      settings.read_timeout))
            except requests.ConnectionError as exc:
                raise self._fail(OfflineError, f"cannot reach {self.base_url} ({exc}); "
                                 f"{OFFLINE_HINT}") from None
            except requests.RequestException as exc:
                raise self._fail(ProviderError, f"request failed ({exc})") from None
            if response.status_code >= 500 or response.status_code == 429:
                error = QuotaError if response.status_code == 429 else ProviderError
                raise self._fail(error, f"HTTP {response.status_code} after "
                                 f"{settings.provider_retries} retries; try again later")
            try:
                answer = response.json()
            except ValueError:
                answer = None
            try:
                found = self.check(response.status_code, answer)
            except Throttled as exc:
                try:
                    retry = retry.increment(method="GET", url=endpoint)
                except MaxRetryError:
                    raise self._fail(QuotaError, f"still throttled ({exc}) after "
                                     f"{settings.provider_retries} retries: wait, or lower "
                                     f"settings.provider_rates[{self.name!r}]") from None
                retry.sleep()
                continue
            break
        date = _dt.date.today().isoformat()
        stored = answer if found else None
        cached.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(cached) as tmp:
            tmp.write_text(redact(json.dumps({"date": date, "answer": stored}, ensure_ascii=False),
                                  self._key), encoding="utf-8")
        return stored, date

    # ------------------------------------------------------------------ candidates
    @cached_property
    def _zone(self) -> BaseGeometry:
        return boundary.district_with_margin()

    def _judge(self, place: Place | None, hit: Hit, prov: Provenance) -> Candidate:
        lon, lat = _datum.convert(hit.lon, hit.lat, self.datum, "wgs84")
        flags: list[str] = []
        confidence = hit.base_confidence
        if not self._zone.covers(shapely.Point(lon, lat)):
            flags.append("outside-district")
        if place is not None:
            from wuling_geo.data.gazetteer import core_name

            if not kinds.fits(place.subtype, hit.place_class):
                flags.append("kind-mismatch")
            cores = {core_name(n) for n in place.names[:-1]}
            if hit.named and not any(c and c in core_name(hit.label) for c in cores) and not any(
                    c and c in hit.label for c in place.names[:-1]):
                flags.append("name-mismatch")
                confidence = lower(confidence)
        if {"outside-district", "kind-mismatch"} & set(flags):
            confidence = "none"
        return Candidate(hit.label, lon, lat, hit.kind, hit.place_class, hit.precision,
                         confidence, prov, hit.ident, tuple(flags))

    def candidates(self, place: Place | str) -> list[Candidate]:
        """Return every answer of the provider for a gazetteer place or a free name.

        For a place, its Chinese name is asked; candidates are checked against the district
        (with its margin), the place's kind and its names. For a free name only the
        district is checked.
        """
        query = place.name_zh if isinstance(place, Place) else str(place).strip()
        subject = place if isinstance(place, Place) else None
        out: list[Candidate] = []
        for method, endpoint, params in self.requests_for(query):
            answer, date = self.fetch(endpoint, params)
            if answer is None:
                continue
            prov = Provenance(self.name, method, query, date, endpoint, self.datum)
            out.extend(self._judge(subject, hit, prov) for hit in self.parse(method, answer))
        return out

    def best(self, place: Place | str) -> Candidate | None:
        """Return the most confident accepted candidate (``None`` if there is none)."""
        ok = [c for c in self.candidates(place) if c.accepted]
        if not ok:
            return None
        return min(ok, key=lambda c: CONFIDENCE_STEPS.index(c.confidence))

    def locate(self, place: Place | str) -> Candidate:
        """Like :meth:`best`, but raise :class:`NoMatchError` when nothing is accepted."""
        found = self.best(place)
        if found is None:
            what = place.name_zh if isinstance(place, Place) else place
            raise self._fail(NoMatchError, f"no match for {what!r} of the right kind inside "
                             "Qianjiang District: check the name or try another `provider`")
        return found


#: Provider names accepted by :func:`wuling_geo.data.geocode.providers.make_provider` (and
#: ``--provider``, with "nominatim").
PROVIDER_NAMES = ("tianditu", "amap", "baidu")


def key_error(provider: OnlineProvider, code: object, info: object) -> ProviderKeyError:
    """Return the error for a refused key (the key itself is masked)."""
    env = f"WULING_GEO_{provider.name.upper()}_KEY"
    return provider._fail(ProviderKeyError, f"the key was refused ({code} {info}): check {env} "
                          "or [keys] in your config file, and that the key may use this service")


def quota_error(provider: OnlineProvider, code: object, info: object) -> QuotaError:
    """Return the error for an exhausted daily quota."""
    return provider._fail(QuotaError, f"quota exhausted ({code} {info}): wait until it resets "
                          "(usually midnight, Beijing time) or use another `provider`")


def raise_for_code(provider: OnlineProvider, code: object, info: object, *, throttle: Collection,
                   keys: Collection, quota: Collection) -> NoReturn:
    """Raise what a provider's error ``code`` means: throttled (retried), key, quota or other."""
    if code in throttle:
        raise Throttled(f"{code} {info}")
    if code in keys:
        raise key_error(provider, code, info)
    if code in quota:
        raise quota_error(provider, code, info)
    raise provider._fail(ProviderError, f"error {code} {info}")


__all__ = ["CONFIDENCE_STEPS", "PROVIDER_NAMES", "Candidate", "Hit", "OnlineProvider", "Provenance",
           "RateLimiter", "Throttled", "key_error", "lower", "quota_error", "raise_for_code"]
