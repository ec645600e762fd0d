"""User-interface text of the web maps, in Chinese (``zh``) and English (``en``).

Data (place names, facts, sources) is shown as the gazetteer gives it; only the map's own
labels are translated here. ``--lang`` also picks which of a place's names comes first.
"""

from __future__ import annotations

import re

from wuling_geo._util.errors import InputError
from wuling_geo.analysis.catchments.stats import county_records

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
    "counties": {"zh": "各区县面积占比", "en": "Share of each county"},
    "day": {"zh": "第{n}天", "en": "Day {n}"},
    "leg": {"zh": "路段", "en": "Leg"},
    "drive": {"zh": "驾车", "en": "Drive"},
    "distance": {"zh": "距离", "en": "Distance"},
    "facility": {"zh": "最近设施", "en": "Nearest facility"},
    "length": {"zh": "长度", "en": "Length"},
    "type": {"zh": "类型", "en": "Type"},
    "usage": {"zh": "用途", "en": "Use"},
    "usage_main": {"zh": "干线", "en": "main line"},
    "usage_branch": {"zh": "支线", "en": "branch line"},
    "usage_industrial": {"zh": "工业线", "en": "industrial line"},
    "usage_freight": {"zh": "货运线", "en": "freight line"},
    "method_gazetteer": {"zh": "地名库", "en": "gazetteer"},
    "method_osm": {"zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "method_nominatim": {"zh": "Nominatim", "en": "Nominatim"},
    "method_tianditu": {"zh": "天地图", "en": "Tianditu"},
    "method_amap": {"zh": "高德地图", "en": "Amap"},
    "method_baidu": {"zh": "百度地图", "en": "Baidu"},
    "method_coordinates": {"zh": "坐标", "en": "coordinates"},
    "from_datum": {"zh": "原始坐标系", "en": "Given in"},
    "flag_outside-district": {"zh": "位于区界之外", "en": "outside the district"},
    "min": {"zh": "分钟", "en": "min"},
    "unnamed": {"zh": "未命名", "en": "unnamed"},
    "unreachable": {"zh": "无法到达", "en": "unreachable"},
    # unresolved panel
    "unresolved": {"zh": "未定位地点", "en": "Places without a position"},
    "coverage": {"zh": "各图层已定位", "en": "Located per layer"},
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
    # page without its script (no network, CDN blocked)
    "fallback_head": {"zh": "地图无法显示", "en": "The map cannot be shown"},
    "fallback_cdn": {
        "zh": "这张地图需要从网络加载 Leaflet 地图脚本，但没有加载成功（没有网络，或公共 CDN 被屏蔽，"
              "例如在中国大陆）。请运行一次 'wuling-geo map-assets'（需要 npm），再重新生成地图，"
              "即可得到无需网络的独立页面。",
        "en": "This map loads the Leaflet map script from the internet, and it could not be "
              "loaded (no network, or the public CDNs are blocked, as in mainland China). Run "
              "'wuling-geo map-assets' once (needs npm), then build the map again for a page "
              "that needs no network."},
    "fallback_script": {"zh": "地图脚本没有运行：请在浏览器中启用 JavaScript。",
                        "en": "The map script did not run: enable JavaScript in the browser."},
    # controls with English defaults
    "zoom_in": {"zh": "放大", "en": "Zoom in"},
    "zoom_out": {"zh": "缩小", "en": "Zoom out"},
    "layers": {"zh": "图层", "en": "Layers"},
    "leaflet": {"zh": "Leaflet 交互地图库", "en": "A JavaScript library for interactive maps"},
    "minimap_hide": {"zh": "隐藏小地图", "en": "Hide the overview map"},
    "minimap_show": {"zh": "显示小地图", "en": "Show the overview map"},
    "cancel": {"zh": "取消", "en": "Cancel"},
    "loading": {"zh": "加载中…", "en": "Loading…"},
    "catchment_key": {"zh": "时间范围（填色）", "en": "Time band (fill)"},
    "origins_key": {"zh": "出发地（轮廓）", "en": "Origin (outline)"},
    "catchments_group": {"zh": "等时圈（按出发地）", "en": "Catchments by origin"},
}

