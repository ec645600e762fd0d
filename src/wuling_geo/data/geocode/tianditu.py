"""Tianditu (天地图) Web service API: 地理编码 (``/geocoder``) and 地名搜索 V2.0 (``/v2/search``).

Follows the public documentation: http://lbs.tianditu.gov.cn/server/geocodinginterface.html
(地理编码: ``ds={"keyWord": ...}``; answer ``status`` "0" 正常, "101" 结果为空, "404" 出错;
``location`` with ``lon``, ``lat``, ``score``, ``level``) and
http://lbs.tianditu.gov.cn/server/search2.html (行政区划区域搜索, ``queryType`` 12 with a
9-digit ``specify`` code, here 156500114; ``status.infocode`` 1000 服务正常; ``pois`` with
``lonlat``, ``hotPointID``, ``poiType`` 101 POI / 102 公交站点, ``typeName``). Tianditu
answers in CGCS2000, which is WGS-84 to within a metre. The documents found do not describe
the answer to a refused key; an HTTP 401/403 is taken as one.
"""

from __future__ import annotations

import json

from wuling_geo._util.errors import ProviderError
from wuling_geo.data.geocode import kinds
from wuling_geo.data.geocode.provider import (
    DISTRICT_ADCODE,
    DISTRICT_NAME,
    Hit,
    OnlineProvider,
    Throttled,
    key_error,
)

SPECIFY = "156" + DISTRICT_ADCODE


def confidence_of(score: object) -> str:
    """Return a confidence from Tianditu's match ``score`` (0-100)."""
    try:
        value = float(score)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "low"
    return "medium" if value >= 90 else "low-medium" if value >= 70 else "low"


def _compact(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class TiandituProvider(OnlineProvider):
    """Tianditu geocoder and district POI search (CGCS2000 ≈ WGS-84)."""

    name = "tianditu"
    title = "Tianditu (天地图)"
    datum = "wgs84"

    def key_params(self) -> dict:
        """Return the key parameter (``tk``)."""
        return {"tk": self._key}

    def requests_for(self, query: str) -> list[tuple[str, str, dict]]:
        """Return a geocode and a district POI search for ``query``."""
        return [
            ("geocode", "/geocoder", {"ds": _compact({"keyWord": DISTRICT_NAME + query})}),
            ("place-search", "/v2/search", {
                "postStr": _compact({"keyWord": query, "queryType": 12, "specify": SPECIFY,
                                     "start": 0, "count": 10, "show": 2}),
                "type": "query"}),
        ]

    def check(self, status: int, answer: object) -> bool:
        """Raise on Tianditu error answers; ``False`` when nothing was found."""
        if status in (401, 403):
            msg = answer.get("msg", "") if isinstance(answer, dict) else ""
            raise key_error(self, f"HTTP {status}", msg)
        if not isinstance(answer, dict):
            raise self._fail(ProviderError, f"unexpected answer (HTTP {status})")
        state = answer.get("status")
        if isinstance(state, dict):  # v2 search
            code = state.get("infocode")
            if str(code) != "1000":
                raise self._fail(ProviderError, f"search error {code} {state.get('cndesc', '')}")
            return bool(answer.get("pois"))
        code = str(state)
        if code == "0":
            return bool(answer.get("location"))
        if code == "101":
            return False
        if code == "429":
            raise Throttled(code)
        raise self._fail(ProviderError, f"geocoder error {code} {answer.get('msg', '')}")

    def parse(self, method: str, answer: dict) -> list[Hit]:
        """Return the geocode or POIs of an answer."""
        if method == "geocode":
            loc = answer.get("location") or {}
            if "lon" not in loc:
                return []
            level = str(loc.get("level", ""))
            return [Hit(str(loc.get("keyWord", "")), float(loc["lon"]), float(loc["lat"]), level,
                        kinds.classify(level), {"score": loc.get("score"), "level": level},
                        confidence_of(loc.get("score")), named=False)]
        hits = []
        for p in answer.get("pois") or []:
            try:
                lon, lat = (float(v) for v in str(p.get("lonlat", "")).replace(" ", ",").split(","))
            except ValueError:
                continue
            kind = "公交站点" if str(p.get("poiType")) == "102" else str(p.get("typeName", ""))
            hits.append(Hit(str(p.get("name", "")), lon, lat, kind, kinds.classify(kind),
                            {"poiType": p.get("poiType"), "typeCode": p.get("typeCode", "")},
                            "medium", str(p.get("hotPointID", ""))))
        return hits


__all__ = ["TiandituProvider", "confidence_of"]
