"""Local stand-ins for the Amap, Baidu and Tianditu web services (for tests/fixture_server.py).

Each answers in its provider's documented JSON format, in its provider's datum, and with its
documented error answers:

- Amap: https://lbs.amap.com/api/webservice/guide/api/georegeo (地理编码 ``/v3/geocode/geo``:
  ``status``/``info``/``infocode``/``count``/``geocodes[].location`` "lon,lat" GCJ-02,
  ``level``), https://lbs.amap.com/api/webservice/guide/api/search (关键字搜索
  ``/v3/place/text``: ``pois[].name/type/typecode/location/id``) and
  https://lbs.amap.com/api/webservice/guide/tools/info (错误码说明: 10001 INVALID_USER_KEY,
  10003 DAILY_QUERY_OVER_LIMIT, 10021 CUQPS_HAS_EXCEEDED_THE_LIMIT).
- Baidu: https://lbsyun.baidu.com/faq/api?title=webapi/guide/webservice-geocoding (地理编码
  ``/geocoding/v3/``: ``result.location.lng/lat``, ``precise``, ``confidence``,
  ``comprehension``, ``level``; ``ret_coordtype`` gcj02ll or the default bd09ll),
  https://lbsyun.baidu.com/faq/api?title=webapi/guide/webservice-placeapi (地点检索
  ``/place/v2/search``: ``results[].name/location/uid/detail_info.tag``) and
  https://lbsyun.baidu.com/index.php?title=webapi/appendix (服务状态码: 200 APP不存在/AK有误,
  302 天配额超限, 401 当前并发量已经超过约定并发配额).
- Tianditu: http://lbs.tianditu.gov.cn/server/geocodinginterface.html (地理编码 ``/geocoder``
  with ``ds``; ``status`` "0"/"101"/"404", ``location.lon/lat/score/level/keyWord``) and
  http://lbs.tianditu.gov.cn/server/search2.html (地名搜索V2.0 ``/v2/search`` with
  ``postStr``, queryType 12; ``status.infocode`` 1000, ``pois[].lonlat/hotPointID/typeName``).
  The refused-key answer is not described there: the stand-in sends HTTP 403.

All places and positions here are SYNTHETIC (made-up points inside the district): they test
the clients, they are not real places. Positions are converted from WGS-84 to GCJ-02/BD-09
with ``eviltransform`` (not prcoords, which the code under test uses).
"""

from __future__ import annotations

import json

import eviltransform

KEY = "test-key-7f3a9c"

# name -> (WGS-84 lon, lat, Amap level/type, Baidu level/tag, Tianditu level/typeName)
PLACES = {
    "小南海镇": ((108.8600, 29.5900), "乡镇", "地名地址信息;普通地名;乡镇级地名", "乡镇", "乡镇"),
    "神龟峡": ((108.7000, 29.5000), "兴趣点", "风景名胜;风景名胜;国家级景点", "旅游景点",
            "风景名胜"),
    "神龟峡公交站": ((108.7010, 29.5010), "公交地铁站点", "交通设施服务;公交车站;公交车站相关",
                "公交车站", "公交站"),
    "爱莉丝庄园": ((108.8100, 29.4800), "兴趣点", "风景名胜;风景名胜;风景名胜", "旅游景点",
              "风景名胜"),
}
#: A same-named place far outside the district (it must never be chosen).
FAR = {"爱莉丝庄园": (106.5500, 29.5600)}


def fmt(lon: float, lat: float) -> str:
    return f"{lon:.6f},{lat:.6f}"


def gcj(lon: float, lat: float) -> tuple[float, float]:
    glat, glon = eviltransform.wgs2gcj(lat, lon)
    return glon, glat


def bd(lon: float, lat: float) -> tuple[float, float]:
    blat, blon = eviltransform.wgs2bd(lat, lon)
    return blon, blat


def _matches(text: str) -> list[str]:
    text = text.removeprefix("重庆市黔江区")
    return [n for n in PLACES if text and (n == text or (n.startswith(text)))]


class Scripted:
    """Answers to send first, one per request, before the normal ones (errors, throttling)."""

    def __init__(self) -> None:
        self.queue: list[tuple[int, object]] = []

    def pop(self) -> tuple[int, object] | None:
        return self.queue.pop(0) if self.queue else None


