"""What kind of place a provider's answer is, in wuling-geo's terms, and whether it fits.

Each provider labels its answers in its own vocabulary: Amap's geocoder ``level`` (乡镇,
兴趣点, 道路, 公交地铁站点, ...) and its POI ``type`` (风景名胜;风景名胜;国家级景点); Baidu's
``level`` (乡镇, 旅游景点, 火车站, ...) and POI ``tag``; Tianditu's ``level`` and POI
``typeName``/``poiType``. :func:`classify` maps any of them to one *place class*; and
:func:`fits` says whether a class may stand for a gazetteer place of a given subtype (a 镇
must not resolve to a street, a scenic area not to a bus stop).
"""

from __future__ import annotations

#: The place classes answers are sorted into.
CLASSES = ("region", "district", "town", "village", "road", "intersection", "address",
           "bus_stop", "bus_station", "railway_station", "airport", "scenic", "industrial",
           "company", "residential", "business_area", "poi", "unknown")

# Whole-value levels (checked first: "市" or "省" as substrings would catch far too much).
_EXACT = {
    "国家": "region", "省": "region", "市": "region", "城市": "region", "区县": "district",
    "开发区": "industrial", "乡镇": "town", "村庄": "village", "热点商圈": "business_area",
    "商圈": "business_area", "道路": "road", "小巷": "road", "道路交叉路口": "intersection",
    "交叉路口": "intersection", "兴趣点": "poi", "门牌号": "address", "门址": "address",
    "单元号": "address", "楼层": "address", "房间": "address", "住宅区": "residential",
    "地产小区": "residential", "未知": "unknown", "UNKNOWN": "unknown",
}
# Substring rules over type paths ("交通设施服务;火车站;火车站"), most specific first.
_CONTAINS = (
    ("公交", "bus_stop"), ("地铁", "bus_stop"), ("长途汽车站", "bus_station"),
    ("客运站", "bus_station"), ("火车站", "railway_station"), ("机场", "airport"),
    ("交叉路口", "intersection"), ("道路", "road"), ("交通地名", "road"), ("桥", "road"),
    ("乡镇", "town"), ("村庄", "village"), ("风景名胜", "scenic"), ("旅游景点", "scenic"),
    ("景区", "scenic"), ("公园", "scenic"), ("园区", "industrial"), ("开发区", "industrial"),
    ("公司企业", "company"), ("物流", "company"), ("工厂", "company"), ("门址", "address"),
    ("门牌", "address"), ("住宅", "residential"), ("商圈", "business_area"),
)

_SETTLEMENT = {"town"}
_SITE = {"poi", "scenic", "company", "industrial", "business_area"}
# Gazetteer subtype -> classes that may stand for it. Anything not listed is a site.
_FITS: dict[str, set[str]] = {
    "town": _SETTLEMENT, "subdistrict": _SETTLEMENT, "district_seat": {"district", "town"},
    "railway_station": {"railway_station"}, "airport": {"airport"}, "railway": set(),
    "scenic_road": {"road", "scenic"}, "old_street": {"road", "scenic", "poi"},
    "rail_freight_yard": {"railway_station", "poi", "company", "industrial"},
}


def classify(*labels: str) -> str:
    """Return the place class of a provider's level/type labels (the first that tells)."""
    for label in labels:
        text = (label or "").strip()
        if not text:
            continue
        if text in _EXACT:
            return _EXACT[text]
        for needle, cls in _CONTAINS:
            if needle in text:
                return cls
    return "poi" if any((label or "").strip() for label in labels) else "unknown"


def fits(subtype: str, cls: str) -> bool:
    """Whether an answer of class ``cls`` may stand for a gazetteer place of ``subtype``."""
    return cls in _FITS.get(subtype, _SITE)


__all__ = ["CLASSES", "classify", "fits"]