#: Human names of the gazetteer's fact keys, with the unit their numbers are in.
FACT_LABELS: dict[str, tuple[str, str, str]] = {
    "adcode": ("行政区划代码", "Administrative code", ""),
    "admin_code": ("统计用区划代码", "Statistical division code", ""),
    "admin_level": ("行政级别", "Administrative level", ""),
    "area_km2": ("面积", "Area", "km²"),
    "capacity": ("能力", "Capacity", ""),
    "datum_caveat": ("坐标系说明", "Datum caveat", ""),
    "design_speed_kmh": ("设计时速", "Design speed", "km/h"),
    "distance_from_city_km": ("距城区", "Distance from the city", "km"),
    "elevation_m": ("海拔", "Elevation", "m"),
    "gorge_length_km": ("峡谷长度", "Gorge length", "km"),
    "iata_icao": ("机场代码 (IATA/ICAO)", "Airport codes (IATA/ICAO)", ""),
    "length_km": ("长度", "Length", "km"),
    "lines": ("线路", "Lines", ""),
    "location": ("位置", "Location", ""),
    "mention": ("提及", "Mentioned", ""),
    "national_geopark": ("国家地质公园", "National geopark", ""),
    "new_building": ("新站房", "New building", ""),
    "opened": ("开通", "Opened", ""),
    "opening": ("开放", "Opening", ""),
    "origin": ("成因", "Origin", ""),
    "population": ("人口", "Population", ""),
    "project": ("规划项目", "Project", ""),
    "rated_4A": ("评为4A级", "Rated 4A", ""),
    "rated_5A": ("评为5A级", "Rated 5A", ""),
    "renamed": ("更名", "Renamed", ""),
    "runway": ("跑道", "Runway", ""),
    "seat": ("驻地", "Seat", ""),
    "section": ("区段", "Section", ""),
    "service": ("航班", "Service", ""),
    "setting": ("环境", "Setting", ""),
    "site_area_mu": ("占地", "Site area", "亩"),
    "status": ("现状", "Status", ""),
    "telecode": ("电报码", "Telegraph code", ""),
    "town": ("所在乡镇", "Town", ""),
    "use": ("用途", "Use", ""),
}

#: Display names of the gazetteer's subtypes.
SUBTYPES: dict[str, tuple[str, str]] = {
    "airport": ("机场", "airport"), "ancient_town": ("古镇", "ancient town"),
    "bonded_warehouse": ("保税仓库", "bonded warehouse"), "cave_river": ("暗河", "cave river"),
    "cold_chain": ("冷链物流", "cold chain"), "district_seat": ("区政府驻地", "district seat"),
    "enterprise": ("企业", "enterprise"), "farm_park": ("农业园", "farm park"),
    "fossil_park": ("化石公园", "fossil park"), "fuel_depot": ("油库", "fuel depot"),
    "grain_logistics": ("粮食物流", "grain logistics"),
    "industrial_park": ("工业园区", "industrial park"),
    "logistics_park": ("物流园区", "logistics park"), "old_street": ("老街", "old street"),
    "rail_freight_yard": ("铁路货场", "rail freight yard"), "railway": ("铁路", "railway"),
    "railway_station": ("火车站", "railway station"), "scenic_area": ("景区", "scenic area"),
    "scenic_road": ("风景道路", "scenic road"), "subdistrict": ("街道", "subdistrict"),
    "town": ("镇", "town"),
}

#: Confidence words of the gazetteer.
CONFIDENCE: dict[str, tuple[str, str]] = {
    "high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low"),
    "low-medium": ("中低", "low to medium"), "stated": ("原文所述", "as stated by the source"),
}

