"""The shipped data in geodata/gazetteer.toml: every fact sourced, every position valid.

These tests are about the DATA (FACTS.md is the reference), not the code: the code tests use
the small fixture gazetteer in tests/data/. When a sourced fact is added to the shipped file,
these are the tests to update.
"""

import pytest
import shapely
from pyproj import Geod

from wuling_geo import settings
from wuling_geo.data import boundary, datum
from wuling_geo.data.gazetteer import CATEGORIES, CONFIDENCES, load_gazetteer
from wuling_geo.data.geocode.geocoder import Geocoder

# The 30 township-level units and their codes (FACTS.md, "Township seats").
SEATS = {
    "城东街道": 500114001, "城南街道": 500114002, "城西街道": 500114003, "正阳街道": 500114004,
    "舟白街道": 500114005, "冯家街道": 500114006, "小南海镇": 500114102, "邻鄂镇": 500114104,
    "阿蓬江镇": 500114105, "石会镇": 500114106, "黑溪镇": 500114107, "黄溪镇": 500114108,
    "黎水镇": 500114109, "金溪镇": 500114110, "马喇镇": 500114111, "濯水镇": 500114112,
    "石家镇": 500114113, "鹅池镇": 500114114, "中塘镇": 500114115, "沙坝镇": 500114116,
    "白石镇": 500114117, "太极镇": 500114118, "五里镇": 500114119, "水市镇": 500114120,
    "蓬东乡": 500114201, "杉岭乡": 500114204, "水田乡": 500114206, "白土乡": 500114207,
    "金洞乡": 500114208, "新华乡": 500114211,
}
SUBTYPE_OF_SUFFIX = {"街道": "subdistrict", "镇": "town", "乡": "township"}
_GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer(settings.geodata_dir / "gazetteer.toml")


def metres(a, b) -> float:
    return _GEOD.inv(a.lon, a.lat, b.lon, b.lat)[2]


def test_every_place_the_mission_names_is_listed(gaz):
    names = {p.name_zh for p in gaz} | {a for p in gaz for a in p.aliases}
    wanted = ["濯水景区", "濯水古镇", "蒲花暗河", "小南海景区", "土家十三寨", "环小南海十三寨", "神龟峡",
              "城市峡谷", "城市大峡谷", "芭拉胡", "爱莉丝庄园", "白垩纪恐龙遗址公园",
              "沿阿蓬江旅游风景道", "水坪老街", "黔江武陵山机场", "黔江站", "渝怀铁路", "黔张常铁路",
              "渝厦高铁", "黔江高新区", "正阳工业园区", "智慧物流园区", "冷链物流中心",
              "武陵山现代粮食物流中心", "渝东南成品油储备中心", "450万吨铁路货场", "保税仓",
              "三磊玻纤", "京宏源铝业", "铝晟新材料", "科瑞南海制药", "黔江区人民政府驻地"]
    assert [w for w in wanted if w not in names] == []
    assert {p.category for p in gaz} == set(CATEGORIES)


def test_all_thirty_township_seats_are_present_with_a_sourced_position(gaz):
    units = {p.name_zh: p for p in gaz if p.subtype in SUBTYPE_OF_SUFFIX.values()}
    assert set(units) == set(SEATS)  # 6 街道 + 18 镇 + 6 乡, no more, no fewer
    for name, place in units.items():
        suffix = next(s for s in SUBTYPE_OF_SUFFIX if name.endswith(s))
        assert (place.category, place.subtype) == ("civic", SUBTYPE_OF_SUFFIX[suffix])
        pos = place.position
        assert pos is not None and pos.datum == "gcj02" and pos.confidence == "low-medium"
        assert "ixxxxoooo/yutuzhi" in pos.source and "81bed230" in pos.source
        assert {f.key: f.value for f in place.facts}["admin_code"] == SEATS[name]
    assert sum(p.subtype == "township" for p in units.values()) == 6
    # No two seats coincide.
    points = {(p.position.lon, p.position.lat) for p in units.values()}
    assert len(points) == 30


def test_seat_positions_as_facts_gives_them(gaz):
    xinhua = gaz.find("新华乡").position  # FACTS.md: GCJ-02 108.6079, 29.3196
    assert (xinhua.lon, xinhua.lat) == pytest.approx(datum.convert(108.6079, 29.3196, "gcj02", "wgs84"))
    # FACTS.md's check: the 濯水镇 seat is 534 m from the 濯水景区 point (both GCJ-02).
    assert metres(gaz.find("濯水镇").position, gaz.find("濯水景区").position) == pytest.approx(534, abs=10)
    # ... and the caveat: 城西 is 533 m from the (WGS-84) district seat after conversion.
    assert metres(gaz.find("城西街道").position, gaz.find("district-seat").position) == pytest.approx(
        533, abs=10)
    assert any(f.key == "datum_caveat" for f in gaz.find("城西街道").facts)


def test_every_position_and_fact_is_sourced_and_inside_the_district(gaz):
    zone = boundary.district_with_margin()
    located = [p for p in gaz if p.position is not None]
    for p in located:
        pos = p.position
        assert pos.source.strip() and pos.confidence in CONFIDENCES, p.id
        assert pos.datum in {"wgs84", "gcj02", "bd09"}, p.id
        assert zone.covers(shapely.Point(pos.lon, pos.lat)), f"{p.id} lies outside the district"
    for p in gaz:
        for f in p.facts:
            assert f.source.strip() and f.confidence in CONFIDENCES, (p.id, f.key)
    others = {p.id for p in located if p.subtype not in SUBTYPE_OF_SUFFIX.values()}
    assert others == {"zhuoshui-scenic-area", "wulingshan-airport", "qianjiang-station",
                      "district-seat"}


def test_the_civic_layer_resolves_completely_offline(gaz):
    res = [Geocoder(gaz, features=None).resolve_place(p) for p in gaz.by_category("civic")]
    assert len(res) == 31 and all(r.method == "gazetteer" and not r.flags for r in res)


def test_grades_match_facts(gaz):
    assert [p.name_zh for p in gaz if p.grade == "5A"] == ["濯水景区"]
    four_a = {p.name_zh: p for p in gaz if p.grade == "4A"}
    # "1个5A + 7个4A": the seven named by FACTS.md, 濯水古镇 and 蒲花暗河 rated before the merger.
    assert set(four_a) == {"小南海景区", "土家十三寨", "神龟峡", "城市峡谷", "爱莉丝庄园",
                           "濯水古镇", "蒲花暗河"}
    assert all(p.identified for p in gaz)  # nothing left unidentified
    for name in ("濯水古镇", "蒲花暗河"):
        assert four_a[name].part_of == "zhuoshui-scenic-area"
        assert any(f.key == "rated_4A" and "m.014i.cn" in f.source for f in four_a[name].facts)
    assert four_a["小南海景区"].position is None  # still no position found


def test_xiaonanhai_closure_is_a_sourced_fact(gaz):
    status = {f.key: f for f in gaz.get("xiaonanhai").facts}["status"]
    assert "closed to tourism" in status.value and "2018" in status.value
    assert "Xinhua" in status.source
