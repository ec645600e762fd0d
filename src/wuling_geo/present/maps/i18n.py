"""User-interface text of the web maps, in Chinese (``zh``) and English (``en``).

Data (place names, facts, sources) is shown as the gazetteer gives it; only the map's own
labels are translated here. ``--lang`` also picks which of a place's names comes first.
"""

from __future__ import annotations

from wuling_geo._util.errors import InputError

LANGS = ("zh", "en")

_TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "黔江区旅游与物流地图", "en": "Qianjiang District: tourism and logistics"},
    "index_title": {"zh": "黔江区地图", "en": "Qianjiang District maps"},
    # layers
    "boundary": {"zh": "黔江区界", "en": "Qianjiang District boundary"},
    "neighbours": {"zh": "相邻区县", "en": "Neighbouring counties"},
    "scenic": {"zh": "景区", "en": "Scenic areas"},
    "transport": {"zh": "交通", "en": "Transport"},
    "logistics": {"zh": "物流", "en": "Logistics"},
    "industry": {"zh": "产业", "en": "Industry"},
    "civic": {"zh": "街道与乡镇", "en": "Subdistricts and towns"},
    "railways": {"zh": "铁路线", "en": "Railway lines"},
    "roads": {"zh": "主要道路", "en": "Main roads"},
    "catchment": {"zh": "等时圈", "en": "Catchment"},
    "nearest": {"zh": "最近设施", "en": "nearest facility"},
    "each": {"zh": "各自", "en": "each"},
    "routes": {"zh": "行程路线", "en": "Route"},
    "surface": {"zh": "到最近设施的时间", "en": "Time to the nearest facility"},
    "located": {"zh": "已定位", "en": "located"},
    # legend
    "legend": {"zh": "图例", "en": "Legend"},
    "places": {"zh": "地点", "en": "Places"},
    "lines": {"zh": "线路与边界", "en": "Lines and boundaries"},
    "grade_5A": {"zh": "5A级景区", "en": "5A scenic area"},
    "grade_4A": {"zh": "4A级景区", "en": "4A scenic area"},
    "grade_none": {"zh": "其他景点", "en": "Other scenic place"},
    "part": {"zh": "景区的组成部分", "en": "Part of a scenic area"},
    "rail": {"zh": "普速铁路", "en": "Conventional railway"},
    "hsr": {"zh": "高速铁路", "en": "High-speed railway"},
    "motorway": {"zh": "高速公路", "en": "Expressway"},
    "trunk": {"zh": "干线公路", "en": "Trunk road"},
    "primary": {"zh": "主干公路", "en": "Primary road"},
    "stop": {"zh": "停靠点", "en": "Stop"},
    "amap_note": {"zh": "叠加图层已转换为GCJ-02坐标，与高德底图对齐",
                  "en": "Overlays converted to GCJ-02 to line up with the Amap basemap"},
    # popups
    "category": {"zh": "类别", "en": "Category"},
    "grade": {"zh": "等级", "en": "Grade"},
    "rated": {"zh": "评定年份", "en": "Rated"},
    "part_of": {"zh": "所属景区", "en": "Part of"},
    "position": {"zh": "位置", "en": "Position"},
    "coordinates": {"zh": "坐标 (WGS-84)", "en": "Coordinates (WGS-84)"},
    "source": {"zh": "来源", "en": "Source"},
    "confidence": {"zh": "可信度", "en": "Confidence"},
    "flags": {"zh": "提示", "en": "Flags"},
    "facts": {"zh": "资料", "en": "Facts"},
    "province": {"zh": "所属省市", "en": "Province"},
    "area": {"zh": "面积", "en": "Area"},
    "origin": {"zh": "出发地", "en": "Origin"},
    "mode": {"zh": "模式", "en": "Mode"},
    "minutes": {"zh": "时间", "en": "Time"},
    "share": {"zh": "占全区面积", "en": "Share of the district"},
    "road_km": {"zh": "可达道路", "en": "Road reached"},
    "inside": {"zh": "范围内", "en": "Inside"},
    "day": {"zh": "第{n}天", "en": "Day {n}"},
    "leg": {"zh": "路段", "en": "Leg"},
    "drive": {"zh": "驾车", "en": "Drive"},
    "distance": {"zh": "距离", "en": "Distance"},
    "facility": {"zh": "最近设施", "en": "Nearest facility"},
    "length": {"zh": "长度", "en": "Length"},
    "type": {"zh": "类型", "en": "Type"},
    "method_gazetteer": {"zh": "地名库", "en": "gazetteer"},
    "method_osm": {"zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "method_nominatim": {"zh": "Nominatim", "en": "Nominatim"},
    "from_datum": {"zh": "原始坐标系", "en": "given in"},
    "min": {"zh": "分钟", "en": "min"},
    "unnamed": {"zh": "未命名", "en": "unnamed"},
    "unreachable": {"zh": "无法到达", "en": "unreachable"},
    # unresolved panel
    "unresolved": {"zh": "未定位地点", "en": "Places without a position"},
    "unresolved_note": {"zh": "以下地点尚无可靠坐标，未画在地图上。",
                        "en": "These places have no reliable position yet and are not drawn."},
    "not_identified": {"zh": "尚未确认是哪一处", "en": "not yet identified"},
    "no_position": {"zh": "地名库和OpenStreetMap中均无坐标",
                    "en": "no position in the gazetteer or OpenStreetMap"},
    "part_of_name": {"zh": "{name}的组成部分", "en": "part of {name}"},
    # controls
    "search": {"zh": "搜索地名（中文、拼音或英文）", "en": "Search by name (Chinese, pinyin, English)"},
    "not_found": {"zh": "没有找到", "en": "Not found"},
    "fullscreen": {"zh": "全屏", "en": "Full screen"},
    "exit_fullscreen": {"zh": "退出全屏", "en": "Exit full screen"},
    "locate": {"zh": "显示我的位置", "en": "Show my location"},
    "locate_popup": {"zh": "您在此点 {distance} {unit} 范围内",
                     "en": "You are within {distance} {unit} of this point"},
    "meters": {"zh": "米", "en": "metres"},
    "outside": {"zh": "您似乎在地图范围之外", "en": "You seem to be outside the map"},
    "data_credit": {"zh": "数据", "en": "Data"},
    "boundary_credit": {"zh": "区界", "en": "Boundary"},
    "built": {"zh": "生成时间", "en": "Built"},
    "size": {"zh": "大小", "en": "Size"},
    "no_maps": {"zh": "还没有生成地图。", "en": "No maps have been built yet."},
}

_CATEGORY_FALLBACK = {"scenic", "transport", "logistics", "industry", "civic"}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language, else raise :class:`InputError`."""
    if lang not in LANGS:
        msg = f"unknown language {lang!r}: use one of {', '.join(LANGS)}"
        raise InputError(msg)
    return lang


def text(key: str, lang: str, **values: object) -> str:
    """Return the label ``key`` in ``lang``, with ``{name}`` fields filled from ``values``."""
    label = _TEXT[key][lang]
    return label.format(**values) if values else label


def category_label(category: str, lang: str) -> str:
    """Return the display name of a gazetteer category (the category itself if unknown)."""
    return text(category, lang) if category in _CATEGORY_FALLBACK else str(category)


def names(name_zh: str, name_en: str, lang: str) -> tuple[str, str]:
    """Return ``(primary, secondary)`` names for ``lang``; either may be empty."""
    zh, en = (name_zh or "").strip(), (name_en or "").strip()
    primary, secondary = (zh, en) if lang == "zh" else (en, zh)
    if not primary:
        primary, secondary = secondary, ""
    return primary, secondary if secondary != primary else ""
