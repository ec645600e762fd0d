"""Baidu (百度) Web service API: 地理编码 (``/geocoding/v3/``) and 地点检索 (``/place/v2/search``).

Follows the public documentation: https://lbsyun.baidu.com/faq/api?title=webapi/guide/webservice-geocoding
(地理编码: ``precise``, ``confidence``, ``comprehension``, ``level``),
https://lbsyun.baidu.com/faq/api?title=webapi/guide/webservice-placeapi (地点检索) and
https://lbsyun.baidu.com/index.php?title=webapi/appendix (服务状态码: 0 正常, 1 服务器内部错误,
2 请求参数非法, 3/5/101/2xx key and permission errors, 4/301/302 配额, 401/402 并发).
Answers are in the datum asked for with ``ret_coordtype`` (``gcj02ll`` by default here;
``bd09ll`` is Baidu's own default), converted to WGS-84 on the way in. Requests are
restricted to the district: the address is prefixed with 重庆市黔江区 and the POI search
asks ``region=黔江区`` with ``city_limit=true``.
"""

from __future__ import annotations

from wuling_geo._util.errors import ProviderError, ProviderKeyError
from wuling_geo.data.geocode import kinds
from wuling_geo.data.geocode.provider import (
    DISTRICT_NAME,
    Hit,
    OnlineProvider,
    lower,
    raise_for_code,
)

KEY_CODES = {3, 5, 9, 101, 102} | set(range(200, 300))
QUOTA_CODES = {4, 301, 302}
THROTTLE_CODES = {401, 402}
_DATUM = {"gcj02ll": "gcj02", "bd09ll": "bd09"}


def confidence_of(precise: object, confidence: object, comprehension: object) -> str:
    """Return a confidence from Baidu's ``precise``, ``confidence`` and ``comprehension``.

    Baidu's ``confidence`` describes the absolute error of the point (80: within about
    100 m, 50: within about 1 km); ``comprehension`` how well the address was understood.
    """
    try:
        conf, comp = int(confidence), int(comprehension)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "low"
    if str(precise) == "1" and conf >= 80:
        out = "medium-high"
    elif conf >= 50:
        out = "medium"
    elif conf >= 30:
        out = "low-medium"
    else:
        out = "low"
    return lower(out) if comp < 50 else out


class BaiduProvider(OnlineProvider):
    """Baidu geocoder and place search, district-bounded, GCJ-02/BD-09 -> WGS-84.

    Parameters
    ----------
    ret_coordtype
        The datum Baidu is asked to answer in: ``"gcj02ll"`` or ``"bd09ll"``.
    **kwargs
        As for :class:`~wuling_geo.data.geocode.provider.OnlineProvider`.
    """

    name = "baidu"
    title = "Baidu (百度)"
    datum = "gcj02"

    def __init__(self, *args, ret_coordtype: str = "gcj02ll", **kwargs) -> None:
        if ret_coordtype not in _DATUM:
            raise ValueError(f"ret_coordtype must be one of {sorted(_DATUM)}")
        super().__init__(*args, **kwargs)
        self.ret_coordtype = ret_coordtype
        self.datum = _DATUM[ret_coordtype]  # type: ignore[misc]

    def key_params(self) -> dict:
        """Return the key parameter (``ak``)."""
        return {"ak": self._key}

    def requests_for(self, query: str) -> list[tuple[str, str, dict]]:
        """Return a geocode and a district place search for ``query``."""
        return [
            ("geocode", "/geocoding/v3/", {"address": DISTRICT_NAME + query, "city": "重庆市",
                                           "output": "json", "ret_coordtype": self.ret_coordtype}),
            ("place-search", "/place/v2/search", {
                "query": query, "region": "黔江区", "city_limit": "true", "scope": 2,
                "page_size": 10, "page_num": 0, "output": "json",
                "ret_coordtype": self.ret_coordtype}),
        ]

    def check(self, status: int, answer: object) -> bool:
        """Raise on Baidu error answers; ``False`` when nothing was found."""
        if not isinstance(answer, dict) or "status" not in answer:
            raise self._fail(ProviderKeyError if status in (401, 403) else ProviderError,
                             f"unexpected answer (HTTP {status})")
        try:
            code = int(answer["status"])
        except (TypeError, ValueError):
            raise self._fail(ProviderError, f"unexpected status {answer['status']!r}") from None
        info = answer.get("message") or answer.get("msg") or ""
        if code == 0:
            return bool(answer.get("result") or answer.get("results"))
        if code == 1 and "无相关结果" in str(info):
            return False
        raise_for_code(self, code, info, throttle=THROTTLE_CODES, keys=KEY_CODES,
                       quota=QUOTA_CODES)

    def parse(self, method: str, answer: dict) -> list[Hit]:
        """Return the geocode or places of an answer (in the datum asked for)."""
        if method == "geocode":
            r = answer.get("result") or {}
            loc = r.get("location") or {}
            if "lng" not in loc:
                return []
            level = str(r.get("level", ""))
            precision = {k: r.get(k) for k in ("precise", "confidence", "comprehension", "level")}
            return [Hit(level or "(address)", float(loc["lng"]), float(loc["lat"]), level,
                        kinds.classify(level), precision,
                        confidence_of(r.get("precise"), r.get("confidence"),
                                      r.get("comprehension")), named=False)]
        hits = []
        for p in answer.get("results") or []:
            loc = p.get("location") or {}
            if "lng" not in loc:
                continue
            tag = str((p.get("detail_info") or {}).get("tag", ""))
            hits.append(Hit(str(p.get("name", "")), float(loc["lng"]), float(loc["lat"]), tag,
                            kinds.classify(tag), {"tag": tag, "area": p.get("area", "")},
                            "medium", str(p.get("uid", ""))))
        return hits


__all__ = ["BaiduProvider", "confidence_of"]
