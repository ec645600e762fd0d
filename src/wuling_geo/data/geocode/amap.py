"""Amap (高德) Web service API: 地理编码 (``/v3/geocode/geo``) and 关键字搜索 (``/v3/place/text``).

Follows the public documentation: https://lbs.amap.com/api/webservice/guide/api/georegeo
(地理/逆地理编码), https://lbs.amap.com/api/webservice/guide/api/search (搜索POI) and
https://lbs.amap.com/api/webservice/guide/tools/info (错误码说明). Answers are GCJ-02
(``"lon,lat"`` strings); ``status`` is ``"1"`` on success, else ``infocode``/``info`` say why.
Both requests are restricted to the district: ``city=500114`` (and ``citylimit=true`` for
the POI search).
"""

from __future__ import annotations

from wuling_geo._util.errors import ProviderError, ProviderKeyError
from wuling_geo.data.geocode import kinds
from wuling_geo.data.geocode.provider import (
    DISTRICT_ADCODE,
    DISTRICT_NAME,
    Hit,
    OnlineProvider,
    raise_for_code,
)

# infocode groups (错误码说明).
KEY_CODES = {"10001", "10002", "10005", "10006", "10007", "10008", "10009", "10011", "10012",
             "10013"}
QUOTA_CODES = {"10003", "10044", "10045"}
THROTTLE_CODES = {"10004", "10010", "10014", "10015", "10016", "10019", "10020", "10021",
                  "10029"}

# Geocoder ``level`` -> confidence in the position (a town's centre is what we want for 镇).
_LEVEL_CONFIDENCE = {"兴趣点": "medium", "门址": "medium", "门牌号": "medium", "乡镇": "medium",
                     "村庄": "medium", "道路": "low-medium", "区县": "low", "市": "low",
                     "省": "low", "国家": "low"}


def _lonlat(text: str) -> tuple[float, float] | None:
    try:
        lon, lat = (float(v) for v in str(text).split(","))
    except ValueError:
        return None
    return lon, lat


def _text(value: object) -> str:
    """Amap sends ``[]`` for empty fields; return a plain string."""
    return value if isinstance(value, str) else ""


class AmapProvider(OnlineProvider):
    """Amap geocoder and POI keyword search, district-bounded, GCJ-02 -> WGS-84."""

    name = "amap"
    title = "Amap (高德)"
    datum = "gcj02"

    def key_params(self) -> dict:
        """Return the key parameter (``key``)."""
        return {"key": self._key}

    def requests_for(self, query: str) -> list[tuple[str, str, dict]]:
        """Return a geocode and a POI keyword search for ``query`` in the district."""
        return [
            ("geocode", "/v3/geocode/geo", {"address": DISTRICT_NAME + query,
                                            "city": DISTRICT_ADCODE, "output": "JSON"}),
            ("place-search", "/v3/place/text", {"keywords": query, "city": DISTRICT_ADCODE,
                                                "citylimit": "true", "offset": 10, "page": 1,
                                                "extensions": "base", "output": "JSON"}),
        ]

    def check(self, status: int, answer: object) -> bool:
        """Raise on Amap error answers; ``False`` when nothing was found."""
        if not isinstance(answer, dict) or "status" not in answer:
            raise self._fail(ProviderKeyError if status in (401, 403) else ProviderError,
                             f"unexpected answer (HTTP {status})")
        if str(answer["status"]) == "1":
            return bool(answer.get("geocodes") or answer.get("pois"))
        code, info = str(answer.get("infocode", "")), answer.get("info", "")
        raise_for_code(self, code, info, throttle=THROTTLE_CODES, keys=KEY_CODES,
                       quota=QUOTA_CODES)

    def parse(self, method: str, answer: dict) -> list[Hit]:
        """Return the geocodes or POIs of an answer (GCJ-02)."""
        hits: list[Hit] = []
        if method == "geocode":
            for g in answer.get("geocodes") or []:
                pos = _lonlat(g.get("location", ""))
                if pos is None:
                    continue
                level = _text(g.get("level"))
                hits.append(Hit(_text(g.get("formatted_address")), *pos, level,
                                kinds.classify(level), {"level": level, "adcode": _text(
                                    g.get("adcode"))}, _LEVEL_CONFIDENCE.get(level, "low-medium"),
                                named=False))
        else:
            for p in answer.get("pois") or []:
                pos = _lonlat(p.get("location", ""))
                if pos is None:
                    continue
                kind = _text(p.get("type"))
                hits.append(Hit(_text(p.get("name")), *pos, kind, kinds.classify(kind),
                                {"typecode": _text(p.get("typecode")),
                                 "adcode": _text(p.get("adcode"))}, "medium",
                                _text(p.get("id"))))
        return hits

__all__ = ["AmapProvider"]