def amap(script: Scripted):
    def handler(path, params, body):
        if (first := script.pop()) is not None:
            return first
        if params.get("key") != KEY:
            return 200, {"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"}
        if path.startswith("/v3/geocode/geo"):
            names = _matches(params.get("address", ""))[:1]
            geocodes = [{"formatted_address": "重庆市黔江区" + n, "country": "中国",
                         "province": "重庆市", "city": "重庆市", "district": "黔江区",
                         "adcode": "500114", "location": fmt(*gcj(*PLACES[n][0])),
                         "level": PLACES[n][1], "township": [], "street": [], "number": []}
                        for n in names]
            return 200, {"status": "1", "info": "OK", "infocode": "10000",
                         "count": str(len(geocodes)), "geocodes": geocodes}
        names = _matches(params.get("keywords", ""))
        pois = [{"id": f"B0SYN{i:05d}", "name": n, "type": PLACES[n][2],
                 "typecode": "000000", "location": fmt(*gcj(*PLACES[n][0])),
                 "adcode": "500114", "adname": "黔江区"} for i, n in enumerate(names)]
        pois += [{"id": "B0FAR00001", "name": n, "type": PLACES[n][2], "typecode": "000000",
                  "location": fmt(*gcj(*FAR[n])), "adcode": "500103"}
                 for n in names if n in FAR]
        return 200, {"status": "1", "info": "OK", "infocode": "10000", "count": str(len(pois)),
                     "suggestion": {"keywords": [], "cities": []}, "pois": pois}
    return handler


def baidu(script: Scripted):
    def handler(path, params, body):
        if (first := script.pop()) is not None:
            return first
        if params.get("ak") != KEY:
            return 200, {"status": 200, "message": "APP不存在，AK有误请检查再重试"}
        to = gcj if params.get("ret_coordtype") == "gcj02ll" else bd
        if path.startswith("/geocoding/v3"):
            names = _matches(params.get("address", ""))[:1]
            if not names:
                return 200, {"status": 1, "msg": "Internal Service Error:无相关结果",
                             "results": []}
            n = names[0]
            lng, lat = to(*PLACES[n][0])
            return 200, {"status": 0, "result": {
                "location": {"lng": lng, "lat": lat}, "precise": 1, "confidence": 80,
                "comprehension": 100, "level": PLACES[n][3]}}
        names = _matches(params.get("query", ""))
        results = []
        for i, n in enumerate(names):
            lng, lat = to(*PLACES[n][0])
            results.append({"name": n, "location": {"lat": lat, "lng": lng},
                            "address": "重庆市黔江区", "province": "重庆市", "city": "重庆市",
                            "area": "黔江区", "detail": 1, "uid": f"synuid{i}",
                            "detail_info": {"tag": PLACES[n][3]}})
        return 200, {"status": 0, "message": "ok", "result_type": "poi_type", "results": results}
    return handler


def tianditu(script: Scripted):
    def handler(path, params, body):
        if (first := script.pop()) is not None:
            return first
        if params.get("tk") != KEY:
            return 403, {"msg": "权限验证失败", "code": 403}
        if path.startswith("/geocoder"):
            word = json.loads(params["ds"])["keyWord"]
            names = _matches(word)[:1]
            if not names:
                return 200, {"msg": "无结果", "status": "101", "searchVersion": "6.4.9V"}
            lon, lat = PLACES[names[0]][0]
            return 200, {"msg": "ok", "status": "0", "searchVersion": "6.4.9V", "location": {
                "score": 95, "level": PLACES[names[0]][4], "lon": lon, "lat": lat,
                "keyWord": word}}
        post = json.loads(params["postStr"])
        names = _matches(post["keyWord"])
        pois = [{"name": n, "address": "黔江区", "lonlat": fmt(*PLACES[n][0]),
                 "poiType": "102" if "公交" in n else "101", "hotPointID": f"SYN{i:04d}",
                 "typeName": PLACES[n][4], "typeCode": "000000", "source": "0"}
                for i, n in enumerate(names)]
        return 200, {"resultType": 1, "count": len(pois), "keyWord": post["keyWord"],
                     "pois": pois, "status": {"infocode": 1000, "cndesc": "服务正常"}}
    return handler