#: Source names as the public knows them; the project's own notes file is not a source.
SOURCE_WORDS: dict[str, tuple[str, str]] = {
    "zh-Wikipedia": ("中文维基百科", "Chinese Wikipedia"),
    "press": ("新闻报道", "press reports"),
    "seed article": ("项目来源文章", "the project's source article"),
    "admin lists": ("行政区划名录", "administrative division lists"),
    "Xinhua": ("新华社", "Xinhua"),
    "People's Daily": ("人民日报", "People's Daily"),
    "Qianjiang government page": ("黔江区政府网站", "Qianjiang government website"),
    "OurAirports": ("OurAirports", "OurAirports"),
}
#: What the project's compiled notes (FACTS.md) stand for when they are the only source named.
NOTES_SOURCE = ("项目整理的公开资料", "public sources compiled by the project")

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


def method_label(method: str, lang: str) -> str:
    """Return how a place was located, for a reader (``gazetteer`` → 地名库)."""
    return text(f"method_{method}", lang) if f"method_{method}" in _TEXT else str(method)


def fact_label(key: str, lang: str) -> tuple[str, str]:
    """Return the human name of a fact key and the unit of its numbers (``area_km2`` → Area, km²).

    An unknown key is shown with its underscores as spaces.
    """
    found = FACT_LABELS.get(key)
    if found is None:
        return key.replace("_", " ").strip().capitalize(), ""
    return (found[0] if lang == "zh" else found[1]), found[2]


def subtype_label(subtype: str, lang: str) -> str:
    """Return the display name of a subtype (``scenic_area`` → 景区 / scenic area)."""
    found = SUBTYPES.get(subtype)
    if found is None:
        return subtype.replace("_", " ")
    return found[0] if lang == "zh" else found[1]


def confidence_label(confidence: str, lang: str) -> str:
    """Return a confidence word in ``lang`` (the word itself if unknown)."""
    found = CONFIDENCE.get(confidence.strip())
    return confidence if found is None else (found[0] if lang == "zh" else found[1])


_NOTES_FILE = re.compile(r"\s*(?:\(FACTS\.md\)|(?:cited )?in FACTS\.md|FACTS\.md)")


def public_source(source: str, lang: str) -> str:
    """Return a source as a reader may look it up: known names in ``lang``, no file names.

    The gazetteer's sources sometimes point at the project's notes file (``press (FACTS.md)``,
    ``FACTS.md (about 28 km)``): the file name is dropped, the named source kept, and a bare
    reference to the notes reads as "public sources compiled by the project".
    """
    source = (source or "").strip()
    if not source:
        return ""
    note = ""
    bare = re.sub(r"\s+([;,])", r"\1", _NOTES_FILE.sub("", source)).strip(" ;,")
    if source.startswith("FACTS.md") and "(" in source:  # "FACTS.md (detail)": the detail is a note
        note, bare = bare.strip("() "), ""
    if not bare:
        bare = NOTES_SOURCE[0 if lang == "zh" else 1]
    for word, (zh, en) in SOURCE_WORDS.items():
        bare = bare.replace(word, zh if lang == "zh" else en)
    sep = "；" if lang == "zh" else "; "
    return bare if not note else f"{bare}{sep}{note}"


def names(name_zh: str, name_en: str, lang: str) -> tuple[str, str]:
    """Return ``(primary, secondary)`` names for ``lang``; either may be empty."""
    zh, en = (name_zh or "").strip(), (name_en or "").strip()
    primary, secondary = (zh, en) if lang == "zh" else (en, zh)
    if not primary:
        primary, secondary = secondary, ""
    return primary, secondary if secondary != primary else ""


def county_summary(records, lang: str) -> str:
    """Return the counties a band reaches and the share of each, e.g. ``Qianjiang 42.1 %``.

    ``records`` are a band's ``county_share`` (in memory or JSON text from a file); counties
    not reached are left out, the district first.
    """
    parts = []
    for item in county_records(records):
        share = item.get("share") or 0.0
        if share > 0:
            name = item.get("county") if lang == "zh" else item.get("name_en")
            parts.append(f"{name} {100 * share:.1f} %")
    return ", ".join(parts)
